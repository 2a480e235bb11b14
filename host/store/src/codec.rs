//! Versioned value encoding: one format-version byte, then JSON.
//!
//! Decoding never guesses: an empty value, an unknown version byte or bad JSON is an error naming
//! the tree and the key. There is no migration yet; when format 2 exists, `decode` will read both.

use crate::{Result, StoreError};
use serde::{Serialize, de::DeserializeOwned};

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
    let key = || String::from_utf8_lossy(key).into_owned();
    let Some((&version, body)) = bytes.split_first() else {
        return Err(StoreError::Corrupt {
            tree,
            key: key(),
            problem: "empty value".into(),
        });
    };
    if version != FORMAT_VERSION {
        return Err(StoreError::UnknownVersion {
            tree,
            key: key(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    serde_json::from_slice(body).map_err(|e| StoreError::Corrupt {
        tree,
        key: key(),
        problem: e.to_string(),
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

    #[test]
    fn dependency_prefix_does_not_match_a_longer_dependency() {
        let p = dep_prefix("sku:A");
        assert!(dep_key("sku:A", "w1").starts_with(&p));
        assert!(!dep_key("sku:AB", "w1").starts_with(&p));
    }
}
