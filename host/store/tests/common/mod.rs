//! Fixtures shared by the store tests.
#![allow(dead_code)]

use serde_json::json;
use weft_sync::{
    Cursor, ErrorClass, ErrorContext, IdempotencyKey, LedgerEntry, Operation, PageCommit,
    PageCounts, ParkReason, ParkedRecord, SyncRecord, WaitingRecord,
};

pub fn key(k: &str) -> IdempotencyKey {
    IdempotencyKey::derive("f", k, "1", Operation::Upsert)
}

pub fn ledger(k: &str) -> LedgerEntry {
    LedgerEntry {
        idempotency_key: key(k),
        flow: "f".into(),
        stream: "s".into(),
        key: k.into(),
        source_version: "1".into(),
        target_id: Some(format!("t-{k}")),
        target_version: None,
        confirmed_ms: 10,
        plugin_versions: vec![("map".into(), "1.0.0".into())],
    }
}

pub fn parked(id: &str, flow: &str, class: ErrorClass, at: u64) -> ParkedRecord {
    ParkedRecord {
        id: id.into(),
        flow: flow.into(),
        stream: "s".into(),
        key: format!("k-{id}"),
        idempotency_key: key(id),
        record: SyncRecord::new(format!("k-{id}"), "1", json!({"qty": 3})),
        reason: ParkReason::Permanent,
        error: ErrorContext::new(class, "rejected").with_http(422, "{\"error\":\"bad sku\"}"),
        attempts: 1,
        first_failed_ms: at,
        last_failed_ms: at,
    }
}

pub fn waiting(id: &str, dependency: &str, until_ms: u64) -> WaitingRecord {
    WaitingRecord {
        id: id.into(),
        flow: "f".into(),
        stream: "s".into(),
        key: format!("k-{id}"),
        idempotency_key: key(id),
        record: SyncRecord::new(format!("k-{id}"), "1", json!({})),
        dependency: dependency.into(),
        until_ms,
        error: ErrorContext::new(ErrorClass::DependencyMissing, "no such sku"),
        attempts: 1,
        first_failed_ms: 0,
        last_failed_ms: 0,
    }
}

pub fn cursor(c: &str) -> Cursor {
    Cursor::new(c).unwrap()
}

pub fn commit(from: Option<&str>, to: &str, tag: &str) -> PageCommit {
    PageCommit {
        flow: "f".into(),
        stream: "s".into(),
        from_cursor: from.map(cursor),
        new_cursor: cursor(to),
        ledger: vec![ledger(&format!("{tag}-ok"))],
        parked: vec![parked(&format!("{tag}-p"), "f", ErrorClass::Permanent, 5)],
        waiting: vec![waiting(&format!("{tag}-w"), "sku:X", 100)],
        dropped: vec![],
        counts: PageCounts::default(),
    }
}

/// Page `n` of a stream whose cursors are page numbers, holding only `entries` ledger entries
/// keyed `{n}-{i}`.
pub fn ledger_page(n: usize, entries: usize) -> PageCommit {
    let mut c = commit(None, "0", "x");
    c.from_cursor = (n > 0).then(|| cursor(&(n - 1).to_string()));
    c.new_cursor = cursor(&n.to_string());
    c.ledger = (0..entries).map(|i| ledger(&format!("{n}-{i}"))).collect();
    c.parked.clear();
    c.waiting.clear();
    c
}

/// Open the sled store in `path` (see [`when_unlocked`]).
pub fn open(path: &std::path::Path) -> weft_store::Result<weft_store::SledStore> {
    when_unlocked(|| weft_store::SledStore::open(path))
}

/// Run `open` until sled no longer refuses it for its file lock. A test that dropped its last
/// handle of a database and opens it again can find sled's I/O threads still holding the lock
/// for a moment (sled 0.34 releases it when its background writes end), so a lock refusal is
/// tried again for up to 10 s; any other outcome, success or error, is returned at once.
pub fn when_unlocked<T, E: std::fmt::Display>(open: impl Fn() -> Result<T, E>) -> Result<T, E> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match open() {
            Err(e)
                if e.to_string().contains("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            other => return other,
        }
    }
}
