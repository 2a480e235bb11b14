//! Inventory mutations: `inventorySetQuantities` and `inventoryAdjustQuantities` (compare-and-set
//! on `changeFromQuantity`, legacy `compareQuantity`, `@idempotent` replay) and
//! `inventoryActivate`. Deliberately not here: `inventoryMoveQuantities`, scheduled changes.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};

use super::super::catalog::{InventoryItemObj, LevelObj, LocationObj};
use super::super::scalars::{DateTime, parse_gid, st};
use super::super::state::RequestInfo;
use super::super::store::{AdjustmentGroup, CasPolicy, QtyInput, UserError};
use super::*;

#[derive(InputObject)]
pub struct InventoryQuantityInput {
    inventory_item_id: ID,
    location_id: ID,
    quantity: i64,
    compare_quantity: Option<i64>,
    change_from_quantity: MaybeUndefined<i64>,
}

#[derive(InputObject)]
pub struct InventorySetQuantitiesInput {
    name: String,
    reason: String,
    reference_document_uri: Option<String>,
    #[graphql(default)]
    ignore_compare_quantity: bool,
    quantities: Vec<InventoryQuantityInput>,
}

#[derive(InputObject)]
pub struct InventoryChangeInput {
    inventory_item_id: ID,
    location_id: ID,
    delta: i64,
    ledger_document_uri: Option<String>,
    change_from_quantity: MaybeUndefined<i64>,
}

#[derive(InputObject)]
pub struct InventoryAdjustQuantitiesInput {
    name: String,
    reason: String,
    reference_document_uri: Option<String>,
    changes: Vec<InventoryChangeInput>,
}

fn change_from(m: &MaybeUndefined<i64>) -> Option<Option<i64>> {
    match m {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(*v)),
    }
}

/// `InventoryChange`.
#[derive(SimpleObject, Clone)]
pub struct InventoryChange {
    name: String,
    delta: i64,
    quantity_after_change: Option<i64>,
    item: Option<InventoryItemObj>,
    location: Option<LocationObj>,
}

/// `InventoryAdjustmentGroup`.
#[derive(SimpleObject, Clone)]
pub struct InventoryAdjustmentGroup {
    id: ID,
    created_at: DateTime,
    reason: String,
    reference_document_uri: Option<String>,
    changes: Vec<InventoryChange>,
}

fn group(ctx: &Context<'_>, g: AdjustmentGroup) -> InventoryAdjustmentGroup {
    st(ctx).read(|s| InventoryAdjustmentGroup {
        id: ID(format!("gid://shopify/InventoryAdjustmentGroup/{}", g.id)),
        created_at: DateTime::at(g.created_at),
        reason: g.reason,
        reference_document_uri: g.reference_document_uri,
        changes: g
            .changes
            .into_iter()
            .map(|c| InventoryChange {
                name: c.name,
                delta: c.delta,
                quantity_after_change: Some(c.quantity_after),
                item: s.items.get(&c.item_id).cloned().map(InventoryItemObj),
                location: s.locations.get(&c.location_id).cloned().map(LocationObj),
            })
            .collect(),
    })
}

#[derive(SimpleObject, Clone)]
pub struct InventorySetQuantitiesPayload {
    inventory_adjustment_group: Option<InventoryAdjustmentGroup>,
    user_errors: Vec<InventorySetQuantitiesUserError>,
}

#[derive(SimpleObject, Clone)]
pub struct InventoryAdjustQuantitiesPayload {
    inventory_adjustment_group: Option<InventoryAdjustmentGroup>,
    user_errors: Vec<InventoryAdjustQuantitiesUserError>,
}

#[derive(SimpleObject, Clone)]
pub struct InventoryActivatePayload {
    inventory_level: Option<LevelObj>,
    user_errors: Vec<UserErrorObj>,
}

#[derive(Default)]
pub struct InventoryMutations;

#[Object]
impl InventoryMutations {
    /// Set `available` or `on_hand` absolutely, compare-and-set on `changeFromQuantity`.
    async fn inventory_set_quantities(
        &self,
        ctx: &Context<'_>,
        input: InventorySetQuantitiesInput,
    ) -> Result<InventorySetQuantitiesPayload> {
        let state = st(ctx);
        let strict = ctx
            .data_opt::<RequestInfo>()
            .is_some_and(RequestInfo::strict);
        let mut inputs = Vec::new();
        for q in &input.quantities {
            inputs.push(QtyInput {
                item_id: parse_gid("InventoryItem", &q.inventory_item_id)?,
                location_id: parse_gid("Location", &q.location_id)?,
                quantity: q.quantity,
                change_from: change_from(&q.change_from_quantity),
                compare_quantity: q.compare_quantity,
            });
        }
        let fail = |e: UserError| InventorySetQuantitiesPayload {
            inventory_adjustment_group: None,
            user_errors: vec![e.into()],
        };
        state.idempotent(
            ctx,
            || {
                let policy = CasPolicy {
                    require_change_from: strict,
                    ignore_compare: input.ignore_compare_quantity,
                    force_stale: state.take_stale_cas_fault(),
                };
                match state.mutate(|s, now| {
                    s.set_quantities(
                        &input.name,
                        &input.reason,
                        input.reference_document_uri.clone(),
                        &inputs,
                        false,
                        policy,
                        now,
                    )
                }) {
                    Ok(g) => InventorySetQuantitiesPayload {
                        inventory_adjustment_group: Some(group(ctx, g)),
                        user_errors: Vec::new(),
                    },
                    Err(e) => InventorySetQuantitiesPayload {
                        inventory_adjustment_group: None,
                        user_errors: errs(e),
                    },
                }
            },
            fail,
        )
    }

    /// Apply deltas to a named quantity, optionally compare-and-set per change.
    async fn inventory_adjust_quantities(
        &self,
        ctx: &Context<'_>,
        input: InventoryAdjustQuantitiesInput,
    ) -> Result<InventoryAdjustQuantitiesPayload> {
        let state = st(ctx);
        let strict = ctx
            .data_opt::<RequestInfo>()
            .is_some_and(RequestInfo::strict);
        let mut inputs = Vec::new();
        for c in &input.changes {
            inputs.push(QtyInput {
                item_id: parse_gid("InventoryItem", &c.inventory_item_id)?,
                location_id: parse_gid("Location", &c.location_id)?,
                quantity: c.delta,
                change_from: change_from(&c.change_from_quantity),
                compare_quantity: None,
            });
        }
        let fail = |e: UserError| InventoryAdjustQuantitiesPayload {
            inventory_adjustment_group: None,
            user_errors: vec![e.into()],
        };
        state.idempotent(
            ctx,
            || {
                let policy = CasPolicy {
                    require_change_from: strict,
                    ignore_compare: true,
                    force_stale: state.take_stale_cas_fault(),
                };
                match state.mutate(|s, now| {
                    s.set_quantities(
                        &input.name,
                        &input.reason,
                        input.reference_document_uri.clone(),
                        &inputs,
                        true,
                        policy,
                        now,
                    )
                }) {
                    Ok(g) => InventoryAdjustQuantitiesPayload {
                        inventory_adjustment_group: Some(group(ctx, g)),
                        user_errors: Vec::new(),
                    },
                    Err(e) => InventoryAdjustQuantitiesPayload {
                        inventory_adjustment_group: None,
                        user_errors: errs(e),
                    },
                }
            },
            fail,
        )
    }

    /// Stock an item at a location.
    async fn inventory_activate(
        &self,
        ctx: &Context<'_>,
        inventory_item_id: ID,
        location_id: ID,
        available: Option<i64>,
    ) -> Result<InventoryActivatePayload> {
        let (item, loc) = (
            parse_gid("InventoryItem", &inventory_item_id)?,
            parse_gid("Location", &location_id)?,
        );
        let state = st(ctx);
        Ok(
            match state.mutate(|s, now| s.activate(item, loc, available, now)) {
                Ok(()) => InventoryActivatePayload {
                    inventory_level: state
                        .read(|s| s.levels.get(&(item, loc)).cloned().map(LevelObj)),
                    user_errors: Vec::new(),
                },
                Err(e) => InventoryActivatePayload {
                    inventory_level: None,
                    user_errors: vec![e.into()],
                },
            },
        )
    }
}
