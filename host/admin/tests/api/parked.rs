//! The parked queue over HTTP: paging without repeats, filters, inspecting a record, replay by
//! id, by flow and class, and all; a replay after the fix moves records to done.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

use serde_json::json;

use crate::support::{FLOW, Rig};

#[tokio::test]
async fn parked_records_page_by_cursor_and_filter_by_flow_and_class() {
    let r = Rig::new(&["BAD-1", "OK-1", "BAD-2", "BAD-3", "BAD-4", "BAD-5"]).await;
    r.run_flow().await;

    let mut seen = BTreeSet::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut request = r
            .get("/api/parked")
            .query(&[("limit", "2"), ("flow", FLOW)]);
        if let Some(c) = &cursor {
            request = request.query(&[("cursor", c.as_str())]);
        }
        let page = r.json(request, 200).await;
        pages += 1;
        assert_eq!(page["total"], 5, "{page}");
        for record in page["records"].as_array().unwrap() {
            assert!(
                seen.insert(record["id"].as_str().unwrap().to_string()),
                "repeated {record}"
            );
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!((seen.len(), pages), (5, 3));

    let permanent = r.json(r.get("/api/parked?class=permanent"), 200).await;
    assert_eq!(permanent["total"], 5);
    let transient = r.json(r.get("/api/parked?class=transient"), 200).await;
    assert_eq!(
        (
            transient["total"].as_u64(),
            transient["records"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );
    let other = r.json(r.get("/api/parked?flow=globex/stock"), 200).await;
    assert_eq!(other["total"], 0);
    let bogus = r.json(r.get("/api/parked?class=bogus"), 400).await;
    assert!(
        bogus["error"]
            .as_str()
            .unwrap()
            .contains("dependency-missing"),
        "{bogus}"
    );
    r.json(r.get("/api/parked?limit=0"), 400).await;
    r.json(r.get("/api/parked?limit=many"), 400).await;

    let id = seen.iter().next().unwrap();
    let one = r.json(r.get(&format!("/api/parked/{id}")), 200).await;
    assert_eq!(
        (one["flow"].as_str(), one["error"]["class"].as_str()),
        (Some(FLOW), Some("permanent")),
        "{one}"
    );
    assert!(
        one["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no location mapping for BAD-"),
        "{one}"
    );
    assert!(one["record"].is_object(), "the payload is kept: {one}");
    r.json(r.get("/api/parked/no-such-id"), 404).await;
}

#[tokio::test]
async fn replay_after_the_fix_moves_parked_records_to_done_once() {
    let r = Rig::new(&["OK-1", "BAD-1", "BAD-2", "BAD-3"]).await;
    r.run_flow().await;
    assert_eq!(r.target.counts().applied, 1);
    let listed = r.json(r.get("/api/parked"), 200).await;
    let ids: Vec<String> = listed["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3);

    let still = r
        .json(r.post("/api/replay").json(&json!({"id": ids[0]})), 200)
        .await;
    assert_eq!(
        (still["matched"].as_u64(), still["parked_again"].as_u64()),
        (Some(1), Some(1)),
        "{still}"
    );
    r.json(r.get(&format!("/api/parked/{}", ids[0])), 200).await;

    r.broken.store(false, Ordering::SeqCst);
    let one = r
        .json(r.post("/api/replay").json(&json!({"id": ids[0]})), 200)
        .await;
    assert_eq!(one["confirmed"], 1, "{one}");
    r.json(r.get(&format!("/api/parked/{}", ids[0])), 404).await;

    let by_flow = r
        .json(
            r.post("/api/replay")
                .json(&json!({"flow": FLOW, "class": "permanent"})),
            200,
        )
        .await;
    assert_eq!(
        (by_flow["matched"].as_u64(), by_flow["confirmed"].as_u64()),
        (Some(2), Some(2)),
        "{by_flow}"
    );
    let empty = r.json(r.get("/api/parked"), 200).await;
    assert_eq!(empty["total"], 0);
    let all = r
        .json(r.post("/api/replay").json(&json!({"all": true})), 200)
        .await;
    assert_eq!(all["matched"], 0);

    let counts = r.target.counts();
    assert_eq!(
        (counts.applied, counts.received),
        (4, 4),
        "each record reached the target once"
    );
    assert!(r.target.get("BAD-2@1").is_some());
}

#[tokio::test]
async fn a_replay_request_must_say_exactly_what_to_replay() {
    let r = Rig::new(&["BAD-1"]).await;
    r.run_flow().await;
    for body in [
        json!({}),
        json!({"all": false}),
        json!({"id": "x", "all": true}),
        json!({"id": "x", "flow": FLOW}),
        json!({"class": "permanent"}),
        json!({"all": true, "class": "permanent"}),
        json!({"flow": FLOW, "class": "bogus"}),
        json!({"flow": FLOW, "since": 3}),
    ] {
        let refused = r.json(r.post("/api/replay").json(&body), 400).await;
        assert!(refused["error"].is_string(), "{body}: {refused}");
    }
    let garbage = r.json(r.post("/api/replay").body("{not json"), 400).await;
    assert!(
        garbage["error"]
            .as_str()
            .unwrap()
            .contains("{\"all\": true}"),
        "{garbage}"
    );
    r.json(
        r.post("/api/replay").json(&json!({"id": "no-such-id"})),
        404,
    )
    .await;
    assert_eq!(
        r.json(r.get("/api/parked"), 200).await["total"],
        1,
        "nothing was replayed"
    );
}
