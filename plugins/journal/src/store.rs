//! The storage the journal needs (get and compare-and-swap), behind a trait so the write, read
//! and lookup logic runs natively in tests against `Memory` (test-only); [`Kv`] is the deployment's kv
//! capability. Also the index (`journal:index`) and entry loading, with corrupt values reported
//! by key, never reset.

#[cfg(test)]
use std::cell::RefCell;
#[cfg(test)]
use std::collections::BTreeMap;

use weft_sdk::connector::{ErrorClass, Failure, failure};

use crate::entry::{Entry, INDEX};

/// How many times a compare-and-swap is retried after losing a race before giving up
/// (transiently).
pub const SWAP_ATTEMPTS: usize = 8;

/// Get and compare-and-swap of raw values, with failures already classified.
pub trait Store {
    /// The value under `key`.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, Failure>;
    /// Replace the value under `key` with `new` (none = delete) if it is `expected` (none =
    /// absent); true when it did.
    fn swap(&self, key: &str, expected: Option<&[u8]>, new: Option<&[u8]>)
    -> Result<bool, Failure>;
    /// Note something for the operator (a log line in the component).
    fn note(&self, _message: &str) {}
}

/// The deployment's kv capability (only callable inside the component).
pub struct Kv;

fn kv_failure(op: &str, key: &str, e: weft_sdk::kv::Error) -> Failure {
    use weft_sdk::kv::Error;
    let (class, why) = match e {
        Error::Storage(m) => (ErrorClass::Transient, m),
        Error::InvalidKey(m) => (ErrorClass::Permanent, format!("invalid key: {m}")),
        Error::TooLarge(m) => (ErrorClass::Permanent, format!("value too large: {m}")),
        Error::QuotaExceeded(m) => (
            ErrorClass::Permanent,
            format!("storage quota exceeded ({m}); raise the deployment's kv.quota-bytes"),
        ),
    };
    failure(class, format!("journal kv {op} {key}: {why}"))
}

impl Store for Kv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, Failure> {
        weft_sdk::kv::get(key).map_err(|e| kv_failure("get", key, e))
    }

    fn swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool, Failure> {
        weft_sdk::kv::compare_and_swap(key, expected, new).map_err(|e| kv_failure("swap", key, e))
    }

    fn note(&self, message: &str) {
        weft_sdk::log::info(message)
    }
}

/// An in-memory store for tests, with an optional scripted interference: before the n-th swap,
/// `meddle` may change the map (to lose a race).
#[cfg(test)]
#[derive(Default)]
pub struct Memory {
    /// The values.
    pub map: RefCell<BTreeMap<String, Vec<u8>>>,
    /// Notes made.
    pub notes: RefCell<Vec<String>>,
    /// Swaps made so far (including lost ones).
    pub swaps: RefCell<usize>,
    /// Called before each swap with the swap count.
    #[allow(clippy::type_complexity)]
    pub meddle: Option<Box<dyn Fn(usize, &mut BTreeMap<String, Vec<u8>>)>>,
}

#[cfg(test)]
impl Store for Memory {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, Failure> {
        Ok(self.map.borrow().get(key).cloned())
    }

    fn swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool, Failure> {
        let n = {
            let mut swaps = self.swaps.borrow_mut();
            *swaps += 1;
            *swaps
        };
        let mut map = self.map.borrow_mut();
        if let Some(meddle) = &self.meddle {
            meddle(n, &mut map);
        }
        if map.get(key).map(Vec::as_slice) != expected {
            return Ok(false);
        }
        match new {
            Some(v) => map.insert(key.to_string(), v.to_vec()),
            None => map.remove(key),
        };
        Ok(true)
    }

    fn note(&self, message: &str) {
        self.notes.borrow_mut().push(message.to_string())
    }
}

fn corrupt(key: &str, e: impl std::fmt::Display) -> Failure {
    failure(
        ErrorClass::Permanent,
        format!("journal kv {key} holds a value this journal cannot read ({e}); fix or delete it"),
    )
}

/// The index and its raw bytes (for the swap), empty when absent.
pub fn load_index(store: &dyn Store) -> Result<(Vec<String>, Option<Vec<u8>>), Failure> {
    let raw = store.get(INDEX)?;
    let list = match &raw {
        None => Vec::new(),
        Some(bytes) => serde_json::from_slice(bytes).map_err(|e| corrupt(INDEX, e))?,
    };
    Ok((list, raw))
}

/// Append `key` to the index; with `only_if_missing`, only when it is not in it yet.
pub fn append_index(store: &dyn Store, key: &str, only_if_missing: bool) -> Result<(), Failure> {
    for _ in 0..SWAP_ATTEMPTS {
        let (mut list, raw) = load_index(store)?;
        if only_if_missing && list.iter().any(|k| k == key) {
            return Ok(());
        }
        list.push(key.to_string());
        let bytes = serde_json::to_vec(&list).map_err(|e| corrupt(INDEX, e))?;
        if store.swap(INDEX, raw.as_deref(), Some(&bytes))? {
            return Ok(());
        }
    }
    Err(failure(
        ErrorClass::Transient,
        format!("journal: {INDEX} kept changing while {key} was added; try again"),
    ))
}

/// The entry under `key` and its raw bytes, if any.
pub fn load_entry(store: &dyn Store, key: &str) -> Result<Option<(Entry, Vec<u8>)>, Failure> {
    match store.get(key)? {
        None => Ok(None),
        Some(bytes) => {
            let entry = serde_json::from_slice(&bytes).map_err(|e| corrupt(key, e))?;
            Ok(Some((entry, bytes)))
        }
    }
}
