//! Unit tests of the Sale payload built from an order: string scalars, discount spreading, the
//! tax rate that reproduces the order's tax, shipping and tenders, and the refusals.
//!
//! Not here: SKU resolution and posting (see `write_tests` and the end-to-end tests).

use std::collections::BTreeMap;

use weft_sdk::model::{Discount, Order, OrderLine, TaxLine, Tender, meta, money};

use super::{Draft, build};
use crate::config::Config;

fn line(id: &str, sku: &str, qty: i64, price: i64, discount: i64, tax: i64) -> OrderLine {
    OrderLine {
        line_id: id.into(),
        sku: sku.into(),
        quantity: qty,
        unit_price: money(price, "USD"),
        discount: money(discount, "USD"),
        tax: money(tax, "USD"),
    }
}

fn order(lines: Vec<OrderLine>, total: i64) -> Order {
    Order {
        meta: meta("shopify", "gid://shopify/Order/1", "1"),
        number: "#1001".into(),
        channel: "online".into(),
        location: Some("2".into()),
        customer_ref: None,
        lines,
        tenders: vec![Tender {
            kind: "shopify-payments".into(),
            amount: money(total, "USD"),
            reference: None,
        }],
        discounts: Vec::new(),
        taxes: Vec::new(),
        shipping: None,
        total: money(total, "USD"),
        created_at: "2026-01-01T00:00:00Z".into(),
    }
}

fn items() -> BTreeMap<String, u64> {
    [
        ("A".to_string(), 1),
        ("B".to_string(), 2),
        ("SHIPPING".to_string(), 9),
    ]
    .into()
}

fn body(o: &Order) -> Result<serde_json::Value, String> {
    let config = Config::default();
    let items = items();
    build(&Draft {
        order: o,
        shop_id: 2,
        customer_id: 0,
        items: &items,
        reference: "gid://shopify/Order/1",
        reference_source: "shopify",
        config: &config,
    })
}

#[test]
fn lines_taxes_and_tenders_render_as_strings() {
    // 2 x 10.00 + 1 x 5.00, 10% tax = 2.50, total 27.50.
    let o = order(
        vec![
            line("1", "A", 2, 1000, 0, 200),
            line("2", "B", 1, 500, 0, 50),
        ],
        2750,
    );
    let b = body(&o).unwrap();
    assert_eq!(b["shopID"], "2");
    assert_eq!(b["completed"], "true");
    assert_eq!(b["referenceNumber"], "gid://shopify/Order/1");
    assert_eq!(b["referenceNumberSource"], "shopify");
    assert_eq!(b["tax1Rate"], "0.1");
    let l = &b["SaleLines"]["SaleLine"];
    assert_eq!(l[0]["itemID"], "1");
    assert_eq!(l[0]["unitQuantity"], "2");
    assert_eq!(l[0]["unitPrice"], "10.00");
    assert_eq!(l[0]["tax"], "true");
    let p = &b["SalePayments"]["SalePayment"][0];
    assert_eq!(
        (p["amount"].as_str(), p["paymentTypeID"].as_str()),
        (Some("27.50"), Some("4"))
    );
}

#[test]
fn order_discounts_spread_over_lines_and_shipping_is_an_untaxed_line() {
    // Lines 30.00 + 10.00, order discount 4.00 -> 3.00 + 1.00; tax 10% of 36.00 = 3.60;
    // shipping 5.00; total 44.60.
    let mut o = order(
        vec![line("1", "A", 3, 1000, 0, 0), line("2", "B", 1, 1000, 0, 0)],
        4460,
    );
    o.discounts = vec![Discount {
        code: "SPRING".into(),
        amount: money(400, "USD"),
    }];
    o.taxes = vec![TaxLine {
        name: "VAT".into(),
        amount: money(360, "USD"),
    }];
    o.shipping = Some(money(500, "USD"));
    let b = body(&o).unwrap();
    let l = &b["SaleLines"]["SaleLine"];
    assert_eq!(l[0]["discountAmount"], "3.00");
    assert_eq!(l[1]["discountAmount"], "1.00");
    assert_eq!(
        (l[0]["tax"].as_str(), l[1]["tax"].as_str()),
        (Some("true"), Some("true"))
    );
    assert_eq!(l[2]["itemID"], "9");
    assert_eq!(l[2]["unitPrice"], "5.00");
    assert_eq!(l[2]["tax"], "false");
    assert_eq!(b["tax1Rate"], "0.1");
}

#[test]
fn odd_tax_rates_reproduce_the_tax_within_rounding() {
    // 8.875% of 19.99 = 1.774..., the order says 1.77; total 21.76.
    let o = order(vec![line("1", "A", 1, 1999, 0, 177)], 2176);
    let b = body(&o).unwrap();
    let rate: f64 = b["tax1Rate"].as_str().unwrap().parse().unwrap();
    assert_eq!((1999.0 * rate).round() as i64, 177);
}

#[test]
fn refuses_wrong_totals_currencies_and_negative_lines() {
    let tax_inclusive = order(vec![line("1", "A", 1, 1200, 0, 200)], 1200);
    assert!(body(&tax_inclusive).unwrap_err().contains("does not match"));
    let mut euros = order(vec![line("1", "A", 1, 1000, 0, 0)], 1000);
    euros.total = money(1000, "EUR");
    assert!(body(&euros).unwrap_err().contains("EUR"));
    let negative = order(vec![line("1", "A", -1, 1000, 0, 0)], -1000);
    assert!(body(&negative).unwrap_err().contains("negative quantity"));
    let unknown = order(vec![line("1", "Z", 1, 1000, 0, 0)], 1000);
    assert!(body(&unknown).unwrap_err().contains("SKU Z"));
}
