//! Plugin routes: list with versions, hot swap over the wire, refusals with reasons that leave
//! the running version alone, rollback.

use weft_engine::DeploymentKey;

use crate::support::{Rig, component};

const PUSH: &str = "/api/plugins/acme/buffer";

#[tokio::test]
async fn pushing_a_valid_component_swaps_the_version_and_rollback_restores_it() {
    let r = Rig::new(&["OK-1"]).await;
    let listed = r.json(r.get("/api/plugins"), 200).await;
    let d = &listed["deployments"][0];
    assert_eq!(
        (d["tenant"].as_str(), d["deployment"].as_str()),
        (Some("acme"), Some("buffer")),
        "{listed}"
    );
    assert_eq!(
        d["current"],
        serde_json::json!({"name": "safety-stock", "version": "1.0.0"})
    );

    let pushed = r
        .json(
            r.post(PUSH)
                .query(&[("version", "1.1.0")])
                .body(component("safety_stock")),
            200,
        )
        .await;
    assert_eq!(pushed["previous"]["version"], "1.0.0", "{pushed}");
    assert_eq!(
        pushed["current"],
        serde_json::json!({"name": "safety-stock", "version": "1.1.0"})
    );
    let key = DeploymentKey::new("acme", "buffer");
    assert_eq!(r.host.current(&key).unwrap().version, "1.1.0");
    let listed = r.json(r.get("/api/plugins"), 200).await;
    let versions: Vec<&str> = listed["deployments"][0]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["1.0.0", "1.1.0"]);

    r.run_flow().await;
    let metrics = r
        .get("/metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("weft_plugin_calls_total{plugin=\"safety-stock@1.1.0\"}"),
        "the flow runs the pushed version:\n{metrics}"
    );

    let unlabelled = r
        .json(r.post(PUSH).body(component("safety_stock")), 200)
        .await;
    let label = unlabelled["current"]["version"].as_str().unwrap();
    assert!(label.starts_with("sha256-") && label.len() == 19, "{label}");

    let back = r.json(r.post(&format!("{PUSH}/rollback")), 200).await;
    assert_eq!(back["current"]["version"], "1.1.0", "{back}");
    let back = r.json(r.post(&format!("{PUSH}/rollback")), 200).await;
    assert_eq!(back["current"]["version"], "1.0.0", "{back}");
    assert_eq!(r.host.current(&key).unwrap().version, "1.0.0");
    let nothing = r.json(r.post(&format!("{PUSH}/rollback")), 409).await;
    assert!(
        nothing["error"]
            .as_str()
            .unwrap()
            .contains("no earlier version"),
        "{nothing}"
    );
    r.json(r.post("/api/plugins/acme/nothing/rollback"), 404)
        .await;
}

#[tokio::test]
async fn a_refused_component_answers_422_with_reasons_and_changes_nothing() {
    let r = Rig::new(&[]).await;
    let key = DeploymentKey::new("acme", "buffer");

    let garbage = r
        .json(
            r.post(PUSH)
                .query(&[("version", "2.0.0")])
                .body(&b"this is not a component"[..]),
            422,
        )
        .await;
    assert!(
        garbage["error"]
            .as_str()
            .unwrap()
            .contains("could not be compiled"),
        "{garbage}"
    );
    assert!(
        !garbage["reasons"].as_array().unwrap().is_empty(),
        "{garbage}"
    );

    let sockets = r
        .json(
            r.post(PUSH)
                .query(&[("version", "2.0.1")])
                .body(component("hostile_sockets")),
            422,
        )
        .await;
    let reasons = sockets["reasons"].as_array().unwrap();
    assert!(
        reasons
            .iter()
            .any(|reason| reason.as_str().unwrap().contains("wasi:sockets")),
        "{sockets}"
    );

    assert_eq!(r.host.current(&key).unwrap().version, "1.0.0");
    assert_eq!(
        r.host.versions(&key).unwrap().len(),
        1,
        "no refused version entered the history"
    );

    let empty = r.json(r.post(PUSH).query(&[("version", "3")]), 400).await;
    assert!(empty["error"].as_str().unwrap().contains("body"), "{empty}");
    r.json(
        r.post(PUSH)
            .query(&[("version", " ")])
            .body(component("safety_stock")),
        400,
    )
    .await;
    let unknown = r
        .json(
            r.post("/api/plugins/acme/nothing")
                .body(component("safety_stock")),
            404,
        )
        .await;
    assert!(
        unknown["error"]
            .as_str()
            .unwrap()
            .contains("not configured"),
        "{unknown}"
    );
}
