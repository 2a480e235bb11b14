//! Names of plugins and deployments.

use serde::{Deserialize, Serialize};

/// A plugin and the version of it that is loaded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PluginId {
    /// Plugin name, e.g. "safety-stock".
    pub name: String,
    /// Version label, e.g. "1.2.0".
    pub version: String,
}

impl PluginId {
    /// A plugin id.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        PluginId {
            name: name.into(),
            version: version.into(),
        }
    }
}

impl std::fmt::Display for PluginId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.name, self.version)
    }
}

/// Where a plugin runs: one tenant's named deployment of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DeploymentKey {
    /// Tenant (a retailer).
    pub tenant: String,
    /// Deployment name within the tenant, e.g. "stock-buffer".
    pub deployment: String,
}

impl DeploymentKey {
    /// A deployment key.
    pub fn new(tenant: impl Into<String>, deployment: impl Into<String>) -> Self {
        DeploymentKey {
            tenant: tenant.into(),
            deployment: deployment.into(),
        }
    }
}

impl std::fmt::Display for DeploymentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.tenant, self.deployment)
    }
}
