//! Hot swap under concurrent load: no call fails or is lost while versions change, a refused
//! version never replaces a working one, and rollback restores the previous version.

use std::collections::BTreeSet;
use std::sync::Arc;

use weft_runtime::DeploymentSpec;
use weft_tests::{component, deploy, host, id, level};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swapping_versions_under_load_loses_no_call() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let mut spec = DeploymentSpec::new("acme", "buffer");
    spec.config = serde_json::json!({"default-buffer": 1});
    let key = spec.key.clone();
    deploy(&host, spec, "safety-stock", "1").await;
    let bytes = Arc::new(component("safety-stock"));

    let mut workers = Vec::new();
    for w in 0..4 {
        let (host, key) = (host.clone(), key.clone());
        workers.push(tokio::spawn(async move {
            let mut versions = BTreeSet::new();
            for i in 0..60 {
                let batch: Vec<_> = (0..10).map(|r| level(&format!("S{w}-{i}-{r}"), "1", 5)).collect();
                let (version, called) = host.transform(&key, &batch).await.expect("no call fails during a swap");
                let outcomes = called.value.expect("config ok");
                assert_eq!(outcomes.len(), 10, "every record of the batch comes back");
                versions.insert(version.version);
            }
            versions
        }));
    }
    for v in 2..=12 {
        host.deploy(&key, id("safety-stock", &v.to_string()), &bytes).await.expect("swap");
        tokio::task::yield_now().await;
    }
    let mut seen = BTreeSet::new();
    for w in workers {
        seen.extend(w.await.expect("worker"));
    }
    assert!(seen.len() >= 2, "calls ran across several versions: {seen:?}");
    assert_eq!(host.current(&key).unwrap().version, "12");
    assert_eq!(host.versions(&key).unwrap().len(), 12);
}

#[tokio::test]
async fn a_refused_version_keeps_the_old_one_and_rollback_goes_back() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let spec = DeploymentSpec::new("acme", "buffer");
    let key = spec.key.clone();
    deploy(&host, spec, "safety-stock", "1.0.0").await;
    host.deploy(&key, id("safety-stock", "1.1.0"), &component("safety-stock")).await.unwrap();

    // A version that panics on its smoke call never goes live.
    let err = host.deploy(&key, id("hostile-panic", "2.0.0"), &component("hostile-panic")).await.unwrap_err();
    assert!(err.to_string().contains("failed its smoke test"), "{err}");
    // A version with forbidden imports is refused before it runs.
    let err = host.deploy(&key, id("hostile-sockets", "2.0.0"), &component("hostile-sockets")).await.unwrap_err();
    assert!(err.to_string().contains("wasi:sockets"), "{err}");
    assert_eq!(host.current(&key).unwrap().to_string(), "safety-stock@1.1.0");

    assert_eq!(host.rollback(&key).unwrap().to_string(), "safety-stock@1.0.0");
    assert_eq!(host.current(&key).unwrap().to_string(), "safety-stock@1.0.0");
    let (version, _) = host.transform(&key, &[level("A", "1", 1)]).await.unwrap();
    assert_eq!(version.version, "1.0.0");
    assert!(host.rollback(&key).unwrap_err().to_string().contains("no earlier version"));
}
