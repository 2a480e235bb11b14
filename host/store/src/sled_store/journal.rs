//! The ledger journal: how a page's ledger entries commit in the page's transaction without the
//! transaction writing one key per entry.
//!
//! A sled transaction reads every key it writes before writing it, which cost a page commit
//! about as much as the writes themselves. So a page commit puts its ledger entries into the
//! transaction as ONE journal value (tree `ledger_journal`, key: a sled-generated id), beside
//! the cursor and the parked and waiting records. Once the transaction is in and flushed, the
//! commit returns, and the store's copier thread (`copier`) copies the entries into the
//! `ledger` tree with plain inserts and removes the journal value.
//!
//! Until that copy is done, the entries are also held in memory ([`Pending`]) so lookups see
//! every committed entry: they are added before the transaction and dropped only after the
//! copy. A crash before the end of a copy leaves the journal value behind; opening the store
//! copies it then ([`SledStore::replay_journal`]). A journal value that does not decode stops
//! the open with its key, never skipped.
//!
//! Format 1 of a journal value: the byte 1, the number of entries (u32, big-endian), then per
//! entry the key's length (u32, big-endian), the key, the value's length (u32, big-endian) and
//! the ledger value as the ledger tree holds it.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use sled::Tree;

use super::{LEDGER_JOURNAL, SledStore, sled_err};
use crate::{Result, StoreError};

const JOURNAL_FORMAT: u8 = 1;

/// A page's ledger entries as the ledger tree stores them: key bytes to value bytes.
pub(super) type Entries = HashMap<Vec<u8>, Vec<u8>>;

pub(super) fn encode(entries: &Entries) -> Vec<u8> {
    let size: usize = entries.iter().map(|(k, v)| 8 + k.len() + v.len()).sum();
    let mut out = Vec::with_capacity(5 + size);
    out.push(JOURNAL_FORMAT);
    out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    for (k, v) in entries {
        for part in [k, v] {
            out.extend_from_slice(&(part.len() as u32).to_be_bytes());
            out.extend_from_slice(part);
        }
    }
    out
}

/// Take a big-endian u32 length off the front of `rest`.
fn take_len(rest: &mut &[u8]) -> Option<usize> {
    let (n, tail) = rest.split_first_chunk::<4>()?;
    *rest = tail;
    Some(u32::from_be_bytes(*n) as usize)
}

/// A journal key as text: the journal id.
fn key_text(key: &[u8]) -> String {
    match <[u8; 8]>::try_from(key) {
        Ok(id) => u64::from_be_bytes(id).to_string(),
        Err(_) => format!("{key:02x?}"),
    }
}

pub(super) fn decode(key: &[u8], bytes: &[u8]) -> Result<Entries> {
    let corrupt = |problem: &str| StoreError::Corrupt {
        tree: LEDGER_JOURNAL,
        key: key_text(key),
        problem: problem.into(),
    };
    let mut rest = match bytes.split_first() {
        Some((&JOURNAL_FORMAT, body)) => body,
        Some((&found, _)) => {
            return Err(StoreError::UnknownVersion {
                tree: LEDGER_JOURNAL,
                key: key_text(key),
                found,
                supported: JOURNAL_FORMAT,
            });
        }
        None => return Err(corrupt("empty value")),
    };
    let count = take_len(&mut rest).ok_or_else(|| corrupt("truncated count"))?;
    // Every entry takes at least 8 bytes, which bounds what a damaged count can reserve.
    let mut entries = Entries::with_capacity(count.min(rest.len() / 8));
    for _ in 0..count {
        let mut part = || {
            let len = take_len(&mut rest)?;
            let (bytes, tail) = rest.split_at_checked(len)?;
            rest = tail;
            Some(bytes.to_vec())
        };
        let (Some(k), Some(v)) = (part(), part()) else {
            return Err(corrupt("truncated entry"));
        };
        entries.insert(k, v);
    }
    if !rest.is_empty() {
        return Err(corrupt("bytes after the last entry"));
    }
    Ok(entries)
}

/// Journalled entries not yet copied into the ledger tree, by journal id.
#[derive(Debug, Default)]
pub(super) struct Pending(RwLock<HashMap<u64, Arc<Entries>>>);

impl Pending {
    pub fn add(&self, id: u64, entries: Arc<Entries>) {
        self.0.write().expect("pending lock").insert(id, entries);
    }

    pub fn remove(&self, id: u64) {
        self.0.write().expect("pending lock").remove(&id);
    }

    /// The value of `key`, if a pending journal holds it.
    pub fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        let pending = self.0.read().expect("pending lock");
        pending.values().find_map(|e| e.get(key).cloned())
    }
}

/// Copy journal `id`'s entries into `ledger`, then remove the journal value. Not flushed: the
/// journal value is what makes the entries durable.
pub(super) fn copy(ledger: &Tree, journal: &Tree, id: &[u8], entries: &Entries) -> Result<()> {
    for (k, v) in entries {
        ledger
            .insert(k.as_slice(), v.as_slice())
            .map_err(sled_err("copy the ledger journal"))?;
    }
    journal
        .remove(id)
        .map_err(sled_err("remove a copied ledger journal"))?;
    Ok(())
}

impl SledStore {
    /// Copy what a crash left in the journal into the ledger (see the module doc).
    pub(super) fn replay_journal(&self) -> Result<()> {
        if self.journal.is_empty() {
            return Ok(());
        }
        for kv in self.journal.iter() {
            let (id, value) = kv.map_err(sled_err("scan the ledger journal"))?;
            let entries = decode(&id, &value)?;
            self.filter.add(entries.keys().map(Vec::as_slice));
            copy(&self.ledger, &self.journal, &id, &entries)?;
        }
        self.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_damage_is_reported() {
        let entries: Entries = [(b"k1".to_vec(), b"v1".to_vec()), (b"k2".to_vec(), vec![])]
            .into_iter()
            .collect();
        let bytes = encode(&entries);
        assert_eq!(decode(b"id", &bytes).unwrap(), entries);
        for cut in 1..bytes.len() {
            let err = decode(b"id", &bytes[..cut]);
            assert!(
                matches!(err, Err(StoreError::Corrupt { .. })),
                "cut at {cut}: {err:?}"
            );
        }
        let mut newer = bytes.clone();
        newer[0] = 9;
        assert!(matches!(
            decode(b"id", &newer),
            Err(StoreError::UnknownVersion { found: 9, .. })
        ));
        assert!(matches!(
            decode(b"id", &[]),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
