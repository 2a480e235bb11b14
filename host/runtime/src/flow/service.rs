//! The flows of a host and what sets them off: interval schedules, webhook events, dependency
//! landings and manual runs. Each flow runs on its own task, one run at a time; flows of
//! different tenants and streams run concurrently, and one flow's failure only marks that flow.
//!
//! Status (last run, last success, last error, totals) is kept in the store's metadata so `weft
//! flows` and the admin API see it across restarts. This module does not parse config or serve
//! HTTP.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use weft_engine::{CallError, ConnectorCall, ConnectorReply, DeploymentKey};
use weft_sync::{DriftReport, ReplayFilter, RetentionPolicy};

use super::reconcile::Reconciliation;
use super::replay::ReplayReport;
use super::runner::{Flow, FlowCtx, FlowError, RunMode, RunReport};
use crate::telemetry::Event;
use crate::{HttpMode, PluginHost};

/// What `weft flows` and the admin API show for a flow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FlowStatus {
    /// `tenant/name`.
    pub id: String,
    /// `deployment/stream` of the source.
    pub source: String,
    /// `deployment/stream` of the target.
    pub target: String,
    /// "idle", "running" or "failing".
    pub state: String,
    /// When the last run started.
    pub last_run_ms: Option<u64>,
    /// When a run last finished without error.
    pub last_success_ms: Option<u64>,
    /// The last run's error, if it failed.
    pub last_error: Option<String>,
    /// Records moved since the store was created.
    pub totals: RunReport,
    /// Parked records now.
    pub parked: u64,
}

struct Entry {
    flow: Flow,
    run_lock: tokio::sync::Mutex<()>,
    wake: Notify,
}

/// The flows of one host.
pub struct Flows {
    ctx: FlowCtx,
    entries: BTreeMap<String, Arc<Entry>>,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    retention: Mutex<RetentionPolicy>,
}

fn status_key(id: &str) -> String {
    format!("flow/{id}")
}

impl Flows {
    /// Flows sharing `ctx`.
    pub fn new(ctx: FlowCtx, flows: Vec<Flow>) -> Arc<Self> {
        let entries = flows
            .into_iter()
            .map(|flow| {
                let entry = Entry {
                    flow,
                    run_lock: tokio::sync::Mutex::new(()),
                    wake: Notify::new(),
                };
                (entry.flow.spec.id(), Arc::new(entry))
            })
            .collect();
        Arc::new(Flows {
            ctx,
            entries,
            tasks: Mutex::default(),
            retention: Mutex::default(),
        })
    }

    /// The shared context.
    pub fn ctx(&self) -> &FlowCtx {
        &self.ctx
    }

    /// A flow by id.
    pub fn flow(&self, id: &str) -> Option<Flow> {
        self.entries.get(id).map(|e| e.flow.clone())
    }

    /// Every flow's status, by id.
    pub fn statuses(&self) -> Result<Vec<FlowStatus>, FlowError> {
        self.entries
            .values()
            .map(|e| self.status(&e.flow))
            .collect()
    }

    fn status(&self, flow: &Flow) -> Result<FlowStatus, FlowError> {
        let id = flow.spec.id();
        let mut s: FlowStatus = self
            .ctx
            .store
            .meta_get(&status_key(&id))?
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        s.id = id.clone();
        s.source = format!(
            "{}/{}",
            flow.spec.source.deployment, flow.spec.source.stream
        );
        s.target = format!(
            "{}/{}",
            flow.spec.target.deployment, flow.spec.target.stream
        );
        if s.state.is_empty() {
            s.state = "idle".into();
        }
        s.parked = self.ctx.store.parked_count(&ReplayFilter {
            flow: Some(id),
            ..ReplayFilter::default()
        })?;
        Ok(s)
    }

    /// Run a flow now (waiting for a run in progress to finish first).
    pub async fn run(self: &Arc<Self>, id: &str, mode: RunMode) -> Result<RunReport, FlowError> {
        let entry = self.entry(id)?;
        let running = entry.run_lock.lock().await;
        let mut status = self.status(&entry.flow)?;
        status.state = "running".into();
        status.last_run_ms = Some(self.ctx.clock.now_ms());
        self.save(&status)?;
        let mut report = RunReport::default();
        let result = self.ctx.run_into(&entry.flow, mode, &mut report).await;
        // Pages a failed run settled count too: their effects happened.
        add(&mut status.totals, &report);
        match &result {
            Ok(()) => {
                status.state = "idle".into();
                status.last_success_ms = Some(self.ctx.clock.now_ms());
                status.last_error = None;
            }
            Err(e) => {
                status.state = "failing".into();
                status.last_error = Some(e.to_string());
                self.ctx.telemetry.emit(Event::RunFailed {
                    flow: id,
                    error: &e.to_string(),
                });
            }
        }
        self.save(&status)?;
        if let Some(t) = status.last_success_ms {
            let lag = self.ctx.clock.now_ms().saturating_sub(t) as f64 / 1000.0;
            self.ctx
                .telemetry
                .gauge("weft_flow_lag_seconds", format!("flow=\"{id}\""), lag);
        }
        // What landed before a failure landed all the same: records waiting for it may go on.
        // This flow's lock is released first: waking takes the other flows' locks one at a
        // time, and holding ours meanwhile deadlocks two flows that each wake the other.
        drop(running);
        let mut landed: Vec<&String> = report.landed.iter().collect();
        landed.sort();
        self.wake_dependents(id, &landed).await;
        result.map(|()| report)
    }

    fn entry(&self, id: &str) -> Result<Arc<Entry>, FlowError> {
        self.entries
            .get(id)
            .cloned()
            .ok_or_else(|| FlowError::Unknown(id.into()))
    }

    /// Reconcile a flow (waiting for a run in progress to finish first, so the comparison and
    /// any heal never interleave with the flow's own writes).
    pub async fn reconcile(
        &self,
        id: &str,
        heal: bool,
    ) -> Result<(Reconciliation, DriftReport), FlowError> {
        let entry = self.entry(id)?;
        let _running = entry.run_lock.lock().await;
        self.ctx.reconcile(&entry.flow, heal).await
    }

    /// Replay parked records matching `filter`.
    pub async fn replay(&self, filter: &ReplayFilter) -> Result<ReplayReport, FlowError> {
        self.ctx.replay(filter, |id| self.flow(id)).await
    }

    fn save(&self, status: &FlowStatus) -> Result<(), FlowError> {
        let value = serde_json::to_value(status).unwrap_or_default();
        Ok(self.ctx.store.meta_set(&status_key(&status.id), &value)?)
    }

    /// Records of other flows waiting on what `from` just landed go through now.
    async fn wake_dependents(&self, from: &str, landed: &[&String]) {
        for dependency in landed.iter().copied() {
            let Ok(waiting) = self.ctx.store.waiting_by_dependency(dependency) else {
                continue;
            };
            let mut flows: Vec<String> = waiting.into_iter().map(|w| w.flow).collect();
            flows.sort();
            flows.dedup();
            for id in flows.into_iter().filter(|f| f != from) {
                if let Some(entry) = self.entries.get(&id) {
                    let _running = entry.run_lock.lock().await;
                    if let Err(e) = self.ctx.retry_waiting(&entry.flow, Some(dependency)).await {
                        tracing::warn!(flow = %id, error = %e, "waking records waiting on {dependency}");
                    }
                }
            }
        }
    }

    /// Start the trigger tasks and the hourly retention purge: each flow runs incrementally at its interval, and at once when
    /// woken (webhook, manual trigger). Returns at once; tasks stop with [`Flows::stop`].
    /// How long parked records are kept (default 30 days); applied hourly once started.
    pub fn set_retention(&self, policy: RetentionPolicy) {
        *self.retention.lock().expect("lock") = policy;
    }

    /// Remove parked records older than the retention allows; returns how many.
    pub fn purge_parked(&self) -> Result<u64, FlowError> {
        let cutoff = self
            .retention
            .lock()
            .expect("lock")
            .cutoff_ms(self.ctx.clock.now_ms());
        Ok(self.ctx.store.purge_parked_before(cutoff)?)
    }

    pub fn start(self: &Arc<Self>) {
        let mut tasks = self.tasks.lock().expect("lock");
        let me = self.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                match me.purge_parked() {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(purged = n, "parked records past retention removed"),
                    Err(e) => tracing::warn!(error = %e, "purging parked records"),
                }
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
        }));
        for (flow_id, flow_entry) in &self.entries {
            let (me, id, entry) = (self.clone(), flow_id.clone(), flow_entry.clone());
            tasks.push(tokio::spawn(async move {
                let every = entry.flow.spec.triggers.interval_ms.map(Duration::from_millis);
                loop {
                    if let Err(e) = me.run(&id, RunMode::Incremental).await {
                        tracing::warn!(flow = %id, error = %e, "flow run failed; it retries at the next trigger");
                    }
                    match every {
                        Some(d) => {
                            let _ = tokio::time::timeout(d, entry.wake.notified()).await;
                        }
                        None => entry.wake.notified().await,
                    }
                }
            }));
            if let Some(every) = flow_entry.flow.spec.triggers.reconcile_interval_ms {
                let (me, id, entry) = (self.clone(), flow_id.clone(), flow_entry.clone());
                tasks.push(tokio::spawn(async move {
                    loop {
                        tokio::time::sleep(Duration::from_millis(every)).await;
                        let _running = entry.run_lock.lock().await;
                        if let Err(e) = me.ctx.reconcile(&entry.flow, entry.flow.spec.reconcile.heal).await {
                            tracing::warn!(flow = %id, error = %e, "scheduled reconciliation failed");
                        }
                    }
                }));
            }
        }
    }

    /// Ask a flow's trigger task to run now.
    pub fn trigger(&self, id: &str) -> bool {
        self.entries.get(id).map(|e| e.wake.notify_one()).is_some()
    }

    /// Stop every trigger task, letting runs and reconciliations in progress finish first: a
    /// run cut off mid-write would leave an effect whose outcome nobody saw (the ledger and the
    /// next run cope, but against a target without idempotency keys a write still in flight
    /// can race the re-send's look-up).
    pub async fn stop(&self) {
        let mut held = Vec::new();
        for entry in self.entries.values() {
            held.push(entry.run_lock.lock().await);
        }
        for t in self.tasks.lock().expect("lock").drain(..) {
            t.abort();
        }
        drop(held);
    }

    /// Hand a webhook to the tenant's connector deployment and wake the flows reading the streams
    /// it announces. Returns how many flows were woken.
    pub async fn webhook(
        &self,
        host: &PluginHost,
        key: &DeploymentKey,
        topic: &str,
        headers: Vec<(String, String)>,
        body: String,
    ) -> Result<usize, WebhookError> {
        if host.current(key).is_err() {
            return Err(WebhookError::UnknownDeployment(key.clone()));
        }
        let call = ConnectorCall::HandleWebhook {
            topic: topic.into(),
            headers,
            body,
        };
        let events = match host.connector(key, &call, &HttpMode::Live).await {
            Ok((_, c)) => match c.value {
                ConnectorReply::Events(Ok(events)) => events,
                ConnectorReply::Events(Err(e)) => {
                    return Err(match e {
                        CallError::UnverifiedWebhook(why) => WebhookError::Unverified(why),
                        CallError::UnknownStream(s) => WebhookError::Unverified(format!(
                            "the connector does not take this topic ({s})"
                        )),
                        CallError::BadCursor(s) => WebhookError::Failed(s),
                        CallError::Failed(f) => WebhookError::Failed(f.message),
                    });
                }
                _ => {
                    return Err(WebhookError::Failed(
                        "connector answered handle-webhook with another reply".into(),
                    ));
                }
            },
            Err(e) => return Err(WebhookError::Failed(e.to_string())),
        };
        let mut woken = 0;
        for entry in self.entries.values() {
            let spec = &entry.flow.spec;
            let hit = spec.tenant == key.tenant
                && spec.source.deployment == key.deployment
                && spec.triggers.webhooks
                && events.iter().any(|e| e.stream_name == spec.source.stream);
            if hit {
                entry.wake.notify_one();
                woken += 1;
            }
        }
        Ok(woken)
    }
}

/// Why a webhook delivery was not taken.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// No connector deployment under that tenant and name.
    #[error(
        "no deployment {0} on this host; deliver to /webhooks/<tenant>/<deployment> of a connector in the config"
    )]
    UnknownDeployment(DeploymentKey),
    /// The connector refused the delivery (bad signature, unknown topic).
    #[error("webhook not verified: {0}")]
    Unverified(String),
    /// The connector could not handle it (trapped, quarantined, failed); the platform retries.
    #[error("the connector could not handle the webhook: {0}")]
    Failed(String),
}

fn add(t: &mut RunReport, r: &RunReport) {
    t.pages += r.pages;
    t.read += r.read;
    t.written += r.written;
    t.duplicates += r.duplicates;
    t.dropped += r.dropped;
    t.parked += r.parked;
    t.waiting += r.waiting;
    t.unblocked += r.unblocked;
    t.cursor = r.cursor.clone().or(t.cursor.take());
}
