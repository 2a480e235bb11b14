//! Seeding the store from the shared retailer ([`crate::seed::Retailer`]): one location per
//! Lightspeed shop (same numeric ids the seed assigns), one product per matrix item with `Size`
//! and `Colour` options, one variant and inventory item per SKU, each shop's seeded on-hand as
//! `available` at the mapped location (nothing committed), and the seeded customers.
//!
//! Deliberately no order history: orders come from the activity generator.

use super::model::*;
use super::store::Store;
use super::timefmt::Millis;
use crate::seed::Retailer;

impl Store {
    /// Copy the shared seeded retailer: one location per shop, one product per matrix item, each
    /// seeded on-hand quantity as `available` at the mapped location.
    pub fn from_retailer(r: &Retailer, now: Millis) -> Store {
        let mut s = Store {
            shop_name: r.name.clone(),
            currency: r.currency.clone(),
            next_id: 20_000_000_000,
            next_order_number: 1001,
            ..Store::default()
        };
        for shop in &r.shops {
            let loc = Location {
                id: shop.shopify_location_id,
                name: shop.name.clone(),
                ls_shop_id: shop.shop_id,
                created_at: now,
                updated_at: now,
            };
            s.locations.insert(loc.id, loc);
        }
        for p in &r.products {
            let mut options: Vec<(String, Vec<String>)> =
                p.options.iter().map(|o| (o.clone(), Vec::new())).collect();
            for v in &p.variants {
                for (i, value) in [&v.size, &v.colour].into_iter().enumerate() {
                    if let Some((_, vals)) = options.get_mut(i)
                        && !vals.contains(value)
                    {
                        vals.push(value.clone());
                    }
                }
            }
            let names = p.options.clone();
            for (pos, v) in p.variants.iter().enumerate() {
                let variant = Variant {
                    id: v.shopify_variant_id,
                    product_id: p.shopify_product_id,
                    title: format!("{} / {}", v.size, v.colour),
                    sku: v.sku.clone(),
                    barcode: v.barcode.clone(),
                    price: v.price_minor,
                    selected_options: names
                        .iter()
                        .cloned()
                        .zip([v.size.clone(), v.colour.clone()])
                        .collect(),
                    inventory_item_id: v.shopify_inventory_item_id,
                    position: pos as u32 + 1,
                    created_at: now,
                    updated_at: now,
                };
                s.items.insert(
                    v.shopify_inventory_item_id,
                    InventoryItem {
                        id: v.shopify_inventory_item_id,
                        variant_id: v.shopify_variant_id,
                        sku: v.sku.clone(),
                        tracked: true,
                        unit_cost: v.cost_minor,
                        created_at: now,
                        updated_at: now,
                    },
                );
                for shop in &r.shops {
                    let level = Level {
                        item_id: v.shopify_inventory_item_id,
                        location_id: shop.shopify_location_id,
                        available: v.on_hand.get(&shop.shop_id).copied().unwrap_or(0),
                        updated_at: now,
                        ..Level::default()
                    };
                    s.levels.insert((level.item_id, level.location_id), level);
                }
                s.sku_index.insert(v.sku.clone(), v.shopify_variant_id);
                s.variants.insert(variant.id, variant);
            }
            s.products.insert(
                p.shopify_product_id,
                Product {
                    id: p.shopify_product_id,
                    title: p.title.clone(),
                    handle: p.handle.clone(),
                    vendor: p.vendor.clone(),
                    product_type: p.category.clone(),
                    status: "ACTIVE".into(),
                    tags: Vec::new(),
                    options,
                    variant_ids: p.variants.iter().map(|v| v.shopify_variant_id).collect(),
                    created_at: now,
                    updated_at: now,
                },
            );
        }
        for c in &r.customers {
            s.customers.insert(
                c.shopify_customer_id,
                Customer {
                    id: c.shopify_customer_id,
                    email: Some(c.email.clone()),
                    phone: Some(c.phone.clone()),
                    first_name: Some(c.first_name.clone()),
                    last_name: Some(c.last_name.clone()),
                    note: None,
                    tags: Vec::new(),
                    created_at: now,
                    updated_at: now,
                },
            );
        }
        s
    }
}
