//! The shape of `weft.toml`, as serde types. Every table refuses unknown keys, so a typo is an
//! error with its line rather than a silently ignored setting. Meaning (references between
//! tables, files, secrets) is checked in `check`, not here.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;
use weft_cap_http::{RateLimit, RetryConfig};
use weft_cap_kv::KvLimits;
use weft_engine::Limits;
use weft_sync::RetryPolicy;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ConfigFile {
    /// Directory for durable state (sync state and plugin storage), relative to the file.
    pub store: String,
    /// The plugin registry: a directory, relative to the file, holding components by name and
    /// version as `<plugin>/<version>.wasm`; a deployment without `component` is taken from it.
    pub plugins: Option<Spanned<String>>,
    /// Days parked records are kept before they are purged (default 30; never a count cap).
    #[serde(default = "thirty")]
    pub parked_retention_days: u64,
    /// Host-wide secrets plugins may sign and verify with: name -> reference (`env:NAME`,
    /// `file:PATH`).
    #[serde(default)]
    pub secrets: BTreeMap<String, Spanned<String>>,
    /// The tenants, by name.
    #[serde(default)]
    pub tenants: BTreeMap<String, TenantFile>,
    /// The admin HTTP API; without this table `weft run` serves none.
    pub admin: Option<AdminFile>,
    /// Where alerts go; the rules are per flow (`alerts = {...}` in a flow).
    pub alerts: Option<AlertsFile>,
    /// The webhook ingress; without this table `weft run` serves none.
    pub webhooks: Option<WebhooksFile>,
}

/// `[webhooks]`: where `weft run` receives platform webhooks.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct WebhooksFile {
    /// `host:port` the ingress listens on, e.g. `0.0.0.0:8733`.
    pub listen: Spanned<String>,
    /// The http(s) base URL platforms deliver to (a proxy in front of `listen`); only printed,
    /// so the operator knows what to register.
    pub public_url: Option<Spanned<String>>,
}

/// `[alerts]`: the webhook alerts are POSTed to.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AlertsFile {
    /// An http(s) URL receiving one JSON POST per alert.
    pub webhook: Spanned<String>,
    /// How often the rules are checked, ms (default 30000).
    pub interval_ms: Option<Spanned<u64>>,
    /// Also POST a `resolved` notice when an incident ends.
    #[serde(default)]
    pub notify_resolved: bool,
}

/// `[admin]`: where the admin API listens and the token that guards it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AdminFile {
    /// `host:port`, e.g. `127.0.0.1:8787`.
    pub listen: Spanned<String>,
    /// The bearer token as a secret reference (`env:NAME`, `file:PATH`), never the token itself.
    pub token: Spanned<String>,
}

/// One retailer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct TenantFile {
    /// Named connections plugins may use.
    #[serde(default)]
    pub connections: BTreeMap<String, ConnectionFile>,
    /// Plugin deployments, by name.
    #[serde(default)]
    pub deployments: BTreeMap<String, DeploymentFile>,
    /// Flows, by name.
    #[serde(default)]
    pub flows: BTreeMap<String, FlowFile>,
}

/// A named connection: where it goes and how it authenticates.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ConnectionFile {
    /// Base URL every request path is appended to.
    pub base_url: Spanned<String>,
    /// Allow loopback addresses (simulators, local sandboxes).
    #[serde(default)]
    pub allow_loopback: bool,
    /// Per-attempt timeout, ms.
    pub timeout_ms: Option<u64>,
    /// Token bucket shared by every deployment using the connection.
    pub rate_limit: Option<RateLimit>,
    /// Retries of idempotent requests.
    pub retries: Option<RetryConfig>,
    /// A header the host adds to every request.
    pub auth: Option<AuthFile>,
}

/// A credential header; its value comes from a secret reference, never from the file itself
/// (except the literal `value`, meant for local sandboxes).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AuthFile {
    /// Header name, e.g. `Authorization` or `X-Shopify-Access-Token`.
    pub header: String,
    /// Put before the secret, e.g. `Bearer `.
    #[serde(default)]
    pub prefix: String,
    /// `env:NAME` or `file:PATH`.
    pub secret: Option<Spanned<String>>,
    /// A literal value (sandboxes only).
    pub value: Option<String>,
}

/// A deployment of a plugin component.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct DeploymentFile {
    /// The component file, relative to the config file; without it, the registry's
    /// `<plugin>/<version>.wasm` (see `plugins`).
    pub component: Option<Spanned<String>>,
    /// Plugin name (defaults to the deployment name).
    pub plugin: Option<String>,
    /// Version label shown everywhere.
    pub version: Spanned<String>,
    /// Per-call limits.
    #[serde(default)]
    pub limits: Limits,
    /// Trapped calls in a row (traps, panics, exhausted limits) after which the deployment is
    /// quarantined until a new version, a rollback or a release (default 5; 0 never).
    pub quarantine_after: Option<u32>,
    /// Connections it may use.
    #[serde(default)]
    pub connections: Vec<Spanned<String>>,
    /// Secrets it may sign or verify with.
    #[serde(default)]
    pub secrets: Vec<Spanned<String>>,
    /// Storage quota.
    #[serde(default)]
    pub kv: KvLimits,
    /// The plugin's own config.
    #[serde(default)]
    pub config: Option<toml::Table>,
}

/// A flow.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct FlowFile {
    /// `deployment/stream` to read.
    pub source: Spanned<String>,
    /// Transform deployments, in order.
    #[serde(default)]
    pub transforms: Vec<Spanned<String>>,
    /// `deployment/stream` to write.
    pub target: Spanned<String>,
    /// `upsert`, `set-quantity` or `delete`.
    #[serde(default)]
    pub write: weft_runtime::flow::WriteMode,
    /// Records per page read.
    pub page_size: Option<u32>,
    /// Records per write batch.
    pub batch_size: Option<u32>,
    /// Run every this many ms.
    pub interval_ms: Option<u64>,
    /// Run when the source's webhooks announce a change.
    #[serde(default)]
    pub webhooks: bool,
    /// Retry caps.
    pub retry: Option<Spanned<RetryPolicy>>,
    /// Reconciliation.
    pub reconcile: Option<ReconcileFile>,
    /// Alert rules: `parked-above`, `lag-above-seconds`, `drift-above`.
    pub alerts: Option<Spanned<weft_admin::alerts::AlertRules>>,
}

/// Reconciliation settings of a flow.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ReconcileFile {
    /// Owned fields to compare.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Numeric fields to total.
    #[serde(default)]
    pub numeric_fields: Vec<String>,
    /// Reconcile every this many ms.
    pub interval_ms: Option<u64>,
    /// Heal after each scheduled reconciliation.
    #[serde(default)]
    pub heal: bool,
}

fn thirty() -> u64 {
    30
}
