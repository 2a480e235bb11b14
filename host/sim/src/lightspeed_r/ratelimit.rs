//! The R-Series rate limiter: a leaky bucket per account × OAuth client plus the 1-second burst
//! limiter, and the 2026-03-17 request-cost table (platform-apis.md 1.2, reproduced exactly where the
//! facts are exact).
//!
//! - Bucket size `90 + 10 × (registers − 1)`, drip `1 + 0.5 × (registers − 1)` per simulated second,
//!   fractional levels.
//! - Admission: a request is admitted while the level is at or below the size, whatever its cost,
//!   so the first request that pushes the level beyond the size is allowed (levels like `92.57/90`);
//!   later requests get 429 `api-leaky-bucket` until the level is back at or below the size.
//!   `Retry-After` = seconds until then, rounded up, at least 1.
//! - Burst limiter: fixed 1-second windows of simulated time; every request counts 1 (rejected ones
//!   too). Its limit is "a fraction of bucket size"; the facts give only the example `1/20` for a
//!   90 bucket, so we use `round(size × 2 / 9)` (20 for 90) **(assumption)**. 429
//!   `api-burst-limiter` with `Retry-After: 1`.
//! - Costs: base 1 drip; `load_relations` extras (see `query::Params::relation_cost`);
//!   `count=1` costs 10; POST/PUT +0.5 per nested entity in the payload; overrides: Sale writes base
//!   2 (+3 with `"completed":"true"`), SaleLine writes base 2, `POST Sale/{id}/Refund` 10,
//!   `POST Sale/{id}/EmailReceipt` 5, Category writes 10.
//!
//! Scaled clock: levels are in drips and need no scaling; the reported `X-LS-API-Drip-Rate` and
//! `Retry-After` are in *real* seconds (drip × scale; wait ÷ scale), so a client that obeys the
//! headers runs at the scaled limit without knowing the scale. At scale 1 they are the documented
//! values.
//!
//! Deliberately not here: the gift-card lookup limiter, V2 `offset`/`orderby` costs, `or` costs.

use std::collections::HashMap;

use serde_json::Value;

/// The limits for a number of registers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Bucket size in drips.
    pub size: f64,
    /// Drips per simulated second.
    pub drip: f64,
    /// Requests per 1-second burst window.
    pub burst_max: u32,
}

impl Limits {
    /// Limits of an account whose subscription allows `registers` registers (at least 1).
    pub fn for_registers(registers: u32) -> Self {
        let extra = f64::from(registers.max(1) - 1);
        let size = 90.0 + 10.0 * extra;
        Self {
            size,
            drip: 1.0 + 0.5 * extra,
            burst_max: (size * 2.0 / 9.0).round() as u32,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Bucket {
    level: f64,
    last_ms: i64,
    window: i64,
    window_count: u32,
}

/// Why a request was throttled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Throttle {
    /// The leaky bucket is over its size.
    LeakyBucket,
    /// Too many requests in the current 1-second window.
    Burst,
}

impl Throttle {
    /// Value of `X-LS-API-RateLimit-Type`.
    pub fn header(self) -> &'static str {
        match self {
            Throttle::LeakyBucket => "api-leaky-bucket",
            Throttle::Burst => "api-burst-limiter",
        }
    }
}

/// The result of one admission check, with everything the headers need.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Bucket level after this request.
    pub level: f64,
    /// Bucket size.
    pub size: f64,
    /// Requests counted in the current burst window.
    pub burst_count: u32,
    /// Burst limit (0 when the burst limiter is off).
    pub burst_max: u32,
    /// Cost of this request in drips.
    pub cost: f64,
    /// `Some` when throttled: the reason and the wait in simulated seconds.
    pub throttled: Option<(Throttle, f64)>,
}

/// All buckets of one simulated account.
#[derive(Debug)]
pub struct Limiter {
    limits: Limits,
    burst: bool,
    buckets: HashMap<String, Bucket>,
}

impl Limiter {
    /// A limiter for `registers`; `burst` switches the burst limiter on.
    pub fn new(registers: u32, burst: bool) -> Self {
        Self {
            limits: Limits::for_registers(registers),
            burst,
            buckets: HashMap::new(),
        }
    }

    /// The configured limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn drained(&mut self, client: &str, now_ms: i64) -> &mut Bucket {
        let drip = self.limits.drip;
        let b = self
            .buckets
            .entry(client.to_string())
            .or_insert_with(|| Bucket {
                last_ms: now_ms,
                ..Default::default()
            });
        let dt = (now_ms - b.last_ms).max(0) as f64 / 1000.0;
        b.level = (b.level - drip * dt).max(0.0);
        b.last_ms = b.last_ms.max(now_ms);
        b
    }

    /// The current level of `client`'s bucket (after draining).
    pub fn level(&mut self, client: &str, now_ms: i64) -> f64 {
        self.drained(client, now_ms).level
    }

    /// Charge `cost` to `client` if admitted.
    pub fn check(&mut self, client: &str, cost: f64, now_ms: i64) -> Outcome {
        let Limits {
            size,
            drip,
            burst_max,
        } = self.limits;
        let burst_on = self.burst;
        let b = self.drained(client, now_ms);
        let window = now_ms.div_euclid(1000);
        if b.window != window {
            b.window = window;
            b.window_count = 0;
        }
        b.window_count += 1;
        let throttled = if burst_on && b.window_count > burst_max {
            Some((Throttle::Burst, 1.0))
        } else if b.level > size {
            Some((Throttle::LeakyBucket, (b.level - size) / drip))
        } else {
            b.level += cost;
            None
        };
        Outcome {
            level: b.level,
            size,
            burst_count: b.window_count,
            burst_max: if burst_on { burst_max } else { 0 },
            cost,
            throttled,
        }
    }
}

/// Format a drip quantity the way the headers show it: `1`, `92.57`, `0.5`.
pub fn fmt_drips(v: f64) -> String {
    let s = format!("{:.3}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Count nested related entities in a write payload: every object under a capitalised key,
/// looking through `{"SaleLines": {"SaleLine": [...]}}` containers, recursively.
pub fn nested_entities(v: &Value) -> usize {
    let Value::Object(m) = v else { return 0 };
    let is_rel = |k: &str| k.chars().next().is_some_and(char::is_uppercase);
    let mut n = 0;
    for (k, child) in m.iter().filter(|(k, _)| is_rel(k)) {
        let _ = k;
        let entities: Vec<&Value> = match child {
            Value::Object(inner) if inner.len() == 1 && inner.keys().all(|k| is_rel(k)) => {
                match inner.values().next() {
                    Some(Value::Array(a)) => a.iter().collect(),
                    Some(o @ Value::Object(_)) => vec![o],
                    _ => vec![],
                }
            }
            Value::Object(_) => vec![child],
            Value::Array(a) => a.iter().collect(),
            _ => vec![],
        };
        for e in entities.into_iter().filter(|e| e.is_object()) {
            n += 1 + nested_entities(e);
        }
    }
    n
}

/// Cost of a write. `entity` is the first path segment (`Sale`), `action` a sub-action (`Refund`).
pub fn write_cost(entity: &str, action: Option<&str>, body: &Value) -> f64 {
    let nested = 0.5 * nested_entities(body) as f64;
    match (entity, action) {
        ("Sale", Some("Refund")) => 10.0,
        ("Sale", Some("EmailReceipt")) => 5.0,
        ("Category", None) => 10.0,
        ("Sale", None) => {
            let completed = matches!(body.get("completed"), Some(Value::String(s)) if s == "true")
                || body.get("completed") == Some(&Value::Bool(true));
            2.0 + if completed { 3.0 } else { 0.0 } + nested
        }
        ("SaleLine", None) => 2.0 + nested,
        _ => 1.0 + nested,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn limits_follow_the_register_formula() {
        assert_eq!(
            Limits::for_registers(1),
            Limits {
                size: 90.0,
                drip: 1.0,
                burst_max: 20
            }
        );
        let three = Limits::for_registers(3);
        assert_eq!((three.size, three.drip), (110.0, 2.0));
    }

    #[test]
    fn first_overflow_is_admitted_then_429_until_drained() {
        let mut l = Limiter::new(1, false);
        for _ in 0..89 {
            assert!(l.check("c", 1.0, 0).throttled.is_none());
        }
        let o = l.check("c", 5.0, 0); // 89 -> 94: the first overflow is admitted
        assert!(o.throttled.is_none());
        assert_eq!(fmt_drips(o.level), "94");
        let o = l.check("c", 1.0, 0);
        assert_eq!(o.throttled, Some((Throttle::LeakyBucket, 4.0)));
        assert!(l.check("c", 1.0, 4_000).throttled.is_none()); // drained to 90, admitted
    }

    #[test]
    fn burst_window_counts_every_request() {
        let mut l = Limiter::new(1, true);
        for _ in 0..20 {
            assert!(l.check("c", 1.0, 500).throttled.is_none());
        }
        assert_eq!(
            l.check("c", 1.0, 999).throttled,
            Some((Throttle::Burst, 1.0))
        );
        assert!(l.check("c", 1.0, 1_000).throttled.is_none());
    }

    #[test]
    fn write_costs() {
        let sale = json!({"completed": "true", "SaleLines": {"SaleLine": [{"itemID": "1"}, {"itemID": "2"}]}});
        assert_eq!(write_cost("Sale", None, &sale), 6.0);
        let item = json!({"ItemShops": {"ItemShop": {"shopID": "1", "qoh": "3"}}});
        assert_eq!(write_cost("Item", None, &item), 1.5);
        assert_eq!(write_cost("Sale", Some("Refund"), &json!({})), 10.0);
        assert_eq!(fmt_drips(92.5699), "92.57");
    }
}
