//! Reading the `orders` stream: orders changed since the cursor (`orders(sortKey: UPDATED_AT,
//! query: "updated_at:>=...")`, Relay-paged), as `order` records keyed `order:shopify:<id>` with
//! version = `updatedAt`.
//!
//! Mapping: channel `online`; location = the assigned location of the order's (first)
//! fulfilment order; lines with SKU, unit price, line discount and line tax; tenders = the
//! successful sale and capture transactions (gateway as kind); discount codes with
//! amount 0 (Shopify allocates every discount to lines, so the amounts are already in the lines'
//! discounts, and the model's order-level discounts are only those not in the lines); order tax lines; shipping;
//! total. Orders with more than [`LINES_FIRST`] lines get their remaining lines in follow-up
//! queries. Deliberately not here: REST webhook bodies (`rest_orders.rs`), refunds.

use serde_json::{Value, json};
use weft_sdk::connector::{CallError, Failure, Page};
use weft_sdk::model::{Discount, Entity, Money, Order, OrderLine, TaxLine, Tender, money};

use crate::gql;
use crate::money::parse_value;
use crate::paged;
use crate::util::{legacy_id, list_at, meta, need_str, permanent, str_at};

/// Lines fetched with each order (a page of 4 orders stays under 1000 points).
pub const LINES_FIRST: u32 = 25;
const MAX_ORDERS: u32 = 4;

const LINE_FIELDS: &str = "id sku quantity originalUnitPriceSet { shopMoney { amount } } totalDiscountSet { shopMoney { amount } } taxLines { priceSet { shopMoney { amount } } }";

fn page_doc() -> String {
    format!(
        "query OrdersPage($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ id legacyResourceId name createdAt updatedAt currencyCode
      customer {{ legacyResourceId }}
      discountCodes
      totalDiscountsSet {{ shopMoney {{ amount currencyCode }} }}
      totalShippingPriceSet {{ shopMoney {{ amount currencyCode }} }}
      totalPriceSet {{ shopMoney {{ amount currencyCode }} }}
      taxLines {{ title priceSet {{ shopMoney {{ amount }} }} }}
      transactions {{ id kind status gateway amountSet {{ shopMoney {{ amount currencyCode }} }} }}
      fulfillmentOrders(first: 1) {{ nodes {{ assignedLocation {{ location {{ legacyResourceId }} }} }} }}
      lineItems(first: {LINES_FIRST}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {LINE_FIELDS} }} }} }} }} }}"
    )
}

fn amount(v: &Value, pointer: &str, currency: &str) -> Result<Money, String> {
    let raw = v
        .pointer(pointer)
        .ok_or_else(|| format!("field {pointer} is missing"))?;
    Ok(money(parse_value(raw, currency)?, currency))
}

/// One GraphQL `LineItem` node.
pub fn line(node: &Value, currency: &str) -> Result<OrderLine, String> {
    let mut tax = 0;
    for t in list_at(node, "/taxLines") {
        tax += amount(t, "/priceSet/shopMoney/amount", currency)?.amount_minor;
    }
    Ok(OrderLine {
        line_id: legacy_id(need_str(node, "/id")?).to_string(),
        sku: str_at(node, "/sku").unwrap_or("").to_string(),
        quantity: node.get("quantity").and_then(Value::as_i64).unwrap_or(0),
        unit_price: amount(node, "/originalUnitPriceSet/shopMoney/amount", currency)?,
        discount: amount(node, "/totalDiscountSet/shopMoney/amount", currency)?,
        tax: money(tax, currency),
    })
}

/// One GraphQL `Order` node as a record (lines from the node only).
pub fn order_entity(node: &Value) -> Result<Order, String> {
    let id = need_str(node, "/legacyResourceId")?;
    let cur = str_at(node, "/currencyCode")
        .or_else(|| str_at(node, "/totalPriceSet/shopMoney/currencyCode"))
        .ok_or("order has no currency")?
        .to_string();
    let lines = list_at(node, "/lineItems/nodes")
        .iter()
        .map(|l| line(l, &cur))
        .collect::<Result<Vec<_>, _>>()?;
    let mut tenders = Vec::new();
    for t in list_at(node, "/transactions") {
        let kind = str_at(t, "/kind").unwrap_or("");
        if matches!(kind, "SALE" | "CAPTURE") && str_at(t, "/status") == Some("SUCCESS") {
            tenders.push(Tender {
                kind: str_at(t, "/gateway").unwrap_or("unknown").to_string(),
                amount: amount(t, "/amountSet/shopMoney/amount", &cur)?,
                reference: str_at(t, "/id").map(|g| legacy_id(g).to_string()),
            });
        }
    }
    let discounts = list_at(node, "/discountCodes")
        .iter()
        .filter_map(Value::as_str)
        .map(|code| Discount {
            code: code.to_string(),
            amount: money(0, &cur),
        })
        .collect();
    let taxes = list_at(node, "/taxLines")
        .iter()
        .map(|t| {
            Ok(TaxLine {
                name: str_at(t, "/title").unwrap_or("tax").to_string(),
                amount: amount(t, "/priceSet/shopMoney/amount", &cur)?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let shipping = amount(node, "/totalShippingPriceSet/shopMoney/amount", &cur)?;
    Ok(Order {
        meta: meta(id, need_str(node, "/updatedAt")?, str_at(node, "/id")),
        number: str_at(node, "/name").unwrap_or(id).to_string(),
        channel: "online".into(),
        location: str_at(
            node,
            "/fulfillmentOrders/nodes/0/assignedLocation/location/legacyResourceId",
        )
        .map(str::to_string),
        customer_ref: str_at(node, "/customer/legacyResourceId").map(str::to_string),
        lines,
        tenders,
        discounts,
        taxes,
        shipping: (shipping.amount_minor != 0).then_some(shipping),
        total: amount(node, "/totalPriceSet/shopMoney/amount", &cur)?,
        created_at: need_str(node, "/createdAt")?.to_string(),
    })
}

/// The lines after the first page of an order's line items.
fn more_lines(
    order_gid: &str,
    mut after: Option<String>,
    currency: &str,
) -> Result<Vec<OrderLine>, Failure> {
    let doc = format!(
        "query OrderLines($id: ID!, $after: String) {{ order(id: $id) {{ lineItems(first: 100, after: $after) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {LINE_FIELDS} }} }} }} }}"
    );
    let mut lines = Vec::new();
    for _ in 0..50 {
        let data = gql::query(&doc, json!({"id": order_gid, "after": after}))?;
        let conn = data
            .pointer("/order/lineItems")
            .cloned()
            .unwrap_or(Value::Null);
        for l in list_at(&conn, "/nodes") {
            lines
                .push(line(l, currency).map_err(|e| permanent(format!("order {order_gid}: {e}")))?);
        }
        if conn
            .pointer("/pageInfo/hasNextPage")
            .and_then(Value::as_bool)
            != Some(true)
        {
            break;
        }
        after = str_at(&conn, "/pageInfo/endCursor").map(str::to_string);
    }
    Ok(lines)
}

/// A node as a complete record (following line pages when there are more).
pub fn complete(node: &Value) -> Result<Order, Failure> {
    let gid = str_at(node, "/id").unwrap_or("?").to_string();
    let mut order = order_entity(node).map_err(|e| permanent(format!("order {gid}: {e}")))?;
    if node
        .pointer("/lineItems/pageInfo/hasNextPage")
        .and_then(Value::as_bool)
        == Some(true)
    {
        let after = str_at(node, "/lineItems/pageInfo/endCursor").map(str::to_string);
        order
            .lines
            .extend(more_lines(&gid, after, &order.total.currency)?);
    }
    Ok(order)
}

/// Read one page of orders.
pub fn read(cursor: Option<&str>, limit: u32) -> Result<Page, CallError> {
    let slice = paged::read(cursor, &page_doc(), "orders", limit.clamp(1, MAX_ORDERS))?;
    let records = slice
        .nodes
        .iter()
        .map(|n| complete(n).map(Entity::Order))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CallError::Failed)?;
    Ok(Page {
        records,
        next_cursor: slice.next_cursor,
        has_more: slice.has_more,
    })
}
