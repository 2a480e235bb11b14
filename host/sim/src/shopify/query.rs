//! The GraphQL `QueryRoot`: single-record lookups by global id and the paged, filterable lists a
//! sync connector reads (`products`, `productVariants`, `inventoryItems`, `locations`, `orders`,
//! `customers`), plus `shop`, `shopifyPaymentsAccount` and `webhookSubscriptions`.
//!
//! Incremental reads: every list accepts `query:` (see `paging.rs` for the syntax; `updated_at`,
//! `created_at`, `sku`, `email`, `phone`… per resource) and `sortKey: ID | CREATED_AT |
//! UPDATED_AT` with `reverse`. Deliberately not supported: other sort keys (e.g. `TITLE`),
//! saved searches, `nodes(ids:)`.

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, Object, Result};

use super::catalog::{InventoryItemObj, LocationObj, ProductObj, ShopObj, VariantObj};
use super::paging::{Field, PageArgs, matches, paginate, parse_query};
use super::payments::{PaymentsAccount, WebhookSubObj, WebhookSubscriptionTopic};
use super::sales::{CustomerObj, OrderObj, RefundObj};
use super::scalars::{parse_gid, st};
use super::timefmt::Millis;

macro_rules! sort_keys {
    ($($name:ident),*) => {$(
        /// Sort keys this simulator supports.
        #[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
        pub enum $name {
            #[default]
            Id,
            CreatedAt,
            UpdatedAt,
        }
        impl $name {
            fn key(self, id: u64, created: Millis, updated: Millis) -> i64 {
                match self {
                    Self::Id => id as i64,
                    Self::CreatedAt => created,
                    Self::UpdatedAt => updated,
                }
            }
        }
    )*};
}
sort_keys!(
    ProductSortKeys,
    ProductVariantSortKeys,
    InventoryItemSortKeys,
    OrderSortKeys,
    CustomerSortKeys
);

fn text(s: &str) -> Option<Field> {
    Some(Field::Text(Some(s.to_string())))
}

/// The query root.
pub struct QueryRoot;

#[Object]
impl QueryRoot {
    async fn shop(&self) -> ShopObj {
        ShopObj
    }

    async fn location(&self, ctx: &Context<'_>, id: ID) -> Result<Option<LocationObj>> {
        let id = parse_gid("Location", &id)?;
        Ok(st(ctx).read(|s| s.locations.get(&id).cloned().map(LocationObj)))
    }

    async fn locations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        #[graphql(default)] reverse: bool,
    ) -> Result<Connection<String, LocationObj>> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
            reverse,
        };
        st(ctx).read(|s| {
            paginate(
                s.locations.keys().map(|id| (*id as i64, *id)).collect(),
                &args,
                |id| s.locations.get(&id).cloned().map(LocationObj),
            )
        })
    }

    async fn product(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ProductObj>> {
        let id = parse_gid("Product", &id)?;
        Ok(st(ctx).read(|s| s.products.get(&id).cloned().map(ProductObj)))
    }

    #[allow(clippy::too_many_arguments)]
    async fn products(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        #[graphql(default)] reverse: bool,
        query: Option<String>,
        #[graphql(default)] sort_key: ProductSortKeys,
    ) -> Result<Connection<String, ProductObj>> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
            reverse,
        };
        let terms = parse_query(query.as_deref().unwrap_or(""));
        st(ctx).read(|s| {
            let rows =
                s.products
                    .values()
                    .filter(|p| {
                        matches(&terms, |f| match f {
                            "" | "title" => text(&p.title),
                            "handle" => text(&p.handle),
                            "vendor" => text(&p.vendor),
                            "product_type" => text(&p.product_type),
                            "status" => text(&p.status),
                            "id" => Some(Field::Num(p.id as i64)),
                            "updated_at" => Some(Field::Time(p.updated_at)),
                            "created_at" => Some(Field::Time(p.created_at)),
                            "sku" => {
                                let want = terms
                                    .iter()
                                    .find(|t| t.field == "sku")
                                    .map(|t| t.value.to_lowercase())
                                    .unwrap_or_default();
                                let hit =
                                    p.variant_ids.iter().filter_map(|v| s.variants.get(v)).find(
                                        |v| {
                                            let sku = v.sku.to_lowercase();
                                            want.strip_suffix('*')
                                                .map_or(sku == want, |pre| sku.starts_with(pre))
                                        },
                                    );
                                Some(Field::Text(hit.map(|v| v.sku.clone())))
                            }
                            _ => None,
                        })
                    })
                    .map(|p| (sort_key.key(p.id, p.created_at, p.updated_at), p.id))
                    .collect();
            paginate(rows, &args, |id| {
                s.products.get(&id).cloned().map(ProductObj)
            })
        })
    }

    async fn product_variant(&self, ctx: &Context<'_>, id: ID) -> Result<Option<VariantObj>> {
        let id = parse_gid("ProductVariant", &id)?;
        Ok(st(ctx).read(|s| s.variants.get(&id).cloned().map(VariantObj)))
    }

    #[allow(clippy::too_many_arguments)]
    async fn product_variants(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        #[graphql(default)] reverse: bool,
        query: Option<String>,
        #[graphql(default)] sort_key: ProductVariantSortKeys,
    ) -> Result<Connection<String, VariantObj>> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
            reverse,
        };
        let terms = parse_query(query.as_deref().unwrap_or(""));
        st(ctx).read(|s| {
            let rows = s
                .variants
                .values()
                .filter(|v| {
                    matches(&terms, |f| match f {
                        "" | "title" => text(&v.title),
                        "sku" => text(&v.sku),
                        "barcode" => text(&v.barcode),
                        "product_id" => Some(Field::Num(v.product_id as i64)),
                        "id" => Some(Field::Num(v.id as i64)),
                        "updated_at" => Some(Field::Time(v.updated_at)),
                        "created_at" => Some(Field::Time(v.created_at)),
                        _ => None,
                    })
                })
                .map(|v| (sort_key.key(v.id, v.created_at, v.updated_at), v.id))
                .collect();
            paginate(rows, &args, |id| {
                s.variants.get(&id).cloned().map(VariantObj)
            })
        })
    }

    async fn inventory_item(&self, ctx: &Context<'_>, id: ID) -> Result<Option<InventoryItemObj>> {
        let id = parse_gid("InventoryItem", &id)?;
        Ok(st(ctx).read(|s| s.items.get(&id).cloned().map(InventoryItemObj)))
    }

    #[allow(clippy::too_many_arguments)]
    async fn inventory_items(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        #[graphql(default)] reverse: bool,
        query: Option<String>,
        #[graphql(default)] sort_key: InventoryItemSortKeys,
    ) -> Result<Connection<String, InventoryItemObj>> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
            reverse,
        };
        let terms = parse_query(query.as_deref().unwrap_or(""));
        st(ctx).read(|s| {
            let rows = s
                .items
                .values()
                .filter(|i| {
                    matches(&terms, |f| match f {
                        "" | "sku" => text(&i.sku),
                        "id" => Some(Field::Num(i.id as i64)),
                        "updated_at" => Some(Field::Time(i.updated_at)),
                        "created_at" => Some(Field::Time(i.created_at)),
                        _ => None,
                    })
                })
                .map(|i| (sort_key.key(i.id, i.created_at, i.updated_at), i.id))
                .collect();
            paginate(rows, &args, |id| {
                s.items.get(&id).cloned().map(InventoryItemObj)
            })
        })
    }

    async fn order(&self, ctx: &Context<'_>, id: ID) -> Result<Option<OrderObj>> {
        let id = parse_gid("Order", &id)?;
        Ok(st(ctx).read(|s| s.orders.get(&id).cloned().map(OrderObj)))
    }

    #[allow(clippy::too_many_arguments)]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        #[graphql(default)] reverse: bool,
        query: Option<String>,
        #[graphql(default)] sort_key: OrderSortKeys,
    ) -> Result<Connection<String, OrderObj>> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
            reverse,
        };
        let terms = parse_query(query.as_deref().unwrap_or(""));
        st(ctx).read(|s| {
            let rows = s
                .orders
                .values()
                .filter(|o| {
                    matches(&terms, |f| match f {
                        "" | "name" => text(&o.name),
                        "email" => Some(Field::Text(o.email.clone())),
                        "financial_status" => text(o.financial_status()),
                        "fulfillment_status" => {
                            text(o.fulfillment_status().unwrap_or("unfulfilled"))
                        }
                        "location_id" => Some(Field::Num(o.location_id as i64)),
                        "customer_id" => Some(Field::Num(o.customer_id.map_or(-1, |c| c as i64))),
                        "id" => Some(Field::Num(o.id as i64)),
                        "updated_at" => Some(Field::Time(o.updated_at)),
                        "created_at" | "processed_at" => Some(Field::Time(o.created_at)),
                        _ => None,
                    })
                })
                .map(|o| (sort_key.key(o.id, o.created_at, o.updated_at), o.id))
                .collect();
            paginate(rows, &args, |id| s.orders.get(&id).cloned().map(OrderObj))
        })
    }

    async fn refund(&self, ctx: &Context<'_>, id: ID) -> Result<Option<RefundObj>> {
        let id = parse_gid("Refund", &id)?;
        Ok(st(ctx).read(|s| s.refunds.get(&id).cloned().map(RefundObj)))
    }

    async fn customer(&self, ctx: &Context<'_>, id: ID) -> Result<Option<CustomerObj>> {
        let id = parse_gid("Customer", &id)?;
        Ok(st(ctx).read(|s| s.customers.get(&id).cloned().map(CustomerObj)))
    }

    #[allow(clippy::too_many_arguments)]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        #[graphql(default)] reverse: bool,
        query: Option<String>,
        #[graphql(default)] sort_key: CustomerSortKeys,
    ) -> Result<Connection<String, CustomerObj>> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
            reverse,
        };
        let terms = parse_query(query.as_deref().unwrap_or(""));
        st(ctx).read(|s| {
            let rows = s
                .customers
                .values()
                .filter(|c| {
                    matches(&terms, |f| match f {
                        "email" => Some(Field::Text(c.email.clone())),
                        "phone" => Some(Field::Text(c.phone.clone())),
                        "first_name" => Some(Field::Text(c.first_name.clone())),
                        "last_name" => Some(Field::Text(c.last_name.clone())),
                        "" => Some(Field::Text(Some(format!(
                            "{} {} {} {}",
                            c.first_name.as_deref().unwrap_or(""),
                            c.last_name.as_deref().unwrap_or(""),
                            c.email.as_deref().unwrap_or(""),
                            c.phone.as_deref().unwrap_or("")
                        )))),
                        "id" => Some(Field::Num(c.id as i64)),
                        "updated_at" => Some(Field::Time(c.updated_at)),
                        "created_at" => Some(Field::Time(c.created_at)),
                        _ => None,
                    })
                })
                .map(|c| (sort_key.key(c.id, c.created_at, c.updated_at), c.id))
                .collect();
            paginate(rows, &args, |id| {
                s.customers.get(&id).cloned().map(CustomerObj)
            })
        })
    }

    async fn shopify_payments_account(&self) -> PaymentsAccount {
        PaymentsAccount
    }

    async fn webhook_subscriptions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        topics: Option<Vec<WebhookSubscriptionTopic>>,
    ) -> Result<Connection<String, WebhookSubObj>> {
        let args = PageArgs {
            first,
            after,
            ..PageArgs::default()
        };
        st(ctx).read(|s| {
            let rows = s
                .webhooks
                .values()
                .filter(|w| {
                    topics
                        .as_ref()
                        .is_none_or(|t| t.iter().any(|t| t.rest() == w.topic))
                })
                .map(|w| (w.id as i64, w.id))
                .collect();
            paginate(rows, &args, |id| {
                s.webhooks.get(&id).cloned().map(WebhookSubObj)
            })
        })
    }
}
