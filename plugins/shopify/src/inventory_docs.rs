//! GraphQL documents for inventory writes, built with one alias per record so a whole batch costs
//! one request per step: read the current `available` of many item × location pairs, stock items
//! at locations (`inventoryActivate`), and set quantities (`inventorySetQuantities`, one field per
//! record so one stale record does not fail the others, each with its own `@idempotent` key).
//!
//! The `@idempotent` key must be a literal (Shopify reads the directive argument as written), so
//! it is rendered as a GraphQL string literal. Deliberately no I/O and no interpretation of
//! answers here.

use serde_json::{Value, json};

use crate::doc::Doc;
use crate::util::literal;

/// The quantities every level read selects.
pub const QUANTITIES: &str =
    "quantities(names: [\"available\", \"on_hand\", \"committed\"]) { name quantity }";

/// One quantity to set.
#[derive(Debug, Clone, PartialEq)]
pub struct SetQty {
    /// `gid://shopify/InventoryItem/..`.
    pub item: String,
    /// `gid://shopify/Location/..`.
    pub location: String,
    /// The quantity to set.
    pub quantity: i64,
    /// Compare-and-set: the quantity Shopify must have now.
    pub from: i64,
    /// The `@idempotent` key.
    pub key: String,
    /// Recorded as the change's reference document.
    pub reference: String,
}

/// Read `available` for `(item, location)` pairs: alias `l{i}`.
pub fn levels_query(pairs: &[(String, String)]) -> (String, Value) {
    let mut d = Doc::new();
    for (i, (item, location)) in pairs.iter().enumerate() {
        d.var(format!("i{i}"), "ID!", json!(item))
            .var(format!("l{i}"), "ID!", json!(location))
            .field(format!(
                "l{i}: inventoryItem(id: $i{i}) {{ id sku inventoryLevel(locationId: $l{i}) {{ updatedAt {QUANTITIES} }} }}"
            ));
    }
    d.render("query", "Levels")
}

/// Stock `(item, location)` pairs: alias `a{i}`.
pub fn activate_mutation(pairs: &[(String, String)]) -> (String, Value) {
    let mut d = Doc::new();
    for (i, (item, location)) in pairs.iter().enumerate() {
        d.var(format!("i{i}"), "ID!", json!(item))
            .var(format!("l{i}"), "ID!", json!(location))
            .field(format!(
                "a{i}: inventoryActivate(inventoryItemId: $i{i}, locationId: $l{i}) {{ inventoryLevel {{ id }} userErrors {{ code field message }} }}"
            ));
    }
    d.render("mutation", "Activate")
}

/// Set quantities with compare-and-set: alias `m{i}`.
pub fn set_mutation(sets: &[SetQty]) -> (String, Value) {
    let mut d = Doc::new();
    for (i, s) in sets.iter().enumerate() {
        let input = json!({
            "name": "available",
            "reason": "correction",
            "referenceDocumentUri": s.reference,
            "quantities": [{
                "inventoryItemId": s.item,
                "locationId": s.location,
                "quantity": s.quantity,
                "changeFromQuantity": s.from,
            }],
        });
        d.var(format!("in{i}"), "InventorySetQuantitiesInput!", input)
            .field(format!(
                "m{i}: inventorySetQuantities(input: $in{i}) @idempotent(key: {}) {{ inventoryAdjustmentGroup {{ changes {{ name quantityAfterChange }} }} userErrors {{ code field message }} }}",
                literal(&s.key)
            ));
    }
    d.render("mutation", "SetQuantities")
}

/// The named quantity out of a `quantities(names:)` list.
pub fn quantity(level: &Value, name: &str) -> Option<i64> {
    level
        .get("quantities")?
        .as_array()?
        .iter()
        .find(|q| q.get("name").and_then(Value::as_str) == Some(name))?
        .get("quantity")?
        .as_i64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_documents_carry_cas_and_literal_keys() {
        let set = SetQty {
            item: "gid://shopify/InventoryItem/1".into(),
            location: "gid://shopify/Location/1001".into(),
            quantity: 12,
            from: 9,
            key: "weft-ik1-abc:9".into(),
            reference: "gid://weft/WriteItem/weft-ik1-abc".into(),
        };
        let (doc, vars) = set_mutation(&[set.clone(), set]);
        assert!(doc.starts_with(
            "mutation SetQuantities($in0: InventorySetQuantitiesInput!, $in1: InventorySetQuantitiesInput!)"
        ));
        assert!(doc.contains(
            "m1: inventorySetQuantities(input: $in1) @idempotent(key: \"weft-ik1-abc:9\")"
        ));
        assert_eq!(vars["in0"]["quantities"][0]["changeFromQuantity"], 9);
        assert_eq!(vars["in0"]["name"], "available");
        let (doc, vars) = levels_query(&[("I".into(), "L".into())]);
        assert!(
            doc.contains("l0: inventoryItem(id: $i0) { id sku inventoryLevel(locationId: $l0)")
        );
        assert_eq!(vars["l0"], "L");
        let (doc, _) = activate_mutation(&[("I".into(), "L".into())]);
        assert!(doc.contains("a0: inventoryActivate(inventoryItemId: $i0, locationId: $l0)"));
    }

    #[test]
    fn reads_named_quantities() {
        let level = json!({"quantities": [{"name": "available", "quantity": 4}, {"name": "on_hand", "quantity": 6}]});
        assert_eq!(quantity(&level, "on_hand"), Some(6));
        assert_eq!(quantity(&level, "committed"), None);
    }
}
