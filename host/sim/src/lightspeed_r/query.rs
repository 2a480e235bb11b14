//! V3 list semantics: query parsing, `op,value` filters, `sort`, opaque cursors, `count=1` and
//! `load_relations`, and the `@attributes` envelope with `next`/`previous` URLs.
//!
//! Reproduced from platform-apis.md 1.3: `limit` 1..=100 (default 100); `next` carries every original
//! query parameter plus the default `sort`/`limit` when omitted and `after=<opaque>`, `previous`
//! carries `before=<opaque>`; the opaque value is base64 of a JSON array of sort-key values (`[100]`
//! for the primary-id sort, `["<timeStamp>", id]` otherwise so ties stay exact); first page:
//! `previous` = "", last page: `next` = ""; `count=1` returns only `@attributes.count` and rejects
//! `limit`/`sort`/`after`/`before`; `sort` accepts only the whitelisted fields; `IN` takes at most
//! 100 values; archived records are hidden unless `archived=true` (include) or `archived=only`.
//!
//! Assumptions (not documented): `limit` above 100, an unknown filter field, an unknown relation,
//! and `or` (not simulated) are 400 errors; `offset` is ignored; `~` is a case-insensitive LIKE
//! with `%` wildcards; an empty list omits the entity key.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::cmp::Ordering;

use crate::clock::parse_rfc3339;

use super::error::ApiError;
use super::render::{Record, one_or_many, render};
use super::store::Store;

mod filter;
use filter::{Filter, Op, matches, matches_number, split_op};

/// Default and maximum page size.
pub(crate) const MAX_LIMIT: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Archived {
    Exclude,
    Include,
    Only,
}

/// Parsed query parameters of a GET.
#[derive(Debug, Clone)]
pub(crate) struct Params {
    raw: Vec<(String, String)>,
    limit: Option<usize>,
    sort: Option<(String, bool)>,
    after: Option<Vec<Value>>,
    before: Option<Vec<Value>>,
    /// Requested relations (`all` already expanded by [`Params::relations_for`]).
    relations: Option<Vec<String>>,
    /// `count=1`.
    pub count: bool,
    archived: Archived,
    filters: Vec<Filter>,
}

fn parse_cursor(s: &str) -> Result<Vec<Value>, ApiError> {
    let bytes = STANDARD
        .decode(s.trim())
        .map_err(|_| ApiError::bad_request("invalid cursor"))?;
    serde_json::from_slice::<Vec<Value>>(&bytes)
        .map_err(|_| ApiError::bad_request("invalid cursor"))
}

impl Params {
    /// Parse a raw query string.
    pub fn parse(query: Option<&str>) -> Result<Self, ApiError> {
        let raw: Vec<(String, String)> =
            url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        let mut p = Params {
            raw: raw.clone(),
            limit: None,
            sort: None,
            after: None,
            before: None,
            relations: None,
            count: false,
            archived: Archived::Exclude,
            filters: Vec::new(),
        };
        for (k, v) in raw {
            match k.as_str() {
                "limit" => {
                    let n: usize = v
                        .parse()
                        .map_err(|_| ApiError::bad_request("limit must be a number"))?;
                    if !(1..=MAX_LIMIT).contains(&n) {
                        return Err(ApiError::bad_request(format!(
                            "limit must be between 1 and {MAX_LIMIT}"
                        )));
                    }
                    p.limit = Some(n);
                }
                "sort" => {
                    let (f, desc) = match v.strip_prefix('-') {
                        Some(f) => (f.to_string(), true),
                        None => (v.clone(), false),
                    };
                    p.sort = Some((f, desc));
                }
                "after" => p.after = Some(parse_cursor(&v)?),
                "before" => p.before = Some(parse_cursor(&v)?),
                "count" => p.count = v == "1" || v == "true",
                "offset" => {}
                "or" => {
                    return Err(ApiError::bad_request(
                        "the `or` parameter is not supported by the simulator",
                    ));
                }
                "archived" => {
                    p.archived = match v.as_str() {
                        "true" | "1" => Archived::Include,
                        "only" => Archived::Only,
                        _ => Archived::Exclude,
                    }
                }
                "load_relations" => {
                    p.relations = Some(if v == "all" {
                        vec!["all".to_string()]
                    } else {
                        serde_json::from_str::<Vec<String>>(&v).map_err(|_| {
                            ApiError::bad_request(
                                "load_relations must be a JSON array of relation names or `all`",
                            )
                        })?
                    });
                }
                _ => {
                    let (op, value) = split_op(&v);
                    if let Op::In(vals) = &op
                        && vals.len() > 100
                    {
                        return Err(ApiError::bad_request("IN accepts at most 100 values"));
                    }
                    p.filters.push(Filter {
                        field: k,
                        op,
                        value,
                    });
                }
            }
        }
        if p.count
            && (p.limit.is_some() || p.sort.is_some() || p.after.is_some() || p.before.is_some())
        {
            return Err(ApiError::bad_request(
                "count cannot be combined with limit, sort or paging parameters",
            ));
        }
        if p.after.is_some() && p.before.is_some() {
            return Err(ApiError::bad_request("after and before cannot be combined"));
        }
        Ok(p)
    }

    /// The validated relation list for `R` (`all` expanded; `Prices` accepted and ignored).
    pub fn relations_for<R: Record>(&self) -> Result<Vec<String>, ApiError> {
        let Some(rels) = &self.relations else {
            return Ok(Vec::new());
        };
        if rels.iter().any(|r| r == "all") {
            return Ok(R::RELATIONS.iter().map(|(n, _)| n.to_string()).collect());
        }
        let mut out = Vec::new();
        for r in rels {
            let top = r.split('.').next().unwrap_or(r);
            if top == "Prices" {
                continue;
            }
            if !R::RELATIONS.iter().any(|(n, _)| *n == top) {
                let allowed: Vec<&str> = R::RELATIONS.iter().map(|(n, _)| *n).collect();
                return Err(ApiError::bad_request(format!(
                    "invalid relation `{r}` for {}; valid relations: {}",
                    R::ENTITY,
                    allowed.join(", ")
                )));
            }
            out.push(r.clone());
        }
        Ok(out)
    }

    /// Extra drips for `load_relations` (2026 table): +0.1 per X-to-one, +0.2 per X-to-many,
    /// doubled on multi-record reads and under an X-to-many parent. Nested segments are judged
    /// X-to-many when plural (assumption). Unknown relations cost nothing (they fail anyway).
    pub fn relation_cost<R: Record>(&self, multi: bool) -> f64 {
        let Ok(rels) = self.relations_for::<R>() else {
            return 0.0;
        };
        let mut cost = 0.0;
        for r in rels {
            let mut parent_many = false;
            for (i, seg) in r.split('.').enumerate() {
                let many = if i == 0 {
                    R::RELATIONS.iter().any(|(n, m)| *n == seg && *m)
                } else {
                    seg.ends_with('s')
                };
                let unit = if many { 0.2 } else { 0.1 };
                cost += unit * if multi || parent_many { 2.0 } else { 1.0 };
                parent_many |= many;
            }
        }
        cost
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Key {
    Int(i64),
    Str(String),
}

fn cmp_key(a: &(Key, u64), b: &(Key, u64)) -> Ordering {
    let first = match (&a.0, &b.0) {
        (Key::Int(x), Key::Int(y)) => x.cmp(y),
        (Key::Str(x), Key::Str(y)) => x.cmp(y),
        (Key::Int(_), Key::Str(_)) => Ordering::Less,
        (Key::Str(_), Key::Int(_)) => Ordering::Greater,
    };
    first.then(a.1.cmp(&b.1))
}

fn sort_key<R: Record>(rec: &R, st: &Store, field: &str) -> (Key, u64) {
    let k = if field == R::ID_FIELD {
        Key::Int(rec.id() as i64)
    } else if field == "timeStamp" {
        Key::Int(rec.time_stamp())
    } else {
        match rec.field(st, field) {
            Some(v) => v.parse::<i64>().map(Key::Int).unwrap_or(Key::Str(v)),
            None => Key::Str(String::new()),
        }
    };
    (k, rec.id())
}

fn encode_cursor(key: &(Key, u64), field: &str, id_field: &str) -> String {
    let arr = if field == id_field {
        json!([key.1])
    } else {
        let v = match &key.0 {
            Key::Int(t) if field == "timeStamp" => json!(crate::clock::format_rfc3339(*t)),
            Key::Int(i) => json!(i),
            Key::Str(s) => json!(s),
        };
        json!([v, key.1])
    };
    STANDARD.encode(arr.to_string())
}

fn decode_cursor(vals: &[Value], field: &str, id_field: &str) -> Result<(Key, u64), ApiError> {
    let bad = || ApiError::bad_request("invalid cursor");
    if field == id_field {
        let id = vals.first().and_then(Value::as_u64).ok_or_else(bad)?;
        return Ok((Key::Int(id as i64), id));
    }
    let id = vals.get(1).and_then(Value::as_u64).ok_or_else(bad)?;
    let k = match vals.first().ok_or_else(bad)? {
        Value::String(s) if field == "timeStamp" => {
            Key::Int(parse_rfc3339(s).ok_or_else(bad)? / 1000)
        }
        Value::String(s) => Key::Str(s.clone()),
        Value::Number(n) => Key::Int(n.as_i64().ok_or_else(bad)?),
        _ => return Err(bad()),
    };
    Ok((k, id))
}

/// Build a list (or count) response over `records` for the request at `url_base` (the absolute
/// URL of the collection, without query).
pub(crate) fn list<'a, R: Record + 'a>(
    records: impl Iterator<Item = &'a R>,
    st: &Store,
    p: &Params,
    url_base: &str,
) -> Result<Value, ApiError> {
    let relations = p.relations_for::<R>()?;
    let mut rows: Vec<&R> = records
        .filter(|r| match p.archived {
            Archived::Exclude => !r.archived(),
            Archived::Include => true,
            Archived::Only => r.archived(),
        })
        .collect();
    if let Some(first) = rows.first()
        && let Some(bad) = p
            .filters
            .iter()
            .find(|f| first.field(st, &f.field).is_none())
    {
        return Err(ApiError::bad_request(format!(
            "invalid field `{}` for {}",
            bad.field,
            R::ENTITY
        )));
    }
    for f in &p.filters {
        // The id and the stamp are compared as numbers: rendering every row of a large
        // table for each poll made the simulator, not the API, the bottleneck of a bench.
        if f.field == R::ID_FIELD {
            rows.retain(|r| matches_number(r.id() as i64, f, false));
        } else if f.field == "timeStamp" {
            rows.retain(|r| matches_number(r.time_stamp(), f, true));
        } else {
            rows.retain(|r| r.field(st, &f.field).is_some_and(|v| matches(&v, f)));
        }
    }
    if p.count {
        return Ok(json!({"@attributes": {"count": rows.len().to_string()}}));
    }
    let (field, desc) = p.sort.clone().unwrap_or((R::ID_FIELD.to_string(), false));
    if !R::SORTABLE.contains(&field.as_str()) {
        return Err(ApiError::bad_request(format!(
            "cannot sort {} by `{field}`; sortable fields: {}",
            R::ENTITY,
            R::SORTABLE.join(", ")
        )));
    }
    let mut keyed: Vec<((Key, u64), &R)> = rows
        .into_iter()
        .map(|r| (sort_key(r, st, &field), r))
        .collect();
    keyed.sort_by(|a, b| {
        let o = cmp_key(&a.0, &b.0);
        if desc { o.reverse() } else { o }
    });
    let ord = |a: &(Key, u64), b: &(Key, u64)| {
        let o = cmp_key(a, b);
        if desc { o.reverse() } else { o }
    };
    let limit = p.limit.unwrap_or(MAX_LIMIT);
    let (start, end) = if let Some(after) = &p.after {
        let c = decode_cursor(after, &field, R::ID_FIELD)?;
        let s = keyed.partition_point(|(k, _)| ord(k, &c) != Ordering::Greater);
        (s, (s + limit).min(keyed.len()))
    } else if let Some(before) = &p.before {
        let c = decode_cursor(before, &field, R::ID_FIELD)?;
        let e = keyed.partition_point(|(k, _)| ord(k, &c) == Ordering::Less);
        (e.saturating_sub(limit), e)
    } else {
        (0, limit.min(keyed.len()))
    };
    let page = &keyed[start..end];
    let link = |name: &str, key: &(Key, u64)| {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in p.raw.iter().filter(|(k, _)| k != "after" && k != "before") {
            ser.append_pair(k, v);
        }
        if p.sort.is_none() {
            ser.append_pair("sort", R::ID_FIELD);
        }
        if p.limit.is_none() {
            ser.append_pair("limit", &limit.to_string());
        }
        ser.append_pair(name, &encode_cursor(key, &field, R::ID_FIELD));
        format!("{url_base}?{}", ser.finish())
    };
    let next = match page.last() {
        Some((k, _)) if end < keyed.len() => link("after", k),
        _ => String::new(),
    };
    let previous = match page.first() {
        Some((k, _)) if start > 0 => link("before", k),
        _ => String::new(),
    };
    let mut out = json!({"@attributes": {"next": next, "previous": previous}});
    if !page.is_empty() {
        let list = page
            .iter()
            .map(|(_, r)| render(*r, st, &relations))
            .collect();
        out[R::ENTITY] = one_or_many(list);
    }
    Ok(out)
}

/// A single-record response: the entity as an object, `@attributes.count = "1"`.
pub(crate) fn single<R: Record>(rec: &R, st: &Store, p: &Params) -> Result<Value, ApiError> {
    let relations = p.relations_for::<R>()?;
    let mut out = json!({"@attributes": {"count": "1"}});
    out[R::ENTITY] = render(rec, st, &relations);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_matches_documented_example() {
        assert_eq!(
            encode_cursor(&(Key::Int(100), 100), "itemID", "itemID"),
            "WzEwMF0="
        );
        let c = parse_cursor("WzEwMF0=").unwrap();
        assert_eq!(
            decode_cursor(&c, "itemID", "itemID").unwrap(),
            (Key::Int(100), 100)
        );
    }
}
