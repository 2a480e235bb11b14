//! Online orders posted to Lightspeed: once only (same or new idempotency key), at the shop the
//! order names, with the order's totals; unknown SKUs wait; the sale and a refund of it read back
//! as an order keyed like the Shopify order and a return linked to it.
//!
//! Not here: the payload's rounding rules (unit-tested in the crate).

use reqwest::Method;
use serde_json::json;
use weft_engine::ErrorClass;
use weft_world::types::{Entity, Order, OrderLine, TaxLine, Tender};

use super::customers::shopper;
use super::{attribute, env, meta, upsert, usd};

fn web_order(id: &str, shop: &str, lines: Vec<OrderLine>, tax: i64, shipping: i64) -> Entity {
    let goods: i64 = lines
        .iter()
        .map(|l| l.quantity * l.unit_price.amount_minor)
        .sum();
    let total = goods + tax + shipping;
    Entity::Order(Order {
        meta: meta("shopify", id),
        number: format!("#{id}"),
        channel: "online".into(),
        location: Some(shop.into()),
        customer_ref: Some("gid://shopify/Customer/1".into()),
        lines,
        tenders: vec![Tender {
            kind: "shopify-payments".into(),
            amount: usd(total),
            reference: None,
        }],
        discounts: vec![],
        taxes: vec![TaxLine {
            name: "Sales tax".into(),
            amount: usd(tax),
        }],
        shipping: Some(usd(shipping)),
        total: usd(total),
        created_at: "2026-01-01T00:00:00Z".into(),
    })
}

fn line(id: &str, sku: &str, qty: i64, price: i64, tax: i64) -> OrderLine {
    OrderLine {
        line_id: id.into(),
        sku: sku.into(),
        quantity: qty,
        unit_price: usd(price),
        discount: usd(0),
        tax: usd(tax),
    }
}

#[tokio::test]
async fn orders_post_once_at_the_right_shop_and_refunds_read_as_returns() {
    let env = env(3).await;
    let retailer = env.sim.retailer().clone();
    let (a, b) = (
        retailer.variants().next().unwrap().1.clone(),
        retailer.variants().nth(1).unwrap().1.clone(),
    );
    let customer = env
        .write(
            "customers",
            vec![upsert(
                "c1",
                shopper("gid://shopify/Customer/1", Some("robin@example.com"), None),
            )],
        )
        .await;
    let customer_id: u64 = customer[0].as_ref().unwrap().target_id.parse().unwrap();

    // Unknown SKU: waits for it, posts nothing.
    let ghost = web_order(
        "1001",
        "2",
        vec![line("1", "GHOST-1", 1, 1000, 100)],
        100,
        0,
    );
    let out = env.write("orders", vec![upsert("ik-ghost", ghost)]).await;
    let f = out[0].as_ref().unwrap_err();
    assert_eq!(
        (f.class, f.waiting_for.as_deref()),
        (ErrorClass::DependencyMissing, Some("sku:GHOST-1"))
    );
    assert!(env.sim.sales().is_empty());

    // Shipping needs the shipping item; create it the way a back office would.
    env.api(
        Method::POST,
        "/Item.json",
        Some(json!({"description": "Shipping", "customSku": "SHIPPING"})),
    )
    .await;
    let lines = vec![
        line("1", &a.sku, 2, 1000, 200),
        line("2", &b.sku, 1, 500, 50),
    ];
    let order = web_order("1002", "2", lines, 250, 700);
    let (qa, qb) = (
        env.sim.qoh(&a.sku, 2).unwrap(),
        env.sim.qoh(&b.sku, 2).unwrap(),
    );
    let out = env
        .write("orders", vec![upsert("ik-1002", order.clone())])
        .await;
    let sale_id: u64 = out[0].as_ref().unwrap().target_id.parse().unwrap();
    let sale = env.sim.sale(sale_id).unwrap();
    assert_eq!(
        (sale.shop_id, sale.completed, sale.customer_id),
        (2, true, customer_id)
    );
    assert_eq!(sale.reference_number, "1002");
    assert_eq!(sale.total_minor, 2000 + 500 + 250 + 700);
    let skus: Vec<(&str, i64)> = sale
        .lines
        .iter()
        .map(|l| (l.sku.as_str(), l.quantity))
        .collect();
    assert_eq!(
        skus,
        vec![(a.sku.as_str(), 2), (b.sku.as_str(), 1), ("SHIPPING", 1)]
    );
    assert_eq!(
        (env.sim.qoh(&a.sku, 2), env.sim.qoh(&b.sku, 2)),
        (Some(qa - 2), Some(qb - 1))
    );

    // Re-sent with the same key, and again with a new key: still one sale.
    for key in ["ik-1002", "ik-1002-v2"] {
        let out = env.write("orders", vec![upsert(key, order.clone())]).await;
        assert_eq!(out[0].as_ref().unwrap().target_id, sale_id.to_string());
    }
    assert_eq!(env.sim.sales().len(), 1);

    // A partial return at another shop, and some in-store activity.
    let line_a = sale.lines[0].sale_line_id;
    let body = json!({"shopID": "1", "SaleLines": {"SaleLine": {"saleLineID": line_a.to_string(), "unitQuantity": "1"}}});
    let refund = env
        .api(
            Method::POST,
            &format!("/Sale/{sale_id}/Refund.json"),
            Some(body),
        )
        .await;
    let refund_id = refund["Sale"]["saleID"].as_str().unwrap().to_string();
    let activity = env.sim.tick_activity(12);

    let (records, _, _) = env.read_all("sales", None, 5).await;
    let mut orders = std::collections::BTreeMap::new();
    let mut returns = std::collections::BTreeMap::new();
    for e in records {
        match e {
            Entity::Order(o) => assert!(orders.insert(o.meta.source_id.clone(), o).is_none()),
            Entity::CustomerReturn(r) => {
                assert!(returns.insert(r.new_transaction_id.clone(), r).is_none())
            }
            other => panic!("{other:?}"),
        }
    }
    let posted = &orders[&sale_id.to_string()];
    assert_eq!(
        attribute(&posted.meta, "weft.key"),
        Some("order:shopify:1002")
    );
    assert_eq!(
        (posted.channel.as_str(), posted.location.as_deref()),
        ("online", Some("2"))
    );
    assert_eq!(posted.total, usd(3450));
    assert_eq!(posted.shipping, Some(usd(700)));
    let r = &returns[&refund_id];
    assert_eq!(
        r.original_order_ref, "1002",
        "the Shopify order the sale came from"
    );
    assert_eq!(r.restock_location.as_deref(), Some("1"));
    assert_eq!(
        (r.lines[0].sku.as_str(), r.lines[0].quantity),
        (a.sku.as_str(), 1)
    );
    assert_eq!(r.refund, usd(1100));
    for id in &activity.sales {
        let o = &orders[&id.to_string()];
        assert_eq!(o.channel, "pos");
        assert_eq!(attribute(&o.meta, "weft.key"), None);
    }
    for id in &activity.returns {
        let original = env.sim.sale(*id).unwrap().refund_of.unwrap();
        let want = match original == sale_id {
            true => "1002".to_string(),
            false => original.to_string(),
        };
        assert_eq!(returns[&id.to_string()].original_order_ref, want);
    }
    assert_eq!(
        orders.len() + returns.len(),
        2 + activity.sales.len() + activity.returns.len()
    );
}

#[tokio::test]
async fn a_shipped_online_order_reads_back_once_as_a_fulfilment_with_its_tracking() {
    let env = env(3).await;
    let retailer = env.sim.retailer().clone();
    let a = retailer.variants().next().unwrap().1.clone();
    let order = web_order("2001", "1", vec![line("1", &a.sku, 2, 1000, 0)], 0, 0);
    let out = env.write("orders", vec![upsert("ik-2001", order)]).await;
    let sale_id: u64 = out[0].as_ref().unwrap().target_id.parse().unwrap();
    let waiting = env
        .sim
        .sale(sale_id)
        .unwrap()
        .ship_to
        .expect("posted with a ShipTo");
    assert!(!waiting.shipped);
    // An in-store sale that ships too, but was not posted from an online order.
    let item = env.sim.item_id(&a.sku).unwrap().to_string();
    env.api(
        Method::POST,
        "/Sale.json",
        Some(json!({"shopID": "1", "completed": "true",
        "SaleLines": {"SaleLine": {"itemID": item, "unitQuantity": "1"}},
        "ShipTo": {"shipped": "true", "shipNote": "UPS 1Z000000000000001"}})),
    )
    .await;

    let (before, cursor, _) = env.read_all("fulfilments", None, 50).await;
    assert!(before.is_empty(), "nothing shipped yet: {before:?}");

    env.sim.clock().advance(std::time::Duration::from_secs(2));
    env.sim.ship(sale_id, "UPS 1Z999AA10123456784").unwrap();
    env.sim.clock().advance(std::time::Duration::from_secs(2));
    let (shipped, cursor, _) = env.read_all("fulfilments", cursor, 50).await;
    let [Entity::Fulfilment(f)] = shipped.as_slice() else {
        panic!("one fulfilment: {shipped:?}");
    };
    assert_eq!(f.order_ref, "2001");
    assert_eq!(
        (f.carrier.as_deref(), f.tracking_number.as_deref()),
        (Some("UPS"), Some("1Z999AA10123456784"))
    );
    assert!(f.lines.is_empty(), "the whole sale shipped: {f:?}");
    assert_eq!(f.meta.source_id, sale_id.to_string());

    // Read on: nothing new, and a re-read from the start gives the same version.
    let (after, _, _) = env.read_all("fulfilments", cursor, 50).await;
    assert!(after.is_empty(), "{after:?}");
    let (again, _, _) = env.read_all("fulfilments", None, 50).await;
    let [Entity::Fulfilment(g)] = again.as_slice() else {
        panic!("{again:?}");
    };
    assert_eq!(g.meta.version, f.meta.version);
}
