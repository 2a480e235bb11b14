//! GraphQL object types for orders: `Order` (line items with SKUs, discounts, taxes, shipping
//! lines, transactions, the fulfilment order with its assigned location) and the list helpers the
//! order-side types share. Fulfilments and refunds are in `shipments.rs`, `Customer` in
//! `customers.rs`. Small nested lists (`transactions`, `fulfillments`, `refunds`) are plain lists
//! as on Shopify; the rest are connections.
//!
//! Deliberately not modelled: returns, order edits, risk, addresses, metafields, disputes.

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};

use super::catalog::{LocationObj, VariantObj};
use super::model::*;
use super::paging::{PageArgs, paginate};
use super::scalars::{DateTime, MoneyBag, UnsignedInt64, gid, st};

pub use super::customers::CustomerObj;
pub use super::shipments::{FulfillmentObj, RefundLineItemRestockType, RefundObj};

/// A connection over a small in-memory list, in list order.
pub(super) fn list_page<T: async_graphql::OutputType + Clone>(
    items: Vec<T>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<String, T>> {
    let args = PageArgs {
        first: first.or(Some(250)),
        after,
        ..PageArgs::default()
    };
    paginate(
        (0..items.len() as u64).map(|i| (i as i64, i)).collect(),
        &args,
        |i| items.get(i as usize).cloned(),
    )
}

#[derive(SimpleObject, Clone)]
pub struct TaxLineObj {
    title: String,
    rate: f64,
    price_set: MoneyBag,
}

pub(super) fn tax_lines(ctx: &Context<'_>, t: &[TaxLine]) -> Vec<TaxLineObj> {
    t.iter()
        .map(|t| TaxLineObj {
            title: t.title.clone(),
            rate: t.rate,
            price_set: st(ctx).bag(t.price),
        })
        .collect()
}

/// `LineItem`.
#[derive(Clone)]
pub struct LineItemObj(pub LineItem);

#[Object(name = "LineItem")]
impl LineItemObj {
    async fn id(&self) -> ID {
        gid("LineItem", self.0.id)
    }
    async fn sku(&self) -> &str {
        &self.0.sku
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn variant_title(&self) -> &str {
        &self.0.variant_title
    }
    async fn name(&self) -> String {
        format!("{} - {}", self.0.title, self.0.variant_title)
    }
    async fn quantity(&self) -> i64 {
        self.0.quantity
    }
    async fn current_quantity(&self) -> i64 {
        self.0.quantity - self.0.refunded
    }
    async fn refundable_quantity(&self) -> i64 {
        self.0.quantity - self.0.refunded
    }
    async fn unfulfilled_quantity(&self) -> i64 {
        self.0.fulfillable()
    }
    async fn original_unit_price_set(&self, ctx: &Context<'_>) -> MoneyBag {
        st(ctx).bag(self.0.price)
    }
    async fn discounted_unit_price_set(&self, ctx: &Context<'_>) -> MoneyBag {
        st(ctx).bag(self.0.price - self.0.total_discount / self.0.quantity.max(1))
    }
    async fn total_discount_set(&self, ctx: &Context<'_>) -> MoneyBag {
        st(ctx).bag(self.0.total_discount)
    }
    async fn tax_lines(&self, ctx: &Context<'_>) -> Vec<TaxLineObj> {
        tax_lines(ctx, &self.0.tax_lines)
    }
    async fn variant(&self, ctx: &Context<'_>) -> Option<VariantObj> {
        st(ctx).read(|s| s.variants.get(&self.0.variant_id).cloned().map(VariantObj))
    }
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "ShippingLine")]
pub struct ShippingLineObj {
    id: ID,
    title: String,
    code: String,
    original_price_set: MoneyBag,
    discounted_price_set: MoneyBag,
    tax_lines: Vec<TaxLineObj>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum OrderTransactionKind {
    Sale,
    Refund,
    Capture,
    Authorization,
    Void,
    Change,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum OrderTransactionStatus {
    Success,
    Failure,
    Pending,
    Error,
}

/// `OrderTransaction`.
#[derive(SimpleObject, Clone)]
#[graphql(name = "OrderTransaction")]
pub struct TransactionObj {
    id: ID,
    kind: OrderTransactionKind,
    status: OrderTransactionStatus,
    gateway: String,
    amount_set: MoneyBag,
    created_at: DateTime,
    processed_at: DateTime,
    parent_transaction_id: Option<ID>,
}

pub(super) fn transaction(ctx: &Context<'_>, t: &Transaction) -> TransactionObj {
    TransactionObj {
        id: gid("OrderTransaction", t.id),
        kind: if t.kind == "refund" {
            OrderTransactionKind::Refund
        } else {
            OrderTransactionKind::Sale
        },
        status: OrderTransactionStatus::Success,
        gateway: t.gateway.clone(),
        amount_set: st(ctx).bag(t.amount),
        created_at: DateTime::at(t.created_at),
        processed_at: DateTime::at(t.created_at),
        parent_transaction_id: t.parent_id.map(|p| gid("OrderTransaction", p)),
    }
}

#[derive(SimpleObject, Clone)]
pub struct FulfillmentOrderLineItem {
    id: ID,
    total_quantity: i64,
    remaining_quantity: i64,
    sku: String,
    line_item: LineItemObj,
}

#[derive(SimpleObject, Clone)]
pub struct FulfillmentOrderAssignedLocation {
    name: String,
    location: Option<LocationObj>,
}

/// `FulfillmentOrder`: one per order, assigned to the location its stock was committed at.
/// Its line items (a connection, as in Shopify) reuse the order line ids
/// (`gid://shopify/FulfillmentOrderLineItem/{line id}`).
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct FulfillmentOrder {
    id: ID,
    status: String,
    assigned_location: FulfillmentOrderAssignedLocation,
    #[graphql(skip)]
    line_items: Vec<FulfillmentOrderLineItem>,
}

#[async_graphql::ComplexObject]
impl FulfillmentOrder {
    async fn line_items(
        &self,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, FulfillmentOrderLineItem>> {
        list_page(self.line_items.clone(), first, after)
    }
}

/// `Order`.
#[derive(Clone)]
pub struct OrderObj(pub Order);

#[Object(name = "Order")]
impl OrderObj {
    async fn id(&self) -> ID {
        gid("Order", self.0.id)
    }
    async fn legacy_resource_id(&self) -> UnsignedInt64 {
        UnsignedInt64::of(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn tags(&self) -> &[String] {
        &self.0.tags
    }
    async fn source_name(&self) -> &str {
        &self.0.source_name
    }
    async fn currency_code(&self, ctx: &Context<'_>) -> String {
        st(ctx).currency.clone()
    }
    async fn created_at(&self) -> DateTime {
        DateTime::at(self.0.created_at)
    }
    async fn processed_at(&self) -> DateTime {
        DateTime::at(self.0.created_at)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime::at(self.0.updated_at)
    }
    async fn display_financial_status(&self) -> String {
        self.0.financial_status().to_uppercase()
    }
    async fn display_fulfillment_status(&self) -> &str {
        match self.0.fulfillment_status() {
            None => "UNFULFILLED",
            Some("partial") => "PARTIALLY_FULFILLED",
            Some(_) => "FULFILLED",
        }
    }
    async fn discount_codes(&self) -> Vec<String> {
        self.0
            .discount_codes
            .iter()
            .map(|d| d.code.clone())
            .collect()
    }
    async fn subtotal_price_set(&self, ctx: &Context<'_>) -> MoneyBag {
        st(ctx).bag(self.0.subtotal())
    }
    async fn total_discounts_set(&self, ctx: &Context<'_>) -> MoneyBag {
        st(ctx).bag(self.0.total_discounts())
    }
    async fn total_shipping_price_set(&self, ctx: &Context<'_>) -> MoneyBag {
        st(ctx).bag(self.0.total_shipping())
    }
    async fn total_tax_set(&self, ctx: &Context<'_>) -> MoneyBag {
        st(ctx).bag(self.0.total_tax())
    }
    async fn total_price_set(&self, ctx: &Context<'_>) -> MoneyBag {
        st(ctx).bag(self.0.total_price())
    }
    async fn total_refunded_set(&self, ctx: &Context<'_>) -> MoneyBag {
        st(ctx).bag(self.0.total_refunded())
    }
    async fn current_total_price_set(&self, ctx: &Context<'_>) -> MoneyBag {
        st(ctx).bag(self.0.total_price() - self.0.total_refunded())
    }
    async fn tax_lines(&self, ctx: &Context<'_>) -> Vec<TaxLineObj> {
        tax_lines(
            ctx,
            &[TaxLine {
                title: "State Tax".into(),
                rate: super::orders::TAX_RATE,
                price: self.0.total_tax(),
            }],
        )
    }
    async fn customer(&self, ctx: &Context<'_>) -> Option<CustomerObj> {
        st(ctx).read(|s| {
            self.0
                .customer_id
                .and_then(|c| s.customers.get(&c))
                .cloned()
                .map(CustomerObj)
        })
    }
    async fn line_items(
        &self,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, LineItemObj>> {
        list_page(
            self.0.line_items.iter().cloned().map(LineItemObj).collect(),
            first,
            after,
        )
    }
    async fn shipping_lines(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, ShippingLineObj>> {
        let lines = self.0.shipping_lines.iter().map(|l| ShippingLineObj {
            id: gid("ShippingLine", l.id),
            title: l.title.clone(),
            code: l.code.clone(),
            original_price_set: st(ctx).bag(l.price),
            discounted_price_set: st(ctx).bag(l.price),
            tax_lines: tax_lines(ctx, &l.tax_lines),
        });
        list_page(lines.collect(), first, after)
    }
    async fn transactions(&self, ctx: &Context<'_>, _first: Option<i32>) -> Vec<TransactionObj> {
        self.0
            .transactions
            .iter()
            .map(|t| transaction(ctx, t))
            .collect()
    }
    async fn fulfillments(&self, ctx: &Context<'_>, _first: Option<i32>) -> Vec<FulfillmentObj> {
        st(ctx).read(|s| {
            self.0
                .fulfillment_ids
                .iter()
                .filter_map(|id| s.fulfillments.get(id))
                .map(|f| FulfillmentObj(f.clone(), self.0.line_items.clone()))
                .collect()
        })
    }
    async fn refunds(&self, ctx: &Context<'_>, _first: Option<i32>) -> Vec<RefundObj> {
        st(ctx).read(|s| {
            self.0
                .refund_ids
                .iter()
                .filter_map(|id| s.refunds.get(id))
                .cloned()
                .map(RefundObj)
                .collect()
        })
    }
    async fn fulfillment_orders(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, FulfillmentOrder>> {
        let location = st(ctx).read(|s| s.locations.get(&self.0.location_id).cloned());
        let open: i64 = self.0.line_items.iter().map(LineItem::fulfillable).sum();
        let fo = FulfillmentOrder {
            id: gid("FulfillmentOrder", self.0.fulfillment_order_id),
            status: if open == 0 {
                "CLOSED"
            } else if self.0.fulfillment_ids.is_empty() {
                "OPEN"
            } else {
                "IN_PROGRESS"
            }
            .into(),
            assigned_location: FulfillmentOrderAssignedLocation {
                name: location
                    .as_ref()
                    .map(|l| l.name.clone())
                    .unwrap_or_default(),
                location: location.map(LocationObj),
            },
            line_items: self
                .0
                .line_items
                .iter()
                .map(|l| FulfillmentOrderLineItem {
                    id: gid("FulfillmentOrderLineItem", l.id),
                    total_quantity: l.quantity,
                    remaining_quantity: l.fulfillable(),
                    sku: l.sku.clone(),
                    line_item: LineItemObj(l.clone()),
                })
                .collect(),
        };
        list_page(vec![fo], first, after)
    }
}
