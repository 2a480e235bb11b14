//! Finding the Shopify product a POS product record corresponds to: the product in the record's
//! external ids, else the product holding any of its SKUs (one aliased `productVariants` query
//! for the batch), then each found product's status and variant ids by SKU (so `productSet` keeps
//! existing variants and their inventory instead of recreating them).
//!
//! Deliberately no writes here.

use serde_json::{Value, json};
use weft_sdk::connector::Failure;
use weft_sdk::model::Product;

use crate::doc::Doc;
use crate::gql;
use crate::util::{list_at, search, shopify_id, str_at};

/// A Shopify product as found: id, status, and variant id by SKU.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Existing {
    /// Product gid.
    pub id: String,
    /// `ACTIVE`, `DRAFT`, `ARCHIVED`.
    pub status: String,
    /// Variant gid by SKU.
    pub variants: Vec<(String, String)>,
    /// `updatedAt`.
    pub updated_at: String,
}

/// Parse a `product { id status updatedAt variants { nodes { id sku } } }` node.
pub fn existing(node: &Value) -> Option<Existing> {
    Some(Existing {
        id: str_at(node, "/id")?.to_string(),
        status: str_at(node, "/status").unwrap_or("").to_string(),
        updated_at: str_at(node, "/updatedAt").unwrap_or("").to_string(),
        variants: list_at(node, "/variants/nodes")
            .iter()
            .filter_map(|v| {
                Some((
                    str_at(v, "/sku")?.to_string(),
                    str_at(v, "/id")?.to_string(),
                ))
            })
            .collect(),
    })
}

const FOUND: &str = "id status updatedAt variants(first: 100) { nodes { id sku } }";

/// Find the Shopify product of each record (by external id, else by any SKU).
pub fn find(products: &[&Product]) -> Result<Vec<Option<Existing>>, Failure> {
    let mut ids: Vec<Option<String>> = products
        .iter()
        .map(|p| shopify_id(&p.meta, "Product"))
        .collect();
    let skus: Vec<(usize, &str)> = products
        .iter()
        .enumerate()
        .filter(|(i, _)| ids[*i].is_none())
        .flat_map(|(i, p)| p.variants.iter().map(move |v| (i, v.sku.as_str())))
        .filter(|(_, s)| !s.is_empty())
        .collect();
    for chunk in skus.chunks(200) {
        let mut d = Doc::new();
        for (n, (_, sku)) in chunk.iter().enumerate() {
            d.var(format!("q{n}"), "String!", json!(search("sku", sku)))
                .field(format!(
                    "s{n}: productVariants(first: 1, query: $q{n}) {{ nodes {{ sku product {{ id }} }} }}"
                ));
        }
        let (doc, vars) = d.render("query", "ProductSkus");
        let data = gql::query(&doc, vars)?;
        for (n, (i, sku)) in chunk.iter().enumerate() {
            let hit = list_at(&data, &format!("/s{n}/nodes"))
                .iter()
                .find(|v| str_at(v, "/sku") == Some(*sku))
                .and_then(|v| str_at(v, "/product/id"));
            if ids[*i].is_none() {
                ids[*i] = hit.map(str::to_string);
            }
        }
    }
    let mut out = vec![None; products.len()];
    let wanted: Vec<(usize, String)> = ids
        .into_iter()
        .enumerate()
        .filter_map(|(i, id)| Some((i, id?)))
        .collect();
    for chunk in wanted.chunks(8) {
        let mut d = Doc::new();
        for (n, (_, id)) in chunk.iter().enumerate() {
            d.var(format!("p{n}"), "ID!", json!(id))
                .field(format!("p{n}: product(id: $p{n}) {{ {FOUND} }}"));
        }
        let (doc, vars) = d.render("query", "ProductsById");
        let data = gql::query(&doc, vars)?;
        for (n, (i, _)) in chunk.iter().enumerate() {
            out[*i] = data.get(format!("p{n}")).and_then(existing);
        }
    }
    Ok(out)
}
