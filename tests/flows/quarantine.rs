//! Quarantine end to end: a transform version that panics on every batch is taken out of
//! service after `quarantine-after` calls in a row; runs then fail without parking or writing
//! anything, and once a fixed version is deployed the same records go through exactly once.

use std::sync::Arc;

use weft_engine::DeploymentKey;
use weft_runtime::DeploymentSpec;
use weft_runtime::flow::{Endpoint, Flow, FlowCtx, FlowSpec, MapperEnd, RunMode, StreamEnd};
use weft_runtime::telemetry::Telemetry;
use weft_store::{SledStore, SyncStore};
use weft_sync::ReplayFilter;
use weft_tests::deploy;

use super::connectors::bed_with;

#[tokio::test]
async fn a_transform_that_keeps_trapping_is_quarantined_and_its_records_wait_for_the_fix() {
    let bed = bed_with(30, 2_000, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn SyncStore> = Arc::new(SledStore::open(dir.path().join("sync")).unwrap());
    let ctx = FlowCtx::new(store, Arc::new(Telemetry::new()));

    let mut broken = DeploymentSpec::new("acme", "map");
    broken.config = serde_json::json!({"trap": true});
    broken.quarantine_after = 3;
    deploy(&bed.host, broken, "fail-all", "1.0.0").await;
    let end = |deployment: &str| StreamEnd::Component {
        host: bed.host.clone(),
        key: DeploymentKey::new("acme", deployment),
        stream: "inventory".into(),
    };
    let flow = Flow {
        spec: FlowSpec::new(
            "acme",
            "stock",
            Endpoint::new("source", "inventory"),
            Endpoint::new("target", "inventory"),
        ),
        source: end("source"),
        mappers: vec![MapperEnd::Component {
            host: bed.host.clone(),
            key: DeploymentKey::new("acme", "map"),
        }],
        target: end("target"),
    };

    // The batch panics, then each record alone: the third panic in a row quarantines it.
    let err = ctx.run(&flow, RunMode::Incremental).await.unwrap_err();
    assert!(err.to_string().contains("quarantined"), "{err}");
    let q = bed.host.quarantined();
    assert_eq!(q.len(), 1, "{q:?}");
    assert_eq!(
        (q[0].plugin.to_string(), q[0].failures),
        ("fail-all@1.0.0".into(), 3)
    );
    assert!(q[0].last_error.contains("trap mode"), "{}", q[0].last_error);
    let parked = ctx
        .store
        .parked_list(&ReplayFilter::all(), None, 100)
        .unwrap();
    assert!(parked.is_empty(), "a quarantine parks nothing: {parked:?}");
    assert_eq!(bed.tb.report().applied, 0);

    // Later runs are refused before the plugin runs; the cursor stays put.
    let again = ctx.run(&flow, RunMode::Incremental).await.unwrap_err();
    assert!(again.to_string().contains("roll back"), "{again}");
    assert_eq!(bed.host.quarantined()[0].failures, 3);
    let metrics = ctx.telemetry.render_prometheus();
    assert!(metrics.contains("kind=\"quarantined\""), "{metrics}");

    // A fixed version (here the identity transform) lifts the quarantine; every record goes
    // through once.
    deploy(
        &bed.host,
        DeploymentSpec::new("acme", "map"),
        "noop",
        "2.0.0",
    )
    .await;
    assert!(bed.host.quarantined().is_empty());
    let report = ctx.run(&flow, RunMode::Incremental).await.unwrap();
    assert_eq!((report.read, report.written, report.parked), (30, 30, 0));
    let r = bed.tb.report();
    assert_eq!(r.applied, 30, "{r:?}");
    assert!(r.not_exactly_once.is_empty(), "{r:?}");
}
