//! The Shopify simulator's order side over real HTTP: signed, retried webhooks in REST shape;
//! fulfilment with tracking; refunds restocking a chosen location; customers; payouts; incremental
//! order reads.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, Result};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use weft_sim::shopify::{NewLine, NewOrder, RunningShopify, ShopifyConfig, ShopifySim};

type Seen = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A receiver that answers 500 to its first `fail_first` requests, then 200, recording each.
async fn receiver(fail_first: usize) -> Result<(String, Seen)> {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let s = s.clone();
            async move {
                let mut v = s.lock().unwrap();
                v.push((headers, body));
                if v.len() <= fail_first {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, seen))
}

async fn wait_for(seen: &Seen, n: usize) -> Result<()> {
    for _ in 0..500 {
        if seen.lock().unwrap().len() >= n {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    anyhow::bail!(
        "only {} of {n} deliveries arrived",
        seen.lock().unwrap().len()
    )
}

async fn gql(shop: &RunningShopify, query: &str, variables: Value) -> Result<Value> {
    let body: Value = reqwest::Client::new()
        .post(shop.graphql_url())
        .header("X-Shopify-Access-Token", "sandbox")
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await?
        .json()
        .await?;
    anyhow::ensure!(body.get("errors").is_none(), "graphql errors: {body}");
    Ok(body)
}

fn config() -> ShopifyConfig {
    // 4 simulator hours of retry back-off pass in about 1.4 wall seconds.
    ShopifyConfig {
        items: 20,
        time_scale: 10_000.0,
        ..ShopifyConfig::default()
    }
}

/// An order of 2 units of the first variant stocked ≥ 2 at `loc`.
fn order_two(shop: &RunningShopify, loc: u64) -> Result<(String, u64)> {
    let (_, v) = shop
        .retailer()
        .variants()
        .find(|(_, v)| shop.available(&v.sku, loc).unwrap_or(0) >= 2)
        .context("stock")?;
    let id = shop.create_order(NewOrder {
        lines: vec![NewLine {
            variant_id: v.shopify_variant_id,
            quantity: 2,
        }],
        location_id: Some(loc),
        customer_id: Some(shop.retailer().customers[0].shopify_customer_id),
        discount: Some(("WELCOME10".into(), 10)),
        shipping: Some(("Standard".into(), 500)),
        ..NewOrder::default()
    })?;
    Ok((v.sku.clone(), id))
}

#[tokio::test]
async fn shopify_webhook_is_signed_and_retried_after_a_500() -> Result<()> {
    let shop = ShopifySim::start(config()).await?;
    let (url, seen) = receiver(1).await?;
    shop.register_webhook("orders/create", &url)?;
    let loc = shop.location_ids()[0];
    let (sku, order_id) = order_two(&shop, loc)?;
    wait_for(&seen, 2).await?;
    let seen = seen.lock().unwrap().clone();
    let mut ids = Vec::new();
    for (headers, body) in &seen {
        let h = |k: &str| {
            headers
                .get(k)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(b"sandbox-secret")?;
        mac.update(body);
        let expected =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(
            h("x-shopify-hmac-sha256"),
            expected,
            "HMAC of the raw body with the app secret"
        );
        assert_eq!(h("x-shopify-topic"), "orders/create");
        assert_eq!(h("x-shopify-shop-domain"), "weft-outfitters.myshopify.com");
        assert_eq!(h("x-shopify-api-version"), "2026-01");
        assert!(h("x-shopify-triggered-at").ends_with('Z'));
        ids.push(h("x-shopify-webhook-id"));
        let order: Value = serde_json::from_slice(body)?;
        assert_eq!(order["id"], order_id);
        assert_eq!(
            order["admin_graphql_api_id"],
            format!("gid://shopify/Order/{order_id}")
        );
        assert_eq!(order["location_id"], loc);
        assert_eq!(order["line_items"][0]["sku"], sku.as_str());
        assert_eq!(order["line_items"][0]["quantity"], 2);
        assert_eq!(order["financial_status"], "paid");
        assert_eq!(order["discount_codes"][0]["code"], "WELCOME10");
        assert_eq!(order["shipping_lines"][0]["price"], "5.00");
        assert!(
            order["total_price"]
                .as_str()
                .context("price")?
                .contains('.')
        );
    }
    assert_eq!(ids[0], ids[1], "a retry keeps the webhook id");
    let attempts = shop.webhook_attempts();
    assert_eq!(
        attempts
            .iter()
            .map(|a| (a.attempt, a.status))
            .collect::<Vec<_>>(),
        vec![(0, Some(500)), (1, Some(200))]
    );
    assert!(
        attempts[1].at - attempts[0].at >= weft_sim::shopify::retry_delay_ms(1),
        "back-off on the simulator clock"
    );
    Ok(())
}

#[tokio::test]
async fn shopify_duplicated_and_dropped_webhooks_follow_the_fault_switches() -> Result<()> {
    let shop = ShopifySim::start(config()).await?;
    let (url, seen) = receiver(0).await?;
    shop.register_webhook("orders/create", &url)?;
    shop.faults().patch(&weft_sim::faults::FaultPatch {
        duplicate_webhook_rate: Some(1.0),
        ..Default::default()
    })?;
    let loc = shop.location_ids()[1];
    order_two(&shop, loc)?;
    wait_for(&seen, 2).await?;
    let ids: Vec<_> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(h, _)| h["x-shopify-webhook-id"].clone())
        .collect();
    assert_eq!(ids[0], ids[1], "a duplicate carries the same webhook id");
    shop.faults().clear();
    shop.faults().patch(&weft_sim::faults::FaultPatch {
        drop_webhook_rate: Some(1.0),
        ..Default::default()
    })?;
    order_two(&shop, loc)?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(seen.lock().unwrap().len(), 2);
    assert_eq!(shop.dropped_webhooks().len(), 1);
    Ok(())
}

#[tokio::test]
async fn shopify_fulfil_then_refund_restocks_the_chosen_location() -> Result<()> {
    let shop = ShopifySim::start(config()).await?;
    let (url, seen) = receiver(0).await?;
    shop.register_webhook("refunds/create", &url)?;
    let locs = shop.location_ids();
    let (sku, order_id) = order_two(&shop, locs[0])?;
    let (a0, b0) = (
        shop.available(&sku, locs[0]).context("a")?,
        shop.available(&sku, locs[1]).context("b")?,
    );
    assert_eq!(shop.quantity(&sku, locs[0], "committed"), Some(2));

    let order = gql(&shop, "query($id: ID!) { order(id: $id) { name displayFinancialStatus totalPriceSet { shopMoney { amount } } lineItems(first: 5) { nodes { id sku quantity } }
        fulfillmentOrders(first: 1) { nodes { id assignedLocation { location { id } } lineItems(first: 10) { nodes { id remainingQuantity } } } } } }", json!({"id": format!("gid://shopify/Order/{order_id}")})).await?;
    let o = &order["data"]["order"];
    assert_eq!(o["displayFinancialStatus"], "PAID");
    let fo = &o["fulfillmentOrders"]["nodes"][0];
    assert_eq!(
        fo["assignedLocation"]["location"]["id"],
        format!("gid://shopify/Location/{}", locs[0])
    );
    let fulfil = gql(&shop, "mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) { fulfillment { id status trackingInfo { company number } } userErrors { field message } } }",
        json!({"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}], "trackingInfo": {"company": "UPS", "number": "1Z999"}}})).await?;
    assert_eq!(
        fulfil["data"]["fulfillmentCreate"]["fulfillment"]["trackingInfo"][0]["number"],
        "1Z999"
    );
    assert_eq!(
        shop.quantity(&sku, locs[0], "committed"),
        Some(0),
        "shipped units leave committed"
    );

    let line_id = o["lineItems"]["nodes"][0]["id"].clone();
    let refund = gql(&shop, "mutation($input: RefundInput!) { refundCreate(input: $input) @idempotent(key: \"refund-1\") { refund { id refundLineItems(first: 5) { nodes { quantity restockType location { id } } } totalRefundedSet { shopMoney { amount } } } userErrors { field message } } }",
        json!({"input": {"orderId": format!("gid://shopify/Order/{order_id}"), "note": "returned in store",
            "refundLineItems": [{"lineItemId": line_id, "quantity": 1, "restockType": "RETURN", "locationId": format!("gid://shopify/Location/{}", locs[1])}],
            "transactions": [{"orderId": format!("gid://shopify/Order/{order_id}"), "gateway": "shopify_payments", "kind": "REFUND", "amount": "10.00"}]}})).await?;
    let r = &refund["data"]["refundCreate"];
    assert_eq!(r["userErrors"], json!([]));
    assert_eq!(
        r["refund"]["refundLineItems"]["nodes"][0],
        json!({"quantity": 1, "restockType": "RETURN", "location": {"id": format!("gid://shopify/Location/{}", locs[1])}})
    );
    assert_eq!(
        r["refund"]["totalRefundedSet"]["shopMoney"]["amount"],
        "10.00"
    );
    assert_eq!(
        shop.available(&sku, locs[1]),
        Some(b0 + 1),
        "restocked where it was returned"
    );
    assert_eq!(
        shop.available(&sku, locs[0]),
        Some(a0),
        "the shipping location is untouched"
    );
    assert_eq!(shop.refunds().len(), 1);
    assert_eq!(shop.orders()[0].financial_status(), "partially_refunded");

    // Refunding more than is left is refused and changes nothing.
    let too_many = gql(&shop, "mutation($input: RefundInput!) { refundCreate(input: $input) @idempotent(key: \"refund-2\") { refund { id } userErrors { field message } } }",
        json!({"input": {"orderId": format!("gid://shopify/Order/{order_id}"), "refundLineItems": [{"lineItemId": line_id, "quantity": 2, "restockType": "RETURN"}]}})).await?;
    assert_eq!(too_many["data"]["refundCreate"]["refund"], Value::Null);
    assert_eq!(shop.refunds().len(), 1);

    wait_for(&seen, 1).await?;
    let body: Value = serde_json::from_slice(&seen.lock().unwrap()[0].1)?;
    assert_eq!(body["order_id"], order_id);
    assert_eq!(body["refund_line_items"][0]["restock_type"], "return");
    assert_eq!(body["refund_line_items"][0]["location_id"], locs[1]);
    assert_eq!(
        body["refund_line_items"][0]["line_item"]["sku"],
        sku.as_str()
    );
    assert_eq!(body["transactions"][0]["kind"], "refund");
    Ok(())
}

#[tokio::test]
async fn shopify_customers_orders_and_payouts_read_back() -> Result<()> {
    let shop = ShopifySim::start(config()).await?;
    let c = shop.retailer().customers[3].clone();
    let by_email = gql(
        &shop,
        "query($q: String) { customers(first: 5, query: $q) { nodes { id email phone } } }",
        json!({"q": format!("email:{}", c.email)}),
    )
    .await?;
    assert_eq!(
        by_email["data"]["customers"]["nodes"][0]["id"],
        c.shopify_customer_gid()
    );
    let by_phone = gql(
        &shop,
        "query($q: String) { customers(first: 5, query: $q) { nodes { id } } }",
        json!({"q": format!("phone:{}", c.phone)}),
    )
    .await?;
    assert_eq!(
        by_phone["data"]["customers"]["nodes"][0]["id"],
        c.shopify_customer_gid()
    );
    let create = "mutation($input: CustomerInput!) { customerCreate(input: $input) { customer { id email } userErrors { field message } } }";
    let dup = gql(&shop, create, json!({"input": {"email": c.email}})).await?;
    assert_eq!(
        dup["data"]["customerCreate"]["userErrors"][0]["field"],
        json!(["email"])
    );
    let new = gql(
        &shop,
        create,
        json!({"input": {"email": "new.person@example.com", "firstName": "New"}}),
    )
    .await?;
    let id = new["data"]["customerCreate"]["customer"]["id"].clone();
    let upd = gql(&shop, "mutation($input: CustomerInput!) { customerUpdate(input: $input) { customer { email phone firstName } userErrors { message } } }", json!({"input": {"id": id, "phone": "+15550009999"}})).await?;
    assert_eq!(
        upd["data"]["customerUpdate"]["customer"],
        json!({"email": "new.person@example.com", "phone": "+15550009999", "firstName": "New"})
    );

    let since = gql(&shop, "{ shop { name } }", json!({}))
        .await
        .map(|_| shop.clock().now_ms())?;
    let created = shop.tick_activity(20);
    assert!(
        created.len() >= 15,
        "activity places orders: {}",
        created.len()
    );
    let all = shop.orders();
    let committed: i64 = all
        .iter()
        .flat_map(|o| &o.line_items)
        .map(|l| l.quantity - l.fulfilled)
        .sum();
    let shop_committed: i64 = shop
        .retailer()
        .variants()
        .flat_map(|(_, v)| {
            shop.location_ids()
                .into_iter()
                .map(move |l| (v.sku.clone(), l))
        })
        .map(|(s, l)| shop.quantity(&s, l, "committed").unwrap_or(0))
        .sum();
    assert_eq!(
        committed, shop_committed,
        "every open order line is committed stock"
    );
    let ts = weft_sim::clock::format_rfc3339(since.div_euclid(1000) - 1);
    let recent = gql(&shop, "query($q: String) { orders(first: 50, query: $q, sortKey: UPDATED_AT) { nodes { id lineItems(first: 5) { nodes { sku } } transactions { kind amountSet { shopMoney { amount } } } } } }", json!({"q": format!("updated_at:>='{ts}'")})).await?;
    assert_eq!(
        recent["data"]["orders"]["nodes"].as_array().map(Vec::len),
        Some(all.len())
    );
    let none = gql(
        &shop,
        "{ orders(first: 5, query: \"updated_at:>'2999-01-01'\") { nodes { id } } }",
        json!({}),
    )
    .await?;
    assert_eq!(none["data"]["orders"]["nodes"], json!([]));

    shop.run_payout();
    let payouts = gql(&shop, "{ shopifyPaymentsAccount { balance { amount } payouts(first: 10) { nodes { id status net { amount } summary { chargesGross { amount } chargesFee { amount } } } }
        balanceTransactions(first: 100) { nodes { type amount { amount } fee { amount } net { amount } associatedPayout { id } } } } }", json!({})).await?;
    let acct = &payouts["data"]["shopifyPaymentsAccount"];
    assert_eq!(acct["balance"][0]["amount"], "0.00");
    let total_net: i64 = shop.payouts().iter().map(|p| p.net).sum();
    let txn_net: i64 = acct["balanceTransactions"]["nodes"]
        .as_array()
        .context("txns")?
        .iter()
        .map(|t| cents(&t["net"]["amount"]))
        .sum();
    assert_eq!(
        total_net, txn_net,
        "payouts sum their balance transactions to the cent"
    );
    let p = acct["payouts"]["nodes"]
        .as_array()
        .context("payouts")?
        .last()
        .context("one payout")?
        .clone();
    assert_eq!(p["status"], "PAID");
    Ok(())
}

fn cents(v: &Value) -> i64 {
    let s = v.as_str().unwrap_or("0");
    let (neg, s) = s.strip_prefix('-').map_or((1, s), |r| (-1, r));
    let (w, f) = s.split_once('.').unwrap_or((s, "0"));
    neg * (w.parse::<i64>().unwrap_or(0) * 100 + format!("{f:0<2}").parse::<i64>().unwrap_or(0))
}
