//! The sled store's ledger journal: a page's ledger entries commit as one journal value in the
//! page's transaction and are copied into the ledger by the store's copier thread; lookups see
//! them throughout, and a crash before the copy is finished when the store opens again.

mod common;

use common::*;
use weft_store::{StoreError, SyncStore};

/// A journal value in format 1 holding `entries` (key bytes, ledger value bytes).
fn journal_value(entries: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut out = vec![1];
    out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    for (k, v) in entries {
        for part in [k, v] {
            out.extend_from_slice(&(part.len() as u32).to_be_bytes());
            out.extend_from_slice(part);
        }
    }
    out
}

#[test]
fn a_commit_copies_its_entries_into_the_ledger_and_leaves_no_journal() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path()).unwrap();
    s.commit_page(&commit(None, "c1", "a")).unwrap();
    s.finish_ledger_copies().unwrap();
    let ledger = s.raw_tree("ledger").unwrap();
    assert!(ledger.get(key("a-ok").as_str()).unwrap().is_some());
    assert!(s.raw_tree("ledger_journal").unwrap().is_empty());
}

#[test]
fn entries_a_crash_left_in_the_journal_are_in_the_ledger_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = open(dir.path()).unwrap();
        s.commit_page(&commit(None, "c1", "a")).unwrap();
        s.commit_page(&commit(Some("c1"), "c2", "b")).unwrap();
        s.finish_ledger_copies().unwrap();
        // As if the process died after page b's transaction, before its copy into the ledger.
        let ledger = s.raw_tree("ledger").unwrap();
        let k = key("b-ok");
        let v = ledger.remove(k.as_str()).unwrap().unwrap();
        s.raw_tree("ledger_journal")
            .unwrap()
            .insert(
                7u64.to_be_bytes(),
                journal_value(&[(k.as_str().as_bytes(), &v)]),
            )
            .unwrap();
    }
    let s = open(dir.path()).unwrap();
    // Through the ledger filter too: the replayed entries are known to it.
    assert!(s.wait_ledger_filter());
    assert_eq!(s.ledger_get(&key("b-ok")).unwrap(), Some(ledger("b-ok")));
    assert_eq!(s.ledger_get(&key("a-ok")).unwrap(), Some(ledger("a-ok")));
    assert_eq!(s.cursor("f", "s").unwrap(), Some(cursor("c2")));
    assert!(
        s.raw_tree("ledger_journal").unwrap().is_empty(),
        "the copied journal value is removed"
    );
}

#[test]
fn a_journal_value_that_does_not_decode_stops_the_open_and_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = open(dir.path()).unwrap();
        let mut value = journal_value(&[(b"k", b"v")]);
        value.truncate(value.len() - 1);
        s.raw_tree("ledger_journal")
            .unwrap()
            .insert(7u64.to_be_bytes(), value)
            .unwrap();
    }
    let err = open(dir.path()).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Corrupt {
                tree: "ledger_journal",
                ..
            }
        ),
        "{err}"
    );
    let raw = when_unlocked(|| sled::open(dir.path())).unwrap();
    let journal = raw.open_tree("ledger_journal").unwrap();
    assert_eq!(
        journal.len(),
        1,
        "the damaged value is left for an operator"
    );
}

#[test]
fn a_reader_that_sees_a_pages_cursor_sees_all_its_ledger_entries() {
    // Between a page's transaction and the end of its copy into the ledger, the entries are
    // served from memory; a lookup must never find the cursor moved and an entry missing.
    const PAGES: usize = 30;
    const ENTRIES: usize = 500;
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path()).unwrap();
    let pages: Vec<_> = (0..PAGES).map(|n| ledger_page(n, ENTRIES)).collect();
    let reader = s.clone();
    let checks = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            for p in &pages {
                s.commit_page(p).unwrap();
            }
        });
        let mut checks = 0;
        while !writer.is_finished() {
            let Some(c) = reader.cursor("f", "s").unwrap() else {
                continue;
            };
            let n: usize = c.as_str().parse().unwrap();
            for i in 0..ENTRIES {
                assert!(
                    reader.ledger_contains(&key(&format!("{n}-{i}"))).unwrap(),
                    "cursor {n} is stored but entry {n}-{i} of its page is not found"
                );
            }
            checks += 1;
        }
        checks
    });
    assert!(checks > 0, "the reader ran while pages were committed");
}
