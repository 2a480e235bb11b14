//! Journal: a bookkeeping journal of payouts kept in Weft's own plugin storage (kv), for
//! retailers whose accounting system has no connector yet. A flow from a payment platform's
//! `payouts` stream into this connector leaves one summary entry per payout that finance can
//! read back, reconcile against the platform, and later move to their accounting system.
//!
//! One stream, `payouts` (entity kind `payout`; readable, writable, lookup); no connections.
//!
//! - `write-batch` ([`write`]): each payout becomes ONE entry under
//!   `journal:<source-system>:<source-id>`, JSON with the shape of [`entry::Entry`]:
//!   `{"payout", "system", "date", "currency", "gross_sales", "refunds", "adjustments", "fees",
//!   "net", "lines", "written_at"}`, money in integer minor units. A payout is journaled only if
//!   `gross_sales - refunds + adjustments - fees == net` to the cent (the Shopify connector's
//!   sign conventions, see [`entry`]); one that does not balance fails permanently, naming the
//!   payout, the sum, the net and the difference, so it parks for finance. Writes are
//!   idempotent (same content answers the same target id and version) and keep the index
//!   `journal:index` (a JSON list of entry keys, appended). Deletes remove the entry.
//! - `read-page` ([`read`]): entries in index order, cursor = position; each as a `payout` with
//!   `meta.source-system` "journal", `source-id` the payout id, version `{written_at}#{hash}`,
//!   `weft.key` = `payout:<system>:<id>` so it keys like the payout it summarises, and one line
//!   per kind (charge = gross sales carrying the fees, refund = minus refunds, adjustment).
//! - `lookup-records`: keys `payout:<system>:<id>` as the engine builds them
//!   (`host/runtime/src/flow/key.rs`), and the target ids `journal:<system>:<id>`.
//!
//! Deliberately not here: webhooks and timers (both refused with an error), per-order or
//! per-line postings (one summary line per payout only), charts of accounts, tax, currency
//! conversion (an entry holds one currency; a mixed-currency payout is refused), editing or
//! balancing entries (an unbalanced payout is never "fixed" here), and compaction of the index
//! (it grows by one key per new or changed payout).

pub mod entry;
pub mod read;
pub mod store;
pub mod write;

use weft_sdk::connector::{
    CallError, ChangeEvent, ConnectorInfo, ErrorClass, Failure, Page, StreamInfo, WriteItem,
    Written, failure,
};
use weft_sdk::model::Entity;

use crate::store::Kv;

/// The one stream.
pub const STREAM: &str = "payouts";

/// What `describe` answers.
pub fn info() -> ConnectorInfo {
    ConnectorInfo {
        platform: "journal".into(),
        streams: vec![StreamInfo {
            name: STREAM.into(),
            entity_kind: "payout".into(),
            readable: true,
            writable: true,
            lookup: true,
        }],
        connections: Vec::new(),
    }
}

/// Refuse streams other than [`STREAM`].
pub fn check_stream(stream: &str) -> Result<(), CallError> {
    if stream == STREAM {
        return Ok(());
    }
    Err(CallError::UnknownStream(format!(
        "the journal has only the stream {STREAM:?}, not {stream:?}"
    )))
}

/// The refusal of calls the journal does not serve.
pub fn refuse(what: &str) -> CallError {
    CallError::Failed(failure(
        ErrorClass::Permanent,
        format!("the journal {what}; it only reads, writes and looks up the {STREAM:?} stream"),
    ))
}

/// The connector.
pub struct Journal;

impl weft_sdk::connector::Connector for Journal {
    fn describe() -> ConnectorInfo {
        info()
    }

    fn read_page(stream: String, cursor: Option<String>, limit: u32) -> Result<Page, CallError> {
        check_stream(&stream)?;
        read::page(&Kv, cursor.as_deref(), limit)
    }

    fn write_batch(
        stream: String,
        items: Vec<WriteItem>,
    ) -> Result<Vec<Result<Written, Failure>>, CallError> {
        check_stream(&stream)?;
        Ok(write::write(&Kv, &items, weft_sdk::clock::now_ms()))
    }

    fn lookup_records(stream: String, keys: Vec<String>) -> Result<Vec<Entity>, CallError> {
        check_stream(&stream)?;
        read::lookup(&Kv, &keys).map_err(CallError::Failed)
    }

    fn handle_webhook(
        topic: String,
        _headers: Vec<(String, String)>,
        _body: Vec<u8>,
    ) -> Result<Vec<ChangeEvent>, CallError> {
        Err(refuse(&format!(
            "receives no webhooks (got topic {topic:?})"
        )))
    }

    fn on_timer(name: String, _payload: Vec<u8>) -> Result<(), CallError> {
        Err(refuse(&format!("sets no timers (got timer {name:?})")))
    }
}

#[cfg(target_arch = "wasm32")]
weft_sdk::export_connector!(Journal);

#[cfg(test)]
mod tests;
