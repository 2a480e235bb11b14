//! Reading and looking up the `customers` stream.
//!
//! Read: customers changed since the cursor (`customers(sortKey: UPDATED_AT)`), as `customer`
//! records (e-mail lower-cased, so the engine's key `customer:{email}` matches), version =
//! `updatedAt`. Lookup and matching: by e-mail (`customer:<email>`) or phone
//! (`customer:phone:<phone>`), through Shopify's search, then checked exactly here (the search
//! is fuzzy). Deliberately not here: writes (`customers_write.rs`).

use serde_json::{Value, json};
use weft_sdk::connector::{CallError, Failure, Page};
use weft_sdk::model::{Customer, Entity};

use crate::doc::Doc;
use crate::gql;
use crate::paged;
use crate::util::{list_at, meta, need_str, permanent, search, str_at};

const MAX_CUSTOMERS: u32 = 100;
/// The fields every customer query selects.
pub const FIELDS: &str = "id legacyResourceId email phone firstName lastName updatedAt";

/// How a customer is matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// By e-mail, case-insensitively.
    Email(String),
    /// By phone, exactly.
    Phone(String),
}

impl Match {
    /// Parse a lookup key: `customer:<email>` or `customer:phone:<phone>`.
    pub fn from_key(key: &str) -> Option<Match> {
        let rest = key.strip_prefix("customer:")?;
        match rest.strip_prefix("phone:") {
            Some(p) if !p.is_empty() => Some(Match::Phone(p.to_string())),
            Some(_) => None,
            None if rest.contains('@') => Some(Match::Email(rest.to_lowercase())),
            None => None,
        }
    }

    /// The search string.
    pub fn search(&self) -> String {
        match self {
            Match::Email(e) => search("email", e),
            Match::Phone(p) => search("phone", p),
        }
    }

    /// Does a customer node match exactly?
    pub fn hits(&self, node: &Value) -> bool {
        match self {
            Match::Email(e) => str_at(node, "/email").is_some_and(|x| x.eq_ignore_ascii_case(e)),
            Match::Phone(p) => str_at(node, "/phone") == Some(p.as_str()),
        }
    }
}

/// A GraphQL `Customer` node as a record.
pub fn customer(node: &Value) -> Result<Customer, String> {
    let text = |p: &str| str_at(node, p).unwrap_or("").to_string();
    Ok(Customer {
        meta: meta(
            need_str(node, "/legacyResourceId")?,
            need_str(node, "/updatedAt")?,
            str_at(node, "/id"),
        ),
        email: str_at(node, "/email").map(str::to_lowercase),
        phone: str_at(node, "/phone").map(str::to_string),
        first_name: text("/firstName"),
        last_name: text("/lastName"),
        customer_type: None,
    })
}

/// Find customers for `matches` in aliased queries: one node (or none) per match, in order.
pub fn find(matches: &[Match]) -> Result<Vec<Option<Value>>, Failure> {
    let mut out = Vec::new();
    for chunk in matches.chunks(100) {
        let mut d = Doc::new();
        for (i, m) in chunk.iter().enumerate() {
            d.var(format!("q{i}"), "String!", json!(m.search()))
                .field(format!(
                    "c{i}: customers(first: 3, query: $q{i}) {{ nodes {{ {FIELDS} }} }}"
                ));
        }
        let (doc, vars) = d.render("query", "FindCustomers");
        let data = gql::query(&doc, vars)?;
        for (i, m) in chunk.iter().enumerate() {
            let hit = list_at(&data, &format!("/c{i}/nodes"))
                .iter()
                .find(|n| m.hits(n))
                .cloned();
            out.push(hit);
        }
    }
    Ok(out)
}

/// Look customers up by key; unknown keys are absent.
pub fn lookup(keys: &[String]) -> Result<Vec<Entity>, Failure> {
    let matches: Vec<Match> = keys.iter().filter_map(|k| Match::from_key(k)).collect();
    let mut out = Vec::new();
    for node in find(&matches)?.into_iter().flatten() {
        out.push(Entity::Customer(customer(&node).map_err(permanent)?));
    }
    Ok(out)
}

/// Read one page.
pub fn read(cursor: Option<&str>, limit: u32) -> Result<Page, CallError> {
    let doc = format!(
        "query CustomersPage($first: Int!, $after: String, $query: String) {{
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }} nodes {{ {FIELDS} }} }} }}"
    );
    let slice = paged::read(cursor, &doc, "customers", limit.clamp(1, MAX_CUSTOMERS))?;
    let records = slice
        .nodes
        .iter()
        .map(|n| customer(n).map(Entity::Customer))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CallError::Failed(permanent(format!("customer: {e}"))))?;
    Ok(Page {
        records,
        next_cursor: slice.next_cursor,
        has_more: slice.has_more,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_exact_matching() {
        assert_eq!(
            Match::from_key("customer:Bob@X.com"),
            Some(Match::Email("bob@x.com".into()))
        );
        assert_eq!(
            Match::from_key("customer:phone:+15550001"),
            Some(Match::Phone("+15550001".into()))
        );
        assert_eq!(Match::from_key("order:shopify:1"), None);
        assert_eq!(Match::from_key("customer:nobody"), None);
        let node = json!({"id": "gid://shopify/Customer/7", "legacyResourceId": "7",
            "email": "Bob@X.com", "phone": "+15550001", "firstName": "Bob", "lastName": null,
            "updatedAt": "2026-01-05T10:00:00Z"});
        assert!(Match::Email("bob@x.com".into()).hits(&node));
        assert!(!Match::Phone("+1555000".into()).hits(&node));
        let c = customer(&node).unwrap();
        assert_eq!(c.email.as_deref(), Some("bob@x.com"));
        assert_eq!((c.first_name.as_str(), c.last_name.as_str()), ("Bob", ""));
        assert_eq!(c.meta.source_id, "7");
        assert_eq!(Match::Email("a@b.c".into()).search(), "email:\"a@b.c\"");
    }
}
