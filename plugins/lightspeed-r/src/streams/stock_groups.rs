//! `inventory-levels` when `stock-shops` names groups (e.g. `{"online": [1, 2]}`): one level per
//! item and group, location = the group's name, the sum of its shops' rows (on-hand `qoh`,
//! committed units, available = on-hand - committed).
//!
//! Read: the ItemShop rows of grouped shops change by `timeStamp` through the keyset cursor (no
//! relation loaded); the items they belong to are then read with all their ItemShops, one
//! `Item.json?itemID=IN,[...]&load_relations=["ItemShops"]` per 100 items, and every group a
//! changed row belongs to is summed from that snapshot. Source-id is `{itemID}@{group}`; version
//! `{latest timeStamp of the group's rows}#{on-hand}#{committed}`, so a re-read of an unchanged
//! group is a ledger duplicate, and a change in any of its shops gives a new version.
//!
//! Lookup keys `SKU@{group}`: the items by SKU (as `inventory`), summed the same way.
//!
//! Deliberately not here: per-shop or all-shops levels (`inventory`), and buffers (the
//! safety-stock transform takes them off per location).

use std::collections::{BTreeMap, BTreeSet};

use weft_sdk::connector::Failure;
use weft_sdk::model::{Entity, InventoryLevel};

use super::inventory::{committed, resolve};
use super::{attr, meta};
use crate::client::{Client, Level};
use crate::cursor::Cursor;
use crate::query::Query;
use crate::scan::{Source, scan};
use crate::time;
use crate::wire::{Item, ItemShop};

/// Group name -> the shop ids it sums.
pub type Groups = BTreeMap<String, Vec<u64>>;

/// The level of `group` (summing `shops`) of an item read with its ItemShops.
pub fn group_level(item: &Item, sku: &str, group: &str, shops: &[u64]) -> InventoryLevel {
    let rows: Vec<&ItemShop> = item
        .item_shops
        .list
        .iter()
        .filter(|r| shops.contains(&r.shop_id))
        .collect();
    let on_hand: i64 = rows.iter().map(|r| r.qoh).sum();
    let held: i64 = rows.iter().map(|r| committed(r)).sum();
    // Canonical stamps are UTC with a fixed shape, so the greatest string is the latest.
    let stamp = rows
        .iter()
        .map(|r| time::canonical(&r.time_stamp))
        .max()
        .unwrap_or_default();
    let mut m = meta(format!("{}@{group}", item.item_id), &stamp);
    m.version = format!("{}#{on_hand}#{held}", m.version);
    m.attributes
        .push(attr("lightspeed.item-id", item.item_id.to_string()));
    InventoryLevel {
        meta: m,
        sku: sku.to_string(),
        location: group.to_string(),
        on_hand,
        available: on_hand - held,
        committed: held,
    }
}

/// Items by id with their ItemShops (archived ones too: their stock still counts).
fn items_by_id(client: &Client<'_>, ids: &[u64]) -> Result<BTreeMap<u64, Item>, Failure> {
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(100) {
        let ids: Vec<String> = chunk.iter().map(u64::to_string).collect();
        let q = Query::new("Item")
            .filter_in("itemID", &ids)
            .relations(&["ItemShops"])
            .param("archived", "true")
            .param("limit", "100")
            .path();
        for item in client.list::<Item>(&q, "Item")?.records {
            out.insert(item.item_id, item);
        }
    }
    Ok(out)
}

/// Read group levels after the cursor.
pub fn read(
    client: &Client<'_>,
    groups: &Groups,
    cursor: &mut Cursor,
    want: usize,
) -> Result<(Vec<Entity>, bool), Failure> {
    let grouped = |shop: u64| groups.values().any(|s| s.contains(&shop));
    let src = Source {
        resource: "ItemShop",
        id_field: "itemShopID",
        params: Vec::new(),
    };
    let got = scan::<ItemShop>(client, &src, cursor, want, |r| grouped(r.shop_id))?;
    let mut touched: BTreeMap<u64, BTreeSet<&str>> = BTreeMap::new();
    for row in &got.rows {
        for (name, shops) in groups {
            if shops.contains(&row.shop_id) {
                touched.entry(row.item_id).or_default().insert(name);
            }
        }
    }
    let ids: Vec<u64> = touched.keys().copied().collect();
    let items = items_by_id(client, &ids)?;
    let mut out = Vec::new();
    for (item_id, names) in touched {
        let Some((item, sku)) = items
            .get(&item_id)
            .map(|i| (i, i.sku()))
            .filter(|(_, sku)| !sku.is_empty())
        else {
            let why =
                format!("item {item_id} is missing or has no SKU; its stock groups are skipped");
            client.log(Level::Warn, &why);
            continue;
        };
        for name in names {
            let level = group_level(item, sku, name, &groups[name]);
            out.push(Entity::InventoryLevel(level));
        }
    }
    Ok((out, got.caught_up))
}

/// Look group levels up by `SKU@{group}`.
pub fn lookup(
    client: &Client<'_>,
    groups: &Groups,
    keys: &[String],
) -> Result<Vec<Entity>, Failure> {
    let parsed: Vec<(&str, &str)> = keys
        .iter()
        .filter_map(|k| k.rsplit_once('@'))
        .filter(|(sku, group)| !sku.is_empty() && groups.contains_key(*group))
        .collect();
    let mut skus: Vec<String> = parsed.iter().map(|(s, _)| s.to_string()).collect();
    skus.sort();
    skus.dedup();
    let items = resolve(client, &skus, &["ItemShops"], true)?;
    Ok(parsed
        .into_iter()
        .filter_map(|(sku, group)| {
            let item = items.get(sku)?;
            let level = group_level(item, sku, group, &groups[group]);
            Some(Entity::InventoryLevel(level))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_group_sums_its_shops_and_versions_by_content() {
        let item: Item = serde_json::from_value(json!({
            "itemID": "5", "customSku": "TEE-1-M",
            "ItemShops": {"ItemShop": [
                {"itemShopID": "1", "itemID": "5", "shopID": "0", "qoh": "30",
                 "timeStamp": "2026-01-01T00:00:09+00:00"},
                {"itemShopID": "2", "itemID": "5", "shopID": "1", "qoh": "10", "onLayaway": "2",
                 "timeStamp": "2026-01-01T00:00:05+00:00"},
                {"itemShopID": "3", "itemID": "5", "shopID": "2", "qoh": "12",
                 "timeStamp": "2026-01-01T00:00:07+00:00"},
                {"itemShopID": "4", "itemID": "5", "shopID": "3", "qoh": "8",
                 "timeStamp": "2026-01-01T00:00:09+00:00"}]}
        }))
        .unwrap();
        let l = group_level(&item, "TEE-1-M", "online", &[1, 2]);
        assert_eq!((l.on_hand, l.committed, l.available), (22, 2, 20));
        assert_eq!(l.location, "online");
        assert_eq!(l.meta.source_id, "5@online");
        assert_eq!(l.meta.version, "2026-01-01T00:00:07Z#22#2");
        let outlet = group_level(&item, "TEE-1-M", "outlet", &[3]);
        assert_eq!((outlet.on_hand, outlet.available), (8, 8));
    }
}
