//! Durability and corruption handling specific to the sled store.

mod common;

use common::*;
use weft_store::{FORMAT_VERSION, LEDGER_FORMAT, StoreError, SyncStore};
use weft_sync::{ErrorClass, ReplayFilter};

#[test]
fn everything_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = open(dir.path()).unwrap();
        s.commit_page(&commit(None, "c1", "a")).unwrap();
        s.park(&parked("solo", "f", ErrorClass::Permanent, 1))
            .unwrap();
        s.meta_set("m", &serde_json::json!(1)).unwrap();
    }
    let s = open(dir.path()).unwrap();
    assert_eq!(s.cursor("f", "s").unwrap(), Some(cursor("c1")));
    assert_eq!(s.ledger_get(&key("a-ok")).unwrap(), Some(ledger("a-ok")));
    assert_eq!(s.parked_count(&ReplayFilter::all()).unwrap(), 2);
    assert_eq!(s.waiting_by_dependency("sku:X").unwrap().len(), 1);
    assert_eq!(s.meta_get("m").unwrap(), Some(serde_json::json!(1)));
}

#[test]
fn a_rejected_commit_is_absent_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = open(dir.path()).unwrap();
        s.commit_page(&commit(None, "c1", "a")).unwrap();
        assert!(s.commit_page(&commit(Some("stale"), "c2", "b")).is_err());
        // a corrupt cursor aborts the whole commit too
        s.raw_tree("cursors")
            .unwrap()
            .insert(br#"["f","t"]"#, &b"\x01{not json"[..])
            .unwrap();
        let mut c = commit(None, "c1", "c");
        c.stream = "t".into();
        let err = s.commit_page(&c).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Corrupt {
                    tree: "cursors",
                    ..
                }
            ),
            "{err}"
        );
    }
    let s = open(dir.path()).unwrap();
    assert_eq!(s.cursor("f", "s").unwrap(), Some(cursor("c1")));
    for tag in ["b", "c"] {
        assert!(
            !s.ledger_contains(&key(&format!("{tag}-ok"))).unwrap(),
            "{tag}"
        );
        assert!(
            s.parked_get(&format!("{tag}-p")).unwrap().is_none(),
            "{tag}"
        );
        assert!(
            s.waiting_get(&format!("{tag}-w")).unwrap().is_none(),
            "{tag}"
        );
    }
}

#[test]
fn garbage_bytes_are_reported_with_tree_and_key_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path()).unwrap();
    s.park(&parked("good", "f", ErrorClass::Permanent, 1))
        .unwrap();
    let raw = s.raw_tree("parked").unwrap();
    raw.insert(b"p-bad", &b"\x01\xff\xfegarbage"[..]).unwrap();
    let err = s.parked_get("p-bad").unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, StoreError::Corrupt { tree: "parked", .. }),
        "{msg}"
    );
    assert!(
        msg.contains("`p-bad`") && msg.contains("nothing was reset"),
        "{msg}"
    );
    // listing and counting fail loudly instead of skipping the bad record
    assert!(s.parked_list(&ReplayFilter::all(), None, 10).is_err());
    assert!(s.parked_count(&ReplayFilter::all()).is_err());
    assert!(s.purge_parked_before(u64::MAX).is_err());
    assert!(
        raw.get(b"p-bad").unwrap().is_some(),
        "the bad value is left for an operator"
    );
    assert!(
        s.parked_get("good").unwrap().is_some(),
        "the rest stays readable"
    );
    // an empty ledger value found on disk at open is reported as well (the ledger filter knows
    // only keys written through the store, or there when it opened)
    s.raw_tree("ledger")
        .unwrap()
        .insert(key("z").as_str(), &b""[..])
        .unwrap();
    drop((raw, s));
    let s = open(dir.path()).unwrap();
    assert!(s.wait_ledger_filter());
    let err = s.ledger_contains(&key("z")).unwrap_err();
    assert!(err.to_string().contains(key("z").as_str()), "{err}");
}

#[test]
fn unknown_format_version_is_reported_not_reset() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path()).unwrap();
    s.commit_page(&commit(None, "c1", "a")).unwrap();
    let cursors = s.raw_tree("cursors").unwrap();
    let (k, v) = cursors.iter().next().unwrap().unwrap();
    assert_eq!(v[0], FORMAT_VERSION);
    let mut newer = v.to_vec();
    newer[0] = FORMAT_VERSION + 1;
    cursors.insert(&k, newer).unwrap();
    let err = s.cursor("f", "s").unwrap_err();
    match &err {
        StoreError::UnknownVersion {
            tree,
            key,
            found,
            supported,
        } => {
            assert_eq!(*tree, "cursors");
            assert_eq!(key, r#"["f","s"]"#);
            assert_eq!((*found, *supported), (FORMAT_VERSION + 1, FORMAT_VERSION));
        }
        other => panic!("{other}"),
    }
    assert!(
        s.commit_page(&commit(Some("c1"), "c2", "b")).is_err(),
        "no commit over unknown state"
    );
    assert_eq!(
        cursors.get(&k).unwrap().unwrap()[0],
        FORMAT_VERSION + 1,
        "left untouched"
    );
}

#[test]
fn ledger_entries_of_the_first_format_stay_readable_next_to_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let old = ledger("old");
    {
        let s = open(dir.path()).unwrap();
        // What a store written before the compact ledger format holds: the whole entry as JSON.
        let mut v1 = vec![FORMAT_VERSION];
        serde_json::to_writer(&mut v1, &old).unwrap();
        s.raw_tree("ledger")
            .unwrap()
            .insert(old.idempotency_key.as_str(), v1)
            .unwrap();
        s.commit_page(&commit(None, "c1", "a")).unwrap();
    }
    let s = open(dir.path()).unwrap();
    assert_eq!(s.ledger_get(&old.idempotency_key).unwrap(), Some(old));
    assert_eq!(s.ledger_get(&key("a-ok")).unwrap(), Some(ledger("a-ok")));
    let written = s
        .raw_tree("ledger")
        .unwrap()
        .get(key("a-ok").as_str())
        .unwrap()
        .unwrap();
    assert_eq!(
        written[0], LEDGER_FORMAT,
        "new entries use the compact format"
    );
}
