//! Writing the `refunds` stream: a `customer-return` (a return rung up in the POS) becomes a
//! Shopify refund on the original online order.
//!
//! `original-order-ref` is the Shopify order id; each return line is matched to an order line
//! by SKU (the first line with that SKU that still has the quantity refundable, else the first
//! line with that SKU) and restocked (`RETURN`) at `restock-location`, or not restocked when
//! there is none; the money goes back to the order's original gateway as one refund
//! transaction. `refundCreate` carries the write-item's key in `@idempotent`, so a re-send
//! returns the first refund instead of refunding twice; and a return the order already has a
//! refund for (its note names the POS sale, `POS return <id>`) answers that refund without a
//! second one, so a return sale that changes after it was refunded (a new source version, so a
//! new key) never refunds twice. A missing order is
//! `dependency-missing` on `order:shopify:<id>`; a SKU the order does not have, or anything
//! Shopify refuses, is permanent. Deliberately not here: reading refunds (`refunds_read.rs`).

use serde_json::{Value, json};
use weft_sdk::connector::{ErrorClass, Failure, WriteItem, WriteOp, Written, failure};
use weft_sdk::model::{CustomerReturn, Entity};

use crate::doc::Doc;
use crate::gql;
use crate::money::format_minor;
use crate::util::{gid, is_numeric_id, list_at, literal, permanent, source_key, str_at, waiting};

type Outcome = Result<Written, Failure>;

const ORDER: &str = "id currencyCode transactions { id kind status gateway } lineItems(first: 100) { nodes { id sku refundableQuantity } } refunds(first: 100) { id note createdAt }";

/// The note that ties a Shopify refund to the POS sale that recorded the return.
fn refund_note(r: &CustomerReturn) -> String {
    format!("POS return {}", r.new_transaction_id)
}

/// The refund this return already made on the order, if any.
fn existing_refund(r: &CustomerReturn, order: &Value) -> Option<Written> {
    let note = refund_note(r);
    list_at(order, "/refunds")
        .iter()
        .find(|f| str_at(f, "/note") == Some(note.as_str()))
        .and_then(|f| {
            Some(Written {
                target_id: str_at(f, "/id")?.to_string(),
                target_version: str_at(f, "/createdAt").unwrap_or("").to_string(),
            })
        })
}

/// The `RefundInput` for a return against an order node; errors are permanent.
pub fn refund_input(r: &CustomerReturn, order: &Value) -> Result<Value, String> {
    let order_gid = str_at(order, "/id").ok_or("order without id")?;
    let currency = str_at(order, "/currencyCode").unwrap_or(&r.refund.currency);
    if !r.refund.currency.eq_ignore_ascii_case(currency) {
        return Err(format!(
            "the refund is in {} but the order is in {currency}",
            r.refund.currency
        ));
    }
    let order_lines = list_at(order, "/lineItems/nodes");
    let mut lines = Vec::new();
    for l in &r.lines {
        let same: Vec<&Value> = order_lines
            .iter()
            .filter(|n| str_at(n, "/sku") == Some(l.sku.as_str()))
            .collect();
        let refundable = |n: &&Value| {
            n.get("refundableQuantity")
                .and_then(Value::as_i64)
                .unwrap_or(0)
        };
        let pick = same
            .iter()
            .find(|n| refundable(n) >= l.quantity)
            .or(same.first())
            .ok_or_else(|| {
                format!(
                    "order {} has no line with SKU {}",
                    r.original_order_ref, l.sku
                )
            })?;
        let mut line = json!({"lineItemId": str_at(pick, "/id"), "quantity": l.quantity});
        match &r.restock_location {
            Some(loc) if is_numeric_id(loc) => {
                line["restockType"] = json!("RETURN");
                line["locationId"] = json!(gid("Location", loc));
            }
            Some(loc) => {
                return Err(format!(
                    "restock-location {loc:?} is not a Shopify location id"
                ));
            }
            None => line["restockType"] = json!("NO_RESTOCK"),
        }
        lines.push(line);
    }
    let mut input = json!({
        "orderId": order_gid,
        "note": refund_note(r),
        "notify": false,
        "refundLineItems": lines,
    });
    if r.refund.amount_minor > 0 {
        let sale = list_at(order, "/transactions")
            .iter()
            .find(|t| {
                matches!(str_at(t, "/kind"), Some("SALE" | "CAPTURE"))
                    && str_at(t, "/status") == Some("SUCCESS")
            })
            .ok_or("the order has no successful payment to refund")?;
        input["transactions"] = json!([{
            "orderId": order_gid,
            "gateway": str_at(sale, "/gateway").unwrap_or("manual"),
            "kind": "REFUND",
            "amount": format_minor(r.refund.amount_minor, currency),
            "parentId": str_at(sale, "/id"),
        }]);
    }
    Ok(input)
}

/// Write a batch; one outcome per item, in order.
pub fn write(items: &[WriteItem]) -> Vec<Outcome> {
    let mut out: Vec<Option<Outcome>> = vec![None; items.len()];
    let mut todo: Vec<(usize, &CustomerReturn, &str)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match (&item.entity, &item.op) {
            (_, WriteOp::Delete) => out[i] = Some(Err(permanent("refunds cannot be deleted"))),
            (Entity::CustomerReturn(r), _) if is_numeric_id(&r.original_order_ref) => {
                todo.push((i, r, item.idempotency_key.as_str()))
            }
            (Entity::CustomerReturn(r), _) => {
                out[i] = Some(Err(permanent(format!(
                    "return {}: original-order-ref {:?} is not a Shopify order id",
                    r.new_transaction_id, r.original_order_ref
                ))))
            }
            _ => out[i] = Some(Err(permanent("refunds takes customer-return records"))),
        }
    }
    for chunk in todo.chunks(8) {
        if let Err(f) = write_chunk(chunk, &mut out) {
            chunk
                .iter()
                .for_each(|(i, _, _)| out[*i] = Some(Err(f.clone())));
        }
    }
    out.into_iter()
        .map(|o| o.unwrap_or_else(|| Err(failure(ErrorClass::Transient, "not attempted"))))
        .collect()
}

fn write_chunk(
    chunk: &[(usize, &CustomerReturn, &str)],
    out: &mut [Option<Outcome>],
) -> Result<(), Failure> {
    let mut d = Doc::new();
    for (n, (_, r, _)) in chunk.iter().enumerate() {
        d.var(
            format!("o{n}"),
            "ID!",
            json!(gid("Order", &r.original_order_ref)),
        )
        .field(format!("o{n}: order(id: $o{n}) {{ {ORDER} }}"));
    }
    let (doc, vars) = d.render("query", "RefundOrders");
    let orders = gql::query(&doc, vars)?;
    let (mut d, mut sent) = (Doc::new(), Vec::new());
    for (n, (i, r, key)) in chunk.iter().enumerate() {
        let order = orders.get(format!("o{n}")).unwrap_or(&Value::Null);
        if order.is_null() {
            out[*i] = Some(Err(waiting(
                format!(
                    "return {}: order {} is not in Shopify",
                    r.new_transaction_id, r.original_order_ref
                ),
                source_key("order", &r.original_order_ref),
            )));
            continue;
        }
        if let Some(done) = existing_refund(r, order) {
            out[*i] = Some(Ok(done));
            continue;
        }
        match refund_input(r, order) {
            Ok(input) => {
                d.var(format!("in{n}"), "RefundInput!", input).field(format!(
                    "r{n}: refundCreate(input: $in{n}) @idempotent(key: {}) {{ refund {{ id createdAt }} userErrors {{ field message }} }}",
                    literal(key)
                ));
                sent.push((n, *i));
            }
            Err(e) => {
                out[*i] = Some(Err(permanent(format!(
                    "return {}: {e}",
                    r.new_transaction_id
                ))))
            }
        }
    }
    if sent.is_empty() {
        return Ok(());
    }
    let (doc, vars) = d.render("mutation", "Refunds");
    let data = gql::run(&doc, vars, true)?;
    for (n, i) in sent {
        let answer = data.get(format!("r{n}")).unwrap_or(&Value::Null);
        out[i] = Some(
            match (
                list_at(answer, "/userErrors").first(),
                str_at(answer, "/refund/id"),
            ) {
                (Some(e), _) => Err(permanent(format!(
                    "refundCreate: {}",
                    str_at(e, "/message").unwrap_or("user error")
                ))),
                (None, Some(id)) => Ok(Written {
                    target_id: id.to_string(),
                    target_version: str_at(answer, "/refund/createdAt")
                        .unwrap_or("")
                        .to_string(),
                }),
                (None, None) => Err(permanent("refundCreate answered without a refund")),
            },
        );
    }
    Ok(())
}
