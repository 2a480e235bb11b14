//! The ledger filter: an in-memory Bloom filter of the ledger's idempotency keys, so looking up a
//! key that was never confirmed answers without reading the ledger tree. That is most lookups of
//! an incremental sync: every new source version is a new key.
//!
//! "No" from the filter is certain; "maybe" is read from the tree as before (about 1% of absent
//! keys per layer). The filter is rebuilt at every open by a thread that scans the ledger's
//! keys ([`scan`]); until the scan ends it answers "maybe" for everything. Every key the store
//! writes into the ledger (page commits, `ledger_put`, resolutions) is added before it becomes
//! visible, whether the scan is done or not, so once it is done the filter holds every key.
//!
//! It grows without a rescan: when its newest layer is full it adds one four times as large (a
//! scalable Bloom filter). Not here: persistence (rebuilt at open) and removal (ledger entries
//! are never removed). A key written into the ledger tree behind the store's back (a raw tree
//! handle) is seen only after the next open.

use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;

use sled::Tree;

/// Bits per key of a layer; with [`PROBES`] probes a full layer answers "maybe" for about 1% of
/// absent keys.
const BITS_PER_KEY: usize = 10;
const PROBES: u64 = 7;
/// Keys the first layer holds; each next one holds [`GROWTH`] times as many.
const FIRST_LAYER: usize = 1 << 16;
const GROWTH: usize = 4;
/// Keys the scan adds per write lock.
const SCAN_CHUNK: usize = 4096;

struct Layer {
    bits: Vec<u64>,
    /// `bits` holds a power of two of bits; this masks a probe into it.
    mask: u64,
    capacity: usize,
    len: usize,
}

impl Layer {
    fn new(capacity: usize) -> Self {
        let bits = (capacity * BITS_PER_KEY).next_power_of_two().max(64);
        Self {
            bits: vec![0; bits / 64],
            mask: bits as u64 - 1,
            capacity,
            len: 0,
        }
    }

    /// Bit positions of a key's hash pair (double hashing).
    fn probes(&self, (h1, h2): (u64, u64)) -> impl Iterator<Item = usize> + use<> {
        let mask = self.mask;
        (0..PROBES).map(move |i| (h1.wrapping_add(i.wrapping_mul(h2)) & mask) as usize)
    }

    fn insert(&mut self, h: (u64, u64)) {
        for p in self.probes(h) {
            self.bits[p / 64] |= 1 << (p % 64);
        }
        self.len += 1;
    }

    fn contains(&self, h: (u64, u64)) -> bool {
        self.probes(h)
            .all(|p| self.bits[p / 64] & (1 << (p % 64)) != 0)
    }
}

/// Two hashes of a key: SipHash with fixed keys (the filter lives in one process), and a
/// mix of it that is odd, so the probes of double hashing cover the layer.
fn hash(key: &[u8]) -> (u64, u64) {
    let h1 = BuildHasherDefault::<DefaultHasher>::default().hash_one(key);
    let mut h2 = h1 ^ 0x9e37_79b9_7f4a_7c15;
    h2 = (h2 ^ (h2 >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h2 = (h2 ^ (h2 >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (h1, (h2 ^ (h2 >> 31)) | 1)
}

/// The ledger's keys, as far as [`LedgerFilter::may_contain`] can tell.
pub(super) struct LedgerFilter {
    layers: RwLock<Vec<Layer>>,
    /// Set once the scan at open added every key that was in the tree.
    complete: AtomicBool,
}

impl Default for LedgerFilter {
    fn default() -> Self {
        Self {
            layers: RwLock::new(vec![Layer::new(FIRST_LAYER)]),
            complete: AtomicBool::new(false),
        }
    }
}

impl std::fmt::Debug for LedgerFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let layers = self.layers.read().expect("filter lock");
        f.debug_struct("LedgerFilter")
            .field("keys", &layers.iter().map(|l| l.len).sum::<usize>())
            .field("layers", &layers.len())
            .field("complete", &self.is_complete())
            .finish()
    }
}

impl LedgerFilter {
    /// Add keys; call before they become visible in the ledger.
    pub fn add<'a>(&self, keys: impl IntoIterator<Item = &'a [u8]>) {
        let mut layers = self.layers.write().expect("filter lock");
        for key in keys {
            let newest = layers.last().expect("a filter has a layer");
            if newest.len >= newest.capacity {
                let capacity = newest.capacity * GROWTH;
                layers.push(Layer::new(capacity));
            }
            layers
                .last_mut()
                .expect("a filter has a layer")
                .insert(hash(key));
        }
    }

    /// False only if `key` is certainly not in the ledger.
    pub fn may_contain(&self, key: &[u8]) -> bool {
        if !self.is_complete() {
            return true;
        }
        let h = hash(key);
        let layers = self.layers.read().expect("filter lock");
        layers.iter().any(|l| l.contains(h))
    }

    /// Whether the scan at open is done (until then every key is a "maybe").
    pub fn is_complete(&self) -> bool {
        self.complete.load(Ordering::Acquire)
    }
}

/// The scan that fills a new filter from the ledger tree, on a thread of its own. Dropping it
/// stops the scan (the filter then stays incomplete: correct, only slower).
#[derive(Debug)]
pub(super) struct Scan {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Start filling `filter` with the keys of `ledger`. A scan that meets a read error leaves the
/// filter incomplete: lookups then read the tree, and report that error themselves.
pub(super) fn scan(filter: Arc<LedgerFilter>, ledger: Tree) -> std::io::Result<Scan> {
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    let thread = std::thread::Builder::new()
        .name("weft-ledger-filter".into())
        .spawn(move || {
            let mut chunk = Vec::with_capacity(SCAN_CHUNK);
            let mut keys = ledger.iter().keys();
            loop {
                if stopped.load(Ordering::Relaxed) {
                    return;
                }
                chunk.clear();
                for key in keys.by_ref().take(SCAN_CHUNK) {
                    match key {
                        Ok(k) => chunk.push(k),
                        Err(_) => return,
                    }
                }
                if chunk.is_empty() {
                    filter.complete.store(true, Ordering::Release);
                    return;
                }
                filter.add(chunk.iter().map(|k| k.as_ref()));
            }
        })?;
    Ok(Scan {
        stop,
        thread: Some(thread),
    })
}

impl Scan {
    /// Wait until the scan ended (done, stopped or failed).
    pub fn wait(&self) {
        while self.thread.as_ref().is_some_and(|t| !t.is_finished()) {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
}

impl Drop for Scan {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: usize) -> Vec<u8> {
        format!("weft-ik1-{i:064x}").into_bytes()
    }

    fn complete(keys: impl Iterator<Item = usize>) -> LedgerFilter {
        let f = LedgerFilter::default();
        let keys: Vec<Vec<u8>> = keys.map(key).collect();
        f.add(keys.iter().map(Vec::as_slice));
        f.complete.store(true, Ordering::Release);
        f
    }

    #[test]
    fn every_added_key_is_a_maybe_across_layers_and_few_absent_ones_are() {
        let n = FIRST_LAYER * (1 + GROWTH) + 1000; // three layers
        let f = complete(0..n);
        assert_eq!(f.layers.read().unwrap().len(), 3);
        assert!((0..n).all(|i| f.may_contain(&key(i))), "a false negative");
        let absent = 100_000;
        let maybes = (n..n + absent).filter(|i| f.may_contain(&key(*i))).count();
        // Three layers at about 1% each; the bound leaves room for chance.
        assert!(
            maybes < absent * 4 / 100,
            "{maybes} of {absent} absent keys"
        );
    }

    #[test]
    fn an_incomplete_filter_says_maybe_to_everything() {
        let f = LedgerFilter::default();
        f.add([&key(1)[..]]);
        assert!(f.may_contain(&key(2)));
        f.complete.store(true, Ordering::Release);
        assert!(!f.may_contain(&key(2)));
        assert!(f.may_contain(&key(1)));
    }
}
