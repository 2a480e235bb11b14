//! Store activity for demos and soak tests: each tick is one event at one shop, drawn from a
//! seeded PRNG so the same seed and the same number of ticks give the same history.
//!
//! Mix per tick: about 70% a completed in-store sale of 1–3 in-stock items (decrements ItemShop qoh),
//! 10% a return of part of an earlier sale (a refund sale linked through `parentSaleLineID`,
//! restocking the shop where it is returned), 20% receiving stock (qoh + 6..=24 on one item at one
//! shop, bumping that ItemShop's `timeStamp`). Before that mix, while a posted online order
//! waits to be shipped (a completed sale with a ShipTo not yet shipped), an event is, one time
//! in four, the shop shipping the oldest such order: `shipped` ticked and the carrier and tracking
//! number written in `shipNote` ("UPS 1Z…"). Events go straight into the store, exactly as if
//! they had been rung up at the register; they do not pass the API's rate limiter.
//!
//! Deliberately not here: online orders (the Shopify simulator makes those) and timing; callers
//! decide how often to tick.

use serde::Serialize;

use crate::seed::SeedRng;

use super::store::{NewLine, NewSale, Store};
use super::writes;

/// What a batch of ticks did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ActivityReport {
    /// Sale ids created by in-store sales.
    pub sales: Vec<u64>,
    /// Refund sale ids created by returns.
    pub returns: Vec<u64>,
    /// `(itemID, shopID, quantity)` received.
    pub receipts: Vec<(u64, u64, i64)>,
    /// Sale ids whose ShipTo was shipped.
    pub shipments: Vec<u64>,
}

/// Carriers a shipping clerk writes in `shipNote`.
const CARRIERS: [&str; 4] = ["UPS", "FedEx", "USPS", "DHL"];

/// The seeded generator.
#[derive(Debug)]
pub(crate) struct Activity {
    rng: SeedRng,
}

impl Activity {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: SeedRng::new(seed ^ 0xAC71_7177),
        }
    }

    /// Run `n` events against the store at simulated time `now`.
    pub fn tick(&mut self, st: &mut Store, n: usize, now: i64) -> ActivityReport {
        let mut report = ActivityReport::default();
        let shops: Vec<u64> = st.shops.keys().copied().collect();
        let item_count = st.items.len() as u64;
        if shops.is_empty() || item_count == 0 {
            return report;
        }
        for _ in 0..n {
            let shop = *self.rng.pick(&shops);
            if self.try_ship(st, now, &mut report) {
                continue;
            }
            let roll = self.rng.unit();
            if roll < 0.1 && self.try_return(st, shop, now, &mut report) {
                continue;
            }
            if roll < 0.3 {
                let item = self.rng.range(1, item_count);
                if st.items.get(&item).is_some_and(|i| !i.archived) {
                    let qty = self.rng.range(6, 24) as i64;
                    if st.adjust_qoh(item, shop, qty, now).is_ok() {
                        report.receipts.push((item, shop, qty));
                    }
                }
                continue;
            }
            self.sale(st, shop, item_count, now, &mut report);
        }
        report
    }

    fn sale(
        &mut self,
        st: &mut Store,
        shop: u64,
        item_count: u64,
        now: i64,
        report: &mut ActivityReport,
    ) {
        let mut lines: Vec<NewLine> = Vec::new();
        let wanted = self.rng.range(1, 3);
        for _ in 0..wanted * 4 {
            if lines.len() as u64 >= wanted {
                break;
            }
            let item = self.rng.range(1, item_count);
            let in_stock = st.item_shop(item, shop).map_or(0, |r| r.qoh);
            let live = st.items.get(&item).is_some_and(|i| !i.archived);
            if !live || in_stock <= 0 || lines.iter().any(|l| l.item_id == item) {
                continue;
            }
            let qty = self.rng.range(1, 2).min(in_stock as u64) as i64;
            lines.push(NewLine {
                item_id: item,
                unit_quantity: qty,
                tax: true,
                ..Default::default()
            });
        }
        if lines.is_empty() {
            return;
        }
        let total: i64 = lines
            .iter()
            .map(|l| l.unit_quantity * st.items[&l.item_id].price_minor)
            .sum();
        let customers = st.customers.len() as u64;
        let customer = if customers > 0 && self.rng.chance(0.4) {
            self.rng.range(1, customers)
        } else {
            0
        };
        let tender = if self.rng.chance(0.3) { 1 } else { 3 };
        let sale = NewSale {
            shop_id: shop,
            register_id: shop,
            employee_id: 1,
            customer_id: customer,
            completed: true,
            lines,
            payments: vec![(total, tender)],
            ..Default::default()
        };
        if let Ok(id) = st.create_sale(sale, now) {
            report.sales.push(id);
        }
    }

    fn try_ship(&mut self, st: &mut Store, now: i64, report: &mut ActivityReport) -> bool {
        let Some(&sale_id) = st.unshipped().first() else {
            return false;
        };
        if !self.rng.chance(0.25) {
            return false;
        }
        let carrier = *self.rng.pick(&CARRIERS);
        let number = format!("1Z{sale_id:08}{:06}", self.rng.range(0, 999_999));
        if st.ship(sale_id, format!("{carrier} {number}"), now).is_ok() {
            report.shipments.push(sale_id);
        }
        true
    }

    fn try_return(
        &mut self,
        st: &mut Store,
        shop: u64,
        now: i64,
        report: &mut ActivityReport,
    ) -> bool {
        let candidates: Vec<u64> = st
            .sale_lines
            .values()
            .filter(|l| l.unit_quantity > 0 && l.parent_sale_line_id == 0)
            .filter(|l| {
                st.sales
                    .get(&l.sale_id)
                    .is_some_and(|s| s.completed && !s.voided)
            })
            .map(|l| l.sale_line_id)
            .collect();
        if candidates.is_empty() {
            return false;
        }
        let line_id = *self.rng.pick(&candidates);
        if st.refundable(line_id) <= 0 {
            return false;
        }
        let sale_id = st.sale_lines[&line_id].sale_id;
        let body = serde_json::json!({
            "shopID": shop.to_string(),
            "SaleLines": {"SaleLine": {"saleLineID": line_id.to_string(), "unitQuantity": "1"}},
        });
        match writes::refund_sale(st, sale_id, &body, now) {
            Ok(id) => {
                report.returns.push(id);
                true
            }
            Err(_) => false,
        }
    }
}
