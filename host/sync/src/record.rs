//! The unit the engine moves.
//!
//! A [`SyncRecord`] is an entity as read from a source (or as emitted by a transform). Its payload
//! is opaque JSON to this crate: mapping and validation belong to plugins, not here.

use serde::{Deserialize, Serialize};

/// One entity on its way from a source to a target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRecord {
    /// The entity key, stable across versions, e.g. `SKU-1@shop-2`.
    pub key: String,
    /// The source's version of this entity (a version number, `updated_at`, a replay id).
    pub version: String,
    /// The entity itself, opaque to the sync engine.
    pub payload: serde_json::Value,
}

impl SyncRecord {
    /// A record from its parts.
    pub fn new(
        key: impl Into<String>,
        version: impl Into<String>,
        payload: serde_json::Value,
    ) -> Self {
        Self {
            key: key.into(),
            version: version.into(),
            payload,
        }
    }
}
