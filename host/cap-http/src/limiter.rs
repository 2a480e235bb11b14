//! A token bucket per connection, shared by every deployment that uses the connection, so the
//! platform's limit is respected in aggregate rather than per plugin.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::runtime_config::RateLimit;

/// Token bucket state.
#[derive(Debug)]
pub struct TokenBucket {
    limit: RateLimit,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(limit: RateLimit) -> Self {
        TokenBucket {
            limit,
            state: Mutex::new((limit.burst, Instant::now())),
        }
    }

    /// Take one token, or say how long to wait before one is there.
    pub fn try_take(&self, now: Instant) -> Result<(), Duration> {
        let mut state = self.state.lock().expect("bucket lock");
        let (tokens, last) = *state;
        let refilled = (tokens
            + now.saturating_duration_since(last).as_secs_f64() * self.limit.per_second)
            .min(self.limit.burst);
        if refilled >= 1.0 {
            *state = (refilled - 1.0, now);
            Ok(())
        } else {
            *state = (refilled, now);
            let missing = 1.0 - refilled;
            Err(Duration::from_secs_f64(
                missing / self.limit.per_second.max(1e-9),
            ))
        }
    }

    /// Wait for a token; returns true when it had to wait.
    pub async fn acquire(&self) -> bool {
        let mut waited = false;
        loop {
            match self.try_take(Instant::now()) {
                Ok(()) => return waited,
                Err(wait) => {
                    waited = true;
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_meters_at_the_rate() {
        let bucket = TokenBucket::new(RateLimit {
            burst: 3.0,
            per_second: 2.0,
        });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(bucket.try_take(t0).is_ok());
        }
        let wait = bucket.try_take(t0).unwrap_err();
        assert!((wait.as_secs_f64() - 0.5).abs() < 0.01, "{wait:?}");
        assert!(bucket.try_take(t0 + Duration::from_millis(500)).is_ok());
        assert!(bucket.try_take(t0 + Duration::from_millis(500)).is_err());
    }
}
