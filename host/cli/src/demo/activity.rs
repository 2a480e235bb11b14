//! What happens in the shops and on the web while the demo runs: each tick rings up one event
//! in Lightspeed (sale, return, receiving, or shipping a posted online order) and places one
//! web order in Shopify, through the simulators' own activity generators; every eighth tick a
//! customer brings part of an online order back to a different shop than the one that shipped
//! it, so returns of online orders happen in every run. Deliberately not here: syncing (the
//! flows) and checking (`report`).

use std::collections::BTreeSet;

use weft_sim::lightspeed_r::SaleLineSummary;

use super::setup::{Demo, SHIPPING_SKU};

/// Counts of what the shops and the web store did.
#[derive(Debug, Default)]
pub struct Activity {
    /// Ticks so far.
    pub ticks: u64,
    /// In-store sales rung up.
    pub store_sales: u64,
    /// In-store returns of in-store sales.
    pub store_returns: u64,
    /// Stock receipts.
    pub receipts: u64,
    /// Online orders the shops shipped (ShipTo ticked, tracking number in its note).
    pub shipments: u64,
    /// Web orders placed.
    pub web_orders: u64,
    /// Refund sale ids of online orders returned in a shop.
    pub online_returns: BTreeSet<u64>,
    returned: BTreeSet<u64>,
}

impl Activity {
    /// One tick of store and web activity.
    pub fn tick(&mut self, demo: &Demo) {
        self.ticks += 1;
        let shop = demo.lightspeed.tick_activity(1);
        self.store_sales += shop.sales.len() as u64;
        self.store_returns += shop.returns.len() as u64;
        self.receipts += shop.receipts.len() as u64;
        self.shipments += shop.shipments.len() as u64;
        self.web_orders += demo.shopify.tick_activity(1).len() as u64;
        if self.ticks.is_multiple_of(8) {
            self.return_an_online_order(demo);
        }
    }

    /// Return one unit of the first goods line of an online order Weft has posted, at another
    /// shop.
    fn return_an_online_order(&mut self, demo: &Demo) {
        let goods = |l: &&SaleLineSummary| l.quantity > 0 && l.sku != SHIPPING_SKU;
        let sales = demo.lightspeed.sales();
        let Some((sale, line)) = sales
            .iter()
            .filter(|s| {
                !s.reference_number.is_empty()
                    && s.refund_of.is_none()
                    && !self.returned.contains(&s.sale_id)
            })
            .find_map(|s| Some((s, s.lines.iter().find(goods)?)))
        else {
            return;
        };
        self.returned.insert(sale.sale_id);
        let shop = sale.shop_id % 3 + 1;
        if let Ok(refund) =
            demo.lightspeed
                .return_in_store(sale.sale_id, shop, &[(line.sale_line_id, 1)])
        {
            self.online_returns.insert(refund);
        }
    }
}
