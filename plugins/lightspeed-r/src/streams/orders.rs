//! `orders` write: post an online order as a completed Lightspeed Sale at the shop in
//! `order.location` (the transform maps the web location to a `shopID`).
//!
//! Once only: the sale carries the order in `referenceNumber` (its source-id; the idempotency key
//! when it has none) and `referenceNumberSource` (its source-system). Before posting, the connector
//! checks its kv (`order-ik:<idempotency-key>` -> sale, written after a post) and then asks
//! Lightspeed for a sale with that reference (`Sale.json?referenceNumber=,..&referenceNumberSource
//! =,..`), so a re-sent order, even with a new idempotency key or after a crash between the post
//! and the kv write, returns the sale already posted instead of posting again.
//!
//! Lines resolve their SKUs with one `Item.json?customSku=IN,[...]` per batch; an unknown SKU fails
//! the record as dependency-missing, waiting for `sku:<SKU>` (the shipping SKU too when the order
//! has shipping). The customer is the Lightspeed customer indexed for `order.customer-ref` by the
//! customers stream (`cust-ext:<system>:<ref>`), else none. target-id = saleID, target-version =
//! the sale's `timeStamp`.
//!
//! Deliberately not here: the payload and its money checks (`order_body`), updating or voiding a
//! posted sale (a completed sale cannot be edited), fulfilment.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use weft_sdk::connector::{ErrorClass, Failure, WriteItem, WriteOp, Written, failure};
use weft_sdk::http::Method;
use weft_sdk::model::{Entity, Order};

use super::customer_write::indexed;
use super::inventory::resolve;
use super::order_body::{Draft, build};
use super::{each_item, permanent};
use crate::client::{Client, Level};
use crate::config::Config;
use crate::query::Query;
use crate::time;
use crate::wire::Sale;

#[derive(Serialize, Deserialize)]
struct Posted {
    sale: u64,
    version: String,
}

fn kv_key(idempotency_key: &str) -> String {
    format!("order-ik:{idempotency_key}")
}

/// `(referenceNumber, referenceNumberSource)` for an order.
pub fn reference<'a>(order: &'a Order, idempotency_key: &'a str) -> (&'a str, &'a str) {
    let m = &order.meta;
    if m.source_id.is_empty() || m.source_system.is_empty() {
        (idempotency_key, "weft")
    } else {
        (&m.source_id, &m.source_system)
    }
}

/// The sale already posted for a reference: the oldest unvoided one (refunds come later).
pub fn posted(client: &Client<'_>, reference: &str, source: &str) -> Result<Option<Sale>, Failure> {
    let q = Query::new("Sale")
        .filter("referenceNumber", "=", reference)
        .filter("referenceNumberSource", "=", source)
        .param("archived", "true")
        .param("sort", "saleID")
        .param("limit", "100");
    let sales = client.list::<Sale>(&q.path(), "Sale")?.records;
    Ok(sales.into_iter().find(|s| !s.voided))
}

fn needed_skus(items: &[WriteItem], config: &Config) -> Vec<String> {
    let mut skus = BTreeSet::new();
    for item in items {
        if let Entity::Order(o) = &item.entity {
            skus.extend(o.lines.iter().map(|l| l.sku.clone()));
            if o.shipping.as_ref().is_some_and(|s| s.amount_minor > 0) {
                skus.insert(config.shipping_sku.clone());
            }
        }
    }
    skus.into_iter().filter(|s| !s.is_empty()).collect()
}

/// Write a batch of orders.
pub fn write(
    client: &Client<'_>,
    config: &Config,
    items: Vec<WriteItem>,
) -> Vec<Result<Written, Failure>> {
    let skus = needed_skus(&items, config);
    let resolved: Result<BTreeMap<String, u64>, Failure> = if skus.is_empty() {
        Ok(BTreeMap::new())
    } else {
        resolve(client, &skus, &[], false).map(|found| {
            found
                .into_iter()
                .map(|(sku, item)| (sku, item.item_id))
                .collect()
        })
    };
    each_item(client, items, |item| {
        let ids = resolved.as_ref().map_err(Clone::clone)?;
        post(client, config, ids, item)
    })
}

fn missing(order: &Order, ids: &BTreeMap<String, u64>, config: &Config) -> Option<Failure> {
    let mut unknown: Vec<&str> = order
        .lines
        .iter()
        .filter(|l| l.quantity != 0 && !ids.contains_key(&l.sku))
        .map(|l| l.sku.as_str())
        .collect();
    let ship = order.shipping.as_ref().is_some_and(|s| s.amount_minor > 0);
    if ship && !ids.contains_key(&config.shipping_sku) {
        unknown.push(&config.shipping_sku);
    }
    let first = *unknown.first()?;
    Some(Failure {
        waiting_for: Some(format!("sku:{first}")),
        ..failure(
            ErrorClass::DependencyMissing,
            format!(
                "order {}: SKU {} not found in Lightspeed (customSku/systemSku); it posts once the item exists",
                order.number,
                unknown.join(", ")
            ),
        )
    })
}

fn post(
    client: &Client<'_>,
    config: &Config,
    ids: &BTreeMap<String, u64>,
    item: &WriteItem,
) -> Result<Written, Failure> {
    let Entity::Order(order) = &item.entity else {
        return Err(permanent("the orders stream takes order entities"));
    };
    if item.op != WriteOp::Upsert {
        return Err(permanent(format!(
            "orders support upsert only, not {:?}",
            item.op
        )));
    }
    let shop_id = order
        .location
        .as_deref()
        .and_then(|l| l.trim().parse::<u64>().ok())
        .filter(|s| *s != 0)
        .ok_or_else(|| {
            permanent(format!(
                "order {}: location {:?} is not a Lightspeed shopID; map it in the transform",
                order.number, order.location
            ))
        })?;
    let env = client.env();
    let kv_key = kv_key(&item.idempotency_key);
    if let Some(p) = env
        .kv_get(&kv_key)
        .and_then(|raw| serde_json::from_slice::<Posted>(&raw).ok())
    {
        return Ok(Written {
            target_id: p.sale.to_string(),
            target_version: p.version,
        });
    }
    let (reference, source) = reference(order, &item.idempotency_key);
    let remember = |sale: &Sale| {
        let p = Posted {
            sale: sale.sale_id,
            version: time::canonical(&sale.time_stamp),
        };
        if let Err(e) = env.kv_set(&kv_key, &serde_json::to_vec(&p).unwrap_or_default()) {
            client.log(
                Level::Warn,
                &format!("order {}: kv {kv_key}: {e}", order.number),
            );
        }
        Written {
            target_id: p.sale.to_string(),
            target_version: p.version,
        }
    };
    if let Some(sale) = posted(client, reference, source)? {
        client.log(
            Level::Info,
            &format!(
                "order {} already posted as sale {}",
                order.number, sale.sale_id
            ),
        );
        return Ok(remember(&sale));
    }
    if let Some(f) = missing(order, ids, config) {
        return Err(f);
    }
    let customer_id = order
        .customer_ref
        .as_deref()
        .and_then(|r| indexed(client, &order.meta.source_system, r))
        .unwrap_or(0);
    let draft = Draft {
        order,
        shop_id,
        customer_id,
        items: ids,
        reference,
        reference_source: source,
        config,
    };
    let body = build(&draft).map_err(permanent)?;
    let sale: Sale = client.write(Method::Post, "/Sale.json", "Sale", &body)?;
    client.log(
        Level::Info,
        &format!(
            "order {} posted as sale {} at shop {shop_id}",
            order.number, sale.sale_id
        ),
    );
    Ok(remember(&sale))
}
