//! Unit tests of re-reading open seconds through `read-page`: a row re-stamped inside the
//! position's second with a lower id is read again, the same row changed twice in one second
//! gets two versions (and an unchanged re-read the same one), a closed second is not re-read
//! (not even a large one), the server's `Date` header or later row stamps close a second, and a
//! re-read cut by the page limit resumes after its last row.
//!
//! Not here: the cursor's state machine alone (`cursor`), paging basics (`read_tests`).

use serde_json::{Value, json};
use weft_sdk::http::Method;
use weft_sdk::model::{Entity, InventoryLevel};

use super::{CUSTOMERS, INVENTORY, read_page};
use crate::cursor::{Chain, Cursor, Pos, Step};
use crate::testenv::FakeEnv;

const T0: &str = "2026-01-01T00:00:00+00:00";
/// Unix seconds of T0.
const S0: i64 = 1_767_225_600;
/// `timeStamp=>=,2026...` (the re-read from the start of an open second).
const SINCE: &str = "timeStamp=%3E%3D%2C2026";
/// `timeStamp==,2026...` (the rest of a second).
const SAME: &str = "timeStamp=%3D%2C2026";
/// `timeStamp=>,2026...` (later seconds).
const LATER: &str = "timeStamp=%3E%2C2026";

fn row(id: u64, shop: u64, qoh: i64, ts: &str) -> Value {
    json!({"itemShopID": id.to_string(), "itemID": "1", "shopID": shop.to_string(),
           "qoh": qoh.to_string(), "timeStamp": ts,
           "Item": {"itemID": "1", "customSku": "TEE-S"}})
}

fn body(rows: Vec<Value>) -> Value {
    json!({"@attributes": {"next": ""}, "ItemShop": rows})
}

fn levels(records: &[Entity]) -> Vec<InventoryLevel> {
    records
        .iter()
        .map(|e| match e {
            Entity::InventoryLevel(l) => l.clone(),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

/// `(source id, on hand, version)` of each level.
fn seen(records: &[Entity]) -> Vec<(String, i64, String)> {
    levels(records)
        .into_iter()
        .map(|l| (l.meta.source_id, l.on_hand, l.meta.version))
        .collect()
}

fn step(cursor: &str) -> Step {
    Cursor::decode(INVENTORY, cursor).unwrap().step()
}

/// The step that begins a `chain` read from position `(ts, id)`.
fn begins(chain: Chain, ts: &str, id: u64) -> Step {
    Step::Begin(chain, Some(Pos { ts: ts.into(), id }))
}

#[test]
fn a_row_restamped_in_the_open_second_with_a_lower_id_is_re_read() {
    // Read while the server's clock is still in T0: rows 5 and 9.
    let env = FakeEnv::at(S0);
    env.on(
        Method::Get,
        "ItemShop.json",
        200,
        body(vec![row(5, 1, 3, T0), row(9, 2, 4, T0)]),
    );
    let first = read_page(&env, INVENTORY, None, 50).unwrap();
    let before = seen(&first.records);
    assert_eq!(before.len(), 2);
    let cursor = first.next_cursor.expect("moved");
    assert_eq!(
        step(&cursor),
        begins(Chain::Later, T0, 0),
        "T0 is open: the next read starts at the whole second"
    );

    // Still inside T0, row 5 (lower id than the position's 9) is sold: qoh 3 -> 2, same stamp.
    let env = FakeEnv::at(S0 + 1);
    env.on(
        Method::Get,
        SINCE,
        200,
        body(vec![row(5, 1, 2, T0), row(9, 2, 4, T0)]),
    );
    let page = read_page(&env, INVENTORY, Some(cursor), 50).unwrap();
    let gets = env.paths(Method::Get);
    assert_eq!(gets.len(), 1, "{gets:?}");
    assert!(!gets[0].contains("itemShopID"), "all ids: {gets:?}");
    let after = seen(&page.records);
    assert_eq!((after[0].0.as_str(), after[0].1), ("5", 2), "re-read");
    assert_ne!(
        after[0].2, before[0].2,
        "a new version for the new quantity"
    );
    assert_eq!(after[1], before[1], "row 9 unchanged: the same version");
    assert!(!page.has_more);
    let cursor = page.next_cursor.expect("a page with records has a cursor");
    assert_eq!(
        step(&cursor),
        begins(Chain::Later, T0, 0),
        "the server's clock is not 2 s past T0 yet"
    );

    // Two seconds later the whole-second read closes T0 ...
    let env = FakeEnv::at(S0 + 2);
    env.on(
        Method::Get,
        SINCE,
        200,
        body(vec![row(5, 1, 2, T0), row(9, 2, 4, T0)]),
    );
    let page = read_page(&env, INVENTORY, Some(cursor), 50).unwrap();
    assert_eq!(
        seen(&page.records),
        after,
        "unchanged rows, unchanged versions"
    );
    let cursor = page.next_cursor.unwrap();
    assert_eq!(step(&cursor), begins(Chain::Same, T0, 9));

    // ... and from then on only ids after 9 and later seconds are asked for.
    let env = FakeEnv::at(S0 + 3);
    env.on(Method::Get, "ItemShop.json", 200, body(vec![]));
    let page = read_page(&env, INVENTORY, Some(cursor), 50).unwrap();
    assert!(page.records.is_empty() && page.next_cursor.is_none());
    let gets = env.paths(Method::Get);
    assert!(gets[0].contains(SAME) && gets[0].contains("itemShopID=%3E%2C9"));
    assert!(gets[1].contains(LATER), "{gets:?}");
}

#[test]
fn the_same_row_changed_twice_in_one_second_yields_two_versions() {
    let version = |qoh: i64, layaway: i64| {
        let mut r = row(7, 1, qoh, T0);
        r["onLayaway"] = json!(layaway.to_string());
        let env = FakeEnv::at(S0 + 60);
        env.on(Method::Get, "ItemShop.json", 200, body(vec![r]));
        let page = read_page(&env, INVENTORY, None, 10).unwrap();
        seen(&page.records).remove(0).2
    };
    assert_eq!(version(10, 0), "2026-01-01T00:00:00Z#10#0");
    assert_ne!(version(10, 0), version(9, 0), "a sale in the same second");
    assert_ne!(
        version(10, 0),
        version(10, 1),
        "a layaway in the same second"
    );
    assert_eq!(version(9, 1), version(9, 1), "a re-read: the same version");

    // Customers too: a digest of what the record carries.
    let customer = |first: &str| {
        let env = FakeEnv::at(S0 + 60);
        env.on(
            Method::Get,
            "Customer.json",
            200,
            json!({"@attributes": {"next": ""}, "Customer": {"customerID": "3",
                "firstName": first, "timeStamp": T0,
                "Contact": {"Emails": {"ContactEmail": {"address": "a@x.com"}}}}}),
        );
        let page = read_page(&env, CUSTOMERS, None, 10).unwrap();
        match &page.records[0] {
            Entity::Customer(c) => c.meta.version.clone(),
            other => panic!("{other:?}"),
        }
    };
    assert!(customer("Ava").starts_with("2026-01-01T00:00:00Z#"));
    assert_eq!(customer("Ava"), customer("Ava"));
    assert_ne!(customer("Ava"), customer("Eva"));
}

#[test]
fn a_closed_second_is_not_re_read_even_when_it_is_large() {
    // A bulk read of 150 rows in one old second, over two server pages.
    let rows: Vec<Value> = (1..=150).map(|id| row(id, 1, 1, T0)).collect();
    let env = FakeEnv::at(S0 + 86_400);
    env.on(Method::Get, "after=P2", 200, body(rows[100..].to_vec()));
    env.on_times(
        Method::Get,
        "ItemShop.json",
        1,
        json!({"@attributes": {"next": "http://sim/ItemShop.json?sort=timeStamp&after=P2"},
               "ItemShop": rows[..100].to_vec()}),
    );
    let page = read_page(&env, INVENTORY, None, 1000).unwrap();
    assert_eq!(page.records.len(), 150);
    assert!(!page.has_more);
    let cursor = page.next_cursor.unwrap();
    assert_eq!(step(&cursor), begins(Chain::Same, T0, 150));
    let env = FakeEnv::at(S0 + 86_401);
    env.on(Method::Get, "ItemShop.json", 200, body(vec![]));
    let page = read_page(&env, INVENTORY, Some(cursor), 1000).unwrap();
    assert!(page.records.is_empty() && page.next_cursor.is_none());
    let gets = env.paths(Method::Get);
    assert_eq!(gets.len(), 2);
    assert!(gets[0].contains("itemShopID=%3E%2C150"), "{gets:?}");
    assert!(gets.iter().all(|g| !g.contains(SINCE)), "{gets:?}");
}

#[test]
fn without_a_date_header_a_row_two_seconds_later_closes_a_second() {
    let t3 = "2026-01-01T00:00:03+00:00";
    let env = FakeEnv::new();
    env.on(
        Method::Get,
        "ItemShop.json",
        200,
        body(vec![row(1, 1, 1, T0), row(2, 1, 1, t3)]),
    );
    let page = read_page(&env, INVENTORY, None, 10).unwrap();
    assert_eq!(page.records.len(), 2);
    let cursor = page.next_cursor.unwrap();
    assert_eq!(
        step(&cursor),
        begins(Chain::Later, t3, 0),
        "T0 closed by the row at t3; t3 itself has no evidence"
    );
    let env = FakeEnv::new();
    env.on(Method::Get, SINCE, 200, body(vec![row(2, 1, 1, t3)]));
    let page = read_page(&env, INVENTORY, Some(cursor), 10).unwrap();
    assert_eq!(page.records.len(), 1, "re-read while open");
    assert!(env.paths(Method::Get)[0].contains("2026-01-01T00%3A00%3A03"));
}

#[test]
fn a_re_read_cut_by_the_limit_resumes_after_its_last_row() {
    let open = Cursor {
        pos: Some(Pos {
            ts: T0.into(),
            id: 0,
        }),
        same_done: true,
        ..Cursor::start(INVENTORY)
    };
    let env = FakeEnv::at(S0 + 5);
    env.on(
        Method::Get,
        SINCE,
        200,
        body(vec![row(2, 1, 1, T0), row(4, 1, 1, T0), row(6, 1, 1, T0)]),
    );
    let page = read_page(&env, INVENTORY, Some(open.encode()), 2).unwrap();
    assert_eq!(page.records.len(), 2);
    assert!(page.has_more);
    let cursor = page.next_cursor.unwrap();
    assert_eq!(step(&cursor), begins(Chain::Same, T0, 4));
    let env = FakeEnv::at(S0 + 5);
    env.on(
        Method::Get,
        "itemShopID=%3E%2C4",
        200,
        body(vec![row(6, 1, 1, T0)]),
    );
    env.on(Method::Get, LATER, 200, body(vec![]));
    let page = read_page(&env, INVENTORY, Some(cursor), 2).unwrap();
    assert_eq!(seen(&page.records)[0].0, "6");
    assert!(!page.has_more);
    assert_eq!(
        step(&page.next_cursor.unwrap()),
        begins(Chain::Same, T0, 6),
        "read at T0 + 5 s: closed"
    );
}
