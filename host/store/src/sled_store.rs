//! The embedded default [`SyncStore`], on sled 0.34.
//!
//! Trees: `cursors` (key `["flow","stream"]`), `ledger` (key: idempotency key),
//! `ledger_journal` (page ledger entries on their way into `ledger`, see `journal`), `parked` and
//! `waiting` (key: record id), `parked_key` (index: idempotency key -> parked id, so one effect
//! is parked once: a record parking again folds into its entry, see
//! [`ParkedRecord::parked_again`]), `waiting_dep` (index, key `["dependency","id"]`) and `meta`.
//! Every value is versioned (see `codec`; ledger values have a compact format of their own).
//! Multi-tree changes use `sled::Transactional`, so a page commit or a resolution lands entirely
//! or not at all, and each is flushed to disk before it returns. Reads that meet a corrupt value fail with its tree and key; they never skip it.

use crate::codec::{
    FORMAT_VERSION, decode, decode_ledger, dep_key, dep_prefix, encode, encode_ledger, stream_key,
};
use crate::{Resolution, Result, StoreError, SyncStore};
use serde::de::DeserializeOwned;
use serde_json::Value;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::{Transactional, Tree};
use std::path::Path;
use std::sync::Arc;
use weft_sync::{
    Cursor, IdempotencyKey, LedgerEntry, PageCommit, ParkedRecord, ReplayFilter, WaitingRecord,
};

const CURSORS: &str = "cursors";
const LEDGER: &str = "ledger";
const LEDGER_JOURNAL: &str = "ledger_journal";
const PARKED: &str = "parked";
const PARKED_KEY: &str = "parked_key";
const WAITING: &str = "waiting";
const WAITING_DEP: &str = "waiting_dep";
const META: &str = "meta";

/// Sync state in a sled database directory.
#[derive(Debug, Clone)]
pub struct SledStore {
    db: sled::Db,
    cursors: Tree,
    ledger: Tree,
    journal: Tree,
    /// Journalled ledger entries not yet in `ledger` (shared by clones).
    pending: Arc<journal::Pending>,
    /// Copies journalled entries into `ledger` (shared by clones; the last one stops it).
    copier: Arc<copier::Copier>,
    /// Which keys the ledger may hold (shared by clones), and the scan that fills it at open.
    filter: Arc<filter::LedgerFilter>,
    filter_scan: Arc<filter::Scan>,
    parked: Tree,
    parked_key: Tree,
    waiting: Tree,
    waiting_dep: Tree,
    meta: Tree,
}

fn sled_err(op: &'static str) -> impl FnOnce(sled::Error) -> StoreError {
    move |source| StoreError::Sled { op, source }
}

fn tx_err(op: &'static str) -> impl FnOnce(TransactionError<StoreError>) -> StoreError {
    move |e| match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(source) => StoreError::Sled { op, source },
    }
}

type TxResult<T> = std::result::Result<T, ConflictableTransactionError<StoreError>>;

fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

/// The trees a transaction writes: ledger, parked, parked_key, waiting, waiting_dep.
type TxTrees<'a> = (
    &'a TransactionalTree,
    &'a TransactionalTree,
    &'a TransactionalTree,
    &'a TransactionalTree,
    &'a TransactionalTree,
);

/// Changes of one transaction, encoded before the retry loop where they can be (a parked
/// record is encoded inside it, as it may fold into an entry already parked).
#[derive(Default)]
struct Writes {
    ledger: Vec<(Vec<u8>, Vec<u8>)>,
    parked: Vec<ParkedRecord>,
    waiting: Vec<(Vec<u8>, Vec<u8>)>,
    waiting_dep: Vec<Vec<u8>>,
}

impl Writes {
    fn ledger(&mut self, l: &LedgerEntry) -> Result<()> {
        let v = encode_ledger(LEDGER, l)?;
        self.ledger
            .push((l.idempotency_key.as_str().as_bytes().to_vec(), v));
        Ok(())
    }
    fn parked(&mut self, p: &ParkedRecord) -> Result<()> {
        self.parked.push(p.clone());
        Ok(())
    }
    fn waiting(&mut self, w: &WaitingRecord) -> Result<()> {
        self.waiting
            .push((w.id.as_bytes().to_vec(), encode(WAITING, w)?));
        self.waiting_dep.push(dep_key(&w.dependency, &w.id));
        Ok(())
    }
    fn resolution(&mut self, r: &Resolution) -> Result<()> {
        match r {
            Resolution::Confirmed(l) => self.ledger(l),
            Resolution::Parked(p) => self.parked(p),
            Resolution::Waiting(w) => self.waiting(w),
            Resolution::Discarded => Ok(()),
        }
    }
    fn apply(&self, (l, p, pk, w, d): TxTrees<'_>) -> TxResult<()> {
        for (k, v) in &self.ledger {
            l.insert(k.as_slice(), v.as_slice())?;
        }
        for rec in &self.parked {
            let key = rec.idempotency_key.as_str().as_bytes();
            let mut rec = rec.clone();
            if let Some(old_id) = pk.get(key)?
                && old_id.as_ref() != rec.id.as_bytes()
                && let Some(old) = p.get(&old_id)?
            {
                let earlier: ParkedRecord = decode(PARKED, &old_id, &old).map_err(abort)?;
                rec = rec.parked_again(&earlier);
            }
            let value = encode(PARKED, &rec).map_err(abort)?;
            p.insert(rec.id.as_bytes(), value)?;
            pk.insert(key, rec.id.as_bytes())?;
        }
        for (k, v) in &self.waiting {
            w.insert(k.as_slice(), v.as_slice())?;
        }
        for k in &self.waiting_dep {
            d.insert(k.as_slice(), &[FORMAT_VERSION][..])?;
        }
        Ok(())
    }
}

/// Remove parked record `id` and its index entry inside a transaction; the record, if it was
/// there.
fn remove_parked(
    p: &TransactionalTree,
    pk: &TransactionalTree,
    id: &str,
) -> TxResult<Option<ParkedRecord>> {
    let Some(old) = p.remove(id.as_bytes())? else {
        return Ok(None);
    };
    let old: ParkedRecord = decode(PARKED, id.as_bytes(), &old).map_err(abort)?;
    let key = old.idempotency_key.as_str().as_bytes();
    if pk.get(key)?.is_some_and(|v| v.as_ref() == id.as_bytes()) {
        pk.remove(key)?;
    }
    Ok(Some(old))
}

impl SledStore {
    /// Open (or create) the store in directory `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let db = sled::open(path).map_err(sled_err("open the database"))?;
        let tree = |name: &str| db.open_tree(name).map_err(sled_err("open a tree"));
        let (ledger, journal) = (tree(LEDGER)?, tree(LEDGER_JOURNAL)?);
        let pending = Arc::<journal::Pending>::default();
        let copier = copier::Copier::start(ledger.clone(), journal.clone(), pending.clone())?;
        let filter = Arc::<filter::LedgerFilter>::default();
        let filter_scan =
            filter::scan(filter.clone(), ledger.clone()).map_err(|source| StoreError::Thread {
                thread: "ledger filter scan",
                source,
            })?;
        let store = Self {
            cursors: tree(CURSORS)?,
            ledger,
            journal,
            pending,
            copier: Arc::new(copier),
            filter,
            filter_scan: Arc::new(filter_scan),
            parked: tree(PARKED)?,
            parked_key: tree(PARKED_KEY)?,
            waiting: tree(WAITING)?,
            waiting_dep: tree(WAITING_DEP)?,
            meta: tree(META)?,
            db,
        };
        store.replay_journal()?;
        store.index_parked()?;
        Ok(store)
    }

    /// Index the parked records of a store written before `parked_key` existed. A value that
    /// does not decode is left out of the index (listing it still reports it).
    fn index_parked(&self) -> Result<()> {
        if !self.parked_key.is_empty() || self.parked.is_empty() {
            return Ok(());
        }
        let mut batch = sled::Batch::default();
        for (id, value) in self.parked.iter().flatten() {
            if let Ok(p) = decode::<ParkedRecord>(PARKED, &id, &value) {
                batch.insert(p.idempotency_key.as_str().as_bytes(), id);
            }
        }
        self.parked_key
            .apply_batch(batch)
            .map_err(sled_err("index parked records"))
    }

    /// Wait until the ledger entries of every page committed so far are copied from the journal
    /// into the ledger tree (commits return before that; lookups see the entries either way).
    pub fn finish_ledger_copies(&self) -> Result<()> {
        self.copier.wait()
    }

    /// Wait until the ledger filter's scan at open ended; true if the filter now answers
    /// lookups of absent keys without reading the tree.
    pub fn wait_ledger_filter(&self) -> bool {
        self.filter_scan.wait();
        self.filter.is_complete()
    }

    /// The underlying sled tree of a given name, for inspection and fault-injection tests.
    pub fn raw_tree(&self, name: &str) -> Result<Tree> {
        self.db.open_tree(name).map_err(sled_err("open a tree"))
    }

    fn flush(&self) -> Result<()> {
        self.db
            .flush()
            .map(|_| ())
            .map_err(sled_err("flush to disk"))
    }

    fn get<T: DeserializeOwned>(
        &self,
        tree: &Tree,
        name: &'static str,
        key: &[u8],
    ) -> Result<Option<T>> {
        Self::get_with(tree, key, |v| decode(name, key, v))
    }

    /// The value at `key`, read with `decode`.
    fn get_with<T>(
        tree: &Tree,
        key: &[u8],
        decode: impl FnOnce(&[u8]) -> Result<T>,
    ) -> Result<Option<T>> {
        match tree.get(key).map_err(sled_err("read"))? {
            Some(v) => decode(&v).map(Some),
            None => Ok(None),
        }
    }

    /// Decode every value of an iterator, stopping at the first failure (never skipping one).
    fn decode_all<T: DeserializeOwned>(
        name: &'static str,
        iter: impl Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>,
    ) -> impl Iterator<Item = Result<T>> {
        iter.map(move |kv| {
            let (k, v) = kv.map_err(sled_err("scan"))?;
            decode(name, &k, &v)
        })
    }

    fn waiting_filtered(
        &self,
        keep: impl Fn(&WaitingRecord) -> bool,
    ) -> Result<Vec<WaitingRecord>> {
        let mut out = Vec::new();
        for w in Self::decode_all::<WaitingRecord>(WAITING, self.waiting.iter()) {
            let w = w?;
            if keep(&w) {
                out.push(w);
            }
        }
        Ok(out)
    }

    /// The trees a [`Writes`] transaction spans.
    fn write_trees(&self) -> (&Tree, &Tree, &Tree, &Tree, &Tree) {
        (
            &self.ledger,
            &self.parked,
            &self.parked_key,
            &self.waiting,
            &self.waiting_dep,
        )
    }

    /// A page commit's transaction: check and move the cursor, and write the page's journalled
    /// ledger entries (`journal`: id and value) and its parked and waiting records (`w`).
    fn commit_transaction(
        &self,
        c: &PageCommit,
        w: &Writes,
        journal: Option<&([u8; 8], Vec<u8>)>,
    ) -> Result<()> {
        let key = stream_key(&c.flow, &c.stream);
        let cursor = encode(CURSORS, &c.new_cursor)?;
        let (l, p, pk, wt, d) = self.write_trees();
        (&self.cursors, &self.journal, l, p, pk, wt, d)
            .transaction(|(cur, j, l, p, pk, wt, d)| {
                let found: Option<Cursor> = match cur.get(&key)? {
                    Some(v) => Some(decode(CURSORS, &key, &v).map_err(abort)?),
                    None => None,
                };
                if found != c.from_cursor {
                    return Err(abort(StoreError::CursorConflict {
                        flow: c.flow.clone(),
                        stream: c.stream.clone(),
                        expected: c.from_cursor.as_ref().map(|c| c.to_string()),
                        found: found.map(|c| c.to_string()),
                    }));
                }
                cur.insert(key.as_slice(), cursor.as_slice())?;
                if let Some((id, value)) = journal {
                    j.insert(&id[..], value.as_slice())?;
                }
                w.apply((l, p, pk, wt, d))
            })
            .map_err(tx_err("commit a page"))
    }

    /// Remove `id` from the parked or waiting tree and apply `w`, in one flushed transaction.
    fn resolve(&self, what: &'static str, id: &str, r: &Resolution) -> Result<()> {
        let mut w = Writes::default();
        w.resolution(r)?;
        self.filter.add(w.ledger.iter().map(|(k, _)| k.as_slice()));
        let not_found = || {
            abort(StoreError::NotFound {
                what,
                id: id.into(),
            })
        };
        self.write_trees()
            .transaction(|(l, p, pk, wt, d)| {
                if what == PARKED {
                    remove_parked(p, pk, id)?.ok_or_else(not_found)?;
                } else {
                    let old = wt.remove(id.as_bytes())?.ok_or_else(not_found)?;
                    let old: WaitingRecord = decode(WAITING, id.as_bytes(), &old).map_err(abort)?;
                    d.remove(dep_key(&old.dependency, id))?;
                }
                w.apply((l, p, pk, wt, d))
            })
            .map_err(tx_err("resolve a record"))?;
        self.flush()
    }
}

mod copier;
mod filter;
mod journal;
mod store_impl;
