//! Quarantine: a deployment whose current plugin version keeps trapping is taken out of service
//! until an operator acts, instead of trapping on every record of every run.
//!
//! Each deployment counts the consecutive calls of its current version that ended in a trap,
//! a panic or a limit (fuel, memory, deadline). A successful call resets the count. When the
//! count reaches the deployment's `quarantine-after` (default [`DEFAULT_QUARANTINE_AFTER`]; 0
//! never quarantines), later calls are refused at once with [`Quarantined`] and nothing runs: a
//! flow run then fails without settling its page, so its records stay unread at the source
//! rather than parked by the thousand. Deploying another version (push or rollback) or an
//! explicit release lifts it.
//!
//! Deliberately not here: alerts and the admin routes (they read [`Quarantines::list`]), and
//! persistence: a restart starts with no quarantine, and a version that still traps earns it
//! again after the same number of calls.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;
use weft_engine::{DeploymentKey, PluginError, PluginId};

/// Consecutive failed calls after which a deployment is quarantined, unless its spec says.
pub const DEFAULT_QUARANTINE_AFTER: u32 = 5;

/// A deployment out of service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quarantined {
    /// The deployment.
    pub key: DeploymentKey,
    /// The version that kept failing.
    pub plugin: PluginId,
    /// Consecutive failed calls that led here.
    pub failures: u32,
    /// The last failure, as the engine reported it.
    pub last_error: String,
    /// When it was quarantined, ms since the epoch.
    pub since_ms: u64,
}

impl std::fmt::Display for Quarantined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "deployment {} is quarantined: plugin {} failed {} calls in a row (last: {}); push a fixed version, roll back, or release it",
            self.key, self.plugin, self.failures, self.last_error
        )
    }
}

#[derive(Default)]
struct Streak {
    plugin: Option<PluginId>,
    failures: u32,
}

/// Failure streaks and quarantines of every deployment.
#[derive(Default)]
pub(crate) struct Quarantines {
    streaks: Mutex<HashMap<DeploymentKey, Streak>>,
    out: Mutex<HashMap<DeploymentKey, Quarantined>>,
}

/// Whether a failure says the plugin misbehaves (rather than the host or the input refusing).
pub(crate) fn counts(error: &PluginError) -> bool {
    matches!(
        error.kind(),
        "trap" | "panic" | "fuel" | "memory" | "deadline"
    )
}

impl Quarantines {
    /// The quarantine of `key`, if it is out of service.
    pub fn get(&self, key: &DeploymentKey) -> Option<Quarantined> {
        self.out.lock().expect("quarantine lock").get(key).cloned()
    }

    /// Every quarantined deployment, by key.
    pub fn list(&self) -> Vec<Quarantined> {
        let mut all: Vec<Quarantined> = self
            .out
            .lock()
            .expect("quarantine lock")
            .values()
            .cloned()
            .collect();
        all.sort_by_key(|q| q.key.to_string());
        all
    }

    /// Count the outcome of one call of `plugin` in `key`. Returns the new quarantine when this
    /// failure is the one that crossed `limit`.
    pub fn record(
        &self,
        key: &DeploymentKey,
        plugin: &PluginId,
        failure: Option<&PluginError>,
        limit: u32,
        now_ms: u64,
    ) -> Option<Quarantined> {
        let mut streaks = self.streaks.lock().expect("quarantine lock");
        let streak = streaks.entry(key.clone()).or_default();
        if streak.plugin.as_ref() != Some(plugin) {
            *streak = Streak {
                plugin: Some(plugin.clone()),
                failures: 0,
            };
        }
        let Some(error) = failure.filter(|e| counts(e)) else {
            streak.failures = 0;
            return None;
        };
        streak.failures += 1;
        if limit == 0 || streak.failures < limit {
            return None;
        }
        let q = Quarantined {
            key: key.clone(),
            plugin: plugin.clone(),
            failures: streak.failures,
            last_error: error.to_string(),
            since_ms: now_ms,
        };
        streak.failures = 0;
        drop(streaks);
        let mut out = self.out.lock().expect("quarantine lock");
        if out.contains_key(key) {
            return None;
        }
        out.insert(key.clone(), q.clone());
        Some(q)
    }

    /// Put `key` back in service (a new version, a rollback, or an operator's release).
    /// Returns the quarantine lifted, if there was one.
    pub fn release(&self, key: &DeploymentKey) -> Option<Quarantined> {
        self.streaks.lock().expect("quarantine lock").remove(key);
        self.out.lock().expect("quarantine lock").remove(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trap() -> PluginError {
        PluginError::Trapped {
            plugin: PluginId::new("p", "1"),
            call: "transform".into(),
            detail: "unreachable".into(),
        }
    }

    #[test]
    fn consecutive_traps_quarantine_and_a_success_resets_the_streak() {
        let q = Quarantines::default();
        let key = DeploymentKey::new("acme", "map");
        let v1 = PluginId::new("map", "1");
        for _ in 0..2 {
            assert!(q.record(&key, &v1, Some(&trap()), 3, 0).is_none());
        }
        assert!(
            q.record(&key, &v1, None, 3, 0).is_none(),
            "a success resets"
        );
        assert!(q.record(&key, &v1, Some(&trap()), 3, 0).is_none());
        assert!(q.record(&key, &v1, Some(&trap()), 3, 0).is_none());
        let out = q
            .record(&key, &v1, Some(&trap()), 3, 7)
            .expect("third in a row");
        assert_eq!((out.failures, out.since_ms), (3, 7));
        assert_eq!(q.list().len(), 1);
        assert!(q.get(&key).unwrap().to_string().contains("roll back"));
        assert_eq!(q.release(&key).map(|o| o.plugin), Some(v1));
        assert!(q.get(&key).is_none());
    }

    #[test]
    fn a_new_version_starts_a_new_streak_and_zero_never_quarantines() {
        let q = Quarantines::default();
        let key = DeploymentKey::new("acme", "map");
        let (v1, v2) = (PluginId::new("map", "1"), PluginId::new("map", "2"));
        q.record(&key, &v1, Some(&trap()), 2, 0);
        assert!(q.record(&key, &v2, Some(&trap()), 2, 0).is_none());
        for _ in 0..10 {
            assert!(q.record(&key, &v2, Some(&trap()), 0, 0).is_none());
        }
    }
}
