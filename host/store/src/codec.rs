//! Versioned value encoding: one format-version byte, then JSON.
//!
//! Decoding never guesses: an empty value, an unknown version byte or bad JSON is an error naming
//! the tree and the key. Ledger entries have a format of their own ([`LEDGER_FORMAT`]): version
//! 2 is a JSON array without the idempotency key (the tree's key is that key), under half the
//! size of version 1 (the whole entry as an object), which is still read. Entries are not
//! rewritten: a store written before format 2 keeps its old entries in format 1.

use crate::{Result, StoreError};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use weft_sync::{IdempotencyKey, LedgerEntry};

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u8 = 1;

pub(crate) fn encode<T: Serialize + ?Sized>(tree: &'static str, value: &T) -> Result<Vec<u8>> {
    let mut out = vec![FORMAT_VERSION];
    serde_json::to_writer(&mut out, value).map_err(|source| StoreError::Encode { tree, source })?;
    Ok(out)
}

pub(crate) fn decode<T: DeserializeOwned>(
    tree: &'static str,
    key: &[u8],
    bytes: &[u8],
) -> Result<T> {
    match versioned(tree, key, bytes)? {
        (FORMAT_VERSION, body) => from_json(tree, key, body),
        (found, _) => Err(unknown_version(tree, key, found, FORMAT_VERSION)),
    }
}

fn key_text(key: &[u8]) -> String {
    String::from_utf8_lossy(key).into_owned()
}

/// A value's version byte and body; an empty value is corrupt.
fn versioned<'a>(tree: &'static str, key: &[u8], bytes: &'a [u8]) -> Result<(u8, &'a [u8])> {
    match bytes.split_first() {
        Some((&version, body)) => Ok((version, body)),
        None => Err(StoreError::Corrupt {
            tree,
            key: key_text(key),
            problem: "empty value".into(),
        }),
    }
}

fn unknown_version(tree: &'static str, key: &[u8], found: u8, supported: u8) -> StoreError {
    StoreError::UnknownVersion {
        tree,
        key: key_text(key),
        found,
        supported,
    }
}

fn from_json<T: DeserializeOwned>(tree: &'static str, key: &[u8], body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| StoreError::Corrupt {
        tree,
        key: key_text(key),
        problem: e.to_string(),
    })
}

/// The format version of ledger values this build writes; it reads 1 and 2.
pub const LEDGER_FORMAT: u8 = 2;

/// A ledger entry in format 2, borrowed for writing: every field but the key, in order.
#[derive(Serialize)]
struct LedgerRowRef<'a>(
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a Option<String>,
    &'a Option<String>,
    u64,
    &'a [(String, String)],
);

/// A ledger entry in format 2, as read.
#[derive(Deserialize)]
struct LedgerRow(
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    u64,
    Vec<(String, String)>,
);

pub(crate) fn encode_ledger(tree: &'static str, l: &LedgerEntry) -> Result<Vec<u8>> {
    let mut out = vec![LEDGER_FORMAT];
    let row = LedgerRowRef(
        &l.flow,
        &l.stream,
        &l.key,
        &l.source_version,
        &l.target_id,
        &l.target_version,
        l.confirmed_ms,
        &l.plugin_versions,
    );
    serde_json::to_writer(&mut out, &row).map_err(|source| StoreError::Encode { tree, source })?;
    Ok(out)
}

pub(crate) fn decode_ledger(tree: &'static str, key: &[u8], bytes: &[u8]) -> Result<LedgerEntry> {
    let row: LedgerRow = match versioned(tree, key, bytes)? {
        (FORMAT_VERSION, body) => return from_json(tree, key, body),
        (LEDGER_FORMAT, body) => from_json(tree, key, body)?,
        (found, _) => return Err(unknown_version(tree, key, found, LEDGER_FORMAT)),
    };
    let idempotency_key = std::str::from_utf8(key).map_err(|_| StoreError::Corrupt {
        tree,
        key: key_text(key),
        problem: "the key is not UTF-8".into(),
    })?;
    Ok(LedgerEntry {
        idempotency_key: IdempotencyKey::from_stored(idempotency_key),
        flow: row.0,
        stream: row.1,
        key: row.2,
        source_version: row.3,
        target_id: row.4,
        target_version: row.5,
        confirmed_ms: row.6,
        plugin_versions: row.7,
    })
}

/// The key of a stream's cursor: the JSON array `["flow","stream"]` (unambiguous and readable).
pub(crate) fn stream_key(flow: &str, stream: &str) -> Vec<u8> {
    serde_json::to_vec(&(flow, stream)).expect("a pair of strings always serializes")
}

/// The key of a dependency-index entry: `["dependency","id"]`; its prefix lists one dependency.
pub(crate) fn dep_key(dependency: &str, id: &str) -> Vec<u8> {
    serde_json::to_vec(&(dependency, id)).expect("a pair of strings always serializes")
}

/// The prefix shared by every [`dep_key`] of `dependency`.
pub(crate) fn dep_prefix(dependency: &str) -> Vec<u8> {
    let mut k = dep_key(dependency, "");
    k.truncate(k.len() - 3); // drop the empty id `""]`, keep the comma
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_typed_failures() {
        let bytes = encode("t", "v").unwrap();
        assert_eq!(bytes[0], FORMAT_VERSION);
        assert_eq!(decode::<String>("t", b"k", &bytes).unwrap(), "v");
        let mut newer = bytes.clone();
        newer[0] = 9;
        assert!(matches!(
            decode::<String>("t", b"k", &newer),
            Err(StoreError::UnknownVersion { found: 9, .. })
        ));
        assert!(matches!(
            decode::<String>("t", b"k", &[]),
            Err(StoreError::Corrupt { .. })
        ));
    }

    fn entry() -> LedgerEntry {
        LedgerEntry {
            idempotency_key: IdempotencyKey::derive(
                "f",
                "SKU@1",
                "v1",
                weft_sync::Operation::Upsert,
            ),
            flow: "acme/stock".into(),
            stream: "inventory".into(),
            key: "SKU@1".into(),
            source_version: "v1".into(),
            target_id: Some("gid://1".into()),
            target_version: None,
            confirmed_ms: 1_700_000_000_000,
            plugin_versions: vec![("noop".into(), "1".into())],
        }
    }

    #[test]
    fn ledger_entries_read_back_from_both_formats_and_the_new_one_is_smaller() {
        let l = entry();
        let key = l.idempotency_key.as_str().as_bytes();
        let v2 = encode_ledger("ledger", &l).unwrap();
        let v1 = encode("ledger", &l).unwrap();
        assert_eq!((v2[0], v1[0]), (LEDGER_FORMAT, FORMAT_VERSION));
        assert_eq!(decode_ledger("ledger", key, &v2).unwrap(), l);
        assert_eq!(decode_ledger("ledger", key, &v1).unwrap(), l);
        assert!(
            v2.len() * 2 < v1.len(),
            "{} vs {} bytes",
            v2.len(),
            v1.len()
        );
        let mut newer = v2.clone();
        newer[0] = LEDGER_FORMAT + 1;
        assert!(matches!(
            decode_ledger("ledger", key, &newer),
            Err(StoreError::UnknownVersion {
                found: 3,
                supported: 2,
                ..
            })
        ));
        assert!(matches!(
            decode_ledger("ledger", key, &v2[..v2.len() - 1]),
            Err(StoreError::Corrupt { .. })
        ));
    }

    #[test]
    fn dependency_prefix_does_not_match_a_longer_dependency() {
        let p = dep_prefix("sku:A");
        assert!(dep_key("sku:A", "w1").starts_with(&p));
        assert!(!dep_key("sku:AB", "w1").starts_with(&p));
    }
}
