//! Retail map: the agency's mapping step between Lightspeed Retail (shops "1", "2", "3") and
//! Shopify (locations "1001", "1002", "1003"). One deployment maps one direction; the reverse flow
//! deploys it again with the reverse `locations`.
//!
//! What it does, in this order, to every record of a batch:
//! 1. `kinds`: a record whose entity kind is not listed is dropped, with a reason naming its kind.
//! 2. `returns-of`: a customer-return passes only when its meta attribute
//!    `weft.original-order-key` (set by the Lightspeed connector, `plugins/lightspeed-r/src/
//!    streams/sales.rs`) starts with `order:<system>:`; its `original-order-ref` becomes the id
//!    after that prefix. Any other return is dropped ("return of <key> is not of a <system>
//!    order"). Other kinds are not affected.
//! 3. `locations`: renames the location id of inventory levels (`location`), orders (`location`,
//!    when set) and returns (`restock-location`, when set). A record whose location is not in
//!    the map is dropped with the reason `location <x> is not mapped (mapped: 1, 2, 3)`, or kept
//!    unchanged (`"unmapped": "keep"`), or failed with that reason so it parks
//!    (`"unmapped": "fail"`). An empty or absent map renames nothing.
//! 4. `clear-restock`: when `true`, a return's `restock-location` is removed, so the target
//!    records the refund without restocking. Use it when the source system is the stock master
//!    and has already restocked the goods (Lightspeed shops): the target's stock then follows
//!    through the stock flow instead of being counted twice.
//!
//! Config (per deployment, every key optional, unknown keys refused):
//! ```json
//! { "locations": {"1": "1001", "2": "1002", "3": "1003"}, "unmapped": "drop",
//!   "kinds": ["customer-return"], "returns-of": "shopify",
//!   "clear-restock": false }
//! ```
//! A config that does not parse makes `map-batch` fail as a whole (nothing is mapped) with a
//! message naming the key and what it allows.
//!
//! Deliberately not done here:
//! - Fulfilments, products, prices, customers, payouts and location records carry no location id
//!   in the canonical model (a fulfilment has none), so the location map never renames, drops or
//!   fails them; a `location` record keeps its own id.
//! - Nothing is looked up: whether a mapped location exists in Shopify, or whether the original
//!   order of a return has been synced, is the connectors' and the engine's business
//!   (dependency waits).
//! - Two shops mapped onto one location are not refused; for inventory levels that makes their
//!   stock overwrite each other at the target, so do not configure it for inventory flows.
//! - `original-order-ref` is set to the id exactly as it appears in the key; no id formats are
//!   converted (a Shopify gid stays a gid).
//! - SKUs, prices, quantities and money are never touched.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::Value;
use weft_sdk::model::{CustomerReturn, Entity};
use weft_sdk::transform::Outcome;

/// Entity kinds in WIT spelling, as `kinds` names them.
pub const KINDS: [&str; 9] = [
    "product",
    "price",
    "inventory-level",
    "location",
    "customer",
    "order",
    "fulfilment",
    "customer-return",
    "payout",
];

/// The config keys, in documentation order.
pub const KEYS: [&str; 5] = [
    "locations",
    "unmapped",
    "kinds",
    "returns-of",
    "clear-restock",
];

/// The attribute the Lightspeed connector puts on a return: the entity key of its original order.
pub const ORIGINAL_ORDER_KEY: &str = "weft.original-order-key";

/// What happens to a record whose location is not in a non-empty `locations` map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unmapped {
    /// Dropped with a reason (the default).
    #[default]
    Drop,
    /// Passed on unchanged.
    Keep,
    /// Failed with the reason, so it parks.
    Fail,
}

/// The deployment's configuration, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// Location id renames, from -> to.
    pub locations: BTreeMap<String, String>,
    /// What to do with a location not in `locations`.
    pub unmapped: Unmapped,
    /// The entity kinds passed; `None` passes every kind.
    pub kinds: Option<Vec<String>>,
    /// Pass only returns of orders of this system.
    pub returns_of: Option<String>,
    /// Remove returns' restock location.
    pub clear_restock: bool,
}

fn key<T: DeserializeOwned>(name: &str, value: Value, expected: &str) -> Result<T, String> {
    serde_json::from_value(value)
        .map_err(|e| format!("retail-map config: `{name}` must be {expected} ({e})"))
}

impl Config {
    /// Parse and check a config document; the error names the key and what it allows.
    pub fn parse(json: &str) -> Result<Config, String> {
        let doc: Value = serde_json::from_str(json)
            .map_err(|e| format!("retail-map config is not JSON: {e}"))?;
        let Value::Object(doc) = doc else {
            return Err(format!(
                "retail-map config must be a JSON object with the keys {}",
                KEYS.join(", ")
            ));
        };
        let mut config = Config::default();
        for (name, value) in doc {
            match name.as_str() {
                "locations" => {
                    config.locations = key(
                        &name,
                        value,
                        "an object of location id to location id, both strings, e.g. {\"1\": \"1001\"}",
                    )?;
                    if let Some((from, to)) = config
                        .locations
                        .iter()
                        .find(|(from, to)| from.is_empty() || to.is_empty())
                    {
                        return Err(format!(
                            "retail-map config: `locations` maps {from:?} to {to:?}; location ids must not be empty"
                        ));
                    }
                }
                "unmapped" => {
                    let allowed = "one of \"drop\" (the default), \"keep\", \"fail\"";
                    let text: String = key(&name, value, allowed)?;
                    config.unmapped = match text.as_str() {
                        "drop" => Unmapped::Drop,
                        "keep" => Unmapped::Keep,
                        "fail" => Unmapped::Fail,
                        other => {
                            return Err(format!(
                                "retail-map config: `unmapped` is {other:?}; it must be {allowed}"
                            ));
                        }
                    };
                }
                "kinds" => {
                    let allowed = format!("a list of entity kinds out of {}", KINDS.join(", "));
                    let kinds: Vec<String> = key(&name, value, &allowed)?;
                    if let Some(bad) = kinds.iter().find(|k| !KINDS.contains(&k.as_str())) {
                        return Err(format!(
                            "retail-map config: `kinds` names {bad:?}, which is not an entity kind; it must be {allowed}"
                        ));
                    }
                    if kinds.is_empty() {
                        return Err(format!(
                            "retail-map config: `kinds` is empty, which would drop everything; leave it out to pass every kind, or make it {allowed}"
                        ));
                    }
                    config.kinds = Some(kinds);
                }
                "returns-of" => {
                    let expected = "a system name such as \"shopify\"";
                    let system: String = key(&name, value, expected)?;
                    if system.is_empty() || system.contains(':') {
                        return Err(format!(
                            "retail-map config: `returns-of` is {system:?}; it must be {expected} (not empty, no ':')"
                        ));
                    }
                    config.returns_of = Some(system);
                }
                "clear-restock" => {
                    config.clear_restock = key(&name, value, "true or false")?;
                }
                other => {
                    return Err(format!(
                        "retail-map config: unknown key `{other}`; the keys are {}",
                        KEYS.join(", ")
                    ));
                }
            }
        }
        Ok(config)
    }
}

/// The entity kind in WIT spelling.
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

/// The location id of a record that has one (levels, orders, returns), for renaming.
fn location_mut(entity: &mut Entity) -> Option<&mut String> {
    match entity {
        Entity::InventoryLevel(l) => Some(&mut l.location),
        Entity::Order(o) => o.location.as_mut(),
        Entity::CustomerReturn(r) => r.restock_location.as_mut(),
        _ => None,
    }
}

/// Check a return against `returns-of`: `Ok` with the ref set, or the drop reason.
fn return_of(r: &mut CustomerReturn, system: &str) -> Result<(), String> {
    let key = r
        .meta
        .attributes
        .iter()
        .find(|a| a.name == ORIGINAL_ORDER_KEY)
        .map(|a| a.value.clone());
    let prefix = format!("order:{system}:");
    match key
        .as_deref()
        .and_then(|k| k.strip_prefix(&prefix))
        .filter(|id| !id.is_empty())
    {
        Some(id) => {
            if r.original_order_ref != id {
                r.original_order_ref = id.to_string();
            }
            Ok(())
        }
        None => {
            let of = key
                .unwrap_or_else(|| format!("{} (no {ORIGINAL_ORDER_KEY})", r.original_order_ref));
            Err(format!("return of {of} is not of a {system} order"))
        }
    }
}

/// Map one record.
pub fn map_one(config: &Config, mut entity: Entity) -> Outcome {
    let k = kind(&entity);
    if let Some(kinds) = &config.kinds
        && !kinds.iter().any(|x| x == k)
    {
        return Outcome::Drop(format!(
            "kind {k} is not passed (kinds: {})",
            kinds.join(", ")
        ));
    }
    if let (Some(system), Entity::CustomerReturn(r)) = (&config.returns_of, &mut entity)
        && let Err(reason) = return_of(r, system)
    {
        return Outcome::Drop(reason);
    }
    if config.clear_restock
        && let Entity::CustomerReturn(r) = &mut entity
    {
        r.restock_location = None;
    }
    if !config.locations.is_empty()
        && let Some(location) = location_mut(&mut entity)
    {
        match config.locations.get(location.as_str()) {
            Some(to) => *location = to.clone(),
            None => {
                let reason = format!(
                    "location {location} is not mapped (mapped: {})",
                    config
                        .locations
                        .keys()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                match config.unmapped {
                    Unmapped::Keep => {}
                    Unmapped::Drop => return Outcome::Drop(reason),
                    Unmapped::Fail => return Outcome::Fail(reason),
                }
            }
        }
    }
    Outcome::Emit(vec![entity])
}

/// Map a batch: one outcome per record, in order.
pub fn apply(config: &Config, batch: Vec<Entity>) -> Vec<Outcome> {
    batch.into_iter().map(|e| map_one(config, e)).collect()
}

#[cfg(target_arch = "wasm32")]
mod component {
    use super::*;

    struct RetailMap;

    impl weft_sdk::transform::Transform for RetailMap {
        fn map_batch(batch: Vec<Entity>) -> Result<Vec<Outcome>, String> {
            let config = Config::parse(&weft_sdk::config::raw())?;
            Ok(apply(&config, batch))
        }
    }

    weft_sdk::export_transform!(RetailMap);
}

#[cfg(test)]
mod tests;
