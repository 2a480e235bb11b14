//! Alerts: rules per flow (parked records above N, lag above T seconds, drifted keys above N,
//! a deployment of the flow quarantined after repeated traps) checked periodically, sent as a JSON POST to one webhook URL, one alert per incident.
//!
//! An incident starts when a rule's condition becomes true and ends when it is false again; the
//! alert is sent once at the start (and, if asked, a `resolved` notice at the end). A failed
//! delivery is tried again at the next check, so an incident is not lost to a receiver that was
//! briefly down. The incident set lives in memory: after a restart, conditions still true alert
//! again once. It does not page, escalate, group incidents or keep a history; the receiver does.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use weft_runtime::flow::Flows;

use crate::flows::{FlowView, flow_views};

/// Thresholds for one flow; an absent threshold is not checked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AlertRules {
    /// Alert when more records than this are parked.
    pub parked_above: Option<u64>,
    /// Alert when the last successful run is older than this many seconds.
    pub lag_above_seconds: Option<f64>,
    /// Alert when the latest reconciliation found more drifted keys than this.
    pub drift_above: Option<u64>,
    /// Alert when a deployment the flow uses is quarantined after repeated traps.
    #[serde(default)]
    pub on_quarantine: bool,
}

/// Where alerts go and which flows have rules.
#[derive(Debug, Clone)]
pub struct AlertConfig {
    /// The URL each alert is POSTed to as JSON.
    pub webhook: String,
    /// How often rules are checked.
    pub interval: Duration,
    /// Also POST a `resolved` notice when an incident ends.
    pub notify_resolved: bool,
    /// Rules by flow id (`tenant/name`).
    pub rules: BTreeMap<String, AlertRules>,
}

/// What is POSTed to the webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The flow (`tenant/name`).
    pub flow: String,
    /// `parked`, `lag`, `drift` or `quarantine`.
    pub rule: String,
    /// `firing` (an incident started) or `resolved` (it ended).
    pub status: String,
    /// The value that crossed the threshold (or the value now, when resolved).
    pub value: f64,
    /// The threshold.
    pub threshold: f64,
    /// One line for people.
    pub message: String,
    /// When the check ran, ms since the epoch.
    pub at_ms: u64,
}

/// A check that could not finish.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    /// Flow status could not be read.
    #[error("reading flow status for alerts: {0}")]
    Status(String),
}

/// Checks rules and sends alerts, remembering open incidents.
pub struct Alerter {
    config: AlertConfig,
    client: reqwest::Client,
    open: Mutex<BTreeSet<(String, &'static str)>>,
}

/// `(rule, value, threshold, breached)` for each rule a flow has.
fn evaluate(view: &FlowView, rules: &AlertRules) -> Vec<(&'static str, f64, f64, bool)> {
    let mut out = Vec::new();
    if let Some(n) = rules.parked_above {
        let v = view.status.parked;
        out.push(("parked", v as f64, n as f64, v > n));
    }
    if let Some(t) = rules.lag_above_seconds {
        let v = view.lag_seconds;
        out.push(("lag", v.unwrap_or(0.0), t, v.is_some_and(|v| v > t)));
    }
    if let Some(n) = rules.drift_above {
        let v = view.drift.unwrap_or(0);
        out.push(("drift", v as f64, n as f64, v > n));
    }
    if rules.on_quarantine {
        let v = view.quarantined.len();
        out.push(("quarantine", v as f64, 0.0, v > 0));
    }
    out
}

fn message(view: &FlowView, rule: &str, value: f64, threshold: f64, firing: bool) -> String {
    let flow = &view.status.id;
    let what = match rule {
        "quarantine" if firing => view.quarantined.join("; "),
        "quarantine" => "no deployment is quarantined".to_string(),
        "parked" => format!("{value} parked records (alert above {threshold})"),
        "lag" => format!("last successful run {value:.0} s ago (alert above {threshold} s)"),
        _ => format!("{value} drifted keys at the latest reconciliation (alert above {threshold})"),
    };
    if firing {
        format!("{flow}: {what}")
    } else {
        format!("{flow}: resolved, now {what}")
    }
}

impl Alerter {
    /// An alerter with no open incidents.
    pub fn new(config: AlertConfig) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Alerter {
            config,
            client,
            open: Mutex::default(),
        }
    }

    /// Check every rule once; send what started (and ended, if asked). Returns what was
    /// delivered.
    pub async fn check(&self, flows: &Flows) -> Result<Vec<Alert>, AlertError> {
        let views = flow_views(flows).map_err(|e| AlertError::Status(e.message))?;
        let at_ms = flows.ctx().clock.now_ms();
        let mut due = Vec::new();
        {
            let open = self.open.lock().expect("alerts lock");
            for view in &views {
                let Some(rules) = self.config.rules.get(&view.status.id) else {
                    continue;
                };
                let flow = view.status.id.clone();
                for (rule, value, threshold, breached) in evaluate(view, rules) {
                    let was_open = open.contains(&(flow.clone(), rule));
                    if breached == was_open {
                        continue;
                    }
                    due.push((
                        rule,
                        Alert {
                            status: if breached { "firing" } else { "resolved" }.into(),
                            message: message(view, rule, value, threshold, breached),
                            flow: flow.clone(),
                            rule: rule.into(),
                            value,
                            threshold,
                            at_ms,
                        },
                    ));
                }
            }
        }
        let mut sent = Vec::new();
        for (rule, alert) in due {
            let key = (alert.flow.clone(), rule);
            let firing = alert.status == "firing";
            if !firing && !self.config.notify_resolved {
                self.open.lock().expect("alerts lock").remove(&key);
                continue;
            }
            if self.deliver(&alert).await {
                let mut open = self.open.lock().expect("alerts lock");
                if firing {
                    open.insert(key);
                } else {
                    open.remove(&key);
                }
                sent.push(alert);
            }
        }
        Ok(sent)
    }

    async fn deliver(&self, alert: &Alert) -> bool {
        let result = self
            .client
            .post(&self.config.webhook)
            .json(alert)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status);
        match result {
            Ok(_) => {
                tracing::info!(flow = %alert.flow, rule = %alert.rule, status = %alert.status, "alert sent");
                true
            }
            Err(e) => {
                tracing::warn!(flow = %alert.flow, rule = %alert.rule, error = %e, "alert delivery failed; it is tried again at the next check");
                false
            }
        }
    }

    /// Check every [`AlertConfig::interval`] until the task is aborted.
    pub fn spawn(self, flows: Arc<Flows>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(self.config.interval).await;
                if let Err(e) = self.check(&flows).await {
                    tracing::warn!(error = %e, "alert check failed");
                }
            }
        })
    }
}
