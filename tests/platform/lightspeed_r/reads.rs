//! Reading the Lightspeed streams: every seeded ItemShop row exactly once across pages and a
//! host restart, changes after the cursor (including a second change in the same second),
//! lookups, products, describe, and a 429 storm.
//!
//! Not here: writes (see `customers` and `orders`).

use std::collections::BTreeSet;

use weft_engine::{CallError, ConnectorCall, ConnectorReply, ErrorClass};
use weft_sim::faults::FaultConfig;
use weft_world::types::{Entity, InventoryLevel, ProductStatus};

use super::env;

fn levels(records: Vec<Entity>) -> Vec<InventoryLevel> {
    records
        .into_iter()
        .map(|e| match e {
            Entity::InventoryLevel(l) => l,
            other => panic!("not a level: {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn describe_lists_the_streams_and_the_connection() {
    let env = env(2).await;
    let ConnectorReply::Described(info) = env.call(ConnectorCall::Describe).await else {
        panic!("describe")
    };
    assert_eq!(info.platform, "lightspeed-r");
    assert_eq!(info.connections, vec!["lightspeed"]);
    let flags: Vec<(String, bool, bool, bool)> = info
        .streams
        .iter()
        .map(|s| (s.name.clone(), s.readable, s.writable, s.lookup))
        .collect();
    let want = [
        ("inventory-levels", true, false, true),
        ("products", true, false, false),
        ("customers", true, true, true),
        ("sales", true, false, false),
        ("orders", false, true, false),
        ("fulfilments", true, false, false),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(n, r, w, l)| (n.to_string(), *r, *w, *l))
        .collect();
    assert_eq!(flags, want);
}

#[tokio::test]
async fn every_item_shop_row_once_across_pages_and_a_restart_then_only_changes() {
    let mut env = env(6).await;
    let retailer = env.sim.retailer().clone();
    let mut expected: Vec<(String, String, i64)> = Vec::new();
    for (_, v) in retailer.variants() {
        for (shop, qty) in &v.on_hand {
            expected.push((v.sku.clone(), shop.to_string(), *qty));
        }
    }
    expected.sort();

    // Two pages on one host, then the rest on a fresh host from the saved cursor.
    assert!(expected.len() > 75, "the seed spans several pages");
    let mut got = Vec::new();
    let mut cursor = None;
    for _ in 0..2 {
        let page = env.read("inventory-levels", cursor.clone(), 25).await;
        assert!(page.has_more && page.records.len() <= 25);
        got.extend(levels(page.records));
        cursor = page.next_cursor.or(cursor);
    }
    env.restart().await;
    let (rest, cursor, pages) = env.read_all("inventory-levels", cursor, 25).await;
    got.extend(levels(rest));
    assert!(pages > 2, "several pages after the restart");
    let ids: BTreeSet<&str> = got.iter().map(|l| l.meta.source_id.as_str()).collect();
    assert_eq!(ids.len(), got.len(), "no row twice");
    let mut seen: Vec<(String, String, i64)> = got
        .iter()
        .map(|l| (l.sku.clone(), l.location.clone(), l.on_hand))
        .collect();
    seen.sort();
    assert_eq!(seen, expected, "every per-shop row, no shop 0 row");
    assert!(
        got.iter()
            .all(|l| l.available == l.on_hand && l.meta.version.contains("Z#")),
        "versions are the row's timeStamp plus its quantities"
    );

    // Nothing new: an empty page and the cursor is kept.
    let idle = env.read("inventory-levels", cursor.clone(), 25).await;
    assert!(idle.records.is_empty() && !idle.has_more && idle.next_cursor.is_none());

    // A receipt, then a second one in the same (manual-clock) second on a later row.
    let first = retailer.variants().next().unwrap().1.sku.clone();
    let last = retailer.variants().last().unwrap().1.sku.clone();
    env.sim.receive(&first, 2, 5).unwrap();
    let page = env.read("inventory-levels", cursor.clone(), 25).await;
    let changed = levels(page.records);
    assert_eq!(changed.len(), 1);
    assert_eq!(
        (changed[0].sku.as_str(), changed[0].location.as_str()),
        (first.as_str(), "2")
    );
    assert_eq!(Some(changed[0].on_hand), env.sim.qoh(&first, 2));
    let first_version = changed[0].meta.version.clone();
    let cursor = page.next_cursor.expect("moved");
    env.sim.receive(&last, 3, 4).unwrap();
    let page = env.read("inventory-levels", Some(cursor), 25).await;
    let changed = levels(page.records);
    // The second is still open, so it is read again: the first receipt may come back, with the
    // version it had (a ledger duplicate downstream); the same-second change is seen.
    let (again, new): (Vec<_>, Vec<_>) = changed.iter().partition(|l| l.sku == first);
    assert!(again.len() <= 1 && again.iter().all(|l| l.meta.version == first_version));
    assert_eq!(new.len(), 1, "same-second change seen: {changed:?}");
    assert_eq!(
        (new[0].sku.as_str(), new[0].on_hand),
        (last.as_str(), env.sim.qoh(&last, 3).unwrap())
    );
}

/// The whole `inventory-levels` stream as sorted (SKU, location, on-hand), and its cursor.
async fn sorted_levels(env: &super::Env) -> (Vec<(String, String, i64)>, Option<String>) {
    let (got, cursor, _) = env.read_all("inventory-levels", None, 25).await;
    let mut seen: Vec<(String, String, i64)> = levels(got)
        .into_iter()
        .map(|l| (l.sku, l.location, l.on_hand))
        .collect();
    seen.sort();
    (seen, cursor)
}

#[tokio::test]
async fn with_stock_shops_all_each_item_is_one_level_of_every_shop_together() {
    let env = env(3).await;
    env.configure(serde_json::json!({"stock-shops": "all"}))
        .await;
    let retailer = env.sim.retailer().clone();
    let mut expected: Vec<(String, String, i64)> = retailer
        .variants()
        .map(|(_, v)| (v.sku.clone(), "0".to_string(), v.on_hand.values().sum()))
        .collect();
    expected.sort();
    let (seen, cursor) = sorted_levels(&env).await;
    assert_eq!(
        seen, expected,
        "one all-shops level per SKU, no per-shop rows"
    );

    // A sale at one shop moves the total; lookups take SKU@0 and refuse a single shop.
    let (sku, total) = (expected[0].0.clone(), expected[0].2);
    env.sim.receive(&sku, 2, -1).unwrap();
    let (after, _, _) = env.read_all("inventory-levels", cursor, 25).await;
    let after = levels(after);
    assert!(after.iter().all(|l| l.location == "0"), "{after:?}");
    let last = after
        .iter()
        .rfind(|l| l.sku == sku)
        .expect("the change is read");
    assert_eq!(last.on_hand, total - 1);
    let keys = [format!("{sku}@0"), format!("{sku}@2")];
    let found = levels(env.lookup("inventory-levels", &[&keys[0], &keys[1]]).await);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].location.as_str(), found[0].on_hand),
        ("0", total - 1)
    );
}

#[tokio::test]
async fn lookup_by_sku_at_shop() {
    let env = env(3).await;
    let retailer = env.sim.retailer().clone();
    let (_, v) = retailer.variants().nth(2).unwrap();
    let keys = [
        format!("{}@1", v.sku),
        format!("{}@3", v.sku),
        "NO-SUCH@1".into(),
        format!("{}@9", v.sku),
    ];
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut found = levels(env.lookup("inventory-levels", &keys).await);
    found.sort_by(|a, b| a.location.cmp(&b.location));
    let got: Vec<(String, i64)> = found
        .iter()
        .map(|l| (l.location.clone(), l.on_hand))
        .collect();
    assert_eq!(
        got,
        vec![("1".into(), v.on_hand[&1]), ("3".into(), v.on_hand[&3])]
    );
}

#[tokio::test]
async fn products_are_matrices_with_their_variants() {
    let env = env(4).await;
    let retailer = env.sim.retailer().clone();
    let (records, _, _) = env.read_all("products", None, 10).await;
    let mut by_title = std::collections::BTreeMap::new();
    for e in records {
        let Entity::Product(p) = e else {
            panic!("not a product")
        };
        by_title.insert(p.title.clone(), p);
    }
    assert_eq!(by_title.len(), retailer.products.len());
    for seeded in &retailer.products {
        let p = &by_title[&seeded.title];
        assert_eq!(p.status, ProductStatus::Active);
        assert_eq!(p.option_names, vec!["Color", "Size"]);
        let skus: Vec<&str> = p.variants.iter().map(|v| v.sku.as_str()).collect();
        let want: Vec<&str> = seeded.variants.iter().map(|v| v.sku.as_str()).collect();
        assert_eq!(skus, want);
        let v = &p.variants[0];
        assert_eq!(
            v.price.as_ref().map(|m| m.amount_minor),
            Some(seeded.variants[0].price_minor)
        );
        assert_eq!(v.barcodes, vec![seeded.variants[0].barcode.clone()]);
        assert_eq!(v.options[0].value, seeded.variants[0].colour);
    }
}

#[tokio::test]
async fn a_429_storm_is_rate_limited_with_retry_after() {
    let env = env(2).await;
    env.sim
        .faults()
        .set(FaultConfig {
            throttle_rate: 1.0,
            throttle_retry_after_secs: 30,
            ..FaultConfig::default()
        })
        .unwrap();
    match env.try_read("inventory-levels", None, 10).await {
        Err(CallError::Failed(f)) => {
            assert_eq!(f.class, ErrorClass::RateLimited);
            assert_eq!(f.retry_after_ms, Some(30_000));
            assert_eq!(f.http_status, Some(429));
        }
        other => panic!("expected rate-limited, got {other:?}"),
    }
    env.sim.faults().clear();
    assert!(env.try_read("inventory-levels", None, 10).await.is_ok());
}

#[tokio::test]
async fn with_stock_shop_groups_each_item_is_one_level_per_group_summing_its_shops() {
    let env = env(3).await;
    env.configure(serde_json::json!({"stock-shops": {"online": [1, 2], "outlet": [3]}}))
        .await;
    let retailer = env.sim.retailer().clone();
    let sum = |v: &weft_sim::seed::Variant, shops: &[u32]| -> i64 {
        shops
            .iter()
            .map(|s| v.on_hand.get(s).copied().unwrap_or(0))
            .sum()
    };
    let mut expected: Vec<(String, String, i64)> = retailer
        .variants()
        .flat_map(|(_, v)| {
            [
                (v.sku.clone(), "online".to_string(), sum(v, &[1, 2])),
                (v.sku.clone(), "outlet".to_string(), sum(v, &[3])),
            ]
        })
        .collect();
    expected.sort();
    let (mut seen, cursor) = sorted_levels(&env).await;
    seen.dedup();
    assert_eq!(
        seen, expected,
        "one level per SKU and group, the sum of its shops"
    );

    // A sale at shop 2 moves "online" only; lookups take SKU@group.
    let sku = expected[0].0.clone();
    let online = expected
        .iter()
        .find(|e| e.0 == sku && e.1 == "online")
        .unwrap()
        .2;
    env.sim.receive(&sku, 2, -1).unwrap();
    let (after, _, _) = env.read_all("inventory-levels", cursor, 25).await;
    let after = levels(after);
    assert!(after.iter().all(|l| l.location == "online"), "{after:?}");
    let last = after
        .iter()
        .rfind(|l| l.sku == sku)
        .expect("the change is read");
    assert_eq!((last.on_hand, last.available), (online - 1, online - 1));
    let keys = [format!("{sku}@online"), format!("{sku}@2")];
    let found = levels(env.lookup("inventory-levels", &[&keys[0], &keys[1]]).await);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].location.as_str(), found[0].on_hand),
        ("online", online - 1)
    );
    assert_eq!(
        found[0].meta.version, last.meta.version,
        "read and lookup agree"
    );
}
