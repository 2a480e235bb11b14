//! Errors: [`AdminError`] for starting and stopping the server, and `ApiError`, the JSON body
//! every failed request gets (`{"error": "...", "reasons": [...]}`) with a status that says
//! whose fault it was. Mapping runtime errors to statuses happens here and nowhere else.
//!
//! It does not log: handlers decide what is worth a log line.

use std::net::SocketAddr;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use weft_engine::{PluginError, RegistryError};
use weft_runtime::RuntimeError;
use weft_runtime::flow::FlowError;

/// Why the admin server could not start or stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The listen address is taken or not ours.
    #[error("admin API cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// An empty token would let anyone in.
    #[error("the admin token is empty; set it to a long random secret")]
    EmptyToken,
    /// The server stopped with an error.
    #[error("admin API stopped: {0}")]
    Serve(#[source] std::io::Error),
}

/// A failed request: status, message, and for refused components the reasons.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub reasons: Vec<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            reasons: Vec::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.message });
        if !self.reasons.is_empty() {
            body["reasons"] = json!(self.reasons);
        }
        (self.status, Json(body)).into_response()
    }
}

impl From<FlowError> for ApiError {
    fn from(e: FlowError) -> Self {
        let status = match &e {
            FlowError::Unknown(_) => StatusCode::NOT_FOUND,
            FlowError::Read { .. } => StatusCode::BAD_GATEWAY,
            FlowError::Quarantined(_) => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, e.to_string())
    }
}

impl From<weft_store::StoreError> for ApiError {
    fn from(e: weft_store::StoreError) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("store: {e}"))
    }
}

impl From<RuntimeError> for ApiError {
    fn from(e: RuntimeError) -> Self {
        match e {
            RuntimeError::NotConfigured(_)
            | RuntimeError::Registry(RegistryError::UnknownDeployment(_)) => {
                ApiError::not_found(e.to_string())
            }
            RuntimeError::Registry(RegistryError::NothingToRollBack(_)) => {
                ApiError::new(StatusCode::CONFLICT, e.to_string())
            }
            RuntimeError::Plugin(p) => {
                let reasons = match &p {
                    PluginError::Refused { reasons, .. } => reasons.clone(),
                    other => vec![other.to_string()],
                };
                ApiError {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    message: p.to_string(),
                    reasons,
                }
            }
            RuntimeError::SmokeTest { ref detail, .. } => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                reasons: vec![format!("smoke test failed: {detail}")],
                message: e.to_string(),
            },
            RuntimeError::Quarantined(_) => ApiError::new(StatusCode::CONFLICT, e.to_string()),
            RuntimeError::Setup(_) => {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
            }
        }
    }
}
