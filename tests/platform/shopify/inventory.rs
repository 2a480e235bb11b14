//! Inventory levels: compare-and-set writes, conflicts, idempotency, throttling, reads, lookups.

use super::*;

fn available(e: &Entity) -> (String, i64, String) {
    match e {
        Entity::InventoryLevel(l) => (
            format!("{}@{}", l.sku, l.location),
            l.available,
            l.meta.version.clone(),
        ),
        other => panic!("not a level: {other:?}"),
    }
}

#[tokio::test]
async fn describe_lists_the_streams_and_the_connection() {
    let env = env().await;
    let ConnectorReply::Described(info) = env.call(ConnectorCall::Describe).await else {
        panic!("describe")
    };
    assert_eq!(info.platform, "shopify");
    assert_eq!(info.connections, vec!["shopify"]);
    let flags: Vec<(String, bool, bool, bool)> = info
        .streams
        .iter()
        .map(|s| (s.name.clone(), s.readable, s.writable, s.lookup))
        .collect();
    assert!(flags.contains(&("inventory-levels".into(), true, true, true)));
    assert!(flags.contains(&("orders".into(), true, false, false)));
    assert!(flags.contains(&("fulfilments".into(), false, true, false)));
    assert!(flags.contains(&("payouts".into(), true, false, false)));
}

#[tokio::test]
async fn levels_are_set_with_compare_and_set_and_a_stale_compare_is_a_conflict() {
    let env = env().await;
    let (a, _, loc) = env.sample(0);
    let (b, _, _) = env.sample(1);
    let out = env
        .write(
            "inventory-levels",
            vec![
                set("k-a", &a, loc, 17, None),
                set("k-b", &b, loc, 23, None),
                set("k-x", "NO-SUCH-SKU", loc, 1, None),
            ],
        )
        .await;
    assert_eq!(out[0].as_ref().unwrap().target_version, "17");
    assert_eq!(out[1].as_ref().unwrap().target_version, "23");
    assert_eq!(env.shop.available(&a, loc), Some(17));
    assert_eq!(env.shop.available(&b, loc), Some(23));
    let missing = out[2].as_ref().unwrap_err();
    assert_eq!(missing.class, ErrorClass::DependencyMissing);
    assert_eq!(missing.waiting_for.as_deref(), Some("sku:NO-SUCH-SKU"));

    // The engine thinks Shopify has 5: stale.
    let stale = env
        .write("inventory-levels", vec![set("k-a2", &a, loc, 30, Some(5))])
        .await;
    assert_eq!(class(&stale[0]), Some(ErrorClass::Conflict), "{stale:?}");
    assert_eq!(env.shop.available(&a, loc), Some(17), "nothing applied");
    // It looks the level up (version = current available) and re-sends.
    let key = format!("{a}@{loc}");
    let found = env.lookup("inventory-levels", &[&key, "NOPE@1"]).await;
    assert_eq!(found.len(), 1);
    let (k, qty, version) = available(&found[0]);
    assert_eq!(
        (k.as_str(), qty, version.as_str()),
        (key.as_str(), 17, "17")
    );
    let again = env
        .write("inventory-levels", vec![set("k-a2", &a, loc, 30, Some(17))])
        .await;
    assert_eq!(again[0].as_ref().unwrap().target_version, "30");
    assert_eq!(env.shop.available(&a, loc), Some(30));
}

#[tokio::test]
async fn the_same_idempotency_key_applies_once() {
    let env = env().await;
    let (sku, variant, loc) = env.sample(2);
    let now = env.shop.available(&sku, loc).unwrap();
    let item = set("k-once", &sku, loc, now + 40, Some(now));
    let first = env.write("inventory-levels", vec![item.clone()]).await;
    assert_eq!(
        first[0].as_ref().unwrap().target_version,
        (now + 40).to_string()
    );
    // A sale moves the quantity on; a re-send of the same record must not undo it.
    env.shop
        .create_order(NewOrder {
            lines: vec![NewLine {
                variant_id: variant,
                quantity: 1,
            }],
            location_id: Some(loc),
            ..NewOrder::default()
        })
        .unwrap();
    assert_eq!(env.shop.available(&sku, loc), Some(now + 39));
    let replay = env.write("inventory-levels", vec![item]).await;
    assert_eq!(
        replay[0].as_ref().unwrap().target_version,
        (now + 40).to_string(),
        "Shopify answers the replay with the first result"
    );
    assert_eq!(
        env.shop.available(&sku, loc),
        Some(now + 39),
        "applied once"
    );
}

#[tokio::test]
async fn throttling_is_rate_limited_with_the_wait_the_bucket_needs() {
    let env = env().await;
    let (sku, _, loc) = env.sample(3);
    env.shop.faults().storm(true);
    let out = env
        .write("inventory-levels", vec![set("k-t", &sku, loc, 9, Some(0))])
        .await;
    let f = out[0].as_ref().unwrap_err();
    assert_eq!(f.class, ErrorClass::RateLimited, "{f:?}");
    let wait = f.retry_after_ms.expect("retry-after");
    assert!(wait > 0 && wait <= 20_000, "{wait}");
    let read = env
        .call(ConnectorCall::ReadPage {
            stream: "orders".into(),
            cursor: None,
            limit: 10,
        })
        .await;
    let ConnectorReply::Page(Err(CallError::Failed(f))) = read else {
        panic!("expected a failed read: {read:?}")
    };
    assert_eq!(f.class, ErrorClass::RateLimited);
    assert!(f.retry_after_ms.is_some());
    env.shop.faults().storm(false);
}

#[tokio::test]
async fn levels_read_through_every_page_and_the_cursor_moves_on() {
    let env = env().await;
    let (sku, _, loc) = env.sample(4);
    let (all, cursor) = env.read_all("inventory-levels", None).await;
    let variants = env.shop.retailer().sku_count();
    let locations = env.shop.location_ids().len();
    assert_eq!(
        all.len(),
        variants * locations,
        "every SKU at every location"
    );
    let key = format!("{sku}@{loc}");
    let seeded = env.shop.available(&sku, loc).unwrap();
    assert!(
        all.iter()
            .map(available)
            .any(|(k, q, _)| k == key && q == seeded)
    );
    // Nothing changed: nothing new.
    let (quiet, _) = env.read_all("inventory-levels", cursor.clone()).await;
    assert!(quiet.is_empty(), "{quiet:?}");
    // A change shows up from the cursor (the item's levels at every location).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let out = env
        .write(
            "inventory-levels",
            vec![set("k-r", &sku, loc, seeded + 3, None)],
        )
        .await;
    assert!(out[0].is_ok(), "{out:?}");
    let (changed, _) = env.read_all("inventory-levels", cursor).await;
    let changed: Vec<_> = changed.iter().map(available).collect();
    assert_eq!(changed.len(), locations, "{changed:?}");
    assert!(
        changed
            .iter()
            .any(|(k, q, _)| *k == key && *q == seeded + 3)
    );
}

#[tokio::test]
async fn a_sku_renamed_in_shopify_is_resolved_again_not_written_to_the_old_item() {
    let env = env().await;
    let (sku, variant, loc) = env.sample(6);
    let out = env
        .write("inventory-levels", vec![set("k-m1", &sku, loc, 11, None)])
        .await;
    assert!(out[0].is_ok(), "{out:?}"); // the SKU's item is cached now
    // A merchandiser renames the SKU in Shopify.
    let product = env
        .shop
        .retailer()
        .variant_by_sku(&sku)
        .unwrap()
        .0
        .shopify_product_id;
    let renamed = format!("{sku}-X");
    let answer: serde_json::Value = reqwest::Client::new()
        .post(env.shop.graphql_url())
        .header("X-Shopify-Access-Token", "sandbox")
        .json(&serde_json::json!({
            "query": "mutation($p: ID!, $v: [ProductVariantsBulkInput!]!) { productVariantsBulkUpdate(productId: $p, variants: $v) { userErrors { message } } }",
            "variables": {"p": format!("gid://shopify/Product/{product}"),
                "v": [{"id": format!("gid://shopify/ProductVariant/{variant}"), "inventoryItem": {"sku": renamed}}]}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        answer["data"]["productVariantsBulkUpdate"]["userErrors"],
        serde_json::json!([])
    );
    let out = env
        .write(
            "inventory-levels",
            vec![
                set("k-m2", &sku, loc, 99, None),
                set("k-m3", &renamed, loc, 12, None),
            ],
        )
        .await;
    let f = out[0].as_ref().unwrap_err();
    assert_eq!(f.class, ErrorClass::DependencyMissing, "{f:?}");
    assert_eq!(f.waiting_for, Some(format!("sku:{sku}")));
    assert_eq!(out[1].as_ref().unwrap().target_version, "12");
    assert_eq!(
        env.shop.available(&renamed, loc),
        Some(12),
        "99 never landed"
    );
}
