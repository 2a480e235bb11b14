//! Pure state machines for Weft's sync engine.
//!
//! This crate decides *what* must happen when records move from a source to a target: which
//! idempotency key an effect carries, whether a page's cursor may advance, when a failed write is
//! retried, re-read, left waiting on a dependency or parked, and how two full reads of a stream
//! differ. It deliberately does no I/O: there is no tokio, no wasmtime, no file or network access,
//! and no clock or randomness read except through the injected [`Clock`] and [`IdSource`] traits
//! (or a jitter value passed in by the caller). Durable state lives in `weft-store`, which applies
//! the [`PageCommit`] this crate produces in one transaction.
//!
//! The engine's promises (design.md section 5) map onto the modules like this:
//!
//! - at-least-once with idempotent effects: [`idempotency`], [`ledger`];
//! - the cursor commits with its page's ledger entries and parked records, and only after the
//!   target confirmed: [`page`], [`cursor`];
//! - capped retries by error class, never forever: [`retry`];
//! - parked records with context, replay filters and retention: [`parked`];
//! - dependency waits with a timeout that parks: [`waiting`];
//! - drift detection: [`reconcile`].
//!
//! ```
//! use weft_sync::{IdempotencyKey, Operation};
//! let key = IdempotencyKey::derive("pos-to-shopify", "SKU-1@shop-2", "v42", Operation::Upsert);
//! assert!(key.as_str().starts_with("weft-ik1-"));
//! ```
#![deny(clippy::disallowed_methods)]
#![deny(missing_docs)]

pub mod clock;
pub mod cursor;
pub mod idempotency;
pub mod ledger;
pub mod page;
pub mod parked;
pub mod reconcile;
pub mod record;
pub mod retry;
pub mod waiting;

pub use clock::{Clock, CounterIds, IdSource, ManualClock};
pub use cursor::{Cursor, CursorError, StreamId};
pub use idempotency::{IdempotencyKey, Operation};
pub use ledger::LedgerEntry;
pub use page::{
    DroppedRecord, Page, PageCommit, PageCounts, PageEnv, PageError, PagePhase, PendingWrite,
    TransformOutcome, WriteError, WriteOutcome, WriteResult,
};
pub use parked::{ErrorContext, ParkReason, ParkedRecord, ReplayFilter, RetentionPolicy};
pub use reconcile::{
    DriftCounts, DriftReport, FieldDrift, ReconcileOptions, Side, SideTotals, diff,
};
pub use record::SyncRecord;
pub use retry::{Decision, ErrorClass, Failure, RetryPolicy, UnknownErrorClass, keyed_jitter};
pub use waiting::WaitingRecord;
