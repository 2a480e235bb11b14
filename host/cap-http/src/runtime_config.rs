//! Operator settings of one named connection (typed; the config crate parses the file).

use serde::{Deserialize, Serialize};

/// How one named connection is bound.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ConnectionConfig {
    /// Base URL every path is appended to, e.g. "https://acme.myshopify.com/admin/api/2025-07".
    pub base_url: String,
    /// Allow loopback addresses (simulators, local sandboxes). Off by default.
    #[serde(default)]
    pub allow_loopback: bool,
    /// Per-attempt timeout, ms.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Largest request body, bytes.
    #[serde(default = "default_max_request")]
    pub max_request_bytes: u64,
    /// Largest response body, bytes.
    #[serde(default = "default_max_response")]
    pub max_response_bytes: u64,
    /// Token bucket for this connection (shared by every deployment using it).
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// Retries of idempotent requests on 429/5xx.
    #[serde(default)]
    pub retries: RetryConfig,
}

fn default_timeout_ms() -> u64 {
    30_000
}
fn default_max_request() -> u64 {
    4 << 20
}
fn default_max_response() -> u64 {
    16 << 20
}

impl ConnectionConfig {
    /// A connection to `base_url` with the defaults.
    pub fn new(base_url: impl Into<String>) -> Self {
        ConnectionConfig {
            base_url: base_url.into(),
            allow_loopback: false,
            timeout_ms: default_timeout_ms(),
            max_request_bytes: default_max_request(),
            max_response_bytes: default_max_response(),
            rate_limit: None,
            retries: RetryConfig::default(),
        }
    }
}

/// A token bucket: `burst` requests at once, refilled at `per-second`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RateLimit {
    /// Bucket size.
    pub burst: f64,
    /// Tokens added per second.
    pub per_second: f64,
}

/// Retry policy for idempotent requests.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct RetryConfig {
    /// Attempts in total, including the first.
    pub max_attempts: u32,
    /// First backoff, ms; doubles per attempt, with jitter.
    pub base_delay_ms: u64,
    /// Longest wait between attempts, ms. A Retry-After longer than this is not waited for: the
    /// 429 goes back to the plugin, which reports the record as rate-limited.
    pub max_delay_ms: u64,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 3,
            base_delay_ms: 200,
            max_delay_ms: 10_000,
        }
    }
}

/// Credentials the host adds to every request of a connection (the value is secret).
#[derive(Clone)]
pub struct AuthHeader {
    /// Header name, e.g. "Authorization" or "X-Shopify-Access-Token".
    pub name: String,
    /// Header value, e.g. "Bearer ...".
    pub value: String,
}

impl std::fmt::Debug for AuthHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuthHeader({}: <redacted>)", self.name)
    }
}
