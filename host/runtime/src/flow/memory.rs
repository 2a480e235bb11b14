//! An in-memory stream usable as either end of a flow: a source log read by position, and a
//! target that applies writes by key and honours idempotency keys like a platform that supports
//! them natively.
//!
//! It exists for dry runs, benchmarks (`weft bench sync`) and tests of the engine itself; it
//! deliberately has no faults, rate limits or persistence (the testbed and the simulators have
//! those). Its one refusal is a dependency a caller declares with [`MemoryStream::requires`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use foldhash::HashMap;
use weft_engine::{ErrorClass, Failure, Page, WriteItem, Written};
use weft_world::types::Entity;

use super::key::entity_key;

#[derive(Default)]
struct State {
    log: Vec<Entity>,
    current: BTreeMap<String, (Entity, u64)>,
    applied: HashMap<String, Written>,
    writes_received: u64,
    version: u64,
}

/// Says which dependency, if any, a write of this entity still lacks.
pub type Requirement = Arc<dyn Fn(&Entity) -> Option<String> + Send + Sync>;

/// A stream held in memory.
#[derive(Default)]
pub struct MemoryStream {
    state: Mutex<State>,
    requires: Mutex<Option<Requirement>>,
}

/// What a memory target has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryCounts {
    /// Write items received (re-sends included).
    pub received: u64,
    /// Distinct idempotency keys applied.
    pub applied: u64,
    /// Distinct entity keys held.
    pub keys: u64,
}

impl MemoryStream {
    /// An empty stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Refuse writes as `dependency-missing` (naming the dependency) while `requirement` says
    /// one is lacking, as a platform refuses stock for a product it does not have yet.
    pub fn requires(&self, requirement: Requirement) {
        *self.requires.lock().expect("lock") = Some(requirement);
    }

    /// Append records to the source log.
    pub fn append(&self, records: impl IntoIterator<Item = Entity>) {
        self.state.lock().expect("lock").log.extend(records);
    }

    /// Read up to `limit` log records after the position in `cursor`.
    pub fn read_log(&self, cursor: Option<&str>, limit: u32) -> Result<Page, String> {
        let start = match cursor {
            None => 0,
            Some(c) => c
                .parse::<usize>()
                .map_err(|_| format!("cursor {c:?} is not a position in a memory stream"))?,
        };
        let s = self.state.lock().expect("lock");
        let end = (start + limit as usize).min(s.log.len());
        let records = s.log.get(start..end).unwrap_or_default().to_vec();
        Ok(Page {
            next_cursor: (end > start).then(|| end.to_string()),
            has_more: end < s.log.len(),
            records,
        })
    }

    /// Read up to `limit` current records in key order after the key in `cursor`.
    pub fn read_current(&self, cursor: Option<&str>, limit: u32) -> Page {
        let s = self.state.lock().expect("lock");
        let range = match cursor {
            None => s.current.range::<String, _>(..),
            Some(c) => s.current.range::<String, _>((
                std::ops::Bound::Excluded(c.to_string()),
                std::ops::Bound::Unbounded,
            )),
        };
        let records: Vec<(String, Entity)> = range
            .take(limit as usize + 1)
            .map(|(k, (e, _))| (k.clone(), e.clone()))
            .collect();
        let has_more = records.len() > limit as usize;
        let records: Vec<_> = records.into_iter().take(limit as usize).collect();
        Page {
            next_cursor: records.last().map(|(k, _)| k.clone()),
            has_more,
            records: records.into_iter().map(|(_, e)| e).collect(),
        }
    }

    /// Apply a batch: one answer per item; an idempotency key seen before is answered with its
    /// first result and not applied again.
    pub fn write(&self, items: Vec<WriteItem>) -> Vec<Result<Written, Failure>> {
        // Asked before taking the state lock: a requirement may look at another stream.
        let requires = self.requires.lock().expect("lock").clone();
        let missing: Vec<Option<String>> = match &requires {
            Some(r) => items.iter().map(|item| r(&item.entity)).collect(),
            None => vec![None; items.len()],
        };
        let mut s = self.state.lock().expect("lock");
        items
            .into_iter()
            .zip(missing)
            .map(|(item, missing)| {
                s.writes_received += 1;
                if let Some(missing) = missing {
                    return Err(Failure {
                        class: ErrorClass::DependencyMissing,
                        message: format!("{missing} is not here yet"),
                        retry_after_ms: None,
                        http_status: None,
                        detail: None,
                        waiting_for: Some(missing),
                    });
                }
                if let Some(done) = s.applied.get(&item.idempotency_key) {
                    return Ok(done.clone());
                }
                s.version += 1;
                let key = entity_key(&item.entity);
                let written = Written {
                    target_id: key.clone(),
                    target_version: s.version.to_string(),
                };
                let version = s.version;
                s.current.insert(key, (item.entity, version));
                s.applied.insert(item.idempotency_key, written.clone());
                Ok(written)
            })
            .collect()
    }

    /// Current records with these keys.
    pub fn lookup(&self, keys: &[String]) -> Vec<Entity> {
        let s = self.state.lock().expect("lock");
        keys.iter()
            .filter_map(|k| s.current.get(k).map(|(e, _)| e.clone()))
            .collect()
    }

    /// The current record of a key.
    pub fn get(&self, key: &str) -> Option<Entity> {
        self.state
            .lock()
            .expect("lock")
            .current
            .get(key)
            .map(|(e, _)| e.clone())
    }

    /// What the stream has seen as a target.
    pub fn counts(&self) -> MemoryCounts {
        let s = self.state.lock().expect("lock");
        MemoryCounts {
            received: s.writes_received,
            applied: s.applied.len() as u64,
            keys: s.current.len() as u64,
        }
    }
}
