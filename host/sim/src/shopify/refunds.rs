//! Money going back and out: `refundCreate` semantics (per-line restock to a chosen location,
//! refund transactions bounded by what is still refundable, the refund's balance transaction),
//! Shopify Payments payouts sweeping the balance, and customer create/update with unique email
//! and phone.
//!
//! Assumptions (facts are silent): refunds carry no Shopify Payments fee, a payout is `paid` at
//! once, and `NO_RESTOCK` on units not yet shipped releases their commitment back to `available`.
//! Deliberately not here: returns, exchanges, disputes, shipping refunds (accepted, ignored).

use super::model::*;
use super::orders::{RefundLineInput, not_found};
use super::rest;
use super::store::{Store, UserError};
use super::timefmt::Millis;

impl Store {
    /// Refund lines (restocking per line) and/or money; emits `refunds/create` and `orders/updated`.
    pub fn refund(
        &mut self,
        order_id: u64,
        lines: &[RefundLineInput],
        amounts: &[i64],
        note: Option<String>,
        now: Millis,
    ) -> Result<u64, Vec<UserError>> {
        let order = self
            .orders
            .get(&order_id)
            .ok_or_else(|| vec![not_found("the order", &["input", "orderId"])])?
            .clone();
        let mut errors = Vec::new();
        for (i, r) in lines.iter().enumerate() {
            let i = i.to_string();
            let field = |leaf: &str| {
                ["input", "refundLineItems", i.as_str(), leaf]
                    .map(String::from)
                    .to_vec()
            };
            let Some(l) = order.line_items.iter().find(|l| l.id == r.line_item_id) else {
                errors.push(UserError {
                    code: Some("NOT_FOUND".into()),
                    field: field("lineItemId"),
                    message: "the line item does not exist".into(),
                });
                continue;
            };
            let same_line = lines
                .iter()
                .filter(|x| x.line_item_id == r.line_item_id)
                .map(|x| x.quantity)
                .sum::<i64>();
            if r.quantity <= 0 || same_line > l.quantity - l.refunded {
                errors.push(UserError {
                    code: Some("INVALID".into()),
                    field: field("quantity"),
                    message: format!(
                        "only {} can be refunded on this line",
                        l.quantity - l.refunded
                    ),
                });
            }
            if r.restock_type == RestockType::Cancel && r.quantity > l.fulfillable() {
                errors.push(UserError {
                    code: Some("INVALID".into()),
                    field: field("restockType"),
                    message: "only unfulfilled units can be cancelled".into(),
                });
            }
            if r.restock_type == RestockType::Return {
                let loc = r.location_id.unwrap_or(order.location_id);
                let item = self.variants[&l.variant_id].inventory_item_id;
                if !self.levels.contains_key(&(item, loc)) {
                    errors.push(UserError {
                        code: Some("INVALID".into()),
                        field: field("locationId"),
                        message: "the item is not stocked at the restock location".into(),
                    });
                }
            }
        }
        let requested: i64 = amounts.iter().sum();
        if amounts.iter().any(|a| *a <= 0)
            || requested > order.total_price() - order.total_refunded()
        {
            errors.push(UserError::new(
                "INVALID",
                &["input", "transactions"],
                format!(
                    "refund amount exceeds the {} still refundable",
                    money(order.total_price() - order.total_refunded())
                ),
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let id = self.id();
        let mut refund = Refund {
            id,
            order_id,
            note,
            lines: Vec::new(),
            transactions: Vec::new(),
            created_at: now,
        };
        for r in lines {
            let l = order
                .line_items
                .iter()
                .find(|l| l.id == r.line_item_id)
                .expect("validated");
            let item = self.variants[&l.variant_id].inventory_item_id;
            let open = l.fulfillable().min(r.quantity);
            let restock_loc = r.location_id.unwrap_or(order.location_id);
            match r.restock_type {
                RestockType::Return => self.bump(item, restock_loc, "available", r.quantity, now),
                RestockType::Cancel | RestockType::NoRestock => {
                    self.bump(item, order.location_id, "committed", -open, now);
                    self.bump(item, order.location_id, "available", open, now);
                }
            }
            let subtotal = l.price * r.quantity - l.total_discount * r.quantity / l.quantity;
            let line_tax: i64 =
                l.tax_lines.iter().map(|t| t.price).sum::<i64>() * r.quantity / l.quantity;
            let rl_id = self.id();
            refund.lines.push(RefundLine {
                id: rl_id,
                line_item_id: l.id,
                quantity: r.quantity,
                restock_type: r.restock_type,
                location_id: (r.restock_type == RestockType::Return).then_some(restock_loc),
                subtotal,
                total_tax: line_tax,
            });
            let o = self.orders.get_mut(&order_id).expect("validated");
            o.line_items
                .iter_mut()
                .find(|x| x.id == l.id)
                .expect("validated")
                .refunded += r.quantity;
        }
        let parent = order
            .transactions
            .iter()
            .find(|t| t.kind == "sale")
            .map(|t| t.id);
        for a in amounts {
            let t = Transaction {
                id: self.id(),
                order_id,
                kind: "refund".into(),
                gateway: "shopify_payments".into(),
                status: "success".into(),
                amount: *a,
                parent_id: parent,
                created_at: now,
            };
            let bt_id = self.id();
            self.balance.insert(
                bt_id,
                BalanceTransaction {
                    id: bt_id,
                    kind: "refund".into(),
                    amount: -a,
                    fee: 0,
                    net: -a,
                    source_type: "Payments::Refund".into(),
                    source_id: t.id,
                    source_order_id: Some(order_id),
                    source_order_transaction_id: Some(t.id),
                    payout_id: None,
                    processed_at: now,
                },
            );
            refund.transactions.push(t.clone());
            self.orders
                .get_mut(&order_id)
                .expect("validated")
                .transactions
                .push(t);
        }
        let body = rest::refund(self, &refund);
        self.refunds.insert(id, refund);
        self.orders
            .get_mut(&order_id)
            .expect("validated")
            .refund_ids
            .push(id);
        self.emit("refunds/create", body);
        self.order_updated(order_id, now);
        Ok(id)
    }

    /// Pay out every balance transaction not yet in a payout; `None` if there is nothing to pay.
    pub fn run_payout(&mut self, now: Millis) -> Option<u64> {
        let id = self.next_id + 1;
        let mut p = Payout {
            id,
            status: "paid".into(),
            net: 0,
            issued_at: now,
            charges_gross: 0,
            charges_fee: 0,
            refunds_gross: 0,
            refunds_fee: 0,
            adjustments_gross: 0,
            adjustments_fee: 0,
        };
        let mut any = false;
        for bt in self.balance.values_mut().filter(|b| b.payout_id.is_none()) {
            any = true;
            bt.payout_id = Some(id);
            p.net += bt.net;
            let (gross, fee) = match bt.kind.as_str() {
                "charge" => (&mut p.charges_gross, &mut p.charges_fee),
                "refund" => (&mut p.refunds_gross, &mut p.refunds_fee),
                _ => (&mut p.adjustments_gross, &mut p.adjustments_fee),
            };
            *gross += bt.amount;
            *fee += bt.fee;
        }
        if !any {
            return None;
        }
        self.next_id = id;
        self.payouts.insert(id, p);
        Some(id)
    }

    /// Create a customer; email and phone must be unique (`TAKEN`).
    pub fn upsert_customer(
        &mut self,
        id: Option<u64>,
        c: Customer,
        now: Millis,
    ) -> Result<u64, UserError> {
        if id.is_some_and(|id| !self.customers.contains_key(&id)) {
            return Err(not_found("the customer", &["id"]));
        }
        for other in self.customers.values().filter(|o| Some(o.id) != id) {
            if c.email.is_some()
                && other.email.as_deref().map(str::to_lowercase)
                    == c.email.as_deref().map(str::to_lowercase)
            {
                return Err(UserError::new(
                    "TAKEN",
                    &["email"],
                    "Email has already been taken",
                ));
            }
            if c.phone.is_some() && other.phone == c.phone {
                return Err(UserError::new(
                    "TAKEN",
                    &["phone"],
                    "Phone has already been taken",
                ));
            }
        }
        let (topic, id) = match id {
            Some(id) => ("customers/update", id),
            None => ("customers/create", self.id()),
        };
        let created_at = self.customers.get(&id).map_or(now, |o| o.created_at);
        let customer = Customer {
            id,
            created_at,
            updated_at: now,
            ..c
        };
        self.emit(topic, rest::customer(&customer));
        self.customers.insert(id, customer);
        Ok(id)
    }
}
