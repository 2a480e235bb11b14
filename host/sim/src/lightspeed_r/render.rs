//! Rendering of the simulator's records in R-Series JSON shape, with `load_relations`.
//!
//! The shape rules reproduced here: every scalar is a JSON string (`"qoh": "33"`,
//! `"archived": "false"`, money as `"24.99"`, times as `2026-01-01T00:00:00+00:00`); an X-to-many
//! relation renders as `{"SaleLine": [...]}` and, like the top-level lists, as a bare object when it
//! holds exactly one record; empty X-to-many relations are omitted (assumption). `Prices` is always
//! on Item and ItemMatrix; everything else named below under `RELATIONS` appears only when asked for
//! with `load_relations` (dotted names such as `SaleLines.Item` load nested relations).
//!
//! Deliberately not here: every field Lightspeed has. Fields a sync connector does not read are
//! either omitted or given a constant, plausible value (`"categoryID": "0"`).

use serde_json::{Map, Value, json};

use crate::clock::format_rfc3339;

use super::store::{CustomerRec, ItemRec, ItemShopRec, MatrixRec, ShopRec, Store};

mod sales;

/// Money in minor units as a Lightspeed decimal string, e.g. `2499` -> `"24.99"`.
pub(crate) fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", minor.abs() / 100, minor.abs() % 100)
}

/// Parse a decimal money string (`"24.99"`, `"-5"`, `"3.5"`) into minor units.
pub(crate) fn parse_money(s: &str) -> Option<i64> {
    let v: f64 = s.trim().parse().ok()?;
    v.is_finite().then(|| (v * 100.0).round() as i64)
}

fn ts(secs: i64) -> Value {
    Value::String(format_rfc3339(secs))
}

fn s(v: impl ToString) -> Value {
    Value::String(v.to_string())
}

/// One or many records, the way Lightspeed renders a list: a bare object when exactly one.
pub(crate) fn one_or_many(mut records: Vec<Value>) -> Value {
    if records.len() == 1 {
        records.remove(0)
    } else {
        Value::Array(records)
    }
}

/// A record type served by the API.
pub(crate) trait Record {
    /// Entity name: the JSON key and the path segment (`Item`).
    const ENTITY: &'static str;
    /// Primary id field (`itemID`).
    const ID_FIELD: &'static str;
    /// Fields allowed in `sort`.
    const SORTABLE: &'static [&'static str];
    /// Relations for `load_relations`: `(name, is_x_to_many)`.
    const RELATIONS: &'static [(&'static str, bool)];
    /// Primary id.
    fn id(&self) -> u64;
    /// `timeStamp` in Unix seconds.
    fn time_stamp(&self) -> i64;
    /// Whether archived (hidden from lists unless `archived=true|only`).
    fn archived(&self) -> bool {
        false
    }
    /// The scalar fields, all strings.
    fn scalars(&self, st: &Store) -> Map<String, Value>;
    /// A relation's rendered value (`None` = omit), with `nested` relations loaded inside it.
    fn relation(&self, _st: &Store, _name: &str, _nested: &[String]) -> Option<Value> {
        None
    }
    /// Value of a filterable field; defaults to the scalar of that name.
    fn field(&self, st: &Store, name: &str) -> Option<String> {
        match name {
            "timeStamp" => Some(format_rfc3339(self.time_stamp())),
            _ => self
                .scalars(st)
                .remove(name)
                .and_then(|v| v.as_str().map(str::to_string)),
        }
    }
}

/// Render a record with the requested relations (already validated against `RELATIONS`).
pub(crate) fn render<R: Record>(rec: &R, st: &Store, relations: &[String]) -> Value {
    let mut m = rec.scalars(st);
    let mut done: Vec<&str> = Vec::new();
    for r in relations {
        let top = r.split('.').next().unwrap_or(r);
        if done.contains(&top) {
            continue;
        }
        done.push(top);
        let prefix = format!("{top}.");
        let nested: Vec<String> = relations
            .iter()
            .filter_map(|x| x.strip_prefix(&prefix).map(str::to_string))
            .collect();
        if let Some(v) = rec.relation(st, top, &nested) {
            m.insert(top.to_string(), v);
        }
    }
    Value::Object(m)
}

fn many<R: Record>(entity: &str, recs: Vec<&R>, st: &Store, nested: &[String]) -> Option<Value> {
    if recs.is_empty() {
        return None;
    }
    let list = recs.into_iter().map(|r| render(r, st, nested)).collect();
    Some(json!({ entity: one_or_many(list) }))
}

fn prices(minor: i64) -> Value {
    json!({"ItemPrice": [
        {"amount": money(minor), "useTypeID": "1", "useType": "Default"},
        {"amount": money(minor), "useTypeID": "2", "useType": "MSRP"},
        {"amount": money(minor), "useTypeID": "3", "useType": "Online"},
    ]})
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

impl Record for ItemRec {
    const ENTITY: &'static str = "Item";
    const ID_FIELD: &'static str = "itemID";
    const SORTABLE: &'static [&'static str] = &["itemID", "timeStamp", "description"];
    const RELATIONS: &'static [(&'static str, bool)] = &[
        ("ItemShops", true),
        ("ItemAttributes", false),
        ("ItemMatrix", false),
    ];
    fn id(&self) -> u64 {
        self.item_id
    }
    fn time_stamp(&self) -> i64 {
        self.time_stamp
    }
    fn archived(&self) -> bool {
        self.archived
    }
    /// Fast paths for the fields catalogue syncs filter on; the rest render the scalars.
    fn field(&self, st: &Store, name: &str) -> Option<String> {
        match name {
            "itemID" => Some(self.item_id.to_string()),
            "customSku" => Some(self.custom_sku.clone()),
            "itemMatrixID" => Some(self.item_matrix_id.to_string()),
            "upc" => Some(self.upc.clone()),
            "timeStamp" => Some(format_rfc3339(self.time_stamp)),
            _ => self.scalars(st).remove(name)?.as_str().map(str::to_string),
        }
    }
    fn scalars(&self, _st: &Store) -> Map<String, Value> {
        obj(json!({
            "itemID": s(self.item_id), "systemSku": format!("21{:010}", self.item_id),
            "defaultCost": money(self.cost_minor), "avgCost": money(self.cost_minor),
            "discountable": "true", "tax": "true", "archived": s(self.archived),
            "itemType": "default", "serialized": "false", "description": self.description,
            "modelYear": "0", "upc": self.upc, "ean": self.ean, "customSku": self.custom_sku,
            "manufacturerSku": self.manufacturer_sku, "createTime": ts(self.create_time),
            "timeStamp": ts(self.time_stamp), "publishToEcom": "false", "categoryID": "0",
            "taxClassID": "1", "departmentID": "0", "itemMatrixID": s(self.item_matrix_id),
            "manufacturerID": "0", "seasonID": "0", "defaultVendorID": "0",
            "Prices": prices(self.price_minor),
        }))
    }
    fn relation(&self, st: &Store, name: &str, nested: &[String]) -> Option<Value> {
        match name {
            "ItemShops" => many("ItemShop", st.item_shops_of(self.item_id), st, nested),
            "ItemAttributes" => Some(json!({
                "attribute1": self.attribute1, "attribute2": self.attribute2,
                "attribute3": "", "itemAttributeSetID": "1",
            })),
            "ItemMatrix" => st
                .matrices
                .get(&self.item_matrix_id)
                .map(|m| render(m, st, nested)),
            _ => None,
        }
    }
}

impl Record for MatrixRec {
    const ENTITY: &'static str = "ItemMatrix";
    const ID_FIELD: &'static str = "itemMatrixID";
    const SORTABLE: &'static [&'static str] = &["itemMatrixID", "timeStamp", "description"];
    const RELATIONS: &'static [(&'static str, bool)] =
        &[("Items", true), ("ItemAttributeSet", false)];
    fn id(&self) -> u64 {
        self.item_matrix_id
    }
    fn time_stamp(&self) -> i64 {
        self.time_stamp
    }
    fn scalars(&self, _st: &Store) -> Map<String, Value> {
        obj(json!({
            "itemMatrixID": s(self.item_matrix_id), "description": self.description,
            "tax": "true", "defaultCost": money(self.cost_minor), "itemType": "default",
            "serialized": "false", "modelYear": "0", "archived": "false",
            "createTime": ts(self.create_time), "timeStamp": ts(self.time_stamp),
            "itemAttributeSetID": "1", "manufacturerID": "0", "categoryID": "0",
            "defaultVendorID": "0", "taxClassID": "1", "seasonID": "0", "departmentID": "0",
            "Prices": prices(self.price_minor),
        }))
    }
    fn relation(&self, st: &Store, name: &str, nested: &[String]) -> Option<Value> {
        match name {
            "Items" => {
                let items = st
                    .items
                    .values()
                    .filter(|i| i.item_matrix_id == self.item_matrix_id)
                    .collect();
                many("Item", items, st, nested)
            }
            "ItemAttributeSet" => Some(json!({
                "itemAttributeSetID": "1", "name": "Color/Size", "attributeName1": "Color",
                "attributeName2": "Size", "attributeName3": "", "system": "true", "archived": "false",
            })),
            _ => None,
        }
    }
}

impl Record for ItemShopRec {
    const ENTITY: &'static str = "ItemShop";
    const ID_FIELD: &'static str = "itemShopID";
    const SORTABLE: &'static [&'static str] = &["itemShopID", "timeStamp"];
    const RELATIONS: &'static [(&'static str, bool)] = &[("Item", false), ("Shop", false)];
    fn id(&self) -> u64 {
        self.item_shop_id
    }
    fn time_stamp(&self) -> i64 {
        self.time_stamp
    }
    /// Fast paths for the fields inventory polls filter on; the rest render the scalars.
    fn field(&self, st: &Store, name: &str) -> Option<String> {
        match name {
            "itemID" => Some(self.item_id.to_string()),
            "shopID" => Some(self.shop_id.to_string()),
            "qoh" => Some(self.qoh.to_string()),
            "timeStamp" => Some(format_rfc3339(self.time_stamp)),
            _ => self.scalars(st).remove(name)?.as_str().map(str::to_string),
        }
    }
    fn scalars(&self, st: &Store) -> Map<String, Value> {
        let cost = st.items.get(&self.item_id).map_or(0, |i| i.cost_minor);
        let mut m = obj(json!({
            "itemShopID": s(self.item_shop_id), "qoh": s(self.qoh),
            "sellable": s(self.qoh.max(0)), "backorder": "0", "componentQoh": "0",
            "componentBackorder": "0", "reorderPoint": s(self.reorder_point),
            "reorderLevel": s(self.reorder_level), "timeStamp": ts(self.time_stamp),
            "itemID": s(self.item_id), "shopID": s(self.shop_id), "onLayaway": "0",
            "onSpecialOrder": "0", "onWorkOrder": "0", "onTransferOut": "0", "onTransferIn": "0",
            "totalValueFifo": money(cost * self.qoh.max(0)),
            "totalValueAvgCost": money(cost * self.qoh.max(0)),
            "totalValueNegativeInventory": money(cost * self.qoh.min(0)),
        }));
        if self.shop_id == 0 {
            m.insert("averageCost".into(), s(money(cost)));
        }
        m
    }
    fn relation(&self, st: &Store, name: &str, nested: &[String]) -> Option<Value> {
        match name {
            "Item" => st.items.get(&self.item_id).map(|i| render(i, st, nested)),
            "Shop" => st.shops.get(&self.shop_id).map(|x| render(x, st, nested)),
            _ => None,
        }
    }
}

impl Record for ShopRec {
    const ENTITY: &'static str = "Shop";
    const ID_FIELD: &'static str = "shopID";
    const SORTABLE: &'static [&'static str] = &["shopID", "timeStamp"];
    const RELATIONS: &'static [(&'static str, bool)] = &[];
    fn id(&self) -> u64 {
        self.shop_id
    }
    fn time_stamp(&self) -> i64 {
        self.time_stamp
    }
    fn scalars(&self, _st: &Store) -> Map<String, Value> {
        obj(json!({
            "shopID": s(self.shop_id), "name": self.name, "serviceRate": "0",
            "timeZone": self.time_zone, "taxLabor": "false", "labelTitle": "Shop Name",
            "labelMsrp": "false", "archived": "false", "timeStamp": ts(self.time_stamp),
            "contactID": "0", "taxCategoryID": "1", "receiptSetupID": "1", "priceLevelID": "1",
        }))
    }
}

impl Record for CustomerRec {
    const ENTITY: &'static str = "Customer";
    const ID_FIELD: &'static str = "customerID";
    const SORTABLE: &'static [&'static str] = &["customerID", "timeStamp"];
    const RELATIONS: &'static [(&'static str, bool)] = &[("Contact", false)];
    fn id(&self) -> u64 {
        self.customer_id
    }
    fn time_stamp(&self) -> i64 {
        self.time_stamp
    }
    fn archived(&self) -> bool {
        self.archived
    }
    fn scalars(&self, _st: &Store) -> Map<String, Value> {
        obj(json!({
            "customerID": s(self.customer_id), "firstName": self.first_name,
            "lastName": self.last_name, "archived": s(self.archived), "title": "", "company": "",
            "createTime": ts(self.create_time), "timeStamp": ts(self.time_stamp),
            "contactID": s(self.customer_id), "creditAccountID": "0", "customerTypeID": "0",
            "discountID": "0", "taxCategoryID": "0",
        }))
    }
    fn relation(&self, _st: &Store, name: &str, _nested: &[String]) -> Option<Value> {
        (name == "Contact").then(|| {
            json!({
                "contactID": s(self.customer_id), "custom": "", "noEmail": "false",
                "noPhone": "false", "noMail": "false", "timeStamp": ts(self.time_stamp),
                "Emails": {"ContactEmail": {"address": self.email, "useType": "Primary"}},
                "Phones": {"ContactPhone": {"number": self.phone, "useType": "Mobile"}},
                "Addresses": "",
            })
        })
    }
    /// Besides scalars, `Contact.email` and `Contact.phone` filter on the contact (assumption).
    fn field(&self, st: &Store, name: &str) -> Option<String> {
        match name {
            "Contact.email" => Some(self.email.clone()),
            "Contact.phone" => Some(self.phone.clone()),
            "timeStamp" => Some(format_rfc3339(self.time_stamp)),
            _ => self.scalars(st).remove(name)?.as_str().map(str::to_string),
        }
    }
}
