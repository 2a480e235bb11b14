//! Sale, SaleLine and SalePayment in their R-Series JSON shape (see the parent module).
//!
//! A refund is a sale whose lines carry negative `unitQuantity` and `parentSaleLineID` = the
//! line they return.
//!
//! Deliberately not here: mapping to orders and returns (see `streams::sales`).

use serde::Deserialize;

use super::{Item, SaleLines, SalePayments};
use crate::lenient;

/// A sale with its lines and payments (when loaded with `load_relations`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Sale {
    #[serde(rename = "saleID", deserialize_with = "lenient::u64")]
    pub sale_id: u64,
    #[serde(rename = "shopID", deserialize_with = "lenient::u64")]
    pub shop_id: u64,
    #[serde(rename = "customerID", deserialize_with = "lenient::u64")]
    pub customer_id: u64,
    #[serde(deserialize_with = "lenient::bool")]
    pub completed: bool,
    #[serde(deserialize_with = "lenient::bool")]
    pub voided: bool,
    #[serde(deserialize_with = "lenient::string")]
    pub time_stamp: String,
    #[serde(deserialize_with = "lenient::string")]
    pub create_time: String,
    #[serde(deserialize_with = "lenient::string")]
    pub complete_time: String,
    #[serde(deserialize_with = "lenient::string")]
    pub reference_number: String,
    #[serde(deserialize_with = "lenient::string")]
    pub reference_number_source: String,
    #[serde(deserialize_with = "lenient::string")]
    pub ticket_number: String,
    #[serde(deserialize_with = "lenient::string")]
    pub tax1_rate: String,
    #[serde(deserialize_with = "lenient::money")]
    pub calc_discount: i64,
    #[serde(deserialize_with = "lenient::money")]
    pub calc_tax1: i64,
    #[serde(deserialize_with = "lenient::money")]
    pub calc_tax2: i64,
    #[serde(deserialize_with = "lenient::money")]
    pub calc_total: i64,
    #[serde(rename = "SaleLines", deserialize_with = "lenient::container")]
    pub lines: SaleLines,
    #[serde(rename = "SalePayments", deserialize_with = "lenient::container")]
    pub payments: SalePayments,
    #[serde(rename = "ShipTo", deserialize_with = "lenient::object")]
    pub ship_to: Option<ShipTo>,
}

/// Where a sale ships to; the shop ticks `shipped` when it leaves and writes what it likes
/// (by our convention the carrier and tracking number) in `shipNote`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ShipTo {
    #[serde(deserialize_with = "lenient::bool")]
    pub shipped: bool,
    #[serde(deserialize_with = "lenient::string")]
    pub ship_note: String,
    #[serde(deserialize_with = "lenient::string")]
    pub time_stamp: String,
}

impl Sale {
    /// True when any line returns a line of an earlier sale.
    pub fn is_refund(&self) -> bool {
        self.lines.list.iter().any(|l| l.parent_sale_line_id != 0)
    }
}

/// One line of a sale.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SaleLine {
    #[serde(rename = "saleLineID", deserialize_with = "lenient::u64")]
    pub sale_line_id: u64,
    #[serde(rename = "saleID", deserialize_with = "lenient::u64")]
    pub sale_id: u64,
    #[serde(rename = "itemID", deserialize_with = "lenient::u64")]
    pub item_id: u64,
    #[serde(deserialize_with = "lenient::i64")]
    pub unit_quantity: i64,
    #[serde(deserialize_with = "lenient::money")]
    pub unit_price: i64,
    #[serde(deserialize_with = "lenient::money")]
    pub calc_line_discount: i64,
    #[serde(deserialize_with = "lenient::money")]
    pub calc_tax1: i64,
    #[serde(deserialize_with = "lenient::money")]
    pub calc_tax2: i64,
    #[serde(deserialize_with = "lenient::money")]
    pub calc_total: i64,
    #[serde(rename = "parentSaleLineID", deserialize_with = "lenient::u64")]
    pub parent_sale_line_id: u64,
    #[serde(rename = "Item", deserialize_with = "lenient::object")]
    pub item: Option<Item>,
}

/// The kind of a payment type (`cash`, `credit card`, `ecom`, ...).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PaymentType {
    #[serde(deserialize_with = "lenient::string")]
    pub name: String,
    #[serde(rename = "type", deserialize_with = "lenient::string")]
    pub kind: String,
}

/// One tender of a sale.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SalePayment {
    #[serde(rename = "salePaymentID", deserialize_with = "lenient::u64")]
    pub sale_payment_id: u64,
    #[serde(deserialize_with = "lenient::money")]
    pub amount: i64,
    #[serde(rename = "paymentTypeID", deserialize_with = "lenient::u64")]
    pub payment_type_id: u64,
    #[serde(rename = "PaymentType", deserialize_with = "lenient::object")]
    pub payment_type: Option<PaymentType>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{ListPage, list};
    use serde_json::json;

    #[test]
    fn a_refund_sale_with_one_line_object_and_one_payment_object() {
        let body = json!({"@attributes": {"count": "1"}, "Sale": {
            "saleID": "9", "shopID": "2", "completed": "true", "calcTotal": "-26.39",
            "referenceNumber": "gid://shopify/Order/1", "referenceNumberSource": "shopify",
            "SaleLines": {"SaleLine": {"saleLineID": "14", "itemID": "3", "unitQuantity": "-1",
                "unitPrice": "23.99", "calcTax1": "-2.40", "parentSaleLineID": "11",
                "Item": {"itemID": "3", "customSku": "TEE-0001-M-RED"}}},
            "SalePayments": {"SalePayment": {"amount": "-26.39", "paymentTypeID": "3",
                "PaymentType": {"name": "Credit Card", "type": "credit card"}}}}});
        let page: ListPage<Sale> = list(body, "Sale").unwrap();
        let sale = &page.records[0];
        assert!(sale.completed && sale.is_refund());
        assert_eq!(sale.calc_total, -2639);
        let line = &sale.lines.list[0];
        assert_eq!(
            (line.unit_quantity, line.unit_price, line.calc_tax1),
            (-1, 2399, -240)
        );
        assert_eq!(line.item.as_ref().unwrap().sku(), "TEE-0001-M-RED");
        let pay = &sale.payments.list[0];
        assert_eq!(pay.payment_type.as_ref().unwrap().kind, "credit card");
    }
}
