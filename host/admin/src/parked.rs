//! The parked queue: list with filters and paging, inspect one record, replay one, a filter or
//! all. Replay goes through `Flows::replay`, the call `weft replay` makes: current plugin
//! versions, original idempotency keys.
//!
//! Paging is by record id (`cursor` = the last id of the previous page), so records parked or
//! replayed between pages neither repeat nor shift the rest. It does not delete records.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use weft_sync::{ErrorClass, ReplayFilter};

use crate::AdminState;
use crate::error::ApiError;

/// Records per page unless `limit` says otherwise.
const DEFAULT_LIMIT: usize = 50;
/// The largest page.
const MAX_LIMIT: usize = 500;

fn class(name: Option<&str>) -> Result<Option<ErrorClass>, ApiError> {
    name.map(|c| c.parse().map_err(|e| ApiError::bad_request(format!("{e}"))))
        .transpose()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    flow: Option<String>,
    class: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
}

/// `GET /api/parked?flow=&class=&limit=&cursor=`.
pub(crate) async fn list(
    State(state): State<AdminState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::bad_request(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    let filter = ReplayFilter {
        flow: q.flow,
        class: class(q.class.as_deref())?,
        ..ReplayFilter::default()
    };
    let store = &state.flows.ctx().store;
    let mut records = store.parked_list(&filter, q.cursor.as_deref(), limit + 1)?;
    let more = records.len() > limit;
    records.truncate(limit);
    let next_cursor = more.then(|| records.last().map(|r| r.id.clone())).flatten();
    let total = store.parked_count(&filter)?;
    Ok(
        Json(json!({"total": total, "records": records, "next_cursor": next_cursor}))
            .into_response(),
    )
}

/// `GET /api/parked/{id}`.
pub(crate) async fn one(
    State(state): State<AdminState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(id) = path.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let record = state.flows.ctx().store.parked_get(&id)?.ok_or_else(|| {
        ApiError::not_found(format!(
            "no parked record {id}; it may have been replayed or purged"
        ))
    })?;
    Ok(Json(record).into_response())
}

/// The body of `POST /api/replay`: exactly one of `id`, `flow` (optionally with `class`) and
/// `all: true`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayRequest {
    id: Option<String>,
    flow: Option<String>,
    class: Option<String>,
    #[serde(default)]
    all: bool,
}

const REPLAY_SHAPES: &str =
    "send {\"id\": ID}, {\"flow\": \"tenant/name\", \"class\": C (optional)} or {\"all\": true}";

impl ReplayRequest {
    fn filter(self) -> Result<ReplayFilter, ApiError> {
        let chosen = [self.id.is_some(), self.flow.is_some(), self.all];
        if chosen.iter().filter(|c| **c).count() != 1 {
            return Err(ApiError::bad_request(format!(
                "say what to replay: {REPLAY_SHAPES}"
            )));
        }
        if self.class.is_some() && self.flow.is_none() {
            return Err(ApiError::bad_request("class goes with flow"));
        }
        Ok(ReplayFilter {
            class: class(self.class.as_deref())?,
            id: self.id,
            flow: self.flow,
            ..ReplayFilter::default()
        })
    }
}

/// `POST /api/replay`.
pub(crate) async fn replay(
    State(state): State<AdminState>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: ReplayRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("bad replay request ({e}); {REPLAY_SHAPES}")))?;
    let filter = request.filter()?;
    if let Some(id) = &filter.id
        && state.flows.ctx().store.parked_get(id)?.is_none()
    {
        return Err(ApiError::not_found(format!("no parked record {id}")));
    }
    tracing::info!(filter = ?filter, "admin: replay");
    let report = state.flows.replay(&filter).await?;
    Ok(Json(report).into_response())
}
