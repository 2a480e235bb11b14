//! Dependency waits.
//!
//! A record whose write failed because something it references is not on the target yet (an
//! order line's SKU, a return's original order) is not retried blindly: it waits on that
//! dependency's key and is re-run when the dependency lands, or parks when `until_ms` passes.
//! This module holds the value and its timeout rule; finding waits by dependency or by due time
//! is `weft-store`'s job, and waking them is the runtime's.

use crate::{ErrorContext, IdempotencyKey, ParkReason, ParkedRecord, SyncRecord};
use serde::{Deserialize, Serialize};

/// A record waiting for a dependency to land on the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitingRecord {
    /// Unique id, from the injected [`crate::IdSource`].
    pub id: String,
    /// The flow it belongs to.
    pub flow: String,
    /// The source stream it was read from.
    pub stream: String,
    /// The entity key.
    pub key: String,
    /// The effect's idempotency key; the re-run reuses it.
    pub idempotency_key: IdempotencyKey,
    /// The record as read from the source.
    pub record: SyncRecord,
    /// The key of the missing dependency.
    pub dependency: String,
    /// When the wait times out and the record parks.
    pub until_ms: u64,
    /// The dependency-missing error that started the wait.
    pub error: ErrorContext,
    /// Attempts made so far.
    pub attempts: u32,
    /// When it first failed.
    pub first_failed_ms: u64,
    /// When it last failed.
    pub last_failed_ms: u64,
}

impl WaitingRecord {
    /// Whether the wait has timed out at `now_ms`.
    pub fn is_expired(&self, now_ms: u64) -> bool {
        now_ms >= self.until_ms
    }

    /// The parked record this wait becomes when it times out (same id, same idempotency key).
    pub fn into_parked(self, now_ms: u64) -> ParkedRecord {
        ParkedRecord {
            id: self.id,
            flow: self.flow,
            stream: self.stream,
            key: self.key,
            idempotency_key: self.idempotency_key,
            record: self.record,
            reason: ParkReason::DependencyTimeout,
            error: self.error,
            attempts: self.attempts,
            first_failed_ms: self.first_failed_ms,
            last_failed_ms: now_ms,
        }
    }
}
