//! The JSON shapes of `POST /target/write`: the items sent and the per-item results (`{"ok":
//! {...}}` or `{"error": {...}}`), shared by the server, the tests and anyone decoding a
//! response. Deliberately not here: what the target does with them (`target`).

use serde::{Deserialize, Serialize};

/// One item of `POST /target/write`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteItem {
    /// Applied at most once per key.
    pub idempotency_key: String,
    /// `{sku}@{location}`.
    pub key: String,
    /// The source version being written.
    pub version: String,
    /// The new available quantity.
    pub available: i64,
    /// Compare-and-set: the target version the writer last saw (`None` = blind write).
    #[serde(default)]
    pub expected_version: Option<String>,
}

/// The target's confirmation of one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Written {
    /// The record's id at the target.
    pub target_id: String,
    /// Its version after the write.
    pub target_version: String,
}

/// Why one item was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemError {
    /// HTTP-style status (409, 422, 424, 500).
    pub status: u16,
    /// One line naming the key and the cause.
    pub message: String,
    /// When to retry, if the target says.
    pub retry_after_ms: Option<u64>,
    /// For 424: what the item waits for.
    pub waiting_for: Option<String>,
}

/// One entry of the `results` array: `{"ok": {...}}` or `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemResult {
    /// Applied (now or earlier, for a re-sent key).
    Ok(Written),
    /// Refused; nothing applied.
    Error(ItemError),
}
