//! `op,value` filters of V3 list queries: `=`, `!=`, `<`, `>`, `<=`, `>=`, `~` (LIKE, `%` wildcards,
//! case-insensitive; assumption), `!~`, `IN,[a,b]` and `><,a,b` (between). Values that parse as
//! numbers compare numerically; `timeStamp` and `*Time` fields compare as instants (a `+` that
//! arrived unencoded as a space is accepted). A value whose prefix is not an operator is `=`.
//!
//! Deliberately not here: `or` groups (rejected by the parser) and relation-field filters other
//! than the ones a record's `field` understands.

use std::cmp::Ordering;

use crate::clock::parse_rfc3339;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Like,
    NotLike,
    In(Vec<String>),
    Between(String, String),
}

#[derive(Debug, Clone)]
pub(super) struct Filter {
    pub field: String,
    pub op: Op,
    pub value: String,
}

pub(super) fn split_op(v: &str) -> (Op, String) {
    if let Some((op, rest)) = v.split_once(',') {
        let rest = rest.to_string();
        let op = match op {
            "=" => Op::Eq,
            "!=" => Op::Ne,
            "<" => Op::Lt,
            ">" => Op::Gt,
            "<=" => Op::Le,
            ">=" => Op::Ge,
            "~" => Op::Like,
            "!~" => Op::NotLike,
            "IN" => {
                let inner = rest.trim().trim_start_matches('[').trim_end_matches(']');
                Op::In(inner.split(',').map(|x| x.trim().to_string()).collect())
            }
            "><" => match rest.split_once(',') {
                Some((a, b)) => Op::Between(a.to_string(), b.to_string()),
                None => return (Op::Eq, v.to_string()),
            },
            _ => return (Op::Eq, v.to_string()),
        };
        return (op, rest);
    }
    (Op::Eq, v.to_string())
}

fn parse_ts(v: &str) -> Option<i64> {
    // A `+` left unencoded in a query string arrives as a space: accept it as the offset sign.
    parse_rfc3339(v).or_else(|| parse_rfc3339(&v.replacen(' ', "+", 1)))
}

fn like(hay: &str, pattern: &str) -> bool {
    let hay = hay.to_lowercase();
    let parts: Vec<String> = pattern
        .to_lowercase()
        .split('%')
        .map(str::to_string)
        .collect();
    if parts.len() == 1 {
        return hay == parts[0];
    }
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            if !hay.starts_with(part.as_str()) {
                return false;
            }
            pos = part.len();
        } else if i == parts.len() - 1 {
            return hay.len() >= pos + part.len() && hay[pos..].ends_with(part.as_str());
        } else {
            match hay[pos..].find(part.as_str()) {
                Some(at) => pos += at + part.len(),
                None => return false,
            }
        }
    }
    true
}

fn compare(actual: &str, wanted: &str, ts: bool) -> Option<Ordering> {
    if ts {
        let a = parse_ts(actual)?;
        let w = parse_ts(wanted)?;
        return Some(a.cmp(&w));
    }
    match (actual.parse::<f64>(), wanted.parse::<f64>()) {
        (Ok(a), Ok(w)) => a.partial_cmp(&w),
        _ => Some(actual.cmp(wanted)),
    }
}

pub(super) fn matches(actual: &str, f: &Filter) -> bool {
    let ts = f.field == "timeStamp" || f.field.ends_with("Time");
    holds(f, |w| compare(actual, w, ts), || actual.to_string())
}

/// [`matches`] for a field the record holds as a number: its id (`ts` false) or its
/// `timeStamp` in Unix seconds (`ts` true), compared without rendering the record. Gives the
/// same answers as rendering the field and calling [`matches`].
pub(super) fn matches_number(actual: i64, f: &Filter, ts: bool) -> bool {
    let c = |w: &str| {
        if ts {
            Some((actual * 1000).cmp(&parse_ts(w)?))
        } else {
            match w.parse::<i64>() {
                Ok(w) => Some(actual.cmp(&w)),
                Err(_) => compare(&actual.to_string(), w, false),
            }
        }
    };
    let text = || {
        if ts {
            crate::clock::format_rfc3339(actual)
        } else {
            actual.to_string()
        }
    };
    holds(f, c, text)
}

/// Whether `f` holds, given how the actual value compares to a wanted one and its text.
fn holds(f: &Filter, c: impl Fn(&str) -> Option<Ordering>, text: impl Fn() -> String) -> bool {
    match &f.op {
        Op::Eq => c(&f.value) == Some(Ordering::Equal),
        Op::Ne => c(&f.value) != Some(Ordering::Equal),
        Op::Lt => c(&f.value) == Some(Ordering::Less),
        Op::Gt => c(&f.value) == Some(Ordering::Greater),
        Op::Le => matches!(c(&f.value), Some(Ordering::Less | Ordering::Equal)),
        Op::Ge => matches!(c(&f.value), Some(Ordering::Greater | Ordering::Equal)),
        Op::Like => like(&text(), &f.value),
        Op::NotLike => !like(&text(), &f.value),
        Op::In(vals) => vals.iter().any(|v| c(v) == Some(Ordering::Equal)),
        Op::Between(a, b) => {
            matches!(c(a), Some(Ordering::Greater | Ordering::Equal))
                && matches!(c(b), Some(Ordering::Less | Ordering::Equal))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_and_like() {
        assert_eq!(split_op(">=,2026-01-01").0, Op::Ge);
        assert_eq!(split_op("Red, Blue").0, Op::Eq);
        assert!(like("TEE-0001-M-RED", "tee-%-red"));
        assert!(like("abc", "%b%"));
        assert!(!like("abc", "%d%"));
        let f = Filter {
            field: "timeStamp".into(),
            op: Op::Gt,
            value: "2026-01-01T00:00:00 00:00".into(),
        };
        assert!(matches("2026-01-01T00:00:01+00:00", &f));
        assert!(!matches("2026-01-01T00:00:00+00:00", &f));
    }

    #[test]
    fn numbers_match_as_their_rendered_text_would() {
        let t0 = crate::clock::parse_rfc3339("2026-01-01T00:00:00+00:00").unwrap() / 1000;
        let filters = [
            ("timeStamp", ">,2026-01-01T00:00:00+00:00"),
            ("timeStamp", ">=,2026-01-01T00:00:00.500+00:00"),
            ("timeStamp", "=,2026-01-01T00:00:01Z"),
            (
                "timeStamp",
                "><,2025-12-31T23:59:59+00:00,2026-01-01T00:00:00+00:00",
            ),
            ("itemShopID", ">,41"),
            ("itemShopID", "IN,[40,42]"),
            ("itemShopID", "~,4%"),
            ("itemShopID", "!=,abc"),
        ];
        for (field, v) in filters {
            let (op, value) = split_op(v);
            let f = Filter {
                field: field.into(),
                op,
                value,
            };
            let ts = field == "timeStamp";
            for actual in [t0 - 1, t0, t0 + 1, 40, 41, 42] {
                let text = if ts {
                    crate::clock::format_rfc3339(actual)
                } else {
                    actual.to_string()
                };
                assert_eq!(
                    matches_number(actual, &f, ts),
                    matches(&text, &f),
                    "{field} {v} on {text}"
                );
            }
        }
    }
}
