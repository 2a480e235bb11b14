//! The HTTP surface: `POST /admin/api/{version}/graphql.json` (auth, faults, calculated cost and
//! the leaky bucket around the async-graphql executor), the OAuth token endpoint
//! `POST /admin/oauth/access_token`, and a small simulator control API under `/_sim/`.
//!
//! Auth: `X-Shopify-Access-Token` must be a token this shop issued, or the fixed `sandbox` token
//! unless the shop runs with `strict_auth`; otherwise 401 with Shopify's REST-style error body.
//! Throttling: the bucket is charged the requested cost before execution; if it cannot pay, the
//! answer is HTTP 200 (configurable, some clients see 429) with `errors[0].extensions.code =
//! "THROTTLED"` and `actualQueryCost: null`. A requested cost above 1000 is refused with
//! `MAX_COST_EXCEEDED` and charges nothing. Token exchange accepts the authorization-code,
//! client-credentials and token-exchange grants when `client_id`/`client_secret` match and
//! returns a non-expiring offline token (`shpat_…`).
//! Deliberately not here: REST Admin resources, bulk operations, session-token JWT validation.

use std::sync::Arc;

use async_graphql::{EmptySubscription, Schema};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::cost::{CostModel, MAX_SINGLE_QUERY_COST, ThrottleStatus, requested_cost};
use super::mutation::MutationRoot;
use super::query::QueryRoot;
use super::state::{RequestInfo, SimState};
use super::webhooks;

/// The simulator's schema.
pub type ShopSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

struct IdempotentDirective;
impl async_graphql::CustomDirective for IdempotentDirective {}

/// `@idempotent(key:)`: declared so documents validate; resolvers enforce it (see `state.rs`).
#[async_graphql::Directive(location = "Field")]
fn idempotent(key: String) -> impl async_graphql::CustomDirective {
    let _ = key;
    IdempotentDirective
}

/// Build the schema over a shop.
pub fn schema(state: Arc<SimState>) -> ShopSchema {
    Schema::build(QueryRoot, MutationRoot::default(), EmptySubscription)
        .directive(idempotent)
        .data(state)
        .finish()
}

/// Server-wide context for handlers.
#[derive(Clone)]
pub struct App {
    pub state: Arc<SimState>,
    pub schema: ShopSchema,
    pub throttle_status: StatusCode,
    pub client_secret: String,
}

/// The router.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/admin/api/{version}/graphql.json", post(graphql))
        .route("/admin/oauth/access_token", post(token))
        .route("/_sim/webhooks", post(sim_webhook))
        .route("/_sim/activity", post(sim_activity))
        .with_state(app.clone())
        .merge(crate::faults::control_router(app.state.faults.clone()))
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn authorised(state: &SimState, headers: &HeaderMap) -> bool {
    let Some(token) = headers
        .get("x-shopify-access-token")
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    (token == "sandbox" && !state.settings.strict_auth)
        || state
            .tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(token)
}

async fn graphql(
    State(app): State<App>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let state = &app.state;
    let latency = state.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if !authorised(state, &headers) {
        return json_response(
            StatusCode::UNAUTHORIZED,
            json!({"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}),
        );
    }
    if state.faults.error_5xx() {
        return json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"errors": "Service Unavailable (simulated fault)"}),
        );
    }
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(_) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                json!({"errors": {"query": "Required parameter missing or invalid"}}),
            );
        }
    };
    let now = state.now();
    if state.faults.throttle().is_some() {
        state.bucket().drain(now);
    }
    let priced = requested_cost(
        &request.query,
        &request.variables,
        request.operation_name.as_deref(),
    );
    let requested = priced.as_ref().map_or(0, |p| p.0);
    if requested > MAX_SINGLE_QUERY_COST {
        let status = real_time(state.bucket().status(now), state);
        return json_response(
            StatusCode::OK,
            json!({
                "errors": [{"message": format!("Query cost is {requested}, which exceeds the single query max cost limit ({MAX_SINGLE_QUERY_COST})."), "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": MAX_SINGLE_QUERY_COST}}],
                "extensions": {"cost": {"requestedQueryCost": requested, "actualQueryCost": null, "throttleStatus": status}},
            }),
        );
    }
    let charged = state.bucket().try_charge(requested, now);
    if !charged {
        let status = real_time(state.bucket().status(now), state);
        return json_response(
            app.throttle_status,
            json!({
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": {"cost": {"requestedQueryCost": requested, "actualQueryCost": null, "throttleStatus": status}},
            }),
        );
    }
    let (vars, op) = (request.variables.clone(), request.operation_name.clone());
    let response = app
        .schema
        .execute(request.data(RequestInfo {
            api_version: version,
        }))
        .await;
    let mut out = serde_json::to_value(&response).unwrap_or_else(|_| json!({}));
    let data = out.get("data").cloned().unwrap_or(Value::Null);
    let actual = match &priced {
        Some((_, doc)) if !data.is_null() => CostModel::new(doc, &vars)
            .actual(op.as_deref(), &data)
            .min(requested),
        _ => 0,
    };
    let now = state.now();
    let status = {
        let mut bucket = state.bucket();
        bucket.refund(requested - actual);
        real_time(bucket.status(now), state)
    };
    if let Value::Object(map) = &mut out {
        let ext = map.entry("extensions").or_insert_with(|| json!({}));
        ext["cost"] = json!({"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": status});
    }
    json_response(StatusCode::OK, out)
}

fn form_or_json(headers: &HeaderMap, body: &[u8]) -> Option<serde_json::Map<String, Value>> {
    let is_form = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return serde_json::from_slice(body).ok();
    }
    Some(
        url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect(),
    )
}

async fn token(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let bad = |error: &str, description: &str| {
        json_response(
            StatusCode::BAD_REQUEST,
            json!({"error": error, "error_description": description}),
        )
    };
    let Some(params) = form_or_json(&headers, &body) else {
        return bad("invalid_request", "the body must be JSON or form-encoded");
    };
    let p = |k: &str| params.get(k).and_then(Value::as_str).unwrap_or("");
    if p("client_id") != app.state.settings.client_id || p("client_secret") != app.client_secret {
        return json_response(
            StatusCode::UNAUTHORIZED,
            json!({"error": "invalid_client", "error_description": "client authentication failed"}),
        );
    }
    let grant_ok = match p("grant_type") {
        "" | "authorization_code" => !p("code").is_empty(),
        "client_credentials" => true,
        "urn:ietf:params:oauth:grant-type:token-exchange" => !p("subject_token").is_empty(),
        _ => false,
    };
    if !grant_ok {
        return bad("invalid_grant", "the grant is missing or not supported");
    }
    let token = app.state.issue_token();
    json_response(
        StatusCode::OK,
        json!({"access_token": token, "scope": SCOPES}),
    )
}

/// The scopes every issued token carries.
pub const SCOPES: &str = "read_products,write_products,read_inventory,write_inventory,read_orders,write_orders,read_fulfillments,write_fulfillments,read_customers,write_customers,read_shopify_payments_payouts,read_locations";

async fn sim_webhook(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorised(&app.state, &headers) {
        return json_response(
            StatusCode::UNAUTHORIZED,
            json!({"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}),
        );
    }
    let params = form_or_json(&headers, &body).unwrap_or_default();
    let (topic, address) = (
        params.get("topic").and_then(Value::as_str),
        params.get("address").and_then(Value::as_str),
    );
    match (
        topic.and_then(super::payments::WebhookSubscriptionTopic::from_rest),
        address,
    ) {
        (Some(t), Some(url)) => {
            let sub = app
                .state
                .mutate(|s, now| webhooks::subscribe(s, t.rest(), url, now));
            json_response(
                StatusCode::CREATED,
                json!({"webhook": {"id": sub.id, "topic": sub.topic, "address": sub.callback_url}}),
            )
        }
        _ => json_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": {"topic": ["must be a supported topic"], "address": ["is required"]}}),
        ),
    }
}

async fn sim_activity(State(app): State<App>, body: Bytes) -> Response {
    let n = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("n").and_then(Value::as_u64))
        .unwrap_or(1);
    let orders = super::activity::tick(&app.state, n.min(1000) as usize);
    json_response(StatusCode::OK, json!({"orders_created": orders.len()}))
}

/// The bucket's status as a client sees it: the simulator's clock may run faster than real
/// time, so the restore rate is reported per real second (the bucket is the same size), and a
/// client that paces itself by `throttleStatus` uses the scaled limit fully.
fn real_time(mut status: ThrottleStatus, state: &SimState) -> ThrottleStatus {
    status.restore_rate *= state.clock.scale();
    status
}
