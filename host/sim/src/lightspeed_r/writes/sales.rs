//! Sale payloads: POST/PUT Sale and `POST Sale/{id}/Refund` (see the parent module doc for the
//! refund body, which is our assumption).
//!
//! Deliberately not here: the inventory and linkage rules (in `store::sales`).

use serde_json::Value;

use super::super::error::ApiError;
use super::super::store::{NewLine, NewSale, SalePaymentRec, ShipToPatch, Store};
use super::{flag, id, int, money, rel, text};

fn lines(v: &Value) -> Result<Vec<NewLine>, ApiError> {
    rel(v, "SaleLines", "SaleLine")
        .into_iter()
        .map(|l| {
            Ok(NewLine {
                item_id: id(l, "itemID")?,
                unit_quantity: int(l, "unitQuantity")?.unwrap_or(1),
                unit_price_minor: money(l, "unitPrice")?,
                discount_minor: money(l, "discountAmount")?.unwrap_or(0),
                tax: flag(l, "tax").unwrap_or(false),
                parent_sale_line_id: id(l, "parentSaleLineID")?,
            })
        })
        .collect()
}

fn payments(v: &Value) -> Result<Vec<(i64, u64)>, ApiError> {
    rel(v, "SalePayments", "SalePayment")
        .into_iter()
        .map(|p| {
            Ok((
                money(p, "amount")?.unwrap_or(0),
                id(p, "paymentTypeID")?.max(1),
            ))
        })
        .collect()
}

/// The `ShipTo` object of a Sale write, if any (one object; `shipped` a boolean string).
fn ship_to(v: &Value) -> Result<Option<ShipToPatch>, ApiError> {
    let Some(t) = v.get("ShipTo") else {
        return Ok(None);
    };
    if !t.is_object() {
        return Err(ApiError::bad_request("ShipTo must be one object"));
    }
    Ok(Some(ShipToPatch {
        shipped: flag(t, "shipped"),
        ship_note: text(t, "shipNote"),
        first_name: text(t, "firstName"),
        last_name: text(t, "lastName"),
        company: text(t, "company"),
    }))
}

pub(crate) fn create_sale(st: &mut Store, v: &Value, now: i64) -> Result<u64, ApiError> {
    let new = NewSale {
        shop_id: id(v, "shopID")?,
        register_id: id(v, "registerID")?,
        employee_id: id(v, "employeeID")?,
        customer_id: id(v, "customerID")?,
        completed: flag(v, "completed").unwrap_or(false),
        reference_number: text(v, "referenceNumber").unwrap_or_default(),
        reference_number_source: text(v, "referenceNumberSource").unwrap_or_default(),
        tax1_rate: text(v, "tax1Rate")
            .and_then(|t| t.parse().ok())
            .unwrap_or(0.0),
        lines: lines(v)?,
        payments: payments(v)?,
        ship_to: ship_to(v)?,
    };
    st.create_sale(new, now)
}

pub(crate) fn update_sale(st: &mut Store, sid: u64, v: &Value, now: i64) -> Result<u64, ApiError> {
    let new_lines = lines(v)?;
    let new_payments = payments(v)?;
    let new_ship_to = ship_to(v)?;
    let sale = st
        .sales
        .get(&sid)
        .ok_or_else(|| ApiError::not_found("Sale"))?
        .clone();
    if sale.completed && (!new_lines.is_empty() || flag(v, "voided") == Some(true)) {
        return Err(ApiError::bad_request(
            "a completed sale cannot get new lines or be voided",
        ));
    }
    if !new_lines.is_empty() {
        // Validate and build the lines through a scratch sale, then move them over.
        let scratch = NewSale {
            shop_id: sale.shop_id,
            tax1_rate: sale.tax1_rate,
            lines: new_lines,
            ..Default::default()
        };
        let tmp = st.create_sale(scratch, now)?;
        let moved = st
            .sales
            .remove(&tmp)
            .map(|s| s.line_ids)
            .unwrap_or_default();
        for l in &moved {
            if let Some(line) = st.sale_lines.get_mut(l) {
                line.sale_id = sid;
            }
        }
        st.sales
            .get_mut(&sid)
            .into_iter()
            .for_each(|s| s.line_ids.extend(moved.iter()));
    }
    for (amount, kind) in new_payments {
        let pid = Store::next_id(&st.sale_payments);
        st.sale_payments.insert(
            pid,
            SalePaymentRec {
                sale_payment_id: pid,
                sale_id: sid,
                amount_minor: amount,
                payment_type_id: kind,
                create_time: now,
                time_stamp: now,
            },
        );
        st.sales
            .get_mut(&sid)
            .into_iter()
            .for_each(|s| s.payment_ids.push(pid));
    }
    let customer = int(v, "customerID")?;
    if let Some(s) = st.sales.get_mut(&sid) {
        s.customer_id = customer.map_or(s.customer_id, |c| c.max(0) as u64);
        s.reference_number = text(v, "referenceNumber").unwrap_or(s.reference_number.clone());
        s.reference_number_source =
            text(v, "referenceNumberSource").unwrap_or(s.reference_number_source.clone());
        s.voided = flag(v, "voided").unwrap_or(s.voided);
        s.archived = flag(v, "archived").unwrap_or(s.archived);
        s.update_time = now;
        s.time_stamp = now;
    }
    if let Some(patch) = new_ship_to {
        st.patch_ship_to(sid, patch, now)?;
    }
    if flag(v, "completed") == Some(true) {
        st.complete_sale(sid, now)?;
    }
    Ok(sid)
}

pub(crate) fn refund_sale(st: &mut Store, sid: u64, v: &Value, now: i64) -> Result<u64, ApiError> {
    let orig = st
        .sales
        .get(&sid)
        .ok_or_else(|| ApiError::not_found("Sale"))?
        .clone();
    if !orig.completed || orig.voided {
        return Err(ApiError::bad_request(
            "only a completed, unvoided sale can be refunded",
        ));
    }
    let wanted: Vec<(u64, Option<i64>)> = match rel(v, "SaleLines", "SaleLine") {
        l if l.is_empty() => orig.line_ids.iter().map(|id| (*id, None)).collect(),
        l => l
            .into_iter()
            .map(|x| Ok((id(x, "saleLineID")?, int(x, "unitQuantity")?)))
            .collect::<Result<_, ApiError>>()?,
    };
    let mut new_lines = Vec::new();
    for (line_id, qty) in wanted {
        let line = st.sale_lines.get(&line_id).filter(|l| l.sale_id == sid);
        let line = line.ok_or_else(|| {
            ApiError::bad_request(format!("saleLineID {line_id} is not on sale {sid}"))
        })?;
        let qty = qty.map_or_else(|| st.refundable(line_id), i64::abs);
        if qty == 0 {
            continue;
        }
        new_lines.push(NewLine {
            item_id: line.item_id,
            unit_quantity: -qty,
            unit_price_minor: Some(line.unit_price_minor),
            discount_minor: -(line.discount_minor * qty / line.unit_quantity.max(1)),
            tax: line.tax,
            parent_sale_line_id: line_id,
        });
    }
    if new_lines.is_empty() {
        return Err(ApiError::bad_request(format!(
            "nothing left to refund on sale {sid}"
        )));
    }
    let mut pays = payments(v)?;
    if pays.is_empty() {
        let kind = orig
            .payment_ids
            .first()
            .and_then(|p| st.sale_payments.get(p))
            .map_or(1, |p| p.payment_type_id);
        let total: i64 = new_lines
            .iter()
            .map(|l| {
                let sub = l.unit_quantity * l.unit_price_minor.unwrap_or(0) - l.discount_minor;
                sub + if l.tax {
                    (sub as f64 * orig.tax1_rate).round() as i64
                } else {
                    0
                }
            })
            .sum();
        pays.push((total, kind));
    }
    let shop = match id(v, "shopID")? {
        0 => orig.shop_id,
        s => s,
    };
    st.create_sale(
        NewSale {
            shop_id: shop,
            register_id: orig.register_id,
            employee_id: orig.employee_id,
            customer_id: orig.customer_id,
            completed: true,
            reference_number: orig.reference_number.clone(),
            reference_number_source: orig.reference_number_source.clone(),
            tax1_rate: orig.tax1_rate,
            lines: new_lines,
            payments: pays,
            ship_to: None,
        },
        now,
    )
}
