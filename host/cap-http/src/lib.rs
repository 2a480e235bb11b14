//! Outbound HTTP for plugins (`weft:connector/http`) on operator-defined named connections.
//!
//! Threat model: a plugin may be hostile or buggy. It must not reach any host the operator did
//! not bind, must not see or replace credentials, must not reach the cloud metadata service or
//! the host's loopback, and must not exhaust memory or the platform's rate limit. Therefore:
//! - a guest names a connection, never a URL; a deployment may use only the connections in its
//!   grant list (empty = nothing), and every refusal is recorded as a [`Denial`] that the engine
//!   turns into a typed error for the operator;
//! - the path is appended to the operator's base URL and must stay on its host;
//! - the host adds the auth header; guests may not set Authorization, Cookie, Host, hop-by-hop
//!   headers or the connection's auth header;
//! - every resolved address passes the [egress policy](egress);
//! - request and response bodies are capped, each attempt has a timeout, idempotent requests
//!   are retried on 429/5xx honouring Retry-After, and a token bucket per connection meters all
//!   deployments together.
//!
//! In recorded mode (plugin runner, tests) answers come from a [`Recording`] and nothing leaves
//! the process; the grant check still applies.

mod connection;
pub mod egress;
mod limiter;
mod recorded;
pub mod runtime_config;

use std::collections::HashMap;
use std::sync::Arc;

pub use connection::{
    Connection, ConnectionError, ConnectionStats, Outgoing, check_path, retry_after_ms,
};
pub use limiter::TokenBucket;
pub use recorded::{RecordedExchange, Recording, SentRequest};
pub use runtime_config::{AuthHeader, ConnectionConfig, RateLimit, RetryConfig};
use weft_engine::Denial;
use weft_world::http::{Error, Host, Method, Request, Response};

/// Headers a guest may never set.
const FORBIDDEN_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "upgrade",
    "te",
    "trailer",
    "keep-alive",
];

/// A tenant's bound connections by name.
pub type ConnectionMap = HashMap<String, Arc<Connection>>;

/// Where answers come from.
#[derive(Clone)]
pub enum Backend {
    /// The network, through the bound connections.
    Live(Arc<ConnectionMap>),
    /// A fixture's recordings.
    Recorded(Arc<Recording>),
}

/// Per-call HTTP context of one deployment.
pub struct HttpCtx {
    backend: Backend,
    granted: Arc<[String]>,
    denials: Vec<Denial>,
}

impl HttpCtx {
    /// A context allowing the connections in `granted`.
    pub fn new(backend: Backend, granted: Arc<[String]>) -> Self {
        HttpCtx {
            backend,
            granted,
            denials: Vec::new(),
        }
    }

    /// A context that refuses everything (worlds without http).
    pub fn deny_all() -> Self {
        HttpCtx::new(Backend::Live(Arc::default()), Arc::from(Vec::new()))
    }

    /// Refusals recorded in this call.
    pub fn take_denials(&mut self) -> Vec<Denial> {
        std::mem::take(&mut self.denials)
    }

    fn deny(&mut self, connection: &str, reason: String) -> Error {
        self.denials.push(Denial {
            capability: "http".into(),
            target: format!("connection '{connection}'"),
            reason: reason.clone(),
        });
        Error::Denied(format!("connection '{connection}': {reason}"))
    }

    fn check_headers(req: &Request, auth_header: Option<&str>) -> Result<(), Error> {
        for h in &req.headers {
            let name = h.name.to_ascii_lowercase();
            let is_auth = auth_header.is_some_and(|a| a.eq_ignore_ascii_case(&name));
            if FORBIDDEN_HEADERS.contains(&name.as_str()) || is_auth {
                return Err(Error::InvalidRequest(format!(
                    "header '{}' is set by the host and may not be set by a plugin",
                    h.name
                )));
            }
            if h.value.chars().any(|c| c == '\r' || c == '\n') {
                return Err(Error::InvalidRequest(format!(
                    "header '{}' contains a line break",
                    h.name
                )));
            }
        }
        Ok(())
    }

    /// The request, sent or answered; the guest sees exactly this.
    pub async fn handle(&mut self, req: Request) -> Result<Response, Error> {
        if !self.granted.contains(&req.connection) {
            let reason =
                "not granted to this deployment; add it to the deployment's `connections`".into();
            return Err(self.deny(&req.connection, reason));
        }
        let connections = match &self.backend {
            Backend::Recorded(recording) => {
                Self::check_headers(&req, None)?;
                check_path(&req.path)?;
                return recording.answer(&req);
            }
            Backend::Live(map) => map.clone(),
        };
        let Some(conn) = connections.get(&req.connection) else {
            let reason =
                "granted but not bound; define it under [connections] for this tenant".into();
            return Err(self.deny(&req.connection, reason));
        };
        Self::check_headers(&req, conn.auth_header_name())?;
        let url = conn.url_for(&req.path)?;
        let idempotent = req.idempotent
            || matches!(
                req.method,
                Method::Get | Method::Head | Method::Put | Method::Delete
            );
        let outgoing = Outgoing {
            method: req.method,
            url,
            headers: req.headers,
            body: req.body,
            idempotent,
        };
        let result = conn.send(&outgoing).await;
        if let Err(Error::ForbiddenAddress(why)) = &result {
            self.denials.push(Denial {
                capability: "http".into(),
                target: format!("connection '{}'", req.connection),
                reason: format!("forbidden address: {why}"),
            });
        }
        result
    }
}

impl Host for HttpCtx {
    async fn send(&mut self, req: Request) -> wasmtime::Result<Result<Response, Error>> {
        Ok(self.handle(req).await)
    }
}
