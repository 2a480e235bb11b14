//! Flow routes: status with lag and counts, manual runs, reconciliation with drift and heal,
//! and the metrics they feed.

use crate::support::{FLOW, Rig, level};

#[tokio::test]
async fn flows_show_state_lag_last_success_and_counts() {
    let r = Rig::new(&["OK-1", "OK-2", "OK-3", "BAD-1"]).await;
    let before = r.json(r.get("/api/flows"), 200).await;
    let flow = &before["flows"][0];
    assert_eq!(
        (flow["id"].as_str(), flow["state"].as_str()),
        (Some(FLOW), Some("idle"))
    );
    assert!(
        flow["lag_seconds"].is_null() && flow["last_success_ms"].is_null(),
        "{flow}"
    );

    let run = r.run_flow().await;
    assert_eq!(
        (
            run["report"]["read"].as_u64(),
            run["report"]["written"].as_u64(),
            run["report"]["parked"].as_u64()
        ),
        (Some(4), Some(3), Some(1)),
        "{run}"
    );
    let after = r.json(r.get("/api/flows"), 200).await;
    let flow = &after["flows"][0];
    assert_eq!(flow["state"], "idle", "{flow}");
    assert!(flow["last_success_ms"].as_u64().is_some(), "{flow}");
    assert!(
        flow["lag_seconds"]
            .as_f64()
            .is_some_and(|l| (0.0..60.0).contains(&l)),
        "{flow}"
    );
    assert_eq!(
        (flow["totals"]["written"].as_u64(), flow["parked"].as_u64()),
        (Some(3), Some(1)),
        "{flow}"
    );
    assert_eq!(
        (
            flow["since_start"]["read"].as_u64(),
            flow["since_start"]["parked"].as_u64()
        ),
        (Some(4), Some(1)),
        "{flow}"
    );
    assert_eq!(
        (flow["source"].as_str(), flow["target"].as_str()),
        (Some("pos/inventory"), Some("shop/inventory"))
    );
    let Some(weft_world::types::Entity::InventoryLevel(l)) = r.target.get("OK-1@1") else {
        panic!("OK-1 did not reach the target")
    };
    assert_eq!(l.available, 4, "went through safety-stock's buffer of 1");
}

#[tokio::test]
async fn manual_runs_take_a_mode_and_can_run_in_the_background() {
    let r = Rig::new(&["OK-1"]).await;
    let bad = r
        .json(r.post(&format!("/api/flows/{FLOW}/run?mode=sideways")), 400)
        .await;
    assert!(
        bad["error"]
            .as_str()
            .unwrap()
            .contains("incremental or full"),
        "{bad}"
    );
    let unknown = r.json(r.post("/api/flows/acme/nothing/run"), 404).await;
    assert!(
        unknown["error"].as_str().unwrap().contains("acme/nothing"),
        "{unknown}"
    );
    r.json(r.post(&format!("/api/flows/{FLOW}/run?extra=1")), 400)
        .await;

    let started = r
        .json(r.post(&format!("/api/flows/{FLOW}/run?wait=false")), 202)
        .await;
    assert_eq!(started["started"], true);
    for _ in 0..100 {
        if r.target.counts().applied == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(r.target.counts().applied, 1, "the background run finished");

    let full = r
        .json(r.post(&format!("/api/flows/{FLOW}/run?mode=full")), 200)
        .await;
    assert_eq!(
        (
            full["report"]["read"].as_u64(),
            full["report"]["duplicates"].as_u64(),
            full["report"]["written"].as_u64()
        ),
        (Some(1), Some(1), Some(0)),
        "{full}"
    );
}

#[tokio::test]
async fn reconcile_reports_drift_stores_it_and_heals_it() {
    let r = Rig::new(&["OK-1", "OK-2"]).await;
    r.run_flow().await;
    let none = r
        .json(r.get(&format!("/api/flows/{FLOW}/drift")), 404)
        .await;
    assert!(
        none["error"].as_str().unwrap().contains("reconcile"),
        "{none}"
    );

    r.source.append([level("OK-3", 10, 7)]);
    let found = r
        .json(r.post(&format!("/api/flows/{FLOW}/reconcile")), 200)
        .await;
    assert_eq!(found["clean"], false, "{found}");
    assert_eq!(
        found["reconciliation"]["report"]["missing_in_target"],
        serde_json::json!(["OK-3@1"])
    );
    let stored = r
        .json(r.get(&format!("/api/flows/{FLOW}/drift")), 200)
        .await;
    assert_eq!(stored["drifted_keys"], 1, "{stored}");
    let flows = r.json(r.get("/api/flows"), 200).await;
    assert_eq!(flows["flows"][0]["drift"], 1);

    r.json(
        r.post(&format!("/api/flows/{FLOW}/reconcile?heal=maybe")),
        400,
    )
    .await;
    let healed = r
        .json(
            r.post(&format!("/api/flows/{FLOW}/reconcile?heal=true")),
            200,
        )
        .await;
    assert_eq!(healed["reconciliation"]["healed"], 1, "{healed}");
    let clean = r
        .json(r.post(&format!("/api/flows/{FLOW}/reconcile")), 200)
        .await;
    assert_eq!(clean["clean"], true, "{clean}");
    assert_eq!(
        r.json(r.get(&format!("/api/flows/{FLOW}/drift")), 200)
            .await["drifted_keys"],
        0
    );
}

#[tokio::test]
async fn metrics_are_prometheus_text_with_flow_and_plugin_series() {
    let r = Rig::new(&["OK-1", "OK-2", "BAD-1"]).await;
    r.run_flow().await;
    let response = r.get("/metrics").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4"),
        "{:?}",
        response.headers()
    );
    let text = response.text().await.unwrap();
    for expected in [
        "# TYPE weft_records_read_total counter",
        "weft_records_read_total{flow=\"acme/stock\"} 3",
        "weft_records_written_total{flow=\"acme/stock\"} 2",
        "weft_records_parked_total{flow=\"acme/stock\",class=\"permanent\"} 1",
        "weft_flow_parked_records{flow=\"acme/stock\"} 1",
        "weft_flow_lag_seconds{flow=\"acme/stock\"}",
        "weft_plugin_calls_total{plugin=\"safety-stock@1.0.0\"}",
        "weft_plugin_fuel_used_total{plugin=\"safety-stock@1.0.0\"}",
        "weft_page_commit_seconds_bucket{flow=\"acme/stock\",le=\"+Inf\"} 1",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let anonymous = r
        .client
        .get(format!("{}/metrics", r.url))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
}
