//! The test connectors (`tests/connectors/test-{source,target}`) as real components in the host,
//! against the testbed over real loopback HTTP: the source reads every record once, the target
//! applies a batch once and answers re-sent idempotency keys from its table; `faults` has one
//! test per testbed fault. Not here: the sync engine itself (these tests call the connectors
//! directly).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use weft_cap_http::{Connection, ConnectionConfig, RetryConfig};
use weft_engine::{
    CallError, ConnectorCall, ConnectorReply, DeploymentKey, Failure, Page, WriteItem, WriteOp,
    Written,
};
use weft_runtime::{DeploymentSpec, HttpMode, PluginHost};
use weft_tests::testbed::{RunningTestbed, Testbed};
use weft_tests::{deploy, host};
use weft_world::types::{Entity, InventoryLevel};

mod faults;

type Results = Result<Vec<Result<Written, Failure>>, CallError>;

pub(super) struct Bed {
    pub(super) host: Arc<PluginHost>,
    pub(super) tb: RunningTestbed,
    source: DeploymentKey,
    target: DeploymentKey,
    _dir: tempfile::TempDir,
}

/// A host with both connectors deployed for tenant "acme", bound to a testbed seeded with
/// `records`; connections time out after `timeout_ms` and make `attempts` attempts.
pub(super) async fn bed_with(records: usize, timeout_ms: u64, attempts: u32) -> Bed {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let tb = Testbed::start();
    tb.seed_source(records);
    let connection = |name: &str| {
        let mut config = ConnectionConfig::new(&tb.base_url);
        config.allow_loopback = true;
        config.timeout_ms = timeout_ms;
        config.retries = RetryConfig {
            max_attempts: attempts,
            base_delay_ms: 5,
            max_delay_ms: 100,
        };
        let conn = Connection::new(name, config, None).unwrap();
        (name.to_string(), Arc::new(conn))
    };
    let connections = HashMap::from([connection("source"), connection("target")]);
    host.bind_connections("acme", connections);
    let mut keys = Vec::new();
    for name in ["source", "target"] {
        let mut spec = DeploymentSpec::new("acme", name);
        spec.connections = vec![name.to_string()];
        keys.push(spec.key.clone());
        deploy(&host, spec, &format!("test-{name}"), "1.0.0").await;
    }
    let target = keys.pop().unwrap();
    let source = keys.pop().unwrap();
    Bed {
        host,
        tb,
        source,
        target,
        _dir: dir,
    }
}

async fn bed(records: usize) -> Bed {
    bed_with(records, 2_000, 1).await
}

impl Bed {
    async fn call(&self, key: &DeploymentKey, call: ConnectorCall) -> ConnectorReply {
        let (_, called) = self
            .host
            .connector(key, &call, &HttpMode::Live)
            .await
            .expect("call");
        called.value
    }

    async fn page(&self, key: &DeploymentKey, cursor: Option<String>, limit: u32) -> Page {
        let call = ConnectorCall::ReadPage {
            stream: "inventory".into(),
            cursor,
            limit,
        };
        match self.call(key, call).await {
            ConnectorReply::Page(Ok(page)) => page,
            other => panic!("{other:?}"),
        }
    }

    /// Every source page after `cursor` until `has-more` is false; the records and last cursor.
    async fn read(
        &self,
        mut cursor: Option<String>,
        limit: u32,
    ) -> (Vec<InventoryLevel>, Option<String>) {
        let mut all = Vec::new();
        loop {
            let page = self.page(&self.source, cursor.clone(), limit).await;
            all.extend(levels(page.records));
            cursor = page.next_cursor.or(cursor);
            if !page.has_more {
                return (all, cursor);
            }
        }
    }

    async fn write(&self, items: Vec<WriteItem>) -> Results {
        let call = ConnectorCall::WriteBatch {
            stream: "inventory".into(),
            items,
        };
        match self.call(&self.target, call).await {
            ConnectorReply::Written(results) => results,
            other => panic!("{other:?}"),
        }
    }

    async fn lookup(&self, key: &DeploymentKey, keys: &[&str]) -> Vec<InventoryLevel> {
        let keys = keys.iter().map(|k| k.to_string()).collect();
        match self
            .call(
                key,
                ConnectorCall::Lookup {
                    stream: "inventory".into(),
                    keys,
                },
            )
            .await
        {
            ConnectorReply::Found(Ok(found)) => levels(found),
            other => panic!("{other:?}"),
        }
    }

    /// Write every source record once; returns the records read.
    async fn write_all(&self) -> Vec<InventoryLevel> {
        let (records, _) = self.read(None, 100).await;
        let results = self
            .write(records.iter().map(|r| item(r, None)).collect())
            .await;
        assert!(results.unwrap().iter().all(Result::is_ok));
        records
    }
}

fn levels(entities: Vec<Entity>) -> Vec<InventoryLevel> {
    let level = |e| match e {
        Entity::InventoryLevel(level) => level,
        other => panic!("{other:?}"),
    };
    entities.into_iter().map(level).collect()
}

/// The write of `level` with a deterministic idempotency key (key and source version).
fn item(level: &InventoryLevel, expected_version: Option<&str>) -> WriteItem {
    WriteItem {
        idempotency_key: format!("ik-{}-{}", level.meta.source_id, level.meta.version),
        op: WriteOp::Upsert,
        entity: Entity::InventoryLevel(level.clone()),
        expected_version: expected_version.map(String::from),
    }
}

/// The failures of a batch, which must all have failed.
fn failures(results: Results) -> Vec<Failure> {
    results
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap_err())
        .collect()
}

#[tokio::test]
async fn the_source_hands_over_every_record_once_and_then_only_changes() {
    let bed = bed(25).await;
    let (records, cursor) = bed.read(None, 10).await;
    let keys: BTreeSet<&str> = records.iter().map(|r| r.meta.source_id.as_str()).collect();
    assert_eq!((records.len(), keys.len()), (25, 25));
    assert!(
        records
            .windows(2)
            .all(|w| w[0].meta.version < w[1].meta.version)
    );
    assert_eq!(
        (records[0].meta.version.as_str(), cursor.as_deref()),
        ("00000000000000000001", Some("25"))
    );
    assert_eq!(records[0].meta.source_system, "testbed");

    let changed = bed.tb.update(&["SKU-00003@1".into()], Some(99)).unwrap();
    bed.tb.append(1);
    let (news, _) = bed.read(cursor, 10).await;
    let news: Vec<(&str, i64)> = news
        .iter()
        .map(|r| (r.meta.source_id.as_str(), r.available))
        .collect();
    assert_eq!(news, [("SKU-00003@1", 99), ("SKU-00026@1", 182 % 50)]);
    assert_eq!(changed[0].seq, 26);
    let found = bed.lookup(&bed.source, &["SKU-00002@1", "NOPE@1"]).await;
    assert_eq!(
        (found.len(), found[0].meta.version.as_str()),
        (1, "00000000000000000002")
    );
}

#[tokio::test]
async fn a_batch_is_applied_once_and_a_resend_is_answered_from_the_idempotency_table() {
    let bed = bed(10).await;
    let (records, _) = bed.read(None, 4).await;
    let items: Vec<WriteItem> = records.iter().map(|r| item(r, None)).collect();
    let first = bed.write(items.clone()).await.unwrap();
    assert!(first.iter().all(Result::is_ok), "{first:?}");
    assert_eq!(
        bed.write(items).await.unwrap(),
        first,
        "the original results"
    );
    let report = bed.tb.report();
    assert_eq!(
        (report.received, report.applied, report.deduplicated),
        (20, 10, 10)
    );
    assert!(report.not_exactly_once.is_empty(), "{report:?}");

    let all = bed.page(&bed.target, None, 100).await;
    let all = levels(all.records);
    assert_eq!(all.len(), 10);
    assert!(
        all.windows(2)
            .all(|w| w[0].meta.source_id < w[1].meta.source_id),
        "key order"
    );
    let found = bed.lookup(&bed.target, &["SKU-00004@1"]).await;
    let written = first[3].as_ref().unwrap();
    assert_eq!(found[0].meta.version, written.target_version);
    assert_eq!(found[0].available, records[3].available);
}
