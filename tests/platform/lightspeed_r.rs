//! The Lightspeed R-Series connector against the simulator.
//!
//! Each test starts a simulated account in-process (a manual clock, so every seeded row shares one
//! `timeStamp` and paging must break ties by id), binds it as the tenant's connection
//! "lightspeed" (base URL = the account's API base, loopback allowed, `Authorization: Bearer
//! sandbox` injected by the host) and deploys the real component, then drives it through the
//! host as the sync engine would: describe, reads through every page (also across a host
//! restart), lookups, customer upserts, posting orders and reading sales and returns.
//!
//! Not here: OAuth token refresh (the host's connection owns credentials) and the sync engine
//! itself (these tests call the connector directly).

use std::collections::HashMap;
use std::sync::Arc;

use weft_cap_http::{AuthHeader, Connection, ConnectionConfig};
use weft_engine::{
    ConnectorCall, ConnectorReply, DeploymentKey, EngineConfig, Failure, Page, WriteItem, WriteOp,
    Written,
};
use weft_runtime::{DeploymentSpec, HttpMode, PluginHost};
use weft_sim::clock::SimClock;
use weft_sim::lightspeed_r::{LightspeedConfig, LightspeedSim, RunningSim};
use weft_world::types::{Entity, Meta, Money};

mod customers;
mod orders;
mod reads;

/// A simulated account and a host with the connector deployed for tenant "acme".
pub(crate) struct Env {
    pub sim: RunningSim,
    pub host: Arc<PluginHost>,
    pub key: DeploymentKey,
    _dir: tempfile::TempDir,
}

/// Start the simulator with `products` matrices and a host with the connector.
pub(crate) async fn env(products: usize) -> Env {
    let sim = LightspeedSim::start(LightspeedConfig {
        items: products,
        registers: 40,
        burst_limiter: false,
        clock: Some(SimClock::manual(1_767_225_600_000)),
        ..LightspeedConfig::default()
    })
    .await
    .expect("simulator starts");
    let (host, key, dir) = host_for(&sim).await;
    Env {
        sim,
        host,
        key,
        _dir: dir,
    }
}

async fn host_for(sim: &RunningSim) -> (Arc<PluginHost>, DeploymentKey, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = weft_tests::host_with(dir.path(), EngineConfig::default());
    let mut conn = ConnectionConfig::new(sim.api_base());
    conn.allow_loopback = true;
    let auth = AuthHeader {
        name: "Authorization".into(),
        value: "Bearer sandbox".into(),
    };
    let conn = Connection::new("lightspeed", conn, Some(auth)).expect("connection");
    host.bind_connections(
        "acme",
        HashMap::from([("lightspeed".into(), Arc::new(conn))]),
    );
    let mut spec = DeploymentSpec::new("acme", "lightspeed-r");
    spec.connections = vec!["lightspeed".into()];
    let key = spec.key.clone();
    weft_tests::deploy(&host, spec, "lightspeed-r", "0.1.0").await;
    (host, key, dir)
}

impl Env {
    /// Deploy the connector again with this deployment config.
    pub async fn configure(&self, config: serde_json::Value) {
        let mut spec = DeploymentSpec::new("acme", "lightspeed-r");
        spec.connections = vec!["lightspeed".into()];
        spec.config = config;
        weft_tests::deploy(&self.host, spec, "lightspeed-r", "0.1.1").await;
    }

    /// Replace the host (and its storage) with a fresh one, as after a crash on another node.
    pub async fn restart(&mut self) {
        let (host, key, dir) = host_for(&self.sim).await;
        (self.host, self.key, self._dir) = (host, key, dir);
    }

    pub async fn call(&self, call: ConnectorCall) -> ConnectorReply {
        let (_, called) = self
            .host
            .connector(&self.key, &call, &HttpMode::Live)
            .await
            .unwrap_or_else(|e| panic!("connector call failed: {e}"));
        called.value
    }

    pub async fn try_read(
        &self,
        stream: &str,
        cursor: Option<String>,
        limit: u32,
    ) -> Result<Page, weft_engine::CallError> {
        let call = ConnectorCall::ReadPage {
            stream: stream.into(),
            cursor,
            limit,
        };
        match self.call(call).await {
            ConnectorReply::Page(page) => page,
            other => panic!("read {stream}: {other:?}"),
        }
    }

    pub async fn read(&self, stream: &str, cursor: Option<String>, limit: u32) -> Page {
        self.try_read(stream, cursor, limit)
            .await
            .unwrap_or_else(|e| panic!("read {stream}: {e:?}"))
    }

    /// Read from `cursor` until the stream has nothing more: (records, last cursor, pages).
    pub async fn read_all(
        &self,
        stream: &str,
        mut cursor: Option<String>,
        limit: u32,
    ) -> (Vec<Entity>, Option<String>, usize) {
        let mut records = Vec::new();
        for pages in 1..=500 {
            let page = self.read(stream, cursor.clone(), limit).await;
            records.extend(page.records);
            if page.next_cursor.is_some() {
                cursor = page.next_cursor;
            }
            if !page.has_more {
                return (records, cursor, pages);
            }
        }
        panic!("{stream} never ended")
    }

    pub async fn write(
        &self,
        stream: &str,
        items: Vec<WriteItem>,
    ) -> Vec<Result<Written, Failure>> {
        let call = ConnectorCall::WriteBatch {
            stream: stream.into(),
            items,
        };
        match self.call(call).await {
            ConnectorReply::Written(Ok(out)) => out,
            other => panic!("write {stream}: {other:?}"),
        }
    }

    pub async fn lookup(&self, stream: &str, keys: &[&str]) -> Vec<Entity> {
        let call = ConnectorCall::Lookup {
            stream: stream.into(),
            keys: keys.iter().map(|k| k.to_string()).collect(),
        };
        match self.call(call).await {
            ConnectorReply::Found(Ok(found)) => found,
            other => panic!("lookup {stream}: {other:?}"),
        }
    }

    /// A raw API call on the simulator (for setup and independent checks).
    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let url = format!("{}{path}", self.sim.api_base());
        let mut req = reqwest::Client::new()
            .request(method, url)
            .bearer_auth("sandbox");
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("simulator answers");
        let status = resp.status();
        let json: serde_json::Value = resp.json().await.expect("json");
        assert!(status.is_success(), "{path}: {status} {json}");
        json
    }
}

pub(crate) fn meta(system: &str, id: &str) -> Meta {
    Meta {
        source_system: system.into(),
        source_id: id.into(),
        version: "1".into(),
        external_ids: vec![],
        attributes: vec![],
    }
}

pub(crate) fn usd(minor: i64) -> Money {
    Money {
        amount_minor: minor,
        currency: "USD".into(),
    }
}

pub(crate) fn upsert(key: &str, entity: Entity) -> WriteItem {
    WriteItem {
        idempotency_key: key.into(),
        op: WriteOp::Upsert,
        entity,
        expected_version: None,
    }
}

/// The value of attribute `name`.
pub(crate) fn attribute<'a>(m: &'a Meta, name: &str) -> Option<&'a str> {
    m.attributes
        .iter()
        .find(|a| a.name == name)
        .map(|a| a.value.as_str())
}
