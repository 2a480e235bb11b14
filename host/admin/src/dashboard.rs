//! The dashboard: one page for people, served by the admin API next to the JSON it reads.
//!
//! The page is a static shell (`assets/dashboard.html`) with plain JavaScript and CSS
//! (`assets/dashboard.js`, `assets/dashboard.css`), embedded in the binary; there is no
//! front-end build. The script calls the same JSON routes as every other client (`/api/flows`,
//! `/api/parked`, `/api/flows/{t}/{n}/drift`, `/api/plugins`, replay, rollback, run,
//! reconcile) and redraws every few seconds.
//!
//! Sign-in: the page stays behind the token like every route. A browser that asks for a page
//! without credentials gets the 401 with a small sign-in form as its body (`auth.rs`). The form
//! posts the token once to `POST /dashboard/login`, which answers with an HttpOnly,
//! SameSite=Strict session cookie: `<expiry>.<HMAC-SHA256 keyed with the token>`. The cookie
//! never holds the token, stops working when it expires (12 hours) or when the host's token
//! changes, and is checked in constant time. Requests that change something and are
//! authenticated only by the cookie must also carry `X-Weft-Dashboard: 1` (which a page on another
//! origin cannot send without a CORS preflight the API never grants) and must not be marked
//! cross-site by `Sec-Fetch-Site`.
//!
//! Deliberately not here: data of its own (everything shown comes from the JSON routes), user
//! accounts, or rate-limiting failed sign-ins (a token is at least 16 random characters).

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::AdminState;
use crate::auth::{bearer_token, token_matches, unauthorized};

/// Where the page lives.
pub(crate) const PAGE_PATH: &str = "/dashboard";
/// Where the sign-in form posts the token.
pub(crate) const LOGIN_PATH: &str = "/dashboard/login";
/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "weft_session";
/// The header a cookie-authenticated request that changes something must carry.
pub(crate) const DASHBOARD_HEADER: &str = "x-weft-dashboard";
/// How long a session lasts.
pub(crate) const SESSION_SECONDS: u64 = 12 * 60 * 60;

const SHELL: &str = include_str!("../assets/dashboard.html");
const SCRIPT: &str = include_str!("../assets/dashboard.js");
const STYLE: &str = include_str!("../assets/dashboard.css");
const LOGIN: &str = include_str!("../assets/login.html");

/// The page may load its own script and style and talk to its own origin, nothing else.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";
/// The sign-in page has no script and one inline style.
const LOGIN_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

type HmacSha256 = Hmac<Sha256>;

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn session_mac(token: &str, expires: u64) -> HmacSha256 {
    let mut mac =
        HmacSha256::new_from_slice(token.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(b"weft-dashboard-session-v1\0");
    mac.update(expires.to_string().as_bytes());
    mac
}

/// A session cookie value for `token`, valid until `expires` (Unix seconds).
pub(crate) fn session_value(token: &str, expires: u64) -> String {
    let tag = session_mac(token, expires).finalize().into_bytes();
    format!("{expires}.{}", hex::encode(tag))
}

/// Whether `value` is a session for `token` that has not expired at `now` (Unix seconds). The
/// tag is compared in constant time.
pub(crate) fn session_valid(token: &str, value: &str, now: u64) -> bool {
    if token.is_empty() {
        return false;
    }
    let Some((expires, tag)) = value.split_once('.') else {
        return false;
    };
    let (Ok(expires), Ok(tag)) = (expires.parse::<u64>(), hex::decode(tag)) else {
        return false;
    };
    expires > now && session_mac(token, expires).verify_slice(&tag).is_ok()
}

/// Every value of the session cookie among the request's `Cookie` headers.
fn session_cookies(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim())
}

/// What the session cookie allows for one request.
pub(crate) enum Session {
    /// No valid session cookie.
    None,
    /// A valid session, and the request may go on.
    Allowed,
    /// A valid session, but a state-changing request that did not come from the page.
    NotFromThePage,
}

/// Judge the session cookie of a request with `method` and `headers` against `token`.
pub(crate) fn session(method: &Method, headers: &HeaderMap, token: &str) -> Session {
    let now = now_secs();
    if !session_cookies(headers).any(|v| session_valid(token, v, now)) {
        return Session::None;
    }
    if matches!(*method, Method::GET | Method::HEAD) {
        return Session::Allowed;
    }
    let marked = headers
        .get(DASHBOARD_HEADER)
        .is_some_and(|v| v.as_bytes() == b"1");
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() != b"same-origin" && v.as_bytes() != b"none");
    if marked && !cross_site {
        Session::Allowed
    } else {
        Session::NotFromThePage
    }
}

/// Whether a request that failed authentication comes from a person's browser asking for a
/// page (so the 401 carries the sign-in form rather than JSON).
pub(crate) fn wants_page(path: &str, headers: &HeaderMap) -> bool {
    if path.starts_with("/api/") || path == "/metrics" {
        return false;
    }
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

fn page_headers(response: &mut Response, content_type: &'static str, csp: &'static str) {
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    page_headers(&mut response, content_type, PAGE_CSP);
    response
}

/// The sign-in form with `status`, and `message` above it when there is one.
pub(crate) fn login_page(status: StatusCode, message: Option<&str>) -> Response {
    let notice = message
        .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(m)))
        .unwrap_or_default();
    let mut response = (status, LOGIN.replace("<!--notice-->", &notice)).into_response();
    page_headers(&mut response, "text/html; charset=utf-8", LOGIN_CSP);
    response
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET /`: to the page.
pub(crate) async fn root() -> Response {
    see_other(PAGE_PATH)
}

fn see_other(location: &'static str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, HeaderValue::from_static(location)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
    )
        .into_response()
}

/// `GET /dashboard`: the page shell.
pub(crate) async fn page() -> Response {
    asset(SHELL, "text/html; charset=utf-8")
}

/// `GET /dashboard/app.js`.
pub(crate) async fn script() -> Response {
    asset(SCRIPT, "text/javascript; charset=utf-8")
}

/// `GET /dashboard/app.css`.
pub(crate) async fn style() -> Response {
    asset(STYLE, "text/css; charset=utf-8")
}

/// The `token` field of a form body.
fn form_token(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return None;
    }
    url::form_urlencoded::parse(body)
        .find(|(name, _)| name == "token")
        .map(|(_, value)| value.trim().to_string())
}

/// `POST /dashboard/login` with `token=<admin token>` as a form (or the bearer header): on the
/// right token, a session cookie and a redirect to the page; otherwise the 401.
pub(crate) async fn login(
    State(state): State<AdminState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let presented = form_token(&headers, &body);
    let ok = match &presented {
        Some(token) => token_matches(token.as_bytes(), state.token.as_bytes()),
        None => bearer_token(&headers).is_some_and(|t| token_matches(t, state.token.as_bytes())),
    };
    if !ok {
        tracing::warn!("admin: dashboard sign-in with a wrong or missing token");
        let message = presented
            .is_some()
            .then_some("That is not the admin token. Try again.");
        return unauthorized(LOGIN_PATH, &headers, message);
    }
    let expires = now_secs() + SESSION_SECONDS;
    // The API itself speaks plain HTTP (loopback); behind a TLS proxy the cookie is Secure too.
    let behind_tls = headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; Max-Age={SESSION_SECONDS}; HttpOnly; SameSite=Strict{}",
        session_value(&state.token, expires),
        if behind_tls { "; Secure" } else { "" }
    );
    tracing::info!("admin: dashboard session started");
    let mut response = see_other(PAGE_PATH);
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).expect("hex and ASCII"),
    );
    response
}

/// `POST /dashboard/logout`: forget the session cookie.
pub(crate) async fn logout() -> Response {
    let mut response = axum::Json(serde_json::json!({"signed_out": true})).into_response();
    let h = response.headers_mut();
    h.insert(
        header::SET_COOKIE,
        HeaderValue::from_static("weft_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "a-long-admin-token-0123";

    #[test]
    fn a_session_is_valid_for_its_token_until_it_expires() {
        let value = session_value(TOKEN, 1_000);
        assert!(session_valid(TOKEN, &value, 999));
        assert!(!session_valid(TOKEN, &value, 1_000), "expired");
        assert!(
            !session_valid("another-token-0123456", &value, 10),
            "another token"
        );
        assert!(!session_valid("", &value, 10));
    }

    #[test]
    fn a_forged_or_garbled_session_is_refused() {
        let value = session_value(TOKEN, 1_000);
        let (_, tag) = value.split_once('.').unwrap();
        assert!(
            !session_valid(TOKEN, &format!("2000.{tag}"), 10),
            "a later expiry with the old tag"
        );
        let mut flipped = value.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        assert!(!session_valid(
            TOKEN,
            std::str::from_utf8(&flipped).unwrap(),
            10
        ));
        for junk in ["", ".", "1000", "1000.", "x.abcd", "1000.zz", TOKEN] {
            assert!(!session_valid(TOKEN, junk, 10), "{junk:?}");
        }
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        let value = session_value(TOKEN, now_secs() + 60);
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("a=1; {SESSION_COOKIE}={value}; b=2")).unwrap(),
        );
        assert!(matches!(
            session(&Method::GET, &headers, TOKEN),
            Session::Allowed
        ));
        assert!(matches!(
            session(&Method::POST, &headers, TOKEN),
            Session::NotFromThePage
        ));
        headers.insert(DASHBOARD_HEADER, HeaderValue::from_static("1"));
        assert!(matches!(
            session(&Method::POST, &headers, TOKEN),
            Session::Allowed
        ));
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-site"));
        assert!(matches!(
            session(&Method::POST, &headers, TOKEN),
            Session::NotFromThePage
        ));
        assert!(matches!(
            session(&Method::GET, &HeaderMap::new(), TOKEN),
            Session::None
        ));
    }
}
