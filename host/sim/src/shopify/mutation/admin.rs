//! Admin mutations: `customerCreate`/`customerUpdate` (unique email and phone),
//! `productUpdate`, `productVariantsBulkUpdate` (price, barcode, SKU, cost) and webhook
//! subscriptions. Deliberately not here: product creation and deletion, media, metafields.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};

use super::super::catalog::{ProductObj, VariantObj};
use super::super::model::Customer;
use super::super::payments::{WebhookSubObj, WebhookSubscriptionTopic};
use super::super::sales::CustomerObj;
use super::super::scalars::{Decimal, Money, Url, parse_gid, st};
use super::super::store::UserError;
use super::super::webhooks;
use super::*;

#[derive(InputObject)]
pub struct CustomerInput {
    id: Option<ID>,
    email: MaybeUndefined<String>,
    phone: MaybeUndefined<String>,
    first_name: MaybeUndefined<String>,
    last_name: MaybeUndefined<String>,
    note: MaybeUndefined<String>,
    tags: Option<Vec<String>>,
}

#[derive(SimpleObject, Clone)]
pub struct CustomerPayload {
    customer: Option<CustomerObj>,
    user_errors: Vec<UserErrorObj>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum WebhookSubscriptionFormat {
    Json,
    Xml,
}

#[derive(InputObject)]
pub struct WebhookSubscriptionInput {
    callback_url: Option<Url>,
    uri: Option<String>,
    format: Option<WebhookSubscriptionFormat>,
}

#[derive(SimpleObject, Clone)]
pub struct WebhookSubscriptionCreatePayload {
    webhook_subscription: Option<WebhookSubObj>,
    user_errors: Vec<UserErrorObj>,
}

#[derive(SimpleObject, Clone)]
pub struct WebhookSubscriptionDeletePayload {
    deleted_webhook_subscription_id: Option<ID>,
    user_errors: Vec<UserErrorObj>,
}

#[derive(InputObject)]
pub struct ProductUpdateInput {
    id: ID,
    title: Option<String>,
    handle: Option<String>,
    vendor: Option<String>,
    product_type: Option<String>,
    status: Option<String>,
    tags: Option<Vec<String>>,
}

#[derive(SimpleObject, Clone)]
pub struct ProductUpdatePayload {
    product: Option<ProductObj>,
    user_errors: Vec<UserErrorObj>,
}

#[derive(InputObject)]
pub struct InventoryItemInput {
    sku: Option<String>,
    tracked: Option<bool>,
    cost: Option<Decimal>,
}

#[derive(InputObject)]
pub struct ProductVariantsBulkInput {
    id: ID,
    price: Option<Money>,
    barcode: Option<String>,
    inventory_item: Option<InventoryItemInput>,
}

#[derive(SimpleObject, Clone)]
pub struct ProductVariantsBulkUpdatePayload {
    product: Option<ProductObj>,
    product_variants: Option<Vec<VariantObj>>,
    user_errors: Vec<UserErrorObj>,
}

#[derive(Default)]
pub struct AdminMutations;

#[Object]
impl AdminMutations {
    async fn customer_create(
        &self,
        ctx: &Context<'_>,
        input: CustomerInput,
    ) -> Result<CustomerPayload> {
        upsert_customer(ctx, None, input)
    }

    async fn customer_update(
        &self,
        ctx: &Context<'_>,
        input: CustomerInput,
    ) -> Result<CustomerPayload> {
        let Some(id) = &input.id else {
            return Ok(CustomerPayload {
                customer: None,
                user_errors: vec![UserError::new("BLANK", &["id"], "id is required").into()],
            });
        };
        let id = parse_gid("Customer", id)?;
        upsert_customer(ctx, Some(id), input)
    }

    async fn webhook_subscription_create(
        &self,
        ctx: &Context<'_>,
        topic: WebhookSubscriptionTopic,
        webhook_subscription: WebhookSubscriptionInput,
    ) -> Result<WebhookSubscriptionCreatePayload> {
        let url = webhook_subscription
            .callback_url
            .map(|u| u.0)
            .or(webhook_subscription.uri);
        let Some(url) = url.filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        else {
            return Ok(WebhookSubscriptionCreatePayload {
                webhook_subscription: None,
                user_errors: vec![
                    UserError::new(
                        "INVALID",
                        &["webhookSubscription", "callbackUrl"],
                        "Address is invalid",
                    )
                    .into(),
                ],
            });
        };
        let _ = webhook_subscription.format;
        let sub = st(ctx).mutate(|s, now| webhooks::subscribe(s, topic.rest(), &url, now));
        Ok(WebhookSubscriptionCreatePayload {
            webhook_subscription: Some(WebhookSubObj(sub)),
            user_errors: Vec::new(),
        })
    }

    async fn webhook_subscription_delete(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<WebhookSubscriptionDeletePayload> {
        let n = parse_gid("WebhookSubscription", &id)?;
        let removed = st(ctx).mutate(|s, _| s.webhooks.remove(&n).is_some());
        Ok(if removed {
            WebhookSubscriptionDeletePayload {
                deleted_webhook_subscription_id: Some(id),
                user_errors: Vec::new(),
            }
        } else {
            WebhookSubscriptionDeletePayload {
                deleted_webhook_subscription_id: None,
                user_errors: vec![
                    UserError::new("NOT_FOUND", &["id"], "Webhook subscription does not exist")
                        .into(),
                ],
            }
        })
    }

    /// Edit product fields (2024-10+ `product:` argument).
    async fn product_update(
        &self,
        ctx: &Context<'_>,
        product: ProductUpdateInput,
    ) -> Result<ProductUpdatePayload> {
        let id = parse_gid("Product", &product.id)?;
        let out = st(ctx).mutate(|s, now| {
            let p = s.products.get_mut(&id)?;
            let set = |slot: &mut String, v: Option<String>| {
                if let Some(v) = v {
                    *slot = v
                }
            };
            set(&mut p.title, product.title);
            set(&mut p.handle, product.handle);
            set(&mut p.vendor, product.vendor);
            set(&mut p.product_type, product.product_type);
            set(&mut p.status, product.status);
            if let Some(t) = product.tags {
                p.tags = t;
            }
            p.updated_at = now;
            Some(p.clone())
        });
        Ok(match out {
            Some(p) => ProductUpdatePayload {
                product: Some(ProductObj(p)),
                user_errors: Vec::new(),
            },
            None => ProductUpdatePayload {
                product: None,
                user_errors: vec![
                    UserError::new("NOT_FOUND", &["product", "id"], "Product does not exist")
                        .into(),
                ],
            },
        })
    }

    /// Edit variants' price, barcode, SKU, cost.
    async fn product_variants_bulk_update(
        &self,
        ctx: &Context<'_>,
        product_id: ID,
        variants: Vec<ProductVariantsBulkInput>,
    ) -> Result<ProductVariantsBulkUpdatePayload> {
        let pid = parse_gid("Product", &product_id)?;
        let mut ids = Vec::new();
        for v in &variants {
            ids.push(parse_gid("ProductVariant", &v.id)?);
        }
        st(ctx).mutate(|s, now| {
            let fail = |f: &str, m: &str| {
                Ok(ProductVariantsBulkUpdatePayload {
                    product: None,
                    product_variants: None,
                    user_errors: vec![UserError::new("INVALID", &["variants", f], m).into()],
                })
            };
            if !s.products.contains_key(&pid)
                || ids
                    .iter()
                    .any(|id| s.variants.get(id).is_none_or(|v| v.product_id != pid))
            {
                return fail("id", "Product variant does not exist on this product");
            }
            for (v, id) in variants.iter().zip(&ids) {
                let sku = v.inventory_item.as_ref().and_then(|i| i.sku.clone());
                if let Some(sku) = &sku
                    && s.sku_index.get(sku).is_some_and(|other| other != id)
                {
                    return fail("inventoryItem", "SKU is already used by another variant");
                }
                let var = s.variants.get_mut(id).expect("checked");
                if let Some(p) = v.price {
                    var.price = p.0;
                }
                if let Some(b) = &v.barcode {
                    var.barcode = b.clone();
                }
                var.updated_at = now;
                let item_id = var.inventory_item_id;
                if let Some(sku) = sku {
                    let old = std::mem::replace(&mut var.sku, sku.clone());
                    s.sku_index.remove(&old);
                    s.sku_index.insert(sku.clone(), *id);
                    s.items.get_mut(&item_id).expect("1:1").sku = sku;
                }
                let item = s.items.get_mut(&item_id).expect("1:1");
                if let Some(i) = &v.inventory_item {
                    item.tracked = i.tracked.unwrap_or(item.tracked);
                    item.unit_cost = i.cost.map_or(item.unit_cost, |c| c.0);
                }
                item.updated_at = now;
            }
            let p = s.products.get_mut(&pid).expect("checked");
            p.updated_at = now;
            Ok(ProductVariantsBulkUpdatePayload {
                product: Some(ProductObj(p.clone())),
                product_variants: Some(
                    ids.iter()
                        .map(|id| VariantObj(s.variants[id].clone()))
                        .collect(),
                ),
                user_errors: Vec::new(),
            })
        })
    }
}

fn upsert_customer(
    ctx: &Context<'_>,
    id: Option<u64>,
    input: CustomerInput,
) -> Result<CustomerPayload> {
    let state = st(ctx);
    let existing = id.and_then(|id| state.read(|s| s.customers.get(&id).cloned()));
    let base = existing.unwrap_or(Customer {
        id: 0,
        email: None,
        phone: None,
        first_name: None,
        last_name: None,
        note: None,
        tags: Vec::new(),
        created_at: 0,
        updated_at: 0,
    });
    let pick = |m: MaybeUndefined<String>, old: Option<String>| match m {
        MaybeUndefined::Undefined => old,
        MaybeUndefined::Null => None,
        MaybeUndefined::Value(v) => Some(v),
    };
    let c = Customer {
        email: pick(input.email, base.email.clone()),
        phone: pick(input.phone, base.phone.clone()),
        first_name: pick(input.first_name, base.first_name.clone()),
        last_name: pick(input.last_name, base.last_name.clone()),
        note: pick(input.note, base.note.clone()),
        tags: input.tags.unwrap_or(base.tags.clone()),
        ..base
    };
    if id.is_none()
        && c.email.is_none()
        && c.phone.is_none()
        && c.first_name.is_none()
        && c.last_name.is_none()
    {
        return Ok(CustomerPayload {
            customer: None,
            user_errors: vec![
                UserError::new(
                    "BLANK",
                    &["input"],
                    "Customer must have a name, phone number or email address",
                )
                .into(),
            ],
        });
    }
    Ok(match state.mutate(|s, now| s.upsert_customer(id, c, now)) {
        Ok(id) => CustomerPayload {
            customer: state.read(|s| s.customers.get(&id).cloned().map(CustomerObj)),
            user_errors: Vec::new(),
        },
        Err(e) => CustomerPayload {
            customer: None,
            user_errors: vec![e.into()],
        },
    })
}
