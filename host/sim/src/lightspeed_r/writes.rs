//! Write payload parsing for the Lightspeed simulator (POST/PUT/DELETE bodies → store mutations).
//!
//! Payloads use the R-Series shape: scalars as strings (numbers and booleans are accepted too),
//! relations as `{"SaleLines": {"SaleLine": [...]}}` (a bare object for one, or a bare array).
//! Rules reproduced (platform-apis.md 1.4): Item PUT sets `qoh` absolutely through
//! `ItemShops.ItemShop[]` identified by `itemShopID` or `shopID`, redundant or invalid ItemShop
//! objects are rejected, `archived` cannot be set through PUT, DELETE archives and zeroes stock;
//! ItemShop PUT changes only `reorderPoint`/`reorderLevel`.
//!
//! Refunds: `POST Sale/{id}/Refund` (body optional: `SaleLines.SaleLine[{saleLineID, unitQuantity}]`,
//! `shopID`, `SalePayments`) creates a new, completed sale whose lines carry negative quantities and
//! `parentSaleLineID` = the original line; without lines it returns everything still returnable, and
//! without payments it refunds the total to the original's first tender type. The body shape of
//! this endpoint is our assumption. A POST Sale with negative lines and `parentSaleLineID` works too.
//!
//! Deliberately not here: editing lines of a completed sale, voiding a completed sale, layaways.

use serde_json::Value;

use super::error::ApiError;
use super::render::parse_money;
use super::store::{CustomerRec, ItemRec, Store};

mod sales;
pub(crate) use sales::{create_sale, refund_sale, update_sale};

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn int(v: &Value, key: &str) -> Result<Option<i64>, ApiError> {
    text(v, key)
        .map(|s| {
            s.trim()
                .parse::<i64>()
                .map_err(|_| ApiError::bad_request(format!("`{key}` must be an integer")))
        })
        .transpose()
}

fn id(v: &Value, key: &str) -> Result<u64, ApiError> {
    Ok(int(v, key)?.unwrap_or(0).max(0) as u64)
}

fn flag(v: &Value, key: &str) -> Option<bool> {
    text(v, key).map(|s| s == "true" || s == "1")
}

fn money(v: &Value, key: &str) -> Result<Option<i64>, ApiError> {
    text(v, key)
        .map(|s| {
            parse_money(&s)
                .ok_or_else(|| ApiError::bad_request(format!("`{key}` must be a decimal amount")))
        })
        .transpose()
}

/// The entities of a relation container: `{"X": {"Y": [..] | {..}}}` or `{"X": [..]}`.
fn rel<'a>(v: &'a Value, outer: &str, inner: &str) -> Vec<&'a Value> {
    let c = match v.get(outer) {
        Some(c) => c,
        None => return Vec::new(),
    };
    let c = c.get(inner).unwrap_or(c);
    match c {
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => vec![c],
        _ => Vec::new(),
    }
}

fn default_price(v: &Value) -> Result<Option<i64>, ApiError> {
    for p in rel(v, "Prices", "ItemPrice") {
        let use_type = text(p, "useType").unwrap_or_default();
        if use_type == "Default" || text(p, "useTypeID").as_deref() == Some("1") {
            return money(p, "amount");
        }
    }
    Ok(None)
}

/// Apply `ItemShops.ItemShop[]` qoh sets.
fn set_item_shops(st: &mut Store, item_id: u64, v: &Value, now: i64) -> Result<(), ApiError> {
    let mut seen = Vec::new();
    let mut sets = Vec::new();
    for row in rel(v, "ItemShops", "ItemShop") {
        let shop = match int(row, "itemShopID")? {
            Some(isid) => {
                let r = st
                    .item_shops
                    .get(&(isid as u64))
                    .filter(|r| r.item_id == item_id);
                r.ok_or_else(|| ApiError::bad_request(format!("invalid itemShopID {isid}")))?
                    .shop_id
            }
            None => id(row, "shopID")?,
        };
        if shop == 0 || st.item_shop(item_id, shop).is_none() || seen.contains(&shop) {
            return Err(ApiError::bad_request(format!(
                "redundant or invalid ItemShop for shopID {shop}"
            )));
        }
        seen.push(shop);
        if let Some(q) = int(row, "qoh")? {
            sets.push((shop, q));
        }
    }
    for (shop, q) in sets {
        st.set_qoh(item_id, shop, q, now)?;
    }
    Ok(())
}

pub(crate) fn create_item(st: &mut Store, v: &Value, now: i64) -> Result<u64, ApiError> {
    let description =
        text(v, "description").ok_or_else(|| ApiError::bad_request("description is required"))?;
    let matrix = id(v, "itemMatrixID")?;
    if matrix != 0 && !st.matrices.contains_key(&matrix) {
        return Err(ApiError::bad_request(format!(
            "invalid itemMatrixID {matrix}"
        )));
    }
    let item_id = Store::next_id(&st.items);
    let attrs = v.get("ItemAttributes").cloned().unwrap_or(Value::Null);
    let item = ItemRec {
        item_id,
        item_matrix_id: matrix,
        description,
        custom_sku: text(v, "customSku").unwrap_or_default(),
        manufacturer_sku: text(v, "manufacturerSku").unwrap_or_default(),
        upc: text(v, "upc").unwrap_or_default(),
        ean: text(v, "ean").unwrap_or_default(),
        price_minor: default_price(v)?.unwrap_or(0),
        cost_minor: money(v, "defaultCost")?.unwrap_or(0),
        attribute1: text(&attrs, "attribute1").unwrap_or_default(),
        attribute2: text(&attrs, "attribute2").unwrap_or_default(),
        archived: false,
        create_time: now,
        time_stamp: now,
    };
    st.insert_item(item, |_| 0);
    set_item_shops(st, item_id, v, now)?;
    Ok(item_id)
}

pub(crate) fn update_item(
    st: &mut Store,
    item_id: u64,
    v: &Value,
    now: i64,
) -> Result<u64, ApiError> {
    if v.get("archived").is_some() {
        return Err(ApiError::bad_request(
            "archived cannot be set with PUT; DELETE the item to archive it",
        ));
    }
    let price = default_price(v)?;
    let cost = money(v, "defaultCost")?;
    let item = st
        .items
        .get_mut(&item_id)
        .ok_or_else(|| ApiError::not_found("Item"))?;
    let old_sku = item.custom_sku.clone();
    let mut changed = false;
    for (key, slot) in [
        ("description", &mut item.description),
        ("customSku", &mut item.custom_sku),
        ("manufacturerSku", &mut item.manufacturer_sku),
        ("upc", &mut item.upc),
        ("ean", &mut item.ean),
    ] {
        if let Some(x) = text(v, key) {
            changed |= *slot != x;
            *slot = x;
        }
    }
    if let Some(p) = price {
        changed |= item.price_minor != p;
        item.price_minor = p;
    }
    if let Some(c) = cost {
        changed |= item.cost_minor != c;
        item.cost_minor = c;
    }
    if changed {
        item.time_stamp = now;
    }
    st.reindex_sku(&old_sku, item_id);
    set_item_shops(st, item_id, v, now)?;
    Ok(item_id)
}

pub(crate) fn archive_item(st: &mut Store, item_id: u64, now: i64) -> Result<u64, ApiError> {
    let item = st
        .items
        .get_mut(&item_id)
        .ok_or_else(|| ApiError::not_found("Item"))?;
    item.archived = true;
    item.time_stamp = now;
    let shops: Vec<u64> = st.shops.keys().copied().collect();
    for shop in shops {
        st.set_qoh(item_id, shop, 0, now)?;
    }
    Ok(item_id)
}

pub(crate) fn update_item_shop(
    st: &mut Store,
    isid: u64,
    v: &Value,
    now: i64,
) -> Result<u64, ApiError> {
    if let Some(Value::Object(m)) = Some(v)
        && let Some(k) = m
            .keys()
            .find(|k| !matches!(k.as_str(), "reorderPoint" | "reorderLevel" | "itemShopID"))
    {
        return Err(ApiError::bad_request(format!(
            "`{k}` cannot be changed through ItemShop; only reorderPoint and reorderLevel"
        )));
    }
    let (rp, rl) = (int(v, "reorderPoint")?, int(v, "reorderLevel")?);
    let row = st
        .item_shops
        .get_mut(&isid)
        .ok_or_else(|| ApiError::not_found("ItemShop"))?;
    row.reorder_point = rp.unwrap_or(row.reorder_point);
    row.reorder_level = rl.unwrap_or(row.reorder_level);
    row.time_stamp = now;
    Ok(isid)
}

fn contact(v: &Value) -> (Option<String>, Option<String>) {
    let c = v.get("Contact").cloned().unwrap_or(Value::Null);
    let email = rel(&c, "Emails", "ContactEmail")
        .first()
        .and_then(|e| text(e, "address"));
    let phone = rel(&c, "Phones", "ContactPhone")
        .first()
        .and_then(|p| text(p, "number"));
    (email, phone)
}

pub(crate) fn create_customer(st: &mut Store, v: &Value, now: i64) -> Result<u64, ApiError> {
    let (email, phone) = contact(v);
    let first = text(v, "firstName").unwrap_or_default();
    let last = text(v, "lastName").unwrap_or_default();
    if first.is_empty() && last.is_empty() {
        return Err(ApiError::bad_request("firstName or lastName is required"));
    }
    let cid = Store::next_id(&st.customers);
    st.customers.insert(
        cid,
        CustomerRec {
            customer_id: cid,
            first_name: first,
            last_name: last,
            email: email.unwrap_or_default(),
            phone: phone.unwrap_or_default(),
            archived: false,
            create_time: now,
            time_stamp: now,
        },
    );
    Ok(cid)
}

pub(crate) fn update_customer(
    st: &mut Store,
    cid: u64,
    v: &Value,
    now: i64,
) -> Result<u64, ApiError> {
    let (email, phone) = contact(v);
    let c = st
        .customers
        .get_mut(&cid)
        .ok_or_else(|| ApiError::not_found("Customer"))?;
    c.first_name = text(v, "firstName").unwrap_or(c.first_name.clone());
    c.last_name = text(v, "lastName").unwrap_or(c.last_name.clone());
    c.email = email.unwrap_or(c.email.clone());
    c.phone = phone.unwrap_or(c.phone.clone());
    c.time_stamp = now;
    Ok(cid)
}
