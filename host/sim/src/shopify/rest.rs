//! REST Admin representations of the simulator's records: the bodies of webhook deliveries
//! (Shopify sends the REST shape of the topic's resource). Field names and value types follow the
//! fixtures in `shared/fixtures/shopify/` (orders.json, refund.json, fulfillment.json,
//! inventory_level.json, customer.json): money as decimal strings, ids as JSON numbers, times as
//! RFC 3339 strings, plus `admin_graphql_api_id`.
//!
//! Deliberately a subset: the fields a sync connector reads (ids, SKUs, quantities, prices, taxes,
//! discounts, shipping, location, customer, transactions); presentment-currency `*_set` blocks are
//! given for totals only, and addresses, client details and marketing fields are left out.

use serde_json::{Value, json};

use super::model::*;
use super::store::Store;
use super::timefmt::format as ts;
use crate::seed::gid;

/// `inventory_levels/update` body.
pub fn inventory_level(l: &Level) -> Value {
    json!({
        "inventory_item_id": l.item_id,
        "location_id": l.location_id,
        "available": l.available,
        "updated_at": ts(l.updated_at),
        "admin_graphql_api_id": format!("gid://shopify/InventoryLevel/{}?inventory_item_id={}", l.location_id, l.item_id),
    })
}

fn money_set(minor: i64, currency: &str) -> Value {
    let m = json!({"amount": money(minor), "currency_code": currency});
    json!({"shop_money": m, "presentment_money": m})
}

fn tax_lines(t: &[TaxLine]) -> Value {
    t.iter()
        .map(|t| json!({"title": t.title, "price": money(t.price), "rate": t.rate}))
        .collect()
}

/// A line item as orders, refunds and fulfilments embed it.
pub fn line_item(l: &LineItem) -> Value {
    json!({
        "id": l.id,
        "admin_graphql_api_id": gid("LineItem", l.id),
        "variant_id": l.variant_id,
        "product_id": l.product_id,
        "title": l.title,
        "variant_title": l.variant_title,
        "name": format!("{} - {}", l.title, l.variant_title),
        "sku": l.sku,
        "quantity": l.quantity,
        "current_quantity": l.quantity - l.refunded,
        "fulfillable_quantity": l.fulfillable(),
        "fulfillment_status": match (l.fulfilled, l.fulfillable()) { (0, _) => None, (_, 0) => Some("fulfilled"), _ => Some("partial") },
        "price": money(l.price),
        "total_discount": money(l.total_discount),
        "tax_lines": tax_lines(&l.tax_lines),
        "requires_shipping": true,
        "taxable": true,
        "gift_card": false,
        "fulfillment_service": "manual",
        "variant_inventory_management": "shopify",
        "product_exists": true,
        "properties": [],
        "vendor": null,
        "grams": 0,
    })
}

fn transaction(t: &Transaction, currency: &str, location_id: u64) -> Value {
    json!({
        "id": t.id,
        "admin_graphql_api_id": gid("OrderTransaction", t.id),
        "order_id": t.order_id,
        "kind": t.kind,
        "gateway": t.gateway,
        "status": t.status,
        "amount": money(t.amount),
        "currency": currency,
        "parent_id": t.parent_id,
        "created_at": ts(t.created_at),
        "processed_at": ts(t.created_at),
        "test": false,
        "location_id": location_id,
        "source_name": "web",
    })
}

/// `refunds/create` body (the inner object of refund.json).
pub fn refund(s: &Store, r: &Refund) -> Value {
    let order = s.orders.get(&r.order_id);
    let loc = order.map_or(0, |o| o.location_id);
    json!({
        "id": r.id,
        "admin_graphql_api_id": gid("Refund", r.id),
        "order_id": r.order_id,
        "created_at": ts(r.created_at),
        "processed_at": ts(r.created_at),
        "note": r.note,
        "restock": r.lines.iter().any(|l| l.restock_type != RestockType::NoRestock),
        "user_id": null,
        "refund_line_items": r.lines.iter().map(|rl| json!({
            "id": rl.id,
            "line_item_id": rl.line_item_id,
            "quantity": rl.quantity,
            "restock_type": rl.restock_type.rest(),
            "location_id": rl.location_id,
            "subtotal": money(rl.subtotal),
            "total_tax": money(rl.total_tax),
            "subtotal_set": money_set(rl.subtotal, &s.currency),
            "total_tax_set": money_set(rl.total_tax, &s.currency),
            "line_item": order.and_then(|o| o.line_items.iter().find(|l| l.id == rl.line_item_id)).map(line_item),
        })).collect::<Vec<_>>(),
        "transactions": r.transactions.iter().map(|t| transaction(t, &s.currency, loc)).collect::<Vec<_>>(),
        "order_adjustments": [],
    })
}

/// A fulfilment (fulfillment.json).
pub fn fulfillment(s: &Store, f: &Fulfillment) -> Value {
    let order = s.orders.get(&f.order_id);
    json!({
        "id": f.id,
        "admin_graphql_api_id": gid("Fulfillment", f.id),
        "order_id": f.order_id,
        "location_id": f.location_id,
        "status": f.status,
        "service": "manual",
        "created_at": ts(f.created_at),
        "updated_at": ts(f.created_at),
        "tracking_company": f.tracking_company,
        "tracking_number": f.tracking_number,
        "tracking_numbers": f.tracking_number.iter().collect::<Vec<_>>(),
        "tracking_url": f.tracking_url,
        "tracking_urls": f.tracking_url.iter().collect::<Vec<_>>(),
        "line_items": f.lines.iter().filter_map(|(id, q)| {
            let mut li = line_item(order?.line_items.iter().find(|l| l.id == *id)?);
            li["quantity"] = json!(q);
            Some(li)
        }).collect::<Vec<_>>(),
    })
}

/// A customer (customer.json).
pub fn customer(c: &Customer) -> Value {
    json!({
        "id": c.id,
        "admin_graphql_api_id": gid("Customer", c.id),
        "email": c.email,
        "phone": c.phone,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "note": c.note,
        "tags": c.tags.join(", "),
        "state": "disabled",
        "verified_email": true,
        "tax_exempt": false,
        "created_at": ts(c.created_at),
        "updated_at": ts(c.updated_at),
    })
}

/// `orders/create` and `orders/updated` body (the inner object of orders.json, plus the
/// `line_items`, `shipping_lines`, `fulfillments` and `refunds` arrays that order.json carries).
pub fn order(s: &Store, o: &Order) -> Value {
    let cur = s.currency.as_str();
    let mut head = json!({
        "id": o.id,
        "admin_graphql_api_id": gid("Order", o.id),
        "name": o.name,
        "number": o.number - 1000,
        "order_number": o.number,
        "email": o.email,
        "contact_email": o.email,
        "phone": o.phone,
        "created_at": ts(o.created_at),
        "updated_at": ts(o.updated_at),
        "processed_at": ts(o.created_at),
        "closed_at": null,
        "cancelled_at": null,
        "cancel_reason": null,
        "currency": cur,
        "presentment_currency": cur,
        "test": false,
        "confirmed": true,
        "taxes_included": false,
        "source_name": o.source_name,
        "location_id": o.location_id,
        "note": o.note,
        "tags": o.tags.join(", "),
        "gateway": "shopify_payments",
        "payment_gateway_names": ["shopify_payments"],
        "financial_status": o.financial_status(),
        "fulfillment_status": o.fulfillment_status(),
    });
    let more = json!({
        "total_line_items_price": money(o.line_items_total()),
        "total_discounts": money(o.total_discounts()),
        "subtotal_price": money(o.subtotal()),
        "total_tax": money(o.total_tax()),
        "total_price": money(o.total_price()),
        "total_line_items_price_set": money_set(o.line_items_total(), cur),
        "total_discounts_set": money_set(o.total_discounts(), cur),
        "total_shipping_price_set": money_set(o.total_shipping(), cur),
        "subtotal_price_set": money_set(o.subtotal(), cur),
        "total_tax_set": money_set(o.total_tax(), cur),
        "total_price_set": money_set(o.total_price(), cur),
        "discount_codes": o.discount_codes.iter().map(|d| json!({"code": d.code, "amount": money(d.amount), "type": d.kind})).collect::<Vec<_>>(),
        "tax_lines": tax_lines(&[TaxLine { title: "State Tax".into(), rate: super::orders::TAX_RATE, price: o.total_tax() }]),
        "line_items": o.line_items.iter().map(line_item).collect::<Vec<_>>(),
        "shipping_lines": o.shipping_lines.iter().map(|sl| json!({
            "id": sl.id, "title": sl.title, "code": sl.code, "source": "shopify",
            "price": money(sl.price), "discounted_price": money(sl.price), "tax_lines": tax_lines(&sl.tax_lines),
        })).collect::<Vec<_>>(),
        "transactions": o.transactions.iter().map(|t| transaction(t, cur, o.location_id)).collect::<Vec<_>>(),
        "fulfillments": o.fulfillment_ids.iter().filter_map(|id| s.fulfillments.get(id)).map(|f| fulfillment(s, f)).collect::<Vec<_>>(),
        "refunds": o.refund_ids.iter().filter_map(|id| s.refunds.get(id)).map(|r| refund(s, r)).collect::<Vec<_>>(),
        "customer": o.customer_id.and_then(|id| s.customers.get(&id)).map(customer),
    });
    if let (Value::Object(m), Value::Object(extra)) = (&mut head, more) {
        m.extend(extra);
    }
    head
}
