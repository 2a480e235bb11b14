//! Webhook delivery, as platform-apis.md 3.6 describes it: each change the store announces is
//! POSTed, as the REST JSON of the topic's resource, to every subscription for that topic, with
//! `X-Shopify-Topic`, `X-Shopify-Hmac-Sha256` (base64 HMAC-SHA256 of the raw body keyed with the
//! app secret), `X-Shopify-Shop-Domain`, `X-Shopify-API-Version`, `X-Shopify-Webhook-Id` (the
//! receiver's dedupe key, the same on every retry and duplicate), `X-Shopify-Event-Id`,
//! `X-Shopify-Triggered-At`. Timeouts 1 s connect / 5 s total (wall time). A non-2xx answer or a
//! transport error is retried 8 times with exponential back-off spanning 4 hours of simulator time
//! (first retry after ~56 s, doubling), always with the original body; after the last failure
//! the subscription is deleted, as Shopify does for subscriptions created through the API.
//!
//! Faults (see `crate::faults`): a delivery can be dropped (never sent) or duplicated (sent twice
//! with the same webhook id). Deliberately not modelled: `include_fields`, Pub/Sub and
//! EventBridge targets, secret rotation, mandatory compliance topics.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use tokio::sync::mpsc::UnboundedReceiver;

use super::model::WebhookSub;
use super::state::SimState;
use super::store::Store;
use super::timefmt::{self, Millis};

/// Retries after the first attempt.
pub const MAX_RETRIES: u32 = 8;
/// Total retry window in simulator milliseconds (4 hours).
pub const RETRY_WINDOW_MS: i64 = 4 * 3600 * 1000;

/// Simulator-time delay before retry `n` (1-based): `window / (2^8 - 1) * 2^(n-1)`.
pub fn retry_delay_ms(n: u32) -> i64 {
    RETRY_WINDOW_MS / ((1 << MAX_RETRIES) - 1) * (1 << (n - 1))
}

/// base64(HMAC-SHA256(body, secret)): the `X-Shopify-Hmac-Sha256` value.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac takes any key length");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Register `url` for `topic` (REST spelling); returns the subscription.
pub fn subscribe(s: &mut Store, topic: &str, url: &str, now: Millis) -> WebhookSub {
    let sub = WebhookSub {
        id: s.id(),
        topic: topic.to_string(),
        callback_url: url.to_string(),
        created_at: now,
    };
    s.webhooks.insert(sub.id, sub.clone());
    sub
}

/// One attempt at delivering a webhook, for assertions and the demo's progress view.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryAttempt {
    pub webhook_id: String,
    pub topic: String,
    pub url: String,
    /// 0 for the first attempt, 1..=8 for retries.
    pub attempt: u32,
    /// HTTP status, `None` on a transport error or timeout.
    pub status: Option<u16>,
    /// `true` if this attempt was a fault-injected duplicate.
    pub duplicate: bool,
    pub at: Millis,
}

/// Shared log of attempts plus counters of faults applied.
#[derive(Debug, Default)]
pub struct DeliveryLog {
    pub attempts: Mutex<Vec<DeliveryAttempt>>,
    pub dropped: Mutex<Vec<(String, String)>>,
}

struct Job {
    sub: WebhookSub,
    webhook_id: String,
    event_id: u64,
    topic: String,
    body: Arc<Vec<u8>>,
    triggered_at: Millis,
    duplicate: bool,
}

/// Run the dispatcher until the outbox closes: fan each event out to its subscriptions.
pub async fn dispatch(
    state: Arc<SimState>,
    log: Arc<DeliveryLog>,
    mut rx: UnboundedReceiver<(String, serde_json::Value)>,
) {
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(1))
        .timeout(Duration::from_secs(5))
        .build()
        .expect("reqwest client builds with static settings");
    while let Some((topic, body)) = rx.recv().await {
        let subs: Vec<WebhookSub> = state.read(|s| {
            s.webhooks
                .values()
                .filter(|w| w.topic == topic)
                .cloned()
                .collect()
        });
        if subs.is_empty() {
            continue;
        }
        let body = Arc::new(serde_json::to_vec(&body).unwrap_or_default());
        let event_id = state.mutate(|s, _| s.id());
        for sub in subs {
            let webhook_id = uuid_like(&state);
            if state.faults_drop_webhook() {
                log.dropped
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((webhook_id, topic.clone()));
                continue;
            }
            let copies = if state.faults_duplicate_webhook() {
                2
            } else {
                1
            };
            for copy in 0..copies {
                let job = Job {
                    sub: sub.clone(),
                    webhook_id: webhook_id.clone(),
                    event_id,
                    topic: topic.clone(),
                    body: body.clone(),
                    triggered_at: state.now(),
                    duplicate: copy > 0,
                };
                tokio::spawn(deliver(state.clone(), log.clone(), client.clone(), job));
            }
        }
    }
}

fn uuid_like(state: &SimState) -> String {
    let n: u128 = state.mutate(|s, _| s.id()) as u128 ^ rand::random::<u128>();
    let h = format!("{n:032x}");
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

async fn deliver(state: Arc<SimState>, log: Arc<DeliveryLog>, client: reqwest::Client, job: Job) {
    let secret = state.settings.webhook_secret.clone();
    let hmac = sign(&secret, &job.body);
    for attempt in 0..=MAX_RETRIES {
        if attempt > 0 {
            timefmt::sleep_sim(&state.clock, retry_delay_ms(attempt)).await;
        }
        // The subscription may have been deleted, or the shop stopped, meanwhile.
        if state.stopped.load(std::sync::atomic::Ordering::Relaxed)
            || !state.read(|s| s.webhooks.contains_key(&job.sub.id))
        {
            return;
        }
        let resp = client
            .post(&job.sub.callback_url)
            .header("Content-Type", "application/json")
            .header("X-Shopify-Topic", &job.topic)
            .header("X-Shopify-Hmac-Sha256", &hmac)
            .header("X-Shopify-Shop-Domain", &state.settings.shop_domain)
            .header("X-Shopify-API-Version", &state.settings.default_api_version)
            .header("X-Shopify-Webhook-Id", &job.webhook_id)
            .header("X-Shopify-Event-Id", job.event_id.to_string())
            .header("X-Shopify-Triggered-At", timefmt::format(job.triggered_at))
            .header("X-Shopify-Name", format!("sub-{}", job.sub.id))
            .body(job.body.as_ref().clone())
            .send()
            .await;
        let status = resp.as_ref().ok().map(|r| r.status().as_u16());
        log.attempts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(DeliveryAttempt {
                webhook_id: job.webhook_id.clone(),
                topic: job.topic.clone(),
                url: job.sub.callback_url.clone(),
                attempt,
                status,
                duplicate: job.duplicate,
                at: state.now(),
            });
        if status.is_some_and(|s| (200..300).contains(&s)) {
            return;
        }
        tracing::debug!(topic = %job.topic, url = %job.sub.callback_url, attempt, ?status, "webhook delivery failed");
    }
    tracing::info!(
        subscription = job.sub.id,
        "webhook subscription removed after {MAX_RETRIES} failed retries"
    );
    state.mutate(|s, _| s.webhooks.remove(&job.sub.id));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_span_four_hours() {
        let total: i64 = (1..=MAX_RETRIES).map(retry_delay_ms).sum();
        assert!((RETRY_WINDOW_MS - total).abs() < 1000, "{total}");
        assert!(retry_delay_ms(1) < 60_000);
    }
}
