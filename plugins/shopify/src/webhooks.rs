//! `handle-webhook`: verify a Shopify delivery, then turn its REST body into change events.
//!
//! Verification comes first and is all-or-nothing: `X-Shopify-Hmac-Sha256` must be the base64
//! HMAC-SHA256 of the raw body with the app secret, checked by the host in constant time through
//! the secrets capability (secret name [`SECRET`]; the guest never sees the key). A missing or
//! wrong signature is `unverified-webhook` and nothing is decoded.
//!
//! Topics: `orders/create` and `orders/updated` -> stream `orders`, key `order:shopify:<id>`;
//! `refunds/create` -> stream `refunds`, key `customer-return:shopify:<refund id>`;
//! `inventory_levels/update` -> stream `inventory-levels`, key `{sku}@{location}` (the SKU from
//! the cached item mapping or one query; the body lacks on-hand and committed, so the engine reads
//! the level through lookup). The record rides along when complete (`rest_orders.rs`). The event
//! id is `X-Shopify-Webhook-Id`, the same on every retry of a delivery. Other topics produce no
//! events. Deliberately not here: subscription management.

use serde_json::Value;
use weft_sdk::connector::{CallError, ChangeEvent, ErrorClass, failure};
use weft_sdk::model::Entity;
use weft_sdk::secrets::{self, Encoding};

use crate::catalog_cache;
use crate::rest_orders::{self, order_complete, refund_complete};
use crate::util::{level_key, permanent, source_key, str_at};

/// The secret the operator binds to the app's client secret.
pub const SECRET: &str = "shopify-webhook";

/// A header value, case-insensitively.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// Verify the signature; `Err` is the call's answer.
pub fn verify(headers: &[(String, String)], body: &[u8]) -> Result<(), CallError> {
    let Some(sig) = header(headers, "x-shopify-hmac-sha256").filter(|s| !s.is_empty()) else {
        return Err(CallError::UnverifiedWebhook(
            "no X-Shopify-Hmac-Sha256 header".into(),
        ));
    };
    match secrets::verify(SECRET, body, sig, Encoding::Base64) {
        Ok(true) => Ok(()),
        Ok(false) => Err(CallError::UnverifiedWebhook(
            "X-Shopify-Hmac-Sha256 does not match the body".into(),
        )),
        Err(secrets::Error::Malformed(m)) => Err(CallError::UnverifiedWebhook(format!(
            "X-Shopify-Hmac-Sha256 is not base64: {m}"
        ))),
        Err(secrets::Error::Denied(m)) => Err(CallError::Failed(permanent(format!(
            "secret {SECRET:?} is not granted to this deployment: {m}"
        )))),
    }
}

fn event(stream: &str, key: String, entity: Option<Entity>, id: Option<&str>) -> ChangeEvent {
    ChangeEvent {
        stream_name: stream.into(),
        key,
        entity,
        event_id: id.map(str::to_string),
    }
}

/// Decode an order or refund body (no I/O). `fallback_currency` is asked for only when a refund
/// names no currency.
pub fn decode(
    topic: &str,
    body: &Value,
    event_id: Option<&str>,
    fallback_currency: impl FnOnce() -> Result<String, String>,
) -> Result<Vec<ChangeEvent>, String> {
    match topic {
        "orders/create" | "orders/updated" => {
            let o = rest_orders::order(body)?;
            let key = source_key("order", &o.meta.source_id);
            let entity = order_complete(&o).then_some(Entity::Order(o));
            Ok(vec![event("orders", key, entity, event_id)])
        }
        "refunds/create" => {
            let fallback = match str_at(body, "/transactions/0/currency") {
                Some(c) => c.to_string(),
                None => fallback_currency()?,
            };
            let r = rest_orders::refund(body, &fallback)?;
            let key = source_key("customer-return", &r.meta.source_id);
            let entity = refund_complete(&r).then_some(Entity::CustomerReturn(r));
            Ok(vec![event("refunds", key, entity, event_id)])
        }
        _ => Ok(Vec::new()),
    }
}

/// The whole `handle-webhook` call.
pub fn handle(
    topic: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<Vec<ChangeEvent>, CallError> {
    verify(headers, body)?;
    let topic = match topic.trim() {
        "" => header(headers, "x-shopify-topic").unwrap_or(""),
        t => t,
    };
    let event_id = header(headers, "x-shopify-webhook-id");
    let json: Value = serde_json::from_slice(body).map_err(|e| {
        CallError::Failed(permanent(format!("webhook {topic}: body is not JSON: {e}")))
    })?;
    if topic == "inventory_levels/update" {
        let level = rest_orders::inventory_level(&json)
            .map_err(|e| CallError::Failed(permanent(format!("webhook {topic}: {e}"))))?;
        let sku = catalog_cache::sku_of_item(&level.item_id).map_err(CallError::Failed)?;
        let Some(sku) = sku else {
            weft_sdk::log::info(&format!(
                "webhook {topic}: inventory item {} has no SKU; ignored",
                level.item_id
            ));
            return Ok(Vec::new());
        };
        let key = level_key(&sku, &level.location_id);
        return Ok(vec![event("inventory-levels", key, None, event_id)]);
    }
    let fallback = || catalog_cache::currency().map_err(|f| f.message);
    decode(topic, &json, event_id, fallback).map_err(|e| {
        CallError::Failed(failure(
            ErrorClass::Permanent,
            format!("webhook {topic}: {e}"),
        ))
    })
}
