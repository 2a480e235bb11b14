//! Waking waiting records across flows: two flows that each land what the other's waiting
//! records need, run at the same time, both finish and both records go through. (A run used to
//! hold its own lock while taking the other flow's to wake it: two such runs waited on each
//! other forever, and every later trigger of either flow queued behind them.)

use std::sync::Arc;
use std::time::Duration;

use weft_runtime::flow::key::to_record;
use weft_runtime::flow::{Flow, Flows, MemoryStream, RunMode};
use weft_sync::{ErrorClass, ErrorContext, IdempotencyKey, Operation, WaitingRecord};
use weft_world::transform::exports::weft::connector::transform_api::Outcome;
use weft_world::types::Entity;

mod support;
use support::{level, memory_flow, sled_ctx};

/// A flow `acme/{name}` whose source holds one level of SKU `{name}-1`, through a transform
/// slow enough (200 ms a batch) that two runs started together overlap.
fn flow(name: &str) -> (Flow, Arc<MemoryStream>) {
    let source = Arc::new(MemoryStream::new());
    source.append([level(&format!("{name}-1"), 1, 4)]);
    let target = Arc::new(MemoryStream::new());
    let map = Arc::new(|batch: &[Entity]| {
        std::thread::sleep(Duration::from_millis(200));
        Ok(batch
            .iter()
            .map(|e| Outcome::Emit(vec![e.clone()]))
            .collect())
    });
    (memory_flow(name, &source, &target, map), target)
}

/// A record of `flow` waiting for `dependency`.
fn waiting(flow: &str, sku: &str, dependency: &str) -> WaitingRecord {
    let entity = level(sku, 1, 4);
    let record = to_record(&entity);
    WaitingRecord {
        id: format!("w-{sku}"),
        flow: flow.into(),
        stream: format!("{flow}:inventory"),
        key: record.key.clone(),
        idempotency_key: IdempotencyKey::derive(
            flow,
            &record.key,
            &record.version,
            Operation::Upsert,
        ),
        record,
        dependency: dependency.into(),
        until_ms: u64::MAX,
        error: ErrorContext::new(
            ErrorClass::DependencyMissing,
            format!("{dependency} is missing"),
        ),
        attempts: 1,
        first_failed_ms: 0,
        last_failed_ms: 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_flows_that_wake_each_other_both_finish_and_both_waits_go_through() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ctx) = sled_ctx(dir.path());
    let (a, a_target) = flow("a");
    let (b, b_target) = flow("b");
    // a's waiting record needs what b lands, and b's what a lands: each target refuses the
    // waiting record until the other flow's record is in the other target.
    let gate = |sku: &'static str, other: Arc<MemoryStream>, needs: &'static str| {
        let key = to_record(&level(needs, 1, 4)).key;
        Arc::new(move |e: &Entity| {
            let waits = matches!(e, Entity::InventoryLevel(l) if l.sku == sku);
            (waits && other.get(&key).is_none()).then(|| format!("sku:{needs}"))
        })
    };
    a_target.requires(gate("A-WAITS", b_target.clone(), "b-1"));
    b_target.requires(gate("B-WAITS", a_target.clone(), "a-1"));
    store
        .waiting_add(&waiting("acme/a", "A-WAITS", "sku:b-1"))
        .unwrap();
    store
        .waiting_add(&waiting("acme/b", "B-WAITS", "sku:a-1"))
        .unwrap();
    let flows = Flows::new(ctx, vec![a, b]);

    // Two tasks, so the runs overlap on the two worker threads (one task would run them one
    // after the other: nothing here yields while uncontended).
    let run = |id: &'static str| {
        let flows = flows.clone();
        tokio::spawn(async move { flows.run(id, RunMode::Incremental).await })
    };
    let (ra, rb) = (run("acme/a"), run("acme/b"));
    let both = async { (ra.await.unwrap(), rb.await.unwrap()) };
    let (ra, rb) = tokio::time::timeout(Duration::from_secs(30), both)
        .await
        .expect("both runs finish: neither waits on the other's lock while holding its own");
    assert_eq!((ra.unwrap().written, rb.unwrap().written), (1, 1));
    assert!(
        a_target
            .get(&to_record(&level("A-WAITS", 1, 4)).key)
            .is_some()
    );
    assert!(
        b_target
            .get(&to_record(&level("B-WAITS", 1, 4)).key)
            .is_some()
    );
    assert!(store.waiting_by_dependency("sku:a-1").unwrap().is_empty());
    assert!(store.waiting_by_dependency("sku:b-1").unwrap().is_empty());
}
