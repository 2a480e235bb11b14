//! The Lightspeed R-Series V3 records this connector reads, in their JSON shape, and the list
//! envelope (`{"@attributes": {"next": ...}, "<Entity>": [...] | {...}}`).
//!
//! Every field goes through `lenient`, so string scalars, single-record objects and empty
//! relations (`""`) all parse. Only fields the connector uses are declared; the rest is ignored.
//!
//! Deliberately not here: mapping to the canonical model (see `streams`) and requests.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::lenient;

macro_rules! relation {
    ($name:ident, $inner:literal, $t:ty) => {
        #[doc = concat!("The `{\"", $inner, "\": ...}` relation container.")]
        #[derive(Debug, Clone, Default, Deserialize)]
        pub struct $name {
            /// The records (a single object or an array on the wire).
            #[serde(rename = $inner, default, deserialize_with = "lenient::one_or_many")]
            pub list: Vec<$t>,
        }
    };
}

relation!(ItemShops, "ItemShop", ItemShop);
relation!(Items, "Item", Item);
relation!(Prices, "ItemPrice", ItemPrice);
relation!(Emails, "ContactEmail", ContactEmail);
relation!(Phones, "ContactPhone", ContactPhone);
relation!(SaleLines, "SaleLine", SaleLine);
relation!(SalePayments, "SalePayment", SalePayment);

/// Stock of one item at one shop (`shopID` 0 = the all-shops row).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ItemShop {
    #[serde(rename = "itemShopID", deserialize_with = "lenient::u64")]
    pub item_shop_id: u64,
    #[serde(rename = "itemID", deserialize_with = "lenient::u64")]
    pub item_id: u64,
    #[serde(rename = "shopID", deserialize_with = "lenient::u64")]
    pub shop_id: u64,
    #[serde(deserialize_with = "lenient::i64")]
    pub qoh: i64,
    #[serde(deserialize_with = "lenient::i64")]
    pub on_layaway: i64,
    #[serde(deserialize_with = "lenient::i64")]
    pub on_special_order: i64,
    #[serde(deserialize_with = "lenient::i64")]
    pub on_work_order: i64,
    #[serde(deserialize_with = "lenient::i64")]
    pub on_transfer_out: i64,
    #[serde(deserialize_with = "lenient::string")]
    pub time_stamp: String,
    #[serde(rename = "Item", deserialize_with = "lenient::object")]
    pub item: Option<Item>,
}

/// One price of an item (`useType` Default / MSRP / Online).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ItemPrice {
    #[serde(deserialize_with = "lenient::money")]
    pub amount: i64,
    #[serde(rename = "useTypeID", deserialize_with = "lenient::u64")]
    pub use_type_id: u64,
    #[serde(deserialize_with = "lenient::string")]
    pub use_type: String,
}

/// Attribute values of a matrix item (`attribute1..3`, named by the matrix's attribute set).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ItemAttributes {
    #[serde(deserialize_with = "lenient::string")]
    pub attribute1: String,
    #[serde(deserialize_with = "lenient::string")]
    pub attribute2: String,
    #[serde(deserialize_with = "lenient::string")]
    pub attribute3: String,
}

/// An Item (a variant, or a standalone product when `itemMatrixID` is 0).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Item {
    #[serde(rename = "itemID", deserialize_with = "lenient::u64")]
    pub item_id: u64,
    #[serde(deserialize_with = "lenient::string")]
    pub system_sku: String,
    #[serde(deserialize_with = "lenient::string")]
    pub custom_sku: String,
    #[serde(deserialize_with = "lenient::string")]
    pub upc: String,
    #[serde(deserialize_with = "lenient::string")]
    pub ean: String,
    #[serde(deserialize_with = "lenient::string")]
    pub description: String,
    #[serde(deserialize_with = "lenient::bool")]
    pub archived: bool,
    #[serde(rename = "itemMatrixID", deserialize_with = "lenient::u64")]
    pub item_matrix_id: u64,
    #[serde(rename = "taxClassID", deserialize_with = "lenient::string")]
    pub tax_class_id: String,
    #[serde(deserialize_with = "lenient::string")]
    pub time_stamp: String,
    #[serde(rename = "Prices", deserialize_with = "lenient::container")]
    pub prices: Prices,
    #[serde(rename = "ItemAttributes", deserialize_with = "lenient::container")]
    pub attributes: ItemAttributes,
    #[serde(rename = "ItemShops", deserialize_with = "lenient::container")]
    pub item_shops: ItemShops,
}

impl Item {
    /// The SKU other systems know: `customSku`, else the system SKU.
    pub fn sku(&self) -> &str {
        if self.custom_sku.trim().is_empty() {
            &self.system_sku
        } else {
            &self.custom_sku
        }
    }

    /// The `Default` price (useTypeID 1), if any.
    pub fn default_price(&self) -> Option<i64> {
        self.prices
            .list
            .iter()
            .find(|p| p.use_type_id == 1 || p.use_type.eq_ignore_ascii_case("default"))
            .map(|p| p.amount)
    }
}

/// The names of a matrix's attributes ("Color", "Size").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AttributeSet {
    #[serde(deserialize_with = "lenient::string")]
    pub attribute_name1: String,
    #[serde(deserialize_with = "lenient::string")]
    pub attribute_name2: String,
    #[serde(deserialize_with = "lenient::string")]
    pub attribute_name3: String,
}

/// A matrix (the product of size/colour items).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ItemMatrix {
    #[serde(rename = "itemMatrixID", deserialize_with = "lenient::u64")]
    pub item_matrix_id: u64,
    #[serde(deserialize_with = "lenient::string")]
    pub description: String,
    #[serde(deserialize_with = "lenient::bool")]
    pub archived: bool,
    #[serde(rename = "taxClassID", deserialize_with = "lenient::string")]
    pub tax_class_id: String,
    #[serde(deserialize_with = "lenient::string")]
    pub time_stamp: String,
    #[serde(rename = "Items", deserialize_with = "lenient::container")]
    pub items: Items,
    #[serde(rename = "ItemAttributeSet", deserialize_with = "lenient::container")]
    pub attribute_set: AttributeSet,
}

mod customers;
pub use customers::{Contact, ContactEmail, ContactPhone, Customer};
mod sales;
pub use sales::{PaymentType, Sale, SaleLine, SalePayment, ShipTo};

/// One page of a list response.
#[derive(Debug, Clone)]
pub struct ListPage<T> {
    /// The records, in the order served.
    pub records: Vec<T>,
    /// `@attributes.next` (empty on the last page).
    pub next: String,
}

/// Parse a list (or single-record) response holding `entity` records.
pub fn list<T: DeserializeOwned>(body: Value, entity: &str) -> Result<ListPage<T>, String> {
    let next = body
        .pointer("/@attributes/next")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let mut body = body;
    let raw = body.get_mut(entity).map(Value::take).unwrap_or(Value::Null);
    let records = lenient::list_of(raw).map_err(|e| format!("{entity} list: {e}"))?;
    Ok(ListPage { records, next })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_single_item_shop_object_with_string_scalars_and_its_item() {
        let body = json!({"@attributes": {"next": "", "previous": ""},
            "ItemShop": {"itemShopID": "12", "qoh": "-3", "itemID": "4", "shopID": "2",
                "onLayaway": "1", "timeStamp": "2026-01-01T00:00:00+00:00",
                "Item": {"itemID": "4", "customSku": "", "systemSku": "210000000004",
                         "Prices": {"ItemPrice": {"amount": "24.99", "useTypeID": "1"}}}}});
        let page: ListPage<ItemShop> = list(body, "ItemShop").unwrap();
        assert_eq!(page.records.len(), 1);
        let row = &page.records[0];
        assert_eq!(
            (row.item_shop_id, row.qoh, row.shop_id, row.on_layaway),
            (12, -3, 2, 1)
        );
        let item = row.item.as_ref().unwrap();
        assert_eq!(item.sku(), "210000000004");
        assert_eq!(item.default_price(), Some(2499));
        assert!(page.next.is_empty());
    }

    #[test]
    fn lists_matrices_customers_and_empty_pages() {
        let body = json!({"@attributes": {"next": "https://x/ItemMatrix.json?after=abc"},
            "ItemMatrix": [{"itemMatrixID": "1", "description": "Tee", "archived": "false",
                "ItemAttributeSet": {"attributeName1": "Color", "attributeName2": "Size"},
                "Items": {"Item": [{"itemID": "1", "customSku": "TEE-S",
                    "ItemAttributes": {"attribute1": "Red", "attribute2": "S"}},
                    {"itemID": "2", "customSku": "TEE-M", "archived": "true"}]}},
                {"itemMatrixID": "2", "Items": ""}]});
        let page: ListPage<ItemMatrix> = list(body, "ItemMatrix").unwrap();
        assert_eq!(page.next, "https://x/ItemMatrix.json?after=abc");
        assert_eq!(page.records[0].items.list.len(), 2);
        assert_eq!(page.records[0].items.list[0].attributes.attribute1, "Red");
        assert!(page.records[0].items.list[1].archived);
        assert_eq!(page.records[0].attribute_set.attribute_name2, "Size");
        assert!(page.records[1].items.list.is_empty());
        let c: ListPage<Customer> = list(
            json!({"Customer": {"customerID": "3", "firstName": "Ava", "Contact": {
                "Emails": {"ContactEmail": {"address": " Ava@Example.com "}}, "Phones": "",
                "Addresses": ""}}}),
            "Customer",
        )
        .unwrap();
        let c = &c.records[0];
        assert_eq!(c.email().as_deref(), Some("ava@example.com"));
        assert_eq!(c.phone(), None);
        let empty: ListPage<Customer> = list(
            json!({"@attributes": {"next": "", "previous": ""}}),
            "Customer",
        )
        .unwrap();
        assert!(empty.records.is_empty());
    }
}
