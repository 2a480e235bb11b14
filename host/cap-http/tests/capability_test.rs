//! cap-http against a real loopback server: grants and denials, path and header rules, size
//! caps, Retry-After and the shared token bucket.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::StatusCode;
use axum::routing::get;
use weft_cap_http::{Backend, Connection, ConnectionConfig, HttpCtx, RateLimit, RetryConfig};
use weft_world::http::{Error, Header, Method, Request};

async fn server() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let (h1, h2) = (hits.clone(), hits.clone());
    let app = axum::Router::new()
        .route("/big", get(|| async { "x".repeat(10_000) }))
        .route(
            "/ok",
            get(move || {
                h1.fetch_add(1, Ordering::SeqCst);
                async { "ok" }
            }),
        )
        .route(
            "/throttled",
            get(move || {
                let n = h2.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n == 0 {
                        (
                            StatusCode::TOO_MANY_REQUESTS,
                            [("retry-after", "0.05")],
                            "slow down",
                        )
                    } else {
                        (StatusCode::OK, [("retry-after", "0")], "ok")
                    }
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, hits)
}

fn ctx(conn: Connection) -> (HttpCtx, Arc<Connection>) {
    let conn = Arc::new(conn);
    let map = HashMap::from([("api".to_string(), conn.clone())]);
    (
        HttpCtx::new(
            Backend::Live(Arc::new(map)),
            Arc::from(vec!["api".to_string()]),
        ),
        conn,
    )
}

fn get_req(path: &str) -> Request {
    Request {
        connection: "api".into(),
        method: Method::Get,
        path: path.into(),
        headers: vec![],
        body: vec![],
        idempotent: false,
    }
}

fn loopback(url: &str) -> ConnectionConfig {
    let mut c = ConnectionConfig::new(url);
    c.allow_loopback = true;
    c.retries = RetryConfig {
        max_attempts: 3,
        base_delay_ms: 1,
        max_delay_ms: 1000,
    };
    c
}

#[tokio::test]
async fn paths_that_leave_the_connection_are_refused_before_sending() {
    let (url, hits) = server().await;
    let (mut http, _) = ctx(Connection::new("api", loopback(&url), None).unwrap());
    for path in [
        "http://169.254.169.254/",
        "//evil.example/x",
        "/a/../../etc",
        "/%2E%2E/x",
        "ok",
        "/a\\b",
        "/a#frag",
    ] {
        let err = http.handle(get_req(path)).await.unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)), "{path}: {err:?}");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0);
    assert_eq!(http.handle(get_req("/ok?x=1")).await.unwrap().status, 200);
}

#[tokio::test]
async fn a_plugin_cannot_set_credentials_or_forge_headers() {
    let (url, _) = server().await;
    let auth = weft_cap_http::AuthHeader {
        name: "X-Shopify-Access-Token".into(),
        value: "t".into(),
    };
    let (mut http, _) = ctx(Connection::new("api", loopback(&url), Some(auth)).unwrap());
    for (name, value) in [
        ("Authorization", "Bearer x"),
        ("x-shopify-access-token", "mine"),
        ("Host", "evil"),
        ("X-Ok", "a\r\nX-Injected: 1"),
    ] {
        let mut req = get_req("/ok");
        req.headers.push(Header {
            name: name.into(),
            value: value.into(),
        });
        assert!(
            matches!(
                http.handle(req).await.unwrap_err(),
                Error::InvalidRequest(_)
            ),
            "{name}"
        );
    }
}

#[tokio::test]
async fn responses_over_the_cap_are_refused() {
    let (url, _) = server().await;
    let mut config = loopback(&url);
    config.max_response_bytes = 1_000;
    let (mut http, _) = ctx(Connection::new("api", config, None).unwrap());
    assert!(matches!(
        http.handle(get_req("/big")).await.unwrap_err(),
        Error::TooLarge(_)
    ));
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_and_retried() {
    let (url, hits) = server().await;
    let (mut http, conn) = ctx(Connection::new("api", loopback(&url), None).unwrap());
    let resp = http.handle(get_req("/throttled")).await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert_eq!(conn.stats.retries.load(Ordering::Relaxed), 1);
    let statuses = conn.stats.statuses.lock().unwrap().clone();
    assert_eq!(statuses.get(&429), Some(&1));
    assert_eq!(statuses.get(&200), Some(&1));
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_goes_back_to_the_plugin() {
    let (url, hits) = server().await;
    let mut config = loopback(&url);
    config.retries.max_delay_ms = 10; // the server asks for 50 ms
    let (mut http, _) = ctx(Connection::new("api", config, None).unwrap());
    let resp = http.handle(get_req("/throttled")).await.unwrap();
    assert_eq!(
        resp.status, 429,
        "the plugin sees the 429 and reports rate-limited"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_token_bucket_meters_every_user_of_the_connection() {
    let (url, hits) = server().await;
    let mut config = loopback(&url);
    config.rate_limit = Some(RateLimit {
        burst: 2.0,
        per_second: 50.0,
    });
    let (http, conn) = ctx(Connection::new("api", config, None).unwrap());
    drop(http);
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let map = HashMap::from([("api".to_string(), conn.clone())]);
        let mut h = HttpCtx::new(
            Backend::Live(Arc::new(map)),
            Arc::from(vec!["api".to_string()]),
        );
        tasks.push(tokio::spawn(async move {
            h.handle(get_req("/ok")).await.unwrap().status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    assert_eq!(hits.load(Ordering::SeqCst), 6);
    assert!(
        conn.stats.rate_limit_waits.load(Ordering::Relaxed) >= 4,
        "burst of 2, the other 4 waited"
    );
}

#[tokio::test]
async fn an_empty_grant_list_denies_everything() {
    let (url, hits) = server().await;
    let conn = Arc::new(Connection::new("api", loopback(&url), None).unwrap());
    let map = HashMap::from([("api".to_string(), conn)]);
    let mut http = HttpCtx::new(
        Backend::Live(Arc::new(map)),
        Arc::from(Vec::<String>::new()),
    );
    assert!(matches!(
        http.handle(get_req("/ok")).await.unwrap_err(),
        Error::Denied(_)
    ));
    assert_eq!(http.take_denials().len(), 1);
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}
