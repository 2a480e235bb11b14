//! How the engine identifies an entity across systems, and the conversions between the
//! canonical [`Entity`] and the sync engine's opaque [`SyncRecord`].
//!
//! Keys are what idempotency keys, the ledger, dependency waits and the reconciliation join on,
//! so both ends of a flow must produce the same key for the same thing:
//!
//! - an attribute named `weft.key` in `meta.attributes` wins (connectors set it where the
//!   natural rule cannot match, e.g. a POS sale posted from an online order);
//! - inventory level: `{sku}@{location}`; price: `{sku}@{list}`;
//! - product: `product:{sku of its first variant}`;
//! - customer: `customer:{lower-case email}`, else `customer:phone:{phone}`;
//! - anything else: `{kind}:{source-system}:{source-id}`.
//!
//! This module does not look anything up; it only reads the entity.

use serde_json::Value;
use weft_sync::SyncRecord;
use weft_world::types::{Entity, Meta};

/// The attribute that overrides the derived key.
pub const KEY_ATTRIBUTE: &str = "weft.key";

/// The entity's meta.
pub fn meta(entity: &Entity) -> &Meta {
    match entity {
        Entity::Product(e) => &e.meta,
        Entity::Price(e) => &e.meta,
        Entity::InventoryLevel(e) => &e.meta,
        Entity::Location(e) => &e.meta,
        Entity::Customer(e) => &e.meta,
        Entity::Order(e) => &e.meta,
        Entity::Fulfilment(e) => &e.meta,
        Entity::CustomerReturn(e) => &e.meta,
        Entity::Payout(e) => &e.meta,
    }
}

/// The entity kind in WIT spelling ("inventory-level").
pub fn kind(entity: &Entity) -> &'static str {
    match entity {
        Entity::Product(_) => "product",
        Entity::Price(_) => "price",
        Entity::InventoryLevel(_) => "inventory-level",
        Entity::Location(_) => "location",
        Entity::Customer(_) => "customer",
        Entity::Order(_) => "order",
        Entity::Fulfilment(_) => "fulfilment",
        Entity::CustomerReturn(_) => "customer-return",
        Entity::Payout(_) => "payout",
    }
}

/// The entity's cross-system key (see the module doc).
pub fn entity_key(entity: &Entity) -> String {
    let m = meta(entity);
    if let Some(a) = m.attributes.iter().find(|a| a.name == KEY_ATTRIBUTE) {
        return a.value.clone();
    }
    let fallback = || format!("{}:{}:{}", kind(entity), m.source_system, m.source_id);
    match entity {
        Entity::InventoryLevel(l) => format!("{}@{}", l.sku, l.location),
        Entity::Price(p) => format!("{}@{}", p.sku, p.list_id),
        Entity::Product(p) => match p.variants.first() {
            Some(v) => format!("product:{}", v.sku),
            None => fallback(),
        },
        Entity::Customer(c) => match (&c.email, &c.phone) {
            (Some(email), _) if !email.is_empty() => format!("customer:{}", email.to_lowercase()),
            (_, Some(phone)) if !phone.is_empty() => format!("customer:phone:{phone}"),
            _ => fallback(),
        },
        _ => fallback(),
    }
}

/// What a confirmed write of `entity` makes available to records waiting on it: `sku:{sku}` for
/// every SKU it carries and its own key.
pub fn provides(entity: &Entity) -> Vec<String> {
    let mut out = vec![entity_key(entity)];
    match entity {
        Entity::Product(p) => out.extend(p.variants.iter().map(|v| format!("sku:{}", v.sku))),
        Entity::InventoryLevel(l) => out.push(format!("sku:{}", l.sku)),
        Entity::Price(p) => out.push(format!("sku:{}", p.sku)),
        _ => {}
    }
    out
}

/// The entity as a sync record: its key, its source version and its JSON.
pub fn to_record(entity: &Entity) -> SyncRecord {
    SyncRecord {
        key: entity_key(entity),
        version: meta(entity).version.clone(),
        payload: serde_json::to_value(entity).unwrap_or(Value::Null),
    }
}

/// A sync record with the entity's key and version but no payload: the engine keeps the entity
/// beside the page and only serializes it for records that park or wait (see [`fill_payload`]).
pub fn stub(entity: &Entity) -> SyncRecord {
    SyncRecord {
        key: entity_key(entity),
        version: meta(entity).version.clone(),
        payload: Value::Null,
    }
}

/// Give a stub its entity's JSON.
pub fn fill_payload(record: &mut SyncRecord, entity: &Entity) {
    if record.payload.is_null() {
        record.payload = serde_json::to_value(entity).unwrap_or(Value::Null);
    }
}

/// The entity a sync record carries, or why its payload is not one.
pub fn from_record(record: &SyncRecord) -> Result<Entity, String> {
    use serde::Deserialize as _;
    Entity::deserialize(&record.payload).map_err(|e| {
        format!(
            "record {} does not hold an entity of the canonical model: {e}",
            record.key
        )
    })
}

/// The entity's fields as a JSON object without the kind wrapper and without `meta`, for
/// reconciliation: provenance (source system, ids, versions) always differs between two systems,
/// so it is never drift.
pub fn fields(record: &SyncRecord) -> Value {
    let mut inner = match &record.payload {
        Value::Object(map) if map.len() == 1 => map.values().next().cloned().unwrap_or(Value::Null),
        other => other.clone(),
    };
    if let Value::Object(map) = &mut inner {
        map.remove("meta");
    }
    inner
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_world::types::{Attribute, Customer, InventoryLevel};

    fn meta(version: &str) -> Meta {
        Meta {
            source_system: "lightspeed-r".into(),
            source_id: "7".into(),
            version: version.into(),
            external_ids: vec![],
            attributes: vec![],
        }
    }

    fn level() -> Entity {
        Entity::InventoryLevel(InventoryLevel {
            meta: meta("3"),
            sku: "TEE-M".into(),
            location: "1001".into(),
            on_hand: 4,
            available: 4,
            committed: 0,
        })
    }

    #[test]
    fn inventory_is_keyed_by_sku_and_location_and_round_trips() {
        let r = to_record(&level());
        assert_eq!((r.key.as_str(), r.version.as_str()), ("TEE-M@1001", "3"));
        assert_eq!(from_record(&r).unwrap(), level());
        assert_eq!(fields(&r)["available"], 4);
        assert!(provides(&level()).contains(&"sku:TEE-M".to_string()));
    }

    #[test]
    fn customers_join_on_lower_case_email_and_the_override_wins() {
        let mut c = Customer {
            meta: meta("1"),
            email: Some("Ann@Example.com".into()),
            phone: Some("+15550100".into()),
            first_name: "Ann".into(),
            last_name: "Lee".into(),
            customer_type: None,
        };
        assert_eq!(
            entity_key(&Entity::Customer(c.clone())),
            "customer:ann@example.com"
        );
        c.email = None;
        assert_eq!(
            entity_key(&Entity::Customer(c.clone())),
            "customer:phone:+15550100"
        );
        c.meta.attributes.push(Attribute {
            name: KEY_ATTRIBUTE.into(),
            value: "order:shopify:9".into(),
        });
        assert_eq!(entity_key(&Entity::Customer(c)), "order:shopify:9");
    }

    #[test]
    fn a_payload_that_is_not_an_entity_is_refused_with_its_key() {
        let r = SyncRecord::new("K1", "1", serde_json::json!({"nope": 1}));
        assert!(from_record(&r).unwrap_err().contains("K1"));
    }
}
