//! Writing the `fulfilments` stream: ship an order with tracking (`fulfillmentCreate` on the
//! order's open fulfilment orders, carrier and tracking number as `trackingInfo`).
//!
//! `order-ref` is the Shopify order id. A record without lines, or whose lines (by SKU) cover
//! every unfulfilled unit, ships the open fulfilment orders whole. A record naming fewer units
//! is a partial shipment: its quantities are taken, SKU by SKU, from the open fulfilment-order
//! line items (`remainingQuantity`), and a SKU asked for beyond what is open is refused as
//! permanent. Idempotency: Shopify's `fulfillmentCreate` takes no key, so a record whose
//! tracking number is already on one of the order's fulfilments is answered with that
//! fulfilment instead of shipping again; a partial shipment therefore needs a tracking number
//! (without one a re-send could not be told from a second parcel), and an order with nothing
//! left to ship is refused as permanent. A missing order is `dependency-missing` on
//! `order:shopify:<id>`. Deliberately not here: reading fulfilments, cancelling them.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use weft_sdk::connector::{Failure, WriteItem, WriteOp, Written};
use weft_sdk::model::{Entity, Fulfilment};

use crate::gql;
use crate::util::{gid, is_numeric_id, list_at, permanent, source_key, str_at, waiting};

type Outcome = Result<Written, Failure>;

const ORDER: &str = "query FulfilOrder($id: ID!) { order(id: $id) { id
  fulfillmentOrders(first: 5) { nodes { id status
    lineItems(first: 50) { nodes { id sku remainingQuantity } } } }
  lineItems(first: 100) { nodes { sku unfulfilledQuantity } }
  fulfillments { id createdAt trackingInfo { company number } } } }";

const CREATE: &str = "mutation Fulfil($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
  fulfillment { id createdAt } userErrors { field message } } }";

/// What to do for a fulfilment against an order node.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Already shipped with this tracking number.
    Done(Written),
    /// Ship these fulfilment orders whole.
    Ship(Value),
}

/// Decide, from the order node, how to write `f`; errors are permanent.
pub fn plan(f: &Fulfilment, order: &Value) -> Result<Plan, String> {
    if let Some(number) = f.tracking_number.as_deref().filter(|n| !n.is_empty()) {
        let existing = list_at(order, "/fulfillments").iter().find(|x| {
            list_at(x, "/trackingInfo")
                .iter()
                .any(|t| str_at(t, "/number") == Some(number))
        });
        if let Some(x) = existing {
            return Ok(Plan::Done(Written {
                target_id: str_at(x, "/id").unwrap_or("").to_string(),
                target_version: str_at(x, "/createdAt").unwrap_or("").to_string(),
            }));
        }
    }
    let mut open: BTreeMap<&str, i64> = BTreeMap::new();
    for l in list_at(order, "/lineItems/nodes") {
        let q = l
            .get("unfulfilledQuantity")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if q > 0 {
            *open.entry(str_at(l, "/sku").unwrap_or("")).or_default() += q;
        }
    }
    if open.is_empty() {
        return Err(format!("order {} has nothing left to fulfil", f.order_ref));
    }
    let open_orders: Vec<&Value> = list_at(order, "/fulfillmentOrders/nodes")
        .iter()
        .filter(|fo| matches!(str_at(fo, "/status"), Some("OPEN" | "IN_PROGRESS")))
        .collect();
    if open_orders.is_empty() {
        return Err(format!(
            "order {} has no open fulfilment order",
            f.order_ref
        ));
    }
    let mut asked: BTreeMap<&str, i64> = BTreeMap::new();
    for l in &f.lines {
        *asked.entry(l.sku.as_str()).or_default() += l.quantity;
    }
    let orders: Vec<Value> = if f.lines.is_empty() || asked == open {
        open_orders
            .iter()
            .map(|fo| json!({"fulfillmentOrderId": str_at(fo, "/id")}))
            .collect()
    } else {
        partial(f, &open_orders, asked)?
    };
    let mut input = json!({"lineItemsByFulfillmentOrder": orders, "notifyCustomer": false});
    if f.carrier.is_some() || f.tracking_number.is_some() {
        input["trackingInfo"] = json!({"company": f.carrier, "number": f.tracking_number});
    }
    Ok(Plan::Ship(input))
}

/// The fulfilment-order line items a partial shipment of `asked` (units per SKU) takes, first
/// open first.
fn partial(
    f: &Fulfilment,
    open_orders: &[&Value],
    mut asked: BTreeMap<&str, i64>,
) -> Result<Vec<Value>, String> {
    if f.tracking_number.as_deref().is_none_or(str::is_empty) {
        return Err(format!(
            "order {}: a partial fulfilment needs a tracking number (it is how a re-send is told from a second parcel)",
            f.order_ref
        ));
    }
    let mut out = Vec::new();
    for fo in open_orders {
        let mut lines = Vec::new();
        for l in list_at(fo, "/lineItems/nodes") {
            let sku = str_at(l, "/sku").unwrap_or("");
            let left = l
                .get("remainingQuantity")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let Some(want) = asked.get_mut(sku).filter(|w| **w > 0 && left > 0) else {
                continue;
            };
            let take = left.min(*want);
            *want -= take;
            lines.push(json!({"id": str_at(l, "/id"), "quantity": take}));
        }
        if !lines.is_empty() {
            out.push(json!({"fulfillmentOrderId": str_at(fo, "/id"), "fulfillmentOrderLineItems": lines}));
        }
    }
    let short: Vec<String> = asked
        .iter()
        .filter(|(_, n)| **n != 0)
        .map(|(sku, n)| format!("{n} x {sku}"))
        .collect();
    if !short.is_empty() {
        return Err(format!(
            "order {}: {} more than is left to fulfil; fix the shipment's lines",
            f.order_ref,
            short.join(", ")
        ));
    }
    Ok(out)
}

fn one(f: &Fulfilment) -> Outcome {
    if !is_numeric_id(&f.order_ref) {
        return Err(permanent(format!(
            "fulfilment: order-ref {:?} is not a Shopify order id",
            f.order_ref
        )));
    }
    let data = gql::query(ORDER, json!({"id": gid("Order", &f.order_ref)}))?;
    let order = data.get("order").unwrap_or(&Value::Null);
    if order.is_null() {
        return Err(waiting(
            format!("fulfilment: order {} is not in Shopify", f.order_ref),
            source_key("order", &f.order_ref),
        ));
    }
    let input = match plan(f, order).map_err(permanent)? {
        Plan::Done(w) => return Ok(w),
        Plan::Ship(input) => input,
    };
    let data = gql::run(CREATE, json!({"f": input}), false)?;
    let answer = data.get("fulfillmentCreate").unwrap_or(&Value::Null);
    if let Some(e) = list_at(answer, "/userErrors").first() {
        return Err(permanent(format!(
            "fulfillmentCreate on order {}: {}",
            f.order_ref,
            str_at(e, "/message").unwrap_or("user error")
        )));
    }
    match str_at(answer, "/fulfillment/id") {
        Some(id) => Ok(Written {
            target_id: id.to_string(),
            target_version: str_at(answer, "/fulfillment/createdAt")
                .unwrap_or("")
                .to_string(),
        }),
        None => Err(permanent("fulfillmentCreate answered without a fulfilment")),
    }
}

/// Write a batch; one outcome per item, in order.
pub fn write(items: &[WriteItem]) -> Vec<Outcome> {
    items
        .iter()
        .map(|item| match (&item.entity, &item.op) {
            (_, WriteOp::Delete) => Err(permanent("fulfilments cannot be deleted by sync")),
            (Entity::Fulfilment(f), _) => one(f),
            _ => Err(permanent("fulfilments takes fulfilment records")),
        })
        .collect()
}
