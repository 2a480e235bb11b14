//! The GraphQL `MutationRoot`, merged from four groups: `inventory` (compare-and-set quantity
//! writes with `@idempotent`), `orders` (fulfilment with tracking, refunds with restock),
//! `admin` (customers, catalogue edits, webhook subscriptions) and `products` (`productSet`).
//! Inputs and payloads carry Shopify's type names so connectors' documents (which declare
//! variables such as `$input: InventorySetQuantitiesInput!`) validate unchanged.
//!
//! Every mutation is all-or-nothing: user errors are returned in `userErrors` with nothing
//! applied. Deliberately not here: `orderCreate` (orders come from the activity generator and
//! [`crate::shopify::RunningShopify::create_order`]), `productCreate`, returns.

mod admin;
mod inventory;
mod orders;
mod products;

use async_graphql::{MergedObject, SimpleObject};

use super::store::UserError;

macro_rules! user_error_type {
    ($($ty:ident),*) => {$(
        /// A user error (`code` is the error-code enum value where Shopify defines one).
        #[derive(SimpleObject, Clone, Debug)]
        pub struct $ty {
            pub code: Option<String>,
            pub field: Option<Vec<String>>,
            pub message: String,
        }
        impl From<UserError> for $ty {
            fn from(e: UserError) -> Self {
                Self { code: e.code, field: Some(e.field), message: e.message }
            }
        }
    )*};
}
user_error_type!(
    InventorySetQuantitiesUserError,
    InventoryAdjustQuantitiesUserError,
    ProductSetUserError,
    UserErrorObj
);

pub(super) fn errs<T: From<UserError>>(e: Vec<UserError>) -> Vec<T> {
    e.into_iter().map(T::from).collect()
}

/// The mutation root.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    inventory::InventoryMutations,
    orders::OrderMutations,
    admin::AdminMutations,
    products::ProductMutations,
);
