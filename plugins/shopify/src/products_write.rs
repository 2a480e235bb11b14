//! Writing the `products` stream (upsert): the POS is the system of record for a product's
//! title, options and variants (SKU, barcode, price), and only those fields are written.
//!
//! Matching: the Shopify product in the record's external ids, else the product holding any of
//! the record's SKUs. Existing variants are matched by SKU and keep their ids (and so their
//! inventory); `productSet` then sets title, options and the variant list in one step (variants
//! the POS no longer has are removed from Shopify). A new product gets the record's status
//! (active or draft). Vendor, description, tags, media and everything else stay as merchandisers
//! left them. An archived record archives the Shopify product once (`productUpdate` status
//! `ARCHIVED`, logged); an archived record with no Shopify product is acknowledged with an empty
//! target id and nothing is created. `target-version` is the product's `updatedAt`.
//! Deliberately not here: reads, inventory.

use serde_json::{Map, Value, json};
use weft_sdk::connector::{ErrorClass, Failure, WriteItem, WriteOp, Written, failure};
use weft_sdk::model::{Entity, Product, ProductStatus};

use crate::catalog_cache;
use crate::doc::Doc;
use crate::gql;
use crate::money::format_minor;
use crate::products_match::{Existing, find};
use crate::util::{list_at, permanent, str_at};

type Outcome = Result<Written, Failure>;

/// The `ProductSetInput` for `p` (existing product `found`, shop currency `currency`).
pub fn set_input(p: &Product, found: Option<&Existing>, currency: &str) -> Result<Value, String> {
    let placeholder = p.option_names.is_empty();
    let names: Vec<String> = if placeholder {
        vec!["Title".into()]
    } else {
        p.option_names.clone()
    };
    let mut options = Vec::new();
    for name in &names {
        let mut values: Vec<String> = Vec::new();
        for v in &p.variants {
            let value = if placeholder {
                "Default Title".to_string()
            } else {
                v.options
                    .iter()
                    .find(|o| &o.name == name)
                    .map(|o| o.value.clone())
                    .ok_or_else(|| format!("variant {} has no value for option {name}", v.sku))?
            };
            if !values.contains(&value) {
                values.push(value);
            }
        }
        let values: Vec<Value> = values.into_iter().map(|v| json!({"name": v})).collect();
        options.push(json!({"name": name, "values": values}));
    }
    let mut variants = Vec::new();
    for v in &p.variants {
        let mut input = Map::new();
        if let Some(id) = found.and_then(|f| f.variants.iter().find(|(s, _)| *s == v.sku)) {
            input.insert("id".into(), json!(id.1));
        }
        input.insert("sku".into(), json!(v.sku));
        if let Some(b) = v.barcodes.first() {
            input.insert("barcode".into(), json!(b));
        }
        if let Some(price) = &v.price {
            if !price.currency.eq_ignore_ascii_case(currency) {
                return Err(format!(
                    "variant {} is priced in {} but the shop sells in {currency}",
                    v.sku, price.currency
                ));
            }
            input.insert(
                "price".into(),
                json!(format_minor(price.amount_minor, currency)),
            );
        }
        let values: Vec<Value> = names
            .iter()
            .map(|n| {
                let value = v
                    .options
                    .iter()
                    .find(|o| &o.name == n)
                    .map_or("Default Title", |o| o.value.as_str());
                json!({"optionName": n, "name": value})
            })
            .collect();
        input.insert("optionValues".into(), Value::Array(values));
        variants.push(Value::Object(input));
    }
    let mut input = json!({"title": p.title, "productOptions": options, "variants": variants});
    match found {
        Some(f) => input["id"] = json!(f.id),
        None => {
            input["status"] = json!(if p.status == ProductStatus::Draft {
                "DRAFT"
            } else {
                "ACTIVE"
            })
        }
    }
    Ok(input)
}

const SET: &str = "productSet(input: $in, synchronous: true) { product { id updatedAt variants(first: 100) { nodes { sku inventoryItem { id } } } } userErrors { code field message } }";
const ARCHIVE: &str =
    "productUpdate(product: $in) { product { id updatedAt } userErrors { field message } }";

/// One product mutation of a batch.
struct Mutation {
    index: usize,
    field: &'static str,
    ty: &'static str,
    input: Value,
    /// SKUs of the Shopify product that the record no longer has.
    removed: Vec<String>,
}

/// Write a batch; one outcome per item, in order.
pub fn write(items: &[WriteItem]) -> Vec<Outcome> {
    let mut out: Vec<Option<Outcome>> = vec![None; items.len()];
    let mut todo: Vec<(usize, &Product)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match (&item.entity, &item.op) {
            (_, WriteOp::Delete) => {
                out[i] = Some(Err(permanent(
                    "products are archived, not deleted: send the product with status archived",
                )))
            }
            (Entity::Product(p), _) if p.variants.is_empty() => {
                out[i] = Some(Err(permanent(format!(
                    "product {:?} has no variants",
                    p.title
                ))))
            }
            (Entity::Product(p), _) => todo.push((i, p)),
            _ => out[i] = Some(Err(permanent("products takes product records"))),
        }
    }
    let products: Vec<&Product> = todo.iter().map(|(_, p)| *p).collect();
    let prepared = catalog_cache::currency().and_then(|c| Ok((c, find(&products)?)));
    let (currency, found) = match prepared {
        Ok(x) => x,
        Err(f) => {
            todo.iter()
                .for_each(|(i, _)| out[*i] = Some(Err(f.clone())));
            return finish(out);
        }
    };
    let mut muts: Vec<Mutation> = Vec::new();
    for ((i, p), f) in todo.iter().zip(found) {
        match (p.status == ProductStatus::Archived, f) {
            (true, None) => {
                weft_sdk::log::info(&format!(
                    "product {:?} is archived and not in Shopify; nothing to do",
                    p.title
                ));
                out[*i] = Some(Ok(Written {
                    target_id: String::new(),
                    target_version: "archived".into(),
                }));
            }
            (true, Some(f)) if f.status == "ARCHIVED" => {
                out[*i] = Some(Ok(Written {
                    target_id: f.id,
                    target_version: f.updated_at,
                }))
            }
            (true, Some(f)) => {
                weft_sdk::log::info(&format!(
                    "archiving Shopify product {} ({:?}): archived in the POS",
                    f.id, p.title
                ));
                muts.push(Mutation {
                    index: *i,
                    field: ARCHIVE,
                    ty: "ProductUpdateInput!",
                    input: json!({"id": f.id, "status": "ARCHIVED"}),
                    removed: Vec::new(),
                });
            }
            (false, f) => match set_input(p, f.as_ref(), &currency) {
                Ok(input) => muts.push(Mutation {
                    index: *i,
                    field: SET,
                    ty: "ProductSetInput!",
                    input,
                    removed: f
                        .map(|f| f.variants)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(sku, _)| sku)
                        .filter(|sku| !p.variants.iter().any(|v| v.sku == *sku))
                        .collect(),
                }),
                Err(e) => out[*i] = Some(Err(permanent(format!("product {:?}: {e}", p.title)))),
            },
        }
    }
    for chunk in muts.chunks(10) {
        let mut d = Doc::new();
        for (n, m) in chunk.iter().enumerate() {
            d.var(format!("in{n}"), m.ty, m.input.clone())
                .field(format!(
                    "w{n}: {}",
                    m.field.replace("$in", &format!("$in{n}"))
                ));
        }
        let (doc, vars) = d.render("mutation", "WriteProducts");
        match gql::run(&doc, vars, false) {
            Ok(data) => {
                for (n, m) in chunk.iter().enumerate() {
                    let outcome = judge(data.get(format!("w{n}")).unwrap_or(&Value::Null));
                    if outcome.is_ok() {
                        // SKUs the POS dropped left Shopify with their variants.
                        m.removed.iter().for_each(|sku| catalog_cache::forget(sku));
                    }
                    out[m.index] = Some(outcome);
                }
            }
            Err(f) => chunk
                .iter()
                .for_each(|m| out[m.index] = Some(Err(f.clone()))),
        }
    }
    finish(out)
}

fn finish(out: Vec<Option<Outcome>>) -> Vec<Outcome> {
    out.into_iter()
        .map(|o| o.unwrap_or_else(|| Err(failure(ErrorClass::Transient, "not attempted"))))
        .collect()
}

/// Interpret a `productSet`/`productUpdate` answer; primes the SKU cache.
fn judge(answer: &Value) -> Outcome {
    if let Some(e) = list_at(answer, "/userErrors").first() {
        return Err(permanent(format!(
            "shopify refused the product: {}",
            str_at(e, "/message").unwrap_or("user error")
        )));
    }
    for v in list_at(answer, "/product/variants/nodes") {
        if let (Some(sku), Some(item)) = (str_at(v, "/sku"), str_at(v, "/inventoryItem/id"))
            && !sku.is_empty()
        {
            catalog_cache::remember(sku, item);
        }
    }
    match (
        str_at(answer, "/product/id"),
        str_at(answer, "/product/updatedAt"),
    ) {
        (Some(id), Some(at)) => Ok(Written {
            target_id: id.to_string(),
            target_version: at.to_string(),
        }),
        _ => Err(permanent("shopify answered without the product")),
    }
}
