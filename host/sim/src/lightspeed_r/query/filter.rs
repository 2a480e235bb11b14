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
    let c = |w: &str| compare(actual, w, ts);
    match &f.op {
        Op::Eq => c(&f.value) == Some(Ordering::Equal),
        Op::Ne => c(&f.value) != Some(Ordering::Equal),
        Op::Lt => c(&f.value) == Some(Ordering::Less),
        Op::Gt => c(&f.value) == Some(Ordering::Greater),
        Op::Le => matches!(c(&f.value), Some(Ordering::Less | Ordering::Equal)),
        Op::Ge => matches!(c(&f.value), Some(Ordering::Greater | Ordering::Equal)),
        Op::Like => like(actual, &f.value),
        Op::NotLike => !like(actual, &f.value),
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
}
