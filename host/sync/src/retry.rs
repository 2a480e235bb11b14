//! Retry policy by error class.
//!
//! Given one failed attempt, [`RetryPolicy::decide`] says what happens next: retry at a time,
//! re-read the target (conflict), wait for a dependency, or park. Every path is capped, so a
//! poison record ends in the parked queue instead of being retried forever. The policy is a pure
//! function: the caller passes the current time and a jitter value (from an injected random
//! source, or [`keyed_jitter`] for a deterministic one). Scheduling the retry is not done here.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// How a target (or a plugin) classed a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorClass {
    /// Might succeed if tried again (5xx, timeouts).
    Transient,
    /// The target asked us to slow down (429, bucket full).
    RateLimited,
    /// A compare-and-set failed: the target changed since we read it.
    Conflict,
    /// Something the record references does not exist on the target yet.
    DependencyMissing,
    /// Will never succeed as is (validation error, 4xx, transform failure).
    Permanent,
}

impl ErrorClass {
    /// All classes, in declaration order.
    pub const ALL: [ErrorClass; 5] = [
        ErrorClass::Transient,
        ErrorClass::RateLimited,
        ErrorClass::Conflict,
        ErrorClass::DependencyMissing,
        ErrorClass::Permanent,
    ];

    /// The kebab-case name, as used in the CLI and in stored records.
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::Transient => "transient",
            ErrorClass::RateLimited => "rate-limited",
            ErrorClass::Conflict => "conflict",
            ErrorClass::DependencyMissing => "dependency-missing",
            ErrorClass::Permanent => "permanent",
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An error class name that is not one of the five.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown error class `{0}`: use transient, rate-limited, conflict, dependency-missing or permanent"
)]
pub struct UnknownErrorClass(pub String);

impl FromStr for ErrorClass {
    type Err = UnknownErrorClass;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorClass::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| UnknownErrorClass(s.to_string()))
    }
}

/// One failed attempt, as the policy sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure<'a> {
    /// The failure's class.
    pub class: ErrorClass,
    /// How many attempts have been made so far, this one included (1 after the first failure).
    pub attempt: u32,
    /// How many of them conflicted, this one included when it did. The conflict cap counts
    /// these only, so a record throttled through a 429 storm still gets its re-reads.
    pub conflicts: u32,
    /// How many of them were rate-limited, this one included when it was. These do not count
    /// towards `max_attempts`: throttling is the target pacing us, bounded by time instead.
    pub throttled: u32,
    /// The target's Retry-After (or bucket refill time), in milliseconds from now.
    pub retry_after_ms: Option<u64>,
    /// The current time.
    pub now_ms: u64,
    /// When this record first failed (starts the dependency timeout).
    pub first_failed_ms: u64,
    /// The missing dependency's key, for [`ErrorClass::DependencyMissing`].
    pub dependency: Option<&'a str>,
    /// A uniformly distributed value for full jitter.
    pub jitter: u64,
}

/// Why a record was parked; kept with the parked record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParkReason {
    /// A permanent error: parked at once.
    Permanent,
    /// Retries (or conflict re-reads) used up.
    AttemptsExhausted,
    /// A dependency did not land before the wait timed out.
    DependencyTimeout,
    /// A dependency-missing error that did not name the dependency, so nothing can wake it.
    DependencyUnknown,
}

/// What to do after a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Send again, not before this time (ms since the epoch).
    RetryAt(u64),
    /// Re-read the target and re-apply now.
    Reread,
    /// Wait until `dependency` lands, or park at `until_ms`.
    WaitFor {
        /// The dependency's key.
        dependency: String,
        /// When the wait times out and the record parks.
        until_ms: u64,
    },
    /// Stop trying; put the record in the parked queue.
    Park(ParkReason),
}

/// The retry policy of a flow. Every field is a cap; [`Default`] gives production values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct RetryPolicy {
    /// Backoff before the second attempt, before jitter.
    pub base_delay_ms: u64,
    /// Backoff growth per attempt.
    pub factor: f64,
    /// The largest backoff chosen by the policy itself.
    pub max_delay_ms: u64,
    /// The largest Retry-After honoured; a larger one is clamped so a hostile or broken header
    /// cannot stall a record indefinitely.
    pub max_retry_after_ms: u64,
    /// A record throttled again and again waits at most this many times what the target asked
    /// (its Retry-After or bucket refill time). The target's own wait is the measure of when
    /// the budget is back; growing far past it leaves a record idle long after the bucket
    /// refilled (a flow sharing the bucket with a busier one would sit out minutes).
    pub max_throttle_growth: f64,
    /// Attempts (first one included) before a record that keeps failing transiently parks
    /// (conflicting and rate-limited attempts do not count).
    pub max_attempts: u32,
    /// How long a record keeps honouring rate limits, from its first failure, before it parks.
    /// A 429 storm longer than this parks the record (visible, replayable), never loses it.
    pub rate_limited_timeout_ms: u64,
    /// Conflicting attempts before a record that keeps conflicting parks (other failures of the
    /// same record do not count).
    pub max_conflict_attempts: u32,
    /// How long a record waits for a dependency, from its first failure, before it parks.
    pub dependency_timeout_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base_delay_ms: 500,
            factor: 2.0,
            max_delay_ms: 5 * 60 * 1000,
            max_retry_after_ms: 60 * 60 * 1000,
            max_throttle_growth: 4.0,
            max_attempts: 8,
            rate_limited_timeout_ms: 60 * 60 * 1000,
            max_conflict_attempts: 5,
            dependency_timeout_ms: 24 * 60 * 60 * 1000,
        }
    }
}

impl RetryPolicy {
    /// Settings this policy cannot work with, as (field, what is wrong and what is allowed);
    /// empty when it is usable. A growth below 1 would shrink waits the target asked for.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        [
            ("factor", self.factor),
            ("max-throttle-growth", self.max_throttle_growth),
        ]
        .into_iter()
        .filter(|(_, value)| !(value.is_finite() && *value >= 1.0))
        .map(|(field, value)| {
            (
                field,
                format!("must be a number of at least 1 (1: no growth), not {value}"),
            )
        })
        .collect()
    }

    /// Decide what follows `failure`.
    pub fn decide(&self, failure: &Failure<'_>) -> Decision {
        match failure.class {
            ErrorClass::Permanent => Decision::Park(ParkReason::Permanent),
            ErrorClass::Transient | ErrorClass::RateLimited => {
                // Transient attempts only: throttles and conflicts neither use up attempts nor
                // lengthen a transient failure's backoff.
                let transient = failure
                    .attempt
                    .saturating_sub(failure.conflicts)
                    .saturating_sub(failure.throttled);
                let exhausted = if failure.class == ErrorClass::RateLimited {
                    failure.now_ms.saturating_sub(failure.first_failed_ms)
                        >= self.rate_limited_timeout_ms
                } else {
                    transient >= self.max_attempts
                };
                if exhausted {
                    return Decision::Park(ParkReason::AttemptsExhausted);
                }
                let floor = failure
                    .retry_after_ms
                    .unwrap_or(0)
                    .min(self.max_retry_after_ms);
                // Rate-limited with a Retry-After: the first time, wait exactly that; throttled
                // again and again (someone else spends the bucket first), the wait grows by
                // `factor` per throttle, up to `max_throttle_growth` times the target's wait (and
                // `max_delay_ms`), so a starved record neither spins nor sleeps long after the
                // bucket refilled. No jitter: the records throttled together go again together,
                // as one batch, instead of trickling out in small batches that each pay a
                // request's overhead.
                if let (ErrorClass::RateLimited, Some(_)) = (failure.class, failure.retry_after_ms)
                {
                    let ceiling = (floor.max(1) as f64 * self.max_throttle_growth.max(1.0))
                        .min(self.max_delay_ms as f64) as u64;
                    let wait = self
                        .grown_ms(floor.max(1), failure.throttled)
                        .min(ceiling)
                        .max(floor);
                    return Decision::RetryAt(failure.now_ms.saturating_add(wait));
                }
                // Without one, back off on the throttles (or, transient, on the transient
                // attempts: a record throttled ten times whose next send meets one 5xx backs off
                // as a first failure, not as an eleventh).
                let tries = match failure.class {
                    ErrorClass::RateLimited => failure.throttled,
                    _ => transient.max(1),
                };
                let delay = self.backoff_ms(tries, failure.jitter);
                Decision::RetryAt(failure.now_ms.saturating_add(delay.max(floor)))
            }
            ErrorClass::Conflict => {
                if failure.conflicts >= self.max_conflict_attempts {
                    Decision::Park(ParkReason::AttemptsExhausted)
                } else {
                    Decision::Reread
                }
            }
            ErrorClass::DependencyMissing => {
                let Some(dependency) = failure.dependency else {
                    return Decision::Park(ParkReason::DependencyUnknown);
                };
                let until_ms = failure
                    .first_failed_ms
                    .saturating_add(self.dependency_timeout_ms);
                if failure.now_ms >= until_ms {
                    Decision::Park(ParkReason::DependencyTimeout)
                } else {
                    Decision::WaitFor {
                        dependency: dependency.to_string(),
                        until_ms,
                    }
                }
            }
        }
    }

    /// Full-jitter backoff after `attempt` failed attempts: uniform in `0..=cap`, where
    /// `cap = min(max_delay, base * factor^(attempt-1))`.
    pub fn backoff_ms(&self, attempt: u32, jitter: u64) -> u64 {
        jitter % self.grown_ms(self.base_delay_ms, attempt).saturating_add(1)
    }

    /// `start` grown by `factor` for each of `times` after the first, at most `max_delay_ms`.
    fn grown_ms(&self, start: u64, times: u32) -> u64 {
        let exp = times.saturating_sub(1).min(63) as i32;
        let raw = start as f64 * self.factor.max(1.0).powi(exp);
        if raw.is_finite() && raw < self.max_delay_ms as f64 {
            raw as u64
        } else {
            self.max_delay_ms
        }
    }
}

/// A deterministic jitter value for `(idempotency key, attempt)`: different records spread out,
/// and a replayed run makes the same choices.
pub fn keyed_jitter(idempotency_key: &str, attempt: u32) -> u64 {
    let mut h = Sha256::new();
    h.update(idempotency_key.as_bytes());
    h.update(attempt.to_be_bytes());
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_be_bytes(b)
}

#[cfg(test)]
mod tests;
