//! `products`: matrices with their items as products with variants; a standalone item
//! (`itemMatrixID` 0) is a product with one variant.
//!
//! Read: Items by `timeStamp` through the keyset cursor (`archived=true`, so archiving shows up),
//! then the matrices touched by the page in one `ItemMatrix.json?itemMatrixID=IN,[...]` with
//! `Items`, `Items.ItemAttributes` and `ItemAttributeSet`; each touched product is emitted once per
//! page, complete. Option names come from the attribute set (`attributeName1..3`), option values
//! from the items' `attribute1..3`, the price from the `Default` price, barcodes from `upc`/`ean`.
//! Source-id is `matrix:<itemMatrixID>` or `item:<itemID>`; version the newest `timeStamp` of the
//! matrix and its items with a digest of the product (`streams::content_version`), so an item
//! edited twice inside one second changes it; variants keep their item's bare `timeStamp`.
//! Archived items are left out of the variants; a product whose matrix or items are all archived
//! is `archived` with all its variants. Where leaving archived items out changes the first
//! variant, `weft.key` keeps the key of the first item (`product:{sku}`).
//!
//! Deliberately not here: matrix-only edits that touch no item are seen with the next item
//! change (Lightspeed re-describes matrix items when the matrix changes); writing products.

use std::collections::BTreeMap;

use weft_sdk::connector::Failure;
use weft_sdk::model::{Entity, OptionValue, Product, ProductStatus, ProductVariant, money};

use super::{attr, content_version, meta};
use crate::client::{Client, Level};
use crate::config::Config;
use crate::cursor::Cursor;
use crate::query::Query;
use crate::scan::{Source, scan};
use crate::time;
use crate::wire::{Item, ItemMatrix};

fn variant(item: &Item, names: &[String; 3], currency: &str) -> ProductVariant {
    let a = &item.attributes;
    let values = [&a.attribute1, &a.attribute2, &a.attribute3];
    let options = names
        .iter()
        .zip(values)
        .filter(|(n, v)| !n.is_empty() && !v.is_empty())
        .map(|(n, v)| OptionValue {
            name: n.clone(),
            value: v.clone(),
        })
        .collect();
    let barcodes = [&item.upc, &item.ean]
        .into_iter()
        .filter(|b| !b.trim().is_empty())
        .cloned()
        .collect();
    ProductVariant {
        meta: meta(item.item_id.to_string(), &item.time_stamp),
        sku: item.sku().to_string(),
        barcodes,
        options,
        price: item.default_price().map(|p| money(p, currency)),
    }
}

fn newest<'a>(stamps: impl Iterator<Item = &'a str>) -> String {
    stamps
        .map(|s| (time::parse(s).unwrap_or(i64::MIN), s))
        .max()
        .map(|(_, s)| s.to_string())
        .unwrap_or_default()
}

fn tax_class(id: &str) -> Option<String> {
    (!id.is_empty() && id != "0").then(|| id.to_string())
}

/// A product from a matrix and its items (sorted by itemID).
pub fn from_matrix(m: &ItemMatrix, currency: &str) -> Product {
    let set = &m.attribute_set;
    let names = [
        set.attribute_name1.clone(),
        set.attribute_name2.clone(),
        set.attribute_name3.clone(),
    ];
    let mut items: Vec<&Item> = m.items.list.iter().collect();
    items.sort_by_key(|i| i.item_id);
    let archived = m.archived || items.iter().all(|i| i.archived);
    let shown: Vec<&Item> = items
        .iter()
        .copied()
        .filter(|i| archived || !i.archived)
        .collect();
    let version = newest(
        std::iter::once(m.time_stamp.as_str()).chain(items.iter().map(|i| i.time_stamp.as_str())),
    );
    let mut meta = meta(format!("matrix:{}", m.item_matrix_id), &version);
    if let (Some(first), Some(shown_first)) = (items.first(), shown.first())
        && first.item_id != shown_first.item_id
    {
        meta.attributes
            .push(attr("weft.key", format!("product:{}", first.sku())));
    }
    let mut p = Product {
        meta,
        title: m.description.clone(),
        parent_id: None,
        option_names: names.iter().filter(|n| !n.is_empty()).cloned().collect(),
        variants: shown.iter().map(|i| variant(i, &names, currency)).collect(),
        tax_class: tax_class(&m.tax_class_id),
        unit_of_measure: "each".into(),
        pack_size: 1,
        status: if archived {
            ProductStatus::Archived
        } else {
            ProductStatus::Active
        },
    };
    p.meta.version = content_version(&version, &p);
    p
}

/// A product from a standalone item.
pub fn from_item(item: &Item, currency: &str) -> Product {
    let none = [String::new(), String::new(), String::new()];
    let mut p = Product {
        meta: meta(format!("item:{}", item.item_id), &item.time_stamp),
        title: item.description.clone(),
        parent_id: None,
        option_names: Vec::new(),
        variants: vec![variant(item, &none, currency)],
        tax_class: tax_class(&item.tax_class_id),
        unit_of_measure: "each".into(),
        pack_size: 1,
        status: if item.archived {
            ProductStatus::Archived
        } else {
            ProductStatus::Active
        },
    };
    p.meta.version = content_version(&item.time_stamp, &p);
    p
}

fn matrices(client: &Client<'_>, ids: &[u64]) -> Result<BTreeMap<u64, ItemMatrix>, Failure> {
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(100) {
        let ids: Vec<String> = chunk.iter().map(u64::to_string).collect();
        let q = Query::new("ItemMatrix")
            .filter_in("itemMatrixID", &ids)
            .relations(&["Items", "Items.ItemAttributes", "ItemAttributeSet"])
            .param("archived", "true")
            .param("limit", "100");
        for m in client.list::<ItemMatrix>(&q.path(), "ItemMatrix")?.records {
            out.insert(m.item_matrix_id, m);
        }
    }
    Ok(out)
}

/// Read products whose items changed after the cursor.
pub fn read(
    client: &Client<'_>,
    config: &Config,
    cursor: &mut Cursor,
    want: usize,
) -> Result<(Vec<Entity>, bool), Failure> {
    let src = Source {
        resource: "Item",
        id_field: "itemID",
        params: vec![("archived", "true".into())],
    };
    let got = scan::<Item>(client, &src, cursor, want, |_| true)?;
    let mut ids: Vec<u64> = got
        .rows
        .iter()
        .map(|i| i.item_matrix_id)
        .filter(|m| *m != 0)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let found = matrices(client, &ids)?;
    let mut done: Vec<u64> = Vec::new();
    let mut out = Vec::new();
    for item in &got.rows {
        if item.item_matrix_id == 0 {
            out.push(Entity::Product(from_item(item, &config.currency)));
            continue;
        }
        if done.contains(&item.item_matrix_id) {
            continue;
        }
        done.push(item.item_matrix_id);
        match found.get(&item.item_matrix_id) {
            Some(m) => out.push(Entity::Product(from_matrix(m, &config.currency))),
            None => client.log(
                Level::Warn,
                &format!(
                    "item {} names matrix {} which was not found; skipped",
                    item.item_id, item.item_matrix_id
                ),
            ),
        }
    }
    Ok((out, got.caught_up))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn matrix(items: serde_json::Value) -> ItemMatrix {
        serde_json::from_value(json!({"itemMatrixID": "7", "description": "Classic Tee",
            "timeStamp": "2026-01-01T00:00:00+00:00", "taxClassID": "1",
            "ItemAttributeSet": {"attributeName1": "Color", "attributeName2": "Size",
                "attributeName3": ""},
            "Items": {"Item": items}}))
        .unwrap()
    }

    #[test]
    fn a_matrix_becomes_a_product_with_options_prices_and_barcodes() {
        let m = matrix(json!([
            {"itemID": "2", "customSku": "TEE-M-RED", "upc": "012345678905", "archived": "true",
             "timeStamp": "2026-01-02T00:00:00+00:00",
             "ItemAttributes": {"attribute1": "Red", "attribute2": "M"}},
            {"itemID": "1", "customSku": "TEE-S-RED", "upc": "", "ean": "4006381333931",
             "timeStamp": "2026-01-01T00:00:00+00:00",
             "Prices": {"ItemPrice": [{"amount": "24.99", "useType": "Default", "useTypeID": "1"},
                                      {"amount": "29.99", "useType": "MSRP", "useTypeID": "2"}]},
             "ItemAttributes": {"attribute1": "Red", "attribute2": "S"}},
            {"itemID": "3", "customSku": "TEE-L-RED", "timeStamp": "2026-01-01T00:00:00+00:00",
             "ItemAttributes": {"attribute1": "Red", "attribute2": "L"}}
        ]));
        let p = from_matrix(&m, "USD");
        assert_eq!(p.meta.source_id, "matrix:7");
        assert!(
            p.meta.version.starts_with("2026-01-02T00:00:00Z#"),
            "newest item stamp: {}",
            p.meta.version
        );
        assert_eq!(p.option_names, vec!["Color", "Size"]);
        assert_eq!(p.status, ProductStatus::Active);
        let skus: Vec<&str> = p.variants.iter().map(|v| v.sku.as_str()).collect();
        assert_eq!(
            skus,
            vec!["TEE-S-RED", "TEE-L-RED"],
            "archived item left out"
        );
        let v = &p.variants[0];
        assert_eq!(v.price, Some(money(2499, "USD")));
        assert_eq!(v.barcodes, vec!["4006381333931"]);
        assert_eq!(v.options[1].value, "S");
        assert!(p.meta.attributes.is_empty(), "first item kept: natural key");
        assert_eq!(p.tax_class.as_deref(), Some("1"));
    }

    #[test]
    fn archiving_the_first_item_keeps_the_key_and_all_archived_is_archived() {
        let m = matrix(
            json!([{"itemID": "1", "customSku": "A", "archived": "true"},
                              {"itemID": "2", "customSku": "B"}]),
        );
        let p = from_matrix(&m, "USD");
        assert_eq!(p.meta.attributes[0].value, "product:A");
        assert_eq!(p.variants.len(), 1);
        let m = matrix(json!({"itemID": "1", "customSku": "A", "archived": "true"}));
        let p = from_matrix(&m, "USD");
        assert_eq!((p.status, p.variants.len()), (ProductStatus::Archived, 1));
    }
}
