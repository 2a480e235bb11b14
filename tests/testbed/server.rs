//! The testbed's HTTP surface (axum): the data routes the test connectors call and the
//! `/__control` routes tests and out-of-process harnesses use. Handlers lock the state only
//! around the operation, never across an await; the delay fault sleeps after the operation.
//!
//! Deliberately not here: any logic of the source, the target or the faults (their modules), or
//! authentication (the testbed only listens on loopback).

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::Testbed;
use super::faults::FaultUpdate;
use super::source::{DEFAULT_LIMIT, MAX_LIMIT};
use super::target::WriteOutcome;
use super::wire::WriteItem;

/// Every route, on `testbed`.
pub fn router(testbed: Testbed) -> Router {
    Router::new()
        .route("/source/records", get(source_records))
        .route("/target/write", post(target_write))
        .route("/target/records", get(target_records))
        .route("/target/all", get(target_all))
        .route(
            "/__control/faults",
            get(faults).post(set_faults).delete(clear_faults),
        )
        .route("/__control/report", get(report))
        .route("/__control/source/seed", post(seed))
        .route("/__control/source/append", post(append))
        .route("/__control/source/update", post(update))
        .with_state(testbed)
}

#[derive(Deserialize)]
struct PageQuery {
    after: Option<String>,
    limit: Option<usize>,
    keys: Option<String>,
}

fn keys(list: &str) -> Vec<String> {
    list.split(',')
        .filter(|k| !k.is_empty())
        .map(String::from)
        .collect()
}

fn limit(asked: Option<usize>) -> usize {
    match asked.unwrap_or(0) {
        0 => DEFAULT_LIMIT,
        n => n.min(MAX_LIMIT),
    }
}

fn bad_request(message: String) -> Response {
    let body = json!({"error": "bad_request", "message": message});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// Answer `response`, late if the delay fault says so.
async fn late(tb: &Testbed, response: Response) -> Response {
    let delay = tb.with(|s| s.faults.take_delay(&mut s.injected));
    if let Some(ms) = delay {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    response
}

async fn source_records(State(tb): State<Testbed>, Query(q): Query<PageQuery>) -> Response {
    let body = if let Some(list) = &q.keys {
        let records = tb.with(|s| s.source.lookup(&keys(list)));
        json!({"records": records, "next": null, "has_more": false})
    } else {
        let after = match q.after.as_deref().map(str::parse::<u64>) {
            None => 0,
            Some(Ok(after)) => after,
            Some(Err(e)) => return bad_request(format!("after must be a sequence number: {e}")),
        };
        let page = tb.with(|s| {
            let limit = limit(q.limit);
            s.source.page(after, limit, &s.faults, &mut s.injected)
        });
        json!(page)
    };
    late(&tb, Json(body).into_response()).await
}

#[derive(Deserialize)]
struct WriteRequest {
    items: Vec<WriteItem>,
}

async fn target_write(State(tb): State<Testbed>, body: Bytes) -> Response {
    let request: WriteRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return bad_request(format!("body must be {{\"items\": [...]}}: {e}")),
    };
    let outcome = tb.with(|s| {
        s.target
            .write(request.items, &mut s.faults, &mut s.injected)
    });
    let response = match outcome {
        WriteOutcome::Throttled(secs) => {
            let body = json!({
                "error": "throttled",
                "message": format!("too many writes; retry after {secs} s"),
                "retry_after_secs": secs,
            });
            let retry_after = [(header::RETRY_AFTER, secs.to_string())];
            (StatusCode::TOO_MANY_REQUESTS, retry_after, Json(body)).into_response()
        }
        WriteOutcome::Unavailable => {
            let message = "the testbed target is temporarily unavailable";
            let body = json!({"error": "unavailable", "message": message});
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
        WriteOutcome::Results(results) => Json(json!({"results": results})).into_response(),
    };
    late(&tb, response).await
}

async fn target_records(State(tb): State<Testbed>, Query(q): Query<PageQuery>) -> Response {
    let wanted = keys(q.keys.as_deref().unwrap_or(""));
    let records = tb.with(|s| s.target.lookup(&wanted));
    late(&tb, Json(json!({"records": records})).into_response()).await
}

async fn target_all(State(tb): State<Testbed>, Query(q): Query<PageQuery>) -> Response {
    let (records, has_more) = tb.with(|s| s.target.page(q.after.as_deref(), limit(q.limit)));
    let next = records.last().map(|r| r.key.clone());
    let body = json!({"records": records, "next": next, "has_more": has_more});
    late(&tb, Json(body).into_response()).await
}

async fn faults(State(tb): State<Testbed>) -> Response {
    Json(tb.faults()).into_response()
}

async fn set_faults(State(tb): State<Testbed>, Json(update): Json<FaultUpdate>) -> Response {
    Json(tb.set_faults(update)).into_response()
}

async fn clear_faults(State(tb): State<Testbed>) -> Response {
    tb.clear_faults();
    Json(tb.faults()).into_response()
}

async fn report(State(tb): State<Testbed>) -> Response {
    Json(tb.report()).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Count {
    count: usize,
}

async fn seed(State(tb): State<Testbed>, Json(c): Json<Count>) -> Response {
    Json(json!({"keys": tb.seed_source(c.count)})).into_response()
}

async fn append(State(tb): State<Testbed>, Json(c): Json<Count>) -> Response {
    Json(json!({"keys": tb.append(c.count)})).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Update {
    #[serde(default)]
    keys: Vec<String>,
    #[serde(default)]
    oldest: usize,
    available: Option<i64>,
}

async fn update(State(tb): State<Testbed>, Json(u): Json<Update>) -> Response {
    let mut keys = u.keys;
    keys.extend(tb.with(|s| s.source.oldest(u.oldest)));
    match tb.update(&keys, u.available) {
        Ok(records) => Json(json!({"records": records})).into_response(),
        Err(message) => {
            let body = json!({"error": "not_found", "message": message});
            (StatusCode::NOT_FOUND, Json(body)).into_response()
        }
    }
}
