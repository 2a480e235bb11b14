//! Shopify-flavoured timestamps on top of [`crate::clock`]: GraphQL `DateTime` values print as
//! `2026-01-05T10:00:00Z`, and `query:` filter dates (`updated_at:>'2026-01-05T10:00:00Z'`, bare
//! dates, `±HH:MM` offsets, optional quotes) parse to simulator milliseconds.
//!
//! Deliberately only formatting and parsing; the clock itself is the shared [`crate::clock::SimClock`].

use std::time::Duration;

use crate::clock::{SimClock, format_rfc3339, parse_rfc3339};

/// Milliseconds since the Unix epoch, simulator time.
pub type Millis = i64;

/// `2026-01-05T10:00:00Z` (second precision, as Shopify's GraphQL `DateTime` prints).
pub fn format(ms: Millis) -> String {
    let s = format_rfc3339(ms.div_euclid(1000));
    match s.strip_suffix("+00:00") {
        Some(base) => format!("{base}Z"),
        None => s,
    }
}

/// Parse a filter date; `None` if malformed.
pub fn parse(s: &str) -> Option<Millis> {
    parse_rfc3339(s.trim().trim_matches(|c| c == '\'' || c == '"'))
}

/// Sleep for `ms` of simulator time on `clock` (wall time `ms / scale`).
pub async fn sleep_sim(clock: &SimClock, ms: Millis) {
    tokio::time::sleep(clock.sim_to_real(Duration::from_millis(ms.max(0) as u64))).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_offsets() {
        let t = parse("2026-01-05T10:00:00Z").unwrap();
        assert_eq!(format(t), "2026-01-05T10:00:00Z");
        assert_eq!(parse("'2026-01-05T05:00:00-05:00'"), Some(t));
        assert_eq!(parse("2026-01-05"), Some(t - 10 * 3_600_000));
        assert_eq!(parse("nope"), None);
    }
}
