//! Hot swap under concurrent load: no call fails or is lost while versions change, a refused
//! version never replaces a working one, and rollback restores the previous version.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

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

    let done = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..4 {
        let (host, key, done, stop) = (host.clone(), key.clone(), done.clone(), stop.clone());
        workers.push(tokio::spawn(async move {
            let mut versions = BTreeSet::new();
            let mut calls = 0;
            while !stop.load(Ordering::SeqCst) {
                let batch: Vec<_> = (0..10)
                    .map(|r| level(&format!("S{w}-{calls}-{r}"), "1", 5))
                    .collect();
                let (version, called) = host
                    .transform(&key, &batch)
                    .await
                    .expect("no call fails during a swap");
                let outcomes = called.value.expect("config ok");
                assert_eq!(outcomes.len(), 10, "every record of the batch comes back");
                versions.insert(version.version);
                calls += 1;
                done.fetch_add(1, Ordering::SeqCst);
            }
            (calls, versions)
        }));
    }
    // Swap while calls are running; after each swap wait until 8 more calls completed, so
    // every version serves calls while others are in flight.
    for v in 2..=12 {
        host.deploy(&key, id("safety-stock", &v.to_string()), &bytes)
            .await
            .expect("swap");
        let seen_at_swap = done.load(Ordering::SeqCst);
        while done.load(Ordering::SeqCst) < seen_at_swap + 8 {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    }
    stop.store(true, Ordering::SeqCst);
    let (mut total, mut seen) = (0, BTreeSet::new());
    for w in workers {
        let (calls, versions) = w.await.expect("worker");
        total += calls;
        seen.extend(versions);
    }
    assert_eq!(total, done.load(Ordering::SeqCst), "every call returned");
    assert!(
        seen.contains("12") && seen.len() >= 6,
        "calls ran across the versions: {seen:?}"
    );
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
    host.deploy(
        &key,
        id("safety-stock", "1.1.0"),
        &component("safety-stock"),
    )
    .await
    .unwrap();

    // A version that panics on its smoke call never goes live.
    let err = host
        .deploy(
            &key,
            id("hostile-panic", "2.0.0"),
            &component("hostile-panic"),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("failed its smoke test"), "{err}");
    // A version with forbidden imports is refused before it runs.
    let err = host
        .deploy(
            &key,
            id("hostile-sockets", "2.0.0"),
            &component("hostile-sockets"),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("wasi:sockets"), "{err}");
    assert_eq!(
        host.current(&key).unwrap().to_string(),
        "safety-stock@1.1.0"
    );

    assert_eq!(
        host.rollback(&key).unwrap().to_string(),
        "safety-stock@1.0.0"
    );
    assert_eq!(
        host.current(&key).unwrap().to_string(),
        "safety-stock@1.0.0"
    );
    let (version, _) = host.transform(&key, &[level("A", "1", 1)]).await.unwrap();
    assert_eq!(version.version, "1.0.0");
    assert!(
        host.rollback(&key)
            .unwrap_err()
            .to_string()
            .contains("no earlier version")
    );
}
