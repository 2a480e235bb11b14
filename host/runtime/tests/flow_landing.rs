//! A page's commit lands while the next page is written: what that overlap must not break.
//! The store here is the real sled store behind a wrapper that makes every page commit slow
//! (and, when told, fail), so the next page is always settled while the previous one lands.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::Value;
use weft_runtime::flow::{FlowCtx, FlowError, MemoryStream, RunMode};
use weft_runtime::telemetry::Telemetry;
use weft_store::{Resolution, Result, SledStore, StoreError, SyncStore};
use weft_sync::{
    Cursor, IdempotencyKey, LedgerEntry, PageCommit, ParkedRecord, ReplayFilter, WaitingRecord,
};
use weft_world::types::Entity;

#[allow(dead_code)] // the support module serves several test files
mod support;
use support::{level, memory_flow};

/// Sled, with page commits that take 150 ms and, while `fail` is set, fail after the delay.
struct SlowCommits {
    inner: SledStore,
    fail: AtomicBool,
}

impl SyncStore for SlowCommits {
    fn commit_page(&self, c: &PageCommit) -> Result<()> {
        std::thread::sleep(Duration::from_millis(150));
        if self.fail.load(Ordering::SeqCst) {
            return Err(StoreError::NotFound {
                what: "disk",
                id: "injected commit failure".into(),
            });
        }
        self.inner.commit_page(c)
    }
    fn cursor(&self, flow: &str, stream: &str) -> Result<Option<Cursor>> {
        self.inner.cursor(flow, stream)
    }
    fn ledger_contains(&self, key: &IdempotencyKey) -> Result<bool> {
        self.inner.ledger_contains(key)
    }
    fn ledger_get(&self, key: &IdempotencyKey) -> Result<Option<LedgerEntry>> {
        self.inner.ledger_get(key)
    }
    fn ledger_put(&self, entries: &[LedgerEntry]) -> Result<()> {
        self.inner.ledger_put(entries)
    }
    fn parked_list(
        &self,
        f: &ReplayFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ParkedRecord>> {
        self.inner.parked_list(f, after, limit)
    }
    fn parked_get(&self, id: &str) -> Result<Option<ParkedRecord>> {
        self.inner.parked_get(id)
    }
    fn parked_count(&self, f: &ReplayFilter) -> Result<u64> {
        self.inner.parked_count(f)
    }
    fn park(&self, r: &ParkedRecord) -> Result<()> {
        self.inner.park(r)
    }
    fn unpark(&self, id: &str) -> Result<Option<ParkedRecord>> {
        self.inner.unpark(id)
    }
    fn parked_resolve(&self, id: &str, r: &Resolution) -> Result<()> {
        self.inner.parked_resolve(id, r)
    }
    fn purge_parked_before(&self, before_ms: u64) -> Result<u64> {
        self.inner.purge_parked_before(before_ms)
    }
    fn waiting_add(&self, r: &WaitingRecord) -> Result<()> {
        self.inner.waiting_add(r)
    }
    fn waiting_get(&self, id: &str) -> Result<Option<WaitingRecord>> {
        self.inner.waiting_get(id)
    }
    fn waiting_by_dependency(&self, d: &str) -> Result<Vec<WaitingRecord>> {
        self.inner.waiting_by_dependency(d)
    }
    fn waiting_due(&self, now_ms: u64) -> Result<Vec<WaitingRecord>> {
        self.inner.waiting_due(now_ms)
    }
    fn waiting_remove(&self, id: &str) -> Result<Option<WaitingRecord>> {
        self.inner.waiting_remove(id)
    }
    fn waiting_resolve(&self, id: &str, r: &Resolution) -> Result<()> {
        self.inner.waiting_resolve(id, r)
    }
    fn meta_get(&self, key: &str) -> Result<Option<Value>> {
        self.inner.meta_get(key)
    }
    fn meta_set(&self, key: &str, value: &Value) -> Result<()> {
        self.inner.meta_set(key, value)
    }
}

struct Rig {
    _dir: tempfile::TempDir,
    store: Arc<SlowCommits>,
    ctx: FlowCtx,
    source: Arc<MemoryStream>,
    target: Arc<MemoryStream>,
    flow: weft_runtime::flow::Flow,
}

fn rig() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SlowCommits {
        inner: SledStore::open(dir.path().join("sync")).unwrap(),
        fail: AtomicBool::new(false),
    });
    let ctx = FlowCtx::new(store.clone(), Arc::new(Telemetry::new()));
    let source = Arc::new(MemoryStream::new());
    let target = Arc::new(MemoryStream::new());
    let pass = Arc::new(|batch: &[Entity]| {
        Ok(batch
            .iter()
            .map(|e| {
                weft_world::transform::exports::weft::connector::transform_api::Outcome::Emit(vec![
                    e.clone(),
                ])
            })
            .collect())
    });
    let flow = memory_flow("landing", &source, &target, pass);
    Rig {
        _dir: dir,
        store,
        ctx,
        source,
        target,
        flow,
    }
}

fn levels(range: std::ops::Range<usize>) -> impl Iterator<Item = Entity> {
    range.map(|i| level(&format!("SKU-{i:04}"), 1, i as i64))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_repeated_in_the_next_page_is_not_sent_while_its_page_lands() {
    let r = rig();
    // Pages of 100: the last record of page 1 comes again first in page 2, same version.
    r.source.append(levels(0..100));
    r.source.append(levels(99..150));
    let report = r.ctx.run(&r.flow, RunMode::Incremental).await.unwrap();
    assert_eq!(
        (report.pages, report.written, report.duplicates),
        (2, 150, 1),
        "pages, written, duplicates"
    );
    assert_eq!(
        r.target.counts().received,
        150,
        "the repeat was recognised from the page still landing, not sent again"
    );
    assert_eq!(report.cursor.as_deref(), Some("151"));
    let stored = r.store.cursor("acme/landing", "inventory").unwrap();
    assert_eq!(stored.as_ref().map(Cursor::as_str), Some("151"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_that_fails_while_the_next_page_is_written_stops_the_run_and_loses_nothing() {
    let r = rig();
    r.source.append(levels(0..300));
    r.store.fail.store(true, Ordering::SeqCst);
    let err = r
        .ctx
        .run(&r.flow, RunMode::Incremental)
        .await
        .expect_err("the store refused the commit");
    assert!(
        matches!(err, FlowError::Store(_)),
        "the store's error is the run's: {err}"
    );
    assert_eq!(
        r.store.cursor("acme/landing", "inventory").unwrap(),
        None,
        "no page landed, so the cursor did not move"
    );
    assert!(
        r.target.counts().received <= 200,
        "the run stopped at the failed commit, at most one page past it"
    );

    r.store.fail.store(false, Ordering::SeqCst);
    let again = r.ctx.run(&r.flow, RunMode::Incremental).await.unwrap();
    assert_eq!((again.read, again.written), (300, 300), "read, written");
    let counts = r.target.counts();
    assert_eq!(
        (counts.applied, counts.keys),
        (300, 300),
        "each effect applied once: re-sends carried the same idempotency keys"
    );
    assert_eq!(again.cursor.as_deref(), Some("300"));
}
