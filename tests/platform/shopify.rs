//! The Shopify connector against the simulator.
//!
//! Each test starts a simulated shop in-process, binds it as the tenant's connection "shopify"
//! (loopback allowed, `X-Shopify-Access-Token: sandbox` injected by the host), grants the secret
//! "shopify-webhook" (the shop's app secret) and deploys the real component, then drives it
//! through the host exactly as the sync engine would: describe, write batches, lookups, reads
//! through every page, and webhooks signed by the shop itself.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use weft_cap_http::{AuthHeader, Connection, ConnectionConfig};
use weft_cap_secrets::SecretStore;
use weft_engine::{
    CallError, ChangeEvent, ConnectorCall, ConnectorReply, DeploymentKey, EngineConfig, ErrorClass,
    Failure, Page, WriteItem, Written,
};
use weft_runtime::{DeploymentSpec, HttpMode, PluginHost};
use weft_sim::shopify::{NewLine, NewOrder, RunningShopify, ShopifyConfig, ShopifySim};
use weft_world::types::{Entity, ProductStatus};

mod catalog;
mod inventory;
mod records;
mod sales;

use records::*;

/// A shop, a host with the connector deployed for tenant "acme", and the deployment key.
pub(crate) struct Env {
    pub shop: RunningShopify,
    pub host: Arc<PluginHost>,
    pub key: DeploymentKey,
    _dir: tempfile::TempDir,
}

pub(crate) async fn env_with(config: ShopifyConfig) -> Env {
    let shop = ShopifySim::start(config).await.expect("shop starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sled::open(dir.path().join("db")).expect("sled");
    let mut secrets = SecretStore::new();
    secrets.insert("shopify-webhook", b"sandbox-secret".to_vec());
    let host = Arc::new(
        PluginHost::new(
            EngineConfig::default(),
            &db,
            secrets,
            weft_runtime::system_clock(),
        )
        .expect("host"),
    );
    let mut conn = ConnectionConfig::new(format!("{}/admin/api/2026-01", shop.base_url()));
    conn.allow_loopback = true;
    let auth = AuthHeader {
        name: "X-Shopify-Access-Token".into(),
        value: "sandbox".into(),
    };
    let conn = Connection::new("shopify", conn, Some(auth)).expect("connection");
    host.bind_connections("acme", HashMap::from([("shopify".into(), Arc::new(conn))]));
    let mut spec = DeploymentSpec::new("acme", "shopify");
    spec.connections = vec!["shopify".into()];
    spec.secrets = vec!["shopify-webhook".into()];
    let key = spec.key.clone();
    weft_tests::deploy(&host, spec, "shopify", "0.1.0").await;
    Env {
        shop,
        host,
        key,
        _dir: dir,
    }
}

pub(crate) async fn env() -> Env {
    env_with(ShopifyConfig {
        items: 12,
        ..ShopifyConfig::default()
    })
    .await
}

impl Env {
    pub async fn call(&self, call: ConnectorCall) -> ConnectorReply {
        let (_, called) = self
            .host
            .connector(&self.key, &call, &HttpMode::Live)
            .await
            .unwrap_or_else(|e| panic!("connector call failed: {e}"));
        called.value
    }

    pub async fn write(
        &self,
        stream: &str,
        items: Vec<WriteItem>,
    ) -> Vec<Result<Written, Failure>> {
        match self
            .call(ConnectorCall::WriteBatch {
                stream: stream.into(),
                items,
            })
            .await
        {
            ConnectorReply::Written(Ok(out)) => out,
            other => panic!("write {stream}: {other:?}"),
        }
    }

    /// Read one page; like the engine, wait out `rate-limited` answers (Shopify's cost bucket
    /// empties when pages are read back to back).
    pub async fn read(&self, stream: &str, cursor: Option<String>, limit: u32) -> Page {
        for _ in 0..20 {
            let call = ConnectorCall::ReadPage {
                stream: stream.into(),
                cursor: cursor.clone(),
                limit,
            };
            match self.call(call).await {
                ConnectorReply::Page(Ok(page)) => return page,
                ConnectorReply::Page(Err(CallError::Failed(f)))
                    if f.class == ErrorClass::RateLimited =>
                {
                    let wait = f.retry_after_ms.expect("rate-limited names a wait");
                    assert!(wait <= 20_000, "{wait}");
                    tokio::time::sleep(Duration::from_millis(wait)).await;
                }
                other => panic!("read {stream}: {other:?}"),
            }
        }
        panic!("read {stream}: still throttled")
    }

    /// Read from `cursor` until the stream has nothing more; returns the records and the last
    /// cursor.
    pub async fn read_all(
        &self,
        stream: &str,
        mut cursor: Option<String>,
    ) -> (Vec<Entity>, Option<String>) {
        let mut records = Vec::new();
        for _ in 0..200 {
            let page = self.read(stream, cursor.clone(), 100).await;
            records.extend(page.records);
            if page.next_cursor.is_some() {
                cursor = page.next_cursor;
            }
            if !page.has_more {
                return (records, cursor);
            }
        }
        panic!("{stream} never ended")
    }

    pub async fn lookup(&self, stream: &str, keys: &[&str]) -> Vec<Entity> {
        match self
            .call(ConnectorCall::Lookup {
                stream: stream.into(),
                keys: keys.iter().map(|k| k.to_string()).collect(),
            })
            .await
        {
            ConnectorReply::Found(Ok(found)) => found,
            other => panic!("lookup {stream}: {other:?}"),
        }
    }

    pub async fn webhook(
        &self,
        topic: &str,
        headers: Vec<(String, String)>,
        body: String,
    ) -> Result<Vec<ChangeEvent>, CallError> {
        match self
            .call(ConnectorCall::HandleWebhook {
                topic: topic.into(),
                headers,
                body,
            })
            .await
        {
            ConnectorReply::Events(r) => r,
            other => panic!("webhook: {other:?}"),
        }
    }

    /// A SKU, its seeded variant id, and the first location.
    pub fn sample(&self, n: usize) -> (String, u64, u64) {
        let (_, v) = self
            .shop
            .retailer()
            .variants()
            .nth(n)
            .expect("seeded variant");
        (
            v.sku.clone(),
            v.shopify_variant_id,
            self.shop.location_ids()[0],
        )
    }

    /// Place an order of one unit of variant `n` at the first location.
    pub fn order(&self, n: usize) -> u64 {
        let (_, variant, loc) = self.sample(n);
        self.shop
            .create_order(NewOrder {
                lines: vec![NewLine {
                    variant_id: variant,
                    quantity: 1,
                }],
                location_id: Some(loc),
                shipping: Some(("Standard Shipping".into(), 500)),
                ..NewOrder::default()
            })
            .expect("order placed")
    }
}

pub(crate) async fn eventually<T>(mut f: impl FnMut() -> Option<T>) -> T {
    for _ in 0..100 {
        if let Some(v) = f() {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("condition not met in 5 s")
}
