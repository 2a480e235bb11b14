//! Lightspeed timestamps (`2026-01-01T09:30:00+00:00`): parse to Unix seconds and render in one
//! canonical, lexicographically ordered form (`2026-01-01T09:30:00Z`) for `meta.version` and
//! `created-at`.
//!
//! Lightspeed's `timeStamp` has whole-second resolution, which is why cursors pair it with the
//! record id (see `cursor`). Fractions of a second are accepted and dropped.
//!
//! Also the HTTP `Date` header (RFC 7231 IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`): the
//! server's clock, which tells the cursor when a second can no longer change.
//!
//! Deliberately not here: time zones other than fixed offsets, the obsolete RFC 850 and asctime
//! `Date` forms (read as absent), and years outside 1970..=9999.

/// Unix seconds of an RFC 3339 timestamp with `Z` or a `+hh:mm` offset (a space where a `+`
/// was lost in a query string is accepted too).
pub fn parse(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        let t = s.get(from..to)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (h, mi, sec) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = &frac[digits..];
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' | b' ' => 1,
                b'-' => -1,
                _ => return None,
            };
            let o = &rest[1..];
            if o.len() != 5 || o.as_bytes()[2] != b':' {
                return None;
            }
            let oh: i64 = o[0..2].parse().ok()?;
            let om: i64 = o[3..5].parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

/// `YYYY-MM-DDThh:mm:ssZ` of Unix seconds.
pub fn format(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The canonical form of a Lightspeed timestamp; text that does not parse is returned as is.
pub fn canonical(s: &str) -> String {
    parse(s).map(format).unwrap_or_else(|| s.to_string())
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// Unix seconds of an HTTP `Date` value in IMF-fixdate form (`Sun, 06 Nov 1994 08:49:37 GMT`);
/// None for anything else. The weekday is not checked.
pub fn parse_http_date(s: &str) -> Option<i64> {
    let (_, rest) = s.trim().split_once(", ")?;
    let mut parts = rest.split(' ');
    let (d, mon, y, hms, zone) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if parts.next().is_some() || zone != "GMT" || d.len() != 2 || y.len() != 4 || hms.len() != 8 {
        return None;
    }
    let num = |t: &str| -> Option<i64> {
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let m = MONTHS.iter().position(|n| *n == mon)? as i64 + 1;
    let (d, y) = (num(d)?, num(y)?);
    let b = hms.as_bytes();
    if b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, mi, sec) = (num(&hms[0..2])?, num(&hms[3..5])?, num(&hms[6..8])?);
    if !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60 + sec)
}

/// The IMF-fixdate form of Unix seconds (what [`parse_http_date`] reads).
pub fn format_http_date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

// Howard Hinnant's days-from-civil and its inverse (proleptic Gregorian calendar).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_offsets_and_renders_canonical_utc() {
        assert_eq!(parse("1970-01-01T00:00:00+00:00"), Some(0));
        assert_eq!(parse("2026-01-01T00:00:00Z"), Some(1_767_225_600));
        assert_eq!(
            parse("2026-01-01T01:00:00+01:00"),
            parse("2026-01-01T00:00:00Z")
        );
        assert_eq!(
            parse("2025-12-31T19:00:00-05:00"),
            parse("2026-01-01T00:00:00Z")
        );
        assert_eq!(parse("2026-01-01T00:00:00 00:00"), Some(1_767_225_600));
        assert_eq!(parse("2026-01-01T00:00:00.250+00:00"), Some(1_767_225_600));
        assert_eq!(format(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(format(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(
            canonical("2024-02-29T23:59:59-00:30"),
            "2024-03-01T00:29:59Z"
        );
        assert_eq!(canonical("not a time"), "not a time");
        for bad in [
            "",
            "2026-13-01T00:00:00Z",
            "2026-01-01",
            "2026-01-01T00:00:00+0100",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn http_dates_round_trip_and_odd_forms_are_absent() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            format_http_date(784_111_777),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
        assert_eq!(
            format_http_date(1_767_225_600),
            "Thu, 01 Jan 2026 00:00:00 GMT"
        );
        for t in [0, 951_782_400, 1_767_225_599, 1_772_323_200] {
            assert_eq!(parse_http_date(&format_http_date(t)), Some(t));
        }
        for odd in [
            "",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 06 Nov 1994 08:49:37 +0000",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 6 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(odd), None, "{odd}");
        }
    }

    #[test]
    fn canonical_text_orders_like_time() {
        let a = canonical("2026-03-01T09:59:59+00:00");
        let b = canonical("2026-03-01T09:00:00-01:00");
        assert!(a < b, "{a} < {b}");
    }
}
