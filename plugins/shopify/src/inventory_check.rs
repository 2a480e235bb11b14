//! The read before an inventory write: for every SKU × location of a batch, one aliased query
//! returns the inventory item's SKU and the level's current `available`. It checks that the
//! cached item still carries the SKU (a SKU moved to another item in Shopify makes the cache
//! wrong: that record is resolved again instead of writing to the wrong item), gives the compare
//! value for records without an expected version, and stocks pairs not stocked yet
//! (`inventoryActivate`, then the compare value is 0).
//!
//! Deliberately no quantity writes here.

use std::collections::BTreeMap;

use weft_sdk::connector::Failure;

use crate::gql;
use crate::inventory_docs::{activate_mutation, levels_query, quantity};
use crate::util::{list_at, permanent, str_at};

/// One pair to check.
#[derive(Debug, Clone)]
pub struct Pair {
    /// The record's index in the batch.
    pub index: usize,
    /// The SKU written.
    pub sku: String,
    /// The cached inventory item gid.
    pub item: String,
    /// The location gid.
    pub location: String,
}

/// What Shopify has now for a pair.
#[derive(Debug, Clone)]
pub enum Now {
    /// `available` now (0 for a pair just stocked).
    Qty(i64),
    /// The item is gone or carries another SKU.
    Stale,
    /// Stocking the pair failed.
    Failed(Failure),
}

/// Check every pair; an `Err` is the whole request failing (throttled, transport).
pub fn current(pairs: &[Pair]) -> Result<BTreeMap<usize, Now>, Failure> {
    let mut out = BTreeMap::new();
    for chunk in pairs.chunks(100) {
        let ids: Vec<(String, String)> = chunk
            .iter()
            .map(|p| (p.item.clone(), p.location.clone()))
            .collect();
        let (doc, vars) = levels_query(&ids);
        let data = gql::query(&doc, vars)?;
        let mut unstocked = Vec::new();
        for (n, p) in chunk.iter().enumerate() {
            let item = data.get(format!("l{n}")).filter(|v| !v.is_null());
            if item.and_then(|i| str_at(i, "/sku")) != Some(p.sku.as_str()) {
                out.insert(p.index, Now::Stale);
                continue;
            }
            let level = item
                .and_then(|i| i.get("inventoryLevel"))
                .filter(|l| !l.is_null());
            match level.and_then(|l| quantity(l, "available")) {
                Some(q) => {
                    out.insert(p.index, Now::Qty(q));
                }
                None => unstocked.push((p.index, ids[n].clone())),
            }
        }
        if unstocked.is_empty() {
            continue;
        }
        let only: Vec<(String, String)> = unstocked.iter().map(|(_, p)| p.clone()).collect();
        let (doc, vars) = activate_mutation(&only);
        let data = gql::run(&doc, vars, true)?;
        for (n, (i, _)) in unstocked.iter().enumerate() {
            let now = match list_at(&data, &format!("/a{n}/userErrors")).first() {
                None => Now::Qty(0),
                Some(e) => Now::Failed(permanent(format!(
                    "could not stock the item at the location: {}",
                    str_at(e, "/message").unwrap_or("user error")
                ))),
            };
            out.insert(*i, now);
        }
    }
    Ok(out)
}
