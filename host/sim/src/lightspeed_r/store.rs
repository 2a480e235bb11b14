//! The Lightspeed simulator's state: plain records and the mutations the API and the activity
//! generator apply to them.
//!
//! Invariants kept here (and nowhere else):
//! - every item has one ItemShop row per shop plus the `shopID = 0` row, whose `qoh` is always the
//!   sum of the per-shop rows;
//! - every `qoh` change bumps the changed ItemShop rows' `timeStamp` (not the Item's: the Item's
//!   `timeStamp` excludes related-record changes, as documented);
//! - inventory moves only when a sale becomes completed; refund lines (negative quantity) restock
//!   the shop of the refund sale and cannot return more than the original line sold.
//!
//! Deliberately not here: HTTP, JSON, rate limits, auth. Times are simulated Unix seconds passed
//! in by the caller.

use std::collections::{BTreeMap, HashMap};

use crate::seed::Retailer;

use super::error::ApiError;

mod sales;
mod ship_to;
pub(crate) use sales::{NewLine, NewSale};
pub(crate) use ship_to::ShipToPatch;

/// Lightspeed shop.
#[derive(Debug, Clone)]
pub(crate) struct ShopRec {
    pub shop_id: u64,
    pub name: String,
    pub time_zone: String,
    pub time_stamp: i64,
}

/// Matrix parent of size/colour items.
#[derive(Debug, Clone)]
pub(crate) struct MatrixRec {
    pub item_matrix_id: u64,
    pub description: String,
    pub price_minor: i64,
    pub cost_minor: i64,
    pub create_time: i64,
    pub time_stamp: i64,
}

/// One Item (a variant).
#[derive(Debug, Clone)]
pub(crate) struct ItemRec {
    pub item_id: u64,
    pub item_matrix_id: u64,
    pub description: String,
    pub custom_sku: String,
    pub manufacturer_sku: String,
    pub upc: String,
    pub ean: String,
    pub price_minor: i64,
    pub cost_minor: i64,
    pub attribute1: String,
    pub attribute2: String,
    pub archived: bool,
    pub create_time: i64,
    pub time_stamp: i64,
}

/// Stock of one item at one shop (`shop_id = 0`: all shops).
#[derive(Debug, Clone)]
pub(crate) struct ItemShopRec {
    pub item_shop_id: u64,
    pub item_id: u64,
    pub shop_id: u64,
    pub qoh: i64,
    pub reorder_point: i64,
    pub reorder_level: i64,
    pub time_stamp: i64,
}

/// A customer with one email and one phone (rendered as a Contact).
#[derive(Debug, Clone)]
pub(crate) struct CustomerRec {
    pub customer_id: u64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub archived: bool,
    pub create_time: i64,
    pub time_stamp: i64,
}

/// A sale (refunds are sales whose lines have negative quantities).
#[derive(Debug, Clone)]
pub(crate) struct SaleRec {
    pub sale_id: u64,
    pub shop_id: u64,
    pub register_id: u64,
    pub employee_id: u64,
    pub customer_id: u64,
    pub completed: bool,
    pub voided: bool,
    pub archived: bool,
    pub reference_number: String,
    pub reference_number_source: String,
    pub tax1_rate: f64,
    pub create_time: i64,
    pub update_time: i64,
    pub complete_time: Option<i64>,
    pub time_stamp: i64,
    pub line_ids: Vec<u64>,
    pub payment_ids: Vec<u64>,
    /// The sale's ShipTo (0 when none).
    pub ship_to_id: u64,
}

/// Where a sale ships to, and whether the shop has shipped it (`shipNote` carries what the
/// clerk wrote, e.g. the carrier and tracking number).
#[derive(Debug, Clone)]
pub(crate) struct ShipToRec {
    pub ship_to_id: u64,
    pub sale_id: u64,
    pub shipped: bool,
    pub ship_note: String,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub time_stamp: i64,
}

/// One sale line.
#[derive(Debug, Clone)]
pub(crate) struct SaleLineRec {
    pub sale_line_id: u64,
    pub sale_id: u64,
    pub item_id: u64,
    pub shop_id: u64,
    pub unit_quantity: i64,
    pub unit_price_minor: i64,
    pub discount_minor: i64,
    pub tax: bool,
    pub tax1_rate: f64,
    pub parent_sale_line_id: u64,
    pub create_time: i64,
    pub time_stamp: i64,
}

impl SaleLineRec {
    /// Line subtotal after discount, before tax, in minor units.
    pub fn subtotal_minor(&self) -> i64 {
        self.unit_quantity * self.unit_price_minor - self.discount_minor
    }
    /// Line tax in minor units (rounded half away from zero).
    pub fn tax_minor(&self) -> i64 {
        if self.tax {
            (self.subtotal_minor() as f64 * self.tax1_rate).round() as i64
        } else {
            0
        }
    }
}

/// One tender on a sale.
#[derive(Debug, Clone)]
pub(crate) struct SalePaymentRec {
    pub sale_payment_id: u64,
    pub sale_id: u64,
    pub amount_minor: i64,
    pub payment_type_id: u64,
    pub create_time: i64,
    pub time_stamp: i64,
}

/// All records of one account.
#[derive(Debug, Default)]
pub(crate) struct Store {
    pub shops: BTreeMap<u64, ShopRec>,
    pub matrices: BTreeMap<u64, MatrixRec>,
    pub items: BTreeMap<u64, ItemRec>,
    pub item_shops: BTreeMap<u64, ItemShopRec>,
    pub customers: BTreeMap<u64, CustomerRec>,
    pub sales: BTreeMap<u64, SaleRec>,
    pub sale_lines: BTreeMap<u64, SaleLineRec>,
    pub sale_payments: BTreeMap<u64, SalePaymentRec>,
    pub ship_tos: BTreeMap<u64, ShipToRec>,
    item_shop_index: HashMap<(u64, u64), u64>,
    sku_index: HashMap<String, u64>,
    next_item_shop_id: u64,
}

impl Store {
    /// Load the seeded retailer; every seeded record gets `created` as createTime and timeStamp.
    pub fn from_retailer(r: &Retailer, created: i64) -> Self {
        let mut s = Store {
            next_item_shop_id: 1,
            ..Default::default()
        };
        for shop in &r.shops {
            let id = u64::from(shop.shop_id);
            s.shops.insert(
                id,
                ShopRec {
                    shop_id: id,
                    name: shop.name.clone(),
                    time_zone: shop.timezone.clone(),
                    time_stamp: created,
                },
            );
        }
        for p in &r.products {
            let first = p.variants.first();
            s.matrices.insert(
                p.ls_item_matrix_id,
                MatrixRec {
                    item_matrix_id: p.ls_item_matrix_id,
                    description: p.title.clone(),
                    price_minor: first.map_or(0, |v| v.price_minor),
                    cost_minor: first.map_or(0, |v| v.cost_minor),
                    create_time: created,
                    time_stamp: created,
                },
            );
            for v in &p.variants {
                s.insert_item(
                    ItemRec {
                        item_id: v.ls_item_id,
                        item_matrix_id: p.ls_item_matrix_id,
                        description: format!("{} {} {}", p.title, v.colour, v.size),
                        custom_sku: v.sku.clone(),
                        manufacturer_sku: String::new(),
                        upc: v.barcode.clone(),
                        ean: String::new(),
                        price_minor: v.price_minor,
                        cost_minor: v.cost_minor,
                        attribute1: v.colour.clone(),
                        attribute2: v.size.clone(),
                        archived: false,
                        create_time: created,
                        time_stamp: created,
                    },
                    |shop| v.on_hand.get(&(shop as u32)).copied().unwrap_or(0),
                );
            }
        }
        for c in &r.customers {
            s.customers.insert(
                c.ls_customer_id,
                CustomerRec {
                    customer_id: c.ls_customer_id,
                    first_name: c.first_name.clone(),
                    last_name: c.last_name.clone(),
                    email: c.email.clone(),
                    phone: c.phone.clone(),
                    archived: false,
                    create_time: created,
                    time_stamp: created,
                },
            );
        }
        s
    }

    /// Insert an item with its ItemShop rows (per shop from `qoh`, plus the shop 0 sum).
    pub fn insert_item(&mut self, item: ItemRec, qoh: impl Fn(u64) -> i64) {
        let shop_ids: Vec<u64> = self.shops.keys().copied().collect();
        let mut total = 0;
        for shop in std::iter::once(0).chain(shop_ids.iter().copied()) {
            let q = if shop == 0 { 0 } else { qoh(shop) };
            total += q;
            let id = self.next_item_shop_id;
            self.next_item_shop_id += 1;
            self.item_shops.insert(
                id,
                ItemShopRec {
                    item_shop_id: id,
                    item_id: item.item_id,
                    shop_id: shop,
                    qoh: q,
                    reorder_point: 0,
                    reorder_level: 0,
                    time_stamp: item.time_stamp,
                },
            );
            self.item_shop_index.insert((item.item_id, shop), id);
        }
        if let Some(row) = self.item_shop_mut(item.item_id, 0) {
            row.qoh = total;
        }
        self.sku_index.insert(item.custom_sku.clone(), item.item_id);
        self.items.insert(item.item_id, item);
    }

    /// Next free id of a map.
    pub fn next_id<V>(map: &BTreeMap<u64, V>) -> u64 {
        map.keys().next_back().map_or(1, |k| k + 1)
    }

    /// The item id of a `customSku`.
    pub fn item_by_sku(&self, sku: &str) -> Option<u64> {
        self.sku_index.get(sku).copied()
    }

    /// Re-index a SKU after an item's `customSku` changed.
    pub fn reindex_sku(&mut self, old: &str, item_id: u64) {
        self.sku_index.remove(old);
        if let Some(i) = self.items.get(&item_id) {
            self.sku_index.insert(i.custom_sku.clone(), item_id);
        }
    }

    /// The ItemShop row of an item at a shop.
    pub fn item_shop(&self, item_id: u64, shop_id: u64) -> Option<&ItemShopRec> {
        let id = self.item_shop_index.get(&(item_id, shop_id))?;
        self.item_shops.get(id)
    }

    fn item_shop_mut(&mut self, item_id: u64, shop_id: u64) -> Option<&mut ItemShopRec> {
        let id = self.item_shop_index.get(&(item_id, shop_id))?;
        self.item_shops.get_mut(id)
    }

    /// ItemShop rows of one item, shop 0 first.
    pub fn item_shops_of(&self, item_id: u64) -> Vec<&ItemShopRec> {
        std::iter::once(0)
            .chain(self.shops.keys().copied())
            .filter_map(|s| self.item_shop(item_id, s))
            .collect()
    }

    /// Add `delta` to the qoh at a real shop (never shop 0) and keep shop 0 equal to the sum.
    pub fn adjust_qoh(
        &mut self,
        item_id: u64,
        shop_id: u64,
        delta: i64,
        now: i64,
    ) -> Result<(), ApiError> {
        if shop_id == 0 || !self.shops.contains_key(&shop_id) {
            return Err(ApiError::bad_request(format!("invalid shopID {shop_id}")));
        }
        let row = self
            .item_shop_mut(item_id, shop_id)
            .ok_or_else(|| ApiError::not_found("ItemShop"))?;
        row.qoh += delta;
        row.time_stamp = now;
        let all = self
            .item_shop_mut(item_id, 0)
            .ok_or_else(|| ApiError::not_found("ItemShop"))?;
        all.qoh += delta;
        all.time_stamp = now;
        Ok(())
    }

    /// Set the absolute qoh at a real shop (Item PUT with ItemShops).
    pub fn set_qoh(
        &mut self,
        item_id: u64,
        shop_id: u64,
        qoh: i64,
        now: i64,
    ) -> Result<(), ApiError> {
        let current = self
            .item_shop(item_id, shop_id)
            .filter(|_| shop_id != 0)
            .ok_or_else(|| ApiError::bad_request(format!("invalid ItemShop for shopID {shop_id}")))?
            .qoh;
        self.adjust_qoh(item_id, shop_id, qoh - current, now)
    }
}
