//! Test source connector: reads the testbed platform's inventory (`tests/testbed.rs`) on the
//! connection "source", so sync-engine tests have a real component reading real HTTP.
//!
//! One stream, `inventory` (readable, lookup):
//! - `read-page(cursor, limit)` asks `GET /source/records?after=<cursor>&limit=<limit>`; the
//!   cursor is the last `seq` seen, as decimal text (none = from the start). Each record becomes
//!   an `inventory-level` with `meta.source-system` "testbed", `source-id` = its key
//!   (`SKU@location`) and `meta.version` = `seq` zero-padded to 20 digits, so versions order as
//!   text. `next-cursor` is the page's last `seq` (none for an empty page: keep the old cursor)
//!   and `has-more` is the server's.
//! - `lookup-records(keys)` asks `GET /source/records?keys=a,b`; missing keys are absent.
//!
//! Failures come from `weft_sdk::http::send_json` as `call-error::failed`. Deliberately not
//! here: writes (use `test-target`), de-duplication of repeated or overlapping pages (the engine's
//! job; this connector hands the platform's pages over as they are), webhooks and timers.

use serde::Deserialize;
use weft_sdk::connector::{CallError, ConnectorInfo, ErrorClass, Failure, Page, StreamInfo};
use weft_sdk::model::{Entity, InventoryLevel, meta};

/// The one stream.
pub const STREAM: &str = "inventory";
/// The connection the operator binds to the testbed.
pub const CONNECTION: &str = "source";
/// `meta.source-system` of every record.
pub const SYSTEM: &str = "testbed";

/// A record as the testbed serves it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WireRecord {
    /// Change sequence number.
    pub seq: u64,
    /// `{sku}@{location}`.
    pub key: String,
    /// Stock keeping unit.
    pub sku: String,
    /// Location id.
    pub location: String,
    /// Available to sell.
    pub available: i64,
}

/// A page as the testbed serves it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WirePage {
    /// Records in seq order.
    pub records: Vec<WireRecord>,
    /// Last seq of the page.
    #[serde(default)]
    pub next: Option<u64>,
    /// More after `next`.
    #[serde(default)]
    pub has_more: bool,
}

/// What the connector offers.
pub fn describe() -> ConnectorInfo {
    ConnectorInfo {
        platform: SYSTEM.into(),
        streams: vec![StreamInfo {
            name: STREAM.into(),
            entity_kind: "inventory-level".into(),
            readable: true,
            writable: false,
            lookup: true,
        }],
        connections: vec![CONNECTION.into()],
    }
}

/// Refuse streams other than [`STREAM`].
pub fn check_stream(stream: &str) -> Result<(), CallError> {
    if stream == STREAM {
        Ok(())
    } else {
        Err(CallError::UnknownStream(format!(
            "test-source has only the stream {STREAM:?}, not {stream:?}"
        )))
    }
}

/// The request path of a page after `cursor`.
pub fn page_path(cursor: Option<&str>, limit: u32) -> Result<String, CallError> {
    match cursor {
        None => Ok(format!("/source/records?limit={limit}")),
        Some(c) => match c.parse::<u64>() {
            Ok(seq) => Ok(format!("/source/records?after={seq}&limit={limit}")),
            Err(_) => Err(CallError::BadCursor(format!(
                "{c:?} is not a testbed cursor (a decimal sequence number)"
            ))),
        },
    }
}

/// The request path of a lookup of `keys`.
pub fn lookup_path(keys: &[String]) -> String {
    let keys: Vec<String> = keys.iter().map(|k| encode(k)).collect();
    format!("/source/records?keys={}", keys.join(","))
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

/// `seq` as a version that orders as text.
pub fn version(seq: u64) -> String {
    format!("{seq:020}")
}

/// One record as an entity.
pub fn entity(record: WireRecord) -> Entity {
    Entity::InventoryLevel(InventoryLevel {
        meta: meta(SYSTEM, &record.key, &version(record.seq)),
        sku: record.sku,
        location: record.location,
        on_hand: record.available,
        available: record.available,
        committed: 0,
    })
}

/// A page body as the connector's page.
pub fn parse_page(body: serde_json::Value) -> Result<Page, CallError> {
    let excerpt: String = body.to_string().chars().take(1024).collect();
    let page: WirePage = serde_json::from_value(body).map_err(|e| {
        CallError::Failed(Failure {
            class: ErrorClass::Permanent,
            message: format!("the testbed source answered an unexpected page: {e}"),
            retry_after_ms: None,
            http_status: Some(200),
            detail: Some(excerpt),
            waiting_for: None,
        })
    })?;
    Ok(Page {
        records: page.records.into_iter().map(entity).collect(),
        next_cursor: page.next.map(|seq| seq.to_string()),
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

    use super::{CONNECTION, check_stream, lookup_path, page_path, parse_page};

    fn get(path: &str) -> Result<serde_json::Value, CallError> {
        let req = http::json_request(CONNECTION, Method::Get, path, None);
        http::send_json(&req).map_err(CallError::Failed)
    }

    struct TestSource;

    impl Connector for TestSource {
        fn describe() -> ConnectorInfo {
            super::describe()
        }

        fn read_page(
            stream: String,
            cursor: Option<String>,
            limit: u32,
        ) -> Result<Page, CallError> {
            check_stream(&stream)?;
            parse_page(get(&page_path(cursor.as_deref(), limit)?)?)
        }

        fn write_batch(
            stream: String,
            _items: Vec<WriteItem>,
        ) -> Result<Vec<Result<Written, Failure>>, CallError> {
            Err(CallError::UnknownStream(format!(
                "test-source cannot write {stream:?}; use test-target"
            )))
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

    weft_sdk::export_connector!(TestSource);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_page_maps_to_inventory_levels_with_text_ordered_versions() {
        let body = json!({"records": [
            {"seq": 9, "key": "SKU-00001@1", "sku": "SKU-00001", "location": "1", "available": 4, "version": "9"},
            {"seq": 10, "key": "SKU-00002@1", "sku": "SKU-00002", "location": "1", "available": -2, "version": "10"}
        ], "next": 10, "has_more": true});
        let page = parse_page(body).unwrap();
        assert_eq!(
            (page.next_cursor.as_deref(), page.has_more),
            (Some("10"), true)
        );
        let Entity::InventoryLevel(first) = &page.records[0] else {
            panic!("{:?}", page.records[0])
        };
        assert_eq!(first.meta.source_system, "testbed");
        assert_eq!(first.meta.source_id, "SKU-00001@1");
        assert_eq!(first.meta.version, "00000000000000000009");
        assert_eq!((first.available, first.on_hand, first.committed), (4, 4, 0));
        let Entity::InventoryLevel(second) = &page.records[1] else {
            panic!()
        };
        assert!(
            first.meta.version < second.meta.version,
            "9 sorts before 10 as text"
        );
    }

    #[test]
    fn an_empty_page_keeps_the_cursor_and_a_bad_body_is_a_permanent_failure() {
        let page = parse_page(json!({"records": [], "next": null, "has_more": false})).unwrap();
        assert_eq!((page.records.len(), page.next_cursor), (0, None));
        match parse_page(json!({"rows": []})) {
            Err(CallError::Failed(f)) => {
                assert_eq!(f.class, ErrorClass::Permanent);
                assert!(f.detail.unwrap().contains("rows"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn paths_carry_the_cursor_and_encoded_keys() {
        assert_eq!(page_path(None, 50).unwrap(), "/source/records?limit=50");
        assert_eq!(
            page_path(Some("42"), 5).unwrap(),
            "/source/records?after=42&limit=5"
        );
        assert!(matches!(
            page_path(Some("x"), 5),
            Err(CallError::BadCursor(_))
        ));
        let keys = ["SKU-1@1".to_string(), "A B@2".to_string()];
        assert_eq!(
            lookup_path(&keys),
            "/source/records?keys=SKU-1%401,A%20B%402"
        );
        assert!(matches!(
            check_stream("orders"),
            Err(CallError::UnknownStream(_))
        ));
        assert_eq!(describe().connections, ["source"]);
    }
}
