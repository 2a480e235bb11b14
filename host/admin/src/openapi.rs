//! The OpenAPI 3.1 description of the admin API. It is written by hand in `openapi.json` (read
//! it there); a test checks that every served route, and nothing else, is in it.
//!
//! It is not generated from the handlers, so a change to a route's shape must be made in both
//! places; the test only guards the list of routes, not every schema.

use serde_json::Value;

const DOCUMENT: &str = include_str!("openapi.json");

/// The OpenAPI document, with `info.version` set to this crate's version.
pub fn openapi() -> Value {
    let mut doc: Value = serde_json::from_str(DOCUMENT).expect("openapi.json is valid JSON");
    doc["info"]["version"] = Value::String(env!("CARGO_PKG_VERSION").into());
    doc
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_parses_and_is_openapi_3_1() {
        let doc = super::openapi();
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["paths"].as_object().is_some_and(|p| !p.is_empty()));
    }
}
