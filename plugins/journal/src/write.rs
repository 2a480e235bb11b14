//! `write-batch` on `payouts`: one result per item, in order.
//!
//! - upsert: the payout is summarised and checked ([`summarize`]); one that does not balance
//!   fails permanently (it parks for finance) and nothing is stored. Otherwise the entry is
//!   stored under `journal:<system>:<payout>` with compare-and-swap and its key appended to
//!   `journal:index`. An entry already stored with the same content is answered with the same
//!   target id and version and not written again (idempotent; the index gets the key only if a
//!   crash between the two writes left it out). A payout whose amounts changed replaces its
//!   entry, is appended to the index again (so incremental readers see it) and is noted in the
//!   log.
//! - delete: the entry is removed (the index keeps the key; readers skip missing entries), and
//!   deleting a missing entry answers the same; the version answered is `deleted`.
//! - set-quantity, and any entity but a payout, fail permanently.
//!
//! The target id is the kv key; the version is the entry's ([`Entry::version`]).

use weft_sdk::connector::{ErrorClass, Failure, WriteItem, WriteOp, Written, failure};
use weft_sdk::model::{Entity, Payout};

use crate::entry::{Entry, entry_key, payout_key, rfc3339, summarize};
use crate::store::{SWAP_ATTEMPTS, Store, append_index, load_entry};

/// The version answered for a delete.
pub const DELETED: &str = "deleted";

fn permanent(message: String) -> Failure {
    failure(ErrorClass::Permanent, message)
}

fn raced(key: &str) -> Failure {
    failure(
        ErrorClass::Transient,
        format!("journal: {key} kept changing while it was written; try again"),
    )
}

/// Write a batch at `now_ms`; exactly one result per item, in order.
pub fn write(store: &dyn Store, items: &[WriteItem], now_ms: u64) -> Vec<Result<Written, Failure>> {
    items
        .iter()
        .map(|item| write_one(store, item, now_ms))
        .collect()
}

fn write_one(store: &dyn Store, item: &WriteItem, now_ms: u64) -> Result<Written, Failure> {
    let Entity::Payout(payout) = &item.entity else {
        return Err(permanent(format!(
            "{}: the journal's payouts stream takes payout records only",
            item.idempotency_key
        )));
    };
    match item.op {
        WriteOp::Upsert => upsert(store, payout, now_ms),
        WriteOp::Delete => delete(store, payout),
        WriteOp::SetQuantity => Err(permanent(format!(
            "{}: the journal cannot set quantities; payouts are upserted or deleted",
            payout_key(&payout.meta.source_system, &payout.meta.source_id)
        ))),
    }
}

fn upsert(store: &dyn Store, payout: &Payout, now_ms: u64) -> Result<Written, Failure> {
    let fresh = summarize(payout).map_err(permanent)?;
    let key = fresh.key();
    for _ in 0..SWAP_ATTEMPTS {
        let current = load_entry(store, &key)?;
        if let Some((old, _)) = &current
            && old.same_content(&fresh)
        {
            append_index(store, &key, true)?;
            return Ok(Written {
                target_id: key,
                target_version: old.version(),
            });
        }
        let entry = Entry {
            written_at: rfc3339(now_ms),
            ..fresh.clone()
        };
        let bytes = serde_json::to_vec(&entry)
            .map_err(|e| permanent(format!("{key}: cannot encode the entry: {e}")))?;
        let expected = current.as_ref().map(|(_, raw)| raw.as_slice());
        if store.swap(&key, expected, Some(&bytes))? {
            if let Some((old, _)) = &current {
                store.note(&format!(
                    "journal: {key} replaced: net {} -> {}, gross sales {} -> {}, refunds {} -> {}, adjustments {} -> {}, fees {} -> {}",
                    old.net, entry.net, old.gross_sales, entry.gross_sales, old.refunds,
                    entry.refunds, old.adjustments, entry.adjustments, old.fees, entry.fees
                ));
            }
            append_index(store, &key, false)?;
            return Ok(Written {
                target_id: key,
                target_version: entry.version(),
            });
        }
    }
    Err(raced(&key))
}

fn delete(store: &dyn Store, payout: &Payout) -> Result<Written, Failure> {
    let key = entry_key(&payout.meta.source_system, &payout.meta.source_id);
    let done = || Written {
        target_id: key.clone(),
        target_version: DELETED.into(),
    };
    for _ in 0..SWAP_ATTEMPTS {
        let Some(raw) = store.get(&key)? else {
            return Ok(done());
        };
        if store.swap(&key, Some(&raw), None)? {
            store.note(&format!("journal: {key} deleted"));
            return Ok(done());
        }
    }
    Err(raced(&key))
}
