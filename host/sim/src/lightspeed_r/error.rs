//! Errors of the Lightspeed simulator's API, rendered the way R-Series renders them.
//!
//! Body shape (platform-apis.md 1.4, marked **[verify]** there: reported by client libraries, not
//! documented): `{"httpCode":"404","httpMessage":"Not Found","message":"...","errorClass":"..."}`,
//! every value a string. The `errorClass` names are our assumption.
//!
//! Deliberately not here: rate-limit headers (added by the caller to every response, errors too).

use axum::http::StatusCode;
use serde_json::{Value, json};

/// An API error with its HTTP status.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{status} {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Human-readable message.
    pub message: String,
    /// Lightspeed-style error class.
    pub error_class: &'static str,
}

impl ApiError {
    fn new(status: StatusCode, error_class: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            error_class,
        }
    }
    /// 400 with a validation message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Exception", message)
    }
    /// 404 for a missing record of `entity`.
    pub fn not_found(entity: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NotFoundException",
            format!("{entity} not found"),
        )
    }
    /// 404 for an unknown path.
    pub fn no_route(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NotFoundException",
            format!("no such resource: {path}"),
        )
    }
    /// 405 for a method the resource does not allow.
    pub fn method_not_allowed(method: &str, resource: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowedException",
            format!("{method} is not allowed on {resource}"),
        )
    }
    /// 401 for a missing, unknown or expired token.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UnauthorizedException", message)
    }
    /// 403 for a token not valid for this account.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "ForbiddenException", message)
    }
    /// 429 from the leaky bucket or the burst limiter.
    pub fn too_many_requests(message: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "RateLimitException", message)
    }
    /// An injected server error.
    pub fn server_error() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailableException",
            "service temporarily unavailable (injected fault)",
        )
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        json!({
            "httpCode": self.status.as_u16().to_string(),
            "httpMessage": self.status.canonical_reason().unwrap_or(""),
            "message": self.message,
            "errorClass": self.error_class,
        })
    }
}
