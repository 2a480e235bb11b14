//! The simulator's state: catalogue, stock, customers and the inventory mutations, with the
//! invariants Shopify documents (on_hand derived from the other states, compare-and-set on
//! `changeFromQuantity`, all-or-nothing batches, item must be stocked at the location).
//!
//! Every change that Shopify would announce appends a REST-shaped webhook body to the outbox;
//! the server drains it after each operation. Orders, refunds and payouts live in `orders.rs`
//! (another `impl Store` block). Deliberately no I/O, no clock reads and no locking here: callers
//! pass `now` and hold the lock.

use std::collections::{BTreeMap, HashMap};

use super::model::*;
use super::rest;
use super::timefmt::Millis;

/// A GraphQL `userErrors` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    pub code: Option<String>,
    pub field: Vec<String>,
    pub message: String,
}

impl UserError {
    pub fn new(code: &str, field: &[&str], message: impl Into<String>) -> Self {
        Self {
            code: Some(code.to_string()),
            field: field.iter().map(|s| s.to_string()).collect(),
            message: message.into(),
        }
    }
}

/// One applied quantity change (`InventoryChange`).
#[derive(Debug, Clone)]
pub struct QtyChange {
    pub item_id: u64,
    pub location_id: u64,
    pub name: String,
    pub delta: i64,
    pub quantity_after: i64,
}

/// The result of an inventory mutation (`InventoryAdjustmentGroup`).
#[derive(Debug, Clone)]
pub struct AdjustmentGroup {
    pub id: u64,
    pub created_at: Millis,
    pub reason: String,
    pub reference_document_uri: Option<String>,
    pub changes: Vec<QtyChange>,
}

/// One `InventoryQuantityInput` of `inventorySetQuantities` (or a delta of
/// `inventoryAdjustQuantities`, then `quantity` is the delta).
#[derive(Debug, Clone)]
pub struct QtyInput {
    pub item_id: u64,
    pub location_id: u64,
    pub quantity: i64,
    /// `None` = key absent; `Some(None)` = explicit null (opt out of the check).
    pub change_from: Option<Option<i64>>,
    /// Legacy `compareQuantity`.
    pub compare_quantity: Option<i64>,
}

/// How a quantity batch is checked; see `inventory_set_quantities`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CasPolicy {
    /// API version 2026-04 or later: the `changeFromQuantity` key must be present.
    pub require_change_from: bool,
    /// Legacy `ignoreCompareQuantity`.
    pub ignore_compare: bool,
    /// Fault injection: treat the first checked quantity as stale.
    pub force_stale: bool,
}

/// The whole simulated shop.
#[derive(Debug, Default)]
pub struct Store {
    pub shop_name: String,
    pub currency: String,
    pub locations: BTreeMap<u64, Location>,
    pub products: BTreeMap<u64, Product>,
    pub variants: BTreeMap<u64, Variant>,
    pub items: BTreeMap<u64, InventoryItem>,
    pub sku_index: HashMap<String, u64>,
    pub levels: BTreeMap<(u64, u64), Level>,
    pub customers: BTreeMap<u64, Customer>,
    pub orders: BTreeMap<u64, Order>,
    pub fulfillments: BTreeMap<u64, Fulfillment>,
    pub refunds: BTreeMap<u64, Refund>,
    pub balance: BTreeMap<u64, BalanceTransaction>,
    pub payouts: BTreeMap<u64, Payout>,
    pub webhooks: BTreeMap<u64, WebhookSub>,
    pub next_id: u64,
    pub next_order_number: u64,
    /// `(topic, REST body)` waiting to be handed to the webhook dispatcher.
    pub outbox: Vec<(String, serde_json::Value)>,
}

const MAX_QTY: i64 = 1_000_000_000;

impl Store {
    /// A fresh id for a new record.
    pub fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The variant with this SKU.
    pub fn variant_by_sku(&self, sku: &str) -> Option<&Variant> {
        self.variants.get(self.sku_index.get(sku)?)
    }

    /// Queue a webhook body for `topic`.
    pub fn emit(&mut self, topic: &str, body: serde_json::Value) {
        self.outbox.push((topic.to_string(), body));
    }

    fn touch_item(&mut self, item_id: u64, now: Millis) {
        if let Some(item) = self.items.get_mut(&item_id) {
            item.updated_at = now;
            if let Some(v) = self.variants.get_mut(&item.variant_id) {
                v.updated_at = now;
            }
        }
    }

    /// Apply a signed change to one named state of a level, announcing `available` changes with
    /// `inventory_levels/update`. Callers have validated the change.
    pub fn bump(&mut self, item_id: u64, location_id: u64, name: &str, delta: i64, now: Millis) {
        let Some(level) = self.levels.get_mut(&(item_id, location_id)) else {
            return;
        };
        let slot = match name {
            "available" => &mut level.available,
            "committed" => &mut level.committed,
            "reserved" => &mut level.reserved,
            "incoming" => &mut level.incoming,
            "damaged" => &mut level.damaged,
            "quality_control" => &mut level.quality_control,
            "safety_stock" => &mut level.safety_stock,
            _ => return,
        };
        *slot += delta;
        level.updated_at = now;
        let body = rest::inventory_level(level);
        self.touch_item(item_id, now);
        if delta != 0 && name == "available" {
            self.emit("inventory_levels/update", body);
        }
    }

    /// `inventorySetQuantities` (`adjust == false`) and `inventoryAdjustQuantities` (`adjust ==
    /// true`, each input's `quantity` is a delta). Validates every input first and applies none
    /// if any fails, as Shopify does.
    // The arguments mirror the GraphQL input one to one; a wrapper struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn set_quantities(
        &mut self,
        name: &str,
        reason: &str,
        reference: Option<String>,
        inputs: &[QtyInput],
        adjust: bool,
        policy: CasPolicy,
        now: Millis,
    ) -> Result<AdjustmentGroup, Vec<UserError>> {
        let allowed: &[&str] = if adjust {
            &[
                "available",
                "on_hand",
                "damaged",
                "incoming",
                "quality_control",
                "reserved",
                "safety_stock",
            ]
        } else {
            &["available", "on_hand"]
        };
        let root = if adjust { "changes" } else { "quantities" };
        let mut errors = Vec::new();
        if !allowed.contains(&name) {
            errors.push(UserError::new(
                "INVALID_NAME",
                &["input", "name"],
                format!("the quantity name `{name}` is not valid here"),
            ));
        }
        if reason.is_empty() || reason.contains(' ') {
            errors.push(UserError::new(
                "INVALID_REASON",
                &["input", "reason"],
                "the reason is not valid",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        let mut stale_forced = policy.force_stale;
        for (i, q) in inputs.iter().enumerate() {
            let idx = i.to_string();
            let f = |leaf: &str| {
                vec![
                    "input".to_string(),
                    root.to_string(),
                    idx.clone(),
                    leaf.to_string(),
                ]
            };
            let err = |code: &str, leaf: &str, msg: String| UserError {
                code: Some(code.into()),
                field: f(leaf),
                message: msg,
            };
            if !seen.insert((q.item_id, q.location_id)) {
                errors.push(err(
                    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                    "inventoryItemId",
                    "an item and location pair may appear only once".into(),
                ));
                continue;
            }
            if !self.items.contains_key(&q.item_id) {
                errors.push(err(
                    "INVALID_INVENTORY_ITEM",
                    "inventoryItemId",
                    "the inventory item could not be found".into(),
                ));
                continue;
            }
            if !self.locations.contains_key(&q.location_id) {
                errors.push(err(
                    "INVALID_LOCATION",
                    "locationId",
                    "the location could not be found".into(),
                ));
                continue;
            }
            let Some(level) = self.levels.get(&(q.item_id, q.location_id)) else {
                errors.push(err(
                    "ITEM_NOT_STOCKED_AT_LOCATION",
                    "locationId",
                    "the item is not stocked at the location".into(),
                ));
                continue;
            };
            let current = level.quantity(name).unwrap_or(0);
            let target = if adjust {
                current + q.quantity
            } else {
                q.quantity
            };
            if target > MAX_QTY {
                errors.push(err(
                    "INVALID_QUANTITY_TOO_HIGH",
                    "quantity",
                    "the quantity can't be higher than 1,000,000,000".into(),
                ));
            } else if target < -MAX_QTY {
                errors.push(err(
                    "INVALID_QUANTITY_TOO_LOW",
                    "quantity",
                    "the quantity can't be lower than -1,000,000,000".into(),
                ));
            }
            match q.change_from {
                None if policy.require_change_from => errors.push(err(
                    "CHANGE_FROM_QUANTITY_REQUIRED",
                    "changeFromQuantity",
                    "changeFromQuantity is required (pass null to opt out)".into(),
                )),
                Some(Some(expected))
                    if expected != current || std::mem::take(&mut stale_forced) =>
                {
                    errors.push(err(
                        "CHANGE_FROM_QUANTITY_STALE",
                        "changeFromQuantity",
                        format!("the quantity changed: expected {expected}, found {current}"),
                    ))
                }
                Some(_) => {}
                None if adjust || policy.ignore_compare => {}
                None => match q.compare_quantity {
                    None => errors.push(err(
                        "COMPARE_QUANTITY_REQUIRED",
                        "compareQuantity",
                        "compareQuantity is required unless ignoreCompareQuantity is true".into(),
                    )),
                    Some(c) if c != current => errors.push(err(
                        "COMPARE_QUANTITY_STALE",
                        "compareQuantity",
                        format!("the compare quantity is stale: expected {c}, found {current}"),
                    )),
                    Some(_) => {}
                },
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut changes = Vec::new();
        for q in inputs {
            let level = &self.levels[&(q.item_id, q.location_id)];
            let current = level.quantity(name).unwrap_or(0);
            let delta = if adjust {
                q.quantity
            } else {
                q.quantity - current
            };
            // on_hand is derived: changing it moves `available` by the same delta.
            let slot = if name == "on_hand" { "available" } else { name };
            self.bump(q.item_id, q.location_id, slot, delta, now);
            let level = &self.levels[&(q.item_id, q.location_id)];
            for n in [
                name,
                if name == "on_hand" {
                    "available"
                } else {
                    "on_hand"
                },
            ] {
                changes.push(QtyChange {
                    item_id: q.item_id,
                    location_id: q.location_id,
                    name: n.to_string(),
                    delta,
                    quantity_after: level.quantity(n).unwrap_or(0),
                });
            }
        }
        Ok(AdjustmentGroup {
            id: self.id(),
            created_at: now,
            reason: reason.to_string(),
            reference_document_uri: reference,
            changes,
        })
    }

    /// `inventoryActivate`: stock an item at a location (no-op if already stocked).
    pub fn activate(
        &mut self,
        item_id: u64,
        location_id: u64,
        available: Option<i64>,
        now: Millis,
    ) -> Result<(), UserError> {
        if !self.items.contains_key(&item_id) {
            return Err(UserError::new(
                "INVALID_INVENTORY_ITEM",
                &["inventoryItemId"],
                "the inventory item could not be found",
            ));
        }
        if !self.locations.contains_key(&location_id) {
            return Err(UserError::new(
                "INVALID_LOCATION",
                &["locationId"],
                "the location could not be found",
            ));
        }
        if let std::collections::btree_map::Entry::Vacant(slot) =
            self.levels.entry((item_id, location_id))
        {
            slot.insert(Level {
                item_id,
                location_id,
                updated_at: now,
                ..Level::default()
            });
            self.bump(
                item_id,
                location_id,
                "available",
                available.unwrap_or(0),
                now,
            );
        }
        Ok(())
    }
}
