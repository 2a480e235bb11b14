//! Order mutations: `fulfillmentCreate` (fulfilment-order lines with tracking) and `refundCreate`
//! (lines restocked per `restockType` at the chosen location, money as refund transactions,
//! `@idempotent`). Deliberately not here: returns, order edits, cancellations.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::super::model::RestockType;
use super::super::orders::RefundLineInput;
use super::super::sales::{
    FulfillmentObj, OrderObj, OrderTransactionKind, RefundLineItemRestockType, RefundObj,
};
use super::super::scalars::{Money, Url, parse_gid, st};
use super::super::store::UserError;
use super::*;

#[derive(InputObject)]
pub struct FulfillmentOrderLineItemInput {
    id: ID,
    quantity: i64,
}

#[derive(InputObject)]
pub struct FulfillmentOrderLineItemsInput {
    fulfillment_order_id: ID,
    fulfillment_order_line_items: Option<Vec<FulfillmentOrderLineItemInput>>,
}

#[derive(InputObject)]
pub struct FulfillmentTrackingInput {
    company: Option<String>,
    number: Option<String>,
    url: Option<Url>,
}

#[derive(InputObject)]
pub struct FulfillmentInput {
    line_items_by_fulfillment_order: Vec<FulfillmentOrderLineItemsInput>,
    tracking_info: Option<FulfillmentTrackingInput>,
    #[graphql(default)]
    notify_customer: bool,
}

#[derive(SimpleObject, Clone)]
pub struct FulfillmentCreatePayload {
    fulfillment: Option<FulfillmentObj>,
    user_errors: Vec<UserErrorObj>,
}

#[derive(InputObject)]
pub struct RefundLineItemInput {
    line_item_id: ID,
    quantity: i64,
    restock_type: Option<RefundLineItemRestockType>,
    location_id: Option<ID>,
}

#[derive(InputObject)]
pub struct OrderTransactionInput {
    amount: Money,
    gateway: String,
    kind: OrderTransactionKind,
    order_id: ID,
    parent_id: Option<ID>,
}

#[derive(InputObject)]
pub struct ShippingRefundInput {
    amount: Option<Money>,
    full_refund: Option<bool>,
}

#[derive(InputObject)]
pub struct RefundInput {
    order_id: ID,
    note: Option<String>,
    notify: Option<bool>,
    #[graphql(default)]
    refund_line_items: Vec<RefundLineItemInput>,
    shipping: Option<ShippingRefundInput>,
    #[graphql(default)]
    transactions: Vec<OrderTransactionInput>,
}

#[derive(SimpleObject, Clone)]
pub struct RefundCreatePayload {
    refund: Option<RefundObj>,
    order: Option<OrderObj>,
    user_errors: Vec<UserErrorObj>,
}

#[derive(Default)]
pub struct OrderMutations;

#[Object]
impl OrderMutations {
    /// Ship fulfilment-order lines with tracking.
    async fn fulfillment_create(
        &self,
        ctx: &Context<'_>,
        fulfillment: FulfillmentInput,
        _message: Option<String>,
    ) -> Result<FulfillmentCreatePayload> {
        let state = st(ctx);
        let fail = |e: UserError| FulfillmentCreatePayload {
            fulfillment: None,
            user_errors: vec![e.into()],
        };
        let Some(first) = fulfillment.line_items_by_fulfillment_order.first() else {
            return Ok(fail(UserError::new(
                "INVALID",
                &["fulfillment", "lineItemsByFulfillmentOrder"],
                "at least one fulfillment order is required",
            )));
        };
        let fo = parse_gid("FulfillmentOrder", &first.fulfillment_order_id)?;
        let Some(order_id) = state.read(|s| {
            s.orders
                .values()
                .find(|o| o.fulfillment_order_id == fo)
                .map(|o| o.id)
        }) else {
            return Ok(fail(UserError::new(
                "NOT_FOUND",
                &[
                    "fulfillment",
                    "lineItemsByFulfillmentOrder",
                    "0",
                    "fulfillmentOrderId",
                ],
                "the fulfillment order does not exist",
            )));
        };
        let lines = match &first.fulfillment_order_line_items {
            None => None,
            Some(items) => Some(
                items
                    .iter()
                    .map(|l| Ok((parse_gid("FulfillmentOrderLineItem", &l.id)?, l.quantity)))
                    .collect::<Result<Vec<_>>>()?,
            ),
        };
        let t = fulfillment
            .tracking_info
            .unwrap_or(FulfillmentTrackingInput {
                company: None,
                number: None,
                url: None,
            });
        Ok(
            match state.mutate(|s, now| {
                s.fulfil(
                    order_id,
                    lines,
                    (t.company, t.number, t.url.map(|u| u.0)),
                    now,
                )
            }) {
                Ok(id) => FulfillmentCreatePayload {
                    fulfillment: state.read(|s| {
                        Some(FulfillmentObj(
                            s.fulfillments.get(&id)?.clone(),
                            s.orders.get(&order_id)?.line_items.clone(),
                        ))
                    }),
                    user_errors: Vec::new(),
                },
                Err(e) => fail(e),
            },
        )
    }

    /// Refund lines (restocking each where asked) and money.
    async fn refund_create(
        &self,
        ctx: &Context<'_>,
        input: RefundInput,
    ) -> Result<RefundCreatePayload> {
        let state = st(ctx);
        let order_id = parse_gid("Order", &input.order_id)?;
        let mut lines = Vec::new();
        for l in &input.refund_line_items {
            lines.push(RefundLineInput {
                line_item_id: parse_gid("LineItem", &l.line_item_id)?,
                quantity: l.quantity,
                restock_type: match l.restock_type {
                    Some(
                        RefundLineItemRestockType::Return
                        | RefundLineItemRestockType::LegacyRestock,
                    ) => RestockType::Return,
                    Some(RefundLineItemRestockType::Cancel) => RestockType::Cancel,
                    Some(RefundLineItemRestockType::NoRestock) | None => RestockType::NoRestock,
                },
                location_id: l
                    .location_id
                    .as_ref()
                    .map(|id| parse_gid("Location", id))
                    .transpose()?,
            });
        }
        let amounts: Vec<i64> = input
            .transactions
            .iter()
            .filter(|t| t.kind == OrderTransactionKind::Refund)
            .map(|t| t.amount.0)
            .collect();
        let _ = (&input.notify, &input.shipping);
        let fail = |e: UserError| RefundCreatePayload {
            refund: None,
            order: None,
            user_errors: vec![e.into()],
        };
        state.idempotent(
            ctx,
            || match state
                .mutate(|s, now| s.refund(order_id, &lines, &amounts, input.note.clone(), now))
            {
                Ok(id) => state.read(|s| RefundCreatePayload {
                    refund: s.refunds.get(&id).cloned().map(RefundObj),
                    order: s.orders.get(&order_id).cloned().map(OrderObj),
                    user_errors: Vec::new(),
                }),
                Err(e) => RefundCreatePayload {
                    refund: None,
                    order: None,
                    user_errors: errs(e),
                },
            },
            fail,
        )
    }
}
