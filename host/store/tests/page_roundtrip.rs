//! A page from `weft-sync` through the sled store, with a crash between confirm and commit.

mod common;

use serde_json::json;
use weft_store::{SledStore, SyncStore};
use weft_sync::{
    CounterIds, Cursor, ManualClock, Operation, Page, PageEnv, RetryPolicy, StreamId, SyncRecord,
    WriteOutcome, WriteResult,
};

fn read(store: &SledStore) -> Page {
    let from = store.cursor("f", "s").unwrap();
    let records = (0..3)
        .map(|i| SyncRecord::new(format!("k{i}"), "1", json!({"i": i})))
        .collect();
    Page::read(
        StreamId::new("f", "s"),
        from,
        Cursor::new("after-k2").unwrap(),
        records,
        Operation::Upsert,
    )
}

#[test]
fn confirmed_effects_are_not_resent_after_a_crash_before_commit() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(0);
    let ids = CounterIds::new("r");
    let policy = RetryPolicy::default();
    let env = PageEnv {
        clock: &clock,
        ids: &ids,
        policy: &policy,
    };
    {
        let store = common::open(dir.path()).unwrap();
        let mut page = read(&store);
        page.transform_identity(env).unwrap();
        let batch = page
            .begin_write(0, |k| store.ledger_contains(k).unwrap())
            .unwrap();
        assert_eq!(batch.len(), 3);
        // the target confirms only the first two before the process dies
        let ok = |index| WriteResult {
            index,
            outcome: WriteOutcome::Ok {
                target_id: None,
                target_version: None,
            },
        };
        let transient = WriteResult {
            index: 2,
            outcome: WriteOutcome::Err(weft_sync::WriteError {
                error: weft_sync::ErrorContext::new(weft_sync::ErrorClass::Transient, "503"),
                retry_after_ms: None,
                dependency: None,
            }),
        };
        page.confirm(vec![ok(0), ok(1), transient], env).unwrap();
        store.ledger_put(&page.confirmed_entries()).unwrap();
        // crash: the page is dropped, the cursor never committed
    }
    let store = common::open(dir.path()).unwrap();
    assert_eq!(store.cursor("f", "s").unwrap(), None);
    let mut page = read(&store);
    page.transform_identity(env).unwrap();
    let batch = page
        .begin_write(0, |k| store.ledger_contains(k).unwrap())
        .unwrap();
    let keys: Vec<&str> = batch.iter().map(|w| w.record.key.as_str()).collect();
    assert_eq!(
        keys,
        vec!["k2"],
        "only the unconfirmed record is sent again"
    );
    page.confirm(
        vec![WriteResult {
            index: batch[0].index,
            outcome: WriteOutcome::Ok {
                target_id: None,
                target_version: None,
            },
        }],
        env,
    )
    .unwrap();
    let commit = page.commit().unwrap();
    assert_eq!(commit.counts.duplicates, 2);
    store.commit_page(&commit).unwrap();
    assert_eq!(
        store.cursor("f", "s").unwrap().unwrap().as_str(),
        "after-k2"
    );
}
