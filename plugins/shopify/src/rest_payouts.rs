//! REST shapes of Shopify Payments (`/shopify_payments/payouts.json`,
//! `/shopify_payments/balance/transactions.json`, `/shopify_payments/balance.json`), parsed
//! into the model with the same rules as the GraphQL path (`payouts.rs`): one line per balance
//! transaction of the payout, fee = amount - net, the transfer row left out, lines checked
//! against the payout amount.
//!
//! Used for exports and fixtures; the stream reads GraphQL. Deliberately no I/O here.

use serde_json::Value;
use weft_sdk::model::{Money, Payout, money};

use crate::money::parse_value;
use crate::payouts::{assemble, line_kind, payout_line};
use crate::util::{attr, id_at, list_at, meta, str_at};

/// A REST payout (`payout` object) with the REST balance transactions that carry its id.
pub fn payout(p: &Value, transactions: &[Value]) -> Result<Payout, String> {
    let id = id_at(p, "/id").ok_or("payout without id")?;
    let currency = str_at(p, "/currency").ok_or("payout without currency")?;
    let date = str_at(p, "/date").ok_or("payout without date")?;
    let net = parse_value(p.get("amount").unwrap_or(&Value::Null), currency)?;
    let mut lines = Vec::new();
    for t in transactions
        .iter()
        .filter(|t| id_at(t, "/payout_id").as_deref() == Some(id.as_str()))
    {
        let Some(kind) = line_kind(str_at(t, "/type").unwrap_or("")) else {
            continue;
        };
        let cur = str_at(t, "/currency").unwrap_or(currency);
        let get = |k: &str| t.get(k).map(|v| parse_value(v, cur)).transpose();
        lines.push(payout_line(
            kind,
            get("amount")?.ok_or("transaction without amount")?,
            get("fee")?.unwrap_or(0),
            get("net")?,
            id_at(t, "/source_order_id"),
            cur,
        ));
    }
    let mut m = meta(&id, &format!("{date}#{id}"), None);
    m.attributes
        .push(attr("shopify.status", str_at(p, "/status").unwrap_or("")));
    Ok(assemble(m, date, lines, net, currency))
}

/// The balance (`balance.json`): one amount per currency.
pub fn balance(v: &Value) -> Result<Vec<Money>, String> {
    list_at(v, "/balance")
        .iter()
        .map(|b| {
            let cur = str_at(b, "/currency").ok_or("balance without currency")?;
            Ok(money(
                parse_value(b.get("amount").unwrap_or(&Value::Null), cur)?,
                cur,
            ))
        })
        .collect()
}
