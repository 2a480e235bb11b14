//! The JSON mapping of `write-batch`: items to the body of `POST /target/write`, and the answer
//! back to one result per item with every failure classified.
//!
//! Classes by status: 429 rate-limited (retry-after from the item, or the `Retry-After` header
//! of a whole 429), 408 and 5xx transient, 409/412 conflict, 424 dependency-missing (with the
//! item's `waiting_for`), any other status permanent. A whole response that is not 2xx (throttle,
//! 503) fails every item sent with the same class. Items the testbed cannot take (deletes, other
//! entity kinds) fail permanently here without being sent. Transport failures (timeouts) are
//! the caller's: they fail the whole call. Deliberately not here: any HTTP (see `lib.rs`).

use serde::Deserialize;
use weft_sdk::connector::{CallError, ErrorClass, Failure, WriteItem, WriteOp, Written};
use weft_sdk::model::Entity;

/// The request body and, per item in order, its key when sent or why it was not.
#[derive(Debug)]
pub struct Prepared {
    /// `{"items": [...]}` with the items that are sent.
    pub body: serde_json::Value,
    /// Per input item: `Ok(key)` when sent, `Err` when refused here.
    pub slots: Vec<Result<String, Failure>>,
}

impl Prepared {
    /// Whether anything is to be sent.
    pub fn sends_anything(&self) -> bool {
        self.slots.iter().any(Result::is_ok)
    }
}

/// One per-item error as the testbed answers it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WireError {
    /// HTTP-style status.
    pub status: u16,
    /// What went wrong.
    pub message: String,
    /// When to retry, if said.
    #[serde(default)]
    pub retry_after_ms: Option<u64>,
    /// What a 424 waits for.
    #[serde(default)]
    pub waiting_for: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum WireResult {
    Ok(WireWritten),
    Error(WireError),
}

#[derive(Debug, Deserialize)]
struct WireWritten {
    target_id: String,
    target_version: String,
}

#[derive(Debug, Deserialize)]
struct WireResults {
    results: Vec<WireResult>,
}

fn failure(class: ErrorClass, message: String) -> Failure {
    weft_sdk::connector::failure(class, message)
}

/// Build the request for `items`.
pub fn prepare(items: &[WriteItem]) -> Prepared {
    let mut sent = Vec::new();
    let slots = items
        .iter()
        .map(|item| match (&item.op, &item.entity) {
            (WriteOp::Delete, _) => Err(failure(
                ErrorClass::Permanent,
                format!("{}: the testbed target cannot delete", item.idempotency_key),
            )),
            (_, Entity::InventoryLevel(level)) => {
                let key = format!("{}@{}", level.sku, level.location);
                sent.push(serde_json::json!({
                    "idempotency_key": item.idempotency_key,
                    "key": key,
                    "version": level.meta.version,
                    "available": level.available,
                    "expected_version": item.expected_version,
                }));
                Ok(key)
            }
            (_, _) => Err(failure(
                ErrorClass::Permanent,
                format!(
                    "{}: the testbed target takes inventory levels only",
                    item.idempotency_key
                ),
            )),
        })
        .collect();
    Prepared {
        body: serde_json::json!({ "items": sent }),
        slots,
    }
}

/// The class of a failure with HTTP `status`.
pub fn class_of(status: u16) -> ErrorClass {
    match status {
        429 => ErrorClass::RateLimited,
        408 | 500..=599 => ErrorClass::Transient,
        409 | 412 => ErrorClass::Conflict,
        424 => ErrorClass::DependencyMissing,
        _ => ErrorClass::Permanent,
    }
}

/// At most 1 KiB of `text`, cut on a character boundary.
pub fn excerpt(text: &str) -> String {
    let mut end = text.len().min(1024);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// The failure of one item the testbed refused.
pub fn item_failure(key: &str, error: &WireError) -> Failure {
    let detail = serde_json::json!({
        "status": error.status, "message": error.message,
        "retry_after_ms": error.retry_after_ms, "waiting_for": error.waiting_for,
    });
    Failure {
        class: class_of(error.status),
        message: format!(
            "write of {key} refused with {}: {}",
            error.status, error.message
        ),
        retry_after_ms: error.retry_after_ms,
        http_status: Some(error.status),
        detail: Some(excerpt(&detail.to_string())),
        waiting_for: error.waiting_for.clone(),
    }
}

/// Turn the answer to a write into one result per input item.
pub fn map_response(
    slots: Vec<Result<String, Failure>>,
    status: u16,
    retry_after_ms: Option<u64>,
    body: &[u8],
) -> Result<Vec<Result<Written, Failure>>, CallError> {
    let text = String::from_utf8_lossy(body);
    if !(200..300).contains(&status) {
        let whole = Failure {
            class: class_of(status),
            message: format!("POST /target/write answered HTTP {status}"),
            retry_after_ms: retry_after_ms.or_else(|| body_retry_after_ms(body)),
            http_status: Some(status),
            detail: Some(excerpt(&text)),
            waiting_for: None,
        };
        return Ok(slots
            .into_iter()
            .map(|slot| {
                let key = slot?;
                Err(Failure {
                    message: format!("write of {key}: {}", whole.message),
                    ..whole.clone()
                })
            })
            .collect());
    }
    let bad = |why: String| {
        CallError::Failed(Failure {
            http_status: Some(status),
            detail: Some(excerpt(&text)),
            ..failure(ErrorClass::Permanent, why)
        })
    };
    let answer: WireResults = serde_json::from_slice(body)
        .map_err(|e| bad(format!("POST /target/write answered unexpected JSON: {e}")))?;
    let sent = slots.iter().filter(|s| s.is_ok()).count();
    if answer.results.len() != sent {
        let n = answer.results.len();
        return Err(bad(format!("{n} results for {sent} items written")));
    }
    let mut results = answer.results.into_iter();
    Ok(slots
        .into_iter()
        .map(|slot| {
            let key = slot?;
            match results.next().expect("counted above") {
                WireResult::Ok(w) => Ok(Written {
                    target_id: w.target_id,
                    target_version: w.target_version,
                }),
                WireResult::Error(e) => Err(item_failure(&key, &e)),
            }
        })
        .collect())
}

/// `Retry-After` in ms from a `Retry-After` header value (delta seconds).
pub fn retry_after_header_ms(value: Option<&str>) -> Option<u64> {
    let secs = value?.trim().parse::<f64>().ok().filter(|s| *s >= 0.0)?;
    Some((secs * 1000.0) as u64)
}

fn body_retry_after_ms(body: &[u8]) -> Option<u64> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value["retry_after_secs"].as_u64().map(|s| s * 1000)
}
