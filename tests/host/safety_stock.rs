//! The safety-stock transform, run as a component with per-deployment config.

use weft_engine::world::transform::exports::weft::connector::transform_api::Outcome;
use weft_runtime::DeploymentSpec;
use weft_tests::{deploy, host, level};
use weft_world::types::Entity;

fn available(outcomes: &[Outcome]) -> Vec<i64> {
    outcomes
        .iter()
        .map(|o| match o {
            Outcome::Emit(v) => match &v[0] {
                Entity::InventoryLevel(l) => l.available,
                other => panic!("unexpected {other:?}"),
            },
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn each_tenant_gets_its_own_buffers_and_stock_never_goes_negative() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let mut acme = DeploymentSpec::new("acme", "buffer");
    acme.config = serde_json::json!({"default-buffer": 1, "buffers": {"2": 4}});
    let mut globex = DeploymentSpec::new("globex", "buffer");
    globex.config = serde_json::json!({"default-buffer": 0});
    let (ka, kg) = (acme.key.clone(), globex.key.clone());
    deploy(&host, acme, "safety-stock", "1.0.0").await;
    deploy(&host, globex, "safety-stock", "1.0.0").await;
    let batch = vec![
        level("A", "1", 10),
        level("A", "2", 10),
        level("B", "2", 3),
        level("C", "3", 0),
    ];
    let (version, a) = host.transform(&ka, &batch).await.unwrap();
    assert_eq!(version.to_string(), "safety-stock@1.0.0");
    assert_eq!(available(&a.value.unwrap()), vec![9, 6, 0, 0]);
    let (_, g) = host.transform(&kg, &batch).await.unwrap();
    assert_eq!(available(&g.value.unwrap()), vec![10, 10, 3, 0]);
    assert!(a.report.fuel_used > 0 && a.report.fuel_used < a.report.fuel_budget);
    assert!(a.report.peak_memory_bytes > 0);
}

#[tokio::test]
async fn a_bad_config_is_refused_at_deploy_and_nothing_goes_live() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let mut spec = DeploymentSpec::new("acme", "buffer");
    spec.config = serde_json::json!({"default-buffer": -3});
    let key = spec.key.clone();
    host.configure(spec);
    let err = host
        .deploy(
            &key,
            weft_tests::id("safety-stock", "1.0.0"),
            &weft_tests::component("safety-stock"),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("must not be negative"), "{err}");
    assert!(host.current(&key).is_err(), "nothing was installed");
}
