//! The testbed's source side: inventory records ordered by a change sequence number.
//!
//! Every record has a key `SKU-00001@1`, a sku, a location, an available quantity and `seq`, the
//! sequence number of its last change (unique, only ever increasing). Pages are read in `seq`
//! order after a cursor (the last `seq` seen), so an update moves a record to the end and an
//! incremental read sees it again. The duplicate- and overlapping-page faults are applied here.
//!
//! Deliberately not here: HTTP (see `server`), persistence (the source is regenerated from its
//! seed; only the target keeps a journal).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::faults::{Faults, Injected};

/// One source record as served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRecord {
    /// Change sequence number: the record's position in the stream.
    pub seq: u64,
    /// `{sku}@{location}`.
    pub key: String,
    /// Stock keeping unit.
    pub sku: String,
    /// Location id.
    pub location: String,
    /// Available to sell.
    pub available: i64,
    /// The version: `seq` as decimal text.
    pub version: String,
}

/// One page, as served by `GET /source/records`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcePage {
    /// Records in `seq` order.
    pub records: Vec<SourceRecord>,
    /// The last record's `seq` (the cursor for the next page); `null` for an empty page.
    pub next: Option<u64>,
    /// More records exist after `next`.
    pub has_more: bool,
}

/// Largest page served.
pub const MAX_LIMIT: usize = 1000;
/// Page size when the request gives none (or 0).
pub const DEFAULT_LIMIT: usize = 100;

/// The source's records and paging state.
#[derive(Debug, Default)]
pub struct Source {
    last_seq: u64,
    skus: u64,
    by_key: BTreeMap<String, SourceRecord>,
    by_seq: BTreeMap<u64, String>,
    last_page: Option<SourcePage>,
    repeat_pending: bool,
}

impl Source {
    /// Append `n` new records (`SKU-<next number>@1`); returns their keys.
    pub fn append(&mut self, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| {
                self.skus += 1;
                let sku = format!("SKU-{:05}", self.skus);
                let location = "1".to_string();
                let available = (self.skus * 7 % 50) as i64;
                self.put(sku, location, available)
            })
            .collect()
    }

    /// Give each of `keys` a new `seq` and a new quantity (`available`, or the old one plus 1).
    /// Unknown keys are an error naming them; nothing is changed then.
    pub fn update(
        &mut self,
        keys: &[String],
        available: Option<i64>,
    ) -> Result<Vec<SourceRecord>, String> {
        if let Some(unknown) = keys.iter().find(|k| !self.by_key.contains_key(*k)) {
            return Err(format!("unknown source key {unknown:?}"));
        }
        Ok(keys
            .iter()
            .map(|key| {
                let old = self.by_key[key].clone();
                self.by_seq.remove(&old.seq);
                let available = available.unwrap_or(old.available + 1);
                self.put(old.sku, old.location, available);
                self.by_key[key].clone()
            })
            .collect())
    }

    /// Keys of the `n` records changed longest ago (lowest `seq`).
    pub fn oldest(&self, n: usize) -> Vec<String> {
        self.by_seq.values().take(n).cloned().collect()
    }

    /// Every record in `seq` order.
    pub fn all(&self) -> Vec<SourceRecord> {
        self.by_seq
            .values()
            .map(|k| self.by_key[k].clone())
            .collect()
    }

    /// The records of `keys` that exist, in the order asked.
    pub fn lookup(&self, keys: &[String]) -> Vec<SourceRecord> {
        keys.iter()
            .filter_map(|k| self.by_key.get(k).cloned())
            .collect()
    }

    /// The page after `after` (0 = from the start), with the paging faults applied.
    pub fn page(
        &mut self,
        after: u64,
        limit: usize,
        faults: &Faults,
        injected: &mut Injected,
    ) -> SourcePage {
        if !faults.duplicate_pages {
            self.repeat_pending = false;
        }
        if faults.duplicate_pages
            && self.repeat_pending
            && let Some(last) = &self.last_page
        {
            self.repeat_pending = false;
            injected.duplicate_pages += 1;
            return last.clone();
        }
        let limit = match limit {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        };
        let mut start = after + 1;
        if faults.overlap_pages
            && after > 0
            && limit >= 2
            && let Some((&seq, _)) = self.by_seq.range(..=after).next_back()
        {
            start = seq;
            injected.overlap_pages += 1;
        }
        let records: Vec<SourceRecord> = self
            .by_seq
            .range(start..)
            .take(limit)
            .map(|(_, k)| self.by_key[k].clone())
            .collect();
        let next = records.last().map(|r| r.seq);
        let has_more = next.is_some_and(|n| self.by_seq.range(n + 1..).next().is_some());
        let page = SourcePage {
            records,
            next,
            has_more,
        };
        if faults.duplicate_pages {
            self.last_page = Some(page.clone());
            self.repeat_pending = true;
        }
        page
    }

    fn put(&mut self, sku: String, location: String, available: i64) -> String {
        self.last_seq += 1;
        let seq = self.last_seq;
        let key = format!("{sku}@{location}");
        let record = SourceRecord {
            seq,
            key: key.clone(),
            sku,
            location,
            available,
            version: seq.to_string(),
        };
        self.by_seq.insert(seq, key.clone());
        self.by_key.insert(key.clone(), record);
        key
    }
}
