//! The idempotency ledger's entry: proof that a target confirmed an effect.
//!
//! An entry is written only for a confirmed effect, never for an attempt. This module defines the
//! value; storing and looking it up belongs to `weft-store`.

use crate::IdempotencyKey;
use serde::{Deserialize, Serialize};

/// A target-confirmed effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The effect's idempotency key (the ledger's primary key).
    pub idempotency_key: IdempotencyKey,
    /// The flow that produced the effect.
    pub flow: String,
    /// The source stream the record came from.
    pub stream: String,
    /// The entity key.
    pub key: String,
    /// The source version that was applied.
    pub source_version: String,
    /// The target's id for the entity, when it returned one.
    pub target_id: Option<String>,
    /// The target's version after the write, when it returned one.
    pub target_version: Option<String>,
    /// When the host received the confirmation.
    pub confirmed_ms: u64,
    /// The plugin versions that produced the effect, as (plugin, version).
    pub plugin_versions: Vec<(String, String)>,
}
