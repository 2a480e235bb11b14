//! The page lifecycle: read -> transform -> write -> confirm -> commit.
//!
//! A [`Page`] is one batch read from a source stream. It is a state machine that refuses illegal
//! transitions with a typed [`PageError`] and leaves its state unchanged when it does. The rule it
//! exists for: the cursor may only advance once *every* record of the page is settled, i.e.
//!
//! - confirmed by the target (a [`LedgerEntry`]),
//! - deliberately dropped by a transform (counted, with the reason),
//! - a duplicate: its idempotency key is already in the ledger, or earlier in the same page, so it
//!   is not sent again (counted as a duplicate avoided),
//! - parked (a [`ParkedRecord`]), or
//! - waiting on a dependency (a [`WaitingRecord`]).
//!
//! Only then does [`Page::commit`] produce the [`PageCommit`] that the store applies in one
//! transaction. Failed writes go through the [`RetryPolicy`]; a record scheduled for a retry keeps
//! the page open, and the policy's caps guarantee it eventually settles.
//!
//! Deliberately not here: reading, writing, sleeping until a retry is due, and persistence. A crash
//! simply drops the in-memory page; the committed cursor and ledger are untouched, so the page is
//! read again and ledger hits are skipped. Transforms are one-to-one with source records.

use crate::{
    Clock, Cursor, Decision, ErrorContext, Failure, IdSource, IdempotencyKey, LedgerEntry,
    Operation, ParkReason, ParkedRecord, RetryPolicy, StreamId, SyncRecord, WaitingRecord,
    keyed_jitter,
};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Where a page is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PagePhase {
    /// Read from the source; transform results expected next.
    Read,
    /// Records are waiting to be written (first attempt or a scheduled retry).
    Ready,
    /// A batch of writes is out; one result per record expected next.
    Writing,
    /// Every record is settled; the page may commit.
    Settled,
    /// The commit was produced; the page is finished.
    Committed,
}

/// An illegal step or malformed input. The page is unchanged when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// A step called in the wrong phase.
    #[error(
        "cannot {action} a page in phase {phase:?}: follow read -> transform -> write -> confirm -> commit"
    )]
    IllegalTransition {
        /// The step attempted.
        action: &'static str,
        /// The phase the page was in.
        phase: PagePhase,
    },
    /// A transform returned the wrong number of outcomes.
    #[error(
        "transform returned {got} outcomes for {expected} records: a transform must return exactly one outcome per record"
    )]
    OutcomeCountMismatch {
        /// Records in the page.
        expected: usize,
        /// Outcomes received.
        got: usize,
    },
    /// A write result names a record that is not in flight.
    #[error(
        "write result for record {index}, which is not in flight: results must answer the writes of the current batch"
    )]
    UnknownResult {
        /// The index given.
        index: usize,
    },
    /// Two write results for the same record.
    #[error("two write results for record {index}: a target must return one result per record")]
    DuplicateResult {
        /// The index given twice.
        index: usize,
    },
    /// A record of the batch got no write result.
    #[error("no write result for record {index}: a target must return one result per record")]
    MissingResult {
        /// The index without a result.
        index: usize,
    },
    /// Records await a retry, but none is due yet.
    #[error("no write is due before {next_due_ms} ms: wait until then and call begin_write again")]
    NothingDue {
        /// When the earliest retry is due.
        next_due_ms: u64,
    },
}

/// What a transform did with one record.
#[derive(Debug, Clone, PartialEq)]
pub enum TransformOutcome {
    /// Write this mapped record to the target.
    Emit(SyncRecord),
    /// Deliberately do not write it; counted with the reason.
    Drop(String),
    /// The transform failed on it; the record parks.
    Fail(ErrorContext),
}

/// A write failure as the target (or the host's write path) reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteError {
    /// The error with its context.
    pub error: ErrorContext,
    /// Retry-After (or bucket refill) in ms from now, when the target said.
    pub retry_after_ms: Option<u64>,
    /// The missing dependency's key, for dependency-missing errors.
    pub dependency: Option<String>,
}

/// The target's answer for one record.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOutcome {
    /// The target applied the effect.
    Ok {
        /// The target's id for the entity.
        target_id: Option<String>,
        /// The target's version after the write.
        target_version: Option<String>,
    },
    /// The target did not apply it.
    Err(WriteError),
}

/// The answer for the record at `index` of a batch from [`Page::begin_write`].
#[derive(Debug, Clone, PartialEq)]
pub struct WriteResult {
    /// The [`PendingWrite::index`] answered.
    pub index: usize,
    /// The answer.
    pub outcome: WriteOutcome,
}

/// A record to send to the target now.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingWrite {
    /// Position in the page; echo it in the [`WriteResult`].
    pub index: usize,
    /// Send this key with the write where the target supports it.
    pub idempotency_key: IdempotencyKey,
    /// The mapped record to write.
    pub record: SyncRecord,
    /// Which attempt this is (1 for the first).
    pub attempt: u32,
    /// The last attempt conflicted: re-read the target and re-apply before writing.
    pub reread: bool,
}

/// A record a transform dropped on purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedRecord {
    /// The entity key.
    pub key: String,
    /// The transform's reason.
    pub reason: String,
}

/// How the records of a page settled. `read` equals the sum of the others.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageCounts {
    /// Records read.
    pub read: u64,
    /// Confirmed by the target.
    pub confirmed: u64,
    /// Dropped on purpose.
    pub dropped: u64,
    /// Not sent again because the ledger (or the page) already had the key.
    pub duplicates: u64,
    /// Parked.
    pub parked: u64,
    /// Waiting on a dependency.
    pub waiting: u64,
}

/// Everything a settled page changes, for the store to apply in ONE transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct PageCommit {
    /// The flow.
    pub flow: String,
    /// The source stream.
    pub stream: String,
    /// The cursor the page was read from; the store refuses the commit if its cursor differs.
    pub from_cursor: Option<Cursor>,
    /// The cursor after this page.
    pub new_cursor: Cursor,
    /// Confirmed effects.
    pub ledger: Vec<LedgerEntry>,
    /// Newly parked records.
    pub parked: Vec<ParkedRecord>,
    /// Newly waiting records.
    pub waiting: Vec<WaitingRecord>,
    /// Deliberate drops (for telemetry; not stored).
    pub dropped: Vec<DroppedRecord>,
    /// How every record settled.
    pub counts: PageCounts,
}

/// The injected collaborators a page needs to settle failures.
#[derive(Clone, Copy)]
pub struct PageEnv<'a> {
    /// The current time.
    pub clock: &'a dyn Clock,
    /// Ids for parked and waiting records.
    pub ids: &'a dyn IdSource,
    /// The flow's retry policy.
    pub policy: &'a RetryPolicy,
}

#[derive(Debug, Clone)]
struct Attempts {
    made: u32,
    conflicts: u32,
    throttled: u32,
    first_failed_ms: Option<u64>,
    not_before_ms: u64,
    reread: bool,
}

#[derive(Debug, Clone)]
enum Slot {
    Pending,
    Ready(SyncRecord, Attempts),
    InFlight(SyncRecord, Attempts),
    Confirmed(Box<LedgerEntry>),
    Dropped(String),
    Duplicate,
    Parked(Box<ParkedRecord>),
    Waiting(Box<WaitingRecord>),
}

#[derive(Debug, Clone)]
struct Entry {
    source: SyncRecord,
    key: IdempotencyKey,
    slot: Slot,
}

/// One page of one stream, from read to commit.
#[derive(Debug, Clone)]
pub struct Page {
    stream: StreamId,
    from: Option<Cursor>,
    next: Cursor,
    plugin_versions: Vec<(String, String)>,
    entries: Vec<Entry>,
    phase: PagePhase,
}

mod steps;

#[cfg(test)]
mod tests;
