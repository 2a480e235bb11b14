//! What an operator grants one deployment of a plugin.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use weft_cap_kv::KvLimits;
use weft_engine::{DeploymentKey, Limits};

/// One tenant's deployment of a plugin: its limits, grants and config.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeploymentSpec {
    /// Tenant and deployment name.
    pub key: DeploymentKey,
    /// Per-call limits.
    #[serde(default)]
    pub limits: Limits,
    /// Connection names the plugin may use (empty = no network at all).
    #[serde(default)]
    pub connections: Vec<String>,
    /// Secret names the plugin may sign or verify with.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Storage quota.
    #[serde(default)]
    pub kv: KvLimits,
    /// The plugin's own config, handed to it as JSON.
    #[serde(default = "empty_object")]
    pub config: serde_json::Value,
    /// Consecutive trapped calls after which the deployment is quarantined (0: never).
    #[serde(default = "quarantine_after")]
    pub quarantine_after: u32,
}

fn quarantine_after() -> u32 {
    crate::quarantine::DEFAULT_QUARANTINE_AFTER
}

fn empty_object() -> serde_json::Value {
    serde_json::json!({})
}

impl DeploymentSpec {
    /// A deployment with default limits, no grants and an empty config.
    pub fn new(tenant: &str, deployment: &str) -> Self {
        DeploymentSpec {
            key: DeploymentKey::new(tenant, deployment),
            limits: Limits::default(),
            connections: Vec::new(),
            secrets: Vec::new(),
            kv: KvLimits::default(),
            config: empty_object(),
            quarantine_after: quarantine_after(),
        }
    }
}

/// The parts of a spec each call needs, shared cheaply.
pub(crate) struct Prepared {
    pub spec: DeploymentSpec,
    pub tenant: Arc<str>,
    pub deployment: Arc<str>,
    pub config: Arc<str>,
    pub connections: Arc<[String]>,
    pub secrets: Arc<[String]>,
    pub namespace: weft_cap_kv::Namespace,
}

impl Prepared {
    pub fn new(spec: DeploymentSpec) -> Self {
        Prepared {
            tenant: spec.key.tenant.as_str().into(),
            deployment: spec.key.deployment.as_str().into(),
            config: spec.config.to_string().into(),
            connections: spec.connections.clone().into(),
            secrets: spec.secrets.clone().into(),
            namespace: weft_cap_kv::Namespace::new(&spec.key.tenant, &spec.key.deployment),
            spec,
        }
    }
}
