//! Deterministic idempotency keys for effects on a target.
//!
//! An effect is identified by (flow, entity key, source version, operation). The key is derived
//! so that every process, on every version of this code, computes the same key for the same
//! effect; replays and retries therefore carry the key of the original attempt.
//!
//! Derivation (format 1, frozen; a change needs a new prefix such as `weft-ik2-`):
//!
//! 1. start with the ASCII domain tag `weft/idempotency/v1`;
//! 2. append, for each of flow, entity key, source version and operation name, in that order,
//!    the field's UTF-8 length as a big-endian `u64` followed by its bytes (length-prefixing makes
//!    `("ab", "c")` and `("a", "bc")` different);
//! 3. take SHA-256 of the whole and render it as 64 lowercase hex digits;
//! 4. the key is `weft-ik1-` followed by those digits (73 ASCII characters).
//!
//! This module does not decide whether an effect already happened; that is the ledger's job.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

const DOMAIN_TAG: &[u8] = b"weft/idempotency/v1";
const PREFIX: &str = "weft-ik1-";

/// The kind of effect on a target. The name is part of the key derivation and must never change.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    /// Create or update the entity.
    Upsert,
    /// Delete the entity.
    Delete,
    /// Write the owner's values over drifted ones, found by reconciliation.
    Heal,
    /// Any other effect, named by the flow (e.g. `restock`).
    Other(String),
}

impl Operation {
    /// The stable name used in the key derivation.
    pub fn name(&self) -> &str {
        match self {
            Operation::Upsert => "upsert",
            Operation::Delete => "delete",
            Operation::Heal => "heal",
            Operation::Other(name) => name,
        }
    }
}

/// A deterministic idempotency key, `weft-ik1-<64 hex digits>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Derive the key of an effect (see the module doc for the exact derivation).
    pub fn derive(flow: &str, entity_key: &str, source_version: &str, op: Operation) -> Self {
        let mut h = Sha256::new();
        h.update(DOMAIN_TAG);
        for field in [flow, entity_key, source_version, op.name()] {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        let mut digits = [0u8; 64];
        hex::encode_to_slice(h.finalize(), &mut digits).expect("64 digits for 32 bytes");
        let mut key = String::with_capacity(PREFIX.len() + digits.len());
        key.push_str(PREFIX);
        key.push_str(std::str::from_utf8(&digits).expect("hex digits are ASCII"));
        Self(key)
    }

    /// Wrap a key read back from storage or from an operator, without re-deriving it.
    pub fn from_stored(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_value_is_stable_across_code_versions() {
        // If this fails, every key in every ledger changes and replays would duplicate effects.
        let k = IdempotencyKey::derive("pos-to-shopify", "SKU-1@shop-2", "42", Operation::Upsert);
        // Computed independently from the module doc's derivation (Python hashlib).
        assert_eq!(
            k.as_str(),
            "weft-ik1-eaff2ea7d9a37324406f161d71b8a69575ba21aba66f7859fd47960955a919ae"
        );
    }

    #[test]
    fn length_prefix_separates_fields() {
        let a = IdempotencyKey::derive("ab", "c", "1", Operation::Upsert);
        let b = IdempotencyKey::derive("a", "bc", "1", Operation::Upsert);
        assert_ne!(a, b);
    }

    #[test]
    fn every_field_changes_the_key() {
        let base = IdempotencyKey::derive("f", "k", "v", Operation::Upsert);
        assert_ne!(
            base,
            IdempotencyKey::derive("g", "k", "v", Operation::Upsert)
        );
        assert_ne!(
            base,
            IdempotencyKey::derive("f", "l", "v", Operation::Upsert)
        );
        assert_ne!(
            base,
            IdempotencyKey::derive("f", "k", "w", Operation::Upsert)
        );
        assert_ne!(
            base,
            IdempotencyKey::derive("f", "k", "v", Operation::Delete)
        );
        assert_eq!(
            IdempotencyKey::derive("f", "k", "v", Operation::Other("upsert".into())),
            base,
            "the operation is identified by its name"
        );
    }
}
