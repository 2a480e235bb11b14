//! The testbed's target side: records by key with a version, an idempotency table that answers
//! re-sent keys with their original result (like Shopify's `@idempotent`), compare-and-set on
//! `expected_version`, the write faults, and the counters the report is made of.
//!
//! Per item, in order: a known idempotency key is answered from the table (deduplicated, no
//! fault applies); a key without `@` or matching the permanent prefix is refused with 422; one
//! matching the dependency prefix with 424 (`waiting_for` = `sku:<sku>`); a key in
//! `conflict_once` meets a concurrent edit (its version moves) and gets 409; a stale
//! `expected_version` gets 409; otherwise the write is journaled, applied and remembered. Failed
//! items are not remembered, so re-sending the same key after fixing the cause applies it.
//!
//! Deliberately not here: HTTP (see `server`) and deletes (the test connectors only upsert).

use std::collections::{BTreeMap, HashMap};
use std::io;

use serde::{Deserialize, Serialize};

use super::faults::{Faults, Injected};
use super::journal::{Effect, Journal};
use super::wire::{ItemError, ItemResult, WriteItem, Written};

/// What a whole write request got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    /// 429: throttled, retry after this many seconds; nothing applied.
    Throttled(u64),
    /// 503: nothing applied.
    Unavailable,
    /// 200 with one result per item.
    Results(Vec<ItemResult>),
}

/// A record as the target holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRecord {
    /// `{sku}@{location}`.
    pub key: String,
    /// Stock keeping unit.
    pub sku: String,
    /// Location id.
    pub location: String,
    /// Available quantity.
    pub available: i64,
    /// The source version last written.
    pub source_version: String,
    /// Id at the target.
    pub target_id: String,
    /// Version at the target (decimal; moves on every change).
    pub target_version: String,
}

/// The target's state.
#[derive(Debug, Default)]
pub struct Target {
    pub(crate) records: BTreeMap<String, TargetRecord>,
    idempotency: HashMap<String, Written>,
    pub(crate) applied: HashMap<String, u32>,
    pub(crate) requests: u64,
    pub(crate) received: u64,
    pub(crate) deduplicated: u64,
    last_version: u64,
    journal: Option<Journal>,
}

fn refuse(status: u16, message: String, waiting_for: Option<String>) -> ItemResult {
    ItemResult::Error(ItemError {
        status,
        message,
        retry_after_ms: None,
        waiting_for,
    })
}

impl Target {
    /// A target that journals to `journal`, rebuilt from the effects already in it.
    pub fn replayed(journal: Journal, effects: Vec<Effect>) -> Target {
        let mut target = Target::default();
        for effect in effects {
            target.remember(&effect);
        }
        target.journal = Some(journal);
        target
    }

    /// Handle one `POST /target/write`.
    pub fn write(
        &mut self,
        items: Vec<WriteItem>,
        faults: &mut Faults,
        injected: &mut Injected,
    ) -> WriteOutcome {
        self.requests += 1;
        self.received += items.len() as u64;
        for item in &items {
            self.applied
                .entry(item.idempotency_key.clone())
                .or_insert(0);
        }
        if faults.throttle_requests > 0 {
            faults.throttle_requests -= 1;
            injected.throttled += 1;
            return WriteOutcome::Throttled(faults.retry_after_secs);
        }
        if faults.fail_requests > 0 {
            faults.fail_requests -= 1;
            injected.failed += 1;
            return WriteOutcome::Unavailable;
        }
        let results = items
            .into_iter()
            .map(|item| self.write_one(item, faults, injected))
            .collect();
        WriteOutcome::Results(results)
    }

    fn write_one(
        &mut self,
        item: WriteItem,
        faults: &mut Faults,
        inj: &mut Injected,
    ) -> ItemResult {
        if let Some(done) = self.idempotency.get(&item.idempotency_key) {
            self.deduplicated += 1;
            return ItemResult::Ok(done.clone());
        }
        let key = item.key.as_str();
        let Some((sku, location)) = key.split_once('@') else {
            return refuse(422, format!("{key}: key must be sku@location"), None);
        };
        let matches = |p: &Option<String>| p.as_deref().is_some_and(|p| key.starts_with(p));
        if matches(&faults.permanent_prefix) {
            inj.permanent += 1;
            let why = format!("{key}: rejected permanently (invalid record for the testbed)");
            return refuse(422, why, None);
        }
        if matches(&faults.dependency_prefix) {
            inj.dependency_missing += 1;
            let why = format!("{key}: sku {sku} does not exist on the target yet");
            return refuse(424, why, Some(format!("sku:{sku}")));
        }
        let current = self.records.get(key).map(|r| r.target_version.clone());
        if faults.conflict_once.remove(key) {
            inj.conflicts += 1;
            let now = match current {
                Some(_) => {
                    let target_version = (self.last_version + 1).to_string();
                    let edit = Effect::ExternalEdit {
                        key: key.to_string(),
                        target_version: target_version.clone(),
                    };
                    if let Err(e) = self.commit(&edit) {
                        return journal_failed(key, e);
                    }
                    target_version
                }
                None => "none".to_string(),
            };
            let why = format!("{key}: changed concurrently; current version is {now}");
            return refuse(409, why, None);
        }
        if let Some(expected) = &item.expected_version
            && current.as_ref() != Some(expected)
        {
            inj.conflicts += 1;
            let now = current.as_deref().unwrap_or("none");
            let why = format!("{key}: expected_version {expected} is stale; current is {now}");
            return refuse(409, why, None);
        }
        let target_id = match self.records.get(key) {
            Some(r) => r.target_id.clone(),
            None => format!("T{:06}", self.records.len() + 1),
        };
        let record = TargetRecord {
            key: key.to_string(),
            sku: sku.to_string(),
            location: location.to_string(),
            available: item.available,
            source_version: item.version,
            target_id,
            target_version: (self.last_version + 1).to_string(),
        };
        let written = Written {
            target_id: record.target_id.clone(),
            target_version: record.target_version.clone(),
        };
        let effect = Effect::Applied {
            idempotency_key: item.idempotency_key,
            record,
        };
        match self.commit(&effect) {
            Ok(()) => ItemResult::Ok(written),
            Err(e) => journal_failed(key, e),
        }
    }

    /// Journal an effect (if journaling), then apply it in memory.
    fn commit(&mut self, effect: &Effect) -> io::Result<()> {
        if let Some(journal) = &mut self.journal {
            journal.append(effect)?;
        }
        self.remember(effect);
        Ok(())
    }

    fn remember(&mut self, effect: &Effect) {
        match effect {
            Effect::Applied {
                idempotency_key,
                record,
            } => {
                self.bump(&record.target_version);
                let written = Written {
                    target_id: record.target_id.clone(),
                    target_version: record.target_version.clone(),
                };
                self.idempotency.insert(idempotency_key.clone(), written);
                *self.applied.entry(idempotency_key.clone()).or_insert(0) += 1;
                self.records.insert(record.key.clone(), record.clone());
            }
            Effect::ExternalEdit {
                key,
                target_version,
            } => {
                self.bump(target_version);
                if let Some(r) = self.records.get_mut(key) {
                    r.target_version = target_version.clone();
                }
            }
        }
    }

    fn bump(&mut self, version: &str) {
        let v = version.parse().unwrap_or(0);
        self.last_version = self.last_version.max(v);
    }

    /// The records of `keys` that exist, in the order asked.
    pub fn lookup(&self, keys: &[String]) -> Vec<TargetRecord> {
        keys.iter()
            .filter_map(|k| self.records.get(k).cloned())
            .collect()
    }

    /// Up to `limit` records after key `after` (none = from the first), in key order; the
    /// last key and whether more follow.
    pub fn page(&self, after: Option<&str>, limit: usize) -> (Vec<TargetRecord>, bool) {
        use std::ops::Bound::{Excluded, Unbounded};
        let lower = after.map_or(Unbounded, |a| Excluded(a.to_string()));
        let mut iter = self.records.range((lower, Unbounded)).map(|(_, r)| r);
        let records: Vec<TargetRecord> = iter.by_ref().take(limit).cloned().collect();
        let has_more = iter.next().is_some();
        (records, has_more)
    }
}

fn journal_failed(key: &str, e: io::Error) -> ItemResult {
    refuse(500, format!("{key}: journal write failed: {e}"), None)
}
