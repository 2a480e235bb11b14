//! What a flow is, as data: source, transform chain, target, triggers, retry policy and the
//! reconciliation's owned fields.
//!
//! A spec names deployments of the flow's tenant; it does not hold plugins or connections.
//! Parsing and validating a config file is `weft-config`'s job; this is the runtime's shape.

use serde::{Deserialize, Serialize};
use weft_sync::RetryPolicy;

/// One end of a flow: a connector deployment of the tenant and one of its streams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// The connector deployment's name within the tenant.
    pub deployment: String,
    /// The stream, as the connector's `describe` names it.
    pub stream: String,
}

/// How the target applies each record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WriteMode {
    /// Create or update by key.
    #[default]
    Upsert,
    /// Set a quantity with compare-and-set (inventory).
    SetQuantity,
    /// Remove.
    Delete,
}

/// When a flow runs, besides a manual run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Triggers {
    /// Run incrementally every this many milliseconds.
    pub interval_ms: Option<u64>,
    /// Run when the source connector's webhooks announce a change on the source stream.
    #[serde(default)]
    pub webhooks: bool,
    /// Reconcile every this many milliseconds.
    pub reconcile_interval_ms: Option<u64>,
}

/// Which fields the reconciliation compares: the ones the source owns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileSpec {
    /// Owned fields (top-level names of the entity, or JSON pointers into it). Empty compares
    /// whole records.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Numeric fields to total on both sides.
    #[serde(default)]
    pub numeric_fields: Vec<String>,
    /// Write the source's values over drifted ones after each scheduled reconciliation.
    #[serde(default)]
    pub heal: bool,
}

/// A flow: records of one source stream, mapped by a chain of transforms, written to one target
/// stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowSpec {
    /// The tenant whose deployments and connections the flow uses.
    pub tenant: String,
    /// The flow's name within the tenant.
    pub name: String,
    /// Where records come from.
    pub source: Endpoint,
    /// Transform deployments applied in order.
    #[serde(default)]
    pub transforms: Vec<String>,
    /// Where records go.
    pub target: Endpoint,
    /// How the target applies them.
    #[serde(default)]
    pub write: WriteMode,
    /// Records per page read.
    pub page_size: u32,
    /// Records per write batch (a page is written in batches of at most this size).
    pub batch_size: u32,
    /// Retry caps.
    #[serde(default)]
    pub retry: RetryPolicy,
    /// When it runs.
    #[serde(default)]
    pub triggers: Triggers,
    /// What reconciliation compares.
    #[serde(default)]
    pub reconcile: ReconcileSpec,
}

impl FlowSpec {
    /// A flow with default paging (250 per page, 50 per write batch), upserts, default retries
    /// and no triggers but manual runs.
    pub fn new(tenant: &str, name: &str, source: Endpoint, target: Endpoint) -> Self {
        FlowSpec {
            tenant: tenant.into(),
            name: name.into(),
            source,
            transforms: Vec::new(),
            target,
            write: WriteMode::Upsert,
            page_size: 250,
            batch_size: 50,
            retry: RetryPolicy::default(),
            triggers: Triggers::default(),
            reconcile: ReconcileSpec::default(),
        }
    }

    /// The flow's id, unique in a host: `tenant/name`. Cursors, ledger entries and parked
    /// records are filed under it, and it is part of every idempotency key.
    pub fn id(&self) -> String {
        format!("{}/{}", self.tenant, self.name)
    }
}

impl Endpoint {
    /// An endpoint.
    pub fn new(deployment: &str, stream: &str) -> Self {
        Endpoint {
            deployment: deployment.into(),
            stream: stream.into(),
        }
    }
}
