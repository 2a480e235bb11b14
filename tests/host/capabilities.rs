//! Each capability, granted and denied, through a real component (the test-probe connector)
//! and real HTTP on loopback.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use weft_cap_http::{AuthHeader, Connection, ConnectionConfig, RetryConfig};
use weft_engine::{ConnectorCall, ConnectorReply, PluginError};
use weft_runtime::{DeploymentSpec, HttpMode, PluginHost, RuntimeError};
use weft_tests::{deploy, host};
use weft_world::types::Entity;

/// A loopback API: /ping, /flaky (503 twice, then 200), /auth (checks the injected key).
async fn api() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let (h1, h2, h3) = (hits.clone(), hits.clone(), hits.clone());
    let app = axum::Router::new()
        .route(
            "/ping",
            get(move || {
                h1.fetch_add(1, Ordering::SeqCst);
                async { "pong" }
            }),
        )
        .route(
            "/flaky",
            get(move || {
                let n = h2.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n < 2 {
                        (StatusCode::SERVICE_UNAVAILABLE, "busy")
                    } else {
                        (StatusCode::OK, "finally")
                    }
                }
            }),
        )
        .route(
            "/flaky",
            post(move || {
                h3.fetch_add(1, Ordering::SeqCst);
                async { (StatusCode::SERVICE_UNAVAILABLE, "busy") }
            }),
        )
        .route(
            "/auth",
            get(|headers: HeaderMap| async move {
                match headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
                    Some("k-123") => (StatusCode::OK, "authorized"),
                    _ => (StatusCode::UNAUTHORIZED, "no key"),
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, hits)
}

fn bind(host: &PluginHost, tenant: &str, base: &str, allow_loopback: bool) {
    let mut config = ConnectionConfig::new(base);
    config.allow_loopback = allow_loopback;
    config.retries = RetryConfig {
        max_attempts: 3,
        base_delay_ms: 5,
        max_delay_ms: 100,
    };
    let auth = AuthHeader {
        name: "x-api-key".into(),
        value: "k-123".into(),
    };
    let conn = Connection::new("api", config, Some(auth)).unwrap();
    host.bind_connections(tenant, HashMap::from([("api".to_string(), Arc::new(conn))]));
}

async fn probe(host: &PluginHost, grants: &[&str], secrets: &[&str]) -> weft_engine::DeploymentKey {
    let mut spec = DeploymentSpec::new("acme", "probe");
    spec.connections = grants.iter().map(|s| s.to_string()).collect();
    spec.secrets = secrets.iter().map(|s| s.to_string()).collect();
    let key = spec.key.clone();
    deploy(host, spec, "test-probe", "1.0.0").await;
    key
}

async fn read(
    host: &PluginHost,
    key: &weft_engine::DeploymentKey,
    stream: &str,
    cursor: Option<&str>,
) -> Result<String, RuntimeError> {
    let call = ConnectorCall::ReadPage {
        stream: stream.into(),
        cursor: cursor.map(Into::into),
        limit: 0,
    };
    let (_, called) = host.connector(key, &call, &HttpMode::Live).await?;
    match called.value {
        ConnectorReply::Page(Ok(page)) => match &page.records[0] {
            Entity::Location(l) => Ok(l.name.clone()),
            other => panic!("unexpected {other:?}"),
        },
        ConnectorReply::Page(Err(e)) => Ok(format!("ERR {e:?}")),
        other => panic!("unexpected {other:?}"),
    }
}

fn denial(err: RuntimeError) -> String {
    match err {
        RuntimeError::Plugin(PluginError::CapabilityDenied { denials, .. }) => format!(
            "{} {}: {}",
            denials[0].capability, denials[0].target, denials[0].reason
        ),
        other => panic!("expected a denial, got {other}"),
    }
}

#[tokio::test]
async fn http_granted_reaches_the_api_with_the_injected_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let (url, hits) = api().await;
    bind(&host, "acme", &url, true);
    let key = probe(&host, &["api"], &[]).await;
    assert_eq!(
        read(&host, &key, "http-get", None).await.unwrap(),
        "200 pong"
    );
    assert_eq!(
        read(&host, &key, "http-get", Some("/auth")).await.unwrap(),
        "200 authorized"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn http_not_granted_is_denied() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let (url, hits) = api().await;
    bind(&host, "acme", &url, true);
    let key = probe(&host, &[], &[]).await;
    let why = denial(read(&host, &key, "http-get", None).await.unwrap_err());
    assert!(
        why.starts_with("http connection 'api': not granted"),
        "{why}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing was sent");
}

#[tokio::test]
async fn loopback_is_refused_unless_the_connection_allows_it() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let (url, hits) = api().await;
    bind(&host, "acme", &url, false);
    let key = probe(&host, &["api"], &[]).await;
    let why = denial(read(&host, &key, "http-get", None).await.unwrap_err());
    assert!(
        why.contains("forbidden address") && why.contains("loopback"),
        "{why}"
    );
    // A name that resolves to loopback is refused the same way (checked after DNS).
    bind(&host, "acme", &url.replace("127.0.0.1", "localhost"), false);
    let why = denial(read(&host, &key, "http-get", None).await.unwrap_err());
    assert!(why.contains("forbidden address"), "{why}");
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn the_metadata_address_is_refused_even_with_loopback_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    bind(&host, "acme", "http://169.254.169.254/latest", true);
    let key = probe(&host, &["api"], &[]).await;
    let why = denial(read(&host, &key, "http-get", None).await.unwrap_err());
    assert!(why.contains("metadata"), "{why}");
}

#[tokio::test]
async fn idempotent_requests_are_retried_on_5xx_and_posts_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let (url, hits) = api().await;
    bind(&host, "acme", &url, true);
    let key = probe(&host, &["api"], &[]).await;
    assert_eq!(
        read(&host, &key, "http-get", Some("/flaky")).await.unwrap(),
        "200 finally"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 3, "two retries then success");
    assert_eq!(
        read(&host, &key, "http-post", Some("/flaky"))
            .await
            .unwrap(),
        "503 busy"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 4, "a POST is sent once");
}

#[tokio::test]
async fn secrets_sign_when_granted_and_are_denied_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let key = probe(&host, &[], &["webhook"]).await;
    let expected = weft_cap_secrets::SecretStore::hmac_hex_for_tests(b"s3cret", b"hello");
    assert_eq!(read(&host, &key, "sign", None).await.unwrap(), expected);

    let dir2 = tempfile::tempdir().unwrap();
    let host2 = weft_tests::host(dir2.path());
    let key2 = probe(&host2, &[], &[]).await;
    let why = denial(read(&host2, &key2, "sign", None).await.unwrap_err());
    assert!(
        why.starts_with("secrets secret 'webhook': not granted"),
        "{why}"
    );
}

#[tokio::test]
async fn kv_get_of_a_missing_key_is_none_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let key = probe(&host, &[], &[]).await;
    assert_eq!(
        read(&host, &key, "kv-get", Some("fired:t")).await.unwrap(),
        "none"
    );
}

#[tokio::test]
async fn a_timer_survives_a_restart_and_calls_the_plugin_back_with_its_payload() {
    let dir = tempfile::tempdir().unwrap();
    {
        let host = host(dir.path());
        let key = probe(&host, &[], &[]).await;
        assert_eq!(
            read(&host, &key, "set-timer", Some("payload-1"))
                .await
                .unwrap(),
            "acme/probe/t"
        );
        assert_eq!(host.timers().len(), 1);
    } // the host (and its database) is gone: a restart
    let host = host(dir.path());
    let key = probe(&host, &[], &[]).await;
    assert_eq!(host.timers().len(), 1, "the timer survived the restart");
    assert_eq!(host.fire_due_timers().await, (1, 0));
    assert!(host.timers().is_empty());
    assert_eq!(
        read(&host, &key, "kv-get", Some("fired:t")).await.unwrap(),
        "payload-1"
    );
}
