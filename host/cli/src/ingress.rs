//! Webhook ingress: the public door platforms deliver webhooks to.
//!
//! `POST /webhooks/{tenant}/{deployment}` hands the body and headers (the topic comes from the
//! body's platform header, e.g. `X-Shopify-Topic`, or `?topic=`) to that deployment's connector,
//! which verifies the signature and says which streams changed; the flows reading those streams
//! wake at once. 200 means the delivery was verified and handed over; a delivery the connector
//! refuses (bad signature, unknown topic) answers 401 with the reason so the platform's retry
//! log shows it. A lost or late webhook costs latency only: every flow also polls on its
//! interval, so the cursor, not the webhook, decides what is synced.
//!
//! Deliberately not here: authentication of the operator (webhooks are verified by the
//! connector's signature check, the admin API has its own token) and queuing: a delivery that
//! arrives while the flow runs wakes it once more afterwards.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use weft_engine::DeploymentKey;
use weft_runtime::PluginHost;
use weft_runtime::flow::Flows;

#[derive(Clone)]
struct Ingress {
    flows: Arc<Flows>,
    host: Arc<PluginHost>,
}

/// A running ingress; stops when dropped.
pub struct IngressHandle {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl IngressHandle {
    /// Base URL deliveries go to: `{base}/webhooks/{tenant}/{deployment}`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for IngressHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(serde::Deserialize)]
struct TopicQuery {
    topic: Option<String>,
}

/// Serve the ingress on `addr` (port 0 picks one).
pub async fn serve(
    addr: SocketAddr,
    flows: Arc<Flows>,
    host: Arc<PluginHost>,
) -> anyhow::Result<IngressHandle> {
    let app = Router::new()
        .route("/webhooks/{tenant}/{deployment}", post(deliver))
        .with_state(Ingress { flows, host });
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("webhook ingress: cannot listen on {addr}: {e}"))?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "webhook ingress stopped");
        }
    });
    Ok(IngressHandle { addr, task })
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
            (StatusCode::UNAUTHORIZED, e)
        }
    }
}
