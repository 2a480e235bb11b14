//! The bearer-token gate in front of every route, the fallback included.
//!
//! Both the presented and the expected token are hashed with SHA-256 and the digests compared
//! with `subtle`, so neither the content nor the length of the token leaks through timing. It
//! does not rate-limit failed attempts or know about users or scopes: one token, all routes.
//!
//! For the dashboard in a browser, the session cookie that `POST /dashboard/login` issues in
//! exchange for the token is accepted too (see `dashboard.rs`); that sign-in route itself checks
//! the token it is given. A browser asking for a page without credentials gets the 401 with the
//! sign-in form as its body; everyone else gets the JSON error.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::AdminState;
use crate::dashboard::{self, Session};
use crate::error::ApiError;

/// Whether `presented` equals `expected`, in time independent of both.
pub(crate) fn token_matches(presented: &[u8], expected: &[u8]) -> bool {
    let a = Sha256::digest(presented);
    let b = Sha256::digest(expected);
    !expected.is_empty() && bool::from(a.as_slice().ct_eq(b.as_slice()))
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&[u8]> {
    let value = headers.get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, token) = value.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| token.trim_ascii())
}

/// The 401 for a request to `path` with `headers`: the sign-in form (with `message`) for a
/// browser asking for a page, else a JSON error.
pub(crate) fn unauthorized(path: &str, headers: &HeaderMap, message: Option<&str>) -> Response {
    let mut response = if dashboard::wants_page(path, headers) {
        dashboard::login_page(StatusCode::UNAUTHORIZED, message)
    } else {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing or wrong bearer token; send `Authorization: Bearer <token>` with the admin token",
        )
        .into_response()
    };
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"weft-admin\""),
    );
    response
}

/// Middleware: the request goes on with the bearer token, or with a valid dashboard session
/// (state-changing requests only from the page); `POST /dashboard/login` goes on to check the
/// token it carries. Otherwise 401 (403 for a session's change that did not come from the page).
pub(crate) async fn require_token(
    State(state): State<AdminState>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    if bearer_token(headers).is_some_and(|t| token_matches(t, state.token.as_bytes())) {
        return next.run(request).await;
    }
    let path = request.uri().path();
    if request.method() == Method::POST && path == dashboard::LOGIN_PATH {
        return next.run(request).await;
    }
    match dashboard::session(request.method(), headers, &state.token) {
        Session::Allowed => next.run(request).await,
        Session::NotFromThePage => ApiError::new(
            StatusCode::FORBIDDEN,
            "a change authenticated by the dashboard's session cookie must come from the dashboard \
             page (X-Weft-Dashboard: 1, same origin); scripts send `Authorization: Bearer <token>`",
        )
        .into_response(),
        Session::None => unauthorized(path, headers, None),
    }
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
