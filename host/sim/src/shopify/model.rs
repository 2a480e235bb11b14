//! The records the Shopify simulator keeps: the plain Rust data behind both the GraphQL schema and
//! the REST-shaped webhook bodies. Money is kept in minor units (cents) of the shop currency and
//! times in simulator milliseconds, so arithmetic is exact and tests can compare values.
//!
//! Deliberately no behaviour here beyond small derived values (an inventory level's `on_hand`, a
//! line item's open quantity): every state change lives in `store.rs`, so invariants are enforced
//! in one place.

use serde::Serialize;

use super::timefmt::Millis;

/// A Shopify location (one per seeded Lightspeed shop).
#[derive(Debug, Clone, Serialize)]
pub struct Location {
    pub id: u64,
    pub name: String,
    /// The Lightspeed `shopID` this location mirrors.
    pub ls_shop_id: u32,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// A product with its option names and values (`Size`, `Colour`).
#[derive(Debug, Clone, Serialize)]
pub struct Product {
    pub id: u64,
    pub title: String,
    pub handle: String,
    pub vendor: String,
    pub product_type: String,
    /// `ACTIVE`, `DRAFT` or `ARCHIVED`.
    pub status: String,
    pub tags: Vec<String>,
    pub options: Vec<(String, Vec<String>)>,
    pub variant_ids: Vec<u64>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// A product variant; 1:1 with an [`InventoryItem`].
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    pub id: u64,
    pub product_id: u64,
    pub title: String,
    pub sku: String,
    pub barcode: String,
    pub price: i64,
    pub selected_options: Vec<(String, String)>,
    pub inventory_item_id: u64,
    pub position: u32,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// What Shopify tracks stock for.
#[derive(Debug, Clone, Serialize)]
pub struct InventoryItem {
    pub id: u64,
    pub variant_id: u64,
    pub sku: String,
    pub tracked: bool,
    pub unit_cost: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// The quantity names Shopify accepts in `quantities(names:)`.
pub const QUANTITY_NAMES: [&str; 8] = [
    "available",
    "on_hand",
    "committed",
    "reserved",
    "incoming",
    "damaged",
    "quality_control",
    "safety_stock",
];

/// Stock of one item at one location. `on_hand` is derived, never stored, so the documented
/// invariant `on_hand = available + committed + reserved + damaged + quality_control + safety_stock`
/// cannot drift.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Level {
    pub item_id: u64,
    pub location_id: u64,
    pub available: i64,
    pub committed: i64,
    pub reserved: i64,
    pub incoming: i64,
    pub damaged: i64,
    pub quality_control: i64,
    pub safety_stock: i64,
    pub updated_at: Millis,
}

impl Level {
    /// Units physically at the location.
    pub fn on_hand(&self) -> i64 {
        self.available
            + self.committed
            + self.reserved
            + self.damaged
            + self.quality_control
            + self.safety_stock
    }

    /// The value of a named quantity; `None` for an unknown name.
    pub fn quantity(&self, name: &str) -> Option<i64> {
        Some(match name {
            "available" => self.available,
            "on_hand" => self.on_hand(),
            "committed" => self.committed,
            "reserved" => self.reserved,
            "incoming" => self.incoming,
            "damaged" => self.damaged,
            "quality_control" => self.quality_control,
            "safety_stock" => self.safety_stock,
            _ => return None,
        })
    }
}

/// A customer.
#[derive(Debug, Clone, Serialize)]
pub struct Customer {
    pub id: u64,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub note: Option<String>,
    pub tags: Vec<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// One tax applied to a line or to shipping.
#[derive(Debug, Clone, Serialize)]
pub struct TaxLine {
    pub title: String,
    pub rate: f64,
    pub price: i64,
}

/// One order line.
#[derive(Debug, Clone, Serialize)]
pub struct LineItem {
    pub id: u64,
    pub variant_id: u64,
    pub product_id: u64,
    pub sku: String,
    pub title: String,
    pub variant_title: String,
    pub quantity: i64,
    /// Unit price before discounts.
    pub price: i64,
    /// Discount allocated to the whole line.
    pub total_discount: i64,
    pub tax_lines: Vec<TaxLine>,
    pub fulfilled: i64,
    pub refunded: i64,
}

impl LineItem {
    /// Units neither fulfilled nor refunded: what a fulfilment may still ship.
    pub fn fulfillable(&self) -> i64 {
        (self.quantity - self.fulfilled - self.refunded).max(0)
    }
}

/// A shipping charge.
#[derive(Debug, Clone, Serialize)]
pub struct ShippingLine {
    pub id: u64,
    pub title: String,
    pub code: String,
    pub price: i64,
    pub tax_lines: Vec<TaxLine>,
}

/// A discount code applied to the order.
#[derive(Debug, Clone, Serialize)]
pub struct DiscountCode {
    pub code: String,
    pub amount: i64,
    /// `percentage` or `fixed_amount`.
    pub kind: String,
}

/// A payment movement on an order (`sale` or `refund`).
#[derive(Debug, Clone, Serialize)]
pub struct Transaction {
    pub id: u64,
    pub order_id: u64,
    pub kind: String,
    pub gateway: String,
    pub status: String,
    pub amount: i64,
    pub parent_id: Option<u64>,
    pub created_at: Millis,
}

/// An order.
#[derive(Debug, Clone, Serialize)]
pub struct Order {
    pub id: u64,
    pub number: u64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub customer_id: Option<u64>,
    /// Location the order's stock was committed at (its fulfilment order's assigned location).
    pub location_id: u64,
    pub fulfillment_order_id: u64,
    pub source_name: String,
    pub line_items: Vec<LineItem>,
    pub shipping_lines: Vec<ShippingLine>,
    pub discount_codes: Vec<DiscountCode>,
    pub transactions: Vec<Transaction>,
    pub fulfillment_ids: Vec<u64>,
    pub refund_ids: Vec<u64>,
    pub note: Option<String>,
    pub tags: Vec<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl Order {
    /// Sum of line prices before discounts.
    pub fn line_items_total(&self) -> i64 {
        self.line_items.iter().map(|l| l.price * l.quantity).sum()
    }
    /// Sum of line discounts.
    pub fn total_discounts(&self) -> i64 {
        self.line_items.iter().map(|l| l.total_discount).sum()
    }
    /// Line items after discounts, before shipping and tax.
    pub fn subtotal(&self) -> i64 {
        self.line_items_total() - self.total_discounts()
    }
    /// Shipping charges.
    pub fn total_shipping(&self) -> i64 {
        self.shipping_lines.iter().map(|s| s.price).sum()
    }
    /// All taxes (lines and shipping; taxes are not included in prices).
    pub fn total_tax(&self) -> i64 {
        let lines: i64 = self
            .line_items
            .iter()
            .flat_map(|l| &l.tax_lines)
            .map(|t| t.price)
            .sum();
        let ship: i64 = self
            .shipping_lines
            .iter()
            .flat_map(|s| &s.tax_lines)
            .map(|t| t.price)
            .sum();
        lines + ship
    }
    /// What the customer paid.
    pub fn total_price(&self) -> i64 {
        self.subtotal() + self.total_shipping() + self.total_tax()
    }
    /// Money refunded so far.
    pub fn total_refunded(&self) -> i64 {
        self.transactions
            .iter()
            .filter(|t| t.kind == "refund" && t.status == "success")
            .map(|t| t.amount)
            .sum()
    }
    /// REST `financial_status`.
    pub fn financial_status(&self) -> &'static str {
        match self.total_refunded() {
            0 => "paid",
            r if r >= self.total_price() => "refunded",
            _ => "partially_refunded",
        }
    }
    /// REST `fulfillment_status` (`None` = unfulfilled).
    pub fn fulfillment_status(&self) -> Option<&'static str> {
        let shipped: i64 = self.line_items.iter().map(|l| l.fulfilled).sum();
        let open: i64 = self.line_items.iter().map(LineItem::fulfillable).sum();
        match (shipped, open) {
            (0, _) => None,
            (_, 0) => Some("fulfilled"),
            _ => Some("partial"),
        }
    }
}

/// A shipment of some order lines.
#[derive(Debug, Clone, Serialize)]
pub struct Fulfillment {
    pub id: u64,
    pub order_id: u64,
    pub location_id: u64,
    pub status: String,
    pub tracking_company: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    /// `(line_item_id, quantity)`.
    pub lines: Vec<(u64, i64)>,
    pub created_at: Millis,
}

/// How refunded units go back to stock (`RefundLineItemRestockType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RestockType {
    NoRestock,
    Cancel,
    Return,
}

impl RestockType {
    /// The REST spelling.
    pub fn rest(self) -> &'static str {
        match self {
            Self::NoRestock => "no_restock",
            Self::Cancel => "cancel",
            Self::Return => "return",
        }
    }
}

/// One refunded line.
#[derive(Debug, Clone, Serialize)]
pub struct RefundLine {
    pub id: u64,
    pub line_item_id: u64,
    pub quantity: i64,
    pub restock_type: RestockType,
    pub location_id: Option<u64>,
    pub subtotal: i64,
    pub total_tax: i64,
}

/// A refund on an order.
#[derive(Debug, Clone, Serialize)]
pub struct Refund {
    pub id: u64,
    pub order_id: u64,
    pub note: Option<String>,
    pub lines: Vec<RefundLine>,
    pub transactions: Vec<Transaction>,
    pub created_at: Millis,
}

/// A Shopify Payments balance movement.
#[derive(Debug, Clone, Serialize)]
pub struct BalanceTransaction {
    pub id: u64,
    /// `charge`, `refund`, `adjustment`...
    pub kind: String,
    pub amount: i64,
    pub fee: i64,
    pub net: i64,
    pub source_type: String,
    pub source_id: u64,
    pub source_order_id: Option<u64>,
    pub source_order_transaction_id: Option<u64>,
    pub payout_id: Option<u64>,
    pub processed_at: Millis,
}

/// A Shopify Payments payout of the balance to the bank.
#[derive(Debug, Clone, Serialize)]
pub struct Payout {
    pub id: u64,
    /// `scheduled`, `in_transit`, `paid`, `failed`, `canceled`.
    pub status: String,
    pub net: i64,
    pub issued_at: Millis,
    pub charges_gross: i64,
    pub charges_fee: i64,
    pub refunds_gross: i64,
    pub refunds_fee: i64,
    pub adjustments_gross: i64,
    pub adjustments_fee: i64,
}

/// A registered webhook subscription.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookSub {
    pub id: u64,
    /// REST spelling, e.g. `orders/create`.
    pub topic: String,
    pub callback_url: String,
    pub created_at: Millis,
}

/// Format minor units as Shopify's decimal string, e.g. `1999` -> `"19.99"`.
pub fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", minor.abs() / 100, minor.abs() % 100)
}

/// Parse a decimal money string into minor units (`"19.9"` -> `1990`); `None` if malformed.
pub fn parse_money(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 2 || whole.is_empty() && frac.is_empty() {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    let v = whole.checked_mul(100)?.checked_add(frac)?;
    Some(if neg { -v } else { v })
}
