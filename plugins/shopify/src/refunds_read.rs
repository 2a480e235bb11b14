//! Reading the `refunds` stream: refunds as `customer-return` records keyed
//! `customer-return:shopify:<refund id>`, version = the refund's `createdAt`.
//!
//! A refund updates its order, so the stream walks orders changed since the cursor (the same
//! `updatedAt` window as `orders`) and emits their refunds; an order's older refunds come again
//! when it changes (at-least-once, the engine deduplicates by key and version). Lines: SKU,
//! quantity, unit price, discount (`unit × quantity - subtotal`) and tax as refunded; the restock
//! location of the first restocked line; the refunded money from successful refund transactions.
//! Limits, to stay under the query cost ceiling: [`REFUNDS_PER_ORDER`] refunds per order and 10
//! lines per refund (webhooks carry bigger ones whole). Deliberately not here: writes.

use serde_json::Value;
use weft_sdk::connector::{CallError, Page};
use weft_sdk::model::{CustomerReturn, Entity, Money, OrderLine, money};

use crate::money::parse_value;
use crate::paged;
use crate::util::{legacy_id, list_at, meta, need_str, permanent, str_at};

/// Refunds read per order.
pub const REFUNDS_PER_ORDER: u32 = 3;
const MAX_ORDERS: u32 = 3;

const PAGE: &str = "query RefundsPage($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { id legacyResourceId updatedAt currencyCode
      refunds(first: 3) { id legacyResourceId createdAt
        refundLineItems(first: 10) { nodes { quantity restockType location { legacyResourceId }
          lineItem { id sku originalUnitPriceSet { shopMoney { amount } } }
          subtotalSet { shopMoney { amount } } totalTaxSet { shopMoney { amount } } } }
        transactions(first: 3) { nodes { kind status amountSet { shopMoney { amount } } } } } } } }";

fn amount(v: &Value, pointer: &str, currency: &str) -> Result<Money, String> {
    let raw = v
        .pointer(pointer)
        .ok_or_else(|| format!("field {pointer} is missing"))?;
    Ok(money(parse_value(raw, currency)?, currency))
}

/// A GraphQL `Refund` node of the order `order_id` as a record.
pub fn refund(node: &Value, order_id: &str, currency: &str) -> Result<CustomerReturn, String> {
    let id = need_str(node, "/legacyResourceId")?;
    let mut lines = Vec::new();
    let mut restock = None;
    for rl in list_at(node, "/refundLineItems/nodes") {
        let q = rl.get("quantity").and_then(Value::as_i64).unwrap_or(0);
        let unit = amount(
            rl,
            "/lineItem/originalUnitPriceSet/shopMoney/amount",
            currency,
        )?;
        let subtotal = amount(rl, "/subtotalSet/shopMoney/amount", currency)?;
        if restock.is_none() && str_at(rl, "/restockType") == Some("RETURN") {
            restock = str_at(rl, "/location/legacyResourceId").map(str::to_string);
        }
        lines.push(OrderLine {
            line_id: legacy_id(need_str(rl, "/lineItem/id")?).to_string(),
            sku: str_at(rl, "/lineItem/sku").unwrap_or("").to_string(),
            quantity: q,
            discount: money(unit.amount_minor * q - subtotal.amount_minor, currency),
            unit_price: unit,
            tax: amount(rl, "/totalTaxSet/shopMoney/amount", currency)?,
        });
    }
    let mut refunded = 0;
    for t in list_at(node, "/transactions/nodes") {
        if str_at(t, "/kind") == Some("REFUND") && str_at(t, "/status") == Some("SUCCESS") {
            refunded += amount(t, "/amountSet/shopMoney/amount", currency)?.amount_minor;
        }
    }
    Ok(CustomerReturn {
        meta: meta(id, need_str(node, "/createdAt")?, str_at(node, "/id")),
        original_order_ref: order_id.to_string(),
        new_transaction_id: id.to_string(),
        lines,
        restock_location: restock,
        refund: money(refunded, currency),
    })
}

/// The refunds of one GraphQL order node.
pub fn refunds_of(order: &Value) -> Result<Vec<CustomerReturn>, String> {
    let order_id = need_str(order, "/legacyResourceId")?;
    let currency = need_str(order, "/currencyCode")?;
    list_at(order, "/refunds")
        .iter()
        .map(|r| refund(r, order_id, currency))
        .collect()
}

/// Read one page.
pub fn read(cursor: Option<&str>, limit: u32) -> Result<Page, CallError> {
    let slice = paged::read(cursor, PAGE, "orders", limit.clamp(1, MAX_ORDERS))?;
    let mut records = Vec::new();
    for order in &slice.nodes {
        let refunds = refunds_of(order).map_err(|e| {
            CallError::Failed(permanent(format!(
                "refunds of order {}: {e}",
                str_at(order, "/id").unwrap_or("?")
            )))
        })?;
        records.extend(refunds.into_iter().map(Entity::CustomerReturn));
    }
    Ok(Page {
        records,
        next_cursor: slice.next_cursor,
        has_more: slice.has_more,
    })
}
