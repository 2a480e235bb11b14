//! Starting and driving a simulated shop: [`ShopifyConfig`], [`ShopifySim::start`] and the
//! [`RunningShopify`] handle that tests, the demo and the CLI hold. The handle gives the URLs,
//! state accessors for assertions, the activity generator, webhook registration, the fault
//! switches and the clock; dropping it (or `shutdown`) stops the server and the dispatcher.
//!
//! Deliberately not here: argument parsing or printing (the CLI's job).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::StatusCode;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::cost::{Bucket, CostLimits};
use super::model::{Customer, Fulfillment, Order, Payout, Refund};
use super::orders::{NewOrder, RefundLineInput};
use super::server::{App, router, schema};
use super::state::{Settings, SimState};
use super::store::{Store, UserError};
use super::webhooks::{self, DeliveryAttempt, DeliveryLog};
use super::{activity, payments::WebhookSubscriptionTopic};
use crate::clock::SimClock;
use crate::faults::Faults;
use crate::seed::Retailer;

/// Everything that can go wrong driving the simulator.
#[derive(Debug, thiserror::Error)]
pub enum ShopifyError {
    /// The listener could not bind.
    #[error("shopify simulator could not bind {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    /// The configuration is invalid.
    #[error("invalid shopify simulator configuration: {0}")]
    Config(String),
    /// A webhook topic this simulator does not emit.
    #[error("unsupported webhook topic `{0}`")]
    UnknownTopic(String),
    /// An operation was refused the way the API would refuse it.
    #[error("shopify simulator refused the operation: {0}")]
    Refused(String),
}

impl From<UserError> for ShopifyError {
    fn from(e: UserError) -> Self {
        Self::Refused(format!("{}: {}", e.code.unwrap_or_default(), e.message))
    }
}

/// How to start a shop.
#[derive(Debug, Clone)]
pub struct ShopifyConfig {
    /// Seed of the shared retailer ([`Retailer::generate`]).
    pub seed: u64,
    /// Number of matrix items (products) to seed.
    pub items: usize,
    /// Simulator seconds per wall second (bucket restore and webhook back-off run this fast).
    pub time_scale: f64,
    /// Use this clock instead of a new one at `time_scale` (share one clock with the Lightspeed
    /// simulator, or pass [`SimClock::manual`] in tests).
    pub clock: Option<SimClock>,
    /// Refuse the fixed `sandbox` token.
    pub strict_auth: bool,
    /// API version put in webhook headers (requests use their URL's version).
    pub api_version: String,
    /// Listen address; port 0 picks a free port.
    pub bind: SocketAddr,
    /// The app's client secret: signs webhooks and authenticates token requests.
    pub webhook_secret: String,
    /// The app's client id for token requests.
    pub client_id: String,
    /// Shop domain in headers, e.g. `weft-outfitters.myshopify.com`.
    pub shop_domain: String,
    /// Cost bucket; default = Standard plan (2000 / 100 per second).
    pub cost_limits: CostLimits,
    /// HTTP status of a THROTTLED answer (Shopify: 200).
    pub throttle_status: u16,
    /// Use this fault handle instead of a new one (e.g. one shared with the Lightspeed simulator).
    pub faults: Option<Arc<Faults>>,
    /// Run the activity generator on its own every this-many simulator milliseconds.
    pub activity_every_ms: Option<i64>,
    /// Whether the activity generator also ships open orders from Shopify (a warehouse
    /// fulfilling the web store). Turn it off when the shops fulfil online orders and the
    /// fulfilments come from the POS, as in `weft demo`. Default on.
    pub activity_ships: bool,
}

impl Default for ShopifyConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            items: 200,
            time_scale: 1.0,
            clock: None,
            strict_auth: false,
            api_version: "2026-01".into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            webhook_secret: "sandbox-secret".into(),
            client_id: "sandbox-client".into(),
            shop_domain: "weft-outfitters.myshopify.com".into(),
            cost_limits: CostLimits::default(),
            throttle_status: 200,
            faults: None,
            activity_every_ms: None,
            activity_ships: true,
        }
    }
}

/// Entry point.
pub struct ShopifySim;

impl ShopifySim {
    /// Seed a shop and serve it; returns once the listener is bound.
    pub async fn start(config: ShopifyConfig) -> Result<RunningShopify, ShopifyError> {
        Self::start_with(Retailer::generate(config.seed, config.items), config).await
    }

    /// Serve a shop seeded from an already generated retailer (shared with the Lightspeed side).
    pub async fn start_with(
        retailer: Retailer,
        config: ShopifyConfig,
    ) -> Result<RunningShopify, ShopifyError> {
        let clock = match config.clock.clone() {
            Some(c) => c,
            None => SimClock::scaled(config.time_scale)
                .map_err(|e| ShopifyError::Config(e.to_string()))?,
        };
        let now = clock.now_ms();
        let store = Store::from_retailer(&retailer, now);
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let settings = Settings {
            shop_domain: config.shop_domain.clone(),
            default_api_version: config.api_version.clone(),
            strict_auth: config.strict_auth,
            webhook_secret: config.webhook_secret.clone(),
            client_id: config.client_id.clone(),
            activity_ships: config.activity_ships,
        };
        let state = Arc::new(SimState::new(
            store,
            Bucket::new(config.cost_limits, now),
            clock,
            settings,
            config
                .faults
                .clone()
                .unwrap_or_else(|| Faults::new(config.seed)),
            config.seed ^ 0x5110_F1FE,
            tx,
        ));
        let log = Arc::new(DeliveryLog::default());
        let app = App {
            state: state.clone(),
            schema: schema(state.clone()),
            throttle_status: StatusCode::from_u16(config.throttle_status).unwrap_or(StatusCode::OK),
            client_secret: config.webhook_secret.clone(),
        };
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|source| ShopifyError::Bind {
                addr: config.bind,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| ShopifyError::Bind {
            addr: config.bind,
            source,
        })?;
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let mut tasks = vec![
            tokio::spawn(async move {
                let serve = axum::serve(listener, router(app)).with_graceful_shutdown(async {
                    let _ = stop_rx.await;
                });
                if let Err(e) = serve.await {
                    tracing::warn!(error = %e, "shopify simulator server stopped");
                }
            }),
            tokio::spawn(webhooks::dispatch(state.clone(), log.clone(), rx)),
        ];
        if let Some(every) = config.activity_every_ms.filter(|ms| *ms > 0) {
            let st = state.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    super::timefmt::sleep_sim(&st.clock, every).await;
                    activity::tick(&st, 1);
                }
            }));
        }
        tracing::info!(%addr, "shopify simulator listening");
        Ok(RunningShopify {
            addr,
            state,
            log,
            retailer,
            stop: Some(stop_tx),
            tasks,
        })
    }
}

/// A running simulated shop. Stops on drop.
pub struct RunningShopify {
    addr: SocketAddr,
    state: Arc<SimState>,
    log: Arc<DeliveryLog>,
    retailer: Retailer,
    stop: Option<oneshot::Sender<()>>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningShopify {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// The GraphQL endpoint for the configured API version.
    pub fn graphql_url(&self) -> String {
        format!(
            "{}/admin/api/{}/graphql.json",
            self.base_url(),
            self.state.settings.default_api_version
        )
    }
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// The retailer this shop was seeded from.
    pub fn retailer(&self) -> &Retailer {
        &self.retailer
    }
    /// The shop's clock (read it, or `advance` it in tests).
    pub fn clock(&self) -> &SimClock {
        &self.state.clock
    }
    /// The fault switches (also at `/__sim/faults` over HTTP).
    pub fn faults(&self) -> &Arc<Faults> {
        &self.state.faults
    }
    /// Mint an access token as the token endpoint would.
    pub fn issue_token(&self) -> String {
        self.state.issue_token()
    }

    /// `available` of `sku` at a location; `None` if unknown or not stocked there.
    pub fn available(&self, sku: &str, location_id: u64) -> Option<i64> {
        self.quantity(sku, location_id, "available")
    }
    /// Any named quantity (`available`, `on_hand`, `committed`…) of `sku` at a location.
    pub fn quantity(&self, sku: &str, location_id: u64, name: &str) -> Option<i64> {
        self.state.read(|s| {
            let item = s.variant_by_sku(sku)?.inventory_item_id;
            s.levels.get(&(item, location_id))?.quantity(name)
        })
    }
    /// Cost points spent so far and the bucket's `(maximum, restore per simulated second)`.
    pub fn cost_spent(&self) -> (f64, f64, f64) {
        let bucket = self.state.bucket();
        let limits = bucket.limits();
        (
            bucket.spent(),
            limits.maximum_available,
            limits.restore_rate,
        )
    }
    /// Location ids, ascending.
    pub fn location_ids(&self) -> Vec<u64> {
        self.state.read(|s| s.locations.keys().copied().collect())
    }
    /// Every order, oldest first.
    pub fn orders(&self) -> Vec<Order> {
        self.state.read(|s| s.orders.values().cloned().collect())
    }
    /// Every refund, oldest first.
    pub fn refunds(&self) -> Vec<Refund> {
        self.state.read(|s| s.refunds.values().cloned().collect())
    }
    /// Every fulfilment, oldest first.
    pub fn fulfillments(&self) -> Vec<Fulfillment> {
        self.state
            .read(|s| s.fulfillments.values().cloned().collect())
    }
    /// Every customer.
    pub fn customers(&self) -> Vec<Customer> {
        self.state.read(|s| s.customers.values().cloned().collect())
    }
    /// Every payout.
    pub fn payouts(&self) -> Vec<Payout> {
        self.state.read(|s| s.payouts.values().cloned().collect())
    }

    /// Run `n` ticks of the online-order generator; returns the new order ids.
    pub fn tick_activity(&self, n: usize) -> Vec<u64> {
        activity::tick(&self.state, n)
    }
    /// Place an online order directly.
    pub fn create_order(&self, order: NewOrder) -> Result<u64, ShopifyError> {
        Ok(self.state.mutate(|s, now| s.create_order(order, now))?)
    }
    /// Ship every open line of an order with tracking `(company, number)`.
    pub fn fulfil(
        &self,
        order_id: u64,
        tracking: Option<(String, String)>,
    ) -> Result<u64, ShopifyError> {
        let (company, number) = tracking.unzip();
        Ok(self
            .state
            .mutate(|s, now| s.fulfil(order_id, None, (company, number, None), now))?)
    }
    /// Refund lines and money as `refundCreate` would.
    pub fn refund(
        &self,
        order_id: u64,
        lines: &[RefundLineInput],
        amounts: &[i64],
    ) -> Result<u64, ShopifyError> {
        self.state
            .mutate(|s, now| s.refund(order_id, lines, amounts, None, now))
            .map_err(|e| {
                e.into_iter().next().map_or(
                    ShopifyError::Refused("refund refused".into()),
                    ShopifyError::from,
                )
            })
    }
    /// Sweep the balance into a payout now.
    pub fn run_payout(&self) -> Option<u64> {
        self.state.mutate(|s, now| s.run_payout(now))
    }

    /// Subscribe `url` to `topic` (REST spelling, e.g. `orders/create`); returns the subscription id.
    pub fn register_webhook(&self, topic: &str, url: &str) -> Result<u64, ShopifyError> {
        let t = WebhookSubscriptionTopic::from_rest(topic)
            .ok_or_else(|| ShopifyError::UnknownTopic(topic.to_string()))?;
        Ok(self
            .state
            .mutate(|s, now| webhooks::subscribe(s, t.rest(), url, now))
            .id)
    }
    /// Every webhook delivery attempt so far.
    pub fn webhook_attempts(&self) -> Vec<DeliveryAttempt> {
        self.log
            .attempts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
    /// Deliveries dropped by fault injection, as `(webhook id, topic)`.
    pub fn dropped_webhooks(&self) -> Vec<(String, String)> {
        self.log
            .dropped
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Stop serving and delivering.
    pub fn shutdown(mut self) {
        self.stop_all();
    }

    fn stop_all(&mut self) {
        self.state
            .stopped
            .store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

impl Drop for RunningShopify {
    fn drop(&mut self) {
        self.stop_all();
    }
}
