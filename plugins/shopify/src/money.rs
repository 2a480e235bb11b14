//! Exact money: Shopify sends amounts as decimal strings ("598.94", "10.0", "-3.45"; GraphQL
//! `Decimal`/`Money`, REST `price`), the model wants integer minor units. Parsing is done on the
//! digits, never through a float, and a fraction that does not fit the currency's minor unit
//! ("1.005" USD) is an error rather than a silent rounding. Formatting is the inverse, for
//! mutation inputs.
//!
//! Minor-unit exponents follow ISO 4217 for the currencies that differ from 2. Deliberately not
//! here: currency conversion, rounding rules, presentment currencies.

use serde_json::Value;

/// Digits after the decimal point of `currency`'s minor unit (ISO 4217).
pub fn exponent(currency: &str) -> u32 {
    match currency.to_ascii_uppercase().as_str() {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// Parse a decimal amount into minor units of `currency`: `"598.94"` USD is `59894`.
pub fn parse_minor(text: &str, currency: &str) -> Result<i64, String> {
    let bad = |why: &str| format!("amount {text:?} ({currency}): {why}");
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && frac.is_empty() {
        return Err(bad("no digits"));
    }
    if !whole
        .bytes()
        .chain(frac.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return Err(bad("not a decimal number"));
    }
    let places = exponent(currency) as usize;
    let (kept, dropped) = frac.split_at(frac.len().min(places));
    if dropped.bytes().any(|b| b != b'0') {
        return Err(bad("more decimal places than the currency has"));
    }
    let scale = 10i64.pow(places as u32);
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad("too large"))?
    };
    let frac: i64 = if kept.is_empty() {
        0
    } else {
        format!("{kept:0<places$}")
            .parse()
            .map_err(|_| bad("bad fraction"))?
    };
    let minor = whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(|| bad("too large"))?;
    Ok(if negative { -minor } else { minor })
}

/// Parse a JSON amount (a string, or a number as some payloads send it).
pub fn parse_value(v: &Value, currency: &str) -> Result<i64, String> {
    match v {
        Value::String(s) => parse_minor(s, currency),
        Value::Number(n) => parse_minor(&n.to_string(), currency),
        other => Err(format!("amount {other} is not a decimal")),
    }
}

/// Minor units as a decimal string for mutation inputs: `59894` USD is `"598.94"`.
pub fn format_minor(minor: i64, currency: &str) -> String {
    let places = exponent(currency);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if places == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(places);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = places as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly_in_the_currency_minor_unit() {
        assert_eq!(parse_minor("598.94", "USD"), Ok(59894));
        assert_eq!(parse_minor("10.0", "USD"), Ok(1000));
        assert_eq!(parse_minor("10", "USD"), Ok(1000));
        assert_eq!(parse_minor("-3.45", "USD"), Ok(-345));
        assert_eq!(parse_minor(".5", "EUR"), Ok(50));
        assert_eq!(parse_minor("0.10", "usd"), Ok(10));
        assert_eq!(
            parse_minor("19.990", "USD"),
            Ok(1999),
            "trailing zeros are fine"
        );
        assert_eq!(parse_minor("1500", "JPY"), Ok(1500));
        assert_eq!(parse_minor("1.234", "KWD"), Ok(1234));
        // 0.1 + 0.2 style float trouble cannot happen: digits are added, not multiplied.
        assert_eq!(parse_minor("0.29", "USD"), Ok(29));
        assert_eq!(parse_minor("92233720368547758.07", "USD"), Ok(i64::MAX));
    }

    #[test]
    fn refuses_what_it_cannot_represent() {
        assert!(parse_minor("1.005", "USD").is_err());
        assert!(parse_minor("1.5", "JPY").is_err());
        assert!(parse_minor("abc", "USD").is_err());
        assert!(parse_minor("1e3", "USD").is_err());
        assert!(parse_minor("", "USD").is_err());
        assert!(parse_minor("-", "USD").is_err());
        assert!(parse_minor("92233720368547758.08", "USD").is_err());
    }

    #[test]
    fn json_numbers_and_formatting_round_trip() {
        assert_eq!(parse_value(&serde_json::json!("41.90"), "USD"), Ok(4190));
        assert_eq!(parse_value(&serde_json::json!(12.5), "USD"), Ok(1250));
        assert!(parse_value(&serde_json::json!(null), "USD").is_err());
        for (minor, cur, text) in [
            (59894, "USD", "598.94"),
            (-345, "USD", "-3.45"),
            (5, "USD", "0.05"),
            (1500, "JPY", "1500"),
            (1234, "KWD", "1.234"),
        ] {
            assert_eq!(format_minor(minor, cur), text);
            assert_eq!(parse_minor(text, cur), Ok(minor));
        }
    }
}
