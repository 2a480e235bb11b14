//! GraphQL object types for what happens after an order: `Fulfillment` (tracking, shipped lines,
//! location) and `Refund` (refunded lines with restock type and location, refund transactions).
//!
//! Deliberately not modelled: fulfilment events, returns and reverse fulfilment orders.

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};

use super::catalog::LocationObj;
use super::model::*;
use super::sales::{LineItemObj, OrderObj, TransactionObj, list_page, transaction};
use super::scalars::{DateTime, MoneyBag, UnsignedInt64, gid, st};

#[derive(SimpleObject, Clone)]
pub struct FulfillmentTrackingInfo {
    company: Option<String>,
    number: Option<String>,
    url: Option<String>,
}

#[derive(SimpleObject, Clone)]
pub struct FulfillmentLineItem {
    id: ID,
    quantity: i64,
    line_item: LineItemObj,
}

/// `Fulfillment`.
#[derive(Clone)]
pub struct FulfillmentObj(pub Fulfillment, pub Vec<LineItem>);

#[Object(name = "Fulfillment")]
impl FulfillmentObj {
    async fn id(&self) -> ID {
        gid("Fulfillment", self.0.id)
    }
    async fn status(&self) -> &str {
        "SUCCESS"
    }
    async fn created_at(&self) -> DateTime {
        DateTime::at(self.0.created_at)
    }
    async fn tracking_info(&self) -> Vec<FulfillmentTrackingInfo> {
        vec![FulfillmentTrackingInfo {
            company: self.0.tracking_company.clone(),
            number: self.0.tracking_number.clone(),
            url: self.0.tracking_url.clone(),
        }]
    }
    async fn location(&self, ctx: &Context<'_>) -> Option<LocationObj> {
        st(ctx).read(|s| {
            s.locations
                .get(&self.0.location_id)
                .cloned()
                .map(LocationObj)
        })
    }
    async fn fulfillment_line_items(
        &self,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, FulfillmentLineItem>> {
        let items = self.0.lines.iter().filter_map(|(id, q)| {
            let li = self.1.iter().find(|l| l.id == *id)?;
            Some(FulfillmentLineItem {
                id: gid("FulfillmentLineItem", *id),
                quantity: *q,
                line_item: LineItemObj(li.clone()),
            })
        });
        list_page(items.collect(), first, after)
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum RefundLineItemRestockType {
    Return,
    Cancel,
    LegacyRestock,
    NoRestock,
}

#[derive(SimpleObject, Clone)]
pub struct RefundLineItem {
    id: ID,
    quantity: i64,
    restock_type: RefundLineItemRestockType,
    restocked: bool,
    location: Option<LocationObj>,
    line_item: Option<LineItemObj>,
    subtotal_set: MoneyBag,
    total_tax_set: MoneyBag,
}

/// `Refund`.
#[derive(Clone)]
pub struct RefundObj(pub Refund);

#[Object(name = "Refund")]
impl RefundObj {
    async fn id(&self) -> ID {
        gid("Refund", self.0.id)
    }
    async fn legacy_resource_id(&self) -> UnsignedInt64 {
        UnsignedInt64::of(self.0.id)
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn created_at(&self) -> DateTime {
        DateTime::at(self.0.created_at)
    }
    async fn total_refunded_set(&self, ctx: &Context<'_>) -> MoneyBag {
        st(ctx).bag(self.0.transactions.iter().map(|t| t.amount).sum())
    }
    async fn order(&self, ctx: &Context<'_>) -> Option<OrderObj> {
        st(ctx).read(|s| s.orders.get(&self.0.order_id).cloned().map(OrderObj))
    }
    async fn refund_line_items(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, RefundLineItem>> {
        let state = st(ctx);
        let items = state.read(|s| {
            let order = s.orders.get(&self.0.order_id);
            self.0
                .lines
                .iter()
                .map(|rl| RefundLineItem {
                    id: gid("RefundLineItem", rl.id),
                    quantity: rl.quantity,
                    restock_type: match rl.restock_type {
                        RestockType::Return => RefundLineItemRestockType::Return,
                        RestockType::Cancel => RefundLineItemRestockType::Cancel,
                        RestockType::NoRestock => RefundLineItemRestockType::NoRestock,
                    },
                    restocked: rl.restock_type != RestockType::NoRestock,
                    location: rl
                        .location_id
                        .and_then(|l| s.locations.get(&l))
                        .cloned()
                        .map(LocationObj),
                    line_item: order
                        .and_then(|o| o.line_items.iter().find(|l| l.id == rl.line_item_id))
                        .cloned()
                        .map(LineItemObj),
                    subtotal_set: state.bag(rl.subtotal),
                    total_tax_set: state.bag(rl.total_tax),
                })
                .collect::<Vec<_>>()
        });
        list_page(items, first, after)
    }
    async fn transactions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, TransactionObj>> {
        list_page(
            self.0
                .transactions
                .iter()
                .map(|t| transaction(ctx, t))
                .collect(),
            first,
            after,
        )
    }
}
