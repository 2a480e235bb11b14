//! The testbed's fault switches ([`Faults`]), the partial update the control endpoint accepts
//! ([`FaultUpdate`]) and the counters of faults actually injected ([`Injected`]).
//!
//! Counted faults (`throttle_requests`, `fail_requests`, `delay_requests`, `conflict_once`) are
//! used up as they fire; the others stay on until cleared. Deliberately not here: how a fault
//! looks on the wire (the server renders statuses and bodies) or which request it hits (the
//! source and target decide).

use std::collections::BTreeSet;

use serde::{Deserialize, Deserializer, Serialize};

/// The current fault settings. All off by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Faults {
    /// The next this-many `POST /target/write` requests are answered 429 with `Retry-After`.
    pub throttle_requests: u32,
    /// Seconds announced in `Retry-After` (and the body) of those 429s.
    pub retry_after_secs: u64,
    /// The next this-many `POST /target/write` requests are answered 503 (nothing applied).
    pub fail_requests: u32,
    /// Data requests (source and target, not `/__control`) are answered this many ms late; a
    /// write is applied before the wait, so a client that times out has still changed the target.
    pub delay_ms: u64,
    /// Only the next this-many data requests are delayed; `None` delays every one until cleared.
    pub delay_requests: Option<u32>,
    /// Writes of keys starting with this fail with 422 naming the key, until cleared.
    pub permanent_prefix: Option<String>,
    /// Writes of keys starting with this fail with 424 and `waiting_for`, until released.
    pub dependency_prefix: Option<String>,
    /// The next write of each of these keys meets a concurrent edit: 409, version bumped.
    pub conflict_once: BTreeSet<String>,
    /// Every source page is served twice (the repeat ignores the cursor asked for).
    pub duplicate_pages: bool,
    /// Every source page after the first starts one record earlier (needs `limit` >= 2).
    pub overlap_pages: bool,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            throttle_requests: 0,
            retry_after_secs: 1,
            fail_requests: 0,
            delay_ms: 0,
            delay_requests: None,
            permanent_prefix: None,
            dependency_prefix: None,
            conflict_once: BTreeSet::new(),
            duplicate_pages: false,
            overlap_pages: false,
        }
    }
}

/// A partial change, the body of `POST /__control/faults`: fields left out stay as they are;
/// `null` clears `delay_requests`, `permanent_prefix` and `dependency_prefix`; `conflict_once`
/// adds keys.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultUpdate {
    /// See [`Faults::throttle_requests`].
    pub throttle_requests: Option<u32>,
    /// See [`Faults::retry_after_secs`].
    pub retry_after_secs: Option<u64>,
    /// See [`Faults::fail_requests`].
    pub fail_requests: Option<u32>,
    /// See [`Faults::delay_ms`].
    pub delay_ms: Option<u64>,
    /// See [`Faults::delay_requests`].
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub delay_requests: Option<Option<u32>>,
    /// See [`Faults::permanent_prefix`].
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub permanent_prefix: Option<Option<String>>,
    /// See [`Faults::dependency_prefix`].
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub dependency_prefix: Option<Option<String>>,
    /// Keys added to [`Faults::conflict_once`].
    pub conflict_once: Option<Vec<String>>,
    /// See [`Faults::duplicate_pages`].
    pub duplicate_pages: Option<bool>,
    /// See [`Faults::overlap_pages`].
    pub overlap_pages: Option<bool>,
}

/// A field that is present (possibly `null`) deserializes to `Some(..)`; absent ones default.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

impl Faults {
    /// Apply a partial change.
    pub fn apply(&mut self, update: FaultUpdate) {
        let FaultUpdate {
            throttle_requests,
            retry_after_secs,
            fail_requests,
            delay_ms,
            delay_requests,
            permanent_prefix,
            dependency_prefix,
            conflict_once,
            duplicate_pages,
            overlap_pages,
        } = update;
        set(&mut self.throttle_requests, throttle_requests);
        set(&mut self.retry_after_secs, retry_after_secs);
        set(&mut self.fail_requests, fail_requests);
        set(&mut self.delay_ms, delay_ms);
        set(&mut self.delay_requests, delay_requests);
        set(&mut self.permanent_prefix, permanent_prefix);
        set(&mut self.dependency_prefix, dependency_prefix);
        self.conflict_once.extend(conflict_once.unwrap_or_default());
        set(&mut self.duplicate_pages, duplicate_pages);
        set(&mut self.overlap_pages, overlap_pages);
    }

    /// Whether this data request is delayed, and by how much; uses up one counted delay.
    pub fn take_delay(&mut self, injected: &mut Injected) -> Option<u64> {
        if self.delay_ms == 0 {
            return None;
        }
        match &mut self.delay_requests {
            Some(0) => return None,
            Some(n) => *n -= 1,
            None => {}
        }
        injected.delayed += 1;
        Some(self.delay_ms)
    }
}

fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *field = value;
    }
}

/// Faults actually injected, by kind (part of the report).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Injected {
    /// Write requests answered 429.
    pub throttled: u64,
    /// Write requests answered 503.
    pub failed: u64,
    /// Data requests answered late.
    pub delayed: u64,
    /// Items refused with 422.
    pub permanent: u64,
    /// Items refused with 409 (forced conflicts and stale `expected_version`s).
    pub conflicts: u64,
    /// Items refused with 424.
    pub dependency_missing: u64,
    /// Source pages served a second time.
    pub duplicate_pages: u64,
    /// Source pages that started one record early.
    pub overlap_pages: u64,
}
