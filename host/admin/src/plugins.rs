//! Plugin deployments: list them with their version history and quarantine, push a new
//! component version (hot swap through `PluginHost::deploy`, which validates and smoke-calls it
//! before anything changes), roll back one version, and release a quarantine.
//!
//! A refused component answers 422 with the reasons and leaves the running version alone. When
//! the state has a [`PushedVersions`](weft_runtime::pushed::PushedVersions) directory, every push
//! and rollback is saved there so a restarted host runs the same version; the answer's
//! `persisted` says whether that worked.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use weft_engine::{DeploymentKey, PluginId};
use weft_runtime::Quarantined;

use crate::AdminState;
use crate::error::ApiError;

/// One deployment in `GET /api/plugins`.
#[derive(Serialize)]
struct DeploymentView {
    tenant: String,
    deployment: String,
    current: PluginId,
    /// Every version still available for rollback, oldest first; the last is current.
    versions: Vec<PluginId>,
    /// Set when the deployment is out of service after repeated traps.
    quarantined: Option<Quarantined>,
}

/// `GET /api/plugins`.
pub(crate) async fn list(State(state): State<AdminState>) -> Result<Response, ApiError> {
    let mut out = Vec::new();
    let quarantined = state.host.quarantined();
    for (key, current) in state.host.deployments() {
        out.push(DeploymentView {
            quarantined: quarantined.iter().find(|q| q.key == key).cloned(),
            versions: state.host.versions(&key)?,
            tenant: key.tenant,
            deployment: key.deployment,
            current,
        });
    }
    Ok(Json(json!({"deployments": out})).into_response())
}

fn key(path: Result<Path<(String, String)>, PathRejection>) -> Result<DeploymentKey, ApiError> {
    let Path((tenant, deployment)) = path.map_err(|e| ApiError::bad_request(e.body_text()))?;
    Ok(DeploymentKey::new(tenant, deployment))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PushQuery {
    /// Version label; defaults to `sha256-` and the first 12 hex digits of the component.
    version: Option<String>,
    /// Plugin name; defaults to the deployment's current plugin, else the deployment name.
    name: Option<String>,
}

/// `POST /api/plugins/{tenant}/{deployment}?version=V&name=N` with the component as the body.
pub(crate) async fn push(
    State(state): State<AdminState>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<PushQuery>, QueryRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = key(path)?;
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    if body.is_empty() {
        return Err(ApiError::bad_request(
            "send the component (.wasm) bytes as the request body",
        ));
    }
    let version = match q.version {
        Some(v) if v.trim().is_empty() => {
            return Err(ApiError::bad_request("version must not be empty"));
        }
        Some(v) => v,
        None => format!("sha256-{}", &hex::encode(Sha256::digest(&body))[..12]),
    };
    let name = q.name.unwrap_or_else(|| {
        state
            .host
            .current(&key)
            .map(|p| p.name)
            .unwrap_or_else(|_| key.deployment.clone())
    });
    let id = PluginId::new(name, version);
    match state.host.deploy(&key, id.clone(), &body).await {
        Ok(previous) => {
            tracing::info!(deployment = %key, plugin = %id, previous = ?previous.as_ref().map(ToString::to_string), bytes = body.len(), "admin: plugin pushed");
            let persisted = persist(&state, &key, Some((&id, &body)));
            Ok(Json(json!({
                "deployment": key.to_string(),
                "previous": previous,
                "current": state.host.current(&key)?,
                "versions": state.host.versions(&key)?,
                "persisted": persisted,
            }))
            .into_response())
        }
        Err(e) => {
            tracing::warn!(deployment = %key, plugin = %id, error = %e, "admin: plugin push refused");
            Err(e.into())
        }
    }
}

/// `POST /api/plugins/{tenant}/{deployment}/release`: put a quarantined deployment back in
/// service as it is. Releasing one that is in service changes nothing (`released` is null).
pub(crate) async fn release(
    State(state): State<AdminState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let key = key(path)?;
    state.host.current(&key)?;
    let lifted = state.host.release(&key);
    if let Some(q) = &lifted {
        tracing::info!(deployment = %key, plugin = %q.plugin, "admin: quarantine released");
    }
    Ok(Json(json!({"deployment": key.to_string(), "released": lifted})).into_response())
}

/// `POST /api/plugins/{tenant}/{deployment}/rollback`.
pub(crate) async fn rollback(
    State(state): State<AdminState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let key = key(path)?;
    let current = state.host.rollback(&key)?;
    tracing::info!(deployment = %key, plugin = %current, "admin: plugin rolled back");
    let persisted = persist(&state, &key, None);
    Ok(Json(json!({
        "deployment": key.to_string(),
        "current": current,
        "versions": state.host.versions(&key)?,
        "persisted": persisted,
    }))
    .into_response())
}

/// Save `key`'s version stack for the next start; false (and an error in the log) when it could
/// not be saved or nothing is kept.
fn persist(state: &AdminState, key: &DeploymentKey, pushed: Option<(&PluginId, &[u8])>) -> bool {
    let Some(store) = &state.pushed else {
        return false;
    };
    match store.save(&state.host, key, pushed) {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(deployment = %key, error = %e, "admin: the new version runs but was not saved; a restart would run the previous one");
            false
        }
    }
}
