//! What the connector does with what it did not read from GraphQL: fulfilment plans against an
//! order and webhook bodies (REST shape) decoded into change events. No network.

use serde_json::json;
use shopify::fulfilments::{self, Plan};
use shopify::webhooks;
use weft_sdk::model::{Entity, Fulfilment, OrderLine, meta, money};

#[test]
fn fulfilments_ship_what_is_open_once() {
    let order = json!({"fulfillmentOrders": {"nodes": [{"id": "gid://shopify/FulfillmentOrder/4", "status": "OPEN",
            "lineItems": {"nodes": [{"id": "gid://shopify/FulfillmentOrderLineItem/7", "sku": "A", "remainingQuantity": 2},
                {"id": "gid://shopify/FulfillmentOrderLineItem/8", "sku": "B", "remainingQuantity": 0}]}}]},
        "lineItems": {"nodes": [{"sku": "A", "unfulfilledQuantity": 2}, {"sku": "B", "unfulfilledQuantity": 0}]},
        "fulfillments": [{"id": "gid://shopify/Fulfillment/1", "createdAt": "T", "trackingInfo": [{"number": "1Z1"}]}]});
    let line = |q| OrderLine {
        line_id: "1".into(),
        sku: "A".into(),
        quantity: q,
        unit_price: money(0, "USD"),
        discount: money(0, "USD"),
        tax: money(0, "USD"),
    };
    let f = Fulfilment {
        meta: meta("lightspeed-r", "f1", "1"),
        order_ref: "9".into(),
        lines: vec![line(2)],
        carrier: Some("UPS".into()),
        tracking_number: Some("1Z2".into()),
    };
    let Plan::Ship(input) = fulfilments::plan(&f, &order).unwrap() else {
        panic!("should ship")
    };
    assert_eq!(
        input["lineItemsByFulfillmentOrder"],
        json!([{"fulfillmentOrderId": "gid://shopify/FulfillmentOrder/4"}])
    );
    assert_eq!(
        input["trackingInfo"],
        json!({"company": "UPS", "number": "1Z2"})
    );
    let again = Fulfilment {
        tracking_number: Some("1Z1".into()),
        ..f.clone()
    };
    assert!(
        matches!(fulfilments::plan(&again, &order), Ok(Plan::Done(w)) if w.target_id == "gid://shopify/Fulfillment/1")
    );
    // One of the two open units: that fulfilment-order line, one unit.
    let partial = Fulfilment {
        lines: vec![line(1)],
        ..f.clone()
    };
    let Plan::Ship(input) = fulfilments::plan(&partial, &order).unwrap() else {
        panic!("should ship one unit")
    };
    assert_eq!(
        input["lineItemsByFulfillmentOrder"],
        json!([{"fulfillmentOrderId": "gid://shopify/FulfillmentOrder/4",
            "fulfillmentOrderLineItems": [{"id": "gid://shopify/FulfillmentOrderLineItem/7", "quantity": 1}]}])
    );
    // Without a tracking number a re-send could not be told from a second parcel.
    let untracked = Fulfilment {
        tracking_number: None,
        ..partial.clone()
    };
    let why = fulfilments::plan(&untracked, &order).unwrap_err();
    assert!(why.contains("needs a tracking number"), "{why}");
    // More than is open is refused, naming what is over.
    let mut b = line(1);
    b.sku = "B".into();
    let over = Fulfilment {
        lines: vec![line(1), b],
        ..partial
    };
    let why = fulfilments::plan(&over, &order).unwrap_err();
    assert!(why.contains("1 x B more than is left"), "{why}");
}

#[test]
fn webhook_bodies_become_change_events() {
    let body = json!({"id": 20000000123u64, "name": "#1004", "currency": "USD", "location_id": 1002,
        "created_at": "2026-01-05T10:00:00Z", "updated_at": "2026-01-05T10:00:00Z", "financial_status": "paid",
        "total_price": "23.85", "line_items": [{"id": 77, "sku": "CAP-1", "quantity": 1, "price": "22.50", "total_discount": "0.00",
            "tax_lines": [{"title": "State Tax", "price": "1.35", "rate": 0.06}]}],
        "transactions": [{"id": 9, "kind": "sale", "status": "success", "gateway": "shopify_payments", "amount": "23.85"}]});
    let events = webhooks::decode(
        "orders/create",
        &body,
        Some("wh-1"),
        || Err("unused".into()),
    )
    .unwrap();
    assert_eq!(events[0].stream_name, "orders");
    assert_eq!(events[0].key, "order:shopify:20000000123");
    assert_eq!(events[0].event_id.as_deref(), Some("wh-1"));
    let Some(Entity::Order(o)) = &events[0].entity else {
        panic!("complete order expected")
    };
    assert_eq!(o.total.amount_minor, 2385);
    let refund = json!({"id": 5, "order_id": 20000000123u64, "created_at": "T", "refund_line_items": [], "transactions": []});
    let events = webhooks::decode("refunds/create", &refund, None, || Ok("CAD".into())).unwrap();
    assert_eq!(events[0].key, "customer-return:shopify:5");
    let Some(Entity::CustomerReturn(r)) = &events[0].entity else {
        panic!("refund expected")
    };
    assert_eq!(r.refund.currency, "CAD");
    assert!(
        webhooks::decode("shop/update", &json!({}), None, || Err("unused".into()))
            .unwrap()
            .is_empty()
    );
    let headers = vec![("X-Shopify-Topic".to_string(), "orders/create".to_string())];
    assert_eq!(
        webhooks::header(&headers, "x-shopify-topic"),
        Some("orders/create")
    );
}
