//! Health, readiness, `/metrics`, the OpenAPI document and the JSON 404.
//!
//! `/metrics` refreshes two gauges per flow from the store before rendering (lag since the last
//! successful run, parked records now) and one per deployment (quarantined or not), so a scrape
//! sees the present rather than the last run's view, and appends each connection's HTTP
//! counters (responses by status, rate-limit waits and their time, retries) as the connection
//! counted them. It counts nothing itself: that is the runtime's telemetry's and the
//! connections' job.

use std::fmt::Write as _;
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
    let quarantined = state.host.quarantined();
    for (key, _) in state.host.deployments() {
        let out = quarantined.iter().any(|q| q.key == key);
        telemetry.gauge(
            "weft_plugin_quarantined",
            format!(
                "tenant=\"{}\",deployment=\"{}\"",
                esc(&key.tenant),
                esc(&key.deployment)
            ),
            if out { 1.0 } else { 0.0 },
        );
    }
    let mut text = telemetry.render_prometheus();
    text.push_str(&connection_metrics(&state));
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

fn esc(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Reads one counter of a connection.
type StatOf = fn(&weft_cap_http::ConnectionStats) -> f64;

/// Each connection's HTTP counters in Prometheus text.
fn connection_metrics(state: &AdminState) -> String {
    let connections = state.host.connections();
    let mut out = String::new();
    if connections.is_empty() {
        return out;
    }
    let label = |tenant: &str, name: &str| {
        format!("tenant=\"{}\",connection=\"{}\"", esc(tenant), esc(name))
    };
    let _ = writeln!(out, "# TYPE weft_http_responses_total counter");
    for (tenant, c) in &connections {
        let statuses = c.stats.statuses.lock().expect("stats lock").clone();
        for (status, n) in statuses {
            let l = label(tenant, &c.name);
            let _ = writeln!(
                out,
                "weft_http_responses_total{{{l},status=\"{status}\"}} {n}"
            );
        }
    }
    let series: [(&str, StatOf); 3] = [
        ("weft_http_rate_limit_waits_total", |s| {
            s.rate_limit_waits.load(Ordering::Relaxed) as f64
        }),
        ("weft_http_rate_limit_wait_seconds_total", |s| {
            s.rate_limit_wait_ms.load(Ordering::Relaxed) as f64 / 1000.0
        }),
        ("weft_http_retries_total", |s| {
            s.retries.load(Ordering::Relaxed) as f64
        }),
    ];
    for (metric, value) in series {
        let _ = writeln!(out, "# TYPE {metric} counter");
        for (tenant, c) in &connections {
            let l = label(tenant, &c.name);
            let _ = writeln!(out, "{metric}{{{l}}} {}", value(&c.stats));
        }
    }
    out
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
