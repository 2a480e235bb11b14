//! Injected time and identifiers.
//!
//! Every timestamp and generated id in this crate comes through [`Clock`] and [`IdSource`], so a
//! test (or a deterministic simulation) controls them completely. This module does not read the
//! system clock or any random source; the runtime supplies implementations that do.

use std::sync::atomic::{AtomicU64, Ordering};

/// A source of the current time, in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync {
    /// The current time in milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
}

/// A source of unique ids for parked and waiting records.
pub trait IdSource: Send + Sync {
    /// A new id, never returned before by this source.
    fn next_id(&self) -> String;
}

/// A clock that only moves when told to; for tests and simulations.
#[derive(Debug, Default)]
pub struct ManualClock {
    now: AtomicU64,
}

impl ManualClock {
    /// A clock showing `start_ms`.
    pub fn new(start_ms: u64) -> Self {
        Self {
            now: AtomicU64::new(start_ms),
        }
    }

    /// Move the clock forward by `ms`.
    pub fn advance(&self, ms: u64) {
        self.now.fetch_add(ms, Ordering::SeqCst);
    }

    /// Set the clock to `ms` (it may go backwards; tests of clock skew need that).
    pub fn set(&self, ms: u64) {
        self.now.store(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }
}

/// Ids `"{prefix}-{n:012}"` from a counter; zero-padded so they sort in creation order.
#[derive(Debug)]
pub struct CounterIds {
    prefix: String,
    next: AtomicU64,
}

impl CounterIds {
    /// A counter starting at 1 with the given prefix.
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            next: AtomicU64::new(1),
        }
    }
}

impl IdSource for CounterIds {
    fn next_id(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        format!("{}-{n:012}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(10);
        assert_eq!(c.now_ms(), 10);
        c.advance(5);
        assert_eq!(c.now_ms(), 15);
        c.set(3);
        assert_eq!(c.now_ms(), 3);
    }

    #[test]
    fn counter_ids_are_unique_and_sort_in_order() {
        let ids = CounterIds::new("p");
        let a = ids.next_id();
        let b = ids.next_id();
        assert_eq!(a, "p-000000000001");
        assert!(a < b);
    }
}
