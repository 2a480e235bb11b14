//! The behaviour every `SyncStore` must have, run against both implementations.

mod common;

use common::*;
use serde_json::json;
use weft_store::{MemoryStore, Resolution, SledStore, StoreError, SyncStore};
use weft_sync::{ErrorClass, ReplayFilter};

fn with_each_store(test: impl Fn(&dyn SyncStore)) {
    test(&MemoryStore::new());
    let dir = tempfile::tempdir().unwrap();
    test(&SledStore::open(dir.path()).unwrap());
}

#[test]
fn commit_lands_cursor_ledger_parked_and_waiting_together() {
    with_each_store(|s| {
        assert_eq!(s.cursor("f", "s").unwrap(), None);
        s.commit_page(&commit(None, "c1", "a")).unwrap();
        assert_eq!(s.cursor("f", "s").unwrap(), Some(cursor("c1")));
        assert_eq!(
            s.cursor("f", "other").unwrap(),
            None,
            "cursors are per stream"
        );
        assert!(s.ledger_contains(&key("a-ok")).unwrap());
        assert_eq!(s.ledger_get(&key("a-ok")).unwrap(), Some(ledger("a-ok")));
        assert!(s.parked_get("a-p").unwrap().is_some());
        assert_eq!(s.waiting_by_dependency("sku:X").unwrap()[0].id, "a-w");
    });
}

#[test]
fn a_stale_commit_changes_nothing() {
    with_each_store(|s| {
        s.commit_page(&commit(None, "c1", "a")).unwrap();
        let err = s.commit_page(&commit(None, "c9", "b")).unwrap_err();
        assert!(matches!(err, StoreError::CursorConflict { .. }), "{err}");
        assert!(err.to_string().contains("f/s"), "{err}");
        assert_eq!(s.cursor("f", "s").unwrap(), Some(cursor("c1")));
        assert!(!s.ledger_contains(&key("b-ok")).unwrap());
        assert!(s.parked_get("b-p").unwrap().is_none());
        assert!(s.waiting_get("b-w").unwrap().is_none());
        s.commit_page(&commit(Some("c1"), "c2", "b")).unwrap();
        assert!(s.ledger_contains(&key("b-ok")).unwrap());
    });
}

#[test]
fn parked_filters_and_paging() {
    with_each_store(|s| {
        for i in 0..25u64 {
            let flow = if i % 2 == 0 { "even" } else { "odd" };
            let class = if i % 5 == 0 {
                ErrorClass::Transient
            } else {
                ErrorClass::Permanent
            };
            s.park(&parked(&format!("p{i:03}"), flow, class, i * 10))
                .unwrap();
        }
        assert_eq!(s.parked_count(&ReplayFilter::all()).unwrap(), 25);
        let even = ReplayFilter {
            flow: Some("even".into()),
            ..ReplayFilter::default()
        };
        assert_eq!(s.parked_count(&even).unwrap(), 13);
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = s.parked_list(&even, after.as_deref(), 4).unwrap();
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= 4);
            after = Some(page.last().unwrap().id.clone());
            seen.extend(page.into_iter().map(|p| p.id));
        }
        let expected: Vec<String> = (0..25).step_by(2).map(|i| format!("p{i:03}")).collect();
        assert_eq!(seen, expected, "pages cover every match once, in id order");
        let transient_window = ReplayFilter {
            class: Some(ErrorClass::Transient),
            since_ms: Some(50),
            until_ms: Some(200),
            ..ReplayFilter::default()
        };
        let ids: Vec<String> = s
            .parked_list(&transient_window, None, 100)
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(ids, vec!["p005", "p010", "p015"]);
        let one = ReplayFilter {
            id: Some("p007".into()),
            ..ReplayFilter::default()
        };
        assert_eq!(s.parked_list(&one, None, 10).unwrap()[0].flow, "odd");
        let got = s.parked_get("p007").unwrap().unwrap();
        assert_eq!(got.error.http_status, Some(422));
        assert_eq!(got.record.payload, json!({"qty": 3}));
    });
}

#[test]
fn purge_removes_only_records_older_than_the_cutoff() {
    with_each_store(|s| {
        for i in 0..10u64 {
            s.park(&parked(
                &format!("p{i}"),
                "f",
                ErrorClass::Permanent,
                i * 100,
            ))
            .unwrap();
        }
        assert_eq!(s.purge_parked_before(500).unwrap(), 5);
        assert_eq!(s.parked_count(&ReplayFilter::all()).unwrap(), 5);
        assert!(s.parked_get("p4").unwrap().is_none());
        assert!(s.parked_get("p5").unwrap().is_some());
        assert_eq!(s.purge_parked_before(500).unwrap(), 0);
    });
}

#[test]
fn replay_resolution_removes_parked_and_records_ledger_atomically() {
    with_each_store(|s| {
        s.park(&parked("p1", "f", ErrorClass::Transient, 1))
            .unwrap();
        s.parked_resolve("p1", &Resolution::Confirmed(ledger("p1")))
            .unwrap();
        assert!(s.parked_get("p1").unwrap().is_none());
        assert!(s.ledger_contains(&key("p1")).unwrap());
        let err = s
            .parked_resolve("p1", &Resolution::Confirmed(ledger("zz")))
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
        assert!(
            !s.ledger_contains(&key("zz")).unwrap(),
            "a failed resolution applies nothing"
        );
        // failing again updates the record in place
        s.park(&parked("p2", "f", ErrorClass::Transient, 1))
            .unwrap();
        let mut again = parked("p2", "f", ErrorClass::Transient, 9);
        again.attempts = 2;
        s.parked_resolve("p2", &Resolution::Parked(again)).unwrap();
        assert_eq!(s.parked_get("p2").unwrap().unwrap().attempts, 2);
        assert_eq!(s.unpark("p2").unwrap().unwrap().last_failed_ms, 9);
        assert!(s.unpark("p2").unwrap().is_none());
    });
}

#[test]
fn waits_are_found_by_dependency_and_by_timeout() {
    with_each_store(|s| {
        s.waiting_add(&waiting("w1", "sku:A", 100)).unwrap();
        s.waiting_add(&waiting("w2", "sku:A", 300)).unwrap();
        s.waiting_add(&waiting("w3", "sku:AB", 200)).unwrap();
        let ids =
            |v: Vec<weft_sync::WaitingRecord>| v.into_iter().map(|w| w.id).collect::<Vec<_>>();
        assert_eq!(
            ids(s.waiting_by_dependency("sku:A").unwrap()),
            vec!["w1", "w2"]
        );
        assert_eq!(ids(s.waiting_due(200).unwrap()), vec!["w1", "w3"]);
        let timed_out = s.waiting_get("w1").unwrap().unwrap().into_parked(200);
        s.waiting_resolve("w1", &Resolution::Parked(timed_out))
            .unwrap();
        assert!(s.waiting_get("w1").unwrap().is_none());
        assert_eq!(s.parked_get("w1").unwrap().unwrap().last_failed_ms, 200);
        assert_eq!(ids(s.waiting_by_dependency("sku:A").unwrap()), vec!["w2"]);
        s.waiting_resolve("w2", &Resolution::Confirmed(ledger("w2")))
            .unwrap();
        assert!(s.ledger_contains(&key("w2")).unwrap());
        assert!(s.waiting_by_dependency("sku:A").unwrap().is_empty());
        assert_eq!(
            s.waiting_remove("w3").unwrap().unwrap().dependency,
            "sku:AB"
        );
        assert!(s.waiting_due(u64::MAX).unwrap().is_empty());
    });
}

#[test]
fn meta_and_early_ledger_writes() {
    with_each_store(|s| {
        assert_eq!(s.meta_get("flow:f").unwrap(), None);
        s.meta_set("flow:f", &json!({"status": "paused"})).unwrap();
        assert_eq!(
            s.meta_get("flow:f").unwrap(),
            Some(json!({"status": "paused"}))
        );
        s.ledger_put(&[ledger("x"), ledger("y")]).unwrap();
        s.ledger_put(&[ledger("x")]).unwrap();
        assert!(s.ledger_contains(&key("y")).unwrap());
    });
}

#[test]
fn one_effect_is_parked_once_however_often_it_parks() {
    with_each_store(|s| {
        // Read again later (a re-read second, a full sync): same idempotency key, new id.
        s.park(&parked("p1", "f", ErrorClass::Permanent, 10))
            .unwrap();
        let mut again = parked("p9", "f", ErrorClass::Permanent, 50);
        again.idempotency_key = key("p1");
        again.error.message = "rejected again".into();
        s.park(&again).unwrap();
        // And once more inside a page commit.
        let mut page = commit(None, "c1", "a");
        let mut third = parked("a-p", "f", ErrorClass::Permanent, 90);
        third.idempotency_key = key("p1");
        page.parked = vec![third];
        s.commit_page(&page).unwrap();

        let all = s.parked_list(&ReplayFilter::all(), None, 10).unwrap();
        assert_eq!(all.len(), 1, "one entry per effect: {all:?}");
        let p = &all[0];
        assert_eq!(
            p.id, "p1",
            "the first id stays, so links to it keep working"
        );
        assert_eq!(
            (p.attempts, p.first_failed_ms, p.last_failed_ms),
            (3, 10, 90)
        );
        // Once resolved, the same effect may park again, as a new entry.
        s.parked_resolve("p1", &Resolution::Discarded).unwrap();
        s.park(&again).unwrap();
        let all = s.parked_list(&ReplayFilter::all(), None, 10).unwrap();
        assert_eq!(
            (all.len(), all[0].id.as_str(), all[0].attempts),
            (1, "p9", 1)
        );
        assert_eq!(all[0].error.message, "rejected again");
        assert_eq!(s.unpark("p9").unwrap().map(|p| p.id), Some("p9".into()));
        s.park(&parked("p1", "f", ErrorClass::Permanent, 10))
            .unwrap();
        assert_eq!(s.parked_count(&ReplayFilter::all()).unwrap(), 1);
    });
}
