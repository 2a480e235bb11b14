//! The embedded default [`SyncStore`], on sled 0.34.
//!
//! Trees: `cursors` (key `["flow","stream"]`), `ledger` (key: idempotency key), `parked` and
//! `waiting` (key: record id), `waiting_dep` (index, key `["dependency","id"]`) and `meta`.
//! Every value is versioned (see `codec`). Multi-tree changes use `sled::Transactional`, so a
//! page commit or a resolution lands entirely or not at all, and each is flushed to disk before
//! it returns. Reads that meet a corrupt value fail with its tree and key; they never skip it.

use crate::codec::{FORMAT_VERSION, decode, dep_key, dep_prefix, encode, stream_key};
use crate::{Resolution, Result, StoreError, SyncStore};
use serde::de::DeserializeOwned;
use serde_json::Value;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::{Transactional, Tree};
use std::path::Path;
use weft_sync::{
    Cursor, IdempotencyKey, LedgerEntry, PageCommit, ParkedRecord, ReplayFilter, WaitingRecord,
};

const CURSORS: &str = "cursors";
const LEDGER: &str = "ledger";
const PARKED: &str = "parked";
const WAITING: &str = "waiting";
const WAITING_DEP: &str = "waiting_dep";
const META: &str = "meta";

/// Sync state in a sled database directory.
#[derive(Debug, Clone)]
pub struct SledStore {
    db: sled::Db,
    cursors: Tree,
    ledger: Tree,
    parked: Tree,
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

/// Pre-encoded changes of one transaction (encoding happens before, outside the retry loop).
#[derive(Default)]
struct Writes {
    ledger: Vec<(Vec<u8>, Vec<u8>)>,
    parked: Vec<(Vec<u8>, Vec<u8>)>,
    waiting: Vec<(Vec<u8>, Vec<u8>)>,
    waiting_dep: Vec<Vec<u8>>,
}

impl Writes {
    fn ledger(&mut self, l: &LedgerEntry) -> Result<()> {
        let v = encode(LEDGER, l)?;
        self.ledger
            .push((l.idempotency_key.as_str().as_bytes().to_vec(), v));
        Ok(())
    }
    fn parked(&mut self, p: &ParkedRecord) -> Result<()> {
        self.parked
            .push((p.id.as_bytes().to_vec(), encode(PARKED, p)?));
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
    fn apply(
        &self,
        l: &TransactionalTree,
        p: &TransactionalTree,
        w: &TransactionalTree,
        d: &TransactionalTree,
    ) -> TxResult<()> {
        for (k, v) in &self.ledger {
            l.insert(k.as_slice(), v.as_slice())?;
        }
        for (k, v) in &self.parked {
            p.insert(k.as_slice(), v.as_slice())?;
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

impl SledStore {
    /// Open (or create) the store in directory `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let db = sled::open(path).map_err(sled_err("open the database"))?;
        let tree = |name: &str| db.open_tree(name).map_err(sled_err("open a tree"));
        Ok(Self {
            cursors: tree(CURSORS)?,
            ledger: tree(LEDGER)?,
            parked: tree(PARKED)?,
            waiting: tree(WAITING)?,
            waiting_dep: tree(WAITING_DEP)?,
            meta: tree(META)?,
            db,
        })
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
        match tree.get(key).map_err(sled_err("read"))? {
            Some(v) => decode(name, key, &v).map(Some),
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

    /// Remove `id` from the parked or waiting tree and apply `w`, in one flushed transaction.
    fn resolve(&self, what: &'static str, id: &str, r: &Resolution) -> Result<()> {
        let mut w = Writes::default();
        w.resolution(r)?;
        let trees = (&self.ledger, &self.parked, &self.waiting, &self.waiting_dep);
        trees
            .transaction(|(l, p, wt, d)| {
                if what == PARKED {
                    if p.remove(id.as_bytes())?.is_none() {
                        return Err(abort(StoreError::NotFound {
                            what,
                            id: id.into(),
                        }));
                    }
                } else {
                    let Some(old) = wt.remove(id.as_bytes())? else {
                        return Err(abort(StoreError::NotFound {
                            what,
                            id: id.into(),
                        }));
                    };
                    let old: WaitingRecord = decode(WAITING, id.as_bytes(), &old).map_err(abort)?;
                    d.remove(dep_key(&old.dependency, id))?;
                }
                w.apply(l, p, wt, d)
            })
            .map_err(tx_err("resolve a record"))?;
        self.flush()
    }
}

mod store_impl;
