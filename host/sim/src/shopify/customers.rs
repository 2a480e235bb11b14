//! The GraphQL `Customer` type: identity fields a connector matches on (email, phone, names) plus
//! order count and amount spent computed from the simulator's orders.
//!
//! Deliberately not modelled: addresses, marketing consent, segments, metafields.

use async_graphql::{Context, ID, Object};

use super::model::Customer;
use super::scalars::{DateTime, MoneyV2, UnsignedInt64, gid, st};

/// `Customer`.
#[derive(Clone)]
pub struct CustomerObj(pub Customer);

#[Object(name = "Customer")]
impl CustomerObj {
    async fn id(&self) -> ID {
        gid("Customer", self.0.id)
    }
    async fn legacy_resource_id(&self) -> UnsignedInt64 {
        UnsignedInt64::of(self.0.id)
    }
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    async fn first_name(&self) -> Option<&str> {
        self.0.first_name.as_deref()
    }
    async fn last_name(&self) -> Option<&str> {
        self.0.last_name.as_deref()
    }
    async fn display_name(&self) -> String {
        [&self.0.first_name, &self.0.last_name]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(" ")
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn tags(&self) -> &[String] {
        &self.0.tags
    }
    async fn created_at(&self) -> DateTime {
        DateTime::at(self.0.created_at)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime::at(self.0.updated_at)
    }
    async fn number_of_orders(&self, ctx: &Context<'_>) -> UnsignedInt64 {
        UnsignedInt64::of(st(ctx).read(|s| {
            s.orders
                .values()
                .filter(|o| o.customer_id == Some(self.0.id))
                .count() as u64
        }))
    }
    async fn amount_spent(&self, ctx: &Context<'_>) -> MoneyV2 {
        let st = st(ctx);
        st.money(st.read(|s| {
            s.orders
                .values()
                .filter(|o| o.customer_id == Some(self.0.id))
                .map(|o| o.total_price() - o.total_refunded())
                .sum()
        }))
    }
}
