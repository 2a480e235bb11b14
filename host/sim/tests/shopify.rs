//! The Shopify simulator over real HTTP on loopback: paging, compare-and-set, idempotency, cost
//! and throttling, auth. Webhooks, orders and refunds are in `shopify_flows.rs`.

use std::collections::HashSet;
use std::time::Duration;

use anyhow::{Context as _, Result};
use serde_json::{Value, json};
use weft_sim::clock::SimClock;
use weft_sim::shopify::{CostLimits, RunningShopify, ShopifyConfig, ShopifySim};

async fn start(config: ShopifyConfig) -> Result<RunningShopify> {
    Ok(ShopifySim::start(config).await?)
}

fn small() -> ShopifyConfig {
    ShopifyConfig {
        items: 30,
        ..ShopifyConfig::default()
    }
}

async fn gql_at(url: &str, token: &str, query: &str, variables: Value) -> Result<(u16, Value)> {
    let resp = reqwest::Client::new()
        .post(url)
        .header("X-Shopify-Access-Token", token)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await?;
    let status = resp.status().as_u16();
    Ok((status, resp.json().await?))
}

async fn gql(shop: &RunningShopify, query: &str, variables: Value) -> Result<Value> {
    let (status, body) = gql_at(&shop.graphql_url(), "sandbox", query, variables).await?;
    anyhow::ensure!(status == 200, "http {status}: {body}");
    anyhow::ensure!(body.get("errors").is_none(), "graphql errors: {body}");
    Ok(body)
}

#[tokio::test]
async fn shopify_paging_products_returns_every_variant_exactly_once() -> Result<()> {
    let shop = start(small()).await?;
    let q = "query($after: String) { products(first: 7, after: $after) { pageInfo { hasNextPage endCursor }
               nodes { id variants(first: 20) { pageInfo { hasNextPage } nodes { sku inventoryItem { id } selectedOptions { name value } } } } } }";
    let (mut after, mut skus, mut pages) = (Value::Null, Vec::new(), 0);
    loop {
        let body = gql(&shop, q, json!({"after": after})).await?;
        let page = &body["data"]["products"];
        for p in page["nodes"].as_array().context("nodes")? {
            assert_eq!(p["variants"]["pageInfo"]["hasNextPage"], false);
            for v in p["variants"]["nodes"].as_array().context("variants")? {
                skus.push(v["sku"].as_str().context("sku")?.to_string());
                assert_eq!(v["selectedOptions"][0]["name"], "Size");
            }
        }
        pages += 1;
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(pages, 30usize.div_ceil(7));
    let expected: HashSet<String> = shop
        .retailer()
        .variants()
        .map(|(_, v)| v.sku.clone())
        .collect();
    assert_eq!(skus.len(), expected.len(), "each variant exactly once");
    assert_eq!(skus.iter().cloned().collect::<HashSet<_>>(), expected);

    // The flat productVariants list pages the same set, and `query: "sku:…"` finds one.
    let (mut after, mut flat) = (Value::Null, HashSet::new());
    loop {
        let body = gql(&shop, "query($after: String) { productVariants(first: 50, after: $after) { pageInfo { hasNextPage endCursor } edges { cursor node { sku } } } }", json!({"after": after})).await?;
        let page = &body["data"]["productVariants"];
        for e in page["edges"].as_array().context("edges")? {
            assert!(
                flat.insert(e["node"]["sku"].as_str().context("sku")?.to_string()),
                "duplicate"
            );
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(flat, expected);
    let sku = skus[5].clone();
    let body = gql(
        &shop,
        "query($q: String) { productVariants(first: 5, query: $q) { nodes { sku } } }",
        json!({"q": format!("sku:{sku}")}),
    )
    .await?;
    assert_eq!(
        body["data"]["productVariants"]["nodes"],
        json!([{"sku": sku}])
    );
    Ok(())
}

const SET: &str = "mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { id reason changes { name delta quantityAfterChange } } userErrors { code field message } } }";

fn set_input(item: &str, loc: &str, quantity: i64, change_from: Value) -> Value {
    json!({"input": {"name": "available", "reason": "correction", "referenceDocumentUri": "gid://weft/Sync/1",
        "quantities": [{"inventoryItemId": item, "locationId": loc, "quantity": quantity, "changeFromQuantity": change_from}]}})
}

#[tokio::test]
async fn shopify_set_quantities_compare_and_set_applies_or_refuses_without_effect() -> Result<()> {
    let shop = start(small()).await?;
    let (_, v) = shop.retailer().variants().nth(3).context("variant")?;
    let (sku, item, loc) = (
        v.sku.clone(),
        v.shopify_inventory_item_gid(),
        shop.retailer().shops[1].shopify_location_gid.clone(),
    );
    let loc_id = shop.retailer().shops[1].shopify_location_id;
    let read = gql(&shop, "query($id: ID!, $loc: ID!) { inventoryItem(id: $id) { sku inventoryLevel(locationId: $loc) { quantities(names: [\"available\", \"on_hand\", \"committed\"]) { name quantity } } } }", json!({"id": item, "loc": loc})).await?;
    let qs = &read["data"]["inventoryItem"]["inventoryLevel"]["quantities"];
    let before = qs[0]["quantity"].as_i64().context("available")?;
    assert_eq!(
        qs[1]["quantity"].as_i64(),
        Some(before),
        "on_hand = available when nothing is committed"
    );
    assert_eq!(shop.available(&sku, loc_id), Some(before));

    let ok = gql(
        &shop,
        SET,
        set_input(&item, &loc, before + 7, json!(before)),
    )
    .await?;
    let payload = &ok["data"]["inventorySetQuantities"];
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(
        payload["inventoryAdjustmentGroup"]["changes"][0],
        json!({"name": "available", "delta": 7, "quantityAfterChange": before + 7})
    );
    assert_eq!(shop.available(&sku, loc_id), Some(before + 7));

    // Stale: the caller still believes the old value.
    let stale = gql(&shop, SET, set_input(&item, &loc, 1, json!(before))).await?;
    let payload = &stale["data"]["inventorySetQuantities"];
    assert_eq!(payload["inventoryAdjustmentGroup"], Value::Null);
    assert_eq!(
        payload["userErrors"][0]["code"],
        "CHANGE_FROM_QUANTITY_STALE"
    );
    assert_eq!(
        payload["userErrors"][0]["field"],
        json!(["input", "quantities", "0", "changeFromQuantity"])
    );
    assert_eq!(
        shop.available(&sku, loc_id),
        Some(before + 7),
        "a refused write changes nothing"
    );

    // Injected stale compare-and-set refuses a correct write too.
    shop.faults().patch(&weft_sim::faults::FaultPatch {
        stale_cas_rate: Some(1.0),
        ..Default::default()
    })?;
    let forced = gql(&shop, SET, set_input(&item, &loc, 3, json!(before + 7))).await?;
    assert_eq!(
        forced["data"]["inventorySetQuantities"]["userErrors"][0]["code"],
        "CHANGE_FROM_QUANTITY_STALE"
    );
    shop.faults().clear();
    assert_eq!(shop.available(&sku, loc_id), Some(before + 7));

    // 2026-04: the changeFromQuantity key is required (explicit null opts out).
    let url = format!("{}/admin/api/2026-04/graphql.json", shop.base_url());
    let mut no_key = set_input(&item, &loc, 2, Value::Null);
    no_key["input"]["quantities"][0]
        .as_object_mut()
        .context("obj")?
        .remove("changeFromQuantity");
    let doc = SET.replace(
        "inventorySetQuantities(input: $input)",
        "inventorySetQuantities(input: $input) @idempotent(key: \"k-2026-04\")",
    );
    let (_, body) = gql_at(&url, "sandbox", &doc, no_key).await?;
    assert_eq!(
        body["data"]["inventorySetQuantities"]["userErrors"][0]["code"],
        "CHANGE_FROM_QUANTITY_REQUIRED"
    );
    let (_, body) = gql_at(&url, "sandbox", SET, set_input(&item, &loc, 2, Value::Null)).await?;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("@idempotent"),
        "{body}"
    );
    assert_eq!(shop.available(&sku, loc_id), Some(before + 7));
    Ok(())
}

#[tokio::test]
async fn shopify_same_idempotency_key_applies_once() -> Result<()> {
    let shop = start(small()).await?;
    let (_, v) = shop.retailer().variants().next().context("variant")?;
    let shop0 = &shop.retailer().shops[0];
    let before = shop
        .available(&v.sku, shop0.shopify_location_id)
        .context("stocked")?;
    let doc = "mutation($input: InventoryAdjustQuantitiesInput!) { inventoryAdjustQuantities(input: $input) @idempotent(key: \"3f0c6a52-1\") {
        inventoryAdjustmentGroup { id changes { name delta quantityAfterChange } } userErrors { code message } } }";
    let vars = |delta: i64| json!({"input": {"name": "available", "reason": "received", "changes": [{"inventoryItemId": v.shopify_inventory_item_gid(), "locationId": shop0.shopify_location_gid, "delta": delta, "changeFromQuantity": null}]}});
    let first = gql(&shop, doc, vars(5)).await?;
    let second = gql(&shop, doc, vars(5)).await?;
    assert_eq!(
        first["data"], second["data"],
        "a replay returns the original result"
    );
    assert_eq!(
        shop.available(&v.sku, shop0.shopify_location_id),
        Some(before + 5),
        "applied once"
    );
    let other = gql(&shop, doc, vars(6)).await?;
    assert_eq!(
        other["data"]["inventoryAdjustQuantities"]["userErrors"][0]["code"],
        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    );
    assert_eq!(
        shop.available(&v.sku, shop0.shopify_location_id),
        Some(before + 5)
    );
    // A new key is a new operation.
    gql(&shop, &doc.replace("3f0c6a52-1", "3f0c6a52-2"), vars(5)).await?;
    assert_eq!(
        shop.available(&v.sku, shop0.shopify_location_id),
        Some(before + 10)
    );
    Ok(())
}

#[tokio::test]
async fn shopify_cost_extension_and_throttling_follow_the_bucket() -> Result<()> {
    let clock = SimClock::manual(1_767_225_600_000);
    let config = ShopifyConfig {
        clock: Some(clock.clone()),
        cost_limits: CostLimits {
            maximum_available: 100.0,
            restore_rate: 10.0,
        },
        ..small()
    };
    let shop = start(config).await?;
    let q = "{ products(first: 20) { nodes { id } } }";
    let body = gql(&shop, q, json!({})).await?;
    let cost = &body["extensions"]["cost"];
    assert_eq!(cost["requestedQueryCost"], 22);
    assert_eq!(cost["actualQueryCost"], 22);
    assert_eq!(
        cost["throttleStatus"],
        json!({"maximumAvailable": 100.0, "currentlyAvailable": 78.0, "restoreRate": 10.0})
    );
    // Actual below requested: the difference is refunded.
    let body = gql(
        &shop,
        "{ locations(first: 10) { nodes { id name } } }",
        json!({}),
    )
    .await?;
    assert_eq!(body["extensions"]["cost"]["requestedQueryCost"], 12);
    assert_eq!(body["extensions"]["cost"]["actualQueryCost"], 5);
    assert_eq!(
        body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"],
        73.0
    );
    gql(&shop, q, json!({})).await?;
    gql(&shop, q, json!({})).await?;
    gql(&shop, q, json!({})).await?; // 73 - 66 = 7 left
    let (status, throttled) = gql_at(&shop.graphql_url(), "sandbox", q, json!({})).await?;
    assert_eq!(status, 200, "Shopify answers THROTTLED with HTTP 200");
    assert_eq!(throttled["errors"][0]["extensions"]["code"], "THROTTLED");
    assert_eq!(
        throttled["extensions"]["cost"]["actualQueryCost"],
        Value::Null
    );
    assert_eq!(
        throttled["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"],
        7.0
    );
    assert!(throttled.get("data").is_none());
    // 1.5 s of simulator time restores 15 points: enough for a 22-point query.
    clock.advance(Duration::from_millis(1_500));
    let body = gql(&shop, q, json!({})).await?;
    assert_eq!(
        body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"],
        0.0
    );
    // Mutations cost 10; a query above 1000 is refused before it runs.
    clock.advance(Duration::from_secs(10));
    let body = gql(
        &shop,
        "mutation { customerCreate(input: {email: \"cost@example.com\"}) { customer { id } } }",
        json!({}),
    )
    .await?;
    assert_eq!(body["extensions"]["cost"]["requestedQueryCost"], 10);
    let (_, big) = gql_at(
        &shop.graphql_url(),
        "sandbox",
        "{ products(first: 250) { nodes { variants(first: 10) { nodes { id } } } } }",
        json!({}),
    )
    .await?;
    assert_eq!(big["errors"][0]["extensions"]["code"], "MAX_COST_EXCEEDED");
    // A 429 storm from the fault switches drains the bucket.
    shop.faults().storm(true);
    let (_, stormy) = gql_at(
        &shop.graphql_url(),
        "sandbox",
        "{ shop { name } }",
        json!({}),
    )
    .await?;
    assert_eq!(stormy["errors"][0]["extensions"]["code"], "THROTTLED");
    Ok(())
}

#[tokio::test]
async fn shopify_strict_auth_rejects_sandbox_and_accepts_exchanged_tokens() -> Result<()> {
    let shop = start(ShopifyConfig {
        strict_auth: true,
        ..small()
    })
    .await?;
    let (status, body) = gql_at(
        &shop.graphql_url(),
        "sandbox",
        "{ shop { name } }",
        json!({}),
    )
    .await?;
    assert_eq!(status, 401);
    assert!(
        body["errors"]
            .as_str()
            .unwrap_or("")
            .contains("Invalid API key or access token")
    );
    let http = reqwest::Client::new();
    let url = format!("{}/admin/oauth/access_token", shop.base_url());
    let bad = http
        .post(&url)
        .json(&json!({"client_id": "sandbox-client", "client_secret": "wrong", "code": "abc"}))
        .send()
        .await?;
    assert_eq!(bad.status().as_u16(), 401);
    let ok: Value = http.post(&url).json(&json!({"client_id": "sandbox-client", "client_secret": "sandbox-secret", "code": "abc"})).send().await?.json().await?;
    let token = ok["access_token"].as_str().context("token")?;
    assert!(token.starts_with("shpat_"));
    let (status, body) = gql_at(
        &shop.graphql_url(),
        token,
        "{ shop { name myshopifyDomain } }",
        json!({}),
    )
    .await?;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"]["shop"]["myshopifyDomain"],
        "weft-outfitters.myshopify.com"
    );

    let open = start(small()).await?;
    let (status, _) = gql_at(
        &open.graphql_url(),
        "sandbox",
        "{ shop { name } }",
        json!({}),
    )
    .await?;
    assert_eq!(status, 200, "sandbox is accepted without strict_auth");
    Ok(())
}
