//! Request paths for the V3 API: `/{Resource}.json?...` relative to the connection's base (the
//! account URL), with strictly percent-encoded query values (a `+` in a timestamp offset must
//! not become a space), `op,value` filters, `load_relations` arrays and `IN` lists, and the
//! conversion of a `@attributes.next` URL back into a path on the connection.
//!
//! Deliberately not here: sending (see `client`) and which filters a stream uses (`streams`).

/// Percent-encode everything except RFC 3986 unreserved characters.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A query on one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    resource: String,
    pairs: Vec<(String, String)>,
}

impl Query {
    /// A query on `resource` (`"ItemShop"`).
    pub fn new(resource: &str) -> Self {
        Query {
            resource: resource.into(),
            pairs: Vec::new(),
        }
    }

    /// Add a raw parameter.
    pub fn param(mut self, key: &str, value: impl Into<String>) -> Self {
        self.pairs.push((key.into(), value.into()));
        self
    }

    /// Add an `op,value` filter (`op` one of `=`, `>`, `>=`, `<`, `~`, ...).
    pub fn filter(self, field: &str, op: &str, value: &str) -> Self {
        self.param(field, format!("{op},{value}"))
    }

    /// Add an `IN,[a,b]` filter.
    pub fn filter_in(self, field: &str, values: &[String]) -> Self {
        self.param(field, format!("IN,[{}]", values.join(",")))
    }

    /// Add `load_relations=["A","B"]`.
    pub fn relations(self, names: &[&str]) -> Self {
        let json = serde_json::to_string(names).unwrap_or_else(|_| "[]".into());
        self.param("load_relations", json)
    }

    /// The resource name.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// `/{Resource}.json?k=v&...`.
    pub fn path(&self) -> String {
        let mut path = format!("/{}.json", self.resource);
        for (i, (k, v)) in self.pairs.iter().enumerate() {
            path.push(if i == 0 { '?' } else { '&' });
            path.push_str(&encode(k));
            path.push('=');
            path.push_str(&encode(v));
        }
        path
    }
}

/// The path of a `next` URL on the connection: `/{resource}.json?{query}`. None when the URL is
/// empty (last page) or its path is not the listing of `resource`.
pub fn relative_next(next: &str, resource: &str) -> Option<String> {
    let (path, query) = next.split_once('?').unwrap_or((next, ""));
    let marker = format!("/{resource}.json");
    if !path.ends_with(&marker) {
        return None;
    }
    Some(match query {
        "" => marker,
        q => format!("{marker}?{q}"),
    })
}

/// `/{Resource}/{id}.json`, with optional relations.
pub fn one(resource: &str, id: u64, relations: &[&str]) -> String {
    let base = format!("/{resource}/{id}.json");
    if relations.is_empty() {
        return base;
    }
    let json = serde_json::to_string(relations).unwrap_or_else(|_| "[]".into());
    format!("{base}?load_relations={}", encode(&json))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_filters_with_encoded_operators_and_offsets() {
        let q = Query::new("ItemShop")
            .param("sort", "timeStamp")
            .filter("timeStamp", ">=", "2026-01-01T00:00:00+00:00")
            .relations(&["Item"])
            .param("limit", "100");
        assert_eq!(
            q.path(),
            "/ItemShop.json?sort=timeStamp&timeStamp=%3E%3D%2C2026-01-01T00%3A00%3A00%2B00%3A00\
             &load_relations=%5B%22Item%22%5D&limit=100"
        );
        let skus = vec!["A-1".to_string(), "B 2".to_string()];
        assert_eq!(
            Query::new("Item").filter_in("customSku", &skus).path(),
            "/Item.json?customSku=IN%2C%5BA-1%2CB%202%5D"
        );
        assert_eq!(one("Sale", 7, &[]), "/Sale/7.json");
        assert_eq!(
            one("Customer", 3, &["Contact"]),
            "/Customer/3.json?load_relations=%5B%22Contact%22%5D"
        );
    }

    #[test]
    fn next_urls_become_paths_on_the_connection() {
        let next = "http://127.0.0.1:4000/API/V3/Account/101178/ItemShop.json?sort=timeStamp&after=WzEwMF0%3D";
        assert_eq!(
            relative_next(next, "ItemShop").as_deref(),
            Some("/ItemShop.json?sort=timeStamp&after=WzEwMF0%3D")
        );
        assert_eq!(relative_next("", "ItemShop"), None);
        assert_eq!(relative_next(next, "Item"), None);
        let tricky = "https://api/API/V3/Account/1/Item.json?q=/ItemShop.json&after=Z";
        assert_eq!(
            relative_next(tricky, "Item").as_deref(),
            Some("/Item.json?q=/ItemShop.json&after=Z")
        );
        assert_eq!(relative_next(tricky, "ItemShop"), None);
    }
}
