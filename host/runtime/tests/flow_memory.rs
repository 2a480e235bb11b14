//! Flows between in-memory ends with the real sled store: runs, incremental cursors, drops,
//! parking and replay, reconciliation and healing, and the totals a flow's status counts.
//! Components are covered by tests/flows.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use weft_runtime::flow::{Flow, FlowCtx, Flows, MemoryStream, RunMode};
use weft_sync::{ErrorClass, ReconcileOptions, ReplayFilter};
use weft_world::transform::exports::weft::connector::transform_api::Outcome;
use weft_world::types::Entity;

mod support;
use support::{level, memory_flow, sled_ctx};

struct Rig {
    _dir: tempfile::TempDir,
    ctx: FlowCtx,
    source: Arc<MemoryStream>,
    target: Arc<MemoryStream>,
    broken: Arc<AtomicBool>,
    flow: Flow,
}

/// A flow whose native transform drops SKUs starting with "DROP" and, while `broken` is set,
/// fails SKUs starting with "BAD".
fn rig(records: usize) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let (_, ctx) = sled_ctx(dir.path());
    let source = Arc::new(MemoryStream::new());
    source.append((0..records).map(|i| level(&format!("SKU-{i:05}"), i as u64 + 1, 5)));
    let target = Arc::new(MemoryStream::new());
    let broken = Arc::new(AtomicBool::new(true));
    let b = broken.clone();
    let map = Arc::new(move |batch: &[Entity]| {
        Ok(batch
            .iter()
            .map(|e| {
                let Entity::InventoryLevel(l) = e else {
                    return Outcome::Emit(vec![e.clone()]);
                };
                if l.sku.starts_with("DROP") {
                    Outcome::Drop("not sold online".into())
                } else if l.sku.starts_with("BAD") && b.load(Ordering::SeqCst) {
                    Outcome::Fail(format!("no location mapping for {}", l.sku))
                } else {
                    Outcome::Emit(vec![e.clone()])
                }
            })
            .collect())
    });
    let mut flow = memory_flow("stock", &source, &target, map);
    flow.spec.batch_size = 40;
    flow.spec.reconcile.fields = vec!["available".into()];
    Rig {
        _dir: dir,
        ctx,
        source,
        target,
        broken,
        flow,
    }
}

#[tokio::test]
async fn a_run_moves_every_record_once_and_the_next_run_only_what_changed() {
    let r = rig(1_000);
    let report = r.ctx.run(&r.flow, RunMode::Incremental).await.unwrap();
    assert_eq!(
        (report.read, report.written, report.pages),
        (1_000, 1_000, 10)
    );
    assert_eq!(report.cursor.as_deref(), Some("1000"));
    assert_eq!(r.target.counts().applied, 1_000);

    let again = r.ctx.run(&r.flow, RunMode::Incremental).await.unwrap();
    assert_eq!(
        (again.read, again.written),
        (0, 0),
        "nothing new, nothing sent"
    );

    r.source
        .append([level("SKU-00007", 5_000, 1), level("SKU-00008", 5_001, 0)]);
    let delta = r.ctx.run(&r.flow, RunMode::Incremental).await.unwrap();
    assert_eq!((delta.read, delta.written), (2, 2));
    let Some(Entity::InventoryLevel(l)) = r.target.get("SKU-00007@1") else {
        panic!("missing")
    };
    assert_eq!(l.available, 1);
    assert_eq!(
        r.target.counts().received,
        1_002,
        "no record was sent twice"
    );
}

#[tokio::test]
async fn a_full_sync_rereads_everything_but_sends_only_what_the_ledger_lacks() {
    let r = rig(300);
    r.ctx.run(&r.flow, RunMode::Incremental).await.unwrap();
    let full = r.ctx.run(&r.flow, RunMode::Full).await.unwrap();
    assert_eq!((full.read, full.written, full.duplicates), (300, 0, 300));
    assert_eq!(r.target.counts().received, 300);
}

#[tokio::test]
async fn a_first_full_sync_leaves_incremental_runs_nothing_to_read_again() {
    let r = rig(300);
    let full = r.ctx.run(&r.flow, RunMode::Full).await.unwrap();
    assert_eq!((full.read, full.written), (300, 300));
    let next = r.ctx.run(&r.flow, RunMode::Incremental).await.unwrap();
    assert_eq!(
        (next.read, next.pages),
        (0, 0),
        "the incremental cursor starts where the full pass ended"
    );
    r.source.append([level("SKU-00001", 9_000, 2)]);
    let next = r.ctx.run(&r.flow, RunMode::Incremental).await.unwrap();
    assert_eq!((next.read, next.written), (1, 1), "then only what changed");
    // A later full pass leaves a cursor that exists alone.
    r.ctx.run(&r.flow, RunMode::Full).await.unwrap();
    let next = r.ctx.run(&r.flow, RunMode::Incremental).await.unwrap();
    assert_eq!(next.read, 0);
}

#[tokio::test]
async fn drops_are_counted_failures_park_with_context_and_replay_sends_each_once() {
    let r = rig(0);
    r.source.append([
        level("OK-1", 1, 3),
        level("DROP-1", 2, 3),
        level("BAD-1", 3, 3),
        level("BAD-2", 4, 3),
    ]);
    let report = r.ctx.run(&r.flow, RunMode::Incremental).await.unwrap();
    assert_eq!((report.written, report.dropped, report.parked), (1, 1, 2));
    assert_eq!(
        report.cursor.as_deref(),
        Some("4"),
        "the cursor moves over settled records"
    );

    let parked = r
        .ctx
        .store
        .parked_list(&ReplayFilter::all(), None, 10)
        .unwrap();
    assert_eq!(parked.len(), 2);
    assert_eq!(parked[0].error.class, ErrorClass::Permanent);
    assert!(
        parked[0]
            .error
            .message
            .contains("no location mapping for BAD-1"),
        "{:?}",
        parked[0].error
    );
    assert_eq!(
        parked[0].error.plugin_versions,
        vec![("native-check".to_string(), "1".to_string())]
    );
    assert_eq!(parked[0].record.key, "BAD-1@1");

    // Still broken: replay leaves them parked, same ids, nothing reaches the target.
    let still = r
        .ctx
        .replay(&ReplayFilter::all(), |_| Some(r.flow.clone()))
        .await
        .unwrap();
    assert_eq!((still.matched, still.parked_again), (2, 2));
    assert_eq!(
        r.ctx
            .store
            .parked_list(&ReplayFilter::all(), None, 10)
            .unwrap()[0]
            .id,
        parked[0].id
    );

    r.broken.store(false, Ordering::SeqCst);
    let fixed = r
        .ctx
        .replay(&ReplayFilter::all(), |_| Some(r.flow.clone()))
        .await
        .unwrap();
    assert_eq!((fixed.matched, fixed.confirmed), (2, 2));
    assert_eq!(r.ctx.store.parked_count(&ReplayFilter::all()).unwrap(), 0);
    assert_eq!(r.target.counts().applied, 3);

    let twice = r
        .ctx
        .replay(&ReplayFilter::all(), |_| Some(r.flow.clone()))
        .await
        .unwrap();
    assert_eq!(twice.matched, 0, "replayed records leave the queue");
    assert_eq!(
        r.target.counts().received,
        3,
        "each effect reached the target once"
    );
}

#[tokio::test]
async fn reconciliation_reports_drift_and_heals_through_the_write_path() {
    let r = rig(50);
    r.ctx.run(&r.flow, RunMode::Incremental).await.unwrap();
    let (_, clean) = r.ctx.reconcile(&r.flow, false).await.unwrap();
    assert!(clean.is_clean(), "{}", clean.summary());

    // Someone edits the target by hand.
    r.target.write(vec![weft_engine::WriteItem {
        idempotency_key: "manual-edit".into(),
        op: weft_engine::WriteOp::Upsert,
        entity: level("SKU-00003", 1, 99),
        expected_version: None,
    }]);
    let (rec, drift) = r.ctx.reconcile(&r.flow, true).await.unwrap();
    assert_eq!(drift.counts.different, 1, "{}", drift.summary());
    assert_eq!(drift.different[0].key, "SKU-00003@1");
    assert_eq!(rec.healed, 1);
    let Some(Entity::InventoryLevel(l)) = r.target.get("SKU-00003@1") else {
        panic!("missing")
    };
    assert_eq!(l.available, 5, "the owner's value is back");
    let (_, after) = r.ctx.reconcile(&r.flow, false).await.unwrap();
    assert!(after.is_clean(), "{}", after.summary());
    assert_eq!(
        r.ctx
            .telemetry
            .flow_counter("weft_records_healed_total", "acme/stock"),
        1
    );
    let _ = ReconcileOptions::default();
}

#[tokio::test]
async fn parked_records_are_purged_by_age_only() {
    let r = rig(0);
    r.source.append([
        level("BAD-1", 1, 1),
        level("BAD-2", 2, 1),
        level("OK-1", 3, 1),
    ]);
    let flows = weft_runtime::flow::Flows::new(r.ctx.clone(), vec![r.flow.clone()]);
    flows.run("acme/stock", RunMode::Incremental).await.unwrap();
    assert_eq!(flows.statuses().unwrap()[0].parked, 2);
    assert_eq!(
        flows.purge_parked().unwrap(),
        0,
        "the default keeps records for 30 days"
    );
    flows.set_retention(weft_sync::RetentionPolicy { max_age_ms: 0 });
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    assert_eq!(flows.purge_parked().unwrap(), 2);
    assert_eq!(flows.statuses().unwrap()[0].parked, 0);
}

#[tokio::test]
async fn a_run_that_fails_half_way_still_counts_the_pages_it_settled() {
    // What `weft flows`, `/api/flows` and the dashboard count for the flow.
    let dir = tempfile::tempdir().unwrap();
    let (_, ctx) = sled_ctx(dir.path());
    let source = Arc::new(MemoryStream::new());
    source.append((0..250).map(|i| level(&format!("SKU-{i:05}"), i + 1, 3)));
    source.append([level("STOP-1", 1_000, 3)]);
    let target = Arc::new(MemoryStream::new());
    // The whole chain fails on the batch holding STOP-1 (a config error, not a record's).
    let map = Arc::new(|batch: &[Entity]| {
        if batch
            .iter()
            .any(|e| matches!(e, Entity::InventoryLevel(l) if l.sku.starts_with("STOP")))
        {
            return Err("the location map is missing".to_string());
        }
        Ok(batch
            .iter()
            .map(|e| Outcome::Emit(vec![e.clone()]))
            .collect())
    });
    let flow = memory_flow("stock", &source, &target, map);
    let flows = Flows::new(ctx, vec![flow]);

    let err = flows
        .run("acme/stock", RunMode::Incremental)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("location map"), "{err}");
    assert_eq!(target.counts().applied, 200, "two pages landed before");
    let status = &flows.statuses().unwrap()[0];
    assert_eq!(status.state, "failing");
    assert_eq!(
        (
            status.totals.read,
            status.totals.written,
            status.totals.pages
        ),
        (200, 200, 2),
        "the settled pages count: {status:?}"
    );
}
