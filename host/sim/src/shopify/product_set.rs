//! `productSet` semantics on the store: create or update a product with its options and its whole
//! variant list in one all-or-nothing step, the way an external system of record (a POS, an ERP)
//! pushes a product's desired state (platform-apis.md 3; shopify.dev "Sync product data from an
//! external source").
//!
//! Rules reproduced: an `id` updates that product (else `PRODUCT_DOES_NOT_EXIST`); omitted fields
//! are left unchanged; the list fields (`productOptions`, `variants`) replace what the product has,
//! so variants not listed are deleted together with their inventory item and levels; a listed
//! variant with an `id` is updated, one without is created with a new tracked inventory item that
//! is stocked nowhere yet (stock it with `inventoryActivate`); every variant names one value of
//! every option; at most 3 options. Assumptions where the docs are silent: SKUs stay unique in
//! this simulator (as `productVariantsBulkUpdate` enforces here), and a new product is `ACTIVE`
//! unless a status is given. Deliberately not here: asynchronous operations, metafields, media,
//! collections, `inventoryQuantities`, the `identifier` argument.

use super::model::{InventoryItem, Product, Variant};
use super::store::{Store, UserError};
use super::timefmt::Millis;

/// One option with its values, in display order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionSpec {
    pub name: String,
    pub values: Vec<String>,
}

/// One variant of the desired state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VariantSpec {
    /// Update this variant; `None` creates one.
    pub id: Option<u64>,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub price: Option<i64>,
    /// `(option name, value)` for every option.
    pub option_values: Vec<(String, String)>,
}

/// The desired state of a product; `None` fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductSpec {
    pub id: Option<u64>,
    pub title: Option<String>,
    pub handle: Option<String>,
    pub vendor: Option<String>,
    pub product_type: Option<String>,
    /// `ACTIVE`, `DRAFT` or `ARCHIVED`.
    pub status: Option<String>,
    pub tags: Option<Vec<String>>,
    pub options: Option<Vec<OptionSpec>>,
    pub variants: Option<Vec<VariantSpec>>,
}

pub(super) fn err(code: &str, field: &[&str], message: impl Into<String>) -> UserError {
    UserError::new(code, field, message)
}

impl Store {
    /// Apply `spec`; returns the product id, or the user errors with nothing changed.
    pub fn product_set(&mut self, spec: ProductSpec, now: Millis) -> Result<u64, Vec<UserError>> {
        let existing = match spec.id {
            Some(id) => Some(self.products.get(&id).cloned().ok_or_else(|| {
                vec![err(
                    "PRODUCT_DOES_NOT_EXIST",
                    &["input", "id"],
                    "Product does not exist",
                )]
            })?),
            None => None,
        };
        let errors = self.check_product_set(&spec, existing.as_ref());
        if !errors.is_empty() {
            return Err(errors);
        }
        let id = match &existing {
            Some(p) => p.id,
            None => self.id(),
        };
        let mut product = existing.clone().unwrap_or_else(|| Product {
            id,
            title: String::new(),
            handle: String::new(),
            vendor: String::new(),
            product_type: String::new(),
            status: "ACTIVE".into(),
            tags: Vec::new(),
            options: Vec::new(),
            variant_ids: Vec::new(),
            created_at: now,
            updated_at: now,
        });
        if let Some(t) = spec.title {
            product.title = t;
        }
        if let Some(h) = spec.handle {
            product.handle = h;
        } else if existing.is_none() {
            product.handle = self.free_handle(&product.title);
        }
        for (slot, v) in [
            (&mut product.vendor, spec.vendor),
            (&mut product.product_type, spec.product_type),
            (&mut product.status, spec.status),
        ] {
            if let Some(v) = v {
                *slot = v;
            }
        }
        if let Some(tags) = spec.tags {
            product.tags = tags;
        }
        if let Some(options) = spec.options {
            product.options = options.into_iter().map(|o| (o.name, o.values)).collect();
        }
        if let Some(variants) = spec.variants {
            let keep: Vec<u64> = variants.iter().filter_map(|v| v.id).collect();
            for old in product.variant_ids.clone() {
                if !keep.contains(&old) {
                    self.delete_variant(old);
                }
            }
            product.variant_ids = variants
                .into_iter()
                .enumerate()
                .map(|(i, v)| self.put_variant(id, i as u32 + 1, v, now))
                .collect();
        }
        product.updated_at = now;
        self.products.insert(id, product);
        Ok(id)
    }

    fn free_handle(&self, title: &str) -> String {
        let base: String = title
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let base = base.trim_matches('-').to_string();
        let taken = |h: &str| self.products.values().any(|p| p.handle == h);
        (0..)
            .map(|n| {
                if n == 0 {
                    base.clone()
                } else {
                    format!("{base}-{n}")
                }
            })
            .find(|h| !taken(h))
            .expect("an unbounded range finds a free handle")
    }

    fn delete_variant(&mut self, id: u64) {
        if let Some(v) = self.variants.remove(&id) {
            if self.sku_index.get(&v.sku) == Some(&id) {
                self.sku_index.remove(&v.sku);
            }
            self.items.remove(&v.inventory_item_id);
            self.levels
                .retain(|(item, _), _| *item != v.inventory_item_id);
        }
    }

    fn put_variant(&mut self, product_id: u64, position: u32, v: VariantSpec, now: Millis) -> u64 {
        let title = v
            .option_values
            .iter()
            .map(|(_, value)| value.as_str())
            .collect::<Vec<_>>()
            .join(" / ");
        let id = match v.id {
            Some(id) => id,
            None => {
                let (id, item_id) = (self.id(), self.id());
                self.items.insert(
                    item_id,
                    InventoryItem {
                        id: item_id,
                        variant_id: id,
                        sku: String::new(),
                        tracked: true,
                        unit_cost: 0,
                        created_at: now,
                        updated_at: now,
                    },
                );
                self.variants.insert(
                    id,
                    Variant {
                        id,
                        product_id,
                        title: String::new(),
                        sku: String::new(),
                        barcode: String::new(),
                        price: 0,
                        selected_options: Vec::new(),
                        inventory_item_id: item_id,
                        position,
                        created_at: now,
                        updated_at: now,
                    },
                );
                id
            }
        };
        let var = self
            .variants
            .get_mut(&id)
            .expect("created or checked above");
        var.title = title;
        var.position = position;
        var.selected_options = v.option_values;
        var.updated_at = now;
        if let Some(b) = v.barcode {
            var.barcode = b;
        }
        if let Some(p) = v.price {
            var.price = p;
        }
        let item_id = var.inventory_item_id;
        if let Some(sku) = v.sku {
            let old = std::mem::replace(&mut var.sku, sku.clone());
            if self.sku_index.get(&old) == Some(&id) {
                self.sku_index.remove(&old);
            }
            if !sku.is_empty() {
                self.sku_index.insert(sku.clone(), id);
            }
            if let Some(item) = self.items.get_mut(&item_id) {
                item.sku = sku;
                item.updated_at = now;
            }
        }
        id
    }
}
