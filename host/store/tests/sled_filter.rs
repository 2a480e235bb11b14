//! The sled store's ledger filter: lookups of keys that were never confirmed answer without
//! reading the ledger tree, and no confirmed key is ever answered "absent", whichever way it
//! reached the ledger (page commit, `ledger_put`, a resolution) and across reopening.

mod common;

use common::*;
use weft_store::{Resolution, SledStore, SyncStore};

#[test]
fn confirmed_keys_are_found_and_absent_ones_are_not_in_this_session_and_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let found = |s: &SledStore, k: &str| s.ledger_contains(&key(k)).unwrap();
    {
        let s = open(dir.path()).unwrap();
        assert!(s.wait_ledger_filter(), "an empty ledger is scanned at once");
        for n in 0..5 {
            s.commit_page(&ledger_page(n, 1000)).unwrap();
        }
        s.ledger_put(&[ledger("put")]).unwrap();
        s.park(&parked("p1", "f", weft_sync::ErrorClass::Permanent, 1))
            .unwrap();
        s.parked_resolve("p1", &Resolution::Confirmed(ledger("replayed")))
            .unwrap();
        for k in ["0-0", "4-999", "put", "replayed"] {
            assert!(found(&s, k), "{k} was confirmed in this session");
        }
    }
    let s = open(dir.path()).unwrap();
    assert!(s.wait_ledger_filter(), "the scan at open finished");
    let missing: Vec<String> = (0..5)
        .flat_map(|n| (0..1000).map(move |i| format!("{n}-{i}")))
        .chain(["put".to_string(), "replayed".to_string()])
        .filter(|k| !found(&s, k))
        .collect();
    assert!(
        missing.is_empty(),
        "confirmed before reopening, now absent: {missing:?}"
    );
    assert!((0..1000).all(|i| !found(&s, &format!("never-{i}"))));
    assert_eq!(
        s.ledger_get(&key("4-7")).unwrap(),
        Some(ledger("4-7")),
        "a found key reads its whole entry"
    );
    s.commit_page(&ledger_page(5, 10)).unwrap();
    assert!(found(&s, "5-9"));
}
