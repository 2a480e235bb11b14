//! The admin HTTP API of a running Weft host, for operators and their tools (`weft plugin
//! push/list/rollback`, Prometheus, the dashboard): flows with state and lag, the parked queue,
//! replay, reconciliation and drift reports, plugin versions with hot swap and rollback, health,
//! readiness, `/metrics`, and an OpenAPI description of all of it. Every route, health and
//! metrics included, is behind one bearer token compared in constant time. The dashboard page
//! (`/dashboard`, plain HTML and JavaScript embedded from `assets/`) reads the same JSON; a
//! browser signs in once with the token and then carries a session cookie derived from it.
//!
//! It is a thin layer over `weft-runtime`: each route calls the same runtime function the CLI
//! verbs call, so the API and `weft parked/replay/reconcile` cannot disagree. It deliberately
//! does not parse configuration, start or stop flows, or keep state of its own (the [`alerts`]
//! de-duplication aside); the caller builds the host and hands it over in [`AdminState`].

pub mod alerts;
mod auth;
mod dashboard;
mod error;
mod flows;
mod openapi;
mod parked;
mod plugins;
mod server;
mod system;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use axum::Router;
use axum::routing::{MethodRouter, get, post};
use weft_runtime::PluginHost;
use weft_runtime::flow::Flows;
use weft_runtime::pushed::PushedVersions;

pub use error::AdminError;
pub use openapi::openapi;
pub use server::{AdminHandle, serve};

/// Largest component a push accepts, in bytes, unless [`AdminState::max_component_bytes`] says
/// otherwise.
pub const DEFAULT_MAX_COMPONENT_BYTES: usize = 64 * 1024 * 1024;

/// What the API serves: the host's flows and plugins, and the token that guards them.
#[derive(Clone)]
pub struct AdminState {
    /// The flows (status, runs, parked queue, replay, reconciliation, telemetry).
    pub flows: Arc<Flows>,
    /// The plugin deployments (versions, hot swap, rollback).
    pub host: Arc<PluginHost>,
    /// The bearer token every request must carry. Never logged or echoed.
    pub token: String,
    /// Whether the host finished starting; `/api/ready` answers 503 until it is set.
    pub ready: Arc<AtomicBool>,
    /// Largest component body `POST /api/plugins/...` accepts.
    pub max_component_bytes: usize,
    /// Where pushed versions are kept so a restart runs them again; `None` keeps them in memory
    /// only.
    pub pushed: Option<Arc<PushedVersions>>,
}

impl AdminState {
    /// State for `flows` and `host` guarded by `token`, ready at once.
    pub fn new(flows: Arc<Flows>, host: Arc<PluginHost>, token: impl Into<String>) -> Self {
        AdminState {
            flows,
            host,
            token: token.into(),
            ready: Arc::new(AtomicBool::new(true)),
            max_component_bytes: DEFAULT_MAX_COMPONENT_BYTES,
            pushed: None,
        }
    }
}

/// One served route: its method and its path in axum's `{param}` syntax (the same spelling the
/// OpenAPI document uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// E.g. `/api/parked/{id}`.
    pub path: &'static str,
}

/// The route table: the router is built from it, and [`served_routes`] lists it, so the OpenAPI
/// test checks what is really served.
fn table(max_component_bytes: usize) -> Vec<(Route, MethodRouter<AdminState>)> {
    let r = |method, path| Route { method, path };
    let push_limit = axum::extract::DefaultBodyLimit::max(max_component_bytes);
    vec![
        (r("GET", "/api/health"), get(system::health)),
        (r("GET", "/api/ready"), get(system::ready)),
        (r("GET", "/metrics"), get(system::metrics)),
        (r("GET", "/api/openapi.json"), get(system::openapi_json)),
        (r("GET", "/api/flows"), get(flows::list)),
        (
            r("POST", "/api/flows/{tenant}/{name}/run"),
            post(flows::run),
        ),
        (
            r("POST", "/api/flows/{tenant}/{name}/reconcile"),
            post(flows::reconcile),
        ),
        (
            r("GET", "/api/flows/{tenant}/{name}/drift"),
            get(flows::drift),
        ),
        (r("GET", "/api/parked"), get(parked::list)),
        (r("GET", "/api/parked/{id}"), get(parked::one)),
        (r("POST", "/api/replay"), post(parked::replay)),
        (r("GET", "/api/plugins"), get(plugins::list)),
        (
            r("POST", "/api/plugins/{tenant}/{deployment}"),
            post(plugins::push).layer(push_limit),
        ),
        (
            r("POST", "/api/plugins/{tenant}/{deployment}/rollback"),
            post(plugins::rollback),
        ),
        (
            r("POST", "/api/plugins/{tenant}/{deployment}/release"),
            post(plugins::release),
        ),
        (r("GET", "/"), get(dashboard::root)),
        (r("GET", "/dashboard"), get(dashboard::page)),
        (r("GET", "/dashboard/app.js"), get(dashboard::script)),
        (r("GET", "/dashboard/app.css"), get(dashboard::style)),
        (r("POST", "/dashboard/login"), post(dashboard::login)),
        (r("POST", "/dashboard/logout"), post(dashboard::logout)),
    ]
}

/// Every route the API serves.
pub fn served_routes() -> Vec<Route> {
    table(0).into_iter().map(|(route, _)| route).collect()
}

/// The API as an axum router (every route and the fallback behind the token).
pub fn router(state: AdminState) -> Router {
    let mut router = Router::new();
    for (route, handler) in table(state.max_component_bytes) {
        router = router.route(route.path, handler);
    }
    router
        .fallback(system::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .with_state(state)
}
