//! The deployment's config (all keys optional):
//!
//! ```json
//! { "currency": "USD", "register-id": 1, "employee-id": 1, "shipping-sku": "SHIPPING",
//!   "payment-types": { "cash": 1, "check": 2, "card": 3 }, "default-payment-type": 4,
//!   "stock-shops": "each" }
//! ```
//!
//! Lightspeed amounts carry no currency, so `currency` names it. Posted sales are rung on
//! `register-id` by `employee-id`; shipping is a line of the item whose SKU is `shipping-sku`;
//! a tender's kind picks its `paymentTypeID` from `payment-types` (kinds not listed use
//! `default-payment-type`, the account's "online" type). `stock-shops` picks how stock is
//! aggregated: `"each"` (the default) reads one level per shop (location = the `shopID`);
//! `"all"` reads only Lightspeed's all-shops summary rows (`shopID` 0, kept by Lightspeed as the
//! sum of the shops), as location `"0"`, for a web store that sells from every shop's stock at
//! one location (map `"0"` to it in the stock flow's transform); a map such as
//! `{"online": [1, 2], "outlet": [3]}` reads one level per item and group, location = the group's
//! name, summing the listed shops (a shop may be in several groups; shops in none are not read).
//!
//! Deliberately not here: credentials and the base URL (the operator's "lightspeed" connection).

use std::collections::BTreeMap;

use serde::Deserialize;

/// The connector's config.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct Config {
    /// ISO 4217 code of every amount.
    pub currency: String,
    /// Register posted sales are rung on.
    pub register_id: u64,
    /// Employee posted sales are rung by.
    pub employee_id: u64,
    /// SKU of the non-inventory item that carries shipping charges.
    pub shipping_sku: String,
    /// Tender kind -> `paymentTypeID` (merged over the defaults).
    pub payment_types: BTreeMap<String, u64>,
    /// `paymentTypeID` of tender kinds not listed.
    pub default_payment_type: u64,
    /// Stock per shop, or the all-shops total.
    pub stock_shops: StockShops,
}

/// How the `inventory-levels` stream aggregates the shops' stock.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "serde_json::Value")]
pub enum StockShops {
    /// One level per shop.
    #[default]
    Each,
    /// One level per item: the all-shops summary row, location "0".
    All,
    /// One level per item and named group: the sum of the group's shops, location = the name.
    Groups(BTreeMap<String, Vec<u64>>),
}

impl TryFrom<serde_json::Value> for StockShops {
    type Error = String;

    fn try_from(v: serde_json::Value) -> Result<Self, String> {
        use serde_json::Value;
        let usage = "stock-shops must be \"each\", \"all\", or a map from location name to \
                     the shop ids it sums, such as {\"online\": [1, 2]}";
        let groups = match v {
            Value::String(s) if s == "each" => return Ok(StockShops::Each),
            Value::String(s) if s == "all" => return Ok(StockShops::All),
            Value::Object(m) if !m.is_empty() => m,
            other => return Err(format!("{usage}; got {other}")),
        };
        let mut out = BTreeMap::new();
        for (name, shops) in groups {
            let ids: Option<Vec<u64>> = shops.as_array().and_then(|a| {
                a.iter()
                    .map(|x| match x {
                        Value::Number(n) => n.as_u64(),
                        Value::String(s) => s.parse().ok(),
                        _ => None,
                    })
                    .collect()
            });
            match ids {
                Some(ids) if !ids.is_empty() && !ids.contains(&0) && !name.trim().is_empty() => {
                    out.insert(name, ids);
                }
                _ => {
                    return Err(format!(
                        "stock-shops group {name:?} must be a non-empty name with a non-empty \
                         list of shop ids (shopID 1 and up), got {shops}; {usage}"
                    ));
                }
            }
        }
        Ok(StockShops::Groups(out))
    }
}

impl StockShops {
    /// Whether the stream reads the ItemShop row of `shop_id`.
    pub fn reads(&self, shop_id: u64) -> bool {
        match self {
            StockShops::Each => shop_id != 0,
            StockShops::All => shop_id == 0,
            StockShops::Groups(g) => g.values().any(|shops| shops.contains(&shop_id)),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            currency: "USD".into(),
            register_id: 1,
            employee_id: 1,
            shipping_sku: "SHIPPING".into(),
            payment_types: BTreeMap::new(),
            default_payment_type: 4,
            stock_shops: StockShops::Each,
        }
    }
}

const DEFAULT_TYPES: [(&str, u64); 5] = [
    ("cash", 1),
    ("check", 2),
    ("cheque", 2),
    ("card", 3),
    ("credit-card", 3),
];

impl Config {
    /// Parse the deployment config; the error tells the operator what is wrong.
    pub fn parse(json: &str) -> Result<Config, String> {
        let c: Config = serde_json::from_str(json)
            .map_err(|e| format!("lightspeed-r config is invalid: {e}"))?;
        if c.currency.len() != 3 || !c.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(format!(
                "lightspeed-r config: currency {:?} is not an upper-case ISO 4217 code",
                c.currency
            ));
        }
        Ok(c)
    }

    /// The `paymentTypeID` for a tender kind.
    pub fn payment_type(&self, kind: &str) -> u64 {
        let kind = kind.to_ascii_lowercase();
        self.payment_types
            .get(&kind)
            .copied()
            .or_else(|| {
                DEFAULT_TYPES
                    .iter()
                    .find(|(k, _)| *k == kind)
                    .map(|(_, id)| *id)
            })
            .unwrap_or(self.default_payment_type)
    }

    /// The tender kind for a payment type, from its Lightspeed `type` (or the configured id).
    pub fn tender_kind(&self, type_name: Option<&str>, payment_type_id: u64) -> String {
        match type_name.map(|t| t.trim().to_ascii_lowercase()).as_deref() {
            Some("cash") => "cash".into(),
            Some("credit card") => "card".into(),
            Some("check") => "check".into(),
            Some("ecom") => "online".into(),
            Some(t) if !t.is_empty() => t.replace(' ', "-"),
            _ => self
                .payment_types
                .iter()
                .map(|(k, v)| (k.as_str(), *v))
                .chain(DEFAULT_TYPES)
                .find(|(_, id)| *id == payment_type_id)
                .map(|(k, _)| k.to_string())
                .unwrap_or_else(|| format!("payment-type-{payment_type_id}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_overrides_and_refusals() {
        let c = Config::parse("{}").unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.payment_type("Cash"), 1);
        assert_eq!(c.payment_type("shopify-payments"), 4);
        let c = Config::parse(r#"{"payment-types": {"shopify-payments": 7}, "currency": "EUR"}"#)
            .unwrap();
        assert_eq!(c.payment_type("shopify-payments"), 7);
        assert_eq!(c.tender_kind(None, 7), "shopify-payments");
        assert_eq!(c.tender_kind(Some("credit card"), 3), "card");
        assert_eq!(c.tender_kind(None, 99), "payment-type-99");
        assert!(
            Config::parse(r#"{"curency": "USD"}"#)
                .unwrap_err()
                .contains("unknown field")
        );
        assert!(Config::parse(r#"{"currency": "usd"}"#).is_err());
        let all = Config::parse(r#"{"stock-shops": "all"}"#).unwrap();
        assert!(all.stock_shops.reads(0) && !all.stock_shops.reads(2));
        assert!(c.stock_shops.reads(2) && !c.stock_shops.reads(0));
        let bad = Config::parse(r#"{"stock-shops": "some"}"#).unwrap_err();
        assert!(bad.contains("each") && bad.contains("all"), "{bad}");
        let g = Config::parse(r#"{"stock-shops": {"online": [1, "2"], "outlet": [3]}}"#).unwrap();
        let want = BTreeMap::from([("online".into(), vec![1, 2]), ("outlet".into(), vec![3])]);
        assert_eq!(g.stock_shops, StockShops::Groups(want));
        assert!(g.stock_shops.reads(2) && g.stock_shops.reads(3) && !g.stock_shops.reads(0));
        for bad in [
            r#"{"online": []}"#,
            r#"{"online": [0]}"#,
            r#"{"online": "1"}"#,
            "{}",
        ] {
            let e = Config::parse(&format!(r#"{{"stock-shops": {bad}}}"#)).unwrap_err();
            assert!(e.contains("stock-shops"), "{bad}: {e}");
        }
    }
}
