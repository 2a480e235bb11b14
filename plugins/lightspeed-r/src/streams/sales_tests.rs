//! Unit tests of the sales mapping: a POS sale as an order, a sale Weft posted from Shopify
//! keyed as the Shopify order, and a refund as a return linked to the original order.
//!
//! Not here: finding the original sale over HTTP (covered end to end).

use serde_json::json;
use weft_sdk::model::money;

use super::{customer_return, order};
use crate::config::Config;
use crate::wire::Sale;

fn sale(v: serde_json::Value) -> Sale {
    serde_json::from_value(v).unwrap()
}

fn original(reference: &str, source: &str) -> Sale {
    sale(json!({
        "saleID": "5", "shopID": "2", "customerID": "0", "completed": "true",
        "timeStamp": "2026-01-01T10:00:00+00:00", "completeTime": "2026-01-01T10:00:00+00:00",
        "ticketNumber": "220000000005", "referenceNumber": reference,
        "referenceNumberSource": source, "calcTax1": "2.40", "calcTotal": "31.98",
        "SaleLines": {"SaleLine": [
            {"saleLineID": "11", "itemID": "3", "unitQuantity": "1", "unitPrice": "23.99",
             "calcLineDiscount": "0", "calcTax1": "2.40", "Item": {"customSku": "TEE-M"}},
            {"saleLineID": "12", "itemID": "9", "unitQuantity": "1", "unitPrice": "5.59",
             "Item": {"customSku": "SHIPPING"}}]},
        "SalePayments": {"SalePayment": {"amount": "31.98", "paymentTypeID": "4",
            "PaymentType": {"name": "Online", "type": "ecom"}}}}))
}

#[test]
fn a_pos_sale_is_a_pos_order_with_shipping_split_out() {
    let o = order(&original("", ""), &Config::default());
    assert_eq!(o.channel, "pos");
    assert_eq!(o.meta.source_id, "5");
    assert!(
        o.meta.version.starts_with("2026-01-01T10:00:00Z#"),
        "{}",
        o.meta.version
    );
    let again = order(&original("", ""), &Config::default());
    assert_eq!(
        again.meta.version, o.meta.version,
        "same content, same version"
    );
    let mut paid_more = original("", "");
    paid_more.payments.list[0].amount += 100;
    let changed = order(&paid_more, &Config::default());
    assert_ne!(
        changed.meta.version, o.meta.version,
        "new content in the same second"
    );
    assert!(o.meta.attributes.iter().all(|a| a.name != "weft.key"));
    assert_eq!(o.number, "220000000005");
    assert_eq!(o.location.as_deref(), Some("2"));
    assert_eq!(o.customer_ref, None);
    assert_eq!(o.lines.len(), 1);
    assert_eq!(o.lines[0].sku, "TEE-M");
    assert_eq!(o.lines[0].tax, money(240, "USD"));
    assert_eq!(o.shipping, Some(money(559, "USD")));
    assert_eq!(o.tenders[0].kind, "online");
    assert_eq!(o.taxes[0].amount, money(240, "USD"));
    assert_eq!(o.total, money(3198, "USD"));
    assert_eq!(o.created_at, "2026-01-01T10:00:00Z");
}

#[test]
fn a_sale_posted_from_shopify_keys_as_the_shopify_order() {
    let o = order(&original("123", "shopify"), &Config::default());
    assert_eq!(o.channel, "online");
    let key = o
        .meta
        .attributes
        .iter()
        .find(|a| a.name == "weft.key")
        .unwrap();
    assert_eq!(key.value, "order:shopify:123");
    assert_eq!(o.meta.external_ids[0].id, "123");
}

#[test]
fn a_refund_is_a_return_linked_to_the_original_order() {
    let refund = sale(json!({
        "saleID": "8", "shopID": "1", "completed": "true", "calcTotal": "-26.39",
        "timeStamp": "2026-01-02T10:00:00+00:00", "referenceNumber": "",
        "SaleLines": {"SaleLine": {"saleLineID": "20", "itemID": "3", "unitQuantity": "-1",
            "unitPrice": "23.99", "calcLineDiscount": "0", "calcTax1": "-2.40",
            "parentSaleLineID": "11", "Item": {"customSku": "TEE-M"}}}}));
    assert!(refund.is_refund());
    let config = Config::default();
    let r = customer_return(&refund, Some(&original("123", "shopify")), &config);
    assert_eq!(r.original_order_ref, "123");
    assert_eq!(r.new_transaction_id, "8");
    assert_eq!(r.restock_location.as_deref(), Some("1"));
    assert_eq!(r.refund, money(2639, "USD"));
    assert_eq!((r.lines[0].quantity, r.lines[0].tax.amount_minor), (1, 240));
    let key = r
        .meta
        .attributes
        .iter()
        .find(|a| a.name == "weft.original-order-key");
    assert_eq!(key.unwrap().value, "order:shopify:123");
    let pos = customer_return(&refund, Some(&original("", "")), &config);
    assert_eq!(pos.original_order_ref, "5");
    let orphan = customer_return(&refund, None, &config);
    assert_eq!(orphan.original_order_ref, "sale-line:11");
}

#[test]
fn a_refunded_shipping_line_is_money_not_a_returned_line() {
    let refund = sale(json!({
        "saleID": "9", "shopID": "3", "completed": "true", "calcTotal": "-5.59",
        "timeStamp": "2026-01-03T10:00:00+00:00", "referenceNumber": "",
        "SaleLines": {"SaleLine": {"saleLineID": "21", "itemID": "9", "unitQuantity": "-1",
            "unitPrice": "5.59", "calcLineDiscount": "0", "parentSaleLineID": "12",
            "Item": {"customSku": "SHIPPING"}}}}));
    let r = customer_return(
        &refund,
        Some(&original("123", "shopify")),
        &Config::default(),
    );
    assert!(r.lines.is_empty(), "shipping is not goods: {:?}", r.lines);
    assert_eq!(r.refund, money(559, "USD"));
}
