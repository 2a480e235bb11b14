//! GraphQL answers (in the shapes the Admin API returns for this connector's documents) parsed
//! into the model, and the inputs the connector builds for its mutations. No network: the
//! end-to-end path against the simulator is in `tests/platform/shopify.rs` of the workspace.

use serde_json::json;
use shopify::{orders, payouts, products_read, products_write, refunds_read, refunds_write};
use weft_sdk::model::{
    CustomerReturn, OptionValue, OrderLine, Product, ProductStatus, ProductVariant, meta, money,
};

fn money_set(amount: &str) -> serde_json::Value {
    json!({"shopMoney": {"amount": amount, "currencyCode": "USD"}})
}

#[test]
fn an_order_node_becomes_an_order() {
    let node = json!({
        "id": "gid://shopify/Order/20000000123", "legacyResourceId": "20000000123", "name": "#1004",
        "createdAt": "2026-01-05T10:00:00Z", "updatedAt": "2026-01-05T10:05:00Z", "currencyCode": "USD",
        "customer": {"legacyResourceId": "6000000001"},
        "discountCodes": ["WELCOME10"],
        "totalDiscountsSet": money_set("4.50"), "totalShippingPriceSet": money_set("5.00"),
        "totalPriceSet": money_set("52.17"),
        "taxLines": [{"title": "State Tax", "priceSet": money_set("2.67")}],
        "transactions": [
            {"id": "gid://shopify/OrderTransaction/9", "kind": "SALE", "status": "SUCCESS", "gateway": "shopify_payments", "amountSet": money_set("52.17")},
            {"id": "gid://shopify/OrderTransaction/10", "kind": "REFUND", "status": "SUCCESS", "gateway": "shopify_payments", "amountSet": money_set("10.00")}],
        "fulfillmentOrders": {"nodes": [{"assignedLocation": {"location": {"legacyResourceId": "1002"}}}]},
        "lineItems": {"pageInfo": {"hasNextPage": false, "endCursor": null}, "nodes": [
            {"id": "gid://shopify/LineItem/77", "sku": "TEE-0001-M-RED", "quantity": 2,
             "originalUnitPriceSet": money_set("22.50"), "totalDiscountSet": money_set("4.50"),
             "taxLines": [{"priceSet": money_set("2.43")}]},
            {"id": "gid://shopify/LineItem/78", "sku": "CAP-0002", "quantity": 1,
             "originalUnitPriceSet": money_set("4.00"), "totalDiscountSet": money_set("0.00"),
             "taxLines": [{"priceSet": money_set("0.24")}]}]}
    });
    let o = orders::complete(&node).unwrap();
    assert_eq!(o.meta.source_id, "20000000123");
    assert_eq!(o.meta.version, "2026-01-05T10:05:00Z");
    assert_eq!((o.number.as_str(), o.channel.as_str()), ("#1004", "online"));
    assert_eq!(o.location.as_deref(), Some("1002"));
    assert_eq!(o.customer_ref.as_deref(), Some("6000000001"));
    assert_eq!(o.total, money(5217, "USD"));
    assert_eq!(o.shipping, Some(money(500, "USD")));
    assert_eq!(o.lines[0].line_id, "77");
    assert_eq!(
        (o.lines[0].quantity, o.lines[0].unit_price.amount_minor),
        (2, 2250)
    );
    assert_eq!(
        (
            o.lines[0].discount.amount_minor,
            o.lines[0].tax.amount_minor
        ),
        (450, 243)
    );
    assert_eq!(o.tenders.len(), 1, "refunds are not tenders");
    assert_eq!(o.tenders[0].reference.as_deref(), Some("9"));
    assert_eq!(o.discounts[0].code, "WELCOME10");
    assert_eq!(o.taxes[0].amount.amount_minor, 267);
    // The parts add up to the total: lines - discounts + tax + shipping.
    let lines: i64 = o
        .lines
        .iter()
        .map(|l| {
            l.unit_price.amount_minor * l.quantity - l.discount.amount_minor + l.tax.amount_minor
        })
        .sum();
    assert_eq!(lines + 500, o.total.amount_minor);
}

#[test]
fn a_product_node_becomes_a_product_and_a_record_becomes_a_product_set_input() {
    let node = json!({"id": "gid://shopify/Product/7000000001", "legacyResourceId": "7000000001",
        "title": "Classic Tee", "status": "ACTIVE", "updatedAt": "2026-01-05T10:00:00Z",
        "options": [{"name": "Colour", "position": 2}, {"name": "Size", "position": 1}],
        "variants": {"pageInfo": {"hasNextPage": false}, "nodes": [
            {"id": "gid://shopify/ProductVariant/40000000001", "legacyResourceId": "40000000001", "sku": "TEE-S-RED",
             "barcode": "0001", "price": "19.99", "updatedAt": "2026-01-05T10:00:00Z",
             "selectedOptions": [{"name": "Size", "value": "S"}, {"name": "Colour", "value": "Red"}]}]}});
    let p = products_read::complete(&node, "USD").unwrap();
    assert_eq!(p.option_names, ["Size", "Colour"]);
    assert_eq!(p.variants[0].price, Some(money(1999, "USD")));
    assert_eq!(p.variants[0].barcodes, ["0001"]);
    assert_eq!(p.status, ProductStatus::Active);

    let found = shopify::products_match::existing(&json!({"id": "gid://shopify/Product/7000000001", "status": "ACTIVE",
        "updatedAt": "T", "variants": {"nodes": [{"id": "gid://shopify/ProductVariant/40000000001", "sku": "TEE-S-RED"}]}}))
    .unwrap();
    let mut record = p.clone();
    record.title = "Classic Tee (new)".into();
    record.variants.push(ProductVariant {
        meta: meta("lightspeed-r", "2", "1"),
        sku: "TEE-M-RED".into(),
        barcodes: vec![],
        options: vec![
            OptionValue {
                name: "Size".into(),
                value: "M".into(),
            },
            OptionValue {
                name: "Colour".into(),
                value: "Red".into(),
            },
        ],
        price: Some(money(2199, "USD")),
    });
    let input = products_write::set_input(&record, Some(&found), "USD").unwrap();
    assert_eq!(input["id"], "gid://shopify/Product/7000000001");
    assert!(
        input.get("status").is_none(),
        "status is not POS-owned on an existing product"
    );
    assert_eq!(
        input["productOptions"][0],
        json!({"name": "Size", "values": [{"name": "S"}, {"name": "M"}]})
    );
    assert_eq!(
        input["variants"][0]["id"],
        "gid://shopify/ProductVariant/40000000001"
    );
    assert!(
        input["variants"][1].get("id").is_none(),
        "a new SKU is a new variant"
    );
    assert_eq!(input["variants"][1]["price"], "21.99");
    assert_eq!(
        input["variants"][1]["optionValues"][1],
        json!({"optionName": "Colour", "name": "Red"})
    );

    let simple = Product {
        option_names: vec![],
        status: ProductStatus::Draft,
        variants: vec![ProductVariant {
            options: vec![],
            ..record.variants[1].clone()
        }],
        ..record
    };
    let input = products_write::set_input(&simple, None, "USD").unwrap();
    assert_eq!(input["status"], "DRAFT");
    assert_eq!(input["productOptions"][0]["name"], "Title");
    assert_eq!(
        input["variants"][0]["optionValues"][0],
        json!({"optionName": "Title", "name": "Default Title"})
    );
    assert!(
        products_write::set_input(&simple, None, "EUR").is_err(),
        "no silent currency change"
    );
}

#[test]
fn refunds_parse_and_returns_become_refund_inputs() {
    let order = json!({"legacyResourceId": "20000000123", "currencyCode": "USD", "refunds": [
        {"id": "gid://shopify/Refund/5", "legacyResourceId": "5", "createdAt": "2026-01-06T09:00:00Z",
         "refundLineItems": {"nodes": [{"quantity": 1, "restockType": "RETURN", "location": {"legacyResourceId": "1003"},
            "lineItem": {"id": "gid://shopify/LineItem/77", "sku": "TEE-0001-M-RED", "originalUnitPriceSet": money_set("22.50")},
            "subtotalSet": money_set("20.25"), "totalTaxSet": money_set("1.22")}]},
         "transactions": {"nodes": [{"kind": "REFUND", "status": "SUCCESS", "amountSet": money_set("21.47")}]}}]});
    let r = &refunds_read::refunds_of(&order).unwrap()[0];
    assert_eq!(
        (r.original_order_ref.as_str(), r.new_transaction_id.as_str()),
        ("20000000123", "5")
    );
    assert_eq!(r.restock_location.as_deref(), Some("1003"));
    assert_eq!(r.refund, money(2147, "USD"));
    assert_eq!(
        (
            r.lines[0].discount.amount_minor,
            r.lines[0].tax.amount_minor
        ),
        (225, 122)
    );

    let target = json!({"id": "gid://shopify/Order/20000000123", "currencyCode": "USD",
        "transactions": [{"id": "gid://shopify/OrderTransaction/9", "kind": "SALE", "status": "SUCCESS", "gateway": "shopify_payments"}],
        "lineItems": {"nodes": [{"id": "gid://shopify/LineItem/77", "sku": "TEE-0001-M-RED", "refundableQuantity": 2}]}});
    let ret = CustomerReturn {
        meta: meta("lightspeed-r", "S-88", "1"),
        original_order_ref: "20000000123".into(),
        new_transaction_id: "S-88".into(),
        lines: vec![OrderLine {
            line_id: "1".into(),
            sku: "TEE-0001-M-RED".into(),
            quantity: 1,
            unit_price: money(2250, "USD"),
            discount: money(0, "USD"),
            tax: money(0, "USD"),
        }],
        restock_location: Some("1001".into()),
        refund: money(2147, "USD"),
    };
    let input = refunds_write::refund_input(&ret, &target).unwrap();
    assert_eq!(
        input["refundLineItems"][0],
        json!({"lineItemId": "gid://shopify/LineItem/77", "quantity": 1,
        "restockType": "RETURN", "locationId": "gid://shopify/Location/1001"})
    );
    assert_eq!(input["transactions"][0]["amount"], "21.47");
    assert_eq!(
        input["transactions"][0]["parentId"],
        "gid://shopify/OrderTransaction/9"
    );
    let mut wrong = ret.clone();
    wrong.lines[0].sku = "NOPE".into();
    assert!(refunds_write::refund_input(&wrong, &target).is_err());
}

#[test]
fn balance_transactions_become_payout_lines_that_add_up() {
    let node = json!({"id": "gid://shopify/ShopifyPaymentsPayout/9", "legacyResourceId": "9",
        "issuedAt": "2026-01-07T00:00:00Z", "status": "PAID", "net": {"amount": "86.97", "currencyCode": "USD"}});
    let lines = [
        json!({"type": "CHARGE", "amount": {"amount": "100.00"}, "fee": {"amount": "3.20"}, "net": {"amount": "96.80"}, "associatedOrder": {"legacyResourceId": "123"}}),
        json!({"type": "REFUND", "amount": {"amount": "-10.00"}, "fee": {"amount": "0.00"}, "net": {"amount": "-10.00"}, "associatedOrder": {"legacyResourceId": "123"}}),
        json!({"type": "ADJUSTMENT", "amount": {"amount": "0.17"}, "fee": {"amount": "0.00"}, "net": {"amount": "0.17"}, "associatedOrder": null}),
        json!({"type": "PAYOUT", "amount": {"amount": "-86.97"}, "fee": {"amount": "0.00"}, "net": {"amount": "-86.97"}}),
    ];
    let lines: Vec<_> = lines
        .iter()
        .filter_map(|l| payouts::graphql_line(l, "USD").unwrap())
        .collect();
    let p = payouts::payout(&node, lines).unwrap();
    assert_eq!(
        (p.date.as_str(), p.meta.version.as_str()),
        ("2026-01-07", "2026-01-07T00:00:00Z#9")
    );
    assert_eq!(p.lines.len(), 3);
    assert_eq!(p.fees, money(320, "USD"));
    let sum: i64 = p
        .lines
        .iter()
        .map(|l| l.amount.amount_minor - l.fee.amount_minor)
        .sum();
    assert_eq!(sum, p.net.amount_minor);
    assert!(
        p.meta
            .attributes
            .iter()
            .all(|a| a.name != payouts::UNRECONCILED)
    );
}
