//! Durable sync state behind one trait.
//!
//! [`SyncStore`] holds what the sync engine must not lose: per-stream cursors, the idempotency
//! ledger, the parked queue, dependency waits, and small metadata. Its central promise is
//! [`SyncStore::commit_page`]: a page's cursor, ledger entries, parked and waiting records land in
//! ONE transaction, and only if the stored cursor is still the one the page was read from.
//!
//! Two implementations share the semantics: [`SledStore`] (the embedded default, durable) and
//! [`MemoryStore`] (tests and benchmarks). Every value the sled store writes starts with a format
//! version byte; a value with an unknown version or undecodable bytes is reported as a typed
//! [`StoreError`] naming the tree and the key. The store never resets, skips or overwrites such a
//! value on its own. This crate does not decide *what* to store; `weft-sync` does.
//!
//! ```
//! use weft_store::{MemoryStore, SyncStore};
//! let store = MemoryStore::new();
//! assert_eq!(store.cursor("pos-to-shopify", "inventory").unwrap(), None);
//! ```

#![deny(missing_docs)]

mod codec;
mod error;
mod memory;
mod sled_store;

pub use codec::{FORMAT_VERSION, LEDGER_FORMAT};
pub use error::StoreError;
pub use memory::MemoryStore;
pub use sled_store::SledStore;

use serde_json::Value;
use weft_sync::{
    Cursor, IdempotencyKey, LedgerEntry, PageCommit, ParkedRecord, ReplayFilter, WaitingRecord,
};

/// The result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How a parked or waiting record was resolved; applied atomically with its removal.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// The target confirmed it: record the ledger entry.
    Confirmed(LedgerEntry),
    /// It failed again: park it (the id may be the same, to update the record in place).
    Parked(ParkedRecord),
    /// It hit a missing dependency: wait.
    Waiting(WaitingRecord),
    /// An operator discarded it; nothing else is recorded.
    Discarded,
}

/// Durable sync state. Implementations are safe to share across threads.
pub trait SyncStore: Send + Sync {
    /// The committed cursor of a stream; `None` if the stream never committed.
    fn cursor(&self, flow: &str, stream: &str) -> Result<Option<Cursor>>;

    /// Apply a settled page in one transaction: set the cursor, add its ledger entries, parked
    /// and waiting records. Fails with [`StoreError::CursorConflict`], changing nothing, when the
    /// stored cursor differs from `commit.from_cursor`.
    fn commit_page(&self, commit: &PageCommit) -> Result<()>;

    /// Whether the target confirmed the effect with this key.
    fn ledger_contains(&self, key: &IdempotencyKey) -> Result<bool>;

    /// The ledger entry of a key.
    fn ledger_get(&self, key: &IdempotencyKey) -> Result<Option<LedgerEntry>>;

    /// Record confirmed effects ahead of their page's commit (idempotent; see
    /// `weft_sync::Page::confirmed_entries`).
    fn ledger_put(&self, entries: &[LedgerEntry]) -> Result<()>;

    /// Parked records matching `filter`, in id order, after the id `after`, at most `limit`.
    fn parked_list(
        &self,
        filter: &ReplayFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ParkedRecord>>;

    /// One parked record.
    fn parked_get(&self, id: &str) -> Result<Option<ParkedRecord>>;

    /// How many parked records match `filter`.
    fn parked_count(&self, filter: &ReplayFilter) -> Result<u64>;

    /// Park (or update) a record outside a page commit.
    fn park(&self, record: &ParkedRecord) -> Result<()>;

    /// Remove a parked record and return it.
    fn unpark(&self, id: &str) -> Result<Option<ParkedRecord>>;

    /// Remove parked record `id` and apply `resolution`, in one transaction. Fails with
    /// [`StoreError::NotFound`], changing nothing, if the record is gone.
    fn parked_resolve(&self, id: &str, resolution: &Resolution) -> Result<()>;

    /// Remove parked records whose last failure is before `before_ms`; returns how many.
    fn purge_parked_before(&self, before_ms: u64) -> Result<u64>;

    /// Add a dependency wait outside a page commit.
    fn waiting_add(&self, record: &WaitingRecord) -> Result<()>;

    /// One waiting record.
    fn waiting_get(&self, id: &str) -> Result<Option<WaitingRecord>>;

    /// Records waiting for `dependency`, in id order.
    fn waiting_by_dependency(&self, dependency: &str) -> Result<Vec<WaitingRecord>>;

    /// Records whose wait has timed out at `now_ms` (they should park), in id order.
    fn waiting_due(&self, now_ms: u64) -> Result<Vec<WaitingRecord>>;

    /// Remove a waiting record and return it.
    fn waiting_remove(&self, id: &str) -> Result<Option<WaitingRecord>>;

    /// Remove waiting record `id` and apply `resolution`, in one transaction. Fails with
    /// [`StoreError::NotFound`], changing nothing, if the record is gone.
    fn waiting_resolve(&self, id: &str, resolution: &Resolution) -> Result<()>;

    /// A small metadata value (flow status and the like).
    fn meta_get(&self, key: &str) -> Result<Option<Value>>;

    /// Set a small metadata value.
    fn meta_set(&self, key: &str, value: &Value) -> Result<()>;
}
