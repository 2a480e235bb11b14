//! `productSet`: the GraphQL face of [`Store::product_set`](super::super::store::Store) with
//! Shopify's input and payload type names (`ProductSetInput`, `OptionSetInput`,
//! `ProductVariantSetInput`, `VariantOptionValueInput`, `ProductSetPayload`,
//! `ProductSetUserError`), so a connector's document validates unchanged.
//!
//! Only synchronous mode: `synchronous` is accepted and the product always comes back in the
//! payload (Shopify returns a `productSetOperation` to poll when it is false). Deliberately not
//! here: the `identifier` argument, metafields, files, collections, inventory quantities.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use super::super::catalog::ProductObj;
use super::super::product_set::{OptionSpec, ProductSpec, VariantSpec};
use super::super::scalars::{Money, parse_gid, st};
use super::*;

/// `ProductStatus`.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ProductStatus {
    Active,
    Archived,
    Draft,
}

#[derive(InputObject)]
pub struct OptionValueSetInput {
    id: Option<ID>,
    name: Option<String>,
}

#[derive(InputObject)]
pub struct OptionSetInput {
    id: Option<ID>,
    name: Option<String>,
    position: Option<i32>,
    values: Option<Vec<OptionValueSetInput>>,
}

#[derive(InputObject)]
pub struct VariantOptionValueInput {
    id: Option<ID>,
    name: Option<String>,
    option_id: Option<ID>,
    option_name: Option<String>,
}

#[derive(InputObject)]
pub struct ProductVariantSetInput {
    id: Option<ID>,
    sku: Option<String>,
    barcode: Option<String>,
    price: Option<Money>,
    position: Option<i32>,
    option_values: Vec<VariantOptionValueInput>,
}

#[derive(InputObject)]
pub struct ProductSetInput {
    id: Option<ID>,
    title: Option<String>,
    handle: Option<String>,
    vendor: Option<String>,
    product_type: Option<String>,
    status: Option<ProductStatus>,
    tags: Option<Vec<String>>,
    product_options: Option<Vec<OptionSetInput>>,
    variants: Option<Vec<ProductVariantSetInput>>,
}

#[derive(SimpleObject, Clone)]
pub struct ProductSetPayload {
    product: Option<ProductObj>,
    user_errors: Vec<ProductSetUserError>,
}

fn status(s: ProductStatus) -> &'static str {
    match s {
        ProductStatus::Active => "ACTIVE",
        ProductStatus::Archived => "ARCHIVED",
        ProductStatus::Draft => "DRAFT",
    }
}

fn spec(input: ProductSetInput) -> Result<ProductSpec> {
    let options = input.product_options.map(|opts| {
        let mut opts: Vec<_> = opts.into_iter().enumerate().collect();
        opts.sort_by_key(|(i, o)| o.position.unwrap_or(*i as i32 + 1));
        opts.into_iter()
            .map(|(_, o)| OptionSpec {
                name: o.name.unwrap_or_default(),
                values: o
                    .values
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|v| v.name)
                    .collect(),
            })
            .collect::<Vec<_>>()
    });
    let mut variants = None;
    if let Some(list) = input.variants {
        let mut out = Vec::new();
        for v in list {
            let _ = v.position;
            out.push(VariantSpec {
                id: v
                    .id
                    .map(|id| parse_gid("ProductVariant", &id))
                    .transpose()?,
                sku: v.sku,
                barcode: v.barcode,
                price: v.price.map(|p| p.0),
                option_values: v
                    .option_values
                    .into_iter()
                    .map(|o| {
                        let _ = (o.id, o.option_id);
                        (
                            o.option_name.unwrap_or_default(),
                            o.name.unwrap_or_default(),
                        )
                    })
                    .collect(),
            });
        }
        variants = Some(out);
    }
    Ok(ProductSpec {
        id: input.id.map(|id| parse_gid("Product", &id)).transpose()?,
        title: input.title,
        handle: input.handle,
        vendor: input.vendor,
        product_type: input.product_type,
        status: input.status.map(|s| status(s).to_string()),
        tags: input.tags,
        options,
        variants,
    })
}

#[derive(Default)]
pub struct ProductMutations;

#[Object]
impl ProductMutations {
    /// Create or update a product with its options and full variant list.
    async fn product_set(
        &self,
        ctx: &Context<'_>,
        input: ProductSetInput,
        #[graphql(default = true)] synchronous: bool,
    ) -> Result<ProductSetPayload> {
        let _ = synchronous;
        let spec = spec(input)?;
        let state = st(ctx);
        Ok(match state.mutate(|s, now| s.product_set(spec, now)) {
            Ok(id) => ProductSetPayload {
                product: state.read(|s| s.products.get(&id).cloned().map(ProductObj)),
                user_errors: Vec::new(),
            },
            Err(e) => ProductSetPayload {
                product: None,
                user_errors: errs(e),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::shopify::{ShopifyConfig, ShopifySim};

    async fn gql(url: &str, query: &str, variables: Value) -> Value {
        reqwest::Client::new()
            .post(url)
            .header("X-Shopify-Access-Token", "sandbox")
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .expect("post")
            .json()
            .await
            .expect("json")
    }

    #[tokio::test]
    async fn product_set_creates_then_updates_through_the_schema() {
        let shop = ShopifySim::start(ShopifyConfig {
            items: 2,
            ..ShopifyConfig::default()
        })
        .await
        .expect("start");
        let doc = "mutation($input: ProductSetInput!) { productSet(input: $input, synchronous: true) {
            product { id title status options { name values } variants(first: 10) { nodes { id sku price selectedOptions { name value } inventoryItem { id } } } }
            userErrors { code field message } } }";
        let input = json!({"title": "Rain Jacket", "status": "DRAFT",
            "productOptions": [{"name": "Size", "values": [{"name": "S"}, {"name": "M"}]}],
            "variants": [
                {"sku": "RJ-S", "price": "89.00", "optionValues": [{"optionName": "Size", "name": "S"}]},
                {"sku": "RJ-M", "price": "89.00", "optionValues": [{"optionName": "Size", "name": "M"}]}]});
        let out = gql(&shop.graphql_url(), doc, json!({"input": input})).await;
        let p = &out["data"]["productSet"]["product"];
        assert_eq!(out["data"]["productSet"]["userErrors"], json!([]), "{out}");
        assert_eq!(
            (p["title"].as_str(), p["status"].as_str()),
            (Some("Rain Jacket"), Some("DRAFT"))
        );
        let small = p["variants"]["nodes"][0].clone();
        assert_eq!(small["price"], "89.00");
        assert_eq!(
            small["selectedOptions"],
            json!([{"name": "Size", "value": "S"}])
        );

        let update = json!({"id": p["id"], "title": "Rain Jacket Pro",
            "productOptions": [{"name": "Size", "values": [{"name": "S"}]}],
            "variants": [{"id": small["id"], "sku": "RJ-S", "price": "99.50", "optionValues": [{"optionName": "Size", "name": "S"}]}]});
        let out = gql(&shop.graphql_url(), doc, json!({"input": update})).await;
        let p = &out["data"]["productSet"]["product"];
        assert_eq!(p["title"], "Rain Jacket Pro");
        assert_eq!(p["status"], "DRAFT", "omitted fields stay");
        assert_eq!(p["variants"]["nodes"].as_array().map(Vec::len), Some(1));
        assert_eq!(p["variants"]["nodes"][0]["id"], small["id"]);
        assert_eq!(p["variants"]["nodes"][0]["price"], "99.50");

        let bad = json!({"id": "gid://shopify/Product/1", "title": "x"});
        let out = gql(&shop.graphql_url(), doc, json!({"input": bad})).await;
        assert_eq!(
            out["data"]["productSet"]["userErrors"][0]["code"],
            "PRODUCT_DOES_NOT_EXIST"
        );
    }
}
