//! GraphQL object types for the catalogue and stock: `Shop`, `Location`, `Product`,
//! `ProductVariant`, `InventoryItem`, `InventoryLevel` with `quantities(names:)`. Each wraps a
//! snapshot of the record and reads related records from the store when a field asks for them.
//!
//! Deliberately not modelled: media, metafields, collections, selling plans, markets, price lists.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::model::{InventoryItem, Level, Location, Product, QUANTITY_NAMES, Variant};
use super::paging::{PageArgs, paginate};
use super::scalars::{DateTime, MoneyV2, UnsignedInt64, gid, parse_gid, st};

/// `Shop`.
pub struct ShopObj;

#[Object(name = "Shop")]
impl ShopObj {
    async fn id(&self) -> ID {
        gid("Shop", 1)
    }
    async fn name(&self, ctx: &Context<'_>) -> String {
        st(ctx).read(|s| s.shop_name.clone())
    }
    async fn myshopify_domain(&self, ctx: &Context<'_>) -> String {
        st(ctx).settings.shop_domain.clone()
    }
    async fn currency_code(&self, ctx: &Context<'_>) -> String {
        st(ctx).currency.clone()
    }
}

/// `Location`.
#[derive(Clone)]
pub struct LocationObj(pub Location);

#[Object(name = "Location")]
impl LocationObj {
    async fn id(&self) -> ID {
        gid("Location", self.0.id)
    }
    async fn legacy_resource_id(&self) -> UnsignedInt64 {
        UnsignedInt64::of(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn is_active(&self) -> bool {
        true
    }
    async fn fulfills_online_orders(&self) -> bool {
        true
    }
    async fn created_at(&self) -> DateTime {
        DateTime::at(self.0.created_at)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime::at(self.0.updated_at)
    }
    async fn inventory_level(
        &self,
        ctx: &Context<'_>,
        inventory_item_id: ID,
    ) -> Result<Option<LevelObj>> {
        let item = parse_gid("InventoryItem", &inventory_item_id)?;
        Ok(st(ctx).read(|s| s.levels.get(&(item, self.0.id)).cloned().map(LevelObj)))
    }
    #[allow(clippy::too_many_arguments)]
    async fn inventory_levels(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        #[graphql(default)] reverse: bool,
    ) -> Result<Connection<String, LevelObj>> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
            reverse,
        };
        st(ctx).read(|s| {
            let rows = s
                .levels
                .keys()
                .filter(|(_, l)| *l == self.0.id)
                .map(|(i, _)| (0, *i))
                .collect();
            paginate(rows, &args, |item| {
                s.levels.get(&(item, self.0.id)).cloned().map(LevelObj)
            })
        })
    }
}

/// `ProductOption`.
#[derive(SimpleObject, Clone)]
#[graphql(name = "ProductOption")]
pub struct ProductOptionObj {
    pub id: ID,
    pub name: String,
    pub position: i32,
    pub values: Vec<String>,
}

/// `SelectedOption`.
#[derive(SimpleObject, Clone)]
pub struct SelectedOption {
    pub name: String,
    pub value: String,
}

/// `Product`.
#[derive(Clone)]
pub struct ProductObj(pub Product);

#[Object(name = "Product")]
impl ProductObj {
    async fn id(&self) -> ID {
        gid("Product", self.0.id)
    }
    async fn legacy_resource_id(&self) -> UnsignedInt64 {
        UnsignedInt64::of(self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn handle(&self) -> &str {
        &self.0.handle
    }
    async fn vendor(&self) -> &str {
        &self.0.vendor
    }
    async fn product_type(&self) -> &str {
        &self.0.product_type
    }
    async fn status(&self) -> &str {
        &self.0.status
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
    async fn options(&self) -> Vec<ProductOptionObj> {
        self.0
            .options
            .iter()
            .enumerate()
            .map(|(i, (name, values))| ProductOptionObj {
                id: ID(format!(
                    "gid://shopify/ProductOption/{}{}",
                    self.0.id,
                    i + 1
                )),
                name: name.clone(),
                position: i as i32 + 1,
                values: values.clone(),
            })
            .collect()
    }
    async fn total_inventory(&self, ctx: &Context<'_>) -> i64 {
        st(ctx).read(|s| {
            let items: Vec<u64> = self
                .0
                .variant_ids
                .iter()
                .filter_map(|v| s.variants.get(v))
                .map(|v| v.inventory_item_id)
                .collect();
            s.levels
                .values()
                .filter(|l| items.contains(&l.item_id))
                .map(|l| l.available)
                .sum()
        })
    }
    async fn variants(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        #[graphql(default)] reverse: bool,
    ) -> Result<Connection<String, VariantObj>> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
            reverse,
        };
        st(ctx).read(|s| {
            let rows = self
                .0
                .variant_ids
                .iter()
                .filter_map(|id| s.variants.get(id))
                .map(|v| (v.position as i64, v.id))
                .collect();
            paginate(rows, &args, |id| {
                s.variants.get(&id).cloned().map(VariantObj)
            })
        })
    }
}

/// `ProductVariant`.
#[derive(Clone)]
pub struct VariantObj(pub Variant);

#[Object(name = "ProductVariant")]
impl VariantObj {
    async fn id(&self) -> ID {
        gid("ProductVariant", self.0.id)
    }
    async fn legacy_resource_id(&self) -> UnsignedInt64 {
        UnsignedInt64::of(self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn display_name(&self, ctx: &Context<'_>) -> String {
        let product = st(ctx)
            .read(|s| s.products.get(&self.0.product_id).map(|p| p.title.clone()))
            .unwrap_or_default();
        format!("{product} - {}", self.0.title)
    }
    async fn sku(&self) -> &str {
        &self.0.sku
    }
    async fn barcode(&self) -> &str {
        &self.0.barcode
    }
    async fn price(&self) -> super::scalars::Money {
        super::scalars::Money(self.0.price)
    }
    async fn position(&self) -> i32 {
        self.0.position as i32
    }
    async fn created_at(&self) -> DateTime {
        DateTime::at(self.0.created_at)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime::at(self.0.updated_at)
    }
    async fn selected_options(&self) -> Vec<SelectedOption> {
        self.0
            .selected_options
            .iter()
            .map(|(n, v)| SelectedOption {
                name: n.clone(),
                value: v.clone(),
            })
            .collect()
    }
    /// Sum of `available` over all locations.
    async fn inventory_quantity(&self, ctx: &Context<'_>) -> i64 {
        st(ctx).read(|s| {
            s.levels
                .values()
                .filter(|l| l.item_id == self.0.inventory_item_id)
                .map(|l| l.available)
                .sum()
        })
    }
    async fn product(&self, ctx: &Context<'_>) -> Option<ProductObj> {
        st(ctx).read(|s| s.products.get(&self.0.product_id).cloned().map(ProductObj))
    }
    async fn inventory_item(&self, ctx: &Context<'_>) -> Option<InventoryItemObj> {
        st(ctx).read(|s| {
            s.items
                .get(&self.0.inventory_item_id)
                .cloned()
                .map(InventoryItemObj)
        })
    }
}

/// `InventoryItem`.
#[derive(Clone)]
pub struct InventoryItemObj(pub InventoryItem);

#[Object(name = "InventoryItem")]
impl InventoryItemObj {
    async fn id(&self) -> ID {
        gid("InventoryItem", self.0.id)
    }
    async fn legacy_resource_id(&self) -> UnsignedInt64 {
        UnsignedInt64::of(self.0.id)
    }
    async fn sku(&self) -> &str {
        &self.0.sku
    }
    async fn tracked(&self) -> bool {
        self.0.tracked
    }
    async fn unit_cost(&self, ctx: &Context<'_>) -> MoneyV2 {
        st(ctx).money(self.0.unit_cost)
    }
    async fn created_at(&self) -> DateTime {
        DateTime::at(self.0.created_at)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime::at(self.0.updated_at)
    }
    async fn variant(&self, ctx: &Context<'_>) -> Option<VariantObj> {
        st(ctx).read(|s| s.variants.get(&self.0.variant_id).cloned().map(VariantObj))
    }
    async fn inventory_level(
        &self,
        ctx: &Context<'_>,
        location_id: ID,
    ) -> Result<Option<LevelObj>> {
        let loc = parse_gid("Location", &location_id)?;
        Ok(st(ctx).read(|s| s.levels.get(&(self.0.id, loc)).cloned().map(LevelObj)))
    }
    async fn inventory_levels(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        #[graphql(default)] reverse: bool,
    ) -> Result<Connection<String, LevelObj>> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
            reverse,
        };
        st(ctx).read(|s| {
            let rows = s
                .levels
                .keys()
                .filter(|(i, _)| *i == self.0.id)
                .map(|(_, l)| (0, *l))
                .collect();
            paginate(rows, &args, |loc| {
                s.levels.get(&(self.0.id, loc)).cloned().map(LevelObj)
            })
        })
    }
}

/// `InventoryQuantity`.
#[derive(SimpleObject, Clone)]
pub struct InventoryQuantity {
    pub id: ID,
    pub name: String,
    pub quantity: i64,
    pub updated_at: Option<DateTime>,
}

/// `InventoryLevel`.
#[derive(Clone)]
pub struct LevelObj(pub Level);

#[Object(name = "InventoryLevel")]
impl LevelObj {
    async fn id(&self) -> ID {
        ID(format!(
            "gid://shopify/InventoryLevel/{}?inventory_item_id={}",
            self.0.location_id, self.0.item_id
        ))
    }
    async fn updated_at(&self) -> DateTime {
        DateTime::at(self.0.updated_at)
    }
    async fn can_deactivate(&self) -> bool {
        self.0.committed == 0
    }
    async fn location(&self, ctx: &Context<'_>) -> Option<LocationObj> {
        st(ctx).read(|s| {
            s.locations
                .get(&self.0.location_id)
                .cloned()
                .map(LocationObj)
        })
    }
    async fn item(&self, ctx: &Context<'_>) -> Option<InventoryItemObj> {
        st(ctx).read(|s| s.items.get(&self.0.item_id).cloned().map(InventoryItemObj))
    }
    /// The named quantities; an unknown name is an error, as on Shopify.
    async fn quantities(&self, names: Vec<String>) -> Result<Vec<InventoryQuantity>> {
        names
            .into_iter()
            .map(|name| {
                let quantity = self.0.quantity(&name).ok_or_else(|| {
                    async_graphql::Error::new(format!(
                        "invalid quantity name `{name}`; expected one of {}",
                        QUANTITY_NAMES.join(", ")
                    ))
                })?;
                Ok(InventoryQuantity {
                    id: ID(format!(
                        "gid://shopify/InventoryQuantity/{}?inventory_item_id={}&name={name}",
                        self.0.location_id, self.0.item_id
                    )),
                    name,
                    quantity,
                    updated_at: Some(DateTime::at(self.0.updated_at)),
                })
            })
            .collect()
    }
}
