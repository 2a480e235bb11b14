//! The Shopify connector: the Admin GraphQL API on the operator's named connection "shopify"
//! (base URL `https://{shop}.myshopify.com/admin/api/{version}`, token injected by the host as
//! `X-Shopify-Access-Token`), webhooks verified with the secret "shopify-webhook".
//!
//! Streams (see each module for the exact semantics):
//!
//! | stream | record | read | write | lookup |
//! |---|---|---|---|---|
//! | `inventory-levels` | inventory-level | by item `updatedAt` | set-quantity, compare-and-set + `@idempotent` | `SKU@location` |
//! | `products` | product | by `updatedAt` | upsert with `productSet`, archive | `product:<sku>` |
//! | `orders` | order | by `updatedAt` | — | — |
//! | `fulfilments` | fulfilment | — | ship with tracking | — |
//! | `refunds` | customer-return | refunds of changed orders | `refundCreate` + `@idempotent` | — |
//! | `customers` | customer | by `updatedAt` | upsert, matched before created | `customer:<email>`, `customer:phone:<phone>` |
//! | `payouts` | payout | by payout | — | — |
//!
//! Money is integer minor units everywhere (`money.rs`); read cursors are `updatedAt` windows
//! (`cursor.rs`); failures are classified in `gql.rs` (THROTTLED is rate-limited with the wait
//! the cost bucket needs). The logic is plain Rust so it is unit-tested natively; only
//! [`export_connector!`](weft_sdk::export_connector) is wasm-only. Deliberately not here: REST
//! Admin calls, bulk operations, OAuth (the host holds the token).

pub mod catalog_cache;
pub mod cursor;
pub mod customers;
pub mod customers_write;
pub mod doc;
pub mod fulfilments;
pub mod gql;
pub mod inventory_check;
pub mod inventory_docs;
pub mod inventory_read;
pub mod inventory_write;
pub mod money;
pub mod orders;
pub mod paged;
pub mod payouts;
pub mod products_match;
pub mod products_read;
pub mod products_write;
pub mod refunds_read;
pub mod refunds_write;
pub mod rest_orders;
pub mod rest_payouts;
pub mod util;
pub mod webhooks;

use weft_sdk::connector::{
    CallError, ChangeEvent, ConnectorInfo, Failure, Page, StreamInfo, WriteItem, Written,
};
use weft_sdk::model::Entity;

/// `(name, entity kind, readable, writable, lookup)` of every stream.
pub const STREAMS: [(&str, &str, bool, bool, bool); 7] = [
    ("inventory-levels", "inventory-level", true, true, true),
    ("products", "product", true, true, true),
    ("orders", "order", true, false, false),
    ("fulfilments", "fulfilment", false, true, false),
    ("refunds", "customer-return", true, true, false),
    ("customers", "customer", true, true, true),
    ("payouts", "payout", true, false, false),
];

/// What `describe` answers.
pub fn info() -> ConnectorInfo {
    ConnectorInfo {
        platform: "shopify".into(),
        streams: STREAMS
            .iter()
            .map(|(name, kind, readable, writable, lookup)| StreamInfo {
                name: name.to_string(),
                entity_kind: kind.to_string(),
                readable: *readable,
                writable: *writable,
                lookup: *lookup,
            })
            .collect(),
        connections: vec![gql::CONNECTION.into()],
    }
}

/// The connector.
pub struct Shopify;

impl weft_sdk::connector::Connector for Shopify {
    fn describe() -> ConnectorInfo {
        info()
    }

    fn read_page(stream: String, cursor: Option<String>, limit: u32) -> Result<Page, CallError> {
        let cursor = cursor.as_deref();
        match stream.as_str() {
            "inventory-levels" => inventory_read::read(cursor, limit),
            "products" => products_read::read(cursor, limit),
            "orders" => orders::read(cursor, limit),
            "refunds" => refunds_read::read(cursor, limit),
            "customers" => customers::read(cursor, limit),
            "payouts" => payouts::read(cursor, limit),
            _ => Err(CallError::UnknownStream(stream)),
        }
    }

    fn write_batch(
        stream: String,
        items: Vec<WriteItem>,
    ) -> Result<Vec<Result<Written, Failure>>, CallError> {
        Ok(match stream.as_str() {
            "inventory-levels" => inventory_write::write(&items),
            "products" => products_write::write(&items),
            "fulfilments" => fulfilments::write(&items),
            "refunds" => refunds_write::write(&items),
            "customers" => customers_write::write(&items),
            _ => return Err(CallError::UnknownStream(stream)),
        })
    }

    fn lookup_records(stream: String, keys: Vec<String>) -> Result<Vec<Entity>, CallError> {
        match stream.as_str() {
            "inventory-levels" => inventory_read::lookup(&keys),
            "products" => products_read::lookup(&keys),
            "customers" => customers::lookup(&keys),
            _ => return Err(CallError::UnknownStream(stream)),
        }
        .map_err(CallError::Failed)
    }

    fn handle_webhook(
        topic: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<Vec<ChangeEvent>, CallError> {
        webhooks::handle(&topic, &headers, &body)
    }

    fn on_timer(_name: String, _payload: Vec<u8>) -> Result<(), CallError> {
        Ok(())
    }
}

#[cfg(target_arch = "wasm32")]
weft_sdk::export_connector!(Shopify);

#[cfg(test)]
mod tests {
    #[test]
    fn describe_lists_every_stream_with_its_flags() {
        let info = super::info();
        assert_eq!(info.connections, vec!["shopify"]);
        let orders = info.streams.iter().find(|s| s.name == "orders").unwrap();
        assert!(orders.readable && !orders.writable && !orders.lookup);
        let levels = &info.streams[0];
        assert!(levels.readable && levels.writable && levels.lookup);
        assert_eq!(info.streams.len(), 7);
    }
}
