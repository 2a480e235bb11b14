//! The `payouts` stream: Shopify Payments payouts with the balance transactions they settle, as
//! `payout` records keyed `payout:shopify:<id>`, version = `{issuedAt}#{id}`.
//!
//! A line per balance transaction (charge, refund, dispute; adjustments, reserves, credits and
//! debits as adjustment; the payout's own transfer row is not a line). A line's fee is
//! `amount - net` as Shopify booked it, so the lines always add up to what each transaction
//! contributed: sum(amount - fee) over the lines must equal the payout's net to the cent. A
//! payout that does not is still emitted, flagged with the attribute `shopify.unreconciled-minor`
//! (the difference) and logged, so it is never silently "balanced". Paging: payouts by Relay
//! cursor (issued order); transactions by `payout_id` filter, checked against
//! `associatedPayout`. Deliberately not here: REST shapes (`rest_payouts.rs`).

use serde_json::{Value, json};
use weft_sdk::connector::{CallError, Failure, Page};
use weft_sdk::model::{Entity, Payout, PayoutLine, PayoutLineKind, money};

use crate::gql;
use crate::money::parse_value;
use crate::util::{attr, legacy_id, list_at, meta, need_str, permanent, str_at};

const MAX_PAYOUTS: u32 = 5;

const PAYOUTS: &str = "query PayoutsPage($first: Int!, $after: String) {
  shopifyPaymentsAccount { payouts(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id legacyResourceId issuedAt status net { amount currencyCode } } } } }";

const LINES: &str = "query PayoutLines($after: String, $query: String) {
  shopifyPaymentsAccount { balanceTransactions(first: 100, after: $after, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes { id type amount { amount currencyCode } fee { amount } net { amount }
      associatedOrder { legacyResourceId } associatedPayout { id } } } } }";

/// The model's kind for a balance transaction type (GraphQL `CHARGE` or REST `charge`);
/// `None` for the payout's own transfer row.
pub fn line_kind(kind: &str) -> Option<PayoutLineKind> {
    Some(match kind.to_ascii_lowercase().as_str() {
        "payout" | "transfer" => return None,
        "charge" => PayoutLineKind::Charge,
        "refund" => PayoutLineKind::Refund,
        "dispute" | "chargeback" => PayoutLineKind::Dispute,
        "fee" | "application_fee" => PayoutLineKind::Fee,
        _ => PayoutLineKind::Adjustment,
    })
}

/// One line from the amounts of a balance transaction (fee = amount - net when net is given).
pub fn payout_line(
    kind: PayoutLineKind,
    amount: i64,
    fee: i64,
    net: Option<i64>,
    order_ref: Option<String>,
    currency: &str,
) -> PayoutLine {
    PayoutLine {
        kind,
        amount: money(amount, currency),
        fee: money(net.map_or(fee, |n| amount - n), currency),
        order_ref,
    }
}

/// The attribute naming how far a payout's lines are from its net (minor units).
pub const UNRECONCILED: &str = "shopify.unreconciled-minor";

/// Assemble a payout and check that its lines add up to `net` (pure: the caller logs).
pub fn assemble(
    mut meta: weft_sdk::model::Meta,
    date: &str,
    lines: Vec<PayoutLine>,
    net: i64,
    currency: &str,
) -> Payout {
    let fees: i64 = lines.iter().map(|l| l.fee.amount_minor).sum();
    let sum: i64 = lines
        .iter()
        .map(|l| l.amount.amount_minor - l.fee.amount_minor)
        .sum();
    if sum != net {
        meta.attributes
            .push(attr(UNRECONCILED, (net - sum).to_string()));
    }
    Payout {
        meta,
        date: date.chars().take(10).collect(),
        lines,
        fees: money(fees, currency),
        net: money(net, currency),
    }
}

/// A GraphQL `ShopifyPaymentsBalanceTransaction` node as a line (`None` for the transfer row).
pub fn graphql_line(node: &Value, currency: &str) -> Result<Option<PayoutLine>, String> {
    let Some(kind) = line_kind(str_at(node, "/type").unwrap_or("")) else {
        return Ok(None);
    };
    let amount_of = |p: &str| {
        node.pointer(p)
            .map(|v| parse_value(v, currency))
            .transpose()
    };
    Ok(Some(payout_line(
        kind,
        amount_of("/amount/amount")?.ok_or("transaction without amount")?,
        amount_of("/fee/amount")?.unwrap_or(0),
        amount_of("/net/amount")?,
        str_at(node, "/associatedOrder/legacyResourceId").map(str::to_string),
        currency,
    )))
}

fn lines_of(payout_gid: &str, currency: &str) -> Result<Vec<PayoutLine>, Failure> {
    let query = format!("payout_id:{}", legacy_id(payout_gid));
    let (mut after, mut lines) = (None::<String>, Vec::new());
    for _ in 0..100 {
        let data = gql::query(LINES, json!({"after": after, "query": query}))?;
        let conn = data
            .pointer("/shopifyPaymentsAccount/balanceTransactions")
            .cloned()
            .unwrap_or(Value::Null);
        for n in list_at(&conn, "/nodes") {
            if str_at(n, "/associatedPayout/id").is_some_and(|p| p != payout_gid) {
                continue;
            }
            let line = graphql_line(n, currency)
                .map_err(|e| permanent(format!("payout {payout_gid}: {e}")))?;
            lines.extend(line);
        }
        if conn
            .pointer("/pageInfo/hasNextPage")
            .and_then(Value::as_bool)
            != Some(true)
        {
            return Ok(lines);
        }
        after = str_at(&conn, "/pageInfo/endCursor").map(str::to_string);
    }
    Err(permanent(format!(
        "payout {payout_gid}: more than 10,000 transactions"
    )))
}

/// A GraphQL payout node with its lines.
pub fn payout(node: &Value, lines: Vec<PayoutLine>) -> Result<Payout, String> {
    let id = need_str(node, "/legacyResourceId")?;
    let issued = need_str(node, "/issuedAt")?;
    let currency = need_str(node, "/net/currencyCode")?;
    let net = parse_value(
        node.pointer("/net/amount").unwrap_or(&Value::Null),
        currency,
    )?;
    let mut m = meta(id, &format!("{issued}#{id}"), str_at(node, "/id"));
    m.attributes.push(attr(
        "shopify.status",
        str_at(node, "/status").unwrap_or(""),
    ));
    Ok(assemble(m, issued, lines, net, currency))
}

/// Read one page of payouts.
pub fn read(cursor: Option<&str>, limit: u32) -> Result<Page, CallError> {
    let vars = json!({"first": limit.clamp(1, MAX_PAYOUTS), "after": cursor});
    let data = gql::query(PAYOUTS, vars).map_err(CallError::Failed)?;
    let conn = data
        .pointer("/shopifyPaymentsAccount/payouts")
        .cloned()
        .unwrap_or(Value::Null);
    let mut records = Vec::new();
    for node in list_at(&conn, "/nodes") {
        let gid = need_str(node, "/id").map_err(|e| CallError::Failed(permanent(e)))?;
        let currency = str_at(node, "/net/currencyCode").unwrap_or("USD");
        let lines = lines_of(gid, currency).map_err(CallError::Failed)?;
        let p = payout(node, lines)
            .map_err(|e| CallError::Failed(permanent(format!("payout {gid}: {e}"))))?;
        if let Some(a) = p.meta.attributes.iter().find(|a| a.name == UNRECONCILED) {
            weft_sdk::log::warn(&format!(
                "payout {gid}: lines are {} minor units away from the payout net",
                a.value
            ));
        }
        records.push(Entity::Payout(p));
    }
    let has_more = conn
        .pointer("/pageInfo/hasNextPage")
        .and_then(Value::as_bool)
        == Some(true);
    let next_cursor = if records.is_empty() {
        None
    } else {
        str_at(&conn, "/pageInfo/endCursor").map(str::to_string)
    };
    Ok(Page {
        records,
        next_cursor,
        has_more,
    })
}
