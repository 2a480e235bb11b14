//! Sales on the store: creating, completing, refunding and totalling them.
//!
//! Inventory moves only when a sale becomes completed; refund lines (negative quantity,
//! `parentSaleLineID` set) restock the refund sale's shop and cannot return more than was sold.
//!
//! Deliberately not here: payload parsing (see `writes`).

use super::super::error::ApiError;
use super::{SaleLineRec, SalePaymentRec, SaleRec, ShipToPatch, Store};

/// A sale line to create.
#[derive(Debug, Clone, Default)]
pub(crate) struct NewLine {
    pub item_id: u64,
    pub unit_quantity: i64,
    pub unit_price_minor: Option<i64>,
    pub discount_minor: i64,
    pub tax: bool,
    pub parent_sale_line_id: u64,
}

/// A sale to create.
#[derive(Debug, Clone, Default)]
pub(crate) struct NewSale {
    pub shop_id: u64,
    pub register_id: u64,
    pub employee_id: u64,
    pub customer_id: u64,
    pub completed: bool,
    pub reference_number: String,
    pub reference_number_source: String,
    pub tax1_rate: f64,
    pub lines: Vec<NewLine>,
    /// `(amount_minor, payment_type_id)`.
    pub payments: Vec<(i64, u64)>,
    /// Where it ships to, if it ships.
    pub ship_to: Option<ShipToPatch>,
}

impl Store {
    /// Units of an original line still returnable.
    pub fn refundable(&self, sale_line_id: u64) -> i64 {
        let Some(orig) = self.sale_lines.get(&sale_line_id) else {
            return 0;
        };
        let returned: i64 = self
            .sale_lines
            .values()
            .filter(|l| l.parent_sale_line_id == sale_line_id)
            .filter(|l| self.sales.get(&l.sale_id).is_some_and(|s| !s.voided))
            .map(|l| -l.unit_quantity)
            .sum();
        orig.unit_quantity - returned
    }

    /// Create a sale (and move inventory if it is completed). Returns the new `saleID`.
    pub fn create_sale(&mut self, new: NewSale, now: i64) -> Result<u64, ApiError> {
        if !self.shops.contains_key(&new.shop_id) {
            return Err(ApiError::bad_request(format!(
                "invalid shopID {}",
                new.shop_id
            )));
        }
        if new.customer_id != 0 && !self.customers.contains_key(&new.customer_id) {
            return Err(ApiError::bad_request(format!(
                "invalid customerID {}",
                new.customer_id
            )));
        }
        for l in &new.lines {
            if !self.items.contains_key(&l.item_id) {
                return Err(ApiError::bad_request(format!(
                    "invalid itemID {}",
                    l.item_id
                )));
            }
            if l.parent_sale_line_id != 0 {
                let orig = self.sale_lines.get(&l.parent_sale_line_id).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "invalid parentSaleLineID {}",
                        l.parent_sale_line_id
                    ))
                })?;
                if orig.item_id != l.item_id || l.unit_quantity >= 0 {
                    return Err(ApiError::bad_request(
                        "a refund line must return the parent line's item with a negative unitQuantity",
                    ));
                }
                if -l.unit_quantity > self.refundable(l.parent_sale_line_id) {
                    return Err(ApiError::bad_request(format!(
                        "cannot return more than was sold on saleLineID {}",
                        l.parent_sale_line_id
                    )));
                }
            }
        }
        let sale_id = Self::next_id(&self.sales);
        let mut line_ids = Vec::new();
        for l in new.lines {
            let id = Self::next_id(&self.sale_lines);
            let price = l
                .unit_price_minor
                .unwrap_or_else(|| self.items[&l.item_id].price_minor);
            self.sale_lines.insert(
                id,
                SaleLineRec {
                    sale_line_id: id,
                    sale_id,
                    item_id: l.item_id,
                    shop_id: new.shop_id,
                    unit_quantity: l.unit_quantity,
                    unit_price_minor: price,
                    discount_minor: l.discount_minor,
                    tax: l.tax,
                    tax1_rate: new.tax1_rate,
                    parent_sale_line_id: l.parent_sale_line_id,
                    create_time: now,
                    time_stamp: now,
                },
            );
            line_ids.push(id);
        }
        let mut payment_ids = Vec::new();
        for (amount, kind) in new.payments {
            let id = Self::next_id(&self.sale_payments);
            self.sale_payments.insert(
                id,
                SalePaymentRec {
                    sale_payment_id: id,
                    sale_id,
                    amount_minor: amount,
                    payment_type_id: kind,
                    create_time: now,
                    time_stamp: now,
                },
            );
            payment_ids.push(id);
        }
        self.sales.insert(
            sale_id,
            SaleRec {
                sale_id,
                shop_id: new.shop_id,
                register_id: new.register_id,
                employee_id: new.employee_id,
                customer_id: new.customer_id,
                completed: false,
                voided: false,
                archived: false,
                reference_number: new.reference_number,
                reference_number_source: new.reference_number_source,
                tax1_rate: new.tax1_rate,
                create_time: now,
                update_time: now,
                complete_time: None,
                time_stamp: now,
                line_ids,
                payment_ids,
                ship_to_id: 0,
            },
        );
        if let Some(patch) = new.ship_to {
            self.patch_ship_to(sale_id, patch, now)?;
        }
        if new.completed {
            self.complete_sale(sale_id, now)?;
        }
        Ok(sale_id)
    }

    /// Mark a sale completed and move its inventory (idempotent).
    pub fn complete_sale(&mut self, sale_id: u64, now: i64) -> Result<(), ApiError> {
        let sale = self
            .sales
            .get(&sale_id)
            .ok_or_else(|| ApiError::not_found("Sale"))?;
        if sale.completed {
            return Ok(());
        }
        let shop = sale.shop_id;
        let moves: Vec<(u64, i64)> = sale
            .line_ids
            .iter()
            .filter_map(|id| self.sale_lines.get(id))
            .map(|l| (l.item_id, l.unit_quantity))
            .collect();
        for (item, qty) in moves {
            self.adjust_qoh(item, shop, -qty, now)?;
        }
        let sale = self
            .sales
            .get_mut(&sale_id)
            .ok_or_else(|| ApiError::not_found("Sale"))?;
        sale.completed = true;
        sale.complete_time = Some(now);
        sale.update_time = now;
        sale.time_stamp = now;
        Ok(())
    }

    /// Totals of a sale in minor units: (subtotal, tax, total, paid).
    pub fn sale_totals(&self, sale: &SaleRec) -> (i64, i64, i64, i64) {
        let lines = sale
            .line_ids
            .iter()
            .filter_map(|id| self.sale_lines.get(id));
        let (sub, tax) = lines.fold((0, 0), |(s, t), l| {
            (s + l.subtotal_minor(), t + l.tax_minor())
        });
        let paid = sale
            .payment_ids
            .iter()
            .filter_map(|id| self.sale_payments.get(id))
            .map(|p| p.amount_minor)
            .sum();
        (sub, tax, sub + tax, paid)
    }
}
