//! The parked queue's record, replay filters and retention.
//!
//! A record parks when the retry policy gives up or an error is permanent. It keeps everything an
//! operator needs to understand and replay it: the payload, the error with context, the plugin
//! versions, the attempts and the timestamps. Replay re-runs it with the same idempotency key.
//! Retention is by age only (default 30 days); there is deliberately no count cap, because a
//! burst of failures must never push older unresolved records out. Storing and listing is
//! `weft-store`'s job.

pub use crate::retry::ParkReason;
use crate::{ErrorClass, IdempotencyKey, SyncRecord};
use serde::{Deserialize, Serialize};

/// The largest body excerpt kept with an error, in bytes.
pub const BODY_EXCERPT_MAX: usize = 1024;

/// A failure with what is needed to diagnose it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorContext {
    /// The failure's class.
    pub class: ErrorClass,
    /// A human-readable message from the target or plugin.
    pub message: String,
    /// The HTTP status the target answered with, if any.
    pub http_status: Option<u16>,
    /// The start of the response body, at most [`BODY_EXCERPT_MAX`] bytes.
    pub body_excerpt: Option<String>,
    /// The plugin versions involved, as (plugin, version).
    pub plugin_versions: Vec<(String, String)>,
}

impl ErrorContext {
    /// An error context with no HTTP details and no plugin versions.
    pub fn new(class: ErrorClass, message: impl Into<String>) -> Self {
        Self {
            class,
            message: message.into(),
            http_status: None,
            body_excerpt: None,
            plugin_versions: Vec::new(),
        }
    }

    /// Attach the HTTP status and the body, cut to [`BODY_EXCERPT_MAX`] bytes on a char boundary.
    pub fn with_http(mut self, status: u16, body: &str) -> Self {
        self.http_status = Some(status);
        self.body_excerpt = Some(excerpt(body).to_string());
        self
    }
}

/// The longest prefix of `body` that fits in [`BODY_EXCERPT_MAX`] bytes without splitting a char.
pub fn excerpt(body: &str) -> &str {
    if body.len() <= BODY_EXCERPT_MAX {
        return body;
    }
    let mut end = BODY_EXCERPT_MAX;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    &body[..end]
}

/// A record that stopped being retried and waits for an operator (or a replay).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParkedRecord {
    /// Unique id, from the injected [`crate::IdSource`].
    pub id: String,
    /// The flow it belongs to.
    pub flow: String,
    /// The source stream it was read from.
    pub stream: String,
    /// The entity key.
    pub key: String,
    /// The effect's idempotency key; a replay reuses it.
    pub idempotency_key: IdempotencyKey,
    /// The record as read from the source (replay re-runs transforms on it).
    pub record: SyncRecord,
    /// Why it parked.
    pub reason: ParkReason,
    /// The last error.
    pub error: ErrorContext,
    /// Attempts made so far.
    pub attempts: u32,
    /// When it first failed.
    pub first_failed_ms: u64,
    /// When it last failed.
    pub last_failed_ms: u64,
}

impl ParkedRecord {
    /// This record parking while `earlier`, the same effect (same idempotency key), is still
    /// parked: one entry, under the earlier id and first failure, with the attempts added up and
    /// the newest payload, reason and error. Stores apply it so a record read again (a re-read
    /// of an open second, a full sync after an incremental one) never parks twice.
    pub fn parked_again(self, earlier: &ParkedRecord) -> ParkedRecord {
        ParkedRecord {
            id: earlier.id.clone(),
            attempts: earlier.attempts.saturating_add(self.attempts),
            first_failed_ms: earlier.first_failed_ms.min(self.first_failed_ms),
            ..self
        }
    }
}

/// Which parked records a list, count or replay applies to. Empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayFilter {
    /// Only this record.
    pub id: Option<String>,
    /// Only this flow.
    pub flow: Option<String>,
    /// Only this error class.
    pub class: Option<ErrorClass>,
    /// Only records whose last failure is at or after this time.
    pub since_ms: Option<u64>,
    /// Only records whose last failure is before this time.
    pub until_ms: Option<u64>,
}

impl ReplayFilter {
    /// A filter that matches every record.
    pub fn all() -> Self {
        Self::default()
    }

    /// Whether `record` passes every set field.
    pub fn matches(&self, record: &ParkedRecord) -> bool {
        self.id.as_ref().is_none_or(|id| *id == record.id)
            && self.flow.as_ref().is_none_or(|f| *f == record.flow)
            && self.class.is_none_or(|c| c == record.error.class)
            && self.since_ms.is_none_or(|s| record.last_failed_ms >= s)
            && self.until_ms.is_none_or(|u| record.last_failed_ms < u)
    }
}

/// How long parked records are kept. Age only; never a count cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPolicy {
    /// Records whose last failure is older than this are purged.
    pub max_age_ms: u64,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            max_age_ms: 30 * 24 * 60 * 60 * 1000,
        }
    }
}

impl RetentionPolicy {
    /// The purge cutoff at `now_ms`: records with `last_failed_ms` before it may be removed.
    pub fn cutoff_ms(&self, now_ms: u64) -> u64 {
        now_ms.saturating_sub(self.max_age_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parked(id: &str, flow: &str, class: ErrorClass, at: u64) -> ParkedRecord {
        ParkedRecord {
            id: id.into(),
            flow: flow.into(),
            stream: "s".into(),
            key: "k".into(),
            idempotency_key: IdempotencyKey::from_stored("ik"),
            record: SyncRecord::new("k", "1", serde_json::json!({})),
            reason: ParkReason::Permanent,
            error: ErrorContext::new(class, "boom"),
            attempts: 1,
            first_failed_ms: at,
            last_failed_ms: at,
        }
    }

    #[test]
    fn filter_fields_combine() {
        let r = parked("p1", "f", ErrorClass::Permanent, 100);
        assert!(ReplayFilter::all().matches(&r));
        let f = ReplayFilter {
            flow: Some("f".into()),
            class: Some(ErrorClass::Permanent),
            since_ms: Some(100),
            until_ms: Some(101),
            id: Some("p1".into()),
        };
        assert!(f.matches(&r));
        for bad in [
            ReplayFilter {
                flow: Some("g".into()),
                ..f.clone()
            },
            ReplayFilter {
                class: Some(ErrorClass::Transient),
                ..f.clone()
            },
            ReplayFilter {
                since_ms: Some(101),
                ..f.clone()
            },
            ReplayFilter {
                until_ms: Some(100),
                ..f.clone()
            },
            ReplayFilter {
                id: Some("p2".into()),
                ..f.clone()
            },
        ] {
            assert!(!bad.matches(&r), "{bad:?}");
        }
    }

    #[test]
    fn body_excerpt_is_capped_on_a_char_boundary() {
        let body = "é".repeat(1000); // 2000 bytes
        let e = ErrorContext::new(ErrorClass::Permanent, "x").with_http(422, &body);
        let ex = e.body_excerpt.unwrap();
        assert!(ex.len() <= BODY_EXCERPT_MAX && ex.len() >= BODY_EXCERPT_MAX - 1);
        assert!(body.starts_with(&ex));
    }

    #[test]
    fn retention_defaults_to_thirty_days() {
        let day = 24 * 60 * 60 * 1000;
        assert_eq!(RetentionPolicy::default().cutoff_ms(31 * day), day);
        assert_eq!(RetentionPolicy::default().cutoff_ms(day), 0);
    }
}
