//! The connector's view of the outside world ([`Env`]: HTTP on the "lightspeed" connection, kv,
//! logs, config) and a small JSON client over it.
//!
//! Every response's `X-LS-API-Bucket-Level` (and request cost) is logged at debug; the guest
//! never sleeps: a 429 becomes a rate-limited failure carrying `Retry-After`, 5xx and timeouts
//! transient, 409 conflict, other 4xx permanent (the SDK's `classify`), with Lightspeed's error
//! `message` in the failure's text.
//!
//! Lists can be read with the server's clock ([`Client::list_dated`]): the response's `Date`
//! header (RFC 7231, whole seconds) as Unix seconds, or none when it is missing or not an
//! IMF-fixdate. The cursor uses it to know when a `timeStamp` second can no longer change.
//!
//! Deliberately not here: auth (the host injects the bearer token of the connection) and retries
//! (the host retries idempotent requests; the sync engine retries records).

use serde::de::DeserializeOwned;
use serde_json::Value;
use weft_sdk::connector::{ErrorClass, Failure, failure};
use weft_sdk::http::{self, Error as HttpError, Method, Request, Response};

use crate::time;
use crate::wire::{self, ListPage};

/// The only connection this connector uses.
pub const CONNECTION: &str = "lightspeed";

/// Log levels the connector uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Diagnostics (bucket levels).
    Debug,
    /// Normal operation.
    Info,
    /// Handled surprises.
    Warn,
}

/// What the connector needs from its host; the component passes the real capabilities, unit
/// tests a fake.
pub trait Env {
    /// Send one HTTP request.
    fn send(&self, req: &Request) -> Result<Response, HttpError>;
    /// A kv value (a kv error is logged by the implementation and reads as absent).
    fn kv_get(&self, key: &str) -> Option<Vec<u8>>;
    /// Store a kv value.
    fn kv_set(&self, key: &str, value: &[u8]) -> Result<(), String>;
    /// Log a message.
    fn log(&self, level: Level, message: &str);
    /// The deployment's config JSON.
    fn config(&self) -> String;
}

/// JSON requests on the "lightspeed" connection.
pub struct Client<'a> {
    env: &'a dyn Env,
}

fn short(path: &str) -> &str {
    match path.char_indices().nth(160) {
        Some((at, _)) => &path[..at],
        None => path,
    }
}

impl<'a> Client<'a> {
    /// A client over `env`.
    pub fn new(env: &'a dyn Env) -> Self {
        Client { env }
    }

    /// The environment (for kv and logs).
    pub fn env(&self) -> &'a dyn Env {
        self.env
    }

    /// Send and return the parsed 2xx body, or a classified failure.
    pub fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value, Failure> {
        self.exchange(method, path, body).map(|(v, _)| v)
    }

    /// Like [`Client::call`], with the server's clock (the `Date` header) of the 2xx response.
    fn exchange(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(Value, Option<i64>), Failure> {
        let what = format!("lightspeed-r {} {}", method_name(&method), short(path));
        let req = http::json_request(CONNECTION, method, path, body);
        let resp = self
            .env
            .send(&req)
            .map_err(|e| http::transport_failure(&what, e))?;
        if let Some(level) = http::header(&resp, "x-ls-api-bucket-level") {
            let cost = http::header(&resp, "x-ls-api-request-cost").unwrap_or("?");
            let msg = format!("{what}: {} bucket {level} cost {cost}", resp.status);
            self.env.log(Level::Debug, &msg);
        }
        if !(200..300).contains(&resp.status) {
            let mut f = http::classify(&what, &resp);
            let parsed: Option<Value> = serde_json::from_slice(&resp.body).ok();
            if let Some(m) = parsed.as_ref().and_then(|v| v.get("message")?.as_str()) {
                f.message = format!("{}: {m}", f.message);
            }
            return Err(f);
        }
        let date = http::header(&resp, "date").and_then(time::parse_http_date);
        if resp.body.is_empty() {
            return Ok((Value::Null, date));
        }
        let value = serde_json::from_slice(&resp.body).map_err(|e| Failure {
            http_status: Some(resp.status),
            detail: Some(http::excerpt(&resp.body)),
            ..failure(ErrorClass::Permanent, format!("{what}: invalid JSON: {e}"))
        })?;
        Ok((value, date))
    }

    /// GET a list (or single-record) response of `entity`.
    pub fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        entity: &str,
    ) -> Result<ListPage<T>, Failure> {
        self.list_dated(path, entity).map(|(page, _)| page)
    }

    /// Like [`Client::list`], with the server's clock when it answered (Unix seconds of the
    /// `Date` header; none without a readable one).
    pub fn list_dated<T: DeserializeOwned>(
        &self,
        path: &str,
        entity: &str,
    ) -> Result<(ListPage<T>, Option<i64>), Failure> {
        let (body, date) = self.exchange(Method::Get, path, None)?;
        let page = wire::list(body, entity).map_err(|e| unreadable(path, &e))?;
        Ok((page, date))
    }

    /// GET one record; a 404 is `None`.
    pub fn get_one<T: DeserializeOwned>(
        &self,
        path: &str,
        entity: &str,
    ) -> Result<Option<T>, Failure> {
        match self.list::<T>(path, entity) {
            Ok(page) => Ok(page.records.into_iter().next()),
            Err(f) if f.http_status == Some(404) => Ok(None),
            Err(f) => Err(f),
        }
    }

    /// POST or PUT `body` and return the written record of `entity`.
    pub fn write<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        entity: &str,
        body: &Value,
    ) -> Result<T, Failure> {
        let resp = self.call(method, path, Some(body))?;
        wire::list::<T>(resp, entity)
            .map_err(|e| unreadable(path, &e))?
            .records
            .into_iter()
            .next()
            .ok_or_else(|| unreadable(path, &format!("no {entity} in the response")))
    }

    /// Log through the environment.
    pub fn log(&self, level: Level, message: &str) {
        self.env.log(level, message)
    }
}

fn method_name(m: &Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Patch => "PATCH",
        Method::Delete => "DELETE",
    }
}

/// A response that does not have the documented shape.
pub fn unreadable(path: &str, why: &str) -> Failure {
    failure(
        ErrorClass::Permanent,
        format!("lightspeed-r {}: unexpected response: {why}", short(path)),
    )
}
