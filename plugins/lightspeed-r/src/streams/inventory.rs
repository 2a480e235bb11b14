//! `inventory-levels`: ItemShop rows (one per item per shop) as inventory levels.
//!
//! Read: `GET ItemShop.json?load_relations=["Item"]&sort=timeStamp` through the keyset cursor;
//! the shop 0 (all shops) rows are skipped but advance the cursor; with `stock-shops = "all"` it
//! is the other way round (only shop 0, the summary Lightspeed keeps, as location "0"). A level's SKU is the item's
//! `customSku` (else its `systemSku`), location the `shopID`, on-hand `qoh`, committed the units
//! on layaway, special order, work order and outbound transfer, available `qoh - committed`;
//! source-id is the `itemShopID` and version `{timeStamp}#{qoh}#{committed}` (timeStamp in
//! canonical UTC): a row changed twice inside one second gets two versions, a row re-read
//! unchanged the same one.
//!
//! With `stock-shops` groups the stream is `stock_groups`' instead (one level per item and group).
//!
//! Lookup keys `SKU@shopID` (`SKU@0` only with `stock-shops = "all"`): one `Item.json?customSku=IN,[...]&load_relations=["ItemShops"]`
//! per 100 SKUs (then `systemSku` for SKUs not found); missing keys are absent.
//!
//! Deliberately not here: writing stock (Lightspeed owns stock; online sales reach it as sales).

use std::collections::BTreeMap;

use weft_sdk::connector::Failure;
use weft_sdk::model::{Entity, InventoryLevel};

use super::{attr, meta, stock_groups};
use crate::client::{Client, Level};
use crate::config::StockShops;
use crate::cursor::Cursor;
use crate::query::Query;
use crate::scan::{Source, scan};
use crate::wire::{Item, ItemShop};

/// Units of a row promised elsewhere: on layaway, special order, work order, outbound transfer.
pub fn committed(row: &ItemShop) -> i64 {
    row.on_layaway + row.on_special_order + row.on_work_order + row.on_transfer_out
}

/// A level from a row and its item's SKU.
pub fn level(row: &ItemShop, sku: &str) -> InventoryLevel {
    let committed = committed(row);
    let mut m = meta(row.item_shop_id.to_string(), &row.time_stamp);
    m.version = format!("{}#{}#{committed}", m.version, row.qoh);
    m.attributes
        .push(attr("lightspeed.item-id", row.item_id.to_string()));
    InventoryLevel {
        meta: m,
        sku: sku.to_string(),
        location: row.shop_id.to_string(),
        on_hand: row.qoh,
        available: row.qoh - committed,
        committed,
    }
}

/// Read levels after the cursor.
pub fn read(
    client: &Client<'_>,
    shops: &StockShops,
    cursor: &mut Cursor,
    want: usize,
) -> Result<(Vec<Entity>, bool), Failure> {
    if let StockShops::Groups(groups) = shops {
        return stock_groups::read(client, groups, cursor, want);
    }
    let src = Source {
        resource: "ItemShop",
        id_field: "itemShopID",
        params: vec![("load_relations", r#"["Item"]"#.into())],
    };
    let got = scan::<ItemShop>(client, &src, cursor, want, |r| shops.reads(r.shop_id))?;
    let mut out = Vec::with_capacity(got.rows.len());
    for row in &got.rows {
        match row.item.as_ref().map(Item::sku).filter(|s| !s.is_empty()) {
            Some(sku) => out.push(Entity::InventoryLevel(level(row, sku))),
            None => client.log(
                Level::Warn,
                &format!(
                    "ItemShop {} (item {}) has no SKU; skipped",
                    row.item_shop_id, row.item_id
                ),
            ),
        }
    }
    Ok((out, got.caught_up))
}

/// `SKU@shopID` -> (SKU, shopID), for a shop the stream reads.
fn parse_key<'a>(key: &'a str, shops: &StockShops) -> Option<(&'a str, u64)> {
    let (sku, shop) = key.rsplit_once('@')?;
    let shop: u64 = shop.parse().ok()?;
    (!sku.is_empty() && shops.reads(shop)).then_some((sku, shop))
}

/// Items by SKU field (`customSku` or `systemSku`), chunked; SKUs an `IN` list cannot carry are
/// asked one by one.
pub fn items_by_sku(
    client: &Client<'_>,
    field: &str,
    skus: &[String],
    relations: &[&str],
    archived: bool,
) -> Result<Vec<Item>, Failure> {
    let (plain, odd): (Vec<String>, Vec<String>) = skus
        .iter()
        .cloned()
        .partition(|s| !s.contains([',', '[', ']']));
    let base = |q: Query| {
        let q = if relations.is_empty() {
            q
        } else {
            q.relations(relations)
        };
        let q = if archived {
            q.param("archived", "true")
        } else {
            q
        };
        q.param("limit", "100").path()
    };
    let mut items = Vec::new();
    for chunk in plain.chunks(100) {
        let q = base(Query::new("Item").filter_in(field, chunk));
        items.extend(client.list::<Item>(&q, "Item")?.records);
    }
    for sku in odd {
        let q = base(Query::new("Item").filter(field, "=", &sku));
        items.extend(client.list::<Item>(&q, "Item")?.records);
    }
    Ok(items)
}

fn keep_best(found: &mut BTreeMap<String, Item>, sku: String, item: Item) {
    if found
        .get(&sku)
        .is_none_or(|old| old.archived && !item.archived)
    {
        found.insert(sku, item);
    }
}

/// SKU -> item (a live one preferred over an archived one, which is only asked for with
/// `archived`), by `customSku` then `systemSku`.
pub fn resolve(
    client: &Client<'_>,
    skus: &[String],
    relations: &[&str],
    archived: bool,
) -> Result<BTreeMap<String, Item>, Failure> {
    let mut found: BTreeMap<String, Item> = BTreeMap::new();
    for item in items_by_sku(client, "customSku", skus, relations, archived)? {
        keep_best(&mut found, item.custom_sku.clone(), item);
    }
    let missing: Vec<String> = skus
        .iter()
        .filter(|s| !found.contains_key(*s))
        .cloned()
        .collect();
    if !missing.is_empty() {
        for item in items_by_sku(client, "systemSku", &missing, relations, archived)? {
            if item.custom_sku.trim().is_empty() {
                keep_best(&mut found, item.system_sku.clone(), item);
            }
        }
    }
    Ok(found)
}

/// Look levels up by `SKU@shopID`.
pub fn lookup(
    client: &Client<'_>,
    shops: &StockShops,
    keys: &[String],
) -> Result<Vec<Entity>, Failure> {
    if let StockShops::Groups(groups) = shops {
        return stock_groups::lookup(client, groups, keys);
    }
    let parsed: Vec<(&str, u64)> = keys.iter().filter_map(|k| parse_key(k, shops)).collect();
    let mut skus: Vec<String> = parsed.iter().map(|(s, _)| s.to_string()).collect();
    skus.sort();
    skus.dedup();
    let items = resolve(client, &skus, &["ItemShops"], true)?;
    let mut out = Vec::new();
    for (sku, shop) in parsed {
        let Some(item) = items.get(sku) else { continue };
        if let Some(row) = item.item_shops.list.iter().find(|r| r.shop_id == shop) {
            out.push(Entity::InventoryLevel(level(row, sku)));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_levels() {
        let each = &StockShops::Each;
        assert_eq!(parse_key("TEE-1-M@2", each), Some(("TEE-1-M", 2)));
        assert_eq!(parse_key("A@B@3", each), Some(("A@B", 3)));
        assert_eq!(parse_key("TEE@0", each), None);
        assert_eq!(parse_key("TEE", each), None);
        assert_eq!(parse_key("TEE@0", &StockShops::All), Some(("TEE", 0)));
        assert_eq!(parse_key("TEE@2", &StockShops::All), None);
        let row: ItemShop = serde_json::from_value(serde_json::json!({
            "itemShopID": "40", "itemID": "5", "shopID": "3", "qoh": "10",
            "onLayaway": "2", "onTransferOut": "1", "timeStamp": "2026-01-01T00:00:00+00:00"}))
        .unwrap();
        let l = level(&row, "TEE-1-M");
        assert_eq!((l.on_hand, l.committed, l.available), (10, 3, 7));
        assert_eq!(
            (l.location.as_str(), l.meta.source_id.as_str()),
            ("3", "40")
        );
        assert_eq!(l.meta.version, "2026-01-01T00:00:00Z#10#3");
    }
}
