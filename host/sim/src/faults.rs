//! Run-time switchable fault injection, shared by every simulator.
//!
//! A [`Faults`] handle (behind an `Arc`) holds the current [`FaultConfig`]; simulators consult it on
//! every request (`throttle`, `error_5xx`, `latency`) and on the events they own (`drop_webhook`,
//! `duplicate_webhook`, `stale_cas`). Tests flip faults directly through the handle; people and
//! out-of-process harnesses use the HTTP control endpoint from [`control_router`]:
//!
//! - `GET /__sim/faults` returns `{"config": {...}, "stats": {...}}`;
//! - `POST /__sim/faults` with a partial JSON object changes only the named fields
//!   (e.g. `{"throttle_rate": 1.0}` starts a 429 storm, `{"throttle_rate": 0}` ends it);
//! - `DELETE /__sim/faults` switches every fault off.
//!
//! Probabilistic faults draw from a seeded PRNG, so a run with the same seed and the same request
//! order injects the same faults. Counters record what was injected, so a test can assert that
//! faults really happened.
//!
//! Deliberately not here: what a fault looks like on the wire (each simulator renders its own 429 or
//! 5xx body in its platform's shape) and any authentication of the control endpoint (simulators are
//! test tools bound to loopback).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::seed::SeedRng;

/// Path of the control endpoint.
pub const CONTROL_PATH: &str = "/__sim/faults";

/// A rejected fault setting.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FaultError {
    /// A probability outside `0.0..=1.0`.
    #[error("fault `{field}` must be a probability between 0 and 1, got {value}")]
    NotAProbability {
        /// The field name.
        field: &'static str,
        /// The rejected value.
        value: f64,
    },
}

/// The complete fault settings. All off by default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Probability that an API request is answered with a platform-shaped 429 regardless of the
    /// real rate limiter (1.0 = a 429 storm).
    pub throttle_rate: f64,
    /// `Retry-After` seconds announced on injected 429s.
    pub throttle_retry_after_secs: u64,
    /// Probability that an API request fails with a 5xx.
    pub error_5xx_rate: f64,
    /// Added latency per API request, in real milliseconds.
    pub latency_ms: u64,
    /// Probability that an outgoing webhook delivery is silently dropped.
    pub drop_webhook_rate: f64,
    /// Probability that an outgoing webhook is delivered twice.
    pub duplicate_webhook_rate: f64,
    /// Probability that a compare-and-set write is judged stale even when it is not.
    pub stale_cas_rate: f64,
}

/// A partial update of [`FaultConfig`]: only `Some` fields change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultPatch {
    /// See [`FaultConfig::throttle_rate`].
    pub throttle_rate: Option<f64>,
    /// See [`FaultConfig::throttle_retry_after_secs`].
    pub throttle_retry_after_secs: Option<u64>,
    /// See [`FaultConfig::error_5xx_rate`].
    pub error_5xx_rate: Option<f64>,
    /// See [`FaultConfig::latency_ms`].
    pub latency_ms: Option<u64>,
    /// See [`FaultConfig::drop_webhook_rate`].
    pub drop_webhook_rate: Option<f64>,
    /// See [`FaultConfig::duplicate_webhook_rate`].
    pub duplicate_webhook_rate: Option<f64>,
    /// See [`FaultConfig::stale_cas_rate`].
    pub stale_cas_rate: Option<f64>,
}

/// How many faults of each kind were injected so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultStats {
    /// Injected 429s.
    pub throttled: u64,
    /// Injected 5xx responses.
    pub errors_5xx: u64,
    /// Requests that were delayed.
    pub delayed: u64,
    /// Webhooks dropped.
    pub webhooks_dropped: u64,
    /// Webhooks duplicated.
    pub webhooks_duplicated: u64,
    /// Compare-and-set writes judged stale by injection.
    pub stale_cas: u64,
}

#[derive(Debug, Default)]
struct Counters {
    throttled: AtomicU64,
    errors_5xx: AtomicU64,
    delayed: AtomicU64,
    webhooks_dropped: AtomicU64,
    webhooks_duplicated: AtomicU64,
    stale_cas: AtomicU64,
}

/// The shared, run-time switchable fault settings of one simulator.
#[derive(Debug)]
pub struct Faults {
    config: RwLock<FaultConfig>,
    rng: Mutex<SeedRng>,
    counters: Counters,
}

impl FaultConfig {
    fn validate(&self) -> Result<(), FaultError> {
        for (field, value) in [
            ("throttle_rate", self.throttle_rate),
            ("error_5xx_rate", self.error_5xx_rate),
            ("drop_webhook_rate", self.drop_webhook_rate),
            ("duplicate_webhook_rate", self.duplicate_webhook_rate),
            ("stale_cas_rate", self.stale_cas_rate),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(FaultError::NotAProbability { field, value });
            }
        }
        Ok(())
    }
}

impl Faults {
    /// All faults off; probabilistic draws seeded with `seed`.
    pub fn new(seed: u64) -> Arc<Self> {
        Arc::new(Self {
            config: RwLock::new(FaultConfig::default()),
            rng: Mutex::new(SeedRng::new(seed ^ 0xFA17_FA17)),
            counters: Counters::default(),
        })
    }

    /// The current settings.
    pub fn config(&self) -> FaultConfig {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replace all settings.
    pub fn set(&self, config: FaultConfig) -> Result<(), FaultError> {
        config.validate()?;
        *self.config.write().unwrap_or_else(|e| e.into_inner()) = config;
        Ok(())
    }

    /// Change only the fields present in `patch`; returns the new settings.
    pub fn patch(&self, patch: &FaultPatch) -> Result<FaultConfig, FaultError> {
        let mut next = self.config();
        macro_rules! apply {
            ($($f:ident),*) => { $( if let Some(v) = patch.$f { next.$f = v; } )* };
        }
        apply!(
            throttle_rate,
            throttle_retry_after_secs,
            error_5xx_rate,
            latency_ms,
            drop_webhook_rate,
            duplicate_webhook_rate,
            stale_cas_rate
        );
        self.set(next.clone())?;
        Ok(next)
    }

    /// Switch every fault off.
    pub fn clear(&self) {
        *self.config.write().unwrap_or_else(|e| e.into_inner()) = FaultConfig::default();
    }

    /// Start (`true`) or end (`false`) a 429 storm.
    pub fn storm(&self, on: bool) {
        let mut c = self.config.write().unwrap_or_else(|e| e.into_inner());
        c.throttle_rate = if on { 1.0 } else { 0.0 };
    }

    /// What was injected so far.
    pub fn stats(&self) -> FaultStats {
        let c = &self.counters;
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        FaultStats {
            throttled: l(&c.throttled),
            errors_5xx: l(&c.errors_5xx),
            delayed: l(&c.delayed),
            webhooks_dropped: l(&c.webhooks_dropped),
            webhooks_duplicated: l(&c.webhooks_duplicated),
            stale_cas: l(&c.stale_cas),
        }
    }

    fn roll(&self, p: f64, counter: &AtomicU64) -> bool {
        if p <= 0.0 {
            return false;
        }
        let hit = self.rng.lock().unwrap_or_else(|e| e.into_inner()).chance(p);
        if hit {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        hit
    }

    /// Should this request get an injected 429? Returns the `Retry-After` seconds if so.
    pub fn throttle(&self) -> Option<u64> {
        let c = self.config();
        self.roll(c.throttle_rate, &self.counters.throttled)
            .then_some(c.throttle_retry_after_secs.max(1))
    }

    /// Should this request fail with a 5xx?
    pub fn error_5xx(&self) -> bool {
        self.roll(self.config().error_5xx_rate, &self.counters.errors_5xx)
    }

    /// Latency to add to this request (zero when off).
    pub fn latency(&self) -> Duration {
        let ms = self.config().latency_ms;
        if ms > 0 {
            self.counters.delayed.fetch_add(1, Ordering::Relaxed);
        }
        Duration::from_millis(ms)
    }

    /// Should this webhook delivery be dropped?
    pub fn drop_webhook(&self) -> bool {
        let p = self.config().drop_webhook_rate;
        self.roll(p, &self.counters.webhooks_dropped)
    }

    /// Should this webhook be delivered twice?
    pub fn duplicate_webhook(&self) -> bool {
        let p = self.config().duplicate_webhook_rate;
        self.roll(p, &self.counters.webhooks_duplicated)
    }

    /// Should this compare-and-set be judged stale?
    pub fn stale_cas(&self) -> bool {
        self.roll(self.config().stale_cas_rate, &self.counters.stale_cas)
    }
}

#[derive(Serialize)]
struct Snapshot {
    config: FaultConfig,
    stats: FaultStats,
}

fn snapshot(f: &Faults) -> Json<Snapshot> {
    Json(Snapshot {
        config: f.config(),
        stats: f.stats(),
    })
}

async fn get_faults(State(f): State<Arc<Faults>>) -> Json<Snapshot> {
    snapshot(&f)
}

async fn post_faults(State(f): State<Arc<Faults>>, Json(p): Json<FaultPatch>) -> Response {
    match f.patch(&p) {
        Ok(_) => snapshot(&f).into_response(),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}

async fn delete_faults(State(f): State<Arc<Faults>>) -> Json<Snapshot> {
    f.clear();
    snapshot(&f)
}

/// The `/__sim/faults` control routes, ready to `merge` into a simulator's router of any state
/// type (the routes carry their own state).
pub fn control_router<S: Clone + Send + Sync + 'static>(faults: Arc<Faults>) -> Router<S> {
    Router::new()
        .route(
            CONTROL_PATH,
            get(get_faults).post(post_faults).delete(delete_faults),
        )
        .with_state(faults)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_changes_only_named_fields_and_validates() {
        let f = Faults::new(1);
        f.patch(&FaultPatch {
            latency_ms: Some(5),
            ..Default::default()
        })
        .unwrap();
        let err = f.patch(&FaultPatch {
            error_5xx_rate: Some(1.5),
            ..Default::default()
        });
        assert!(matches!(err, Err(FaultError::NotAProbability { .. })));
        assert_eq!(f.config().latency_ms, 5);
        assert_eq!(f.config().error_5xx_rate, 0.0);
    }

    #[test]
    fn storm_throttles_every_request_and_counts() {
        let f = Faults::new(1);
        assert_eq!(f.throttle(), None);
        f.storm(true);
        assert!((0..10).all(|_| f.throttle().is_some()));
        f.storm(false);
        assert_eq!(f.throttle(), None);
        assert_eq!(f.stats().throttled, 10);
    }
}
