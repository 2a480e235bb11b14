//! Webhook ingress: the public door platforms deliver webhooks to.
//!
//! `POST /webhooks/{tenant}/{deployment}` hands the body and headers (the topic comes from the
//! body's platform header, e.g. `X-Shopify-Topic`, or `?topic=`) to that deployment's connector,
//! which verifies the signature and says which streams changed; the flows reading those streams
//! wake at once. 200 means the delivery was verified and handed over; a delivery the connector
//! refuses (bad signature, unknown topic) answers 401 with the reason so the platform's retry
//! log shows it; an unknown tenant or deployment 404; a connector that traps or is quarantined
//! 500, so the platform delivers again later. A lost or late webhook costs latency only: every
//! flow also polls on its interval, so the cursor, not the webhook, decides what is synced.
//!
//! `weft run` serves it when weft.toml has a `[webhooks]` table (binding before the plugins are
//! deployed, so a taken port fails the start at once) and prints, per connector deployment that
//! is the source of a flow with `webhooks = true`, the URL to register with the platform;
//! `weft demo` serves its own on a free port.
//!
//! Deliberately not here: authentication of the operator (webhooks are verified by the
//! connector's signature check, the admin API has its own token) and queuing: a delivery that
//! arrives while the flow runs wakes it once more afterwards.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use weft_engine::DeploymentKey;
use weft_runtime::PluginHost;
use weft_runtime::flow::{Flows, WebhookError};

use crate::config::{Config, Webhooks};

/// How long [`IngressHandle::shutdown`] lets deliveries in flight finish.
const GRACE: Duration = Duration::from_secs(5);

#[derive(Clone)]
struct Ingress {
    flows: Arc<Flows>,
    host: Arc<PluginHost>,
}

/// A running ingress; [`IngressHandle::shutdown`] stops it gracefully, dropping it cuts it off.
pub struct IngressHandle {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl IngressHandle {
    /// The address it listens on (the real port when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL deliveries go to: `{base}/webhooks/{tenant}/{deployment}`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop accepting, let deliveries in flight finish (up to a few seconds), and wait.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(GRACE, &mut task).await.is_err()
        {
            task.abort();
        }
    }
}

impl Drop for IngressHandle {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

#[derive(serde::Deserialize)]
struct TopicQuery {
    topic: Option<String>,
}

/// Bind the ingress's address (port 0 picks one) without serving yet.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}

/// Serve the ingress on `addr` (port 0 picks one).
pub async fn serve(
    addr: SocketAddr,
    flows: Arc<Flows>,
    host: Arc<PluginHost>,
) -> anyhow::Result<IngressHandle> {
    let listener = bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("webhook ingress: cannot listen on {addr}: {e}"))?;
    serve_on(listener, flows, host)
}

/// Serve the ingress on a bound listener.
pub fn serve_on(
    listener: TcpListener,
    flows: Arc<Flows>,
    host: Arc<PluginHost>,
) -> anyhow::Result<IngressHandle> {
    let app = Router::new()
        .route("/webhooks/{tenant}/{deployment}", post(deliver))
        .with_state(Ingress { flows, host });
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = served.await {
            tracing::error!(error = %e, "webhook ingress stopped");
        }
    });
    tracing::info!(addr = %addr, "webhook ingress listening");
    Ok(IngressHandle {
        addr,
        stop: Some(stop),
        task: Some(task),
    })
}

/// A deployment whose deliveries wake flows: the source of flows with `webhooks = true`.
pub struct Receiver {
    /// The tenant.
    pub tenant: String,
    /// The connector deployment.
    pub deployment: String,
    /// The flows (`tenant/name`) a delivery can wake.
    pub flows: Vec<String>,
}

impl Receiver {
    /// Where the platform delivers, under the ingress's public base URL.
    pub fn url(&self, base: &str) -> String {
        format!(
            "{}/webhooks/{}/{}",
            base.trim_end_matches('/'),
            self.tenant,
            self.deployment
        )
    }
}

/// The deployments of `config` that receive webhooks, by tenant and deployment.
pub fn receivers(config: &Config) -> Vec<Receiver> {
    let mut by_deployment: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (tenant, t) in &config.tenants {
        for spec in t.flows.iter().filter(|f| f.triggers.webhooks) {
            by_deployment
                .entry((tenant.clone(), spec.source.deployment.clone()))
                .or_default()
                .push(spec.id());
        }
    }
    by_deployment
        .into_iter()
        .map(|((tenant, deployment), flows)| Receiver {
            tenant,
            deployment,
            flows,
        })
        .collect()
}

/// What an operator needs to know about the ingress, one line each: where it listens (`bound`
/// once it runs, else the configured address), and the URL to register per receiver. Printed
/// by `weft run` and `weft config check`.
pub fn report(
    webhooks: Option<&Webhooks>,
    receivers: &[Receiver],
    bound: Option<SocketAddr>,
) -> Vec<String> {
    let flows = || {
        receivers
            .iter()
            .flat_map(|r| r.flows.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(w) = webhooks else {
        let mut line = "no webhook ingress (no [webhooks] table)".to_string();
        if !receivers.is_empty() {
            line += &format!(
                "; {} set webhooks = true but will only run on their other triggers",
                flows()
            );
        }
        return vec![line];
    };
    let listen = bound.unwrap_or(w.listen);
    let mut lines = vec![match &w.public_url {
        Some(public) => format!("webhook ingress on {listen}, public URL {public}"),
        None => format!(
            "webhook ingress on {listen}, no public-url (set [webhooks] public-url to the URL platforms reach)"
        ),
    }];
    let base = w
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{listen}"));
    if receivers.is_empty() {
        lines.push(
            "no flow has webhooks = true: deliveries are verified but wake no flow".to_string(),
        );
    }
    for r in receivers {
        lines.push(format!(
            "register webhooks for {}/{} at {} (wakes {})",
            r.tenant,
            r.deployment,
            r.url(&base),
            r.flows.join(", ")
        ));
    }
    lines
}

async fn deliver(
    State(ingress): State<Ingress>,
    Path((tenant, deployment)): Path<(String, String)>,
    Query(query): Query<TopicQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let Ok(body) = String::from_utf8(body.to_vec()) else {
        return (StatusCode::BAD_REQUEST, "body is not UTF-8".into());
    };
    let headers: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let key = DeploymentKey::new(&tenant, &deployment);
    let topic = query.topic.unwrap_or_default();
    match ingress
        .flows
        .webhook(&ingress.host, &key, &topic, headers, body)
        .await
    {
        Ok(woken) => (StatusCode::OK, format!("{{\"woken\":{woken}}}")),
        Err(e) => {
            tracing::warn!(deployment = %key, error = %e, "webhook refused");
            let status = match e {
                WebhookError::UnknownDeployment(_) => StatusCode::NOT_FOUND,
                WebhookError::Unverified(_) => StatusCode::UNAUTHORIZED,
                WebhookError::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            (status, e.to_string())
        }
    }
}
