//! The GraphQL transport: POST `/graphql.json` on the named connection "shopify" (the host adds
//! `X-Shopify-Access-Token`; the guest never sees it) and turn every answer into data or a
//! classified [`Failure`].
//!
//! Classification: `THROTTLED` (HTTP 200 or 429) is rate-limited, with `retry-after-ms` computed
//! from `extensions.cost`: the points missing (`requestedQueryCost - currentlyAvailable`) divided
//! by `restoreRate`; 401/403 is permanent (the operator must fix the token); 5xx, 408 and
//! `INTERNAL_SERVER_ERROR` are transient; `MAX_COST_EXCEEDED` and any other GraphQL error
//! (a document this connector got wrong) are permanent. Mutation `userErrors` are not handled
//! here: they belong to each stream.
//!
//! A caller whose re-send repeats work before the throttled request (the inventory writer reads
//! levels again before it sets them) passes the points that work costs as `owed`
//! ([`run_owing`]): the wait then covers both, or the re-read spends what the wait restored and
//! the request is throttled again, for ever. [`spent`] counts the points answers report.
//!
//! Deliberately no retry loop: the host retries idempotent requests on 429/5xx and the sync
//! engine retries classified failures.

use serde_json::{Value, json};
use weft_sdk::connector::{ErrorClass, Failure, failure};
use weft_sdk::http::{self, Method};

/// The connection the operator binds to `https://{shop}.myshopify.com/admin/api/{version}`.
pub const CONNECTION: &str = "shopify";
/// Path of the GraphQL endpoint under the connection's base URL.
pub const PATH: &str = "/graphql.json";
/// The single-query cost ceiling Shopify enforces; documents stay under it.
pub const MAX_COST: u64 = 1000;

thread_local! {
    static SPENT: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
}

/// Points the answers so far reported as spent (`actualQueryCost`), since the instance started.
pub fn spent() -> f64 {
    SPENT.with(std::cell::Cell::get)
}

/// Run a document. `idempotent` marks requests the host may repeat (queries, and mutations
/// carrying `@idempotent` keys).
pub fn run(doc: &str, variables: Value, idempotent: bool) -> Result<Value, Failure> {
    run_owing(doc, variables, idempotent, 0.0)
}

/// [`run`], where a re-send will first spend `owed` points on other requests again.
pub fn run_owing(
    doc: &str,
    variables: Value,
    idempotent: bool,
    owed: f64,
) -> Result<Value, Failure> {
    let body = json!({"query": doc, "variables": variables});
    let mut req = http::json_request(CONNECTION, Method::Post, PATH, Some(&body));
    req.idempotent = idempotent;
    let resp = http::send(&req).map_err(|e| http::transport_failure("shopify graphql", e))?;
    let retry_after = http::header(&resp, "retry-after").map(str::to_string);
    let parsed: Option<Value> = serde_json::from_slice(&resp.body).ok();
    let cost = parsed
        .as_ref()
        .and_then(|v| v.pointer("/extensions/cost/actualQueryCost")?.as_f64());
    let answer = interpret_owing(
        resp.status,
        &resp.body,
        parsed,
        retry_after.as_deref(),
        owed,
    );
    if let (Ok(_), Some(cost)) = (&answer, cost) {
        SPENT.with(|s| s.set(s.get() + cost));
    }
    answer
}

/// A query (always safe to repeat).
pub fn query(doc: &str, variables: Value) -> Result<Value, Failure> {
    run(doc, variables, true)
}

/// Milliseconds until the bucket holds what the throttled request asked for, plus `owed`.
pub fn throttle_wait_ms(cost: &Value, owed: f64) -> Option<u64> {
    let requested = cost.get("requestedQueryCost")?.as_f64()? + owed.max(0.0);
    let status = cost.get("throttleStatus")?;
    let available = status.get("currentlyAvailable")?.as_f64()?;
    let rate = status.get("restoreRate")?.as_f64()?;
    if rate <= 0.0 {
        return None;
    }
    let missing = (requested - available).max(1.0);
    Some((missing / rate * 1000.0).ceil() as u64)
}

fn fail(class: ErrorClass, message: String, status: u16, body: &[u8]) -> Failure {
    let mut f = failure(class, message);
    f.http_status = Some(status);
    f.detail = Some(http::excerpt(body));
    f
}

/// Turn an HTTP answer into the `data` object or a classified failure.
pub fn interpret(status: u16, body: &[u8], retry_after: Option<&str>) -> Result<Value, Failure> {
    let parsed = serde_json::from_slice(body).ok();
    interpret_owing(status, body, parsed, retry_after, 0.0)
}

/// [`interpret`] of a body already `parsed` (`None`: not JSON), a throttle's wait also
/// covering `owed` points.
fn interpret_owing(
    status: u16,
    body: &[u8],
    parsed: Option<Value>,
    retry_after: Option<&str>,
    owed: f64,
) -> Result<Value, Failure> {
    let errors = parsed
        .as_ref()
        .and_then(|v| v.get("errors"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let code_of = |e: &Value| {
        e.pointer("/extensions/code")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let header_ms = retry_after
        .and_then(|s| s.trim().parse::<f64>().ok())
        .map(|s| (s * 1000.0).ceil() as u64);
    if status == 429 || errors.iter().any(|e| code_of(e) == "THROTTLED") {
        let cost_ms = parsed
            .as_ref()
            .and_then(|v| v.pointer("/extensions/cost"))
            .and_then(|c| throttle_wait_ms(c, owed));
        let mut f = fail(
            ErrorClass::RateLimited,
            "shopify throttled the request (cost bucket empty)".into(),
            status,
            body,
        );
        f.retry_after_ms = cost_ms.or(header_ms).or(Some(1000));
        return Err(f);
    }
    match status {
        200..=299 => {}
        401 | 403 => {
            return Err(fail(
                ErrorClass::Permanent,
                format!(
                    "shopify refused the access token (HTTP {status}); fix the \"shopify\" connection's X-Shopify-Access-Token"
                ),
                status,
                body,
            ));
        }
        408 | 500..=599 => {
            let mut f = fail(
                ErrorClass::Transient,
                format!("shopify answered HTTP {status}"),
                status,
                body,
            );
            f.retry_after_ms = header_ms;
            return Err(f);
        }
        _ => {
            return Err(fail(
                ErrorClass::Permanent,
                format!("shopify answered HTTP {status}"),
                status,
                body,
            ));
        }
    }
    if let Some(first) = errors.first() {
        let code = code_of(first);
        let message = first
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("GraphQL error");
        let class = match code.as_str() {
            "INTERNAL_SERVER_ERROR" | "SERVICE_UNAVAILABLE" => ErrorClass::Transient,
            _ => ErrorClass::Permanent,
        };
        return Err(fail(
            class,
            format!("shopify graphql error {code}: {message}"),
            status,
            body,
        ));
    }
    match parsed.and_then(|mut v| v.get_mut("data").map(Value::take)) {
        Some(data) if data.is_object() => Ok(data),
        _ => Err(fail(
            ErrorClass::Permanent,
            "shopify answered without data".into(),
            status,
            body,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_comes_back() {
        let body = br#"{"data":{"shop":{"currencyCode":"USD"}},"extensions":{"cost":{"requestedQueryCost":1,"actualQueryCost":1}}}"#;
        let data = interpret(200, body, None).unwrap();
        assert_eq!(data["shop"]["currencyCode"], "USD");
    }

    #[test]
    fn throttled_waits_for_the_missing_points() {
        let body = br#"{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}}],
            "extensions":{"cost":{"requestedQueryCost":150,"actualQueryCost":null,
            "throttleStatus":{"maximumAvailable":2000.0,"currentlyAvailable":30.0,"restoreRate":100.0}}}}"#;
        let f = interpret(200, body, None).unwrap_err();
        assert_eq!(f.class, ErrorClass::RateLimited);
        assert_eq!(f.retry_after_ms, Some(1200));
        // Some clients see 429; the cost block still decides.
        let f = interpret(429, body, Some("2.0")).unwrap_err();
        assert_eq!(f.retry_after_ms, Some(1200));
        // Without a cost block, the Retry-After header, else a second.
        let f = interpret(429, b"{}", Some("2.0")).unwrap_err();
        assert_eq!(f.retry_after_ms, Some(2000));
        let f = interpret(429, b"", None).unwrap_err();
        assert_eq!(f.retry_after_ms, Some(1000));
        // A re-send that reads 80 points' worth first waits for those too.
        let parsed = serde_json::from_slice(body).ok();
        let f = interpret_owing(200, body, parsed, None, 80.0).unwrap_err();
        assert_eq!(f.retry_after_ms, Some(2000));
    }

    #[test]
    fn errors_are_classified() {
        let class = |status, body: &[u8]| interpret(status, body, None).unwrap_err().class;
        assert_eq!(class(401, b"{\"errors\":\"bad\"}"), ErrorClass::Permanent);
        assert_eq!(class(503, b""), ErrorClass::Transient);
        assert_eq!(class(404, b""), ErrorClass::Permanent);
        let too_big = br#"{"errors":[{"message":"Query cost is 1200","extensions":{"code":"MAX_COST_EXCEEDED"}}]}"#;
        assert_eq!(class(200, too_big), ErrorClass::Permanent);
        let internal =
            br#"{"errors":[{"message":"oops","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}"#;
        assert_eq!(class(200, internal), ErrorClass::Transient);
        assert_eq!(class(200, b"not json"), ErrorClass::Permanent);
    }
}
