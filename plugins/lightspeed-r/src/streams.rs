//! The connector's streams and the dispatch of `describe`, `read-page`, `write-batch` and
//! `lookup-records` to them:
//!
//! | stream | entity | read | write | lookup keys |
//! |---|---|---|---|---|
//! | `inventory-levels` | inventory-level | ItemShop by `timeStamp` | – | `SKU@shopID` |
//! | `products` | product | Item by `timeStamp`, grouped into ItemMatrix | – | – |
//! | `customers` | customer | Customer by `timeStamp` | upsert (match by email, phone, external id) | `customer:<email>`, `customer:phone:<phone>` |
//! | `sales` | order / customer-return | completed Sale by `timeStamp` | – | – |
//! | `orders` | order | – | posts a Sale (with a ShipTo to tick when shipped) | – |
//! | `fulfilments` | fulfilment | shipped ShipTo of a Sale posted from an online order, by `timeStamp` | – | – |
//!
//! Every read cursor is the keyset cursor of `cursor`, which re-reads a second until the server's
//! clock has passed it; so source versions are content-aware ([`content_version`]): the
//! canonical `timeStamp`, `#`, and what changed inside that second (inventory: `qoh` and the
//! committed units; other streams: a digest of the mapped record). The same content always gives
//! the same version (a re-read is a ledger duplicate), different content a different one. A page
//! that re-read rows carries a cursor even when the rewind left it as it was. Attributes the
//! connector emits:
//! `weft.key` (cross-system key where the natural rule cannot match), `lightspeed.item-id`,
//! `lightspeed.ticket-number`, `lightspeed.original-sale-id`, `weft.original-order-key`.
//!
//! Deliberately not here: HTTP details (`client`), paging (`scan`), the record shapes (`wire`).

pub mod customer_write;
pub mod customers;
pub mod fulfilments;
pub mod inventory;
pub mod order_body;
pub mod orders;
pub mod products;
pub mod sales;
pub mod stock_groups;

use weft_sdk::connector::{
    CallError, ConnectorInfo, ErrorClass, Failure, Page, StreamInfo, WriteItem, Written, failure,
};
use weft_sdk::model::{Attribute, Entity, Meta};

use crate::client::{CONNECTION, Client, Env, Level};
use crate::config::Config;
use crate::cursor::Cursor;

/// Stream names.
pub const INVENTORY: &str = "inventory-levels";
/// Products (matrices with their items).
pub const PRODUCTS: &str = "products";
/// Customers.
pub const CUSTOMERS: &str = "customers";
/// Completed sales and refunds.
pub const SALES: &str = "sales";
/// Online orders posted as sales.
pub const ORDERS: &str = "orders";
/// Online orders the shop has shipped.
pub const FULFILMENTS: &str = "fulfilments";

/// The `source-system` of every entity this connector reads.
pub const SYSTEM: &str = "lightspeed-r";

/// What `describe` returns.
pub fn info() -> ConnectorInfo {
    let s = |name: &str, kind: &str, readable, writable, lookup| StreamInfo {
        name: name.into(),
        entity_kind: kind.into(),
        readable,
        writable,
        lookup,
    };
    ConnectorInfo {
        platform: SYSTEM.into(),
        streams: vec![
            s(INVENTORY, "inventory-level", true, false, true),
            s(PRODUCTS, "product", true, false, false),
            s(CUSTOMERS, "customer", true, true, true),
            s(SALES, "order", true, false, false),
            s(ORDERS, "order", false, true, false),
            s(FULFILMENTS, "fulfilment", true, false, false),
        ],
        connections: vec![CONNECTION.into()],
    }
}

fn config(env: &dyn Env) -> Result<Config, CallError> {
    Config::parse(&env.config()).map_err(|e| CallError::Failed(failure(ErrorClass::Permanent, e)))
}

/// `read-page`.
pub fn read_page(
    env: &dyn Env,
    stream: &str,
    cursor: Option<String>,
    limit: u32,
) -> Result<Page, CallError> {
    let config = config(env)?;
    let client = Client::new(env);
    let mut cur = match cursor {
        Some(text) => Cursor::decode(stream, &text).map_err(CallError::BadCursor)?,
        None => Cursor::start(stream),
    };
    let before = cur.clone();
    let want = limit.clamp(1, 1000) as usize;
    let (records, caught_up) = match stream {
        INVENTORY => inventory::read(&client, &config.stock_shops, &mut cur, want),
        PRODUCTS => products::read(&client, &config, &mut cur, want),
        CUSTOMERS => customers::read(&client, &mut cur, want),
        SALES => sales::read(&client, &config, &mut cur, want),
        FULFILMENTS => fulfilments::read(&client, &mut cur, want),
        ORDERS => return Err(CallError::UnknownStream(format!("{ORDERS} is write-only"))),
        other => return Err(CallError::UnknownStream(other.into())),
    }
    .map_err(CallError::Failed)?;
    // A page that re-read an open second can end where it began; the engine still needs a
    // cursor with records.
    Ok(Page {
        next_cursor: (cur != before || !records.is_empty()).then(|| cur.encode()),
        records,
        has_more: !caught_up,
    })
}

/// `write-batch`.
pub fn write_batch(
    env: &dyn Env,
    stream: &str,
    items: Vec<WriteItem>,
) -> Result<Vec<Result<Written, Failure>>, CallError> {
    let config = config(env)?;
    let client = Client::new(env);
    match stream {
        CUSTOMERS => Ok(customer_write::write(&client, items)),
        ORDERS => Ok(orders::write(&client, &config, items)),
        INVENTORY | PRODUCTS | SALES | FULFILMENTS => Err(CallError::UnknownStream(format!(
            "{stream} is read-only in lightspeed-r"
        ))),
        other => Err(CallError::UnknownStream(other.into())),
    }
}

/// `lookup-records`.
pub fn lookup(env: &dyn Env, stream: &str, keys: Vec<String>) -> Result<Vec<Entity>, CallError> {
    let config = config(env)?;
    let client = Client::new(env);
    match stream {
        INVENTORY => inventory::lookup(&client, &config.stock_shops, &keys),
        CUSTOMERS => customers::lookup(&client, &keys),
        PRODUCTS | SALES | ORDERS | FULFILMENTS => {
            return Err(CallError::UnknownStream(format!(
                "{stream} has no lookup in lightspeed-r"
            )));
        }
        other => return Err(CallError::UnknownStream(other.into())),
    }
    .map_err(CallError::Failed)
}

/// Run `one` for each item, in order; after a rate-limited failure the remaining items fail the
/// same way without being sent (the bucket is empty; sending more only lengthens the wait).
pub fn each_item(
    client: &Client<'_>,
    items: Vec<WriteItem>,
    mut one: impl FnMut(&WriteItem) -> Result<Written, Failure>,
) -> Vec<Result<Written, Failure>> {
    let mut throttled: Option<Failure> = None;
    let mut out = Vec::with_capacity(items.len());
    for item in &items {
        if let Some(f) = &throttled {
            out.push(Err(f.clone()));
            continue;
        }
        let result = one(item);
        if let Err(f) = &result {
            let msg = format!(
                "write {}: {:?} {}",
                item.idempotency_key, f.class, f.message
            );
            client.log(Level::Info, &msg);
            if f.class == ErrorClass::RateLimited {
                throttled = Some(f.clone());
            }
        }
        out.push(result);
    }
    out
}

/// Provenance of a Lightspeed record.
pub fn meta(source_id: impl Into<String>, version: &str) -> Meta {
    Meta {
        source_system: SYSTEM.into(),
        source_id: source_id.into(),
        version: crate::time::canonical(version),
        external_ids: Vec::new(),
        attributes: Vec::new(),
    }
}

/// A content-aware source version: `{canonical timeStamp}#{16 hex digits}`, the digits an FNV-1a
/// hash of `content`'s JSON (the mapped record, whose own version is still the bare timeStamp).
/// Deterministic: the same content and stamp always give the same version.
pub fn content_version<T: serde::Serialize>(time_stamp: &str, content: &T) -> String {
    let json = serde_json::to_vec(content).unwrap_or_default();
    let hash = json.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{}#{hash:016x}", crate::time::canonical(time_stamp))
}

/// A name/value attribute.
pub fn attr(name: &str, value: impl Into<String>) -> Attribute {
    Attribute {
        name: name.into(),
        value: value.into(),
    }
}

/// A permanent failure about one record.
pub fn permanent(message: impl Into<String>) -> Failure {
    failure(ErrorClass::Permanent, message)
}

#[cfg(test)]
mod read_tests;
#[cfg(test)]
mod reread_tests;
#[cfg(test)]
mod write_tests;
