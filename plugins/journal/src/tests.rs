//! Native tests of the journal against an in-memory store: summaries and their balance check,
//! idempotent writes, deletes, the index, reading back and lookup. Not here: the kv capability
//! itself (the component runs against the host in its fixtures).

use serde_json::json;
use weft_sdk::connector::{CallError, Connector, ErrorClass, Failure, WriteItem, WriteOp, Written};
use weft_sdk::model::{Entity, InventoryLevel, Payout, PayoutLine, PayoutLineKind, meta, money};

use super::entry::{Entry, INDEX, rfc3339, summarize};
use super::store::{Memory, Store};
use super::*;

const T0: u64 = 1_714_561_200_000; // 2024-05-01T11:00:00.000Z

/// A line as the Shopify connector builds it from a balance transaction: fee = amount - net.
fn line(kind: PayoutLineKind, amount: i64, net: i64) -> PayoutLine {
    PayoutLine {
        kind,
        amount: money(amount, "USD"),
        fee: money(amount - net, "USD"),
        order_ref: Some("5001".into()),
    }
}

/// A payout assembled like `plugins/shopify/src/payouts.rs::assemble`: fees = sum of the lines'
/// fees, and `net` as given.
fn payout(id: &str, lines: Vec<PayoutLine>, net: i64) -> Payout {
    let fees = lines.iter().map(|l| l.fee.amount_minor).sum();
    Payout {
        meta: meta("shopify", id, &format!("2024-05-01T00:00:00Z#{id}")),
        date: "2024-05-01".into(),
        lines,
        fees: money(fees, "USD"),
        net: money(net, "USD"),
    }
}

/// Charges 10000 (fee 320) and 5000 (fee 175), a refund of -2000, a dispute of -1500 (fee 1500),
/// an adjustment of +250: net = 15000 - 2000 - 1500 + 250 - 1995 = 9755.
fn balanced(id: &str) -> Payout {
    payout(
        id,
        vec![
            line(PayoutLineKind::Charge, 10_000, 9_680),
            line(PayoutLineKind::Charge, 5_000, 4_825),
            line(PayoutLineKind::Refund, -2_000, -2_000),
            line(PayoutLineKind::Dispute, -1_500, -3_000),
            line(PayoutLineKind::Adjustment, 250, 250),
        ],
        9_755,
    )
}

fn item(op: WriteOp, p: &Payout) -> WriteItem {
    WriteItem {
        idempotency_key: format!("weft-ik1-{}", p.meta.source_id),
        op,
        entity: Entity::Payout(p.clone()),
        expected_version: None,
    }
}

fn upsert(store: &Memory, p: &Payout, now: u64) -> Result<Written, Failure> {
    write::write(store, &[item(WriteOp::Upsert, p)], now).remove(0)
}

fn stored(store: &Memory, key: &str) -> serde_json::Value {
    serde_json::from_slice(&store.map.borrow()[key]).unwrap()
}

fn index(store: &Memory) -> Vec<String> {
    store
        .map
        .borrow()
        .get(INDEX)
        .map(|b| serde_json::from_slice(b).unwrap())
        .unwrap_or_default()
}

fn ids(page: &weft_sdk::connector::Page) -> Vec<String> {
    page.records
        .iter()
        .map(|e| match e {
            Entity::Payout(p) => p.meta.source_id.clone(),
            other => panic!("not a payout: {other:?}"),
        })
        .collect()
}

#[test]
fn a_balanced_payout_becomes_one_summary_entry_with_an_index() {
    let store = Memory::default();
    let written = upsert(&store, &balanced("77"), T0).unwrap();
    assert_eq!(written.target_id, "journal:shopify:77");
    assert_eq!(
        stored(&store, "journal:shopify:77"),
        json!({
            "payout": "77", "system": "shopify", "date": "2024-05-01", "currency": "USD",
            "gross_sales": 15000, "refunds": 2000, "adjustments": -1250, "fees": 1995,
            "net": 9755, "lines": 5, "written_at": "2024-05-01T11:00:00.000Z"
        })
    );
    assert!(
        written
            .target_version
            .starts_with("2024-05-01T11:00:00.000Z#"),
        "{}",
        written.target_version
    );
    assert_eq!(written.target_version.len(), 24 + 1 + 16);
    assert_eq!(index(&store), ["journal:shopify:77"]);
}

#[test]
fn the_balance_check_uses_the_shopify_connectors_sign_conventions() {
    // Refunds negative, fees positive, fee = amount - net per line, payout fees = sum of line
    // fees: sum(amount - fee) over the lines is the net, and so is the journal's formula.
    let p = balanced("1");
    let shopify_sum: i64 = p
        .lines
        .iter()
        .map(|l| l.amount.amount_minor - l.fee.amount_minor)
        .sum();
    assert_eq!(shopify_sum, p.net.amount_minor);
    let e = summarize(&p).unwrap();
    assert_eq!(
        e.gross_sales - e.refunds + e.adjustments - e.fees,
        e.net,
        "{e:?}"
    );
    assert!(e.refunds > 0 && e.fees > 0);
    // A fee-kind line (an application fee) counts with the adjustments.
    let with_fee_line = payout(
        "2",
        vec![
            line(PayoutLineKind::Charge, 1_000, 970),
            line(PayoutLineKind::Fee, -200, -200),
        ],
        770,
    );
    let e = summarize(&with_fee_line).unwrap();
    assert_eq!((e.adjustments, e.fees, e.net), (-200, 30, 770));
    // A payout with no lines and no money balances trivially.
    assert!(summarize(&payout("3", vec![], 0)).is_ok());
}

#[test]
fn an_unbalanced_payout_fails_permanently_naming_sum_net_and_difference_and_is_not_stored() {
    let store = Memory::default();
    let mut p = balanced("78");
    p.net.amount_minor = 9_750; // 5 cents short of what the lines add up to
    let f = upsert(&store, &p, T0).unwrap_err();
    assert_eq!(f.class, ErrorClass::Permanent);
    for want in [
        "payout:shopify:78",
        "= 9755",
        "net is 9750",
        "difference -5 USD",
        "not journaled",
    ] {
        assert!(f.message.contains(want), "{:?} lacks {want:?}", f.message);
    }
    assert!(store.map.borrow().is_empty(), "nothing stored");
}

#[test]
fn payouts_that_cannot_be_summarised_are_refused_permanently() {
    let mut mixed = balanced("1");
    mixed.lines[0].amount.currency = "CAD".into();
    assert!(
        summarize(&mixed)
            .unwrap_err()
            .contains("line 1 amount is in \"CAD\"")
    );
    let mut fees = balanced("2");
    fees.fees.amount_minor = 0;
    let e = summarize(&fees).unwrap_err();
    assert!(
        e.contains("lines' fees add up to 1995 but the payout's fees are 0"),
        "{e}"
    );
    let mut anonymous = balanced("");
    anonymous.meta.source_id.clear();
    assert!(summarize(&anonymous).unwrap_err().contains("source-id"));
    let mut own = balanced("3");
    own.meta.source_system = "journal".into();
    assert!(summarize(&own).unwrap_err().contains("journal itself"));
    // Payout-level fees with fee-less lines still balance by the formula.
    let mut p = payout("4", vec![line(PayoutLineKind::Charge, 1_000, 1_000)], 970);
    p.fees.amount_minor = 30;
    assert_eq!(summarize(&p).unwrap().fees, 30);
}

#[test]
fn writing_the_same_payout_again_answers_the_same_target_and_version() {
    let store = Memory::default();
    let first = upsert(&store, &balanced("77"), T0).unwrap();
    let mut again = balanced("77");
    again.meta.version = "2024-05-02T00:00:00Z#77".into(); // status changed, amounts did not
    let second = upsert(&store, &again, T0 + 86_400_000).unwrap();
    assert_eq!(second, first);
    assert_eq!(
        stored(&store, "journal:shopify:77")["written_at"],
        "2024-05-01T11:00:00.000Z"
    );
    assert_eq!(index(&store), ["journal:shopify:77"], "not appended twice");
}

#[test]
fn a_changed_payout_replaces_its_entry_and_reads_at_its_new_position() {
    let store = Memory::default();
    let first = upsert(&store, &balanced("77"), T0).unwrap();
    upsert(&store, &balanced("78"), T0).unwrap();
    let mut changed = balanced("77");
    changed
        .lines
        .push(line(PayoutLineKind::Adjustment, 100, 100));
    changed.net.amount_minor += 100;
    let second = upsert(&store, &changed, T0 + 1).unwrap();
    assert_eq!(second.target_id, first.target_id);
    assert_ne!(second.target_version, first.target_version);
    assert_eq!(stored(&store, "journal:shopify:77")["net"], 9855);
    assert_eq!(
        index(&store),
        [
            "journal:shopify:77",
            "journal:shopify:78",
            "journal:shopify:77"
        ]
    );
    assert!(store.notes.borrow()[0].contains("net 9755 -> 9855"));
    let page = read::page(&store, None, 10).unwrap();
    assert_eq!(
        ids(&page),
        ["78", "77"],
        "each entry once, at its last position"
    );
    // An incremental reader past the first write sees the change.
    assert_eq!(ids(&read::page(&store, Some("2"), 10).unwrap()), ["77"]);
}

#[test]
fn a_write_interrupted_before_the_index_is_indexed_by_its_retry() {
    let store = Memory::default();
    upsert(&store, &balanced("77"), T0).unwrap();
    store.map.borrow_mut().remove(INDEX);
    let again = upsert(&store, &balanced("77"), T0 + 5).unwrap();
    assert!(
        again
            .target_version
            .starts_with("2024-05-01T11:00:00.000Z#")
    );
    assert_eq!(index(&store), ["journal:shopify:77"]);
}

#[test]
fn lost_compare_and_swap_races_are_retried() {
    // Another writer appends to the index just before our first index swap.
    let store = Memory {
        meddle: Some(Box::new(|n, map| {
            if n == 2 {
                map.insert(INDEX.into(), br#"["journal:shopify:other"]"#.to_vec());
            }
        })),
        ..Memory::default()
    };
    upsert(&store, &balanced("77"), T0).unwrap();
    assert_eq!(
        index(&store),
        ["journal:shopify:other", "journal:shopify:77"]
    );
    // A writer that always loses (someone rewrites the entry before each of our swaps) gives
    // up transiently, so the engine retries later.
    let hopeless = Memory {
        meddle: Some(Box::new(|n, map| {
            let mut e = summarize(&balanced("77")).unwrap();
            e.net += n as i64;
            map.insert("journal:shopify:77".into(), serde_json::to_vec(&e).unwrap());
        })),
        ..Memory::default()
    };
    let f = upsert(&hopeless, &balanced("77"), T0).unwrap_err();
    assert_eq!(f.class, ErrorClass::Transient, "{}", f.message);
    assert!(f.message.contains("kept changing"), "{}", f.message);
    assert_eq!(*hopeless.swaps.borrow(), store::SWAP_ATTEMPTS);
}

#[test]
fn deletes_remove_the_entry_and_reads_skip_it() {
    let store = Memory::default();
    for id in ["1", "2", "3"] {
        upsert(&store, &balanced(id), T0).unwrap();
    }
    let results = write::write(
        &store,
        &[
            item(WriteOp::Delete, &balanced("2")),
            item(WriteOp::Delete, &balanced("9")),
        ],
        T0,
    );
    for (r, key) in results
        .iter()
        .zip(["journal:shopify:2", "journal:shopify:9"])
    {
        let w = r.as_ref().unwrap();
        assert_eq!(
            (w.target_id.as_str(), w.target_version.as_str()),
            (key, "deleted")
        );
    }
    assert!(!store.map.borrow().contains_key("journal:shopify:2"));
    assert_eq!(ids(&read::page(&store, None, 10).unwrap()), ["1", "3"]);
    assert!(
        read::lookup(&store, &["payout:shopify:2".into()])
            .unwrap()
            .is_empty()
    );
}

#[test]
fn set_quantity_and_other_entities_fail_permanently() {
    let store = Memory::default();
    let level = WriteItem {
        idempotency_key: "ik-1".into(),
        op: WriteOp::Upsert,
        entity: Entity::InventoryLevel(InventoryLevel {
            meta: meta("shopify", "1", "1"),
            sku: "A".into(),
            location: "1".into(),
            on_hand: 1,
            available: 1,
            committed: 0,
        }),
        expected_version: None,
    };
    let results = write::write(
        &store,
        &[
            level,
            item(WriteOp::SetQuantity, &balanced("1")),
            item(WriteOp::Upsert, &balanced("2")),
        ],
        T0,
    );
    let f0 = results[0].as_ref().unwrap_err();
    assert_eq!(f0.class, ErrorClass::Permanent);
    assert!(f0.message.contains("payout records only"), "{}", f0.message);
    let f1 = results[1].as_ref().unwrap_err();
    assert!(
        f1.message.contains("cannot set quantities"),
        "{}",
        f1.message
    );
    assert!(
        results[2].is_ok(),
        "one item's failure does not stop the batch"
    );
}

#[test]
fn pages_follow_the_index_with_position_cursors() {
    let store = Memory::default();
    assert_eq!(
        read::page(&store, None, 10).unwrap(),
        weft_sdk::connector::Page {
            records: vec![],
            next_cursor: None,
            has_more: false
        }
    );
    for id in ["1", "2", "3"] {
        upsert(&store, &balanced(id), T0).unwrap();
    }
    let p1 = read::page(&store, None, 2).unwrap();
    assert_eq!(ids(&p1), ["1", "2"]);
    assert_eq!((p1.next_cursor.as_deref(), p1.has_more), (Some("2"), true));
    let p2 = read::page(&store, p1.next_cursor.as_deref(), 2).unwrap();
    assert_eq!(ids(&p2), ["3"]);
    assert_eq!((p2.next_cursor.as_deref(), p2.has_more), (Some("3"), false));
    let p3 = read::page(&store, Some("3"), 2).unwrap();
    assert_eq!(
        (p3.records.len(), p3.next_cursor, p3.has_more),
        (0, None, false)
    );
    for bad in ["4", "x", "-1"] {
        assert!(
            matches!(
                read::page(&store, Some(bad), 2),
                Err(CallError::BadCursor(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn entries_read_back_as_payouts_that_key_like_the_original_and_balance() {
    let store = Memory::default();
    let written = upsert(&store, &balanced("77"), T0).unwrap();
    let page = read::page(&store, None, 10).unwrap();
    let Entity::Payout(p) = &page.records[0] else {
        panic!()
    };
    assert_eq!(p.meta.source_system, "journal");
    assert_eq!(p.meta.source_id, "77");
    assert_eq!(p.meta.version, written.target_version);
    let attr = |n: &str| {
        p.meta
            .attributes
            .iter()
            .find(|a| a.name == n)
            .map(|a| a.value.as_str())
    };
    assert_eq!(attr("weft.key"), Some("payout:shopify:77"));
    assert_eq!(attr("journal.line-count"), Some("5"));
    assert_eq!(p.meta.external_ids[0].system, "shopify");
    let lines: Vec<_> = p
        .lines
        .iter()
        .map(|l| (l.kind, l.amount.amount_minor, l.fee.amount_minor))
        .collect();
    assert_eq!(
        lines,
        [
            (PayoutLineKind::Charge, 15_000, 1_995),
            (PayoutLineKind::Refund, -2_000, 0),
            (PayoutLineKind::Adjustment, -1_250, 0),
        ]
    );
    assert_eq!((p.fees.amount_minor, p.net.amount_minor), (1_995, 9_755));
    assert_eq!(
        (p.date.as_str(), p.net.currency.as_str()),
        ("2024-05-01", "USD")
    );
    let sum: i64 = p
        .lines
        .iter()
        .map(|l| l.amount.amount_minor - l.fee.amount_minor)
        .sum();
    assert_eq!(sum, p.net.amount_minor, "the Shopify invariant holds");
    // And it summarises back to the same numbers (it is refused only for its system).
    let mut again = p.clone();
    again.meta.source_system = "shopify".into();
    let e = summarize(&again).unwrap();
    let original = summarize(&balanced("77")).unwrap();
    assert_eq!(
        (e.gross_sales, e.refunds, e.adjustments, e.fees, e.net),
        (
            original.gross_sales,
            original.refunds,
            original.adjustments,
            original.fees,
            original.net
        )
    );
}

#[test]
fn lookup_takes_engine_keys_and_target_ids() {
    let store = Memory::default();
    upsert(&store, &balanced("77"), T0).unwrap();
    upsert(&store, &balanced("78"), T0).unwrap();
    let keys: Vec<String> = [
        "payout:shopify:78",
        "journal:shopify:77",
        "payout:shopify:79",
        "78",
        "payout:shopify",
        "order:shopify:78",
    ]
    .map(String::from)
    .into();
    let found = read::lookup(&store, &keys).unwrap();
    assert_eq!(
        found
            .iter()
            .map(|e| match e {
                Entity::Payout(p) => p.meta.source_id.as_str(),
                _ => "?",
            })
            .collect::<Vec<_>>(),
        ["78", "77"]
    );
}

#[test]
fn corrupt_values_are_reported_by_key_not_reset() {
    let store = Memory::default();
    store
        .map
        .borrow_mut()
        .insert(INDEX.into(), b"{not json".to_vec());
    let Err(CallError::Failed(f)) = read::page(&store, None, 10) else {
        panic!()
    };
    assert!(f.message.contains("journal:index"), "{}", f.message);
    let f = upsert(&store, &balanced("1"), T0).unwrap_err();
    assert!(f.message.contains("journal:index"), "{}", f.message);
    assert_eq!(
        store.map.borrow()[INDEX],
        b"{not json".to_vec(),
        "left as it was"
    );
    let store = Memory::default();
    store
        .map
        .borrow_mut()
        .insert("journal:shopify:1".into(), b"[]".to_vec());
    let f = read::lookup(&store, &["payout:shopify:1".into()]).unwrap_err();
    assert!(f.message.contains("journal:shopify:1"), "{}", f.message);
}

#[test]
fn describe_and_the_calls_the_journal_refuses() {
    let info = info();
    assert_eq!(info.platform, "journal");
    assert!(info.connections.is_empty());
    let s = &info.streams[0];
    assert_eq!(
        (
            s.name.as_str(),
            s.entity_kind.as_str(),
            s.readable,
            s.writable,
            s.lookup
        ),
        ("payouts", "payout", true, true, true)
    );
    assert!(matches!(
        check_stream("orders"),
        Err(CallError::UnknownStream(_))
    ));
    assert!(matches!(
        Journal::read_page("orders".into(), None, 1),
        Err(CallError::UnknownStream(_))
    ));
    let Err(CallError::Failed(f)) = Journal::handle_webhook("payouts/paid".into(), vec![], vec![])
    else {
        panic!()
    };
    assert!(f.message.contains("no webhooks"), "{}", f.message);
    let Err(CallError::Failed(f)) = Journal::on_timer("t".into(), vec![]) else {
        panic!()
    };
    assert!(f.message.contains("no timers"), "{}", f.message);
}

#[test]
fn times_are_rfc3339_utc_with_milliseconds() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(rfc3339(T0), "2024-05-01T11:00:00.000Z");
    assert_eq!(rfc3339(951_782_400_123), "2000-02-29T00:00:00.123Z");
    assert_eq!(rfc3339(1_735_689_599_999), "2024-12-31T23:59:59.999Z");
}

#[test]
fn the_version_changes_with_the_content_only() {
    let e = Entry {
        written_at: rfc3339(T0),
        ..summarize(&balanced("1")).unwrap()
    };
    let later = Entry {
        written_at: rfc3339(T0 + 1),
        ..e.clone()
    };
    assert!(e.same_content(&later));
    assert_eq!(e.content_hash(), later.content_hash());
    let other = Entry {
        net: e.net + 1,
        ..e.clone()
    };
    assert_ne!(e.content_hash(), other.content_hash());
    assert!(!e.same_content(&other));
    let _: &dyn Store = &Memory::default();
}
