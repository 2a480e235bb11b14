//! Quarantine over the API: a pushed version that panics on every batch is taken out of service
//! after `quarantine_after` calls in a row; runs answer 409 and park nothing, the plugin list, the
//! flow view and `/metrics` show it, a flow rule alerts once, release and rollback lift it.
//! Also the per-connection HTTP counters in `/metrics`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use weft_admin::alerts::{AlertConfig, AlertRules, Alerter};
use weft_cap_http::{Connection, ConnectionConfig, Outgoing, RateLimit, RetryConfig};
use weft_runtime::DeploymentSpec;
use weft_world::http::Method;

use crate::alerts::receiver;
use crate::support::{FLOW, Rig, component};

const BUFFER: &str = "/api/plugins/acme/buffer";

async fn metrics(r: &Rig) -> String {
    r.get("/metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_trapping_version_is_quarantined_alerted_once_and_lifted_by_release_or_rollback() {
    let (rx, url) = receiver().await;
    let r = Rig::new(&["OK-1", "OK-2"]).await;
    let mut spec = DeploymentSpec::new("acme", "buffer");
    spec.config = serde_json::json!({"default-buffer": 1, "trap": true});
    spec.quarantine_after = 2;
    r.host.configure(spec);
    r.json(
        r.post(BUFFER)
            .query(&[("version", "9.9.9"), ("name", "fail-all")])
            .body(component("fail_all")),
        200,
    )
    .await;
    let alerter = Alerter::new(AlertConfig {
        webhook: url,
        interval: Duration::from_millis(50),
        notify_resolved: true,
        rules: BTreeMap::from([(
            FLOW.to_string(),
            AlertRules {
                on_quarantine: true,
                ..AlertRules::default()
            },
        )]),
    });
    assert!(alerter.check(&r.flows).await.unwrap().is_empty());

    // The batch panics, then the first record alone: two in a row quarantine it.
    let refused = r.json(r.post(&format!("/api/flows/{FLOW}/run")), 409).await;
    let why = refused["error"].as_str().unwrap();
    assert!(
        why.contains("quarantined") && why.contains("fail-all@9.9.9"),
        "{why}"
    );
    assert!(
        r.target.lookup(&["OK-1".into()]).is_empty(),
        "nothing written"
    );
    let parked = r.json(r.get("/api/parked"), 200).await;
    assert_eq!(
        parked["records"].as_array().map(Vec::len),
        Some(0),
        "{parked}"
    );

    let listed = r.json(r.get("/api/plugins"), 200).await;
    let q = &listed["deployments"][0]["quarantined"];
    assert_eq!(q["failures"], 2, "{listed}");
    assert!(
        q["last_error"].as_str().unwrap().contains("trap mode"),
        "{q}"
    );
    let flows = r.json(r.get("/api/flows"), 200).await;
    assert_eq!(
        flows["flows"][0]["quarantined"].as_array().map(Vec::len),
        Some(1)
    );
    let text = metrics(&r).await;
    assert!(
        text.contains("weft_plugin_quarantined{tenant=\"acme\",deployment=\"buffer\"} 1"),
        "{text}"
    );

    let sent = alerter.check(&r.flows).await.unwrap();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        (sent[0].rule.as_str(), sent[0].status.as_str()),
        ("quarantine", "firing")
    );
    assert!(
        sent[0].message.contains("fail-all@9.9.9"),
        "{}",
        sent[0].message
    );
    assert!(
        alerter.check(&r.flows).await.unwrap().is_empty(),
        "one alert per incident"
    );

    // Released as it is, it traps again and is quarantined again.
    let released = r.json(r.post(&format!("{BUFFER}/release")), 200).await;
    assert_eq!(
        released["released"]["plugin"]["version"], "9.9.9",
        "{released}"
    );
    let again = r.json(r.post(&format!("{BUFFER}/release")), 200).await;
    assert!(
        again["released"].is_null(),
        "in service: nothing to lift: {again}"
    );
    r.json(r.post(FLOW_RUN), 409).await;

    // Rolling back to the working version (and its config) lifts it; the same records go
    // through.
    let mut spec = DeploymentSpec::new("acme", "buffer");
    spec.config = serde_json::json!({"default-buffer": 1});
    r.host.configure(spec);
    r.json(r.post(&format!("{BUFFER}/rollback")), 200).await;
    let listed = r.json(r.get("/api/plugins"), 200).await;
    assert!(
        listed["deployments"][0]["quarantined"].is_null(),
        "{listed}"
    );
    let ran = r.run_flow().await;
    assert_eq!(ran["report"]["written"], 2, "{ran}");
    assert!(
        metrics(&r)
            .await
            .contains("weft_plugin_quarantined{tenant=\"acme\",deployment=\"buffer\"} 0")
    );
    let resolved = alerter.check(&r.flows).await.unwrap();
    assert_eq!(resolved.len(), 1, "{resolved:?}");
    assert_eq!(resolved[0].status, "resolved");
    assert_eq!(rx.got.lock().unwrap().len(), 2);
}

const FLOW_RUN: &str = "/api/flows/acme/stock/run";

#[tokio::test]
async fn metrics_count_each_connections_responses_rate_limit_waits_and_retries() {
    let r = Rig::new(&[]).await;
    // A platform that throttles every other request.
    let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let c = calls.clone();
    let app = axum::Router::new().route(
        "/ping",
        axum::routing::get(move || {
            let n = c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move {
                if n.is_multiple_of(2) {
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        [("retry-after", "0")],
                        "slow down",
                    )
                } else {
                    (StatusCode::OK, [("retry-after", "0")], "pong")
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut config = ConnectionConfig::new(&base);
    config.allow_loopback = true;
    config.rate_limit = Some(RateLimit {
        burst: 1.0,
        per_second: 50.0,
    });
    config.retries = RetryConfig {
        max_attempts: 2,
        base_delay_ms: 1,
        max_delay_ms: 10,
    };
    let conn = Arc::new(Connection::new("platform", config, None).unwrap());
    r.host.bind_connections(
        "acme",
        HashMap::from([("platform".to_string(), conn.clone())]),
    );
    for _ in 0..3 {
        let req = Outgoing {
            method: Method::Get,
            url: conn.url_for("/ping").unwrap(),
            headers: vec![],
            body: vec![],
            idempotent: true,
        };
        assert_eq!(conn.send(&req).await.unwrap().status, 200);
    }
    let text = metrics(&r).await;
    let l = "tenant=\"acme\",connection=\"platform\"";
    for line in [
        format!("weft_http_responses_total{{{l},status=\"429\"}} 3"),
        format!("weft_http_responses_total{{{l},status=\"200\"}} 3"),
        format!("weft_http_retries_total{{{l}}} 3"),
    ] {
        assert!(text.contains(&line), "{line} missing in:\n{text}");
    }
    let waits: f64 = text
        .lines()
        .find_map(|line| line.strip_prefix(&format!("weft_http_rate_limit_waits_total{{{l}}} ")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no rate-limit waits line in:\n{text}"));
    assert!(
        waits >= 1.0,
        "a bucket of one token at 50/s made later requests wait: {waits}"
    );
}
