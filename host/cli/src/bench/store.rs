//! `weft bench store`: what the sled store alone costs a sync, without the engine around it.
//!
//! 100 page commits of 1,000 ledger entries each, shaped like `weft bench sync`'s (same key and
//! value sizes), through [`SledStore::commit_page`] one after the other (`commit_keys_per_s`
//! counts until the last page's entries are copied from the journal into the ledger tree, the
//! latencies are of the `commit_page` calls); then every key looked up again, and as many keys
//! that were never confirmed (`absent_lookups_per_s`: what the ledger filter answers alone);
//! then the same key and value bytes written with sled's plain `insert`, flushed per
//! 1,000, into a fresh database: the floor of sled's own write path, with no transaction around
//! it. A sync through sled cannot move more records per second than `commit_keys_per_s`, and
//! this machine's cores are shared with the rest of the run. It does not measure the engine
//! (see `weft bench sync --memory-store`).

use std::process::ExitCode;
use std::time::Instant;

use serde_json::json;
use weft_store::{SledStore, SyncStore};
use weft_sync::{Cursor, IdempotencyKey, LedgerEntry, Operation, PageCommit, PageCounts};

use super::percentile;

const PAGES: usize = 100;
const PAGE: usize = 1_000;
const FLOW: &str = "bench/noop";
const STREAM: &str = "inventory";

fn entry(i: usize) -> LedgerEntry {
    let key = format!("TEE-{:05}-M@{}", i / 3, 1 + i % 3);
    let version = format!("{i:012}");
    LedgerEntry {
        idempotency_key: IdempotencyKey::derive(FLOW, &key, &version, Operation::Upsert),
        flow: FLOW.into(),
        stream: STREAM.into(),
        key,
        source_version: version,
        target_id: Some(format!("mem-{i}")),
        target_version: None,
        confirmed_ms: 1_765_000_000_000 + i as u64,
        plugin_versions: vec![("noop".into(), "1".into())],
    }
}

fn page(n: usize) -> PageCommit {
    let cursor = |n: usize| Cursor::new((n * PAGE).to_string()).expect("numeric cursor");
    let ledger: Vec<LedgerEntry> = (n * PAGE..(n + 1) * PAGE).map(entry).collect();
    PageCommit {
        flow: FLOW.into(),
        stream: STREAM.into(),
        from_cursor: (n > 0).then(|| cursor(n)),
        new_cursor: cursor(n + 1),
        counts: PageCounts {
            read: PAGE as u64,
            confirmed: PAGE as u64,
            ..PageCounts::default()
        },
        ledger,
        parked: vec![],
        waiting: vec![],
        dropped: vec![],
    }
}

fn per_s(n: usize, seconds: f64) -> f64 {
    (n as f64 / seconds).round()
}

pub fn run() -> anyhow::Result<ExitCode> {
    let pages: Vec<PageCommit> = (0..PAGES).map(page).collect();
    let keys = PAGES * PAGE;
    let dir = tempfile::tempdir()?;
    let store = SledStore::open(dir.path().join("sync"))?;

    let mut commits_ms = Vec::with_capacity(PAGES);
    let started = Instant::now();
    for p in &pages {
        let t = Instant::now();
        store.commit_page(p)?;
        commits_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    store.finish_ledger_copies()?;
    let commit_s = started.elapsed().as_secs_f64();
    commits_ms.sort_by(f64::total_cmp);

    let started = Instant::now();
    let mut found = 0;
    for l in pages.iter().flat_map(|p| &p.ledger) {
        found += usize::from(store.ledger_contains(&l.idempotency_key)?);
    }
    let lookup_s = started.elapsed().as_secs_f64();
    anyhow::ensure!(found == keys, "found {found} of {keys} ledger entries");

    // Keys never confirmed (the next source version of every record), as an incremental sync
    // asks for them: the ledger filter answers most without reading the tree.
    let absent: Vec<IdempotencyKey> = pages
        .iter()
        .flat_map(|p| &p.ledger)
        .map(|l| IdempotencyKey::derive(FLOW, &l.key, "next", Operation::Upsert))
        .collect();
    let started = Instant::now();
    let mut found = 0;
    for k in &absent {
        found += usize::from(store.ledger_contains(k)?);
    }
    let miss_s = started.elapsed().as_secs_f64();
    anyhow::ensure!(found == 0, "found {found} keys that were never confirmed");

    // The exact bytes the store wrote, again through sled's plain insert, in the same order.
    let ledger = store.raw_tree("ledger")?;
    let mut written = Vec::with_capacity(keys);
    for l in pages.iter().flat_map(|p| &p.ledger) {
        let k = l.idempotency_key.as_str().as_bytes();
        let v = ledger
            .get(k)?
            .ok_or_else(|| anyhow::anyhow!("ledger lost {k:?}"))?;
        written.push((k, v));
    }
    let bytes = written
        .iter()
        .map(|(k, v)| k.len() + v.len())
        .sum::<usize>();
    let raw_dir = tempfile::tempdir()?;
    let raw = sled::open(raw_dir.path())?;
    let tree = raw.open_tree("ledger")?;
    let started = Instant::now();
    for chunk in written.chunks(PAGE) {
        for (k, v) in chunk {
            tree.insert(k, v.clone())?;
        }
        raw.flush()?;
    }
    let raw_s = started.elapsed().as_secs_f64();

    let report = json!({
        "pages": PAGES,
        "page_size": PAGE,
        "entry_bytes": bytes / written.len().max(1),
        "commit_keys_per_s": per_s(keys, commit_s),
        "commit_p50_ms": (percentile(&commits_ms, 50.0) * 1e3).round() / 1e3,
        "commit_p99_ms": (percentile(&commits_ms, 99.0) * 1e3).round() / 1e3,
        "lookups_per_s": per_s(keys, lookup_s),
        "absent_lookups_per_s": per_s(keys, miss_s),
        "sled_plain_insert_keys_per_s": per_s(keys, raw_s),
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(ExitCode::SUCCESS)
}
