//! REST-shape bodies, as Shopify's webhooks deliver them (`orders/create`, `orders/updated`,
//! `refunds/create`, `inventory_levels/update`): parse them into the model.
//!
//! REST differs from GraphQL: ids are JSON numbers, money is a decimal string per field, an
//! order carries `location_id` (null for most online orders; then the first fulfilment's
//! location) and usually no `transactions` (then a paid order gets one tender of its total via
//! its gateway), discount codes with amount 0 (Shopify allocates them to the lines' `total_discount`). A record is *complete* when every line
//! has a SKU and an order has a location: only complete records travel inside change events,
//! the rest are read through the stream. Deliberately not here: signature checks (`webhooks.rs`).

use serde_json::Value;
use weft_sdk::model::{CustomerReturn, Discount, Money, Order, OrderLine, TaxLine, Tender, money};

use crate::money::parse_value;
use crate::util::{id_at, int_at, list_at, meta, str_at};

fn amount(v: &Value, pointer: &str, currency: &str) -> Result<Money, String> {
    match v.pointer(pointer) {
        None | Some(Value::Null) => Ok(money(0, currency)),
        Some(raw) => Ok(money(parse_value(raw, currency)?, currency)),
    }
}

fn tax_sum(v: &Value, currency: &str) -> Result<i64, String> {
    let mut sum = 0;
    for t in list_at(v, "/tax_lines") {
        sum += amount(t, "/price", currency)?.amount_minor;
    }
    Ok(sum)
}

/// A REST `line_item`.
pub fn line(l: &Value, currency: &str) -> Result<OrderLine, String> {
    Ok(OrderLine {
        line_id: id_at(l, "/id").ok_or("line item without id")?,
        sku: str_at(l, "/sku").unwrap_or("").to_string(),
        quantity: int_at(l, "/quantity").unwrap_or(0),
        unit_price: amount(l, "/price", currency)?,
        discount: amount(l, "/total_discount", currency)?,
        tax: money(tax_sum(l, currency)?, currency),
    })
}

/// A REST order (the body of `orders/create` and `orders/updated`, or one of `orders.json`).
pub fn order(o: &Value) -> Result<Order, String> {
    let id = id_at(o, "/id").ok_or("order without id")?;
    let cur = str_at(o, "/currency")
        .ok_or("order without currency")?
        .to_string();
    let lines = list_at(o, "/line_items")
        .iter()
        .map(|l| line(l, &cur))
        .collect::<Result<Vec<_>, _>>()?;
    let total = amount(o, "/total_price", &cur)?;
    let mut tenders = Vec::new();
    for t in list_at(o, "/transactions") {
        let kind = str_at(t, "/kind").unwrap_or("");
        if matches!(kind, "sale" | "capture") && str_at(t, "/status") == Some("success") {
            tenders.push(Tender {
                kind: str_at(t, "/gateway").unwrap_or("unknown").to_string(),
                amount: amount(t, "/amount", &cur)?,
                reference: id_at(t, "/id"),
            });
        }
    }
    let paid = matches!(
        str_at(o, "/financial_status"),
        Some("paid" | "partially_refunded" | "refunded")
    );
    if tenders.is_empty() && paid && o.get("transactions").is_none() {
        let gateway = str_at(o, "/payment_gateway_names/0")
            .or_else(|| str_at(o, "/gateway"))
            .unwrap_or("unknown");
        tenders.push(Tender {
            kind: gateway.to_string(),
            amount: total.clone(),
            reference: None,
        });
    }
    let discounts = list_at(o, "/discount_codes")
        .iter()
        .map(|d| {
            // The amount is already allocated to the lines' `total_discount`.
            Ok(Discount {
                code: str_at(d, "/code").unwrap_or("").to_string(),
                amount: money(0, &cur),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let taxes = list_at(o, "/tax_lines")
        .iter()
        .map(|t| {
            Ok(TaxLine {
                name: str_at(t, "/title").unwrap_or("tax").to_string(),
                amount: amount(t, "/price", &cur)?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let shipping = match o.pointer("/total_shipping_price_set/shop_money/amount") {
        Some(_) => amount(o, "/total_shipping_price_set/shop_money/amount", &cur)?,
        None => {
            let mut sum = 0;
            for s in list_at(o, "/shipping_lines") {
                sum += amount(s, "/price", &cur)?.amount_minor;
            }
            money(sum, &cur)
        }
    };
    let version = str_at(o, "/updated_at").unwrap_or("");
    Ok(Order {
        meta: meta(&id, version, str_at(o, "/admin_graphql_api_id")),
        number: str_at(o, "/name").unwrap_or(&id).to_string(),
        channel: "online".into(),
        location: id_at(o, "/location_id").or_else(|| id_at(o, "/fulfillments/0/location_id")),
        customer_ref: id_at(o, "/customer/id"),
        lines,
        tenders,
        discounts,
        taxes,
        shipping: (shipping.amount_minor != 0).then_some(shipping),
        total,
        created_at: str_at(o, "/created_at").unwrap_or("").to_string(),
    })
}

/// Whether an order parsed from REST is whole enough to travel in a change event.
pub fn order_complete(o: &Order) -> bool {
    o.location.is_some() && !o.lines.is_empty() && o.lines.iter().all(|l| !l.sku.is_empty())
}

/// A REST refund (the body of `refunds/create`, or the `refund` of refund.json). `fallback`
/// is the currency when no transaction names one.
pub fn refund(r: &Value, fallback: &str) -> Result<CustomerReturn, String> {
    let id = id_at(r, "/id").ok_or("refund without id")?;
    let cur = str_at(r, "/transactions/0/currency")
        .unwrap_or(fallback)
        .to_string();
    let mut lines = Vec::new();
    let mut restock = None;
    for rl in list_at(r, "/refund_line_items") {
        let li = rl.get("line_item").unwrap_or(&Value::Null);
        let q = int_at(rl, "/quantity").unwrap_or(0);
        let line_q = int_at(li, "/quantity").unwrap_or(q).max(1);
        let unit = amount(li, "/price", &cur)?;
        let discount = match rl.get("subtotal") {
            Some(_) => unit.amount_minor * q - amount(rl, "/subtotal", &cur)?.amount_minor,
            None => amount(li, "/total_discount", &cur)?.amount_minor * q / line_q,
        };
        let tax = match rl.get("total_tax") {
            Some(_) => amount(rl, "/total_tax", &cur)?.amount_minor,
            None => tax_sum(li, &cur)? * q / line_q,
        };
        if restock.is_none() {
            restock = id_at(rl, "/location_id");
        }
        lines.push(OrderLine {
            line_id: id_at(rl, "/line_item_id").ok_or("refund line without line_item_id")?,
            sku: str_at(li, "/sku").unwrap_or("").to_string(),
            quantity: q,
            unit_price: unit,
            discount: money(discount, &cur),
            tax: money(tax, &cur),
        });
    }
    let mut refunded = 0;
    for t in list_at(r, "/transactions") {
        if str_at(t, "/kind") == Some("refund") && str_at(t, "/status") == Some("success") {
            refunded += amount(t, "/amount", &cur)?.amount_minor;
        }
    }
    let version = str_at(r, "/processed_at")
        .or_else(|| str_at(r, "/created_at"))
        .unwrap_or("");
    Ok(CustomerReturn {
        meta: meta(&id, version, str_at(r, "/admin_graphql_api_id")),
        original_order_ref: id_at(r, "/order_id").ok_or("refund without order_id")?,
        new_transaction_id: id.clone(),
        lines,
        restock_location: restock,
        refund: money(refunded, &cur),
    })
}

/// Whether a refund parsed from REST is whole enough to travel in a change event.
pub fn refund_complete(r: &CustomerReturn) -> bool {
    r.lines.iter().all(|l| !l.sku.is_empty())
}

/// An `inventory_levels/update` body (or one of inventory_levels.json).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestLevel {
    /// Inventory item id.
    pub item_id: String,
    /// Location id.
    pub location_id: String,
    /// `available` after the change.
    pub available: i64,
    /// When it changed.
    pub updated_at: String,
}

/// Parse an inventory level body.
pub fn inventory_level(v: &Value) -> Result<RestLevel, String> {
    Ok(RestLevel {
        item_id: id_at(v, "/inventory_item_id").ok_or("level without inventory_item_id")?,
        location_id: id_at(v, "/location_id").ok_or("level without location_id")?,
        available: int_at(v, "/available").ok_or("level without available")?,
        updated_at: str_at(v, "/updated_at").unwrap_or("").to_string(),
    })
}
