//! Every REST-shape fixture in `tests/fixtures/` (a copy of `shared/fixtures/shopify/`: Shopify's own client-library test
//! payloads, see `tests/fixtures/SOURCE.md`) that has the shape of something this connector
//! consumes (order, refund and inventory-level webhook bodies; REST line items; Shopify Payments
//! payouts, balance transactions and balance) is parsed here and its meaningful fields asserted.
//! The test walks the folder, so a new fixture file fails it until it is classified.
//!
//! Derived variants are built in the test and say how they differ from the file.

use std::path::PathBuf;

use serde_json::{Value, json};
use shopify::payouts::UNRECONCILED;
use shopify::{rest_orders, rest_payouts};
use weft_sdk::model::{Entity, PayoutLineKind};

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn load(name: &str) -> Value {
    let path = folder().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Shapes the connector reads from GraphQL instead, or never reads.
const NOT_CONSUMED: [&str; 8] = [
    "customer.json",
    "customers_search.json",
    "inventory_item.json",
    "inventory_items.json",
    "location.json",
    "locations.json",
    "product.json",
    "products.json",
];

#[test]
fn every_fixture_file_is_classified_and_the_consumed_ones_parse() {
    let mut checked = Vec::new();
    let mut names: Vec<String> = std::fs::read_dir(folder())
        .expect("fixtures folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 18, "fixtures are missing: {names:?}");
    for name in &names {
        match name.as_str() {
            "orders.json" => orders(&load(name)),
            "refund.json" => refund(&load(name)),
            "inventory_level.json" => inventory_level(&load(name)),
            "inventory_levels.json" => assert_eq!(levels(&load(name)), (4, 40)),
            "location_inventory_levels.json" => assert_eq!(levels(&load(name)), (2, 36)),
            "fulfillment.json" => fulfilment_lines(&load(name)),
            "payout.json" => payout_with_transactions(&load(name)),
            "payouts_transactions.json" => {} // checked with payout.json
            "payouts.json" => payouts(&load(name)),
            "balance.json" => {
                let b = rest_payouts::balance(&load(name)).unwrap();
                assert_eq!((b[0].amount_minor, b[0].currency.as_str()), (5399, "USD"));
            }
            other => {
                assert!(
                    NOT_CONSUMED.contains(&other),
                    "unclassified fixture {other}"
                );
                continue;
            }
        }
        checked.push(name.clone());
    }
    assert_eq!(checked.len(), 10, "{checked:?}");
}

fn orders(v: &Value) {
    let list = v["orders"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    let o = rest_orders::order(&list[0]).unwrap();
    assert_eq!(o.meta.source_id, "450789469");
    assert_eq!(o.meta.version, "2008-01-10T11:00:00-05:00");
    assert_eq!(o.number, "#1001");
    assert_eq!(
        (o.total.amount_minor, o.total.currency.as_str()),
        (59894, "USD")
    );
    assert_eq!(o.customer_ref.as_deref(), Some("207119551"));
    assert_eq!(o.shipping, None, "0.00 shipping is no shipping");
    // No transactions in the body: a (partially refunded) paid order gets its gateway's tender.
    assert_eq!(o.tenders.len(), 1);
    assert_eq!(
        (o.tenders[0].kind.as_str(), o.tenders[0].amount.amount_minor),
        ("bogus", 59894)
    );
    assert!(
        !rest_orders::order_complete(&o),
        "no lines and no location: read it instead"
    );

    // Derived: the same order with refund.json's two line items, a location and a discount code
    // (the file has neither), to check line parsing and completeness.
    let mut with_lines = list[0].clone();
    let refund = load("refund.json");
    with_lines["line_items"] = refund["refund"]["refund_line_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rl| rl["line_item"].clone())
        .collect();
    with_lines["location_id"] = json!(905684977);
    with_lines["discount_codes"] =
        json!([{"code": "TENOFF", "amount": "10.00", "type": "fixed_amount"}]);
    let o = rest_orders::order(&with_lines).unwrap();
    let skus: Vec<&str> = o.lines.iter().map(|l| l.sku.as_str()).collect();
    assert_eq!(skus, ["IPOD2008BLACK", "IPOD2008GREEN"]);
    assert_eq!(o.lines[0].unit_price.amount_minor, 19900);
    assert_eq!(o.lines[0].tax.amount_minor, 398);
    // Shopify allocates discounts to lines: the code travels, its amount is in the lines.
    assert_eq!(o.discounts[0].code, "TENOFF");
    assert_eq!(o.discounts[0].amount.amount_minor, 0);
    assert_eq!(o.location.as_deref(), Some("905684977"));
    assert!(rest_orders::order_complete(&o));
}

fn refund(v: &Value) {
    let r = rest_orders::refund(&v["refund"], "EUR").unwrap();
    assert_eq!(r.meta.source_id, "509562969");
    assert_eq!(r.original_order_ref, "450789469");
    assert_eq!(r.new_transaction_id, "509562969");
    assert_eq!(
        (r.refund.amount_minor, r.refund.currency.as_str()),
        (20900, "USD")
    );
    let lines: Vec<(&str, i64, i64, i64)> = r
        .lines
        .iter()
        .map(|l| {
            (
                l.sku.as_str(),
                l.quantity,
                l.unit_price.amount_minor,
                l.tax.amount_minor,
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("IPOD2008BLACK", 1, 19900, 398),
            ("IPOD2008GREEN", 1, 19900, 398)
        ]
    );
    assert_eq!(r.lines[0].line_id, "703073504");
    assert_eq!(r.restock_location, None);
    assert!(rest_orders::refund_complete(&r));
    let key = shopify::util::source_key("customer-return", &r.meta.source_id);
    assert_eq!(key, "customer-return:shopify:509562969");
    let _ = Entity::CustomerReturn(r);
}

fn inventory_level(v: &Value) {
    let l = rest_orders::inventory_level(&v["inventory_level"]).unwrap();
    assert_eq!(
        (l.item_id.as_str(), l.location_id.as_str(), l.available),
        ("808950810", "905684977", 6)
    );
    assert_eq!(l.updated_at, "2018-05-07T15:51:26-04:00");
}

fn levels(v: &Value) -> (usize, i64) {
    let list = v["inventory_levels"].as_array().unwrap();
    let parsed: Vec<_> = list
        .iter()
        .map(|l| rest_orders::inventory_level(l).unwrap())
        .collect();
    (parsed.len(), parsed.iter().map(|l| l.available).sum())
}

fn fulfilment_lines(v: &Value) {
    let lines = v["fulfillment"]["line_items"].as_array().unwrap();
    let l = rest_orders::line(&lines[0], "USD").unwrap();
    assert_eq!(
        (l.sku.as_str(), l.quantity, l.unit_price.amount_minor),
        ("IPOD2008GREEN", 1, 19900)
    );
    assert_eq!(l.line_id, "466157049");
}

fn payout_with_transactions(v: &Value) {
    let txs = load("payouts_transactions.json");
    let txs = txs["transactions"].as_array().unwrap();
    let p = rest_payouts::payout(&v["payout"], txs).unwrap();
    assert_eq!(p.meta.source_id, "623721858");
    assert_eq!(p.date, "2019-11-12");
    assert_eq!((p.net.amount_minor, p.net.currency.as_str()), (4190, "USD"));
    assert_eq!(
        p.lines.len(),
        24,
        "25 transactions minus the payout's own transfer row"
    );
    let transfer = txs.iter().find(|t| t["type"] == "payout").unwrap();
    assert_eq!(
        transfer["amount"], "-41.90",
        "the transfer row mirrors the payout"
    );
    let charges = p
        .lines
        .iter()
        .filter(|l| l.kind == PayoutLineKind::Charge)
        .count();
    let disputes = p
        .lines
        .iter()
        .filter(|l| l.kind == PayoutLineKind::Dispute)
        .count();
    assert_eq!((charges, disputes), (7, 1));
    let dispute = p
        .lines
        .iter()
        .find(|l| l.kind == PayoutLineKind::Dispute)
        .unwrap();
    assert_eq!(
        (dispute.amount.amount_minor, dispute.fee.amount_minor),
        (-1150, 1500)
    );
    assert_eq!(dispute.order_ref.as_deref(), Some("625362839"));
    // Each line contributes its booked net; these sample transactions add up to 81.38, not
    // the payout's 41.90, so the payout is flagged instead of silently balanced.
    let sum: i64 = p
        .lines
        .iter()
        .map(|l| l.amount.amount_minor - l.fee.amount_minor)
        .sum();
    assert_eq!(sum, 8138);
    assert_eq!(p.fees.amount_minor, 10165 - 8138);
    let flag = p
        .meta
        .attributes
        .iter()
        .find(|a| a.name == UNRECONCILED)
        .unwrap();
    assert_eq!(flag.value, (4190 - 8138).to_string());
}

fn payouts(v: &Value) {
    let list = v["payouts"].as_array().unwrap();
    let parsed: Vec<_> = list
        .iter()
        .map(|p| rest_payouts::payout(p, &[]).unwrap())
        .collect();
    let nets: Vec<i64> = parsed.iter().map(|p| p.net.amount_minor).collect();
    assert_eq!(nets, [4312, 4312, 4312, 4190, 5169, 4190]);
    assert_eq!(parsed[0].date, "2019-11-01");
    let status = |p: &weft_sdk::model::Payout| {
        p.meta
            .attributes
            .iter()
            .find(|a| a.name == "shopify.status")
            .map(|a| a.value.clone())
    };
    assert_eq!(status(&parsed[1]).as_deref(), Some("failed"));
}
