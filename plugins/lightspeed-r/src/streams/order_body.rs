//! The Sale payload for an online order (pure: no requests), in R-Series shape (every scalar a
//! string, `SaleLines.SaleLine[]`, `SalePayments.SalePayment[]`).
//!
//! - Lines: `itemID` (resolved by the caller), `unitQuantity`, `unitPrice`, `discountAmount` =
//!   the line's discount plus its share of the order-level discounts (pro rata to the line's
//!   amount, remainder on the largest line), `tax` when the line is taxed.
//! - Taxes: Lightspeed computes tax per line as `round(line subtotal x tax1Rate)`, so the order's
//!   tax (its tax lines, else the sum of line taxes) becomes one `tax1Rate` over the taxed lines'
//!   net amounts. Lines are taxed when they carry tax (all lines if only the order does).
//! - Shipping: one untaxed line of the shipping item.
//! - Tenders: one SalePayment each, `paymentTypeID` from the config by tender kind.
//! - The sale is `completed` and references the order (`referenceNumber`/`referenceNumberSource`).
//! - It carries a ShipTo not yet shipped: the shop ticks `shipped` (with the carrier and tracking
//!   number in `shipNote`) when the parcel leaves or the customer collects, and the `fulfilments`
//!   stream reads that back.
//!
//! The total Lightspeed will compute is checked against the order's total: a difference beyond
//! per-line rounding (tax-inclusive prices, mixed currencies, negative quantities) is an error,
//! so no sale is posted with wrong money.
//!
//! Deliberately not here: SKU and customer resolution, idempotency (see `orders`).

use std::collections::BTreeMap;

use serde_json::{Value, json};
use weft_sdk::model::Order;

use crate::config::Config;
use crate::lenient::format_money;

/// What the payload is built from.
pub struct Draft<'a> {
    /// The order.
    pub order: &'a Order,
    /// The Lightspeed shop.
    pub shop_id: u64,
    /// The Lightspeed customer (0 = none).
    pub customer_id: u64,
    /// SKU -> itemID for every line SKU (and the shipping SKU when there is shipping).
    pub items: &'a BTreeMap<String, u64>,
    /// `referenceNumber` (the order's id in its system).
    pub reference: &'a str,
    /// `referenceNumberSource` (the order's system).
    pub reference_source: &'a str,
    /// The deployment config.
    pub config: &'a Config,
}

fn rate_text(rate: f64) -> String {
    let t = format!("{rate:.8}");
    let t = t.trim_end_matches('0').trim_end_matches('.');
    if t.is_empty() {
        "0".into()
    } else {
        t.to_string()
    }
}

fn round_half_away(x: f64) -> i64 {
    x.round() as i64
}

/// A currency other than `cur` among the order's amounts.
fn foreign_currency<'a>(o: &'a Order, cur: &str) -> Option<&'a str> {
    let mut all = vec![&o.total];
    for l in &o.lines {
        all.extend([&l.unit_price, &l.discount, &l.tax]);
    }
    all.extend(o.tenders.iter().map(|t| &t.amount));
    all.extend(o.discounts.iter().map(|t| &t.amount));
    all.extend(o.taxes.iter().map(|t| &t.amount));
    all.extend(o.shipping.iter());
    all.into_iter()
        .map(|m| m.currency.as_str())
        .find(|c| !c.eq_ignore_ascii_case(cur))
}

/// `amount` spread over `weights` pro rata (rounded down), the remainder on the largest weight.
fn spread(amount: i64, weights: &[i64]) -> Vec<i64> {
    let total: i64 = weights.iter().sum();
    let mut share: Vec<i64> = weights
        .iter()
        .map(|w| match total {
            t if t > 0 => (i128::from(amount) * i128::from(*w) / i128::from(t)) as i64,
            _ => 0,
        })
        .collect();
    if let Some(biggest) = (0..weights.len()).max_by_key(|i| weights[*i]) {
        share[biggest] += amount - share.iter().sum::<i64>();
    }
    share
}

/// The Sale payload, or why the order cannot be posted faithfully.
pub fn build(d: &Draft<'_>) -> Result<Value, String> {
    let o = d.order;
    let cur = d.config.currency.as_str();
    if let Some(other) = foreign_currency(o, cur) {
        return Err(format!(
            "order {} has amounts in {other}, but the Lightspeed account is configured for {cur}",
            o.number
        ));
    }
    let lines: Vec<_> = o.lines.iter().filter(|l| l.quantity != 0).collect();
    if let Some(l) = lines.iter().find(|l| l.quantity < 0) {
        return Err(format!(
            "order {} line {} has a negative quantity; returns come as customer-return",
            o.number, l.line_id
        ));
    }
    let item = |sku: &str| {
        d.items
            .get(sku)
            .copied()
            .ok_or_else(|| format!("SKU {sku} is not resolved"))
    };
    let gross: Vec<i64> = lines
        .iter()
        .map(|l| l.quantity * l.unit_price.amount_minor - l.discount.amount_minor)
        .collect();
    let order_discount: i64 = o.discounts.iter().map(|x| x.amount.amount_minor).sum();
    let base: i64 = gross.iter().sum();
    if order_discount < 0 || (order_discount > 0 && base <= 0) {
        return Err(format!(
            "order {} discount {order_discount} cannot be spread over its lines",
            o.number
        ));
    }
    let share = spread(order_discount, &gross);
    let net: Vec<i64> = gross.iter().zip(&share).map(|(g, s)| g - s).collect();
    let tax_total: i64 = if o.taxes.is_empty() {
        lines.iter().map(|l| l.tax.amount_minor).sum()
    } else {
        o.taxes.iter().map(|t| t.amount.amount_minor).sum()
    };
    let any_line_tax = lines.iter().any(|l| l.tax.amount_minor != 0);
    let taxed: Vec<bool> = lines
        .iter()
        .map(|l| {
            if any_line_tax {
                l.tax.amount_minor != 0
            } else {
                tax_total != 0
            }
        })
        .collect();
    let taxable: i64 = net
        .iter()
        .zip(&taxed)
        .filter(|(_, t)| **t)
        .map(|(n, _)| n)
        .sum();
    if tax_total != 0 && taxable == 0 {
        return Err(format!(
            "order {} has tax {tax_total} but no taxable amount",
            o.number
        ));
    }
    let rate = if taxable == 0 {
        0.0
    } else {
        tax_total as f64 / taxable as f64
    };
    let rate_s = rate_text(rate);
    let posted_rate: f64 = rate_s.parse().unwrap_or(0.0);
    let tax_computed: i64 = net
        .iter()
        .zip(&taxed)
        .filter(|(_, t)| **t)
        .map(|(n, _)| round_half_away(*n as f64 * posted_rate))
        .sum();
    let mut sale_lines = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        sale_lines.push(json!({
            "itemID": item(&l.sku)?.to_string(),
            "unitQuantity": l.quantity.to_string(),
            "unitPrice": format_money(l.unit_price.amount_minor),
            "discountAmount": format_money(l.discount.amount_minor + share[i]),
            "tax": taxed[i].to_string(),
        }));
    }
    let shipping = o.shipping.as_ref().map_or(0, |s| s.amount_minor);
    if shipping < 0 {
        return Err(format!("order {} has negative shipping", o.number));
    }
    if shipping > 0 {
        sale_lines.push(json!({
            "itemID": item(&d.config.shipping_sku)?.to_string(), "unitQuantity": "1",
            "unitPrice": format_money(shipping), "discountAmount": "0.00", "tax": "false",
        }));
    }
    let computed = net.iter().sum::<i64>() + shipping + tax_computed;
    let tolerance = taxed.iter().filter(|t| **t).count() as i64;
    if (computed - o.total.amount_minor).abs() > tolerance {
        return Err(format!(
            "order {} total {} does not match the sale Lightspeed would compute, {} (lines {} + \
             shipping {} + tax {}); tax-inclusive prices or amounts that do not add up cannot be posted",
            o.number,
            format_money(o.total.amount_minor),
            format_money(computed),
            format_money(net.iter().sum::<i64>()),
            format_money(shipping),
            format_money(tax_computed),
        ));
    }
    let payments: Vec<Value> = o
        .tenders
        .iter()
        .map(|t| json!({"amount": format_money(t.amount.amount_minor), "paymentTypeID": d.config.payment_type(&t.kind).to_string()}))
        .collect();
    let mut body = json!({
        "shopID": d.shop_id.to_string(),
        "registerID": d.config.register_id.to_string(),
        "employeeID": d.config.employee_id.to_string(),
        "customerID": d.customer_id.to_string(),
        "completed": "true",
        "referenceNumber": d.reference,
        "referenceNumberSource": d.reference_source,
        "tax1Rate": rate_s,
        "SaleLines": {"SaleLine": sale_lines},
        "ShipTo": {"shipped": "false"},
    });
    if !payments.is_empty() {
        body["SalePayments"] = json!({"SalePayment": payments});
    }
    Ok(body)
}

#[cfg(test)]
#[path = "order_body_tests.rs"]
mod tests;
