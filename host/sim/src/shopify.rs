//! Shopify Admin API simulator: a real HTTP server (axum + async-graphql) that behaves like a
//! Shopify shop for connector tests, the demo and `weft sandbox shopify`.
//!
//! What it reproduces (facts: shared/reference/platform-apis.md sections 0, 3 and 9):
//! - `POST /admin/api/{version}/graphql.json` with a real GraphQL schema: products, variants,
//!   inventory items and levels per location (`quantities(names:)`), `inventorySetQuantities` /
//!   `inventoryAdjustQuantities` with `changeFromQuantity` compare-and-set and `@idempotent(key:)`,
//!   orders with line items, discounts, taxes, shipping, transactions and their fulfilment
//!   location, `fulfillmentCreate` with tracking, `refundCreate` with restock to a location,
//!   customers (search by email/phone, create, update), `productSet` (a product with its options
//!   and whole variant list, synchronous), Shopify Payments payouts and balance transactions,
//!   webhook subscriptions; Relay cursor paging and `query:` filters.
//! - Calculated query cost with `extensions.cost` on every answer, a per-shop leaky bucket on the
//!   scaled clock, THROTTLED and MAX_COST_EXCEEDED errors (`cost.rs`).
//! - Webhooks in REST shape, HMAC-signed, retried with back-off (`webhooks.rs`).
//! - `X-Shopify-Access-Token` auth, the fixed `sandbox` token unless `strict_auth`, and the
//!   OAuth token endpoint (`server.rs`).
//! - Seeded from [`crate::seed::Retailer`] (same SKUs and location ids as the Lightspeed side), an
//!   online-order activity generator, and run-time fault injection ([`crate::faults::Faults`], also at `/__sim/faults`).
//!
//! Deliberately not here: the REST Admin API (only its shapes, for webhook bodies), bulk
//! operations, returns, `orderCreate`, asynchronous `productSet`, multi-currency, the CLI.
//!
//! ```no_run
//! # async fn demo() -> Result<(), weft_sim::shopify::ShopifyError> {
//! use weft_sim::shopify::{ShopifyConfig, ShopifySim};
//! let shop = ShopifySim::start(ShopifyConfig::default()).await?;
//! println!("graphql at {}", shop.graphql_url());
//! shop.tick_activity(10);
//! # Ok(()) }
//! ```

mod activity;
mod catalog;
mod cost;
mod customers;
mod model;
mod mutation;
mod orders;
mod paging;
mod payments;
mod product_check;
mod product_set;
mod query;
mod refunds;
mod rest;
mod sales;
mod scalars;
mod seeding;
mod server;
mod shipments;
mod state;
mod store;
mod timefmt;
mod webhooks;

mod running;

pub use cost::{CostLimits, MAX_SINGLE_QUERY_COST, MUTATION_COST};
pub use model::{
    Customer, Fulfillment, LineItem, Order, Payout, Refund, RefundLine, RestockType, money,
};
pub use orders::{NewLine, NewOrder, RefundLineInput, TAX_RATE};
pub use running::{RunningShopify, ShopifyConfig, ShopifyError, ShopifySim};
pub use webhooks::{DeliveryAttempt, MAX_RETRIES, retry_delay_ms, sign as webhook_hmac};
