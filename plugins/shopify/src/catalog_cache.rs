//! What the connector remembers between calls, in the deployment's kv store: the shop currency
//! (variant prices are bare decimals in it) and the SKU <-> inventory item mapping that every
//! inventory write and inventory webhook needs.
//!
//! The mapping is a cache, never the truth: an entry is dropped when Shopify says the item is
//! gone (`INVALID_INVENTORY_ITEM`) and resolved again; kv failures only cost a lookup. SKUs are
//! resolved in one aliased query per batch (`inventoryItems(query: "sku:...")`), matched
//! exactly (Shopify's search is case-insensitive). Deliberately not here: product lookups.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use weft_sdk::connector::Failure;
use weft_sdk::kv;

use crate::doc::Doc;
use crate::gql;
use crate::util::{list_at, search, str_at};

const CURRENCY_KEY: &str = "shop-currency";
/// Aliases per SKU query (7 points each, well under the 1000-point ceiling).
const SKUS_PER_QUERY: usize = 100;

fn sku_key(sku: &str) -> String {
    format!("sku-item:{sku}")
}

fn item_key(item_gid: &str) -> String {
    format!("item-sku:{}", crate::util::legacy_id(item_gid))
}

/// The shop's currency code, cached.
pub fn currency() -> Result<String, Failure> {
    if let Ok(Some(c)) = kv::get_json::<String>(CURRENCY_KEY) {
        return Ok(c);
    }
    let data = gql::query("query ShopCurrency { shop { currencyCode } }", json!({}))?;
    let code = str_at(&data, "/shop/currencyCode")
        .unwrap_or("USD")
        .to_string();
    let _ = kv::set_json(CURRENCY_KEY, &code);
    Ok(code)
}

/// Remember that `sku` is inventory item `item_gid` (both directions).
pub fn remember(sku: &str, item_gid: &str) {
    let _ = kv::set_json(&sku_key(sku), &item_gid.to_string());
    let _ = kv::set_json(&item_key(item_gid), &sku.to_string());
}

/// Forget a mapping Shopify no longer knows.
pub fn forget(sku: &str) {
    if let Ok(Some(gid)) = kv::get_json::<String>(&sku_key(sku)) {
        let _ = kv::delete(&item_key(&gid));
    }
    let _ = kv::delete(&sku_key(sku));
}

/// Build the aliased lookup document for `skus`.
pub fn sku_query(skus: &[String]) -> (String, Value) {
    let mut d = Doc::new();
    for (i, sku) in skus.iter().enumerate() {
        d.var(format!("q{i}"), "String!", json!(search("sku", sku)))
            .field(format!(
                "s{i}: inventoryItems(first: 5, query: $q{i}) {{ nodes {{ id sku }} }}"
            ));
    }
    d.render("query", "SkuItems")
}

/// Pick the item for `sku` out of one alias's answer: an exact match, else the only
/// case-insensitive one.
pub fn pick_item(sku: &str, answer: &Value) -> Option<String> {
    let nodes = list_at(answer, "/nodes");
    let exact = nodes
        .iter()
        .find(|n| str_at(n, "/sku") == Some(sku))
        .and_then(|n| str_at(n, "/id"));
    let loose: Vec<&str> = nodes
        .iter()
        .filter(|n| str_at(n, "/sku").is_some_and(|s| s.eq_ignore_ascii_case(sku)))
        .filter_map(|n| str_at(n, "/id"))
        .collect();
    exact
        .or(if loose.len() == 1 {
            Some(loose[0])
        } else {
            None
        })
        .map(str::to_string)
}

/// Inventory item ids of `skus`: cached ones from kv, the rest in aliased queries. SKUs Shopify
/// does not know are absent from the map.
pub fn items_for(skus: &[String]) -> Result<BTreeMap<String, String>, Failure> {
    let mut found = BTreeMap::new();
    let mut missing = Vec::new();
    for sku in skus {
        if found.contains_key(sku) || missing.contains(sku) {
            continue;
        }
        match kv::get_json::<String>(&sku_key(sku)) {
            Ok(Some(gid)) => {
                found.insert(sku.clone(), gid);
            }
            _ => missing.push(sku.clone()),
        }
    }
    for chunk in missing.chunks(SKUS_PER_QUERY) {
        let (doc, vars) = sku_query(chunk);
        let data = gql::query(&doc, vars)?;
        for (i, sku) in chunk.iter().enumerate() {
            if let Some(item) = data.get(format!("s{i}")).and_then(|a| pick_item(sku, a)) {
                remember(sku, &item);
                found.insert(sku.clone(), item);
            }
        }
    }
    Ok(found)
}

/// The SKU of an inventory item (for `inventory_levels/update` webhooks), cached.
pub fn sku_of_item(item_id: &str) -> Result<Option<String>, Failure> {
    let item_gid = crate::util::gid("InventoryItem", item_id);
    if let Ok(Some(sku)) = kv::get_json::<String>(&item_key(&item_gid)) {
        return Ok(Some(sku));
    }
    let data = gql::query(
        "query ItemSku($id: ID!) { inventoryItem(id: $id) { id sku } }",
        json!({"id": item_gid}),
    )?;
    let sku = str_at(&data, "/inventoryItem/sku")
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(sku) = &sku {
        remember(sku, &item_gid);
    }
    Ok(sku)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sku_documents_and_matching() {
        let (doc, vars) = sku_query(&["A-1".into(), "b 2".into()]);
        assert!(doc.starts_with("query SkuItems($q0: String!, $q1: String!)"));
        assert!(doc.contains("s1: inventoryItems(first: 5, query: $q1)"));
        assert_eq!(vars["q1"], "sku:\"b 2\"");
        let answer = json!({"nodes": [{"id": "gid://shopify/InventoryItem/1", "sku": "a-1"},
            {"id": "gid://shopify/InventoryItem/2", "sku": "A-1"}]});
        assert_eq!(
            pick_item("A-1", &answer).as_deref(),
            Some("gid://shopify/InventoryItem/2")
        );
        let one = json!({"nodes": [{"id": "gid://shopify/InventoryItem/3", "sku": "X-9"}]});
        assert_eq!(
            pick_item("x-9", &one).as_deref(),
            Some("gid://shopify/InventoryItem/3")
        );
        assert_eq!(pick_item("Y", &one), None);
    }
}
