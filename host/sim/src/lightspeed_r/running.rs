//! The handle of a started Lightspeed simulator: addresses, the fault and clock handles, state
//! queries for assertions, the activity generator, and shutdown.
//!
//! Deliberately not here: a way to reach into the store from outside other than these read-only
//! views and the few test helpers (`receive`, `tick_activity`, `authorization_code`).

use std::sync::Arc;

use serde::Serialize;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::clock::SimClock;
use crate::faults::Faults;
use crate::seed::Retailer;

use super::activity::ActivityReport;
use super::error::ApiError;
use super::ratelimit::Limits;
use super::server::{Shared, lock};
use super::writes;

/// One line of a sale, for assertions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SaleLineSummary {
    /// `saleLineID`.
    pub sale_line_id: u64,
    /// `itemID`.
    pub item_id: u64,
    /// The item's `customSku`.
    pub sku: String,
    /// `unitQuantity` (negative on refunds).
    pub quantity: i64,
    /// `unitPrice` in minor units.
    pub unit_price_minor: i64,
    /// `parentSaleLineID` (0 when none).
    pub parent_sale_line_id: u64,
}

/// A sale, for assertions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SaleSummary {
    /// `saleID`.
    pub sale_id: u64,
    /// `shopID`.
    pub shop_id: u64,
    /// `customerID` (0 when none).
    pub customer_id: u64,
    /// `completed`.
    pub completed: bool,
    /// `voided`.
    pub voided: bool,
    /// `referenceNumber`.
    pub reference_number: String,
    /// `calcTotal` in minor units.
    pub total_minor: i64,
    /// Lines.
    pub lines: Vec<SaleLineSummary>,
    /// For a refund sale: the original sale (from its lines' `parentSaleLineID`).
    pub refund_of: Option<u64>,
    /// The ShipTo, if the sale ships.
    pub ship_to: Option<ShipToSummary>,
}

/// A sale's ShipTo, for assertions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShipToSummary {
    /// `shipToID`.
    pub ship_to_id: u64,
    /// `shipped`.
    pub shipped: bool,
    /// `shipNote` (the activity writes "<carrier> <tracking number>").
    pub ship_note: String,
}

/// A running simulator. Shuts down on [`RunningSim::shutdown`] or when dropped.
#[derive(Debug)]
pub struct RunningSim {
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningSim {
    pub(crate) fn new(
        shared: Arc<Shared>,
        stop: oneshot::Sender<()>,
        task: JoinHandle<()>,
    ) -> Self {
        Self {
            shared,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }
    /// `http://127.0.0.1:PORT/API/V3/Account/{accountID}` (append `/Item.json` etc.).
    pub fn api_base(&self) -> String {
        self.shared.api_base()
    }
    /// `http://127.0.0.1:PORT/auth/oauth/token`.
    pub fn token_url(&self) -> String {
        format!("{}/auth/oauth/token", self.shared.base_url)
    }
    /// The served account id.
    pub fn account_id(&self) -> u64 {
        self.shared.config.account_id
    }
    /// The OAuth client id and secret the token endpoint accepts.
    pub fn client_credentials(&self) -> (&str, &str) {
        (
            &self.shared.config.client_id,
            &self.shared.config.client_secret,
        )
    }
    /// The fault switches.
    pub fn faults(&self) -> Arc<Faults> {
        self.shared.faults.clone()
    }
    /// The simulator's clock (advance it if it is manual).
    pub fn clock(&self) -> SimClock {
        self.shared.clock.clone()
    }
    /// The time scale in effect.
    pub fn time_scale(&self) -> f64 {
        self.shared.clock.scale()
    }
    /// Bucket size, drip rate and burst limit in effect.
    pub fn limits(&self) -> Limits {
        lock(&self.shared.limiter).limits()
    }
    /// The current bucket level of an OAuth client (`"sandbox"` for the fixed token).
    pub fn bucket_level(&self, client_id: &str) -> f64 {
        lock(&self.shared.limiter).level(client_id, self.shared.clock.now_ms())
    }
    /// The seeded retailer the state was built from (initial state, not current).
    pub fn retailer(&self) -> &Retailer {
        &self.shared.retailer
    }

    /// The `itemID` of a SKU (`customSku`).
    pub fn item_id(&self, sku: &str) -> Option<u64> {
        lock(&self.shared.store).item_by_sku(sku)
    }
    /// Current `qoh` of a SKU at a shop (`0` = the all-shops row).
    pub fn qoh(&self, sku: &str, shop_id: u64) -> Option<i64> {
        let st = lock(&self.shared.store);
        let item = st.item_by_sku(sku)?;
        st.item_shop(item, shop_id).map(|r| r.qoh)
    }
    /// Create an Item as the back office would (the body of `POST Item.json`); returns its id.
    pub fn create_item(&self, body: &serde_json::Value) -> Result<u64, ApiError> {
        let now = self.shared.now_secs();
        writes::create_item(&mut lock(&self.shared.store), body, now)
    }
    /// Ring up a return at `shop_id` of `(saleLineID, units)` of an earlier sale, as a refund
    /// sale linked through `parentSaleLineID` (restocks that shop); returns the refund's saleID.
    pub fn return_in_store(
        &self,
        sale_id: u64,
        shop_id: u64,
        lines: &[(u64, i64)],
    ) -> Result<u64, ApiError> {
        let now = self.shared.now_secs();
        let lines: Vec<serde_json::Value> = lines
            .iter()
            .map(|(line, units)| {
                serde_json::json!({"saleLineID": line.to_string(), "unitQuantity": units.to_string()})
            })
            .collect();
        let body =
            serde_json::json!({"shopID": shop_id.to_string(), "SaleLines": {"SaleLine": lines}});
        writes::refund_sale(&mut lock(&self.shared.store), sale_id, &body, now)
    }
    /// Receive stock as the back office would (qoh += `qty`, bumps the ItemShop `timeStamp`).
    pub fn receive(&self, sku: &str, shop_id: u64, qty: i64) -> Result<(), ApiError> {
        let now = self.shared.now_secs();
        let mut st = lock(&self.shared.store);
        let item = st
            .item_by_sku(sku)
            .ok_or_else(|| ApiError::not_found("Item"))?;
        st.adjust_qoh(item, shop_id, qty, now)
    }

    /// All sales, oldest first.
    pub fn sales(&self) -> Vec<SaleSummary> {
        let st = lock(&self.shared.store);
        st.sales.keys().filter_map(|id| summary(&st, *id)).collect()
    }
    /// One sale.
    pub fn sale(&self, sale_id: u64) -> Option<SaleSummary> {
        summary(&lock(&self.shared.store), sale_id)
    }

    /// Ship a sale as the shop would: tick its ShipTo `shipped` and write `note` in `shipNote`
    /// (creating the ShipTo if the sale has none).
    pub fn ship(&self, sale_id: u64, note: &str) -> Result<(), ApiError> {
        let now = self.shared.now_secs();
        lock(&self.shared.store)
            .ship(sale_id, note.to_string(), now)
            .map(drop)
    }

    /// Run `n` activity events (sales, returns, receiving, shipping) now.
    pub fn tick_activity(&self, n: usize) -> ActivityReport {
        Self::tick_shared(&self.shared, n)
    }

    pub(crate) fn tick_shared(shared: &Shared, n: usize) -> ActivityReport {
        let now = shared.now_secs();
        let mut st = lock(&shared.store);
        lock(&shared.activity).tick(&mut st, n, now)
    }

    /// An authorization code, as if a user approved the app (for the `authorization_code` grant).
    pub fn authorization_code(&self) -> String {
        let cid = self.shared.config.client_id.clone();
        lock(&self.shared.oauth)
            .authorize(&cid, None, None, self.shared.clock.now_ms())
            .unwrap_or_default()
    }

    /// Stop serving and wait for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

fn summary(st: &super::store::Store, sale_id: u64) -> Option<SaleSummary> {
    let sale = st.sales.get(&sale_id)?;
    let lines: Vec<SaleLineSummary> = sale
        .line_ids
        .iter()
        .filter_map(|id| st.sale_lines.get(id))
        .map(|l| SaleLineSummary {
            sale_line_id: l.sale_line_id,
            item_id: l.item_id,
            sku: st
                .items
                .get(&l.item_id)
                .map(|i| i.custom_sku.clone())
                .unwrap_or_default(),
            quantity: l.unit_quantity,
            unit_price_minor: l.unit_price_minor,
            parent_sale_line_id: l.parent_sale_line_id,
        })
        .collect();
    let refund_of = lines
        .iter()
        .find(|l| l.parent_sale_line_id != 0)
        .and_then(|l| st.sale_lines.get(&l.parent_sale_line_id))
        .map(|p| p.sale_id);
    Some(SaleSummary {
        sale_id,
        shop_id: sale.shop_id,
        customer_id: sale.customer_id,
        completed: sale.completed,
        voided: sale.voided,
        reference_number: sale.reference_number.clone(),
        total_minor: st.sale_totals(sale).2,
        lines,
        refund_of,
        ship_to: st.ship_tos.get(&sale.ship_to_id).map(|t| ShipToSummary {
            ship_to_id: t.ship_to_id,
            shipped: t.shipped,
            ship_note: t.ship_note.clone(),
        }),
    })
}
