//! Orders, webhooks, refunds and payouts.

use super::*;

fn order_of(e: &Entity) -> &weft_world::types::Order {
    match e {
        Entity::Order(o) => o,
        other => panic!("not an order: {other:?}"),
    }
}

#[tokio::test]
async fn orders_read_through_every_page_with_lines_and_totals() {
    let env = env().await;
    let created = env.shop.tick_activity(11);
    assert!(created.len() >= 9, "{created:?}");
    let (records, cursor) = env.read_all("orders", None).await;
    let sim = env.shop.orders();
    assert_eq!(records.len(), sim.len(), "every order, once");
    for o in &sim {
        let got = records
            .iter()
            .map(order_of)
            .find(|r| r.meta.source_id == o.id.to_string())
            .unwrap_or_else(|| panic!("order {} missing", o.id));
        assert_eq!(got.total.amount_minor, o.total_price());
        assert_eq!(
            got.location.as_deref(),
            Some(o.location_id.to_string().as_str())
        );
        let skus: Vec<&str> = got.lines.iter().map(|l| l.sku.as_str()).collect();
        let want: Vec<&str> = o.line_items.iter().map(|l| l.sku.as_str()).collect();
        assert_eq!(skus, want);
        assert_eq!(got.channel, "online");
        let parts: i64 = got
            .lines
            .iter()
            .map(|l| {
                l.unit_price.amount_minor * l.quantity - l.discount.amount_minor
                    + l.tax.amount_minor
            })
            .sum::<i64>()
            + got.shipping.as_ref().map_or(0, |s| s.amount_minor);
        assert_eq!(parts, got.total.amount_minor, "order {} adds up", o.id);
        assert_eq!(got.tenders[0].amount.amount_minor, o.total_price());
    }
    // Nothing new, then one new order.
    let (quiet, cursor) = env.read_all("orders", cursor).await;
    assert!(quiet.is_empty(), "{quiet:?}");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let id = env.order(0);
    let (fresh, _) = env.read_all("orders", cursor).await;
    let ids: Vec<&str> = fresh
        .iter()
        .map(|e| order_of(e).meta.source_id.as_str())
        .collect();
    assert_eq!(ids, [id.to_string().as_str()]);
}

#[tokio::test]
async fn webhooks_are_verified_then_decoded_and_a_bad_signature_is_refused() {
    let env = env().await;
    let (url, seen) = crate::platform::webhook_receiver().await;
    env.shop.register_webhook("orders/create", &url).unwrap();
    let id = env.order(1);
    let (headers, body) = eventually(|| seen.lock().unwrap().first().cloned()).await;
    let events = env
        .webhook("orders/create", headers.clone(), body.clone())
        .await
        .expect("verified");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].stream_name, "orders");
    assert_eq!(events[0].key, format!("order:shopify:{id}"));
    let webhook_id = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("x-shopify-webhook-id"))
        .map(|(_, v)| v.clone());
    assert_eq!(events[0].event_id, webhook_id);
    let sim = env.shop.orders().into_iter().find(|o| o.id == id).unwrap();
    let Some(Entity::Order(o)) = &events[0].entity else {
        panic!("the webhook carries the whole order")
    };
    assert_eq!(o.total.amount_minor, sim.total_price());
    assert_eq!(o.lines[0].sku, sim.line_items[0].sku);

    let tampered = body.replacen("\"quantity\":1", "\"quantity\":9", 1);
    assert_ne!(tampered, body);
    let refused = env
        .webhook("orders/create", headers.clone(), tampered)
        .await;
    assert!(
        matches!(refused, Err(CallError::UnverifiedWebhook(_))),
        "{refused:?}"
    );
    let unsigned: Vec<_> = headers
        .into_iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("x-shopify-hmac-sha256"))
        .collect();
    let refused = env.webhook("orders/create", unsigned, body).await;
    assert!(
        matches!(refused, Err(CallError::UnverifiedWebhook(_))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_return_becomes_one_refund_restocked_at_the_location() {
    let env = env().await;
    let (sku, _, _) = env.sample(5);
    let id = env.order(5);
    let loc = env.shop.location_ids()[1];
    let before = env.shop.available(&sku, loc).unwrap();
    let item = upsert("k-refund", customer_return(id, &sku, loc, 1000));
    let out = env.write("refunds", vec![item.clone()]).await;
    let written = out[0].as_ref().expect("refunded");
    assert!(
        written.target_id.starts_with("gid://shopify/Refund/"),
        "{written:?}"
    );
    let refunds = env.shop.refunds();
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].order_id, id);
    assert_eq!(refunds[0].transactions[0].amount, 1000);
    assert_eq!(env.shop.available(&sku, loc), Some(before + 1), "restocked");
    // The same key again: no second refund.
    let again = env.write("refunds", vec![item.clone()]).await;
    assert_eq!(again[0].as_ref().unwrap().target_id, written.target_id);
    assert_eq!(env.shop.refunds().len(), 1);
    // The POS sale changed after the refund (a new source version, so a new key): still the
    // one refund, found by the POS sale its note names.
    let changed = upsert("k-refund-v2", customer_return(id, &sku, loc, 1000));
    let later = env.write("refunds", vec![changed]).await;
    assert_eq!(later[0].as_ref().unwrap().target_id, written.target_id);
    assert_eq!(
        env.shop.refunds().len(),
        1,
        "a changed return sale never refunds twice"
    );
    // An order Shopify does not have: wait for it.
    let missing = env
        .write(
            "refunds",
            vec![upsert("k-r2", customer_return(42, &sku, loc, 100))],
        )
        .await;
    let f = missing[0].as_ref().unwrap_err();
    assert_eq!(f.class, ErrorClass::DependencyMissing);
    assert_eq!(f.waiting_for.as_deref(), Some("order:shopify:42"));
    // Reading refunds finds it as a customer return.
    let (read, _) = env.read_all("refunds", None).await;
    let Some(Entity::CustomerReturn(r)) = read.first() else {
        panic!("refund read: {read:?}")
    };
    assert_eq!(
        (r.original_order_ref.as_str(), r.refund.amount_minor),
        (id.to_string().as_str(), 1000)
    );
    assert_eq!(r.lines[0].sku, sku);
    assert_eq!(
        r.restock_location.as_deref(),
        Some(loc.to_string().as_str())
    );
}

#[tokio::test]
async fn payouts_read_with_lines_that_add_up_to_the_net() {
    let env = env().await;
    env.shop.tick_activity(6);
    let first = env.shop.run_payout().expect("a payout");
    let id = env.order(2);
    let (sku, _, _) = env.sample(2);
    let refunded = env
        .write(
            "refunds",
            vec![upsert(
                "k-p",
                customer_return(id, &sku, env.shop.location_ids()[0], 700),
            )],
        )
        .await;
    assert!(refunded[0].is_ok(), "{refunded:?}");
    let second = env.shop.run_payout().expect("another payout");
    let (records, _) = env.read_all("payouts", None).await;
    assert_eq!(records.len(), env.shop.payouts().len());
    for sim in env.shop.payouts() {
        let p = records
            .iter()
            .find_map(|e| match e {
                Entity::Payout(p) if p.meta.source_id == sim.id.to_string() => Some(p),
                _ => None,
            })
            .unwrap_or_else(|| panic!("payout {} missing", sim.id));
        let sum: i64 = p
            .lines
            .iter()
            .map(|l| l.amount.amount_minor - l.fee.amount_minor)
            .sum();
        assert_eq!(sum, p.net.amount_minor, "payout {} adds up", sim.id);
        assert_eq!(p.net.amount_minor, sim.net);
        assert!(
            p.meta
                .attributes
                .iter()
                .all(|a| a.name != "shopify.unreconciled-minor")
        );
    }
    let last = records
        .iter()
        .find_map(|e| match e {
            Entity::Payout(p) if p.meta.source_id == second.to_string() => Some(p),
            _ => None,
        })
        .unwrap();
    use weft_world::types::PayoutLineKind;
    let refund = last
        .lines
        .iter()
        .find(|l| l.kind == PayoutLineKind::Refund)
        .expect("refund line");
    assert_eq!(refund.amount.amount_minor, -700);
    assert_eq!(refund.order_ref.as_deref(), Some(id.to_string().as_str()));
    assert!(
        last.lines
            .iter()
            .any(|l| l.kind == PayoutLineKind::Charge && l.fee.amount_minor > 0)
    );
    assert_ne!(first, second);
}

#[tokio::test]
async fn a_shipment_in_two_parcels_fulfils_part_then_the_rest_each_once() {
    let env = env().await;
    let (sku, variant, loc) = env.sample(3);
    let id = env
        .shop
        .create_order(NewOrder {
            lines: vec![NewLine {
                variant_id: variant,
                quantity: 3,
            }],
            location_id: Some(loc),
            ..NewOrder::default()
        })
        .expect("order placed");
    let parcel = |n: &str, quantity: i64| {
        Entity::Fulfilment(weft_world::types::Fulfilment {
            meta: meta(&format!("ship-{n}")),
            order_ref: id.to_string(),
            lines: vec![line(&sku, quantity)],
            carrier: Some("UPS".into()),
            tracking_number: Some(format!("1Z{n}")),
        })
    };
    let status = |env: &Env| {
        let o = env.shop.orders().into_iter().find(|o| o.id == id).unwrap();
        (o.fulfillment_ids.len(), o.fulfillment_status())
    };
    // Two of three units: a partial fulfilment.
    let first = upsert("k-ship-1", parcel("1", 2));
    let out = env.write("fulfilments", vec![first.clone()]).await;
    assert!(out[0].is_ok(), "{out:?}");
    assert_eq!(status(&env), (1, Some("partial")));
    // The same parcel again (a re-send, even under a new key): answered, not shipped twice.
    let again = upsert("k-ship-1b", parcel("1", 2));
    let out2 = env.write("fulfilments", vec![again]).await;
    assert_eq!(
        out2[0].as_ref().unwrap().target_id,
        out[0].as_ref().unwrap().target_id
    );
    assert_eq!(status(&env), (1, Some("partial")));
    // Two more than the one left: refused, naming what is over, nothing shipped.
    let over = env
        .write("fulfilments", vec![upsert("k-ship-x", parcel("9", 2))])
        .await;
    let f = over[0].as_ref().unwrap_err();
    assert_eq!(f.class, ErrorClass::Permanent);
    assert!(
        f.message.contains(&format!("1 x {sku} more than is left")),
        "{f:?}"
    );
    // The last unit: fulfilled.
    let rest = env
        .write("fulfilments", vec![upsert("k-ship-2", parcel("2", 1))])
        .await;
    assert!(rest[0].is_ok(), "{rest:?}");
    assert_eq!(status(&env), (2, Some("fulfilled")));
}
