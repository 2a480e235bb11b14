//! Native tests of the JSON mapping: request bodies, per-item and whole-response failure
//! classes, and records read back. Not here: HTTP (the e2e tests run the component).

use serde_json::json;
use weft_sdk::connector::{CallError, ErrorClass, WriteItem, WriteOp};
use weft_sdk::model::{Entity, InventoryLevel, Location, meta};

use super::write::{class_of, map_response, prepare, retry_after_header_ms};
use super::*;

fn item(ik: &str, sku: &str, expected: Option<&str>) -> WriteItem {
    WriteItem {
        idempotency_key: ik.into(),
        op: WriteOp::Upsert,
        entity: Entity::InventoryLevel(InventoryLevel {
            meta: meta("testbed", &format!("{sku}@1"), "00000000000000000007"),
            sku: sku.into(),
            location: "1".into(),
            on_hand: 3,
            available: 3,
            committed: 0,
        }),
        expected_version: expected.map(String::from),
    }
}

#[test]
fn items_become_one_request_and_unwritable_ones_fail_here() {
    let mut delete = item("ik-3", "C", None);
    delete.op = WriteOp::Delete;
    let mut location = item("ik-4", "D", None);
    location.entity = Entity::Location(Location {
        meta: meta("x", "1", "1"),
        name: "Shop".into(),
        code: None,
    });
    let prepared = prepare(&[
        item("ik-1", "A", None),
        item("ik-2", "B", Some("5")),
        delete,
        location,
    ]);
    assert_eq!(
        prepared.body,
        json!({"items": [
            {"idempotency_key": "ik-1", "key": "A@1", "version": "00000000000000000007", "available": 3, "expected_version": null},
            {"idempotency_key": "ik-2", "key": "B@1", "version": "00000000000000000007", "available": 3, "expected_version": "5"}
        ]})
    );
    assert_eq!(prepared.slots[1].as_deref(), Ok("B@1"));
    let refused = prepared.slots[2].as_ref().unwrap_err();
    assert_eq!(refused.class, ErrorClass::Permanent);
    assert!(
        refused.message.contains("cannot delete"),
        "{}",
        refused.message
    );
    assert!(prepared.slots[3].is_err());
}

#[test]
fn per_item_errors_are_classified_with_status_detail_and_waiting_for() {
    let prepared = prepare(&[
        item("ik-1", "A", None),
        item("ik-2", "B", None),
        item("ik-3", "C", None),
        item("ik-4", "D", None),
        item("ik-5", "E", None),
        item("ik-6", "F", None),
    ]);
    let body = json!({"results": [
        {"ok": {"target_id": "T000001", "target_version": "9"}},
        {"error": {"status": 409, "message": "B@1: stale", "retry_after_ms": null, "waiting_for": null}},
        {"error": {"status": 422, "message": "C@1: invalid", "retry_after_ms": null, "waiting_for": null}},
        {"error": {"status": 424, "message": "D@1: missing", "retry_after_ms": null, "waiting_for": "sku:D"}},
        {"error": {"status": 429, "message": "slow down", "retry_after_ms": 1500, "waiting_for": null}},
        {"error": {"status": 503, "message": "busy", "retry_after_ms": null, "waiting_for": null}}
    ]});
    let results = map_response(prepared.slots, 200, None, body.to_string().as_bytes()).unwrap();
    let written = results[0].as_ref().unwrap();
    assert_eq!(
        (written.target_id.as_str(), written.target_version.as_str()),
        ("T000001", "9")
    );
    let failures: Vec<_> = results[1..]
        .iter()
        .map(|r| r.as_ref().unwrap_err())
        .collect();
    let classes: Vec<_> = failures.iter().map(|f| f.class).collect();
    use ErrorClass::*;
    assert_eq!(
        classes,
        [
            Conflict,
            Permanent,
            DependencyMissing,
            RateLimited,
            Transient
        ]
    );
    assert_eq!(failures[1].http_status, Some(422));
    assert!(
        failures[1].message.contains("C@1"),
        "{}",
        failures[1].message
    );
    assert!(
        failures[1]
            .detail
            .as_ref()
            .unwrap()
            .contains("C@1: invalid")
    );
    assert_eq!(failures[2].waiting_for.as_deref(), Some("sku:D"));
    assert_eq!(failures[3].retry_after_ms, Some(1500));
}

#[test]
fn a_whole_429_or_503_fails_every_sent_item_with_its_class() {
    let prepared = prepare(&[item("ik-1", "A", None), item("ik-2", "B", None)]);
    let body = br#"{"error":"throttled","retry_after_secs":2}"#;
    let results =
        map_response(prepared.slots, 429, retry_after_header_ms(Some("3")), body).unwrap();
    for r in &results {
        let f = r.as_ref().unwrap_err();
        assert_eq!(
            (f.class, f.retry_after_ms, f.http_status),
            (ErrorClass::RateLimited, Some(3000), Some(429))
        );
        assert!(f.detail.as_ref().unwrap().contains("throttled"));
    }
    let prepared = prepare(&[item("ik-1", "A", None)]);
    let results = map_response(prepared.slots.clone(), 429, None, body).unwrap();
    assert_eq!(
        results[0].as_ref().unwrap_err().retry_after_ms,
        Some(2000),
        "from the body"
    );
    let results = map_response(prepared.slots, 503, None, b"busy").unwrap();
    let f = results[0].as_ref().unwrap_err();
    assert_eq!((f.class, f.http_status), (ErrorClass::Transient, Some(503)));
    assert_eq!(
        (class_of(408), class_of(412), class_of(400)),
        (
            ErrorClass::Transient,
            ErrorClass::Conflict,
            ErrorClass::Permanent
        )
    );
}

#[test]
fn a_result_count_that_does_not_match_fails_the_call() {
    let prepared = prepare(&[item("ik-1", "A", None), item("ik-2", "B", None)]);
    let body = json!({"results": [{"ok": {"target_id": "T1", "target_version": "1"}}]});
    match map_response(prepared.slots, 200, None, body.to_string().as_bytes()) {
        Err(CallError::Failed(f)) => {
            assert!(f.message.contains("1 results for 2 items"), "{}", f.message)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn records_read_back_carry_the_target_version_and_paths_encode_keys() {
    let body = json!({"records": [{"key": "A@1", "sku": "A", "location": "1", "available": 4,
        "source_version": "00000000000000000007", "target_id": "T000001", "target_version": "12"}],
        "next": "A@1", "has_more": true});
    let page = parse_page(body).unwrap();
    assert_eq!(
        (page.next_cursor.as_deref(), page.has_more),
        (Some("A@1"), true)
    );
    let Entity::InventoryLevel(level) = &page.records[0] else {
        panic!()
    };
    assert_eq!(
        (level.meta.source_id.as_str(), level.meta.version.as_str()),
        ("A@1", "12")
    );
    assert_eq!(level.meta.attributes[0].value, "00000000000000000007");
    assert_eq!(level.meta.external_ids[0].id, "T000001");
    assert_eq!(
        page_path(Some("A@1"), 10),
        "/target/all?after=A%401&limit=10"
    );
    assert_eq!(page_path(None, 10), "/target/all?limit=10");
    assert_eq!(
        lookup_path(&["A@1".into(), "B@2".into()]),
        "/target/records?keys=A%401,B%402"
    );
    assert!(matches!(
        check_stream("orders"),
        Err(CallError::UnknownStream(_))
    ));
    assert_eq!(describe().connections, ["target"]);
}
