//! `read-page` and `lookup-records` on `payouts`.
//!
//! Reading walks `journal:index` from the cursor (a position in the index, as decimal text).
//! A position is skipped when its key appears again later in the index (the entry was rewritten;
//! it is read at its last position) or when its entry was deleted, so a full read lists each
//! entry once. A page holds at most `limit` entries (clamped to 1..=[`MAX_LIMIT`]) and looks at
//! most [`MAX_SCAN`] positions; the next cursor is the position after the last one looked at,
//! and none when nothing was left to look at.
//!
//! Lookup takes engine keys `payout:<system>:<id>` (and the target ids writes answer,
//! `journal:<system>:<id>`); other keys and missing entries are simply absent.

use std::collections::HashMap;

use weft_sdk::connector::{CallError, Failure, Page};
use weft_sdk::model::Entity;

use crate::entry::lookup_entry_key;
use crate::store::{Store, load_entry, load_index};

/// Most entries per page.
pub const MAX_LIMIT: u32 = 500;
/// Most index positions looked at per page (bounds the work when many entries were deleted).
pub const MAX_SCAN: usize = 2000;

/// One page of entries after `cursor`.
pub fn page(store: &dyn Store, cursor: Option<&str>, limit: u32) -> Result<Page, CallError> {
    let (index, _) = load_index(store).map_err(CallError::Failed)?;
    let start = match cursor {
        None => 0,
        Some(c) => c
            .parse::<usize>()
            .ok()
            .filter(|p| *p <= index.len())
            .ok_or_else(|| {
                CallError::BadCursor(format!(
                    "journal cursors are positions 0..={} in the index; {c:?} is not one",
                    index.len()
                ))
            })?,
    };
    let last: HashMap<&str, usize> = index
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let limit = limit.clamp(1, MAX_LIMIT) as usize;
    let (mut pos, mut records) = (start, Vec::new());
    while pos < index.len() && records.len() < limit && pos - start < MAX_SCAN {
        let key = index[pos].as_str();
        pos += 1;
        if last.get(key) != Some(&(pos - 1)) {
            continue;
        }
        if let Some((entry, _)) = load_entry(store, key).map_err(CallError::Failed)? {
            records.push(entry.to_entity());
        }
    }
    Ok(Page {
        records,
        next_cursor: (pos > start).then(|| pos.to_string()),
        has_more: pos < index.len(),
    })
}

/// The entries of `keys` that exist, in the order asked.
pub fn lookup(store: &dyn Store, keys: &[String]) -> Result<Vec<Entity>, Failure> {
    let mut out = Vec::new();
    for key in keys.iter().filter_map(|k| lookup_entry_key(k)) {
        if let Some((entry, _)) = load_entry(store, &key)? {
            out.push(entry.to_entity());
        }
    }
    Ok(out)
}
