//! One live connection: the HTTP client with the egress resolver, the token bucket, retries of
//! idempotent requests, timeouts and size caps, and per-status counters for metrics.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use weft_world::http::{Error, Header, Method, Response};

use crate::egress::{ForbiddenAddress, PolicyResolver, refusal};
use crate::limiter::TokenBucket;
use crate::runtime_config::{AuthHeader, ConnectionConfig};

/// Counters of one connection, for `/metrics`.
#[derive(Debug, Default)]
pub struct ConnectionStats {
    /// Responses by status code (final attempts and retried ones).
    pub statuses: Mutex<BTreeMap<u16, u64>>,
    /// Times a request waited for the token bucket.
    pub rate_limit_waits: AtomicU64,
    /// Milliseconds requests spent waiting for the token bucket, summed.
    pub rate_limit_wait_ms: AtomicU64,
    /// Retries performed.
    pub retries: AtomicU64,
}

/// A request after validation, ready to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Method.
    pub method: Method,
    /// Full URL.
    pub url: url::Url,
    /// Guest headers (already checked).
    pub headers: Vec<Header>,
    /// Body.
    pub body: Vec<u8>,
    /// Whether it may be repeated.
    pub idempotent: bool,
}

/// A named connection bound by the operator.
#[derive(Debug)]
pub struct Connection {
    /// The name guests use.
    pub name: String,
    /// Settings.
    pub config: ConnectionConfig,
    /// Parsed base URL.
    pub base: url::Url,
    auth: Option<AuthHeader>,
    client: reqwest::Client,
    bucket: Option<TokenBucket>,
    /// Counters.
    pub stats: ConnectionStats,
}

/// Problems with a connection's config.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// The base URL does not parse or is not http(s).
    #[error("connection '{name}': base-url {url:?} is not an http(s) URL: {detail}")]
    BadBaseUrl {
        /// Connection name.
        name: String,
        /// The URL.
        url: String,
        /// Parser message.
        detail: String,
    },
    /// The HTTP client could not be built.
    #[error("connection '{name}': {detail}")]
    Client {
        /// Connection name.
        name: String,
        /// Message.
        detail: String,
    },
}

impl Connection {
    /// Bind `name` to `config`, adding `auth` to every request.
    pub fn new(
        name: impl Into<String>,
        config: ConnectionConfig,
        auth: Option<AuthHeader>,
    ) -> Result<Self, ConnectionError> {
        let name = name.into();
        let base = url::Url::parse(config.base_url.trim_end_matches('/')).map_err(|e| {
            ConnectionError::BadBaseUrl {
                name: name.clone(),
                url: config.base_url.clone(),
                detail: e.to_string(),
            }
        })?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(ConnectionError::BadBaseUrl {
                name,
                url: config.base_url.clone(),
                detail: "scheme must be http or https, with a host".into(),
            });
        }
        let client = reqwest::Client::builder()
            .dns_resolver(std::sync::Arc::new(PolicyResolver {
                allow_loopback: config.allow_loopback,
            }))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(Duration::from_millis(config.timeout_ms))
            .build()
            .map_err(|e| ConnectionError::Client {
                name: name.clone(),
                detail: e.to_string(),
            })?;
        let bucket = config.rate_limit.map(TokenBucket::new);
        Ok(Connection {
            name,
            config,
            base,
            auth,
            client,
            bucket,
            stats: ConnectionStats::default(),
        })
    }

    /// Checks the guest's path against the base URL and returns the full URL.
    pub fn url_for(&self, path: &str) -> Result<url::Url, Error> {
        check_path(path)?;
        let joined = format!("{}{}", self.base.as_str().trim_end_matches('/'), path);
        let url = url::Url::parse(&joined)
            .map_err(|e| Error::InvalidRequest(format!("path {path:?}: {e}")))?;
        if url.scheme() != self.base.scheme()
            || url.host() != self.base.host()
            || url.port_or_known_default() != self.base.port_or_known_default()
        {
            return Err(Error::InvalidRequest(format!(
                "path {path:?} leaves the connection's host"
            )));
        }
        Ok(url)
    }

    /// The header name the host sets for auth, if any (guests may not set it).
    pub fn auth_header_name(&self) -> Option<&str> {
        self.auth.as_ref().map(|a| a.name.as_str())
    }

    /// Send with rate limiting and retries; a 4xx/5xx is a response, not an error.
    pub async fn send(&self, req: &Outgoing) -> Result<Response, Error> {
        if let Some(host) = req.url.host() {
            let literal = match host {
                url::Host::Ipv4(ip) => Some(std::net::IpAddr::V4(ip)),
                url::Host::Ipv6(ip) => Some(std::net::IpAddr::V6(ip)),
                url::Host::Domain(_) => None,
            };
            if let Some(ip) = literal
                && let Some(why) = refusal(ip, self.config.allow_loopback)
            {
                return Err(Error::ForbiddenAddress(format!("{ip}: {why}")));
            }
        }
        if req.body.len() as u64 > self.config.max_request_bytes {
            return Err(Error::TooLarge(format!(
                "request body of {} bytes exceeds the connection's {} bytes",
                req.body.len(),
                self.config.max_request_bytes
            )));
        }
        let retry = self.config.retries;
        let mut attempt = 1;
        loop {
            if let Some(bucket) = &self.bucket {
                let started = std::time::Instant::now();
                if bucket.acquire().await {
                    self.stats.rate_limit_waits.fetch_add(1, Ordering::Relaxed);
                    let waited = started.elapsed().as_millis() as u64;
                    self.stats
                        .rate_limit_wait_ms
                        .fetch_add(waited, Ordering::Relaxed);
                }
            }
            let result = self.attempt(req).await;
            let retryable = match &result {
                Ok(resp) => matches!(resp.status, 429 | 500 | 502 | 503 | 504),
                Err(Error::Timeout) | Err(Error::Transport(_)) => true,
                Err(_) => false,
            };
            if !retryable || !req.idempotent || attempt >= retry.max_attempts {
                return result;
            }
            let backoff = retry
                .base_delay_ms
                .saturating_mul(1 << (attempt - 1).min(16));
            let jitter = backoff / 2 + fastrand_below(backoff / 2 + 1);
            let wait = match result.as_ref().ok().and_then(retry_after_ms) {
                Some(after) if after > retry.max_delay_ms => return result,
                Some(after) => after,
                None => jitter.min(retry.max_delay_ms),
            };
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(wait)).await;
            attempt += 1;
        }
    }

    async fn attempt(&self, req: &Outgoing) -> Result<Response, Error> {
        let method = match req.method {
            Method::Get => reqwest::Method::GET,
            Method::Head => reqwest::Method::HEAD,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self.client.request(method, req.url.clone());
        for h in &req.headers {
            builder = builder.header(&h.name, &h.value);
        }
        if let Some(auth) = &self.auth {
            builder = builder.header(&auth.name, &auth.value);
        }
        let mut resp = builder
            .body(req.body.clone())
            .send()
            .await
            .map_err(map_reqwest)?;
        let status = resp.status().as_u16();
        *self
            .stats
            .statuses
            .lock()
            .expect("stats lock")
            .entry(status)
            .or_default() += 1;
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| Header {
                name: k.as_str().to_string(),
                value: String::from_utf8_lossy(v.as_bytes()).into_owned(),
            })
            .collect();
        let cap = self.config.max_response_bytes;
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(map_reqwest)? {
            if (body.len() + chunk.len()) as u64 > cap {
                return Err(Error::TooLarge(format!(
                    "response body exceeds the connection's {cap} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

/// A guest path must be a path on the connection: one leading '/', no scheme or host, no '.'
/// or '..' segments, no backslash, fragment or control characters.
pub fn check_path(path: &str) -> Result<(), Error> {
    let bad = |why: &str| Err(Error::InvalidRequest(format!("path {path:?} {why}")));
    if !path.starts_with('/') || path.starts_with("//") {
        return bad("must start with a single '/' (a path on the connection, not a URL)");
    }
    if path.contains('\\') || path.contains('#') || path.chars().any(char::is_control) {
        return bad("contains '\\', '#' or a control character");
    }
    let only_path = path.split('?').next().unwrap_or(path);
    let dotted = |seg: &str| {
        let lower = seg.to_ascii_lowercase().replace("%2e", ".");
        lower == "." || lower == ".."
    };
    if only_path.split('/').any(dotted) {
        return bad("contains a '.' or '..' segment");
    }
    Ok(())
}

fn map_reqwest(e: reqwest::Error) -> Error {
    if e.is_timeout() {
        return Error::Timeout;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if let Some(forbidden) = err.downcast_ref::<ForbiddenAddress>() {
            return Error::ForbiddenAddress(forbidden.0.clone());
        }
        source = err.source();
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(err) = source {
        text.push_str(": ");
        text.push_str(&err.to_string());
        source = err.source();
    }
    Error::Transport(text)
}

/// Retry-After in ms (delta-seconds form), from a response.
pub fn retry_after_ms(resp: &Response) -> Option<u64> {
    let value = resp
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("retry-after"))?;
    value
        .value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| *s >= 0.0)
        .map(|s| (s * 1000.0) as u64)
}

/// A cheap, non-cryptographic random number below `n` (jitter only).
fn fastrand_below(n: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(n);
    h.finish() % n.max(1)
}
