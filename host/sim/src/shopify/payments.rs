//! GraphQL types for Shopify Payments (`shopifyPaymentsAccount { balance payouts
//! balanceTransactions }`) and webhook subscriptions. Payout and balance-transaction fields follow
//! platform-apis.md 3.5; amounts are `MoneyV2`, sign conventions as the REST fixtures
//! (refunds negative, fees positive, `net = amount - fee`).
//!
//! Deliberately not modelled: disputes, reserves, bank accounts, multiple business entities.

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};

use super::model::{BalanceTransaction, Payout, WebhookSub};
use super::paging::{PageArgs, paginate};
use super::sales::OrderObj;
use super::scalars::{DateTime, MoneyV2, UnsignedInt64, Url, gid, st};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ShopifyPaymentsPayoutStatus {
    Scheduled,
    InTransit,
    Paid,
    Failed,
    Canceled,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ShopifyPaymentsPayoutTransactionType {
    Deposit,
    Withdrawal,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ShopifyPaymentsTransactionType {
    Charge,
    Refund,
    Adjustment,
    Payout,
}

#[derive(SimpleObject, Clone)]
pub struct ShopifyPaymentsPayoutSummary {
    adjustments_fee: MoneyV2,
    adjustments_gross: MoneyV2,
    charges_fee: MoneyV2,
    charges_gross: MoneyV2,
    refunds_fee: MoneyV2,
    refunds_fee_gross: MoneyV2,
    reserved_funds_fee: MoneyV2,
    reserved_funds_gross: MoneyV2,
    retried_payouts_fee: MoneyV2,
    retried_payouts_gross: MoneyV2,
}

/// `ShopifyPaymentsPayout`.
#[derive(Clone)]
pub struct PayoutObj(pub Payout);

#[Object(name = "ShopifyPaymentsPayout")]
impl PayoutObj {
    async fn id(&self) -> ID {
        gid("ShopifyPaymentsPayout", self.0.id)
    }
    async fn legacy_resource_id(&self) -> UnsignedInt64 {
        UnsignedInt64::of(self.0.id)
    }
    async fn issued_at(&self) -> DateTime {
        DateTime::at(self.0.issued_at)
    }
    async fn net(&self, ctx: &Context<'_>) -> MoneyV2 {
        st(ctx).money(self.0.net)
    }
    async fn status(&self) -> ShopifyPaymentsPayoutStatus {
        match self.0.status.as_str() {
            "scheduled" => ShopifyPaymentsPayoutStatus::Scheduled,
            "in_transit" => ShopifyPaymentsPayoutStatus::InTransit,
            "failed" => ShopifyPaymentsPayoutStatus::Failed,
            "canceled" => ShopifyPaymentsPayoutStatus::Canceled,
            _ => ShopifyPaymentsPayoutStatus::Paid,
        }
    }
    async fn transaction_type(&self) -> ShopifyPaymentsPayoutTransactionType {
        if self.0.net < 0 {
            ShopifyPaymentsPayoutTransactionType::Withdrawal
        } else {
            ShopifyPaymentsPayoutTransactionType::Deposit
        }
    }
    async fn summary(&self, ctx: &Context<'_>) -> ShopifyPaymentsPayoutSummary {
        let m = |v| st(ctx).money(v);
        let p = &self.0;
        ShopifyPaymentsPayoutSummary {
            adjustments_fee: m(p.adjustments_fee),
            adjustments_gross: m(p.adjustments_gross),
            charges_fee: m(p.charges_fee),
            charges_gross: m(p.charges_gross),
            refunds_fee: m(p.refunds_fee),
            refunds_fee_gross: m(p.refunds_gross),
            reserved_funds_fee: m(0),
            reserved_funds_gross: m(0),
            retried_payouts_fee: m(0),
            retried_payouts_gross: m(0),
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct AssociatedPayout {
    id: Option<ID>,
    status: Option<ShopifyPaymentsPayoutStatus>,
}

/// `ShopifyPaymentsBalanceTransaction`.
#[derive(Clone)]
pub struct BalanceTransactionObj(pub BalanceTransaction);

#[Object(name = "ShopifyPaymentsBalanceTransaction")]
impl BalanceTransactionObj {
    async fn id(&self) -> ID {
        gid("ShopifyPaymentsBalanceTransaction", self.0.id)
    }
    #[graphql(name = "type")]
    async fn kind(&self) -> ShopifyPaymentsTransactionType {
        match self.0.kind.as_str() {
            "charge" => ShopifyPaymentsTransactionType::Charge,
            "refund" => ShopifyPaymentsTransactionType::Refund,
            _ => ShopifyPaymentsTransactionType::Adjustment,
        }
    }
    async fn test(&self) -> bool {
        false
    }
    async fn amount(&self, ctx: &Context<'_>) -> MoneyV2 {
        st(ctx).money(self.0.amount)
    }
    async fn fee(&self, ctx: &Context<'_>) -> MoneyV2 {
        st(ctx).money(self.0.fee)
    }
    async fn net(&self, ctx: &Context<'_>) -> MoneyV2 {
        st(ctx).money(self.0.net)
    }
    async fn transaction_date(&self) -> DateTime {
        DateTime::at(self.0.processed_at)
    }
    async fn source_type(&self) -> String {
        self.0.kind.to_uppercase()
    }
    async fn source_id(&self) -> UnsignedInt64 {
        UnsignedInt64::of(self.0.source_id)
    }
    async fn source_order_transaction_id(&self) -> Option<UnsignedInt64> {
        self.0.source_order_transaction_id.map(UnsignedInt64::of)
    }
    async fn associated_order(&self, ctx: &Context<'_>) -> Option<OrderObj> {
        st(ctx).read(|s| {
            self.0
                .source_order_id
                .and_then(|o| s.orders.get(&o))
                .cloned()
                .map(OrderObj)
        })
    }
    async fn associated_payout(&self, ctx: &Context<'_>) -> AssociatedPayout {
        let status = st(ctx).read(|s| {
            self.0
                .payout_id
                .and_then(|p| s.payouts.get(&p))
                .map(|p| p.status.clone())
        });
        AssociatedPayout {
            id: self.0.payout_id.map(|p| gid("ShopifyPaymentsPayout", p)),
            status: status.map(|s| {
                if s == "paid" {
                    ShopifyPaymentsPayoutStatus::Paid
                } else {
                    ShopifyPaymentsPayoutStatus::Scheduled
                }
            }),
        }
    }
}

/// `ShopifyPaymentsAccount`.
pub struct PaymentsAccount;

#[Object(name = "ShopifyPaymentsAccount")]
impl PaymentsAccount {
    async fn id(&self) -> ID {
        gid("ShopifyPaymentsAccount", 1)
    }
    async fn activated(&self) -> bool {
        true
    }
    /// Funds not yet paid out.
    async fn balance(&self, ctx: &Context<'_>) -> Vec<MoneyV2> {
        let st = st(ctx);
        vec![st.money(st.read(|s| {
            s.balance
                .values()
                .filter(|b| b.payout_id.is_none())
                .map(|b| b.net)
                .sum()
        }))]
    }
    #[allow(clippy::too_many_arguments)]
    async fn payouts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        #[graphql(default)] reverse: bool,
        transaction_type: Option<ShopifyPaymentsPayoutTransactionType>,
    ) -> Result<Connection<String, PayoutObj>> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
            reverse,
        };
        st(ctx).read(|s| {
            let want = |p: &Payout| match transaction_type {
                Some(ShopifyPaymentsPayoutTransactionType::Withdrawal) => p.net < 0,
                Some(ShopifyPaymentsPayoutTransactionType::Deposit) => p.net >= 0,
                None => true,
            };
            let rows = s
                .payouts
                .values()
                .filter(|p| want(p))
                .map(|p| (p.issued_at, p.id))
                .collect();
            paginate(rows, &args, |id| s.payouts.get(&id).cloned().map(PayoutObj))
        })
    }
    #[allow(clippy::too_many_arguments)]
    async fn balance_transactions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        #[graphql(default)] reverse: bool,
        query: Option<String>,
    ) -> Result<Connection<String, BalanceTransactionObj>> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
            reverse,
        };
        let terms = super::paging::parse_query(query.as_deref().unwrap_or(""));
        st(ctx).read(|s| {
            let rows = s
                .balance
                .values()
                .filter(|b| {
                    super::paging::matches(&terms, |f| match f {
                        "payout_id" => Some(super::paging::Field::Num(
                            b.payout_id.map_or(-1, |p| p as i64),
                        )),
                        "processed_at" | "transaction_date" => {
                            Some(super::paging::Field::Time(b.processed_at))
                        }
                        _ => None,
                    })
                })
                .map(|b| (b.processed_at, b.id))
                .collect();
            paginate(rows, &args, |id| {
                s.balance.get(&id).cloned().map(BalanceTransactionObj)
            })
        })
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum WebhookSubscriptionTopic {
    OrdersCreate,
    OrdersUpdated,
    RefundsCreate,
    InventoryLevelsUpdate,
    FulfillmentsCreate,
    CustomersCreate,
    CustomersUpdate,
}

impl WebhookSubscriptionTopic {
    /// REST spelling, e.g. `orders/create`.
    pub fn rest(self) -> &'static str {
        match self {
            Self::OrdersCreate => "orders/create",
            Self::OrdersUpdated => "orders/updated",
            Self::RefundsCreate => "refunds/create",
            Self::InventoryLevelsUpdate => "inventory_levels/update",
            Self::FulfillmentsCreate => "fulfillments/create",
            Self::CustomersCreate => "customers/create",
            Self::CustomersUpdate => "customers/update",
        }
    }

    /// Parse the REST spelling.
    pub fn from_rest(topic: &str) -> Option<Self> {
        [
            Self::OrdersCreate,
            Self::OrdersUpdated,
            Self::RefundsCreate,
            Self::InventoryLevelsUpdate,
            Self::FulfillmentsCreate,
            Self::CustomersCreate,
            Self::CustomersUpdate,
        ]
        .into_iter()
        .find(|t| t.rest() == topic)
    }
}

/// `WebhookSubscription`.
#[derive(Clone)]
pub struct WebhookSubObj(pub WebhookSub);

#[Object(name = "WebhookSubscription")]
impl WebhookSubObj {
    async fn id(&self) -> ID {
        gid("WebhookSubscription", self.0.id)
    }
    async fn topic(&self) -> Option<WebhookSubscriptionTopic> {
        WebhookSubscriptionTopic::from_rest(&self.0.topic)
    }
    async fn format(&self) -> &str {
        "JSON"
    }
    async fn uri(&self) -> &str {
        &self.0.callback_url
    }
    async fn callback_url(&self) -> Url {
        Url(self.0.callback_url.clone())
    }
    async fn created_at(&self) -> DateTime {
        DateTime::at(self.0.created_at)
    }
}
