//! Lightspeed Retail R-Series API V3 simulator: a real HTTP server (axum, loopback) that behaves like
//! the platform, so connectors can be tested against it in-process or with `weft sandbox`.
//!
//! What it reproduces (facts: shared/reference/platform-apis.md sections 0, 1 and 9):
//! - resources under `/API/V3/Account/{accountID}/…json` (see [`api`] for the list), every scalar a
//!   string, a single record as an object, shop 0 as the all-shops ItemShop row ([`render`],
//!   [`store`]);
//! - V3 cursor paging, `op,value` filters, `sort`, `count=1`, `load_relations` ([`query`]);
//! - the 2026 leaky bucket + burst limiter with all `X-LS-API-*` headers and 429 + `Retry-After`
//!   ([`ratelimit`]); every response also carries `X-LS-Acct-Id`, `X-LS-OAuth-Client-Id` and our own
//!   `X-Weft-Time-Scale`;
//! - an RFC 7231 `Date` header on every response from the simulator's (scaled or manual) clock,
//!   the same clock that stamps `timeStamp`, so clients can tell when a second is over;
//! - OAuth with rotating refresh tokens and expiring access tokens; the token `sandbox` works unless
//!   `strict_auth` ([`oauth`]);
//! - run-time faults ([`crate::faults`], control endpoint `/__sim/faults`) and a seeded activity
//!   generator ([`activity`], also `POST /__sim/activity {"events": n}`).
//!
//! Order of checks on an API call: injected latency → bearer token (401) → account (403) →
//! request parsing → injected 429 → burst limiter and bucket (429) → injected 5xx (503, charged)
//! → the call itself (4xx errors are charged too).
//!
//! Deliberately not here: webhooks (R-Series has no general webhook API; integrations poll by
//! `timeStamp`), the V2 API, XML, and any persistence: state lives in memory for the life of the
//! server, built from [`crate::seed::Retailer`].

pub mod activity;
mod api;
pub mod error;
pub mod oauth;
mod query;
pub mod ratelimit;
mod render;
mod running;
mod server;
mod store;
mod writes;

use std::net::SocketAddr;

pub use activity::ActivityReport;
pub use running::{RunningSim, SaleLineSummary, SaleSummary, ShipToSummary};

use crate::clock::{ClockError, SimClock};

/// How to start a simulator.
#[derive(Debug, Clone)]
pub struct LightspeedConfig {
    /// Seed for the retailer, tokens, faults and activity.
    pub seed: u64,
    /// Number of matrix items (products) to seed; each has 2–12 variants (Items).
    pub items: usize,
    /// If set, seed exactly this many Items (SKUs) instead (benches: 10,000).
    pub skus: Option<usize>,
    /// Register limit of the subscription: sizes the bucket (90 + 10 each extra) and drip.
    pub registers: u32,
    /// Simulated seconds per real second (rate-limit drips, token expiry). Ignored with `clock`.
    pub time_scale: f64,
    /// Reject the fixed `sandbox` token.
    pub strict_auth: bool,
    /// Run the 1-second burst limiter.
    pub burst_limiter: bool,
    /// Address to bind (port 0 picks a free port).
    pub bind: SocketAddr,
    /// The account id served.
    pub account_id: u64,
    /// The OAuth client id accepted by the token endpoint.
    pub client_id: String,
    /// The OAuth client secret.
    pub client_secret: String,
    /// A clock to use instead of a scaled one (tests pass [`SimClock::manual`]).
    pub clock: Option<SimClock>,
}

impl Default for LightspeedConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            items: 200,
            skus: None,
            registers: 1,
            time_scale: 1.0,
            strict_auth: false,
            burst_limiter: true,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            account_id: 101_178,
            client_id: "weft-sim-client".into(),
            client_secret: "weft-sim-secret".into(),
            clock: None,
        }
    }
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum LightspeedError {
    /// The listener could not be bound.
    #[error("lightspeed-r simulator: cannot bind {addr}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The time scale is invalid.
    #[error("lightspeed-r simulator: invalid clock")]
    Clock(#[from] ClockError),
    /// Another configuration value is invalid.
    #[error("lightspeed-r simulator: {0}")]
    Config(String),
}

/// Entry point: `LightspeedSim::start(config).await`.
#[derive(Debug)]
pub struct LightspeedSim;

impl LightspeedSim {
    /// Seed the state, bind `config.bind` and serve until the returned handle is shut down or
    /// dropped. Must be called inside a tokio runtime.
    pub async fn start(config: LightspeedConfig) -> Result<RunningSim, LightspeedError> {
        server::start(config).await
    }
}
