//! Unit tests of `read-page` and `lookup-records` against canned responses: paging through the
//! server's `next` links, skipping shop 0, resuming from the keyset position with `=`/`>`
//! filters once the server's clock has closed the second, single-record objects, rate limits and
//! cursor errors.
//!
//! Not here: re-reading open seconds (`reread_tests`), Lightspeed's own paging semantics (the
//! end-to-end tests run against the simulator).

use serde_json::json;
use weft_sdk::connector::{CallError, ErrorClass};
use weft_sdk::http::Method;
use weft_sdk::model::Entity;

use super::{INVENTORY, lookup, read_page};
use crate::testenv::FakeEnv;

const T0: &str = "2026-01-01T00:00:00+00:00";
/// A server clock an hour after T0: T0 is closed.
const LATE: i64 = 1_767_225_600 + 3600;

fn row(id: u64, shop: u64, qoh: i64, ts: &str) -> serde_json::Value {
    json!({"itemShopID": id.to_string(), "itemID": "1", "shopID": shop.to_string(),
           "qoh": qoh.to_string(), "timeStamp": ts,
           "Item": {"itemID": "1", "customSku": "TEE-S"}})
}

fn ids(records: &[Entity]) -> Vec<String> {
    records
        .iter()
        .map(|e| match e {
            Entity::InventoryLevel(l) => format!("{}@{}={}", l.sku, l.location, l.on_hand),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

#[test]
fn pages_follow_next_links_skip_shop_zero_and_resume_by_keyset() {
    let env = FakeEnv::at(LATE);
    let next = "http://sim/API/V3/Account/1/ItemShop.json?sort=timeStamp&after=TOKEN";
    env.on(
        Method::Get,
        "after=TOKEN",
        200,
        json!({"@attributes": {"next": ""},
        "ItemShop": [row(4, 3, 7, T0)]}),
    );
    env.on_times(
        Method::Get,
        "ItemShop.json?load_relations",
        1,
        json!({
        "@attributes": {"next": next, "previous": ""},
        "ItemShop": [row(1, 0, 12, T0), row(2, 1, 2, T0), row(3, 2, 3, T0)]}),
    );
    let page = read_page(&env, INVENTORY, None, 10).unwrap();
    assert_eq!(
        ids(&page.records),
        vec!["TEE-S@1=2", "TEE-S@2=3", "TEE-S@3=7"]
    );
    assert!(!page.has_more);
    let gets = env.paths(Method::Get);
    assert!(
        gets[0].contains("sort=timeStamp") && !gets[0].contains("after="),
        "{gets:?}"
    );
    assert_eq!(gets[1], "/ItemShop.json?sort=timeStamp&after=TOKEN");
    let cursor = page.next_cursor.expect("moved");

    // Resume: rows stamped in the same second with a higher id, then later rows (one, served
    // as a bare object).
    let env = FakeEnv::at(LATE);
    env.on(
        Method::Get,
        "timeStamp=%3D%2C2026",
        200,
        json!({"@attributes": {"next": ""}}),
    );
    env.on(
        Method::Get,
        "timeStamp=%3E%2C2026",
        200,
        json!({"@attributes": {"next": ""},
        "ItemShop": row(2, 1, 1, "2026-01-01T00:05:00+00:00")}),
    );
    let page = read_page(&env, INVENTORY, Some(cursor.clone()), 10).unwrap();
    assert_eq!(ids(&page.records), vec!["TEE-S@1=1"]);
    let gets = env.paths(Method::Get);
    assert!(
        gets[0].contains("itemShopID=%3E%2C4"),
        "same-second pass after id 4: {gets:?}"
    );
    assert!(gets[1].contains("timeStamp=%3E%2C2026-01-01T00%3A00%3A00%2B00%3A00"));
    assert!(!page.has_more);
    assert_ne!(page.next_cursor.as_deref(), Some(cursor.as_str()));
}

#[test]
fn an_idle_poll_keeps_the_cursor_and_a_small_limit_resumes_inside_a_page() {
    let env = FakeEnv::new();
    env.on(
        Method::Get,
        "ItemShop.json",
        200,
        json!({"@attributes": {"next": "http://sim/ItemShop.json?after=X"},
        "ItemShop": [row(1, 1, 1, T0), row(2, 2, 2, T0), row(3, 3, 3, T0)]}),
    );
    let page = read_page(&env, INVENTORY, None, 2).unwrap();
    assert_eq!(page.records.len(), 2);
    assert!(page.has_more);
    let c = crate::cursor::Cursor::decode(INVENTORY, page.next_cursor.as_deref().unwrap()).unwrap();
    assert_eq!(
        (c.pos.unwrap().id, c.next),
        (2, None),
        "cut inside the page: resume by position"
    );
    let idle = FakeEnv::new();
    idle.on(
        Method::Get,
        "ItemShop.json",
        200,
        json!({"@attributes": {"next": ""}}),
    );
    let cursor = crate::cursor::Cursor {
        pos: Some(crate::cursor::Pos {
            ts: T0.into(),
            id: 9,
        }),
        ..crate::cursor::Cursor::start(INVENTORY)
    };
    let page = read_page(&idle, INVENTORY, Some(cursor.encode()), 50).unwrap();
    assert!(page.records.is_empty() && !page.has_more);
    assert_eq!(page.next_cursor, None, "nothing new: keep the cursor");
    assert_eq!(idle.paths(Method::Get).len(), 2);
}

#[test]
fn rate_limits_and_bad_cursors_are_call_errors() {
    let env = FakeEnv::new();
    env.on_with(Method::Get, "ItemShop.json", 429, &[("Retry-After", "2")]);
    match read_page(&env, INVENTORY, None, 10) {
        Err(CallError::Failed(f)) => {
            assert_eq!(f.class, ErrorClass::RateLimited);
            assert_eq!(f.retry_after_ms, Some(2000));
            assert!(f.message.contains("slow down"), "{}", f.message);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        env.logs
            .borrow()
            .iter()
            .any(|l| l.contains("bucket 3.5/90"))
    );
    let sales = read_page(&env, "sales", None, 1).map(|_| ());
    assert!(matches!(sales, Err(CallError::Failed(_))));
    let bad = read_page(&env, INVENTORY, Some("lsr1:{\"s\":\"sales\"}".into()), 10);
    assert!(matches!(bad, Err(CallError::BadCursor(_))));
    assert!(matches!(
        read_page(&env, "nope", None, 1),
        Err(CallError::UnknownStream(_))
    ));
}

#[test]
fn inventory_lookup_asks_by_sku_and_picks_the_shop() {
    let env = FakeEnv::new();
    env.on(
        Method::Get,
        "customSku=IN",
        200,
        json!({"@attributes": {"next": ""},
        "Item": {"itemID": "1", "customSku": "TEE-S", "ItemShops": {"ItemShop": [
            {"itemShopID": "1", "itemID": "1", "shopID": "0", "qoh": "9", "timeStamp": T0},
            {"itemShopID": "2", "itemID": "1", "shopID": "2", "qoh": "4", "timeStamp": T0}]}}}),
    );
    env.on(
        Method::Get,
        "systemSku=IN",
        200,
        json!({"@attributes": {"next": ""}}),
    );
    let keys = vec![
        "TEE-S@2".to_string(),
        "TEE-S@3".into(),
        "NOPE@1".into(),
        "junk".into(),
    ];
    let found = lookup(&env, INVENTORY, keys).unwrap();
    assert_eq!(ids(&found), vec!["TEE-S@2=4"]);
    let gets = env.paths(Method::Get);
    assert!(
        gets[0].contains("customSku=IN%2C%5BNOPE%2CTEE-S%5D"),
        "{gets:?}"
    );
    assert!(gets[1].contains("systemSku=IN%2C%5BNOPE%5D"), "{gets:?}");
}
