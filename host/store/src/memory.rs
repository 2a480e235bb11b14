//! An in-memory [`SyncStore`] with the same semantics as the sled one, for tests and benchmarks.
//!
//! One mutex guards all state, so every operation is atomic. Nothing survives the process and
//! values are not encoded, so the format-version checks of the sled store do not apply here.

use crate::{Resolution, Result, StoreError, SyncStore};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use weft_sync::{
    Cursor, IdempotencyKey, LedgerEntry, PageCommit, ParkedRecord, ReplayFilter, WaitingRecord,
};

#[derive(Debug, Default)]
struct State {
    cursors: BTreeMap<(String, String), Cursor>,
    ledger: BTreeMap<IdempotencyKey, LedgerEntry>,
    parked: BTreeMap<String, ParkedRecord>,
    waiting: BTreeMap<String, WaitingRecord>,
    meta: BTreeMap<String, Value>,
}

impl State {
    /// Park `p`, folding it into an entry of the same effect that is parked already.
    fn put_parked(&mut self, p: &ParkedRecord) {
        let earlier = self
            .parked
            .values()
            .find(|o| o.idempotency_key == p.idempotency_key && o.id != p.id);
        let p = match earlier {
            Some(e) => p.clone().parked_again(e),
            None => p.clone(),
        };
        self.parked.insert(p.id.clone(), p);
    }

    fn apply(&mut self, r: &Resolution) {
        match r {
            Resolution::Confirmed(l) => {
                self.ledger.insert(l.idempotency_key.clone(), l.clone());
            }
            Resolution::Parked(p) => self.put_parked(p),
            Resolution::Waiting(w) => {
                self.waiting.insert(w.id.clone(), w.clone());
            }
            Resolution::Discarded => {}
        }
    }
}

/// Sync state in memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied operation: every method
        // validates before it mutates. So a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SyncStore for MemoryStore {
    fn cursor(&self, flow: &str, stream: &str) -> Result<Option<Cursor>> {
        Ok(self
            .lock()
            .cursors
            .get(&(flow.into(), stream.into()))
            .cloned())
    }

    fn commit_page(&self, c: &PageCommit) -> Result<()> {
        let mut s = self.lock();
        let id = (c.flow.clone(), c.stream.clone());
        let found = s.cursors.get(&id);
        if found != c.from_cursor.as_ref() {
            return Err(StoreError::CursorConflict {
                flow: c.flow.clone(),
                stream: c.stream.clone(),
                expected: c.from_cursor.as_ref().map(|c| c.to_string()),
                found: found.map(|c| c.to_string()),
            });
        }
        s.cursors.insert(id, c.new_cursor.clone());
        for l in &c.ledger {
            s.ledger.insert(l.idempotency_key.clone(), l.clone());
        }
        for p in &c.parked {
            s.put_parked(p);
        }
        for w in &c.waiting {
            s.waiting.insert(w.id.clone(), w.clone());
        }
        Ok(())
    }

    fn ledger_contains(&self, key: &IdempotencyKey) -> Result<bool> {
        Ok(self.lock().ledger.contains_key(key))
    }

    fn ledger_get(&self, key: &IdempotencyKey) -> Result<Option<LedgerEntry>> {
        Ok(self.lock().ledger.get(key).cloned())
    }

    fn ledger_put(&self, entries: &[LedgerEntry]) -> Result<()> {
        let mut s = self.lock();
        for l in entries {
            s.ledger.insert(l.idempotency_key.clone(), l.clone());
        }
        Ok(())
    }

    fn parked_list(
        &self,
        f: &ReplayFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ParkedRecord>> {
        let s = self.lock();
        Ok(s.parked
            .values()
            .filter(|p| after.is_none_or(|a| p.id.as_str() > a) && f.matches(p))
            .take(limit)
            .cloned()
            .collect())
    }

    fn parked_get(&self, id: &str) -> Result<Option<ParkedRecord>> {
        Ok(self.lock().parked.get(id).cloned())
    }

    fn parked_count(&self, f: &ReplayFilter) -> Result<u64> {
        Ok(self.lock().parked.values().filter(|p| f.matches(p)).count() as u64)
    }

    fn park(&self, record: &ParkedRecord) -> Result<()> {
        self.lock().put_parked(record);
        Ok(())
    }

    fn unpark(&self, id: &str) -> Result<Option<ParkedRecord>> {
        Ok(self.lock().parked.remove(id))
    }

    fn parked_resolve(&self, id: &str, r: &Resolution) -> Result<()> {
        let mut s = self.lock();
        if s.parked.remove(id).is_none() {
            return Err(StoreError::NotFound {
                what: "parked",
                id: id.into(),
            });
        }
        s.apply(r);
        Ok(())
    }

    fn purge_parked_before(&self, before_ms: u64) -> Result<u64> {
        let mut s = self.lock();
        let n = s.parked.len();
        s.parked.retain(|_, p| p.last_failed_ms >= before_ms);
        Ok((n - s.parked.len()) as u64)
    }

    fn waiting_add(&self, record: &WaitingRecord) -> Result<()> {
        self.lock()
            .waiting
            .insert(record.id.clone(), record.clone());
        Ok(())
    }

    fn waiting_get(&self, id: &str) -> Result<Option<WaitingRecord>> {
        Ok(self.lock().waiting.get(id).cloned())
    }

    fn waiting_by_dependency(&self, dependency: &str) -> Result<Vec<WaitingRecord>> {
        let s = self.lock();
        Ok(s.waiting
            .values()
            .filter(|w| w.dependency == dependency)
            .cloned()
            .collect())
    }

    fn waiting_due(&self, now_ms: u64) -> Result<Vec<WaitingRecord>> {
        let s = self.lock();
        Ok(s.waiting
            .values()
            .filter(|w| w.is_expired(now_ms))
            .cloned()
            .collect())
    }

    fn waiting_remove(&self, id: &str) -> Result<Option<WaitingRecord>> {
        Ok(self.lock().waiting.remove(id))
    }

    fn waiting_resolve(&self, id: &str, r: &Resolution) -> Result<()> {
        let mut s = self.lock();
        if s.waiting.remove(id).is_none() {
            return Err(StoreError::NotFound {
                what: "waiting",
                id: id.into(),
            });
        }
        s.apply(r);
        Ok(())
    }

    fn meta_get(&self, key: &str) -> Result<Option<Value>> {
        Ok(self.lock().meta.get(key).cloned())
    }

    fn meta_set(&self, key: &str, value: &Value) -> Result<()> {
        self.lock().meta.insert(key.into(), value.clone());
        Ok(())
    }
}
