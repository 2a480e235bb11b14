//! The axum server of the Lightspeed simulator: shared state, routes, and the per-call pipeline
//! (latency → auth → account → parse → faults → rate limit → execute → headers). Every response
//! (API, OAuth and `/__sim/*` alike) carries a `Date` header (RFC 7231 IMF-fixdate) from the
//! simulator's clock, the one that stamps `timeStamp`, taken when the response is built; hyper's
//! own `Date` would be the real wall clock, which a scaled or manual clock leaves behind.
//!
//! Deliberately not here: resource semantics (see `api`, `writes`, `store`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::clock::SimClock;
use crate::faults::{Faults, control_router};
use crate::seed::Retailer;

use super::activity::Activity;
use super::api::{ApiRequest, execute};
use super::error::ApiError;
use super::oauth::OAuth;
use super::ratelimit::{Limiter, Outcome, Throttle, fmt_drips};
use super::running::RunningSim;
use super::store::Store;
use super::{LightspeedConfig, LightspeedError};

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub config: LightspeedConfig,
    pub base_url: String,
    pub clock: SimClock,
    pub faults: Arc<Faults>,
    pub retailer: Retailer,
    pub store: Mutex<Store>,
    pub limiter: Mutex<Limiter>,
    pub oauth: Mutex<OAuth>,
    pub activity: Mutex<Activity>,
}

/// Lock ignoring poison: a panicked handler must not take the simulator down for later tests.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub fn now_secs(&self) -> i64 {
        self.clock.now_ms().div_euclid(1000)
    }
    pub fn api_base(&self) -> String {
        format!(
            "{}/API/V3/Account/{}",
            self.base_url, self.config.account_id
        )
    }
}

pub(crate) async fn start(config: LightspeedConfig) -> Result<RunningSim, LightspeedError> {
    if config.registers == 0 {
        return Err(LightspeedError::Config(
            "registers must be at least 1".into(),
        ));
    }
    let clock = match &config.clock {
        Some(c) => c.clone(),
        None => SimClock::scaled(config.time_scale)?,
    };
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|source| LightspeedError::Bind {
            addr: config.bind,
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|source| LightspeedError::Bind {
            addr: config.bind,
            source,
        })?;
    let retailer = match config.skus {
        Some(n) => Retailer::generate_skus(config.seed, n),
        None => Retailer::generate(config.seed, config.items),
    };
    // Seeded records look a day old, so any `timeStamp>` poll from "now" sees only new changes.
    let store = Store::from_retailer(&retailer, clock.now_ms().div_euclid(1000) - 86_400);
    let shared = Arc::new(Shared {
        base_url: format!("http://{addr}"),
        faults: Faults::new(config.seed),
        limiter: Mutex::new(Limiter::new(config.registers, config.burst_limiter)),
        oauth: Mutex::new(OAuth::new(
            &config.client_id,
            &config.client_secret,
            config.strict_auth,
            config.seed,
        )),
        activity: Mutex::new(Activity::new(config.seed)),
        store: Mutex::new(store),
        retailer,
        clock,
        config,
    });
    let app = Router::new()
        .route("/API/V3/Account.json", get(account))
        .route("/API/V3/Account/{account}/{*rest}", any(api))
        .route("/auth/oauth/authorize", get(authorize))
        .route("/auth/oauth/token", post(token))
        .route("/__sim/activity", post(activity))
        .route("/__sim/info", get(info))
        .with_state(shared.clone())
        .merge(control_router(shared.faults.clone()))
        .layer(axum::middleware::map_response_with_state(
            shared.clone(),
            date_header,
        ));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(RunningSim::new(shared, tx, task))
}

/// RFC 7231 IMF-fixdate of Unix seconds, e.g. `Thu, 01 Jan 2026 00:00:00 GMT`.
fn http_date(unix_secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // `YYYY-MM-DDTHH:MM:SS+00:00`
    let iso = crate::clock::format_rfc3339(unix_secs);
    let part = |from: usize, to: usize| iso.get(from..to).unwrap_or("00");
    let month = part(5, 7).parse::<usize>().unwrap_or(1).clamp(1, 12);
    format!(
        "{}, {} {} {} {} GMT",
        DAYS[unix_secs.div_euclid(86_400).rem_euclid(7) as usize],
        part(8, 10),
        MONTHS[month - 1],
        part(0, 4),
        part(11, 19)
    )
}

/// Stamp a response with the simulator's clock.
async fn date_header(State(s): State<Arc<Shared>>, mut resp: Response) -> Response {
    if let Ok(v) = HeaderValue::from_str(&http_date(s.now_secs())) {
        resp.headers_mut().insert(header::DATE, v);
    }
    resp
}

fn ls_headers(h: &mut HeaderMap, s: &Shared, client: &str, o: Option<&Outcome>) {
    let mut put = |k: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    };
    put("x-ls-acct-id", s.config.account_id.to_string());
    put("x-ls-oauth-client-id", client.to_string());
    put("x-weft-time-scale", fmt_drips(s.clock.scale()));
    if let Some(o) = o {
        let drip = lock(&s.limiter).limits().drip;
        put(
            "x-ls-api-bucket-level",
            format!("{}/{}", fmt_drips(o.level), fmt_drips(o.size)),
        );
        put(
            "x-ls-api-burst-level",
            format!("{}/{}", o.burst_count, o.burst_max),
        );
        put("x-ls-api-drip-rate", fmt_drips(drip * s.clock.scale()));
        put("x-ls-api-request-cost", fmt_drips(o.cost));
        if let Some((kind, wait_sim)) = o.throttled {
            let real = (wait_sim / s.clock.scale()).ceil().max(1.0);
            put("x-ls-api-ratelimit-type", kind.header().to_string());
            put("retry-after", format!("{real}"));
            put(
                "x-weft-retry-after-ms",
                format!("{}", (wait_sim / s.clock.scale() * 1000.0).ceil()),
            );
        }
    }
}

fn respond(
    s: &Shared,
    client: &str,
    o: Option<&Outcome>,
    result: Result<Value, ApiError>,
) -> Response {
    let (status, body) = match result {
        Ok(v) => (StatusCode::OK, v),
        Err(e) => (e.status, e.body()),
    };
    let mut resp = (status, Json(body)).into_response();
    ls_headers(resp.headers_mut(), s, client, o);
    resp
}

async fn api(
    State(s): State<Arc<Shared>>,
    Path((account, rest)): Path<(String, String)>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let delay = s.faults.latency();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let now_ms = s.clock.now_ms();
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let client = match lock(&s.oauth).authenticate(auth, now_ms) {
        Ok(c) => c,
        Err(e) => return respond(&s, "", None, Err(e)),
    };
    if account.parse::<u64>().ok() != Some(s.config.account_id) {
        let e = ApiError::forbidden(format!("this token has no access to account {account}"));
        return respond(&s, &client, None, Err(e));
    }
    let parsed = ApiRequest::parse(method, &rest, uri.query(), &body);
    let cost = parsed.as_ref().map_or(1.0, ApiRequest::cost);
    if let Some(secs) = s.faults.throttle() {
        let mut o = lock(&s.limiter).check(&client, 0.0, now_ms);
        o.cost = cost;
        o.throttled = Some((Throttle::LeakyBucket, secs as f64 * s.clock.scale()));
        let e = ApiError::too_many_requests("Rate limit exceeded: please try again later");
        return respond(&s, &client, Some(&o), Err(e));
    }
    let outcome = lock(&s.limiter).check(&client, cost, now_ms);
    if let Some((kind, _)) = outcome.throttled {
        let msg = match kind {
            Throttle::Burst => "burst rate limit exceeded; back off for at least 1 second",
            Throttle::LeakyBucket => "Rate limit exceeded: please try again later",
        };
        return respond(
            &s,
            &client,
            Some(&outcome),
            Err(ApiError::too_many_requests(msg)),
        );
    }
    if s.faults.error_5xx() {
        return respond(&s, &client, Some(&outcome), Err(ApiError::server_error()));
    }
    let result = parsed.and_then(|req| {
        let url_base = format!("{}/{}.json", s.api_base(), req.resource);
        execute(
            &mut lock(&s.store),
            &req,
            &url_base,
            now_ms.div_euclid(1000),
        )
    });
    respond(&s, &client, Some(&outcome), result)
}

async fn account(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let now_ms = s.clock.now_ms();
    let client = match lock(&s.oauth).authenticate(auth, now_ms) {
        Ok(c) => c,
        Err(e) => return respond(&s, "", None, Err(e)),
    };
    let outcome = lock(&s.limiter).check(&client, 1.0, now_ms);
    let id = s.config.account_id.to_string();
    let body = json!({"@attributes": {"count": "1"}, "Account": {
        "accountID": id, "name": s.retailer.name,
        "link": {"@attributes": {"href": format!("/API/V3/Account/{id}")}}}});
    let result = match outcome.throttled {
        Some(_) => Err(ApiError::too_many_requests(
            "Rate limit exceeded: please try again later",
        )),
        None => Ok(body),
    };
    respond(&s, &client, Some(&outcome), result)
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    client_id: String,
    redirect_uri: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

async fn authorize(State(s): State<Arc<Shared>>, Query(q): Query<AuthorizeQuery>) -> Response {
    let challenge = q
        .code_challenge
        .map(|c| (c, q.code_challenge_method.unwrap_or_else(|| "S256".into())));
    let code = lock(&s.oauth).authorize(
        &q.client_id,
        q.redirect_uri.clone(),
        challenge,
        s.clock.now_ms(),
    );
    match (code, q.redirect_uri) {
        (Ok(code), Some(uri)) => {
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            ser.append_pair("code", &code);
            if let Some(st) = &q.state {
                ser.append_pair("state", st);
            }
            let sep = if uri.contains('?') { '&' } else { '?' };
            Redirect::to(&format!("{uri}{sep}{}", ser.finish())).into_response()
        }
        (Ok(code), None) => Json(json!({"code": code, "state": q.state})).into_response(),
        (Err(e), _) => (
            StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
            Json(e.body()),
        )
            .into_response(),
    }
}

fn flatten(v: &Value) -> HashMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn token(State(s): State<Arc<Shared>>, req: Request) -> Response {
    let ctype = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut form = HashMap::new();
    if ctype.starts_with("multipart/form-data") {
        if let Ok(mut mp) = Multipart::from_request(req, &()).await {
            while let Ok(Some(field)) = mp.next_field().await {
                let name = field.name().unwrap_or("").to_string();
                if let Ok(text) = field.text().await {
                    form.insert(name, text);
                }
            }
        }
    } else if let Ok(bytes) = Bytes::from_request(req, &()).await {
        form = if ctype.starts_with("application/json") {
            serde_json::from_slice::<Value>(&bytes)
                .map(|v| flatten(&v))
                .unwrap_or_default()
        } else {
            url::form_urlencoded::parse(&bytes).into_owned().collect()
        };
    }
    let result = lock(&s.oauth).token(
        &form,
        s.config.account_id,
        s.clock.now_ms(),
        s.clock.scale(),
    );
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => (
            StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
            Json(e.body()),
        )
            .into_response(),
    }
}

#[derive(Deserialize)]
struct ActivityBody {
    events: usize,
}

async fn activity(State(s): State<Arc<Shared>>, Json(b): Json<ActivityBody>) -> Response {
    let report = RunningSim::tick_shared(&s, b.events.min(100_000));
    Json(report).into_response()
}

async fn info(State(s): State<Arc<Shared>>) -> Response {
    let limits = lock(&s.limiter).limits();
    Json(json!({
        "platform": "lightspeed-r", "base_url": s.base_url, "api_base": s.api_base(),
        "account_id": s.config.account_id, "client_id": s.config.client_id,
        "time_scale": s.clock.scale(), "registers": s.config.registers,
        "bucket_size": limits.size, "drip_rate": limits.drip, "burst_limit": limits.burst_max,
        "strict_auth": s.config.strict_auth, "skus": s.retailer.sku_count(),
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::http_date;

    #[test]
    fn http_dates_are_imf_fixdate() {
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(1_767_225_600), "Thu, 01 Jan 2026 00:00:00 GMT");
        assert_eq!(http_date(951_868_799), "Tue, 29 Feb 2000 23:59:59 GMT");
    }
}
