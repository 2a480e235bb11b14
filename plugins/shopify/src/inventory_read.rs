//! Reading the `inventory-levels` stream and looking levels up.
//!
//! Read: inventory items changed since the cursor (`inventoryItems(sortKey: UPDATED_AT)`; an
//! item's `updatedAt` moves whenever one of its quantities does), each with its levels per
//! location, as `inventory-level` records keyed `{sku}@{location}` with version = the level's
//! `updatedAt`. Lookup: keys `SKU@locationId`, answered with the current quantities and version =
//! the current `available` (what a compare-and-set re-send must name as expected version).
//! Deliberately not here: writes, and more than [`LEVELS_PER_ITEM`] locations per item.

use serde_json::Value;
use weft_sdk::connector::{CallError, Failure, Page};
use weft_sdk::model::{Entity, InventoryLevel};

use crate::catalog_cache;
use crate::gql;
use crate::inventory_docs::{levels_query, quantity};
use crate::paged;
use crate::util::{gid, is_numeric_id, level_key, list_at, meta, str_at};

/// Locations read per item (a page of items costs about 33 points each).
pub const LEVELS_PER_ITEM: u32 = 10;
/// Largest page of items.
const MAX_ITEMS: u32 = 25;

const PAGE: &str = "query InventoryPage($first: Int!, $after: String, $query: String) {
  inventoryItems(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { id sku updatedAt
      inventoryLevels(first: 10) { nodes { id updatedAt location { legacyResourceId }
        quantities(names: [\"available\", \"on_hand\", \"committed\"]) { name quantity } } } } } }";

/// One level as a record.
pub fn level_entity(sku: &str, location: &str, level: &Value, version: &str) -> InventoryLevel {
    let q = |name| quantity(level, name).unwrap_or(0);
    InventoryLevel {
        meta: meta(&level_key(sku, location), version, str_at(level, "/id")),
        sku: sku.to_string(),
        location: location.to_string(),
        on_hand: q("on_hand"),
        available: q("available"),
        committed: q("committed"),
    }
}

/// The records of one `inventoryItems` page (`nodes`); items without a SKU are skipped.
pub fn page_records(nodes: &[Value]) -> Vec<Entity> {
    let mut records = Vec::new();
    for item in nodes {
        let at = str_at(item, "/updatedAt").unwrap_or("");
        let sku = str_at(item, "/sku").unwrap_or("");
        if sku.is_empty() {
            continue;
        }
        for level in list_at(item, "/inventoryLevels/nodes") {
            let Some(loc) = str_at(level, "/location/legacyResourceId") else {
                continue;
            };
            let version = str_at(level, "/updatedAt").unwrap_or(at);
            records.push(Entity::InventoryLevel(level_entity(
                sku, loc, level, version,
            )));
        }
    }
    records
}

/// Read one page.
pub fn read(cursor: Option<&str>, limit: u32) -> Result<Page, CallError> {
    let slice = paged::read(cursor, PAGE, "inventoryItems", limit.clamp(1, MAX_ITEMS))?;
    Ok(Page {
        records: page_records(&slice.nodes),
        next_cursor: slice.next_cursor,
        has_more: slice.has_more,
    })
}

/// Split `SKU@location` (the last `@`, SKUs may contain one).
pub fn parse_key(key: &str) -> Option<(&str, &str)> {
    key.rsplit_once('@')
        .filter(|(sku, loc)| !sku.is_empty() && is_numeric_id(loc))
}

/// Look levels up by `SKU@location`; unknown keys are absent.
pub fn lookup(keys: &[String]) -> Result<Vec<Entity>, Failure> {
    let parsed: Vec<(&str, &str)> = keys.iter().filter_map(|k| parse_key(k)).collect();
    let skus: Vec<String> = parsed.iter().map(|(s, _)| s.to_string()).collect();
    let items = catalog_cache::items_for(&skus)?;
    let wanted: Vec<(&str, &str, String)> = parsed
        .iter()
        .filter_map(|(s, l)| items.get(*s).map(|item| (*s, *l, item.clone())))
        .collect();
    let mut out = Vec::new();
    for chunk in wanted.chunks(100) {
        let pairs: Vec<(String, String)> = chunk
            .iter()
            .map(|(_, l, item)| (item.clone(), gid("Location", l)))
            .collect();
        let (doc, vars) = levels_query(&pairs);
        let data = gql::query(&doc, vars)?;
        for (n, (sku, loc, _)) in chunk.iter().enumerate() {
            if str_at(&data, &format!("/l{n}/sku")) != Some(*sku) {
                catalog_cache::forget(sku);
                continue;
            }
            let Some(level) = data
                .pointer(&format!("/l{n}/inventoryLevel"))
                .filter(|l| !l.is_null())
            else {
                continue;
            };
            let available = quantity(level, "available").unwrap_or(0).to_string();
            out.push(Entity::InventoryLevel(level_entity(
                sku, loc, level, &available,
            )));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_a_graphql_page_into_levels() {
        let nodes = json!([
            {"id": "gid://shopify/InventoryItem/44", "sku": "TEE-1", "updatedAt": "2026-01-05T10:00:02Z",
             "inventoryLevels": {"nodes": [
                {"id": "gid://shopify/InventoryLevel/1001?inventory_item_id=44", "updatedAt": "2026-01-05T10:00:01Z",
                 "location": {"legacyResourceId": "1001"},
                 "quantities": [{"name": "available", "quantity": 7}, {"name": "on_hand", "quantity": 9}, {"name": "committed", "quantity": 2}]},
                {"id": "gid://shopify/InventoryLevel/1002?inventory_item_id=44", "updatedAt": "2026-01-05T10:00:02Z",
                 "location": {"legacyResourceId": "1002"},
                 "quantities": [{"name": "available", "quantity": 0}, {"name": "on_hand", "quantity": 0}, {"name": "committed", "quantity": 0}]}]}},
            {"id": "gid://shopify/InventoryItem/45", "sku": "", "updatedAt": "2026-01-05T10:00:03Z",
             "inventoryLevels": {"nodes": []}}
        ]);
        let records = page_records(nodes.as_array().unwrap());
        assert_eq!(
            records.len(),
            2,
            "two levels; the item without a SKU is skipped"
        );
        let Entity::InventoryLevel(l) = &records[0] else {
            panic!("not a level")
        };
        assert_eq!((l.sku.as_str(), l.location.as_str()), ("TEE-1", "1001"));
        assert_eq!((l.available, l.on_hand, l.committed), (7, 9, 2));
        assert_eq!(l.meta.source_id, "TEE-1@1001");
        assert_eq!(l.meta.version, "2026-01-05T10:00:01Z");
        assert_eq!(parse_key("A@B@1001"), Some(("A@B", "1001")));
        assert_eq!(parse_key("A@x"), None);
    }
}
