//! Relay cursor pagination and the `query:` search syntax, shared by every connection field.
//!
//! Cursors are opaque base64 of `{"last_id":…,"last_value":…}` (the shape Shopify's own cursors
//! decode to); a page continues strictly after `(last_value, last_id)` in the sort order, so rows
//! updated while a reader pages with `sortKey: UPDATED_AT` move behind the cursor and are seen
//! again, as on Shopify. `first`/`last` must be given and be at most 250.
//!
//! Search: whitespace-separated terms, optional `AND` between them, `field:value`,
//! `field:>value`, `field:>=value`, `field:<value`, `field:<=value`, `*` suffix as a prefix match;
//! a bare word matches the resource's default text field. Dates compare as instants. Deliberately
//! not supported: `OR`, `NOT`/`-` negation, parentheses; unknown fields are ignored (Shopify
//! ignores them too, with a search warning this simulator does not emit).

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Error, OutputType};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::timefmt;

/// Largest page a connection returns.
pub const MAX_PAGE: i32 = 250;

/// The page arguments of a connection field.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
    pub reverse: bool,
}

fn cursor(value: i64, id: u64) -> String {
    STANDARD.encode(serde_json::json!({"last_id": id, "last_value": value}).to_string())
}

fn decode(c: &str) -> Result<(i64, u64), Error> {
    let bad = || Error::new(format!("invalid cursor `{c}`"));
    let raw = STANDARD.decode(c).map_err(|_| bad())?;
    let v: serde_json::Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    Ok((
        v["last_value"].as_i64().ok_or_else(bad)?,
        v["last_id"].as_u64().ok_or_else(bad)?,
    ))
}

/// Page through `rows` = `(sort value, id)`, building nodes only for the returned page.
pub fn paginate<N: OutputType>(
    mut rows: Vec<(i64, u64)>,
    args: &PageArgs,
    node: impl Fn(u64) -> Option<N>,
) -> Result<Connection<String, N>, Error> {
    let n = match (args.first, args.last) {
        (Some(n), None) | (None, Some(n)) => n,
        (None, None) => return Err(Error::new("you must provide one of first or last")),
        (Some(_), Some(_)) => return Err(Error::new("pass either first or last, not both")),
    };
    if !(0..=MAX_PAGE).contains(&n) {
        return Err(Error::new(format!(
            "first and last must be between 0 and {MAX_PAGE}"
        )));
    }
    rows.sort_unstable();
    if args.reverse {
        rows.reverse();
    }
    let after_pos = |key: (i64, u64)| {
        if args.reverse {
            (
                rows.partition_point(|r| *r >= key),
                rows.partition_point(|r| *r > key),
            )
        } else {
            (
                rows.partition_point(|r| *r <= key),
                rows.partition_point(|r| *r < key),
            )
        }
    };
    let start = match &args.after {
        Some(c) => after_pos(decode(c)?).0,
        None => 0,
    };
    let end = match &args.before {
        Some(c) => after_pos(decode(c)?).1,
        None => rows.len(),
    }
    .max(start);
    let n = n as usize;
    let (lo, hi) = if args.first.is_some() {
        (start, (start + n).min(end))
    } else {
        (end.saturating_sub(n).max(start), end)
    };
    let mut conn = Connection::new(lo > 0, hi < rows.len());
    for &(value, id) in &rows[lo..hi] {
        if let Some(node) = node(id) {
            conn.edges.push(Edge::new(cursor(value, id), node));
        }
    }
    Ok(conn)
}

/// A comparison in a search term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
}

/// One `field:op value` term (`field` empty for a bare word).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub field: String,
    pub op: Op,
    pub value: String,
    /// `value` lower-cased once, for the case-insensitive text comparisons.
    pub lower: String,
}

/// Parse a search string into terms.
pub fn parse_query(q: &str) -> Vec<Term> {
    let mut words = Vec::new();
    let (mut cur, mut quoted) = (String::new(), false);
    for ch in q.chars() {
        match ch {
            '"' | '\'' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => words.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    words.push(cur);
    words
        .into_iter()
        .filter(|w| !w.is_empty() && w != "AND")
        .map(|w| {
            let Some((field, rest)) = w.split_once(':') else {
                return Term {
                    field: String::new(),
                    op: Op::Eq,
                    lower: w.to_lowercase(),
                    value: w,
                };
            };
            let (op, value) = [(">=", Op::Ge), ("<=", Op::Le), (">", Op::Gt), ("<", Op::Lt)]
                .into_iter()
                .find_map(|(p, op)| rest.strip_prefix(p).map(|v| (op, v)))
                .unwrap_or((Op::Eq, rest));
            Term {
                field: field.to_lowercase(),
                op,
                value: value.to_string(),
                lower: value.to_lowercase(),
            }
        })
        .collect()
}

/// A field value offered to a search term.
pub enum Field {
    Text(Option<String>),
    Time(i64),
    Num(i64),
}

/// Does the resource (described by `lookup(field)`) match every term? `lookup("")` gives the
/// default text field; `None` means "unknown field" and the term is ignored.
pub fn matches(terms: &[Term], lookup: impl Fn(&str) -> Option<Field>) -> bool {
    terms.iter().all(|t| {
        let cmp = |o: std::cmp::Ordering| match t.op {
            Op::Eq => o.is_eq(),
            Op::Gt => o.is_gt(),
            Op::Ge => o.is_ge(),
            Op::Lt => o.is_lt(),
            Op::Le => o.is_le(),
        };
        match lookup(&t.field) {
            None => true,
            Some(Field::Text(None)) => false,
            Some(Field::Text(Some(s))) => {
                // Every row is compared: lower-case it lazily, without allocating, except for
                // the free-text `contains`.
                let lowered = || s.chars().flat_map(char::to_lowercase);
                match t.lower.strip_suffix('*') {
                    Some(prefix) => {
                        let mut row = lowered();
                        prefix.chars().all(|c| row.next() == Some(c))
                    }
                    None if t.field.is_empty() => s.to_lowercase().contains(&t.lower),
                    None => cmp(lowered().cmp(t.lower.chars())),
                }
            }
            Some(Field::Time(ms)) => timefmt::parse(&t.value).is_some_and(|v| cmp(ms.cmp(&v))),
            Some(Field::Num(n)) => t.value.parse::<i64>().is_ok_and(|v| cmp(n.cmp(&v))),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_terms_and_matches() {
        let t = parse_query("sku:TEE-0001* AND updated_at:>='2026-01-01T00:00:00Z' tee");
        assert_eq!(t.len(), 3);
        assert_eq!(t[1].op, Op::Ge);
        let t0 = timefmt::parse("2026-01-02").unwrap();
        let ok = matches(&t, |f| match f {
            "sku" => Some(Field::Text(Some("TEE-0001-M-RED".into()))),
            "updated_at" => Some(Field::Time(t0)),
            "" => Some(Field::Text(Some("Classic Tee".into()))),
            _ => None,
        });
        assert!(ok);
        assert!(!matches(&parse_query("updated_at:>2026-01-03"), |_| Some(
            Field::Time(t0)
        )));
        // Text compares ignore case: prefixes, equality and order.
        let sku =
            |q: &str, v: &str| matches(&parse_query(q), |_| Some(Field::Text(Some(v.to_string()))));
        assert!(sku("sku:tee-0001*", "TEE-0001-M-RED"));
        assert!(!sku("sku:tee-0002*", "TEE-0001-M-RED"));
        assert!(!sku("sku:TEE-0001-M-RED-XL*", "TEE-0001-M-RED"));
        assert!(sku("sku:Tee-0001-m-red", "TEE-0001-M-RED"));
        assert!(!sku("sku:tee-0001-m", "TEE-0001-M-RED"));
        assert!(sku("sku:>tee-0001-m", "TEE-0001-M-RED"));
        assert!(sku("sku:<=ÉTÉ", "été"));
    }
}
