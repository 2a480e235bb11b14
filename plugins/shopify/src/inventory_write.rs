//! Writing the `inventory-levels` stream: set `available` of a SKU at a location with
//! compare-and-set and idempotency.
//!
//! Per batch: SKUs -> inventory items (kv cache, one query for the misses); one query reads
//! every pair back (`inventory_check.rs`: is the cached item still this SKU, what is `available`
//! now, stock it if it is not stocked there); then one document of `inventorySetQuantities`
//! fields sets them. `changeFromQuantity` is the expected version, or the quantity just read
//! when the record has none. The `@idempotent` key is the write-item's key plus that compare
//! value, so a re-send of the same record is answered from Shopify's idempotency store without
//! a second effect, and a re-send after a conflict (a new expected version) is a new request.
//! A key Shopify refused gets a generation suffix (kv `refused-ik:`), since Shopify replays the
//! refusal for a re-used key even when the quantity named is now right.
//!
//! Answers: a stale compare (`CHANGE_FROM_QUANTITY_STALE`) is `conflict` (the engine looks the
//! record up and re-sends); a cached item that is gone or carries another SKU is dropped from the
//! cache and resolved once more; a SKU Shopify does not have is `dependency-missing` on
//! `sku:<SKU>`; throttling fails the rest of the batch as rate-limited. `target-version` is the
//! quantity now set. Deliberately not here: reading levels (`inventory_read.rs`).

use serde_json::Value;
use weft_sdk::connector::{ErrorClass, Failure, WriteItem, WriteOp, Written, failure};
use weft_sdk::model::Entity;

use crate::catalog_cache;
use crate::gql;
use crate::inventory_check::{self, Now, Pair};
use crate::inventory_docs::{SetQty, activate_mutation, set_mutation};
use crate::util::{gid, is_numeric_id, list_at, permanent, str_at, waiting};

/// Records per document (a mutation field costs 10 points).
const PER_DOC: usize = 50;

type Outcome = Result<Written, Failure>;

/// One record, checked.
#[derive(Debug, Clone)]
struct Plan {
    sku: String,
    location: String,
    quantity: i64,
    expected: Option<i64>,
    key: String,
}

fn plan(item: &WriteItem) -> Result<Plan, Failure> {
    let Entity::InventoryLevel(level) = &item.entity else {
        return Err(permanent("inventory-levels takes inventory-level records"));
    };
    if matches!(item.op, WriteOp::Delete) {
        return Err(permanent(format!(
            "inventory level {}@{}: delete is not supported; set the quantity to 0",
            level.sku, level.location
        )));
    }
    if !is_numeric_id(&level.location) {
        return Err(permanent(format!(
            "inventory level {}@{}: the location must be a Shopify location id (a number); map it in a transform",
            level.sku, level.location
        )));
    }
    let expected = match &item.expected_version {
        None => None,
        Some(v) => Some(v.trim().parse::<i64>().map_err(|_| {
            permanent(format!(
                "inventory level {}@{}: expected-version {v:?} is not a quantity",
                level.sku, level.location
            ))
        })?),
    };
    Ok(Plan {
        sku: level.sku.clone(),
        location: gid("Location", &level.location),
        quantity: level.available,
        expected,
        key: item.idempotency_key.clone(),
    })
}

/// Write a batch; one outcome per item, in order.
pub fn write(items: &[WriteItem]) -> Vec<Outcome> {
    let mut out: Vec<Option<Outcome>> = vec![None; items.len()];
    let mut todo: Vec<(usize, Plan)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match plan(item) {
            Ok(p) => todo.push((i, p)),
            Err(f) => out[i] = Some(Err(f)),
        }
    }
    for attempt in 0..2 {
        if todo.is_empty() {
            break;
        }
        let retry = pass(&todo, &mut out, attempt == 0);
        todo.retain(|(i, _)| retry.contains(i));
    }
    out.into_iter()
        .map(|o| o.unwrap_or_else(|| Err(failure(ErrorClass::Transient, "not attempted"))))
        .collect()
}

/// One pass over `todo`; returns the indexes whose cached item mapping went stale.
fn pass(todo: &[(usize, Plan)], out: &mut [Option<Outcome>], may_retry: bool) -> Vec<usize> {
    let skus: Vec<String> = todo.iter().map(|(_, p)| p.sku.clone()).collect();
    let items = match catalog_cache::items_for(&skus) {
        Ok(m) => m,
        Err(f) => {
            todo.iter()
                .for_each(|(i, _)| out[*i] = Some(Err(f.clone())));
            return Vec::new();
        }
    };
    let mut ready: Vec<(usize, Plan, String)> = Vec::new();
    for (i, p) in todo {
        match items.get(&p.sku) {
            Some(item) => ready.push((*i, p.clone(), item.clone())),
            None => {
                out[*i] = Some(Err(waiting(
                    format!("SKU {} does not exist in Shopify yet", p.sku),
                    format!("sku:{}", p.sku),
                )))
            }
        }
    }
    let pairs: Vec<Pair> = ready
        .iter()
        .map(|(i, p, item)| Pair {
            index: *i,
            sku: p.sku.clone(),
            item: item.clone(),
            location: p.location.clone(),
        })
        .collect();
    let before_read = gql::spent();
    let current = match inventory_check::current(&pairs) {
        Ok(c) => c,
        Err(f) => {
            ready
                .iter()
                .for_each(|(i, _, _)| out[*i] = Some(Err(f.clone())));
            return Vec::new();
        }
    };
    let mut stale = Vec::new();
    let mut sets = Vec::new();
    for (i, p, item) in &ready {
        let from = match current.get(i) {
            Some(Now::Qty(q)) => p.expected.unwrap_or(*q),
            Some(Now::Failed(f)) => {
                out[*i] = Some(Err(f.clone()));
                continue;
            }
            Some(Now::Stale) | None => {
                gone(&p.sku, *i, may_retry, &mut stale, out);
                continue;
            }
        };
        let set = SetQty {
            item: item.clone(),
            location: p.location.clone(),
            quantity: p.quantity,
            from,
            key: idempotency_key(&format!("{}:{from}", p.key)),
            reference: format!("gid://weft/WriteItem/{}", p.key),
        };
        sets.push((*i, p.sku.clone(), set));
    }
    // A re-send of a throttled chunk reads its levels again first; its wait must cover that.
    let read_cost = gql::spent() - before_read;
    let mut stop: Option<Failure> = None;
    for chunk in sets.chunks(PER_DOC) {
        if let Some(f) = &stop {
            chunk
                .iter()
                .for_each(|(i, _, _)| out[*i] = Some(Err(f.clone())));
            continue;
        }
        let docs: Vec<SetQty> = chunk.iter().map(|(_, _, s)| s.clone()).collect();
        let (doc, vars) = set_mutation(&docs);
        match gql::run_owing(&doc, vars, true, read_cost) {
            Ok(data) => {
                for (n, (i, sku, set)) in chunk.iter().enumerate() {
                    let answer = data.get(format!("m{n}")).cloned().unwrap_or(Value::Null);
                    match judge(sku, set, &answer) {
                        Judged::Done(o) => {
                            if o.is_err() {
                                note_refused(&set.key);
                            }
                            out[*i] = Some(o)
                        }
                        Judged::ItemGone => gone(sku, *i, may_retry, &mut stale, out),
                    }
                }
            }
            Err(f) => {
                chunk
                    .iter()
                    .for_each(|(i, _, _)| out[*i] = Some(Err(f.clone())));
                if f.class == ErrorClass::RateLimited {
                    stop = Some(f);
                }
            }
        }
    }
    stale
}

/// The `@idempotent` key for `base` (write-item key and compare value): `base` itself, or
/// `base#n` after Shopify refused it `n` times. Shopify answers a re-used key with the first
/// answer, so a re-send that names the same quantity after a refusal (a conflict re-read that
/// finds the same value, a fault) needs a fresh key or it is refused forever; a re-send of a
/// request that succeeded keeps its key and is answered from Shopify's store.
fn idempotency_key(base: &str) -> String {
    match weft_sdk::kv::get_json::<u32>(&refused_key(base)) {
        Ok(Some(n)) if n > 0 => format!("{base}#{n}"),
        _ => base.to_string(),
    }
}

/// Remember that Shopify refused `key`, so the next send of its base uses a new one.
fn note_refused(key: &str) {
    let base = key.split('#').next().unwrap_or(key);
    let n = weft_sdk::kv::get_json::<u32>(&refused_key(base))
        .ok()
        .flatten()
        .unwrap_or(0);
    if let Err(e) = weft_sdk::kv::set_json(&refused_key(base), &(n + 1)) {
        weft_sdk::log::warn(&format!("remembering a refused idempotency key: {e}"));
    }
}

fn refused_key(base: &str) -> String {
    format!("refused-ik:{base}")
}

/// The cached item of `sku` is wrong: resolve it again once, then wait for the SKU.
fn gone(sku: &str, i: usize, may_retry: bool, stale: &mut Vec<usize>, out: &mut [Option<Outcome>]) {
    catalog_cache::forget(sku);
    if may_retry {
        stale.push(i);
    } else {
        out[i] = Some(Err(waiting(
            format!("SKU {sku}: Shopify has no inventory item with this SKU"),
            format!("sku:{sku}"),
        )));
    }
}

enum Judged {
    Done(Outcome),
    ItemGone,
}

/// Interpret one `inventorySetQuantities` answer.
fn judge(sku: &str, set: &SetQty, answer: &Value) -> Judged {
    let what = format!(
        "inventory level {sku}@{}",
        crate::util::legacy_id(&set.location)
    );
    let Some(e) = list_at(answer, "/userErrors").first() else {
        let now = list_at(answer, "/inventoryAdjustmentGroup/changes")
            .iter()
            .find(|c| str_at(c, "/name") == Some("available"))
            .and_then(|c| c.get("quantityAfterChange").and_then(Value::as_i64))
            .unwrap_or(set.quantity);
        return Judged::Done(Ok(Written {
            target_id: format!(
                "gid://shopify/InventoryLevel/{}?inventory_item_id={}",
                crate::util::legacy_id(&set.location),
                crate::util::legacy_id(&set.item)
            ),
            target_version: now.to_string(),
        }));
    };
    let code = str_at(e, "/code").unwrap_or("");
    let message = str_at(e, "/message").unwrap_or("user error");
    let class = match code {
        "INVALID_INVENTORY_ITEM" => return Judged::ItemGone,
        "CHANGE_FROM_QUANTITY_STALE" | "COMPARE_QUANTITY_STALE" => ErrorClass::Conflict,
        "ITEM_NOT_STOCKED_AT_LOCATION" => {
            let pair = [(set.item.clone(), set.location.clone())];
            let (doc, vars) = activate_mutation(&pair);
            match gql::run(&doc, vars, true) {
                Ok(_) => ErrorClass::Conflict,
                Err(f) => return Judged::Done(Err(f)),
            }
        }
        "IDEMPOTENCY_CONCURRENT_REQUEST" => ErrorClass::Transient,
        _ => ErrorClass::Permanent,
    };
    let mut f = failure(class, format!("{what}: {code}: {message}"));
    f.detail = Some(weft_sdk::http::excerpt(answer.to_string().as_bytes()));
    if class == ErrorClass::Transient {
        f.retry_after_ms = Some(1000);
    }
    Judged::Done(Err(f))
}
