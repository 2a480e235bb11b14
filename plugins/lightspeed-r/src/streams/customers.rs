//! `customers` (read and lookup): Customers with their Contact as canonical customers.
//!
//! Read: `Customer.json?load_relations=["Contact"]&sort=timeStamp` through the keyset cursor
//! (archived customers are not listed). Source-id is the `customerID`, version the `timeStamp`
//! with a digest of the mapped customer (`streams::content_version`),
//! e-mail the first address (lower-cased), phone the first number, customer-type the
//! `customerTypeID` when set. The natural key (`customer:{email}`) matches across systems, so no
//! `weft.key` is set.
//!
//! Lookup keys `customer:<email>` (an `IN` list of up to 100 addresses per request) and
//! `customer:phone:<phone>` (one request each); other keys are ignored.
//!
//! Deliberately not here: writing (see `customer_write`).

use weft_sdk::connector::Failure;
use weft_sdk::model::{Customer, Entity};

use super::{content_version, meta};
use crate::client::Client;
use crate::cursor::Cursor;
use crate::query::Query;
use crate::scan::{Source, scan};
use crate::wire;

/// The canonical customer of a Lightspeed customer.
pub fn customer(c: &wire::Customer) -> Customer {
    let mut out = Customer {
        meta: meta(c.customer_id.to_string(), &c.time_stamp),
        email: c.email(),
        phone: c.phone(),
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        customer_type: (c.customer_type_id != 0).then(|| c.customer_type_id.to_string()),
    };
    out.meta.version = content_version(&c.time_stamp, &out);
    out
}

/// Read customers after the cursor.
pub fn read(
    client: &Client<'_>,
    cursor: &mut Cursor,
    want: usize,
) -> Result<(Vec<Entity>, bool), Failure> {
    let src = Source {
        resource: "Customer",
        id_field: "customerID",
        params: vec![("load_relations", r#"["Contact"]"#.into())],
    };
    let got = scan::<wire::Customer>(client, &src, cursor, want, |_| true)?;
    let out = got
        .rows
        .iter()
        .map(|c| Entity::Customer(customer(c)))
        .collect();
    Ok((out, got.caught_up))
}

/// Customers whose `Contact.<field>` matches `op,value`, oldest first.
pub fn find(
    client: &Client<'_>,
    field: &str,
    op: &str,
    value: &str,
) -> Result<Vec<wire::Customer>, Failure> {
    let q = Query::new("Customer")
        .relations(&["Contact"])
        .filter(&format!("Contact.{field}"), op, value)
        .param("sort", "customerID")
        .param("limit", "100");
    Ok(client
        .list::<wire::Customer>(&q.path(), "Customer")?
        .records)
}

/// Digits of a phone number, for comparing differently formatted numbers.
pub fn digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

/// Look customers up by `customer:<email>` and `customer:phone:<phone>`.
pub fn lookup(client: &Client<'_>, keys: &[String]) -> Result<Vec<Entity>, Failure> {
    let mut emails: Vec<String> = Vec::new();
    let mut phones: Vec<String> = Vec::new();
    for key in keys {
        let Some(rest) = key.strip_prefix("customer:") else {
            continue;
        };
        match rest.strip_prefix("phone:") {
            Some(phone) if !phone.is_empty() => phones.push(phone.to_string()),
            Some(_) => {}
            None if rest.contains('@') => emails.push(rest.to_lowercase()),
            None => {}
        }
    }
    emails.sort();
    emails.dedup();
    let mut out: Vec<Entity> = Vec::new();
    let mut seen: Vec<u64> = Vec::new();
    let mut push = |c: &wire::Customer| {
        if !seen.contains(&c.customer_id) {
            seen.push(c.customer_id);
            out.push(Entity::Customer(customer(c)));
        }
    };
    let (listable, odd): (Vec<String>, Vec<String>) = emails
        .into_iter()
        .partition(|e| !e.contains([',', '[', ']']));
    for chunk in listable.chunks(100) {
        let q = Query::new("Customer")
            .relations(&["Contact"])
            .filter_in("Contact.email", chunk)
            .param("limit", "100");
        for c in client
            .list::<wire::Customer>(&q.path(), "Customer")?
            .records
        {
            if c.email().is_some_and(|e| chunk.contains(&e)) {
                push(&c);
            }
        }
    }
    for email in odd {
        for c in find(client, "email", "=", &email)? {
            if c.email().as_deref() == Some(email.as_str()) {
                push(&c);
            }
        }
    }
    for phone in phones {
        for c in find(client, "phone", "=", &phone)? {
            if c.phone().is_some_and(|p| digits(&p) == digits(&phone)) {
                push(&c);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_contact_details() {
        let c: wire::Customer = serde_json::from_value(serde_json::json!({
            "customerID": "12", "firstName": "Ava", "lastName": "Kim", "customerTypeID": "0",
            "timeStamp": "2026-01-01T00:00:00+00:00",
            "Contact": {"Emails": {"ContactEmail": [{"address": "AVA@x.com"}, {"address": "b@x.com"}]},
                        "Phones": {"ContactPhone": {"number": "+15550001"}}}}))
        .unwrap();
        let m = customer(&c);
        assert_eq!(m.email.as_deref(), Some("ava@x.com"));
        assert_eq!(m.phone.as_deref(), Some("+15550001"));
        assert_eq!(m.customer_type, None);
        assert_eq!(m.meta.source_id, "12");
        assert_eq!(digits("+1 (555) 000-1"), "15550001");
    }
}
