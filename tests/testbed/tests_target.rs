//! Unit tests of the testbed's target over real HTTP: idempotency, every write fault, the
//! control endpoint and the journal. Not here: the source (`tests_source`) or any connector.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{RunningTestbed, Testbed};

async fn post(tb: &RunningTestbed, path: &str, body: Value) -> (u16, Option<String>, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}{path}", tb.base_url))
        .json(&body)
        .send()
        .await
        .expect("testbed answers");
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (
        status,
        retry_after,
        resp.json().await.unwrap_or(Value::Null),
    )
}

fn item(ik: &str, key: &str, available: i64, expected: Option<&str>) -> Value {
    json!({"idempotency_key": ik, "key": key, "version": "7", "available": available,
           "expected_version": expected})
}

async fn write(tb: &RunningTestbed, items: Vec<Value>) -> (u16, Option<String>, Value) {
    post(tb, "/target/write", json!({ "items": items })).await
}

#[tokio::test]
async fn a_key_is_applied_once_and_resends_get_the_original_result() {
    let tb = Testbed::start();
    let items = vec![item("ik-1", "A@1", 5, None), item("ik-2", "B@1", 6, None)];
    let (status, _, first) = write(&tb, items.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(first["results"][0]["ok"]["target_version"], "1");
    assert_eq!(first["results"][1]["ok"]["target_id"], "T000002");
    let (_, _, again) = write(&tb, items).await;
    assert_eq!(again, first, "the original results, not new versions");
    let report = tb.report();
    assert_eq!(
        (report.received, report.applied, report.deduplicated),
        (4, 2, 2)
    );
    assert!(report.not_exactly_once.is_empty(), "{report:?}");
    assert_eq!(tb.target_record("A@1").unwrap().available, 5);
}

#[tokio::test]
async fn throttled_writes_get_429_with_retry_after_and_apply_nothing() {
    let tb = Testbed::start();
    tb.throttle_next(1, 7);
    let (status, retry_after, body) = write(&tb, vec![item("ik-1", "A@1", 1, None)]).await;
    assert_eq!((status, retry_after.as_deref()), (429, Some("7")));
    assert_eq!(body["retry_after_secs"], 7);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("retry after 7 s")
    );
    assert_eq!(tb.applied("ik-1"), 0);
    let (status, _, _) = write(&tb, vec![item("ik-1", "A@1", 1, None)]).await;
    assert_eq!(status, 200, "only the next write was throttled");
    assert_eq!((tb.applied("ik-1"), tb.report().injected.throttled), (1, 1));
}

#[tokio::test]
async fn failing_writes_get_503_and_apply_nothing() {
    let tb = Testbed::start();
    tb.fail_next(2);
    for _ in 0..2 {
        let (status, _, body) = write(&tb, vec![item("ik-1", "A@1", 1, None)]).await;
        assert_eq!((status, body["error"].as_str()), (503, Some("unavailable")));
    }
    assert_eq!(write(&tb, vec![item("ik-1", "A@1", 1, None)]).await.0, 200);
    let report = tb.report();
    assert_eq!(
        (report.received, report.applied, report.injected.failed),
        (3, 1, 2)
    );
}

#[tokio::test]
async fn a_delayed_write_is_applied_although_the_client_timed_out() {
    let tb = Testbed::start();
    tb.delay(400, Some(1));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let body = json!({"items": [item("ik-1", "A@1", 3, None)]});
    let url = format!("{}/target/write", tb.base_url);
    let err = client.post(&url).json(&body).send().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(tb.applied("ik-1"), 1, "applied before the late answer");
    let started = Instant::now();
    let (status, _, resp) = write(&tb, vec![item("ik-1", "A@1", 3, None)]).await;
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "one delay only"
    );
    assert_eq!(
        (status, &resp["results"][0]["ok"]["target_version"]),
        (200, &json!("1"))
    );
    let report = tb.report();
    assert_eq!(
        (report.applied, report.deduplicated, report.injected.delayed),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn a_permanent_prefix_refuses_its_keys_with_422_until_cleared() {
    let tb = Testbed::start();
    tb.permanent_prefix(Some("BAD"));
    let items = vec![
        item("ik-1", "BAD-1@1", 1, None),
        item("ik-2", "OK-1@1", 1, None),
    ];
    let (status, _, body) = write(&tb, items).await;
    assert_eq!(status, 200, "per-item errors travel in a 200");
    let error = &body["results"][0]["error"];
    assert_eq!(error["status"], 422);
    assert!(
        error["message"].as_str().unwrap().contains("BAD-1@1"),
        "{error}"
    );
    assert!(body["results"][1]["ok"].is_object());
    assert_eq!(tb.report().not_exactly_once.get("ik-1"), Some(&0));
    tb.permanent_prefix(None);
    let (_, _, body) = write(&tb, vec![item("ik-1", "BAD-1@1", 1, None)]).await;
    assert!(body["results"][0]["ok"].is_object(), "{body}");
}

#[tokio::test]
async fn a_dependency_prefix_answers_424_with_waiting_for_until_released() {
    let tb = Testbed::start();
    tb.dependency_prefix(Some("NEW-"));
    let (_, _, body) = write(&tb, vec![item("ik-1", "NEW-1@2", 1, None)]).await;
    let error = &body["results"][0]["error"];
    assert_eq!(
        (error["status"].as_u64(), error["waiting_for"].as_str()),
        (Some(424), Some("sku:NEW-1"))
    );
    tb.dependency_prefix(None);
    let (_, _, body) = write(&tb, vec![item("ik-1", "NEW-1@2", 1, None)]).await;
    assert!(body["results"][0]["ok"].is_object(), "{body}");
    assert_eq!(tb.report().injected.dependency_missing, 1);
}

#[tokio::test]
async fn a_conflict_moves_the_version_and_a_write_with_the_reread_version_succeeds() {
    let tb = Testbed::start();
    write(&tb, vec![item("ik-1", "A@1", 1, None)]).await;
    tb.conflict_once("A@1");
    let (_, _, body) = write(&tb, vec![item("ik-2", "A@1", 2, Some("1"))]).await;
    assert_eq!(body["results"][0]["error"]["status"], 409, "{body}");
    let current = tb.target_record("A@1").unwrap();
    assert_eq!(
        (current.target_version.as_str(), current.available),
        ("2", 1)
    );
    let (_, _, body) = write(&tb, vec![item("ik-2", "A@1", 2, Some("1"))]).await;
    let message = body["results"][0]["error"]["message"].as_str().unwrap();
    assert!(message.contains("stale; current is 2"), "{message}");
    let (_, _, body) = write(&tb, vec![item("ik-2", "A@1", 2, Some("2"))]).await;
    assert_eq!(body["results"][0]["ok"]["target_version"], "3", "{body}");
    assert_eq!((tb.applied("ik-2"), tb.report().injected.conflicts), (1, 2));
}

#[tokio::test]
async fn the_control_endpoint_changes_faults_partially_and_reports() {
    let tb = Testbed::start();
    let set = json!({"fail_requests": 1, "permanent_prefix": "X", "conflict_once": ["A@1"]});
    let (status, _, faults) = post(&tb, "/__control/faults", set).await;
    assert_eq!(
        (
            status,
            &faults["fail_requests"],
            &faults["permanent_prefix"]
        ),
        (200, &json!(1), &json!("X"))
    );
    let (_, _, faults) = post(&tb, "/__control/faults", json!({"permanent_prefix": null})).await;
    assert_eq!(
        (&faults["fail_requests"], &faults["permanent_prefix"]),
        (&json!(1), &Value::Null)
    );
    assert_eq!(faults["conflict_once"], json!(["A@1"]));
    let (status, _, _) = post(&tb, "/__control/faults", json!({"no_such_fault": 1})).await;
    assert_eq!(status, 422, "unknown fields are refused");
    write(&tb, vec![item("ik-1", "A@1", 1, None)]).await;
    let client = reqwest::Client::new();
    let report: Value = client
        .get(format!("{}/__control/report", tb.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&report["received"], &report["injected"]["failed"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(report["not_exactly_once"], json!({"ik-1": 0}));
    let cleared: Value = client
        .delete(format!("{}/__control/faults", tb.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        cleared,
        serde_json::to_value(super::Faults::default()).unwrap()
    );
}

#[tokio::test]
async fn a_restarted_persistent_testbed_keeps_records_and_idempotency() {
    let dir = tempfile::tempdir().unwrap();
    let tb = Testbed::start_persistent(dir.path());
    write(&tb, vec![item("ik-1", "A@1", 4, None)]).await;
    tb.conflict_once("A@1");
    write(&tb, vec![item("ik-2", "A@1", 5, None)]).await;
    tb.stop();
    // A crash mid-line leaves a torn last line; it was never answered, so it is ignored.
    let journal = dir.path().join(super::journal::FILE);
    let mut text = std::fs::read_to_string(&journal).unwrap();
    text.push_str("{\"effect\":\"appl");
    std::fs::write(&journal, text).unwrap();

    let tb = Testbed::start_persistent(dir.path());
    let record = tb.target_record("A@1").unwrap();
    assert_eq!((record.available, record.target_version.as_str()), (4, "2"));
    let (_, _, body) = write(&tb, vec![item("ik-1", "A@1", 4, None)]).await;
    assert_eq!(
        body["results"][0]["ok"]["target_version"], "1",
        "answered from the journal"
    );
    let (_, _, body) = write(&tb, vec![item("ik-2", "A@1", 5, None)]).await;
    assert_eq!(body["results"][0]["ok"]["target_version"], "3");
    let report = tb.report();
    assert_eq!((report.applied, report.deduplicated), (2, 1));
    assert!(report.not_exactly_once.is_empty(), "{report:?}");
}
