//! Orders: online order creation (stock moves from `available` to `committed` at the order's
//! location, a Shopify Payments charge is recorded) and fulfilment with tracking (`committed`
//! leaves, so `on_hand` drops). Refunds, payouts and customers are in `refunds.rs`.
//!
//! Assumptions, where the facts are silent: taxes are exclusive at one flat rate ([`TAX_RATE`]),
//! and Shopify Payments charges 2.9% + 30c per sale. Deliberately not modelled: order edits,
//! cancellations, multi-location split fulfilment orders, multi-currency.

use super::model::*;
use super::rest;
use super::store::{Store, UserError};
use super::timefmt::Millis;

/// Flat sales tax applied to every line (`State Tax`, as in the REST fixtures).
pub const TAX_RATE: f64 = 0.06;

/// One requested order line.
#[derive(Debug, Clone)]
pub struct NewLine {
    pub variant_id: u64,
    pub quantity: i64,
}

/// An order to create (what an online checkout, or `orderCreate`, produces).
#[derive(Debug, Clone, Default)]
pub struct NewOrder {
    pub lines: Vec<NewLine>,
    pub customer_id: Option<u64>,
    pub email: Option<String>,
    /// Where to commit stock; `None` = the first location that has every line available.
    pub location_id: Option<u64>,
    /// `(code, percent off)`.
    pub discount: Option<(String, i64)>,
    /// `(title, price)`.
    pub shipping: Option<(String, i64)>,
    pub note: Option<String>,
}

/// One requested refund line.
#[derive(Debug, Clone)]
pub struct RefundLineInput {
    pub line_item_id: u64,
    pub quantity: i64,
    pub restock_type: RestockType,
    pub location_id: Option<u64>,
}

fn tax(amount: i64) -> i64 {
    (amount as f64 * TAX_RATE).round() as i64
}

pub(super) fn not_found(what: &str, field: &[&str]) -> UserError {
    UserError::new("NOT_FOUND", field, format!("{what} does not exist"))
}

impl Store {
    /// Create a paid order, committing its stock at one location; emits `orders/create`.
    pub fn create_order(&mut self, o: NewOrder, now: Millis) -> Result<u64, UserError> {
        if o.lines.is_empty() || o.lines.iter().any(|l| l.quantity <= 0) {
            return Err(UserError::new(
                "INVALID",
                &["lineItems"],
                "an order needs lines with positive quantities",
            ));
        }
        let mut lines = Vec::new();
        for l in &o.lines {
            let v = self
                .variants
                .get(&l.variant_id)
                .ok_or_else(|| not_found("the variant", &["lineItems", "variantId"]))?;
            lines.push((v.clone(), l.quantity));
        }
        let has_stock = |s: &Store, loc: u64| {
            lines.iter().all(|(v, q)| {
                s.levels
                    .get(&(v.inventory_item_id, loc))
                    .is_some_and(|lv| lv.available >= *q)
            })
        };
        let location_id = match o.location_id {
            Some(loc) if has_stock(self, loc) => loc,
            Some(_) => None.ok_or_else(|| {
                UserError::new(
                    "INSUFFICIENT_INVENTORY",
                    &["lineItems"],
                    "not enough stock available at the location",
                )
            })?,
            None => self
                .locations
                .keys()
                .copied()
                .find(|l| has_stock(self, *l))
                .ok_or_else(|| {
                    UserError::new(
                        "INSUFFICIENT_INVENTORY",
                        &["lineItems"],
                        "no location has every line in stock",
                    )
                })?,
        };
        let customer = o
            .customer_id
            .and_then(|id| self.customers.get(&id))
            .cloned();
        if o.customer_id.is_some() && customer.is_none() {
            return Err(not_found("the customer", &["customerId"]));
        }
        let pct = o.discount.as_ref().map_or(0, |d| d.1.clamp(0, 100));
        let mut line_items = Vec::new();
        for (v, q) in &lines {
            let product = &self.products[&v.product_id];
            let total_discount = v.price * q * pct / 100;
            line_items.push(LineItem {
                id: 0,
                variant_id: v.id,
                product_id: v.product_id,
                sku: v.sku.clone(),
                title: product.title.clone(),
                variant_title: v.title.clone(),
                quantity: *q,
                price: v.price,
                total_discount,
                tax_lines: vec![TaxLine {
                    title: "State Tax".into(),
                    rate: TAX_RATE,
                    price: tax(v.price * q - total_discount),
                }],
                fulfilled: 0,
                refunded: 0,
            });
        }
        for l in &mut line_items {
            l.id = self.id();
        }
        let id = self.id();
        let number = self.next_order_number;
        self.next_order_number += 1;
        let shipping_lines = match o.shipping {
            Some((title, price)) => vec![ShippingLine {
                id: self.id(),
                code: title.to_lowercase().replace(' ', "_"),
                title,
                price,
                tax_lines: Vec::new(),
            }],
            None => Vec::new(),
        };
        let mut order = Order {
            id,
            number,
            name: format!("#{number}"),
            email: o
                .email
                .or_else(|| customer.as_ref().and_then(|c| c.email.clone())),
            phone: customer.as_ref().and_then(|c| c.phone.clone()),
            customer_id: o.customer_id,
            location_id,
            fulfillment_order_id: self.id(),
            source_name: "web".into(),
            line_items,
            shipping_lines,
            discount_codes: Vec::new(),
            transactions: Vec::new(),
            fulfillment_ids: Vec::new(),
            refund_ids: Vec::new(),
            note: o.note,
            tags: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        if let Some((code, _)) = o.discount {
            order.discount_codes.push(DiscountCode {
                code,
                amount: order.total_discounts(),
                kind: "percentage".into(),
            });
        }
        let total = order.total_price();
        let sale = Transaction {
            id: self.id(),
            order_id: id,
            kind: "sale".into(),
            gateway: "shopify_payments".into(),
            status: "success".into(),
            amount: total,
            parent_id: None,
            created_at: now,
        };
        let fee = (total as f64 * 0.029).round() as i64 + 30;
        let bt_id = self.id();
        self.balance.insert(
            bt_id,
            BalanceTransaction {
                id: bt_id,
                kind: "charge".into(),
                amount: total,
                fee,
                net: total - fee,
                source_type: "charge".into(),
                source_id: sale.id,
                source_order_id: Some(id),
                source_order_transaction_id: Some(sale.id),
                payout_id: None,
                processed_at: now,
            },
        );
        order.transactions.push(sale);
        for (v, q) in &lines {
            self.bump(v.inventory_item_id, location_id, "available", -q, now);
            self.bump(v.inventory_item_id, location_id, "committed", *q, now);
        }
        let body = rest::order(self, &order);
        self.orders.insert(id, order);
        self.emit("orders/create", body);
        Ok(id)
    }

    pub(super) fn order_updated(&mut self, order_id: u64, now: Millis) {
        if let Some(o) = self.orders.get_mut(&order_id) {
            o.updated_at = now;
            let body = rest::order(self, &self.orders[&order_id]);
            self.emit("orders/updated", body);
        }
    }

    /// Ship lines of an order (`None` = everything still open) with optional tracking
    /// `(company, number, url)`; stock leaves `committed` at the order's location.
    pub fn fulfil(
        &mut self,
        order_id: u64,
        lines: Option<Vec<(u64, i64)>>,
        tracking: (Option<String>, Option<String>, Option<String>),
        now: Millis,
    ) -> Result<u64, UserError> {
        let order = self.orders.get(&order_id).ok_or_else(|| {
            not_found(
                "the fulfillment order",
                &["fulfillment", "lineItemsByFulfillmentOrder"],
            )
        })?;
        let lines = lines.unwrap_or_else(|| {
            order
                .line_items
                .iter()
                .map(|l| (l.id, l.fulfillable()))
                .filter(|(_, q)| *q > 0)
                .collect()
        });
        for (line_id, q) in &lines {
            let l = order
                .line_items
                .iter()
                .find(|l| l.id == *line_id)
                .ok_or_else(|| {
                    not_found(
                        "the fulfillment order line item",
                        &["fulfillment", "lineItemsByFulfillmentOrder"],
                    )
                })?;
            if *q <= 0 || *q > l.fulfillable() {
                return Err(UserError::new(
                    "INVALID",
                    &["fulfillment"],
                    format!(
                        "quantity {q} exceeds the {} still open on line {line_id}",
                        l.fulfillable()
                    ),
                ));
            }
        }
        if lines.is_empty() {
            return Err(UserError::new(
                "INVALID",
                &["fulfillment"],
                "nothing left to fulfil",
            ));
        }
        let (loc, id) = (order.location_id, self.id());
        for (line_id, q) in &lines {
            let o = self.orders.get_mut(&order_id).expect("checked above");
            let l = o
                .line_items
                .iter_mut()
                .find(|l| l.id == *line_id)
                .expect("checked above");
            l.fulfilled += q;
            let item = self.variants[&l.variant_id].inventory_item_id;
            self.bump(item, loc, "committed", -q, now);
        }
        let f = Fulfillment {
            id,
            order_id,
            location_id: loc,
            status: "success".into(),
            tracking_company: tracking.0,
            tracking_number: tracking.1,
            tracking_url: tracking.2,
            lines,
            created_at: now,
        };
        let body = rest::fulfillment(self, &f);
        self.fulfillments.insert(id, f);
        self.orders
            .get_mut(&order_id)
            .expect("checked above")
            .fulfillment_ids
            .push(id);
        self.emit("fulfillments/create", body);
        self.order_updated(order_id, now);
        Ok(id)
    }
}
