//! A scalable simulator clock, shared by every simulator.
//!
//! Simulated time runs `scale` times faster than real time: at scale 10 one real second is ten
//! simulated seconds, so a rate limit that drips 1/s in simulated time drips 10/s in real time and a
//! 1800 s access token lives 180 real seconds. Benchmarks use this to finish quickly while staying
//! proportional to the platforms' documented limits; the scale is reported (simulators put it in an
//! `X-Weft-Time-Scale` header) so utilisation can be measured against the scaled limit.
//!
//! A *manual* clock does not move on its own; tests call [`SimClock::advance`] to move it, which
//! makes rate-limit drips and token expiry testable without wall-time measurements. `advance` also
//! works on a scaled clock (it jumps forward).
//!
//! This module also holds the tiny RFC 3339 formatter/parser the simulators need for timestamps
//! (UTC, whole seconds on output), so the crate needs no date library.
//!
//! Deliberately not here: time zones other than fixed offsets, leap seconds, or anything that lets
//! simulated time go backwards.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Invalid clock configuration.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ClockError {
    /// The scale must be finite and greater than zero.
    #[error("time scale must be a finite number greater than 0, got {0}")]
    BadScale(f64),
}

#[derive(Debug)]
struct Inner {
    scale: f64,
    manual: bool,
    origin_real: Instant,
    origin_sim_ms: i64,
    offset_ms: AtomicI64,
}

/// A cheaply clonable handle to one simulated clock.
#[derive(Debug, Clone)]
pub struct SimClock {
    inner: Arc<Inner>,
}

impl SimClock {
    /// A clock running `scale` times real time, starting at the current system time.
    pub fn scaled(scale: f64) -> Result<Self, ClockError> {
        Self::scaled_from(scale, system_now_ms())
    }

    /// A clock running `scale` times real time, starting at `start_unix_ms`.
    pub fn scaled_from(scale: f64, start_unix_ms: i64) -> Result<Self, ClockError> {
        if !scale.is_finite() || scale <= 0.0 {
            return Err(ClockError::BadScale(scale));
        }
        Ok(Self::build(scale, false, start_unix_ms))
    }

    /// A clock that only moves when [`SimClock::advance`] is called. Reports scale 1.
    pub fn manual(start_unix_ms: i64) -> Self {
        Self::build(1.0, true, start_unix_ms)
    }

    fn build(scale: f64, manual: bool, start: i64) -> Self {
        Self {
            inner: Arc::new(Inner {
                scale,
                manual,
                origin_real: Instant::now(),
                origin_sim_ms: start,
                offset_ms: AtomicI64::new(0),
            }),
        }
    }

    /// The time-scale factor (simulated seconds per real second).
    pub fn scale(&self) -> f64 {
        self.inner.scale
    }

    /// Whether this clock only moves through [`SimClock::advance`].
    pub fn is_manual(&self) -> bool {
        self.inner.manual
    }

    /// Simulated now, in milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        let offset = self.inner.offset_ms.load(Ordering::SeqCst);
        let run = if self.inner.manual {
            0
        } else {
            (self.inner.origin_real.elapsed().as_secs_f64() * self.inner.scale * 1000.0) as i64
        };
        self.inner.origin_sim_ms + run + offset
    }

    /// Simulated now, in (fractional) seconds since the Unix epoch.
    pub fn now_secs_f64(&self) -> f64 {
        self.now_ms() as f64 / 1000.0
    }

    /// Simulated now as an RFC 3339 string, e.g. `2026-01-01T00:00:00+00:00`.
    pub fn now_rfc3339(&self) -> String {
        format_rfc3339(self.now_ms().div_euclid(1000))
    }

    /// Move simulated time forward by `d` (any mode).
    pub fn advance(&self, d: Duration) {
        self.inner
            .offset_ms
            .fetch_add(d.as_millis() as i64, Ordering::SeqCst);
    }

    /// How long in real time a simulated duration takes.
    pub fn sim_to_real(&self, sim: Duration) -> Duration {
        Duration::from_secs_f64(sim.as_secs_f64() / self.inner.scale)
    }

    /// How much simulated time passes in a real duration.
    pub fn real_to_sim(&self, real: Duration) -> Duration {
        Duration::from_secs_f64(real.as_secs_f64() * self.inner.scale)
    }
}

fn system_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// (year, month, day) to days since 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Format Unix seconds as `YYYY-MM-DDTHH:MM:SS+00:00` (the shape Lightspeed returns).
pub fn format_rfc3339(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let sod = unix_secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

/// Parse `YYYY-MM-DDTHH:MM:SS[.frac][Z|±HH:MM|±HHMM]` (also a space instead of `T`, or a bare
/// date) into Unix milliseconds. A missing offset means UTC. Returns `None` when malformed.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !(1..=12).contains(&mo) {
        return None;
    }
    if !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, mo as u32, d as u32);
    if b.len() == 10 {
        return Some(days * 86_400_000);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
        return None;
    }
    let (h, mi) = (num(11, 2)?, num(14, 2)?);
    let (sec, mut i) = if b.get(16) == Some(&b':') {
        (num(17, 2)?, 19)
    } else {
        (0, 16)
    };
    let mut ms = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let frac = s.get(start..i)?;
        let frac3: String = frac.chars().chain("000".chars()).take(3).collect();
        ms = frac3.parse().ok()?;
    }
    let offset_secs = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) => {
            let oh = num(i + 1, 2)?;
            let om = match (b.get(i + 3), b.len() - i) {
                (Some(b':'), 6) => num(i + 4, 2)?,
                (_, 5) => num(i + 3, 2)?,
                (_, 3) => 0,
                _ => return None,
            };
            let o = oh * 3600 + om * 60;
            if *sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some((days * 86_400 + h * 3600 + mi * 60 + sec - offset_secs) * 1000 + ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_and_parse_round_trip() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(format_rfc3339(1_767_225_600), "2026-01-01T00:00:00+00:00");
        for t in [0i64, 951_782_400, 1_767_225_599, 4_102_444_800] {
            assert_eq!(parse_rfc3339(&format_rfc3339(t)), Some(t * 1000));
        }
        assert_eq!(
            parse_rfc3339("2026-01-01T02:00:00+02:00"),
            Some(1_767_225_600_000)
        );
        assert_eq!(
            parse_rfc3339("2026-01-01T00:00:00.250Z"),
            Some(1_767_225_600_250)
        );
        assert_eq!(parse_rfc3339("2026-01-01"), Some(1_767_225_600_000));
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2026-13-01T00:00:00Z"), None);
    }

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let c = SimClock::manual(1_000);
        assert_eq!(c.now_ms(), 1_000);
        c.advance(Duration::from_millis(2_500));
        assert_eq!(c.now_ms(), 3_500);
        assert_eq!(c.scale(), 1.0);
    }

    #[test]
    fn scaled_clock_converts_durations() {
        let c = SimClock::scaled_from(10.0, 0).unwrap();
        assert_eq!(
            c.sim_to_real(Duration::from_secs(10)),
            Duration::from_secs(1)
        );
        assert_eq!(
            c.real_to_sim(Duration::from_secs(1)),
            Duration::from_secs(10)
        );
        assert!(SimClock::scaled(0.0).is_err());
        assert!(SimClock::scaled(f64::NAN).is_err());
    }
}
