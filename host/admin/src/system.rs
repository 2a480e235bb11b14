//! Health, readiness, `/metrics`, the OpenAPI document and the JSON 404.
//!
//! `/metrics` refreshes two gauges per flow from the store before rendering (lag since the last
//! successful run, parked records now), so a scrape sees the present rather than the last run's
//! view. It does not add metrics of its own beyond those gauges: counting is the runtime's
//! telemetry's job.

use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::AdminState;
use crate::error::ApiError;
use crate::flows::flow_views;

/// `GET /api/health`: the process answers.
pub(crate) async fn health() -> Json<Value> {
    Json(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
}

/// `GET /api/ready`: started, and the store answers.
pub(crate) async fn ready(State(state): State<AdminState>) -> Response {
    if !state.ready.load(Ordering::SeqCst) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"ready": false, "reason": "the host is still starting"})),
        )
            .into_response();
    }
    match state.flows.statuses() {
        Ok(flows) => Json(json!({
            "ready": true,
            "flows": flows.len(),
            "deployments": state.host.deployments().len(),
        }))
        .into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"ready": false, "reason": format!("flow status unreadable: {e}")})),
        )
            .into_response(),
    }
}

/// `GET /metrics`: Prometheus text exposition format.
pub(crate) async fn metrics(State(state): State<AdminState>) -> Result<Response, ApiError> {
    let telemetry = &state.flows.ctx().telemetry;
    for view in flow_views(&state.flows)? {
        let labels = format!("flow=\"{}\"", view.status.id);
        if let Some(lag) = view.lag_seconds {
            telemetry.gauge("weft_flow_lag_seconds", labels.clone(), lag);
        }
        telemetry.gauge(
            "weft_flow_parked_records",
            labels,
            view.status.parked as f64,
        );
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        telemetry.render_prometheus(),
    )
        .into_response())
}

/// `GET /api/openapi.json`.
pub(crate) async fn openapi_json() -> Json<Value> {
    Json(crate::openapi())
}

/// Any other path.
pub(crate) async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!(
        "no route {}; GET /api/openapi.json lists them",
        uri.path()
    ))
}
