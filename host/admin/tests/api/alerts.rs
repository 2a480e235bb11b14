//! Alerts against a local axum receiver: one alert per incident, a new one after the condition
//! cleared and came back, redelivery after a failed POST, resolved notices on request.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use weft_admin::alerts::{Alert, AlertConfig, AlertRules, Alerter};

use crate::support::{FLOW, Rig, level};

#[derive(Clone, Default)]
pub(crate) struct Receiver {
    pub(crate) got: Arc<Mutex<Vec<Alert>>>,
    failing: Arc<AtomicBool>,
}

async fn receive(State(r): State<Receiver>, Json(alert): Json<Alert>) -> StatusCode {
    if r.failing.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    r.got.lock().unwrap().push(alert);
    StatusCode::NO_CONTENT
}

pub(crate) async fn receiver() -> (Receiver, String) {
    let r = Receiver::default();
    let app = axum::Router::new()
        .route("/hooks/weft", post(receive))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/weft", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (r, url)
}

fn alerter(url: String, rules: AlertRules, notify_resolved: bool) -> Alerter {
    Alerter::new(AlertConfig {
        webhook: url,
        interval: Duration::from_millis(50),
        notify_resolved,
        rules: BTreeMap::from([(FLOW.to_string(), rules)]),
    })
}

#[tokio::test]
async fn one_alert_per_incident_and_a_new_one_when_it_comes_back() {
    let (rx, url) = receiver().await;
    let r = Rig::new(&["OK-1", "BAD-1", "BAD-2"]).await;
    let rules = AlertRules {
        parked_above: Some(1),
        ..AlertRules::default()
    };
    let a = alerter(url, rules, false);
    let s = r.flows.clone();
    assert!(a.check(&s).await.unwrap().is_empty(), "nothing parked yet");

    r.run_flow().await;
    let sent = a.check(&s).await.unwrap();
    assert_eq!(sent.len(), 1, "{sent:?}");
    for _ in 0..3 {
        assert!(
            a.check(&s).await.unwrap().is_empty(),
            "the same incident alerts once"
        );
    }
    let got = rx.got.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let alert = &got[0];
    assert_eq!(
        (
            alert.flow.as_str(),
            alert.rule.as_str(),
            alert.status.as_str()
        ),
        (FLOW, "parked", "firing")
    );
    assert_eq!((alert.value, alert.threshold), (2.0, 1.0));
    assert!(
        alert.message.contains("2 parked records"),
        "{}",
        alert.message
    );

    r.broken.store(false, Ordering::SeqCst);
    r.json(
        r.post("/api/replay")
            .json(&serde_json::json!({"all": true})),
        200,
    )
    .await;
    assert!(
        a.check(&s).await.unwrap().is_empty(),
        "cleared quietly without notify_resolved"
    );

    r.broken.store(true, Ordering::SeqCst);
    r.source
        .append([level("BAD-3", 10, 1), level("BAD-4", 11, 1)]);
    r.run_flow().await;
    let again = a.check(&s).await.unwrap();
    assert_eq!(again.len(), 1, "a new incident alerts again");
    assert_eq!(rx.got.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_failed_delivery_is_retried_and_resolved_notices_can_be_asked_for() {
    let (rx, url) = receiver().await;
    let r = Rig::new(&["OK-1", "OK-2"]).await;
    r.run_flow().await;
    let rules = AlertRules {
        drift_above: Some(0),
        lag_above_seconds: Some(3600.0),
        ..AlertRules::default()
    };
    let a = alerter(url, rules, true);
    let s = r.flows.clone();

    r.source.append([level("OK-3", 10, 3)]);
    r.json(r.post(&format!("/api/flows/{FLOW}/reconcile")), 200)
        .await;
    rx.failing.store(true, Ordering::SeqCst);
    assert!(
        a.check(&s).await.unwrap().is_empty(),
        "the receiver is down"
    );
    rx.failing.store(false, Ordering::SeqCst);
    let sent = a.check(&s).await.unwrap();
    assert_eq!(sent.len(), 1, "delivered at the next check: {sent:?}");
    assert_eq!((sent[0].rule.as_str(), sent[0].value), ("drift", 1.0));
    assert!(a.check(&s).await.unwrap().is_empty());

    r.json(
        r.post(&format!("/api/flows/{FLOW}/reconcile?heal=true")),
        200,
    )
    .await;
    r.json(r.post(&format!("/api/flows/{FLOW}/reconcile")), 200)
        .await;
    let resolved = a.check(&s).await.unwrap();
    assert_eq!(resolved.len(), 1, "{resolved:?}");
    assert_eq!(
        (resolved[0].rule.as_str(), resolved[0].status.as_str()),
        ("drift", "resolved")
    );
    assert!(a.check(&s).await.unwrap().is_empty());
    assert_eq!(
        rx.got.lock().unwrap().len(),
        2,
        "no lag alert: the flow ran moments ago"
    );
}

#[tokio::test]
async fn a_spawned_alerter_checks_on_its_interval() {
    let (rx, url) = receiver().await;
    let r = Rig::new(&["BAD-1"]).await;
    r.run_flow().await;
    let rules = AlertRules {
        parked_above: Some(0),
        ..AlertRules::default()
    };
    let task = alerter(url, rules, false).spawn(r.flows.clone());
    for _ in 0..100 {
        if !rx.got.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    task.abort();
    assert_eq!(rx.got.lock().unwrap().len(), 1);
}
