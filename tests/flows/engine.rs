//! The sync engine end to end: flows between the test connectors (real components) over the
//! testbed (real HTTP), with the sled store. Each error class ends where the retry policy says,
//! replays after a fix apply each effect exactly once, and a throttling, failing, slow target
//! loses nothing.

use std::sync::Arc;

use weft_runtime::flow::{Endpoint, Flow, FlowCtx, FlowSpec, RunMode, StreamEnd};
use weft_runtime::telemetry::Telemetry;
use weft_store::{SledStore, SyncStore};
use weft_sync::{ErrorClass, ParkReason, ReplayFilter, RetryPolicy};

use super::connectors::{Bed, bed_with};

struct Rig {
    bed: Bed,
    ctx: FlowCtx,
    flow: Flow,
    _dir: tempfile::TempDir,
}

/// `records` in the testbed source, a flow test-source -> test-target with quick retries.
async fn rig(records: usize) -> Rig {
    let bed = bed_with(records, 1_000, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn SyncStore> = Arc::new(SledStore::open(dir.path().join("sync")).unwrap());
    let ctx = FlowCtx::new(store, Arc::new(Telemetry::new()));
    let mut spec = FlowSpec::new(
        "acme",
        "stock",
        Endpoint::new("source", "inventory"),
        Endpoint::new("target", "inventory"),
    );
    spec.page_size = 50;
    spec.batch_size = 20;
    spec.retry = RetryPolicy {
        base_delay_ms: 10,
        max_delay_ms: 200,
        max_attempts: 4,
        dependency_timeout_ms: 60_000,
        ..RetryPolicy::default()
    };
    let end = |deployment: &str| StreamEnd::Component {
        host: bed.host.clone(),
        key: weft_engine::DeploymentKey::new("acme", deployment),
        stream: "inventory".into(),
    };
    let flow = Flow {
        spec,
        source: end("source"),
        mappers: vec![],
        target: end("target"),
    };
    Rig {
        bed,
        ctx,
        flow,
        _dir: dir,
    }
}

impl Rig {
    fn assert_exactly_once(&self, expected: u64) {
        let r = self.bed.tb.report();
        assert_eq!(r.applied, expected, "{r:?}");
        assert!(
            r.not_exactly_once.is_empty(),
            "effects not applied exactly once: {:?}",
            r.not_exactly_once
        );
    }

    fn parked(&self) -> Vec<weft_sync::ParkedRecord> {
        self.ctx
            .store
            .parked_list(&ReplayFilter::all(), None, 1_000)
            .unwrap()
    }

    async fn replay(&self) -> weft_runtime::flow::ReplayReport {
        let flow = self.flow.clone();
        self.ctx
            .replay(&ReplayFilter::all(), |_| Some(flow.clone()))
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_throttling_failing_slow_target_finishes_without_losing_or_doubling_a_record() {
    let r = rig(300).await;
    r.bed.tb.throttle_next(2, 1);
    r.bed.tb.fail_next(3);
    r.bed.tb.delay(1_500, Some(1)); // one response slower than the connection's 1 s timeout
    let report = r.ctx.run(&r.flow, RunMode::Incremental).await.unwrap();
    assert_eq!(
        (report.read, report.written, report.parked),
        (300, 300, 0),
        "{report:?}"
    );
    r.assert_exactly_once(300);
    let retries = r
        .ctx
        .telemetry
        .flow_counter("weft_retries_total", "acme/stock");
    assert!(
        retries >= 3,
        "throttled, failed and timed-out writes were retried ({retries})"
    );
    let again = r.ctx.run(&r.flow, RunMode::Incremental).await.unwrap();
    assert_eq!(again.read, 0, "the cursor is at the end");
}

#[tokio::test]
async fn each_error_class_ends_where_the_policy_says() {
    let r = rig(30).await;
    r.bed.tb.permanent_prefix(Some("SKU-00003@"));
    r.bed.tb.dependency_prefix(Some("SKU-00004@"));
    r.bed.tb.conflict_once("SKU-00005@1");
    let report = r.ctx.run(&r.flow, RunMode::Incremental).await.unwrap();
    assert_eq!(
        (report.read, report.written, report.parked, report.waiting),
        (30, 28, 1, 1),
        "{report:?}"
    );

    let parked = r.parked();
    assert_eq!(parked[0].key, "SKU-00003@1");
    assert_eq!(
        (parked[0].error.class, parked[0].reason, parked[0].attempts),
        (ErrorClass::Permanent, ParkReason::Permanent, 1)
    );
    assert_eq!(parked[0].error.http_status, Some(422));
    assert!(
        parked[0]
            .error
            .body_excerpt
            .as_deref()
            .unwrap_or("")
            .contains("SKU-00003@1"),
        "{:?}",
        parked[0].error
    );
    assert_eq!(
        parked[0].error.plugin_versions,
        vec![("test-target".to_string(), "1.0.0".to_string())]
    );
    assert!(
        r.bed.tb.target_record("SKU-00005@1").is_some(),
        "the conflict was re-read and re-applied"
    );

    let waiting = r.ctx.store.waiting_by_dependency("sku:SKU-00004").unwrap();
    assert_eq!(waiting.len(), 1, "the record waits on its dependency");
    // The dependency lands: the next run takes the waiting record through, by itself.
    r.bed.tb.dependency_prefix(None);
    let next = r.ctx.run(&r.flow, RunMode::Incremental).await.unwrap();
    assert_eq!(next.unblocked, 1);
    assert!(
        r.ctx
            .store
            .waiting_by_dependency("sku:SKU-00004")
            .unwrap()
            .is_empty()
    );
    // The permanent error is fixed at the target; a replay brings the parked record through.
    r.bed.tb.permanent_prefix(None);
    assert_eq!(r.replay().await.confirmed, 1);
    r.assert_exactly_once(30);
}

#[tokio::test]
async fn transient_failures_park_after_the_cap_and_a_replay_after_the_fix_applies_each_once() {
    let r = rig(10).await;
    r.bed.tb.fail_next(1_000);
    let report = r.ctx.run(&r.flow, RunMode::Incremental).await.unwrap();
    assert_eq!((report.written, report.parked), (0, 10));
    assert_eq!(
        report.cursor.as_deref(),
        Some("10"),
        "parked records are settled: the cursor moves on"
    );
    let parked = r.parked();
    assert!(
        parked
            .iter()
            .all(|p| p.reason == ParkReason::AttemptsExhausted && p.attempts == 4),
        "{:?}",
        parked[0]
    );
    assert_eq!(parked[0].error.http_status, Some(503));

    let still_broken = r.replay().await;
    assert_eq!((still_broken.matched, still_broken.parked_again), (10, 10));
    assert_eq!(
        r.parked().len(),
        10,
        "failed again: still parked, not duplicated"
    );

    r.bed.tb.clear_faults();
    let fixed = r.replay().await;
    assert_eq!((fixed.matched, fixed.confirmed), (10, 10));
    assert!(r.parked().is_empty());
    r.assert_exactly_once(10);
    assert_eq!(r.replay().await.matched, 0);
    for p in &parked {
        assert_eq!(
            r.bed.tb.applied(p.idempotency_key.as_str()),
            1,
            "replay used the record's idempotency key"
        );
    }
}

#[tokio::test]
async fn duplicated_and_overlapping_source_pages_write_each_record_once() {
    let r = rig(120).await;
    r.bed.tb.duplicate_pages(true);
    let first = r.ctx.run(&r.flow, RunMode::Incremental).await.unwrap();
    r.bed.tb.duplicate_pages(false);
    r.bed.tb.overlap_pages(true);
    r.bed.tb.append(60);
    let second = r.ctx.run(&r.flow, RunMode::Incremental).await.unwrap();
    assert!(
        first.duplicates + second.duplicates > 0,
        "{first:?} {second:?}"
    );
    r.assert_exactly_once(180);
    let report = r.bed.tb.report();
    assert_eq!(
        report.received, 180,
        "the ledger kept repeated records from being sent at all"
    );
}

#[tokio::test]
async fn reconciliation_reports_drift_and_heals_it_through_the_write_path() {
    let r = rig(20).await;
    r.ctx.run(&r.flow, RunMode::Incremental).await.unwrap();
    let mut flow = r.flow.clone();
    flow.spec.reconcile.fields = vec!["available".into()];
    let (_, clean) = r.ctx.reconcile(&flow, false).await.unwrap();
    assert!(clean.is_clean(), "{}", clean.summary());
    // The source changes and no run has carried it yet: reconcile reports the drift, heal
    // writes the owner's value through the write path.
    r.bed
        .tb
        .update(&["SKU-00007@1".to_string()], Some(99))
        .unwrap();
    let (_, drift) = r.ctx.reconcile(&flow, false).await.unwrap();
    assert_eq!(drift.counts.different, 1, "{}", drift.summary());
    assert_eq!(drift.different[0].key, "SKU-00007@1");
    let (rec, _) = r.ctx.reconcile(&flow, true).await.unwrap();
    assert_eq!(rec.healed, 1);
    assert_eq!(r.bed.tb.target_record("SKU-00007@1").unwrap().available, 99);
    let (_, after) = r.ctx.reconcile(&flow, false).await.unwrap();
    assert!(after.is_clean(), "{}", after.summary());
}
