//! Test target connector: writes inventory to the testbed platform (`tests/testbed.rs`) on the
//! connection "target", so sync-engine tests have a real component whose failures are classified
//! the way platform connectors classify theirs.
//!
//! One stream, `inventory` (writable, lookup, readable for reconciliation):
//! - `write-batch` sends one `POST /target/write` for the batch, each item with its idempotency
//!   key, its key `{sku}@{location}`, the source version, `available` and `expected-version`;
//!   the request is marked idempotent (it carries keys), so the host may retry it. Answers map to
//!   one result per item (see [`write`]); a transport failure (timeout, refused connection) fails
//!   the whole call as `call-error::failed` (transient for timeouts and connection failures).
//! - `lookup-records(keys)` asks `GET /target/records?keys=a,b`.
//! - `read-page(cursor, limit)` asks `GET /target/all?after=<key>&limit=<n>`: the cursor is the
//!   last key read, records come in key order.
//!
//! Records read back are `inventory-level`s with `meta.source-system` "testbed-target",
//! `source-id` = the key and `meta.version` = the target's version (what `expected-version` must
//! name), the source version and target id as attributes. Deliberately not here: deletes, other
//! entity kinds, webhooks and timers.

pub mod write;

use serde::Deserialize;
use weft_sdk::connector::{CallError, ConnectorInfo, ErrorClass, Failure, Page, StreamInfo};
use weft_sdk::model::{Attribute, Entity, ExternalId, InventoryLevel, meta};

/// The one stream.
pub const STREAM: &str = "inventory";
/// The connection the operator binds to the testbed.
pub const CONNECTION: &str = "target";
/// `meta.source-system` of records read back.
pub const SYSTEM: &str = "testbed-target";

/// A record as the testbed target holds it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WireRecord {
    /// `{sku}@{location}`.
    pub key: String,
    /// Stock keeping unit.
    pub sku: String,
    /// Location id.
    pub location: String,
    /// Available quantity.
    pub available: i64,
    /// Source version last written.
    pub source_version: String,
    /// Id at the target.
    pub target_id: String,
    /// Version at the target.
    pub target_version: String,
}

#[derive(Debug, Deserialize)]
struct WirePage {
    records: Vec<WireRecord>,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    has_more: bool,
}

/// What the connector offers.
pub fn describe() -> ConnectorInfo {
    ConnectorInfo {
        platform: "testbed".into(),
        streams: vec![StreamInfo {
            name: STREAM.into(),
            entity_kind: "inventory-level".into(),
            readable: true,
            writable: true,
            lookup: true,
        }],
        connections: vec![CONNECTION.into()],
    }
}

/// Refuse streams other than [`STREAM`].
pub fn check_stream(stream: &str) -> Result<(), CallError> {
    if stream == STREAM {
        return Ok(());
    }
    Err(CallError::UnknownStream(format!(
        "test-target has only the stream {STREAM:?}, not {stream:?}"
    )))
}

/// Percent-encode everything but unreserved characters.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The path of a full-read page after key `cursor`.
pub fn page_path(cursor: Option<&str>, limit: u32) -> String {
    match cursor {
        None => format!("/target/all?limit={limit}"),
        Some(key) => format!("/target/all?after={}&limit={limit}", encode(key)),
    }
}

/// The path of a lookup of `keys`.
pub fn lookup_path(keys: &[String]) -> String {
    let keys: Vec<String> = keys.iter().map(|k| encode(k)).collect();
    format!("/target/records?keys={}", keys.join(","))
}

/// One target record as an entity.
pub fn entity(record: WireRecord) -> Entity {
    let mut meta = meta(SYSTEM, &record.key, &record.target_version);
    meta.external_ids.push(ExternalId {
        system: SYSTEM.into(),
        id: record.target_id.clone(),
    });
    for (name, value) in [
        ("source-version", record.source_version),
        ("target-id", record.target_id),
    ] {
        meta.attributes.push(Attribute {
            name: name.into(),
            value,
        });
    }
    Entity::InventoryLevel(InventoryLevel {
        meta,
        sku: record.sku,
        location: record.location,
        on_hand: record.available,
        available: record.available,
        committed: 0,
    })
}

/// A `/target/all` or `/target/records` body as a page (lookups have no `next`).
pub fn parse_page(body: serde_json::Value) -> Result<Page, CallError> {
    let detail = write::excerpt(&body.to_string());
    let page: WirePage = serde_json::from_value(body).map_err(|e| {
        CallError::Failed(Failure {
            http_status: Some(200),
            detail: Some(detail),
            ..weft_sdk::connector::failure(
                ErrorClass::Permanent,
                format!("the testbed target answered unexpected JSON: {e}"),
            )
        })
    })?;
    Ok(Page {
        records: page.records.into_iter().map(entity).collect(),
        next_cursor: page.next,
        has_more: page.has_more,
    })
}

#[cfg(target_arch = "wasm32")]
mod component {
    use weft_sdk::connector::{
        CallError, ChangeEvent, Connector, ConnectorInfo, Failure, Page, WriteItem, Written,
    };
    use weft_sdk::http::{self, Method};
    use weft_sdk::model::Entity;

    use super::{CONNECTION, check_stream, lookup_path, page_path, parse_page, write};

    fn get(path: &str) -> Result<serde_json::Value, CallError> {
        let req = http::json_request(CONNECTION, Method::Get, path, None);
        http::send_json(&req).map_err(CallError::Failed)
    }

    struct TestTarget;

    impl Connector for TestTarget {
        fn describe() -> ConnectorInfo {
            super::describe()
        }

        fn read_page(
            stream: String,
            cursor: Option<String>,
            limit: u32,
        ) -> Result<Page, CallError> {
            check_stream(&stream)?;
            parse_page(get(&page_path(cursor.as_deref(), limit))?)
        }

        fn write_batch(
            stream: String,
            items: Vec<WriteItem>,
        ) -> Result<Vec<Result<Written, Failure>>, CallError> {
            check_stream(&stream)?;
            let prepared = write::prepare(&items);
            if !prepared.sends_anything() {
                // Every item was refused here: answer as if the target took none of them.
                return write::map_response(prepared.slots, 200, None, br#"{"results":[]}"#);
            }
            let path = "/target/write";
            let mut req = http::json_request(CONNECTION, Method::Post, path, Some(&prepared.body));
            req.idempotent = true;
            let resp = http::send(&req)
                .map_err(|e| CallError::Failed(http::transport_failure("POST /target/write", e)))?;
            let retry_after = write::retry_after_header_ms(http::header(&resp, "retry-after"));
            write::map_response(prepared.slots, resp.status, retry_after, &resp.body)
        }

        fn lookup_records(stream: String, keys: Vec<String>) -> Result<Vec<Entity>, CallError> {
            check_stream(&stream)?;
            if keys.is_empty() {
                return Ok(Vec::new());
            }
            Ok(parse_page(get(&lookup_path(&keys))?)?.records)
        }

        fn handle_webhook(
            _topic: String,
            _headers: Vec<(String, String)>,
            _body: Vec<u8>,
        ) -> Result<Vec<ChangeEvent>, CallError> {
            Ok(Vec::new())
        }

        fn on_timer(_name: String, _payload: Vec<u8>) -> Result<(), CallError> {
            Ok(())
        }
    }

    weft_sdk::export_connector!(TestTarget);
}

#[cfg(test)]
mod tests;
