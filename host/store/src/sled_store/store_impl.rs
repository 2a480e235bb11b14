//! The [`SyncStore`] methods of [`SledStore`].

use super::*;

impl SyncStore for SledStore {
    fn cursor(&self, flow: &str, stream: &str) -> Result<Option<Cursor>> {
        self.get(&self.cursors, CURSORS, &stream_key(flow, stream))
    }

    fn commit_page(&self, c: &PageCommit) -> Result<()> {
        self.copier.check()?;
        let mut w = Writes::default();
        c.parked.iter().try_for_each(|p| w.parked(p))?;
        c.waiting.iter().try_for_each(|x| w.waiting(x))?;
        let mut entries = journal::Entries::with_capacity(c.ledger.len());
        for l in &c.ledger {
            entries.insert(
                l.idempotency_key.as_str().as_bytes().to_vec(),
                encode_ledger(LEDGER, l)?,
            );
        }
        if entries.is_empty() {
            self.commit_transaction(c, &w, None)?;
            return self.flush();
        }
        // Lookups may skip the tree only for keys the filter never saw, so keys go in first.
        self.filter.add(entries.keys().map(Vec::as_slice));
        let entries = Arc::new(entries);
        let id = self
            .db
            .generate_id()
            .map_err(sled_err("number a journal"))?;
        // Pending before the transaction, so no lookup misses a committed entry.
        self.pending.add(id, entries.clone());
        let journal = (id.to_be_bytes(), journal::encode(&entries));
        if let Err(e) = self
            .commit_transaction(c, &w, Some(&journal))
            .and_then(|()| self.flush())
        {
            // Refused (cursor conflict, bad value): nothing was committed. A sled failure may
            // come after the transaction went in, so its entries stay visible; the journal
            // value, if it landed, is copied when the store opens again.
            if !matches!(e, StoreError::Sled { .. }) {
                self.pending.remove(id);
            }
            return Err(e);
        }
        self.copier.copy(id, entries)
    }

    fn ledger_contains(&self, key: &IdempotencyKey) -> Result<bool> {
        // Decode rather than test presence, so a corrupt entry is reported, not trusted.
        Ok(self.ledger_get(key)?.is_some())
    }

    fn ledger_get(&self, key: &IdempotencyKey) -> Result<Option<LedgerEntry>> {
        let key = key.as_str().as_bytes();
        if !self.filter.may_contain(key) {
            return Ok(None);
        }
        // Pending first: an entry leaves it only once it is in the tree.
        if let Some(v) = self.pending.get(key) {
            return decode_ledger(LEDGER, key, &v).map(Some);
        }
        Self::get_with(&self.ledger, key, |v| decode_ledger(LEDGER, key, v))
    }

    fn ledger_put(&self, entries: &[LedgerEntry]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for l in entries {
            batch.insert(
                l.idempotency_key.as_str().as_bytes(),
                encode_ledger(LEDGER, l)?,
            );
        }
        self.filter.add(
            entries
                .iter()
                .map(|l| l.idempotency_key.as_str().as_bytes()),
        );
        self.ledger
            .apply_batch(batch)
            .map_err(sled_err("write the ledger"))?;
        self.flush()
    }

    fn parked_list(
        &self,
        f: &ReplayFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ParkedRecord>> {
        use std::ops::Bound::{Excluded, Unbounded};
        let start = after.map_or(Unbounded, |a| Excluded(a.as_bytes().to_vec()));
        let mut out = Vec::new();
        if let Some(id) = &f.id {
            if after.is_none_or(|a| id.as_str() > a) {
                out.extend(self.parked_get(id)?.filter(|p| f.matches(p)));
            }
            return Ok(out);
        }
        let range = self.parked.range::<Vec<u8>, _>((start, Unbounded));
        for p in Self::decode_all::<ParkedRecord>(PARKED, range) {
            if out.len() >= limit {
                break;
            }
            let p = p?;
            if f.matches(&p) {
                out.push(p);
            }
        }
        Ok(out)
    }

    fn parked_get(&self, id: &str) -> Result<Option<ParkedRecord>> {
        self.get(&self.parked, PARKED, id.as_bytes())
    }

    fn parked_count(&self, f: &ReplayFilter) -> Result<u64> {
        let mut n = 0;
        for p in Self::decode_all::<ParkedRecord>(PARKED, self.parked.iter()) {
            n += u64::from(f.matches(&p?));
        }
        Ok(n)
    }

    fn park(&self, record: &ParkedRecord) -> Result<()> {
        let mut w = Writes::default();
        w.parked(record)?;
        self.write_trees()
            .transaction(|(l, p, pk, wt, d)| w.apply((l, p, pk, wt, d)))
            .map_err(tx_err("park a record"))?;
        self.flush()
    }

    fn unpark(&self, id: &str) -> Result<Option<ParkedRecord>> {
        let removed = (&self.parked, &self.parked_key)
            .transaction(|(p, pk)| remove_parked(p, pk, id))
            .map_err(tx_err("unpark a record"))?;
        self.flush()?;
        Ok(removed)
    }

    fn parked_resolve(&self, id: &str, r: &Resolution) -> Result<()> {
        self.resolve(PARKED, id, r)
    }

    fn purge_parked_before(&self, before_ms: u64) -> Result<u64> {
        let mut old = Vec::new();
        for p in Self::decode_all::<ParkedRecord>(PARKED, self.parked.iter()) {
            let p = p?;
            if p.last_failed_ms < before_ms {
                old.push(p.id);
            }
        }
        for chunk in old.chunks(1000) {
            (&self.parked, &self.parked_key)
                .transaction(|(p, pk)| {
                    for id in chunk {
                        remove_parked(p, pk, id)?;
                    }
                    Ok(())
                })
                .map_err(tx_err("purge parked records"))?;
        }
        self.flush()?;
        Ok(old.len() as u64)
    }

    fn waiting_add(&self, record: &WaitingRecord) -> Result<()> {
        let mut w = Writes::default();
        w.waiting(record)?;
        self.write_trees()
            .transaction(|(l, p, pk, wt, d)| w.apply((l, p, pk, wt, d)))
            .map_err(tx_err("add a waiting record"))?;
        self.flush()
    }

    fn waiting_get(&self, id: &str) -> Result<Option<WaitingRecord>> {
        self.get(&self.waiting, WAITING, id.as_bytes())
    }

    fn waiting_by_dependency(&self, dependency: &str) -> Result<Vec<WaitingRecord>> {
        let mut out = Vec::new();
        for kv in self.waiting_dep.scan_prefix(dep_prefix(dependency)) {
            let (k, _) = kv.map_err(sled_err("scan the dependency index"))?;
            let (_, id): (String, String) =
                serde_json::from_slice(&k).map_err(|e| StoreError::Corrupt {
                    tree: WAITING_DEP,
                    key: String::from_utf8_lossy(&k).into_owned(),
                    problem: e.to_string(),
                })?;
            match self.waiting_get(&id)? {
                Some(w) => out.push(w),
                None => {
                    return Err(StoreError::Corrupt {
                        tree: WAITING_DEP,
                        key: String::from_utf8_lossy(&k).into_owned(),
                        problem: format!("index names waiting record `{id}`, which does not exist"),
                    });
                }
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    fn waiting_due(&self, now_ms: u64) -> Result<Vec<WaitingRecord>> {
        self.waiting_filtered(|w| w.is_expired(now_ms))
    }

    fn waiting_remove(&self, id: &str) -> Result<Option<WaitingRecord>> {
        let Some(w) = self.waiting_get(id)? else {
            return Ok(None);
        };
        self.resolve(WAITING, id, &Resolution::Discarded)?;
        Ok(Some(w))
    }

    fn waiting_resolve(&self, id: &str, r: &Resolution) -> Result<()> {
        self.resolve(WAITING, id, r)
    }

    fn meta_get(&self, key: &str) -> Result<Option<Value>> {
        self.get(&self.meta, META, key.as_bytes())
    }

    fn meta_set(&self, key: &str, value: &Value) -> Result<()> {
        self.meta
            .insert(key.as_bytes(), encode(META, value)?)
            .map_err(sled_err("write metadata"))?;
        self.flush()
    }
}
