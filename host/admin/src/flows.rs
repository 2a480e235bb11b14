//! Flow routes: status with lag and counters, a manual run, reconciliation, the latest drift
//! report. They call the same runtime functions as `weft flows`, `weft run --once` and `weft
//! reconcile`.
//!
//! A manual run waits for a run in progress to finish (the runtime serialises runs of a flow);
//! `?wait=false` starts it in the background instead. Nothing here schedules runs.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use weft_runtime::flow::{Flow, FlowStatus, Flows, Reconciliation, RunMode, drift_key};

use crate::AdminState;
use crate::error::ApiError;

/// What `GET /api/flows` shows per flow.
#[derive(Debug, Serialize)]
pub(crate) struct FlowView {
    #[serde(flatten)]
    pub status: FlowStatus,
    /// Seconds since the last successful run; `null` before the first.
    pub lag_seconds: Option<f64>,
    /// Keys that differed at the latest reconciliation; `null` before the first.
    pub drift: Option<u64>,
    /// Counters since this process started (the totals in `totals` survive restarts).
    pub since_start: Counters,
    /// Why each quarantined deployment of the flow is out of service; empty when none is.
    pub quarantined: Vec<String>,
}

/// Telemetry counters of one flow.
#[derive(Debug, Serialize)]
pub(crate) struct Counters {
    read: u64,
    written: u64,
    duplicates: u64,
    dropped: u64,
    parked: u64,
    waiting: u64,
    retries: u64,
    replayed: u64,
    healed: u64,
    run_failures: u64,
}

/// Every flow's view, by id.
pub(crate) fn flow_views(flows: &Flows) -> Result<Vec<FlowView>, ApiError> {
    let ctx = flows.ctx();
    let now = ctx.clock.now_ms();
    let t = &ctx.telemetry;
    let mut views = Vec::new();
    for status in flows.statuses()? {
        let id = status.id.as_str();
        let c = |metric: &str| t.flow_counter(metric, id);
        let since_start = Counters {
            read: c("weft_records_read_total"),
            written: c("weft_records_written_total"),
            duplicates: c("weft_records_duplicate_total"),
            dropped: c("weft_records_dropped_total"),
            parked: c("weft_records_parked_total"),
            waiting: c("weft_records_waiting_total"),
            retries: c("weft_retries_total"),
            replayed: c("weft_records_replayed_total"),
            healed: c("weft_records_healed_total"),
            run_failures: c("weft_flow_run_failures_total"),
        };
        let drift = latest_drift(flows, id)?.map(|r| drifted_keys(&r));
        let quarantined = flows.flow(id).map(|f| f.quarantined()).unwrap_or_default();
        views.push(FlowView {
            quarantined,
            lag_seconds: status
                .last_success_ms
                .map(|t| now.saturating_sub(t) as f64 / 1000.0),
            drift,
            since_start,
            status,
        });
    }
    Ok(views)
}

/// The stored report of a flow's latest reconciliation.
pub(crate) fn latest_drift(flows: &Flows, flow: &str) -> Result<Option<Reconciliation>, ApiError> {
    let stored = flows.ctx().store.meta_get(&drift_key(flow))?;
    Ok(stored.and_then(|v| serde_json::from_value(v).ok()))
}

/// Keys missing on either side or with differing owned fields.
pub(crate) fn drifted_keys(r: &Reconciliation) -> u64 {
    let counts = &r.report["counts"];
    ["missing_in_target", "missing_in_source", "different"]
        .iter()
        .filter_map(|k| counts[k].as_u64())
        .sum()
}

/// `GET /api/flows`.
pub(crate) async fn list(State(state): State<AdminState>) -> Result<Response, ApiError> {
    let now_ms = state.flows.ctx().clock.now_ms();
    Ok(Json(json!({"now_ms": now_ms, "flows": flow_views(&state.flows)?})).into_response())
}

/// The flow named by `{tenant}/{name}`, or 404.
fn resolve(
    state: &AdminState,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(String, Flow), ApiError> {
    let Path((tenant, name)) = path.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let id = format!("{tenant}/{name}");
    let flow = state.flows.flow(&id).ok_or_else(|| {
        ApiError::not_found(format!("no flow named {id}; GET /api/flows lists them"))
    })?;
    Ok((id, flow))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RunQuery {
    mode: Option<String>,
    wait: Option<bool>,
}

/// `POST /api/flows/{tenant}/{name}/run?mode=incremental|full&wait=true|false`.
pub(crate) async fn run(
    State(state): State<AdminState>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<RunQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (id, _) = resolve(&state, path)?;
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let mode = match q.mode.as_deref() {
        None | Some("incremental") => RunMode::Incremental,
        Some("full") => RunMode::Full,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "mode {other:?} is not a run mode; use incremental or full"
            )));
        }
    };
    tracing::info!(flow = %id, ?mode, "admin: manual run");
    if q.wait == Some(false) {
        let flows = state.flows.clone();
        let flow = id.clone();
        tokio::spawn(async move {
            if let Err(e) = flows.run(&flow, mode).await {
                tracing::warn!(flow = %flow, error = %e, "manual run failed");
            }
        });
        return Ok((
            StatusCode::ACCEPTED,
            Json(json!({"flow": id, "started": true})),
        )
            .into_response());
    }
    let report = state.flows.run(&id, mode).await?;
    Ok(Json(json!({"flow": id, "report": report})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReconcileQuery {
    #[serde(default)]
    heal: bool,
}

/// `POST /api/flows/{tenant}/{name}/reconcile?heal=true|false`.
pub(crate) async fn reconcile(
    State(state): State<AdminState>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<ReconcileQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (id, _) = resolve(&state, path)?;
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    tracing::info!(flow = %id, heal = q.heal, "admin: reconciliation");
    let (rec, report) = state.flows.reconcile(&id, q.heal).await?;
    Ok(Json(json!({"clean": report.is_clean(), "reconciliation": rec})).into_response())
}

/// `GET /api/flows/{tenant}/{name}/drift`: the latest stored report.
pub(crate) async fn drift(
    State(state): State<AdminState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (id, _) = resolve(&state, path)?;
    let rec = latest_drift(&state.flows, &id)?.ok_or_else(|| {
        ApiError::not_found(format!(
            "flow {id} has not been reconciled yet; POST /api/flows/{id}/reconcile"
        ))
    })?;
    Ok(Json(json!({"drifted_keys": drifted_keys(&rec), "reconciliation": rec})).into_response())
}
