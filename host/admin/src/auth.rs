//! The bearer-token gate in front of every route, the fallback included.
//!
//! Both the presented and the expected token are hashed with SHA-256 and the digests compared
//! with `subtle`, so neither the content nor the length of the token leaks through timing. It
//! does not rate-limit failed attempts or know about users or scopes: one token, all routes.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::AdminState;
use crate::error::ApiError;

/// Whether `presented` equals `expected`, in time independent of both.
pub(crate) fn token_matches(presented: &[u8], expected: &[u8]) -> bool {
    let a = Sha256::digest(presented);
    let b = Sha256::digest(expected);
    !expected.is_empty() && bool::from(a.as_slice().ct_eq(b.as_slice()))
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
fn bearer(request: &Request) -> Option<&[u8]> {
    let value = request.headers().get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, token) = value.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| token.trim_ascii())
}

/// Middleware: 401 with a JSON error unless the request carries the token.
pub(crate) async fn require_token(
    State(state): State<AdminState>,
    request: Request,
    next: Next,
) -> Response {
    let ok = bearer(&request).is_some_and(|t| token_matches(t, state.token.as_bytes()));
    if ok {
        return next.run(request).await;
    }
    let mut response = ApiError::new(
        StatusCode::UNAUTHORIZED,
        "missing or wrong bearer token; send `Authorization: Bearer <token>` with the admin token",
    )
    .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"weft-admin\""),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::token_matches;

    #[test]
    fn only_the_exact_token_matches() {
        assert!(token_matches(b"s3cret-token", b"s3cret-token"));
        assert!(!token_matches(b"s3cret-toke", b"s3cret-token"));
        assert!(!token_matches(b"s3cret-tokenX", b"s3cret-token"));
        assert!(!token_matches(b"", b"s3cret-token"));
        assert!(!token_matches(b"", b""), "an empty token never matches");
    }
}
