//! The testbed platform: a small HTTP source and target for proving the sync engine (faults,
//! crash safety) with the `test-source` and `test-target` connectors
//! (`tests/connectors/`).
//!
//! [`Testbed`] is a thread-safe handle to the in-memory state: a source of inventory records
//! paged by change sequence (`source`), a target that applies each idempotency key at most once
//! and counts what it received, applied and deduplicated (`target`), and run-time switchable
//! [`Faults`]. [`Testbed::start`] serves it on `127.0.0.1:<free port>` from a thread of its own
//! (so it does not depend on the test's runtime) and returns a [`RunningTestbed`] that derefs to
//! the handle. [`Testbed::start_persistent`] also journals every target effect to a directory and
//! replays it on the next start, so a testbed can be stopped and restarted (in this process or
//! another) without losing what was applied.
//!
//! Routes (see `server`): `GET /source/records?after=<seq>&limit=<n>` or `?keys=a,b`,
//! `POST /target/write`, `GET /target/records?keys=a,b`, `GET /target/all?after=<key>&limit=<n>`,
//! `GET|POST|DELETE /__control/faults`, `GET /__control/report`,
//! `POST /__control/source/{seed,append,update}`.
//!
//! Deliberately not here: authentication, a platform's real API shape (that is `weft-sim`), a
//! binary to run it in another process, or any sync logic (the engine under test does that).

mod faults;
mod journal;
mod running;
mod server;
mod source;
mod target;
#[cfg(test)]
mod tests_source;
#[cfg(test)]
mod tests_target;
mod wire;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

pub use faults::{FaultUpdate, Faults, Injected};
pub use running::RunningTestbed;
pub use source::{SourcePage, SourceRecord};
pub use target::{TargetRecord, WriteOutcome};
pub use wire::{ItemError, ItemResult, WriteItem, Written};

/// Everything behind the lock.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub source: source::Source,
    pub target: target::Target,
    pub faults: Faults,
    pub injected: Injected,
}

/// What the target saw, for assertions (`GET /__control/report`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Write requests.
    pub requests: u64,
    /// Write items received, refused ones included.
    pub received: u64,
    /// Effects applied (a correct run applies each idempotency key exactly once).
    pub applied: u64,
    /// Items answered from the idempotency table without applying again.
    pub deduplicated: u64,
    /// Distinct idempotency keys received.
    pub idempotency_keys: usize,
    /// Idempotency keys received whose applied count is not 1 (0 = never applied).
    pub not_exactly_once: BTreeMap<String, u32>,
    /// Records held by the target.
    pub records: usize,
    /// Faults injected so far.
    pub injected: Injected,
}

/// A handle to one testbed's state; clones share it.
#[derive(Debug, Clone, Default)]
pub struct Testbed {
    state: Arc<Mutex<State>>,
}

impl Testbed {
    /// An empty testbed, not yet served.
    pub fn new() -> Testbed {
        Testbed::default()
    }

    /// A testbed whose target journals to `dir` and starts from what the journal holds.
    pub fn persistent(dir: &Path) -> std::io::Result<Testbed> {
        let (journal, effects) = journal::Journal::open(dir)?;
        let state = State {
            target: target::Target::replayed(journal, effects),
            ..State::default()
        };
        Ok(Testbed {
            state: Arc::new(Mutex::new(state)),
        })
    }

    /// Serve an empty testbed on a free loopback port.
    pub fn start() -> RunningTestbed {
        Testbed::new()
            .serve(SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("testbed starts")
    }

    /// Serve a testbed journaling to `dir` on a free loopback port.
    pub fn start_persistent(dir: &Path) -> RunningTestbed {
        Testbed::persistent(dir)
            .and_then(|tb| tb.serve(SocketAddr::from(([127, 0, 0, 1], 0))))
            .unwrap_or_else(|e| panic!("testbed in {} starts: {e}", dir.display()))
    }

    /// Run `f` with the state locked.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut state)
    }

    /// Replace the source with `n` fresh records `SKU-00001@1` .. (seq 1..=n); returns the keys.
    pub fn seed_source(&self, n: usize) -> Vec<String> {
        self.with(|s| {
            s.source = source::Source::default();
            s.source.append(n)
        })
    }

    /// Add `n` new source records after the existing ones; returns their keys.
    pub fn append(&self, n: usize) -> Vec<String> {
        self.with(|s| s.source.append(n))
    }

    /// Change `keys` at the source (new seq; `available` or the old quantity plus 1).
    pub fn update(
        &self,
        keys: &[String],
        available: Option<i64>,
    ) -> Result<Vec<SourceRecord>, String> {
        self.with(|s| s.source.update(keys, available))
    }

    /// Every source record in seq order.
    pub fn source_records(&self) -> Vec<SourceRecord> {
        self.with(|s| s.source.all())
    }

    /// The fault settings now.
    pub fn faults(&self) -> Faults {
        self.with(|s| s.faults.clone())
    }

    /// Change some fault settings; returns the result.
    pub fn set_faults(&self, update: FaultUpdate) -> Faults {
        self.with(|s| {
            s.faults.apply(update);
            s.faults.clone()
        })
    }

    /// Switch every fault off.
    pub fn clear_faults(&self) {
        self.with(|s| s.faults = Faults::default());
    }

    /// Answer the next `n` writes with 429 and `Retry-After: retry_after_secs`.
    pub fn throttle_next(&self, n: u32, retry_after_secs: u64) {
        self.with(|s| {
            s.faults.throttle_requests = n;
            s.faults.retry_after_secs = retry_after_secs;
        });
    }

    /// Answer the next `n` writes with 503.
    pub fn fail_next(&self, n: u32) {
        self.with(|s| s.faults.fail_requests = n);
    }

    /// Answer data requests `ms` late: the next `requests` of them, or all (`None`); 0 ends it.
    pub fn delay(&self, ms: u64, requests: Option<u32>) {
        self.with(|s| {
            s.faults.delay_ms = ms;
            s.faults.delay_requests = requests;
        });
    }

    /// Refuse writes of keys starting with `prefix` with 422 (`None` clears).
    pub fn permanent_prefix(&self, prefix: Option<&str>) {
        self.with(|s| s.faults.permanent_prefix = prefix.map(String::from));
    }

    /// Refuse writes of keys starting with `prefix` with 424 (`None` releases them).
    pub fn dependency_prefix(&self, prefix: Option<&str>) {
        self.with(|s| s.faults.dependency_prefix = prefix.map(String::from));
    }

    /// The next write of `key` meets a concurrent edit (409).
    pub fn conflict_once(&self, key: &str) {
        self.with(|s| s.faults.conflict_once.insert(key.to_string()));
    }

    /// Serve every source page twice.
    pub fn duplicate_pages(&self, on: bool) {
        self.with(|s| s.faults.duplicate_pages = on);
    }

    /// Start every source page after the first one record early.
    pub fn overlap_pages(&self, on: bool) {
        self.with(|s| s.faults.overlap_pages = on);
    }

    /// The target's record of `key`.
    pub fn target_record(&self, key: &str) -> Option<TargetRecord> {
        self.with(|s| s.target.records.get(key).cloned())
    }

    /// Every target record in key order.
    pub fn target_records(&self) -> Vec<TargetRecord> {
        self.with(|s| s.target.records.values().cloned().collect())
    }

    /// How often the effect of `idempotency_key` was applied.
    pub fn applied(&self, idempotency_key: &str) -> u32 {
        self.with(|s| s.target.applied.get(idempotency_key).copied().unwrap_or(0))
    }

    /// The counters.
    pub fn report(&self) -> Report {
        self.with(|s| {
            let t = &s.target;
            Report {
                requests: t.requests,
                received: t.received,
                applied: t.applied.values().map(|&n| u64::from(n)).sum(),
                deduplicated: t.deduplicated,
                idempotency_keys: t.applied.len(),
                not_exactly_once: t
                    .applied
                    .iter()
                    .filter(|(_, n)| **n != 1)
                    .map(|(k, n)| (k.clone(), *n))
                    .collect(),
                records: t.records.len(),
                injected: s.injected.clone(),
            }
        })
    }
}
