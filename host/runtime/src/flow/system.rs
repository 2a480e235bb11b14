//! The production clock and id source for the sync engine: the wall clock, and ids that sort in
//! creation order and stay unique across restarts (the process start time prefixes a counter).

use std::sync::atomic::{AtomicU64, Ordering};

use weft_sync::{Clock, IdSource};

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }
}

/// Ids `"{start_ms:013}-{n:09}"`: unique across restarts as long as two processes sharing a
/// store do not start in the same millisecond (the store's lock forbids sharing anyway).
#[derive(Debug)]
pub struct SystemIds {
    start_ms: u64,
    next: AtomicU64,
}

impl Default for SystemIds {
    fn default() -> Self {
        SystemIds {
            start_ms: SystemClock.now_ms(),
            next: AtomicU64::new(1),
        }
    }
}

impl IdSource for SystemIds {
    fn next_id(&self) -> String {
        format!(
            "{:013}-{:09}",
            self.start_ms,
            self.next.fetch_add(1, Ordering::Relaxed)
        )
    }
}
