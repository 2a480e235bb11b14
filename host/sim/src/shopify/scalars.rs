//! Shopify's custom GraphQL scalars (`DateTime`, `Decimal`, `Money`, `URL`, `UnsignedInt64`) and
//! global-id helpers. Declaring the scalars under Shopify's names matters: connectors declare
//! variables such as `$amount: Money!` or `$url: URL!`, and a schema that used `String` instead
//! would fail their documents at validation.
//!
//! Deliberately lenient on input: `Decimal`/`Money` accept a JSON string or number, as Shopify does.

use async_graphql::{Context, ID, InputValueError, InputValueResult, Scalar, ScalarType, Value};
use serde::{Deserialize, Serialize};

use super::model::{money, parse_money};
use super::state::SimState;
use super::timefmt::{self, Millis};

/// RFC 3339 date-time.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DateTime(pub String);
async_graphql::scalar!(DateTime, "DateTime");

impl DateTime {
    pub fn at(ms: Millis) -> Self {
        Self(timefmt::format(ms))
    }
}

/// An absolute URL.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Url(pub String);
async_graphql::scalar!(Url, "URL");

/// A 64-bit unsigned integer, serialised as a string.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnsignedInt64(pub String);
async_graphql::scalar!(UnsignedInt64, "UnsignedInt64");

impl UnsignedInt64 {
    pub fn of(n: u64) -> Self {
        Self(n.to_string())
    }
}

macro_rules! decimal_scalar {
    ($ty:ident, $name:literal) => {
        /// A decimal amount, kept in minor units.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $ty(pub i64);

        #[Scalar(name = $name)]
        impl ScalarType for $ty {
            fn parse(value: Value) -> InputValueResult<Self> {
                let text = match &value {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => return Err(InputValueError::expected_type(value)),
                };
                parse_money(&text)
                    .map($ty)
                    .ok_or_else(|| InputValueError::custom(format!("invalid {}: {text}", $name)))
            }

            fn to_value(&self) -> Value {
                Value::String(money(self.0))
            }
        }
    };
}
decimal_scalar!(Decimal, "Decimal");
decimal_scalar!(Money, "Money");

/// `gid://shopify/{kind}/{id}`.
pub fn gid(kind: &str, id: u64) -> ID {
    ID(crate::seed::gid(kind, id))
}

/// The numeric id inside a global id of `kind` (query parameters ignored); errors name the id.
pub fn parse_gid(kind: &str, id: &str) -> async_graphql::Result<u64> {
    id.strip_prefix("gid://shopify/")
        .and_then(|r| r.strip_prefix(kind))
        .and_then(|r| r.strip_prefix('/'))
        .map(|r| r.split('?').next().unwrap_or(r))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| async_graphql::Error::new(format!("invalid global id `{id}` for {kind}")))
}

/// `MoneyV2`.
#[derive(async_graphql::SimpleObject, Clone)]
#[graphql(name = "MoneyV2")]
pub struct MoneyV2 {
    pub amount: Decimal,
    pub currency_code: String,
}

/// `MoneyBag` (shop and presentment money; one currency here).
#[derive(async_graphql::SimpleObject, Clone)]
pub struct MoneyBag {
    pub shop_money: MoneyV2,
    pub presentment_money: MoneyV2,
}

/// The simulator state behind every resolver.
pub fn st<'a>(ctx: &Context<'a>) -> &'a SimState {
    ctx.data_unchecked::<std::sync::Arc<SimState>>()
}

impl SimState {
    pub fn money(&self, minor: i64) -> MoneyV2 {
        MoneyV2 {
            amount: Decimal(minor),
            currency_code: self.currency.clone(),
        }
    }

    pub fn bag(&self, minor: i64) -> MoneyBag {
        MoneyBag {
            shop_money: self.money(minor),
            presentment_money: self.money(minor),
        }
    }
}
