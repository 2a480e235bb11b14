//! JSON requests on named connections and classification of HTTP failures.

pub use crate::bindings::connector::weft::connector::http::{
    Error, Header, Method, Request, Response, send,
};
use crate::connector::{ErrorClass, Failure};

/// A JSON request on `connection`.
pub fn json_request(
    connection: &str,
    method: Method,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Request {
    let mut headers = vec![Header {
        name: "accept".into(),
        value: "application/json".into(),
    }];
    if body.is_some() {
        headers.push(Header {
            name: "content-type".into(),
            value: "application/json".into(),
        });
    }
    Request {
        connection: connection.into(),
        method,
        path: path.into(),
        headers,
        body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
        idempotent: false,
    }
}

/// Send a JSON request; 2xx bodies are parsed, anything else becomes a classified [`Failure`].
pub fn send_json(req: &Request) -> Result<serde_json::Value, Failure> {
    let resp = send(req).map_err(|e| transport_failure(&req.path, e))?;
    if (200..300).contains(&resp.status) {
        if resp.body.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        return serde_json::from_slice(&resp.body).map_err(|e| Failure {
            class: ErrorClass::Permanent,
            message: format!("{} returned invalid JSON: {e}", req.path),
            retry_after_ms: None,
            http_status: Some(resp.status),
            detail: Some(excerpt(&resp.body)),
            waiting_for: None,
        });
    }
    Err(classify(&req.path, &resp))
}

/// The header's value, case-insensitively.
pub fn header<'a>(resp: &'a Response, name: &str) -> Option<&'a str> {
    resp.headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// At most 1 KiB of a body, as text.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(1024)]);
    text.into_owned()
}

/// Classify a non-2xx response: 429 rate-limited (with Retry-After), 409/412 conflict,
/// 5xx/408 transient, other 4xx permanent.
pub fn classify(what: &str, resp: &Response) -> Failure {
    let class = match resp.status {
        429 => ErrorClass::RateLimited,
        409 | 412 => ErrorClass::Conflict,
        408 | 500..=599 => ErrorClass::Transient,
        _ => ErrorClass::Permanent,
    };
    let retry_after_ms = header(resp, "retry-after")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|s| (s * 1000.0) as u64);
    Failure {
        class,
        message: format!("{what} answered HTTP {}", resp.status),
        retry_after_ms,
        http_status: Some(resp.status),
        detail: Some(excerpt(&resp.body)),
        waiting_for: None,
    }
}

/// Classify a transport error: timeouts and connection failures are transient, refusals and
/// invalid requests permanent (retrying cannot help; the operator must change config).
pub fn transport_failure(what: &str, e: Error) -> Failure {
    let (class, message) = match &e {
        Error::Timeout => (ErrorClass::Transient, format!("{what}: timed out")),
        Error::Transport(m) => (ErrorClass::Transient, format!("{what}: {m}")),
        Error::Denied(m)
        | Error::InvalidRequest(m)
        | Error::ForbiddenAddress(m)
        | Error::TooLarge(m) => (ErrorClass::Permanent, format!("{what}: {m}")),
    };
    Failure {
        class,
        message,
        retry_after_ms: None,
        http_status: None,
        detail: None,
        waiting_for: None,
    }
}
