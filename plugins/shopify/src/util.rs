//! Small shared helpers: Shopify global ids (`gid://shopify/Order/123` <-> `123`), JSON field
//! access by pointer with typed errors, GraphQL string literals, failures, and the record keys the
//! sync engine derives (so change events name the same keys the engine uses).
//!
//! Deliberately no I/O here.

use serde_json::Value;
use weft_sdk::connector::{ErrorClass, Failure, failure};
use weft_sdk::model::{Attribute, ExternalId, Meta};

/// The system name this connector reads as and writes to.
pub const SYSTEM: &str = "shopify";

/// `gid://shopify/{kind}/{id}`.
pub fn gid(kind: &str, id: &str) -> String {
    format!("gid://shopify/{kind}/{id}")
}

/// The numeric id at the end of a global id (query parameters dropped); plain numbers pass.
pub fn legacy_id(gid: &str) -> &str {
    let tail = gid.rsplit('/').next().unwrap_or(gid);
    tail.split('?').next().unwrap_or(tail)
}

/// True for a non-empty all-digit string (a Shopify numeric id).
pub fn is_numeric_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The string at `pointer` (`/a/b/0/c`), if present.
pub fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// The string at `pointer`, or an error naming the field.
pub fn need_str<'a>(v: &'a Value, pointer: &str) -> Result<&'a str, String> {
    str_at(v, pointer).ok_or_else(|| format!("field {pointer} is missing"))
}

/// An integer at `pointer` (a JSON number or a numeric string, as REST and GraphQL differ).
pub fn int_at(v: &Value, pointer: &str) -> Option<i64> {
    match v.pointer(pointer)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// An id at `pointer` as text (REST ids are numbers, GraphQL ids strings).
pub fn id_at(v: &Value, pointer: &str) -> Option<String> {
    match v.pointer(pointer)? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(legacy_id(s).to_string()),
        _ => None,
    }
}

/// The array at `pointer`, or an empty slice.
pub fn list_at<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// A GraphQL string literal (JSON escaping is valid GraphQL string escaping).
pub fn literal(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

/// A search term value, quoted: `sku:"ABC-1"`. Quotes and backslashes inside are dropped
/// because the search syntax has no escape for them.
pub fn search(field: &str, value: &str) -> String {
    let clean: String = value.chars().filter(|c| !matches!(c, '"' | '\\')).collect();
    format!("{field}:\"{clean}\"")
}

/// A permanent failure.
pub fn permanent(message: impl Into<String>) -> Failure {
    failure(ErrorClass::Permanent, message)
}

/// A dependency-missing failure waiting for `key`.
pub fn waiting(message: impl Into<String>, key: String) -> Failure {
    let mut f = failure(ErrorClass::DependencyMissing, message);
    f.waiting_for = Some(key);
    f
}

/// Provenance of a record read from Shopify.
pub fn meta(id: &str, version: &str, gid: Option<&str>) -> Meta {
    Meta {
        source_system: SYSTEM.into(),
        source_id: id.into(),
        version: version.into(),
        external_ids: gid
            .map(|g| ExternalId {
                system: SYSTEM.into(),
                id: g.into(),
            })
            .into_iter()
            .collect(),
        attributes: Vec::new(),
    }
}

/// An extension attribute.
pub fn attr(name: &str, value: impl Into<String>) -> Attribute {
    Attribute {
        name: name.into(),
        value: value.into(),
    }
}

/// The key the sync engine gives an inventory level.
pub fn level_key(sku: &str, location: &str) -> String {
    format!("{sku}@{location}")
}

/// The key the sync engine gives a record of `kind` read from Shopify: `order:shopify:123`.
pub fn source_key(kind: &str, id: &str) -> String {
    format!("{kind}:{SYSTEM}:{id}")
}

/// The Shopify id this record has in `meta.external-ids`, if any.
pub fn shopify_id(meta: &Meta, kind: &str) -> Option<String> {
    let prefix = format!("gid://shopify/{kind}/");
    meta.external_ids
        .iter()
        .filter(|e| e.system == SYSTEM)
        .find_map(|e| {
            if e.id.starts_with(&prefix) {
                Some(e.id.clone())
            } else if is_numeric_id(&e.id) {
                Some(gid(kind, &e.id))
            } else {
                None
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_fields_and_literals() {
        assert_eq!(legacy_id("gid://shopify/Order/450789469"), "450789469");
        assert_eq!(
            legacy_id("gid://shopify/InventoryLevel/1001?inventory_item_id=7"),
            "1001"
        );
        assert_eq!(legacy_id("42"), "42");
        let v = json!({"a": {"id": 12, "g": "gid://shopify/Location/1001", "n": "7", "l": [1]}});
        assert_eq!(id_at(&v, "/a/id").as_deref(), Some("12"));
        assert_eq!(id_at(&v, "/a/g").as_deref(), Some("1001"));
        assert_eq!(int_at(&v, "/a/n"), Some(7));
        assert_eq!(list_at(&v, "/a/l").len(), 1);
        assert!(list_at(&v, "/a/none").is_empty());
        assert_eq!(literal("k\"1"), "\"k\\\"1\"");
        assert_eq!(search("sku", "TEE \"1\""), "sku:\"TEE 1\"");
        assert_eq!(source_key("order", "9"), "order:shopify:9");
        let mut m = meta("1", "v", None);
        m.external_ids.push(ExternalId {
            system: "shopify".into(),
            id: "77".into(),
        });
        assert_eq!(
            shopify_id(&m, "Customer").as_deref(),
            Some("gid://shopify/Customer/77")
        );
    }
}
