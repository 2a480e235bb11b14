//! Reading and looking up the `products` stream: what Shopify has, field for field, so a manual
//! edit in Shopify shows up as drift in a reconciliation.
//!
//! Read: products changed since the cursor (`products(sortKey: UPDATED_AT)`), as `product`
//! records (the engine keys them `product:{sku of first variant}`), version = `updatedAt`, with
//! options in position order and variants in position order (SKU, barcode, option values, price
//! in the shop currency). Shopify's placeholder option (`Title` / `Default Title`) of a simple
//! product is left out. Products with more than [`VARIANTS_FIRST`] variants get the rest in
//! follow-up queries. Lookup: keys `product:<sku>`. Deliberately not here: writes.

use serde_json::{Value, json};
use weft_sdk::connector::{CallError, Failure, Page};
use weft_sdk::model::{Entity, OptionValue, Product, ProductStatus, ProductVariant, money};

use crate::catalog_cache;
use crate::doc::Doc;
use crate::gql;
use crate::money::parse_value;
use crate::paged;
use crate::util::{list_at, meta, need_str, permanent, search, str_at};

/// Variants fetched with each product.
pub const VARIANTS_FIRST: u32 = 50;
const MAX_PRODUCTS: u32 = 8;

const VARIANT_FIELDS: &str =
    "id legacyResourceId sku barcode price updatedAt selectedOptions { name value }";

/// The product fields every product query selects.
pub fn product_fields() -> String {
    format!(
        "id legacyResourceId title status updatedAt options {{ name position }} variants(first: {VARIANTS_FIRST}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {VARIANT_FIELDS} }} }}"
    )
}

fn is_placeholder(name: &str, value: &str) -> bool {
    name == "Title" && value == "Default Title"
}

/// A GraphQL `ProductVariant` node.
pub fn variant(node: &Value, currency: &str) -> Result<ProductVariant, String> {
    let id = need_str(node, "/legacyResourceId")?;
    let price = match node.get("price") {
        Some(p) if !p.is_null() => Some(money(parse_value(p, currency)?, currency)),
        _ => None,
    };
    Ok(ProductVariant {
        meta: meta(
            id,
            str_at(node, "/updatedAt").unwrap_or(""),
            str_at(node, "/id"),
        ),
        sku: str_at(node, "/sku").unwrap_or("").to_string(),
        barcodes: str_at(node, "/barcode")
            .filter(|b| !b.is_empty())
            .map(|b| vec![b.to_string()])
            .unwrap_or_default(),
        options: list_at(node, "/selectedOptions")
            .iter()
            .filter_map(|o| Some((str_at(o, "/name")?, str_at(o, "/value")?)))
            .filter(|(n, v)| !is_placeholder(n, v))
            .map(|(n, v)| OptionValue {
                name: n.to_string(),
                value: v.to_string(),
            })
            .collect(),
        price,
    })
}

/// A GraphQL `Product` node (variants from the node only).
pub fn product(node: &Value, currency: &str) -> Result<Product, String> {
    let mut options: Vec<(i64, String)> = list_at(node, "/options")
        .iter()
        .filter_map(|o| {
            let pos = o.get("position").and_then(Value::as_i64).unwrap_or(0);
            Some((pos, str_at(o, "/name")?.to_string()))
        })
        .collect();
    options.sort();
    let variants = list_at(node, "/variants/nodes")
        .iter()
        .map(|v| variant(v, currency))
        .collect::<Result<Vec<_>, _>>()?;
    let simple = variants.iter().all(|v| v.options.is_empty());
    Ok(Product {
        meta: meta(
            need_str(node, "/legacyResourceId")?,
            need_str(node, "/updatedAt")?,
            str_at(node, "/id"),
        ),
        title: str_at(node, "/title").unwrap_or("").to_string(),
        parent_id: None,
        option_names: options
            .into_iter()
            .map(|(_, n)| n)
            .filter(|n| !(simple && n == "Title"))
            .collect(),
        variants,
        tax_class: None,
        unit_of_measure: "each".into(),
        pack_size: 1,
        status: match str_at(node, "/status") {
            Some("ARCHIVED") => ProductStatus::Archived,
            Some("DRAFT") => ProductStatus::Draft,
            _ => ProductStatus::Active,
        },
    })
}

/// A node as a complete record (following variant pages when there are more).
pub fn complete(node: &Value, currency: &str) -> Result<Product, Failure> {
    let gid = str_at(node, "/id").unwrap_or("?").to_string();
    let err = |e: String| permanent(format!("product {gid}: {e}"));
    let mut p = product(node, currency).map_err(err)?;
    let mut more = node
        .pointer("/variants/pageInfo/hasNextPage")
        .and_then(Value::as_bool)
        == Some(true);
    let mut after = str_at(node, "/variants/pageInfo/endCursor").map(str::to_string);
    let doc = format!(
        "query ProductVariants($id: ID!, $after: String) {{ product(id: $id) {{ variants(first: 100, after: $after) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {VARIANT_FIELDS} }} }} }} }}"
    );
    while more {
        let data = gql::query(&doc, json!({"id": gid, "after": after}))?;
        let conn = data
            .pointer("/product/variants")
            .cloned()
            .unwrap_or(Value::Null);
        for v in list_at(&conn, "/nodes") {
            p.variants.push(variant(v, currency).map_err(err)?);
        }
        more = conn
            .pointer("/pageInfo/hasNextPage")
            .and_then(Value::as_bool)
            == Some(true);
        after = str_at(&conn, "/pageInfo/endCursor").map(str::to_string);
    }
    Ok(p)
}

/// Read one page.
pub fn read(cursor: Option<&str>, limit: u32) -> Result<Page, CallError> {
    let doc = format!(
        "query ProductsPage($first: Int!, $after: String, $query: String) {{
  products(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }} nodes {{ {} }} }} }}",
        product_fields()
    );
    let slice = paged::read(cursor, &doc, "products", limit.clamp(1, MAX_PRODUCTS))?;
    let currency = catalog_cache::currency().map_err(CallError::Failed)?;
    let records = slice
        .nodes
        .iter()
        .map(|n| complete(n, &currency).map(Entity::Product))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CallError::Failed)?;
    Ok(Page {
        records,
        next_cursor: slice.next_cursor,
        has_more: slice.has_more,
    })
}

/// Look products up by `product:<sku>` (any variant's SKU); unknown keys are absent.
pub fn lookup(keys: &[String]) -> Result<Vec<Entity>, Failure> {
    let skus: Vec<&str> = keys
        .iter()
        .filter_map(|k| k.strip_prefix("product:"))
        .collect();
    let currency = catalog_cache::currency()?;
    let mut out: Vec<Entity> = Vec::new();
    for chunk in skus.chunks(8) {
        let mut d = Doc::new();
        for (i, sku) in chunk.iter().enumerate() {
            d.var(format!("q{i}"), "String!", json!(search("sku", sku)))
                .field(format!(
                    "v{i}: productVariants(first: 1, query: $q{i}) {{ nodes {{ sku product {{ {} }} }} }}",
                    product_fields()
                ));
        }
        let (doc, vars) = d.render("query", "ProductsBySku");
        let data = gql::query(&doc, vars)?;
        for (i, sku) in chunk.iter().enumerate() {
            let Some(node) = list_at(&data, &format!("/v{i}/nodes"))
                .iter()
                .find(|n| str_at(n, "/sku") == Some(*sku))
                .and_then(|n| n.get("product"))
            else {
                continue;
            };
            let p = complete(node, &currency)?;
            let dup = out
                .iter()
                .any(|e| matches!(e, Entity::Product(q) if q.meta.source_id == p.meta.source_id));
            if !dup {
                out.push(Entity::Product(p));
            }
        }
    }
    Ok(out)
}
