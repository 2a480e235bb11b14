//! Pushed versions across a restart: the stack saved after pushes and a rollback is deployed
//! again onto the same configured version by a new host, left alone when the configured version
//! changed, and a manifest of an unknown format is reported with its path.

use weft_runtime::DeploymentSpec;
use weft_runtime::pushed::{PushedVersions, Restored};
use weft_tests::{component, deploy, host, id};

fn spec() -> DeploymentSpec {
    let mut spec = DeploymentSpec::new("acme", "buffer");
    spec.config = serde_json::json!({"default-buffer": 1});
    spec
}

#[tokio::test]
async fn a_restarted_host_runs_the_pushed_version_with_its_rollback_history() {
    let keep = tempfile::tempdir().unwrap();
    let pushed = PushedVersions::new(keep.path().join("pushed"));
    let key = spec().key;

    let before = tempfile::tempdir().unwrap();
    let first = host(before.path());
    deploy(&first, spec(), "safety-stock", "1.0.0").await;
    for (plugin, version) in [("safety-stock", "1.1.0"), ("noop", "2.0.0")] {
        let bytes = component(plugin);
        first
            .deploy(&key, id(plugin, version), &bytes)
            .await
            .unwrap();
        pushed
            .save(&first, &key, Some((&id(plugin, version), &bytes)))
            .unwrap();
    }
    first.rollback(&key).unwrap();
    pushed.save(&first, &key, None).unwrap();
    drop(first);

    // The next process deploys what its config names, then what was pushed on top of it.
    let after = tempfile::tempdir().unwrap();
    let second = host(after.path());
    deploy(&second, spec(), "safety-stock", "1.0.0").await;
    let restored = pushed.restore(&second).await.unwrap();
    assert_eq!(
        restored,
        vec![Restored::Deployed(
            key.clone(),
            vec![id("safety-stock", "1.1.0")]
        )]
    );
    assert_eq!(
        second.versions(&key).unwrap(),
        vec![id("safety-stock", "1.0.0"), id("safety-stock", "1.1.0")]
    );
    let batch = [weft_tests::level("A", "1", 5)];
    let (ran, _) = second.transform(&key, &batch).await.unwrap();
    assert_eq!(ran, id("safety-stock", "1.1.0"));
    second.rollback(&key).unwrap();
    pushed.save(&second, &key, None).unwrap();

    // Rolled back to the configured version: nothing left to restore.
    let again = tempfile::tempdir().unwrap();
    let third = host(again.path());
    deploy(&third, spec(), "safety-stock", "1.0.0").await;
    assert!(pushed.restore(&third).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_stack_pushed_onto_another_configured_version_is_left_alone() {
    let keep = tempfile::tempdir().unwrap();
    let pushed = PushedVersions::new(keep.path().join("pushed"));
    let key = spec().key;
    let dir = tempfile::tempdir().unwrap();
    let old = host(dir.path());
    deploy(&old, spec(), "safety-stock", "1.0.0").await;
    let bytes = component("safety-stock");
    old.deploy(&key, id("safety-stock", "1.1.0"), &bytes)
        .await
        .unwrap();
    pushed
        .save(&old, &key, Some((&id("safety-stock", "1.1.0"), &bytes)))
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let upgraded = host(dir.path());
    deploy(&upgraded, spec(), "safety-stock", "1.2.0").await;
    let restored = pushed.restore(&upgraded).await.unwrap();
    assert_eq!(
        restored,
        vec![Restored::Stale {
            key: key.clone(),
            saved_base: id("safety-stock", "1.0.0"),
            configured: id("safety-stock", "1.2.0"),
        }]
    );
    assert_eq!(upgraded.current(&key).unwrap(), id("safety-stock", "1.2.0"));

    let manifest = keep.path().join("pushed/acme/buffer/versions.json");
    std::fs::write(
        &manifest,
        r#"{"format": 9, "base": {"name": "x", "version": "1"}, "stack": []}"#,
    )
    .unwrap();
    let err = pushed.restore(&upgraded).await.unwrap_err().to_string();
    assert!(
        err.contains("versions.json") && err.contains("format 9"),
        "{err}"
    );
}
