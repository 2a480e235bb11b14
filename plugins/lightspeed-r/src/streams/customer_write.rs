//! `customers` write (upsert): find the Lightspeed customer first, then update it or create one,
//! so one shopper stays one record.
//!
//! Matching, in order: e-mail (`Contact.email=~,<email>`, compared case-insensitively), phone
//! (`Contact.phone=,<phone>`, compared by digits), then external ids: a `lightspeed-r` id in
//! `meta.external-ids` (or a `lightspeed-r` source-id), then the connector's kv index
//! `cust-ext:<system>:<id>` -> customerID, written after every successful write for the record's
//! source id and its other external ids. Lightspeed customers have no field for a foreign id
//! (the simulator stores none either), so the index lives in the deployment's kv; a crash between
//! the create and the index write can only duplicate a customer that has neither e-mail nor phone.
//! An update sends only the fields the record has. target-id = customerID, target-version =
//! the customer's `timeStamp`.
//!
//! Deliberately not here: deletes (refused: POS customers are archived by people) and
//! customer types / price levels.

use serde_json::{Value, json};
use weft_sdk::connector::{Failure, WriteItem, WriteOp, Written};
use weft_sdk::http::Method;
use weft_sdk::model::{Customer, Entity};

use super::customers::{digits, find};
use super::{SYSTEM, each_item, permanent};
use crate::client::{Client, Level};
use crate::query;
use crate::time;
use crate::wire;

/// The kv key of the external-id index.
pub fn index_key(system: &str, id: &str) -> String {
    format!("cust-ext:{system}:{id}")
}

/// The customerID indexed for `(system, id)`, if any.
pub fn indexed(client: &Client<'_>, system: &str, id: &str) -> Option<u64> {
    let raw = client.env().kv_get(&index_key(system, id))?;
    String::from_utf8(raw).ok()?.parse().ok()
}

/// Write a batch of customers.
pub fn write(client: &Client<'_>, items: Vec<WriteItem>) -> Vec<Result<Written, Failure>> {
    each_item(client, items, |item| upsert(client, item))
}

fn external_ids(c: &Customer) -> Vec<(String, String)> {
    let m = &c.meta;
    let mut ids = vec![(m.source_system.clone(), m.source_id.clone())];
    ids.extend(
        m.external_ids
            .iter()
            .map(|e| (e.system.clone(), e.id.clone())),
    );
    ids.retain(|(s, i)| !s.is_empty() && !i.is_empty());
    ids
}

fn by_id(client: &Client<'_>, id: u64) -> Result<Option<wire::Customer>, Failure> {
    let path = query::one("Customer", id, &["Contact"]);
    let found: Option<wire::Customer> = client.get_one(&path, "Customer")?;
    Ok(found.filter(|c| !c.archived))
}

/// The existing customer for `c`, by e-mail, phone, then external ids.
pub fn existing(client: &Client<'_>, c: &Customer) -> Result<Option<wire::Customer>, Failure> {
    if let Some(email) = c.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        let email = email.to_lowercase();
        let op = if email.contains('%') { "=" } else { "~" };
        let hit = find(client, "email", op, &email)?
            .into_iter()
            .find(|x| x.email().as_deref() == Some(email.as_str()));
        if hit.is_some() {
            return Ok(hit);
        }
    }
    if let Some(phone) = c.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        let hit = find(client, "phone", "=", phone)?
            .into_iter()
            .find(|x| x.phone().is_some_and(|p| digits(&p) == digits(phone)));
        if hit.is_some() {
            return Ok(hit);
        }
    }
    for (system, id) in external_ids(c) {
        let candidate = if system == SYSTEM {
            id.parse().ok()
        } else {
            indexed(client, &system, &id)
        };
        if let Some(found) = candidate
            .map(|cid| by_id(client, cid))
            .transpose()?
            .flatten()
        {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// The Customer payload: names, and the contact's e-mail and phone when the record has them.
pub fn body(c: &Customer) -> Value {
    let mut b = json!({});
    if !c.first_name.is_empty() {
        b["firstName"] = json!(c.first_name);
    }
    if !c.last_name.is_empty() {
        b["lastName"] = json!(c.last_name);
    }
    let mut contact = json!({});
    if let Some(e) = c.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        contact["Emails"] =
            json!({"ContactEmail": [{"address": e.to_lowercase(), "useType": "Primary"}]});
    }
    if let Some(p) = c.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        contact["Phones"] = json!({"ContactPhone": [{"number": p, "useType": "Mobile"}]});
    }
    if contact.as_object().is_some_and(|o| !o.is_empty()) {
        b["Contact"] = contact;
    }
    b
}

fn upsert(client: &Client<'_>, item: &WriteItem) -> Result<Written, Failure> {
    let Entity::Customer(c) = &item.entity else {
        return Err(permanent("the customers stream takes customer entities"));
    };
    if item.op != WriteOp::Upsert {
        return Err(permanent(format!(
            "customers support upsert only, not {:?}; archive POS customers in Lightspeed",
            item.op
        )));
    }
    let found = existing(client, c)?;
    let payload = body(c);
    let saved: wire::Customer = match &found {
        Some(x) => {
            let path = query::one("Customer", x.customer_id, &["Contact"]);
            client.write(Method::Put, &path, "Customer", &payload)?
        }
        None => client.write(Method::Post, "/Customer.json", "Customer", &payload)?,
    };
    let id = saved.customer_id.to_string();
    for (system, ext) in external_ids(c).into_iter().filter(|(s, _)| s != SYSTEM) {
        if let Err(e) = client
            .env()
            .kv_set(&index_key(&system, &ext), id.as_bytes())
        {
            client.log(
                Level::Warn,
                &format!("customer {id}: index {system}:{ext}: {e}"),
            );
        }
    }
    let how = if found.is_some() {
        "updated"
    } else {
        "created"
    };
    client.log(Level::Info, &format!("customer {id} {how}"));
    Ok(Written {
        target_id: id,
        target_version: time::canonical(&saved.time_stamp),
    })
}
