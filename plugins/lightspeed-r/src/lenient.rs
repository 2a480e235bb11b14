//! Tolerant serde helpers for Lightspeed R-Series JSON, where every scalar is a string
//! (`"qoh": "33"`, `"archived": "false"`, `"amount": "24.99"`), a list of one record comes as a
//! bare object, and an empty relation may be missing, `null` or `""`.
//!
//! Use with `#[serde(default, deserialize_with = "lenient::...")]`. Numbers and booleans are
//! accepted as JSON strings or as JSON numbers/booleans; an empty string is 0 / false / empty.
//! Money is parsed exactly (decimal text to minor units, never through a float).
//!
//! Deliberately not here: the record shapes themselves (see `wire`) and timestamps (see `time`).

use serde::de::{DeserializeOwned, Error};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Any scalar as text (`null`, objects and arrays become "").
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(match &v {
        Value::String(s) => s.clone(),
        other => text_of(other).unwrap_or_default(),
    })
}

/// An integer from `"33"`, `33`, `"33.0"` or `""` (0).
pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let v = Value::deserialize(d)?;
    let t = text_of(&v).unwrap_or_default();
    parse_i64(&t).ok_or_else(|| D::Error::custom(format!("expected an integer, got {v}")))
}

/// An unsigned id from `"5"`, `5` or `""` (0).
pub fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let n = i64(d)?;
    u64::try_from(n).map_err(|_| D::Error::custom(format!("expected an id, got {n}")))
}

/// A boolean from `"true"`, `"false"`, `"1"`, `"0"`, `true` or `""` (false).
pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let v = Value::deserialize(d)?;
    match text_of(&v)
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "true" | "1" => Ok(true),
        "false" | "0" | "" => Ok(false),
        other => Err(D::Error::custom(format!(
            "expected a boolean, got {other:?}"
        ))),
    }
}

/// A decimal amount (`"24.99"`, `"-5"`, `""` = 0) in minor units (cents).
pub fn money<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let v = Value::deserialize(d)?;
    let t = text_of(&v).unwrap_or_default();
    parse_money(&t).ok_or_else(|| D::Error::custom(format!("expected a decimal amount, got {v}")))
}

/// A list that may come as an array, as a single object, or not at all (`null`, `""`).
pub fn one_or_many<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    let v = Value::deserialize(d)?;
    list_of(v).map_err(D::Error::custom)
}

/// An object that may be missing, `null` or `""` (None).
pub fn object<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    let v = Value::deserialize(d)?;
    match v {
        Value::Object(_) => serde_json::from_value(v)
            .map(Some)
            .map_err(D::Error::custom),
        _ => Ok(None),
    }
}

/// A relation container (`{"SaleLine": [...]}`) that may be missing, `null` or `""` (default).
pub fn container<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(
    d: D,
) -> Result<T, D::Error> {
    Ok(object(d)?.unwrap_or_default())
}

/// [`one_or_many`] on an already parsed value.
pub fn list_of<T: DeserializeOwned>(v: Value) -> Result<Vec<T>, serde_json::Error> {
    match v {
        Value::Array(items) => items.into_iter().map(serde_json::from_value).collect(),
        Value::Object(_) => Ok(vec![serde_json::from_value(v)?]),
        _ => Ok(Vec::new()),
    }
}

/// An integer from text; `""` is 0 and a zero fraction (`"3.0"`) is accepted.
pub fn parse_i64(t: &str) -> Option<i64> {
    let t = t.trim();
    if t.is_empty() {
        return Some(0);
    }
    if let Ok(n) = t.parse::<i64>() {
        return Some(n);
    }
    let (int, frac) = t.split_once('.')?;
    frac.bytes().all(|b| b == b'0').then(|| int.parse().ok())?
}

/// Exact decimal text to minor units, rounding half away from zero past the second decimal.
pub fn parse_money(t: &str) -> Option<i64> {
    let t = t.trim();
    if t.is_empty() {
        return Some(0);
    }
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !ok(int) || !ok(frac) {
        return None;
    }
    let whole: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let f = frac.as_bytes();
    let digit = |i: usize| f.get(i).map_or(0, |b| i64::from(b - b'0'));
    let mut minor = whole.checked_mul(100)? + digit(0) * 10 + digit(1);
    if digit(2) >= 5 {
        minor += 1;
    }
    Some(if neg { -minor } else { minor })
}

/// Minor units as Lightspeed decimal text: `2499` -> `"24.99"`, `-5` -> `"-0.05"`.
pub fn format_money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Line {
        #[serde(default, deserialize_with = "u64")]
        id: u64,
        #[serde(default, deserialize_with = "i64")]
        qty: i64,
        #[serde(default, deserialize_with = "money")]
        price: i64,
        #[serde(default, deserialize_with = "bool")]
        tax: bool,
        #[serde(default, deserialize_with = "string")]
        name: String,
    }

    #[derive(Debug, Deserialize)]
    struct Holder {
        #[serde(rename = "Line", default, deserialize_with = "one_or_many")]
        lines: Vec<Line>,
        #[serde(rename = "Extra", default, deserialize_with = "object")]
        extra: Option<Line>,
    }

    #[test]
    fn string_numerals_booleans_and_money_parse() {
        let l: Line = serde_json::from_str(
            r#"{"id":"7","qty":"-2","price":"24.99","tax":"true","name":"Tee"}"#,
        )
        .unwrap();
        assert_eq!(
            l,
            Line {
                id: 7,
                qty: -2,
                price: 2499,
                tax: true,
                name: "Tee".into()
            }
        );
        let plain: Line =
            serde_json::from_str(r#"{"id":7,"qty":3,"price":5,"tax":false,"name":12}"#).unwrap();
        assert_eq!(
            (plain.qty, plain.price, plain.name.as_str()),
            (3, 500, "12")
        );
        let empty: Line =
            serde_json::from_str(r#"{"id":"","qty":"","price":"","tax":""}"#).unwrap();
        assert_eq!(
            (empty.id, empty.qty, empty.price, empty.tax),
            (0, 0, 0, false)
        );
        assert!(serde_json::from_str::<Line>(r#"{"qty":"lots"}"#).is_err());
        assert!(serde_json::from_str::<Line>(r#"{"id":"-1"}"#).is_err());
    }

    #[test]
    fn a_single_record_object_is_a_list_of_one_and_empty_relations_are_empty() {
        let one: Holder = serde_json::from_str(r#"{"Line":{"id":"1","qty":"2"}}"#).unwrap();
        assert_eq!(one.lines.len(), 1);
        assert_eq!(one.lines[0].qty, 2);
        let many: Holder =
            serde_json::from_str(r#"{"Line":[{"id":"1"},{"id":"2"}],"Extra":{"id":"9"}}"#).unwrap();
        assert_eq!(many.lines.len(), 2);
        assert_eq!(many.extra.map(|e| e.id), Some(9));
        for empty in [r#"{}"#, r#"{"Line":""}"#, r#"{"Line":null,"Extra":""}"#] {
            let h: Holder = serde_json::from_str(empty).unwrap();
            assert!(h.lines.is_empty() && h.extra.is_none(), "{empty}");
        }
    }

    #[test]
    fn money_is_exact_and_rounds_half_away_from_zero() {
        let cases = [
            ("24.99", Some(2499)),
            ("-5", Some(-500)),
            ("3.5", Some(350)),
            ("0.005", Some(1)),
            ("-0.005", Some(-1)),
            ("19.99000", Some(1999)),
            (".5", Some(50)),
            ("+1.10", Some(110)),
            ("", Some(0)),
            ("1e3", None),
            ("abc", None),
            ("-", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_money(text), want, "{text}");
        }
        assert_eq!(format_money(2499), "24.99");
        assert_eq!(format_money(-5), "-0.05");
        assert_eq!(format_money(0), "0.00");
        assert_eq!(parse_i64("3.0"), Some(3));
        assert_eq!(parse_i64("3.5"), None);
    }
}
