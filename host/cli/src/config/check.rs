//! Meaning checks and resolution of a parsed `weft.toml` into runtime types.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use weft_cap_http::{AuthHeader, ConnectionConfig};
use weft_cap_secrets::SecretStore;
use weft_engine::PluginId;
use weft_runtime::DeploymentSpec;
use weft_runtime::flow::{Endpoint, FlowSpec, ReconcileSpec, Triggers};

use weft_admin::alerts::AlertConfig;

use super::schema::{AuthFile, ConfigFile, DeploymentFile, FlowFile};

mod operator;

pub use operator::{Admin, Webhooks};

/// A checked configuration, ready to build a host from.
pub struct Config {
    /// Directory for durable state.
    pub store_dir: PathBuf,
    /// How long parked records are kept.
    pub retention: weft_sync::RetentionPolicy,
    /// Resolved host-wide secrets.
    pub secrets: SecretStore,
    /// Tenants by name.
    pub tenants: BTreeMap<String, Tenant>,
    /// The admin API, if the file has an `[admin]` table.
    pub admin: Option<Admin>,
    /// Alert rules and where alerts go, if any flow has rules.
    pub alerts: Option<AlertConfig>,
    /// The webhook ingress, if the file has a `[webhooks]` table.
    pub webhooks: Option<Webhooks>,
}

/// One tenant's resolved settings.
pub struct Tenant {
    /// Connections with their resolved credentials.
    pub connections: BTreeMap<String, (ConnectionConfig, Option<AuthHeader>)>,
    /// Deployments.
    pub deployments: Vec<Deployment>,
    /// Flows.
    pub flows: Vec<FlowSpec>,
}

/// A deployment: its spec, plugin id and component file.
pub struct Deployment {
    /// Limits, grants and config.
    pub spec: DeploymentSpec,
    /// Plugin name and version.
    pub plugin: PluginId,
    /// The component file.
    pub component: PathBuf,
}

/// Everything wrong with a config file; nothing starts while there is any.
#[derive(Debug, thiserror::Error)]
#[error("{path} is not a valid weft config:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError {
    /// The file.
    pub path: String,
    /// One line per problem: `file:line: key: what is wrong and what is allowed`.
    pub problems: Vec<String>,
}

struct Checker<'a> {
    path: &'a Path,
    text: &'a str,
    problems: Vec<String>,
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl Checker<'_> {
    fn line(&self, span: Range<usize>) -> usize {
        line_of(self.text, span.start)
    }

    fn at(&mut self, span: Range<usize>, key: &str, message: String) {
        let line = self.line(span);
        self.problems
            .push(format!("{}:{line}: {key}: {message}", self.path.display()));
    }

    fn secret(&mut self, reference: &Spanned<String>, key: &str) -> Option<Vec<u8>> {
        let r = reference.get_ref();
        let resolved = if let Some(var) = r.strip_prefix("env:") {
            std::env::var(var).map(String::into_bytes).map_err(|_| {
                format!("environment variable {var} is not set; export it or use file:PATH")
            })
        } else if let Some(file) = r.strip_prefix("file:") {
            std::fs::read(file)
                .map(|b| String::from_utf8_lossy(&b).trim_end().as_bytes().to_vec())
                .map_err(|e| format!("cannot read {file}: {e}"))
        } else {
            Err("is not a secret reference (its value is not shown, in case it is the secret itself); use env:NAME or file:PATH".to_string())
        };
        resolved.map_err(|m| self.at(reference.span(), key, m)).ok()
    }

    fn auth(&mut self, auth: &AuthFile, key: &str) -> Option<AuthHeader> {
        let value = match (&auth.secret, &auth.value) {
            (Some(s), None) => {
                String::from_utf8_lossy(&self.secret(s, &format!("{key}.secret"))?).into_owned()
            }
            (None, Some(v)) => v.clone(),
            _ => {
                self.problems.push(format!(
                    "{}: {key}: give exactly one of secret = \"env:NAME\" (or \"file:PATH\") and value = \"...\"",
                    self.path.display()
                ));
                return None;
            }
        };
        Some(AuthHeader {
            name: auth.header.clone(),
            value: format!("{}{value}", auth.prefix),
        })
    }

    fn endpoint(
        &mut self,
        raw: &Spanned<String>,
        key: &str,
        known: &BTreeMap<String, DeploymentFile>,
    ) -> Option<Endpoint> {
        let Some((deployment, stream)) = raw.get_ref().split_once('/') else {
            self.at(
                raw.span(),
                key,
                format!("{:?} must be \"deployment/stream\"", raw.get_ref()),
            );
            return None;
        };
        if !known.contains_key(deployment) {
            let names: Vec<&str> = known.keys().map(String::as_str).collect();
            self.at(
                raw.span(),
                key,
                format!(
                    "no deployment named {deployment:?} in this tenant; deployments are {names:?}"
                ),
            );
            return None;
        }
        Some(Endpoint::new(deployment, stream))
    }
}

/// Read and check `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let fail = |problems: Vec<String>| ConfigError {
        path: path.display().to_string(),
        problems,
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| fail(vec![format!("cannot read the file: {e}")]))?;
    let file: ConfigFile = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| line_of(&text, s.start));
        let at = line
            .map(|l| format!("{}:{l}", path.display()))
            .unwrap_or_else(|| path.display().to_string());
        fail(vec![format!("{at}: {}", e.message())])
    })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut c = Checker {
        path,
        text: &text,
        problems: Vec::new(),
    };
    let mut secrets = SecretStore::new();
    for (name, reference) in &file.secrets {
        if let Some(value) = c.secret(reference, &format!("secrets.{name}")) {
            secrets.insert(name.clone(), value);
        }
    }
    let admin = file.admin.as_ref().and_then(|a| c.admin(a));
    let alerts = c.alerts(&file);
    let webhooks = file
        .webhooks
        .as_ref()
        .and_then(|w| c.webhooks(w, file.admin.as_ref()));
    let mut tenants = BTreeMap::new();
    for (tenant, t) in &file.tenants {
        let mut connections = BTreeMap::new();
        for (name, conn) in &t.connections {
            let key = format!("tenants.{tenant}.connections.{name}");
            let mut config = ConnectionConfig::new(conn.base_url.get_ref().clone());
            if url::Url::parse(conn.base_url.get_ref()).is_err() {
                c.at(
                    conn.base_url.span(),
                    &format!("{key}.base-url"),
                    "is not a URL; write e.g. \"https://acme.myshopify.com/admin/api/2025-07\""
                        .into(),
                );
            }
            config.allow_loopback = conn.allow_loopback;
            if let Some(ms) = conn.timeout_ms {
                config.timeout_ms = ms;
            }
            config.rate_limit = conn.rate_limit;
            if let Some(r) = conn.retries {
                config.retries = r;
            }
            let auth = conn
                .auth
                .as_ref()
                .and_then(|a| c.auth(a, &format!("{key}.auth")));
            connections.insert(name.clone(), (config, auth));
        }
        let mut deployments = Vec::new();
        for (name, d) in &t.deployments {
            let key = format!("tenants.{tenant}.deployments.{name}");
            let plugin = PluginId::new(
                d.plugin.clone().unwrap_or_else(|| name.clone()),
                d.version.get_ref().clone(),
            );
            let component = component_file(&mut c, &base, &file, d, &plugin, &key);
            for conn in &d.connections {
                if !t.connections.contains_key(conn.get_ref()) {
                    let names: Vec<&str> = t.connections.keys().map(String::as_str).collect();
                    c.at(
                        conn.span(),
                        &format!("{key}.connections"),
                        format!(
                            "no connection named {:?}; this tenant has {names:?}",
                            conn.get_ref()
                        ),
                    );
                }
            }
            for s in &d.secrets {
                if !file.secrets.contains_key(s.get_ref()) {
                    c.at(
                        s.span(),
                        &format!("{key}.secrets"),
                        format!("no secret named {:?} in [secrets]", s.get_ref()),
                    );
                }
            }
            let mut spec = DeploymentSpec::new(tenant, name);
            spec.limits = d.limits;
            if let Some(n) = d.quarantine_after {
                spec.quarantine_after = n;
            }
            spec.connections = d.connections.iter().map(|s| s.get_ref().clone()).collect();
            spec.secrets = d.secrets.iter().map(|s| s.get_ref().clone()).collect();
            spec.kv = d.kv;
            if let Some(cfg) = &d.config {
                spec.config = serde_json::to_value(cfg).unwrap_or_default();
            }
            deployments.push(Deployment {
                spec,
                plugin,
                component,
            });
        }
        let mut flows = Vec::new();
        for (name, f) in &t.flows {
            if let Some(spec) = flow(&mut c, tenant, name, f, &t.deployments) {
                flows.push(spec);
            }
        }
        tenants.insert(
            tenant.clone(),
            Tenant {
                connections,
                deployments,
                flows,
            },
        );
    }
    if !c.problems.is_empty() {
        return Err(fail(c.problems));
    }
    Ok(Config {
        retention: weft_sync::RetentionPolicy {
            max_age_ms: file
                .parked_retention_days
                .saturating_mul(24 * 60 * 60 * 1000),
        },
        store_dir: base.join(&file.store),
        secrets,
        tenants,
        admin,
        alerts,
        webhooks,
    })
}

fn flow(
    c: &mut Checker<'_>,
    tenant: &str,
    name: &str,
    f: &FlowFile,
    known: &BTreeMap<String, DeploymentFile>,
) -> Option<FlowSpec> {
    let key = format!("tenants.{tenant}.flows.{name}");
    let source = c.endpoint(&f.source, &format!("{key}.source"), known);
    let target = c.endpoint(&f.target, &format!("{key}.target"), known);
    for t in &f.transforms {
        if !known.contains_key(t.get_ref()) {
            c.at(
                t.span(),
                &format!("{key}.transforms"),
                format!("no deployment named {:?} in this tenant", t.get_ref()),
            );
        }
    }
    for (value, field) in [(f.page_size, "page-size"), (f.batch_size, "batch-size")] {
        if value == Some(0) {
            c.problems.push(format!(
                "{}: {key}.{field}: must be at least 1",
                c.path.display()
            ));
        }
    }
    let mut spec = FlowSpec::new(tenant, name, source?, target?);
    spec.transforms = f.transforms.iter().map(|t| t.get_ref().clone()).collect();
    spec.write = f.write;
    spec.page_size = f.page_size.unwrap_or(spec.page_size);
    spec.batch_size = f.batch_size.unwrap_or(spec.batch_size);
    if let Some(r) = &f.retry {
        for (field, problem) in r.get_ref().problems() {
            c.at(r.span(), &format!("{key}.retry.{field}"), problem);
        }
        spec.retry = r.get_ref().clone();
    }
    let reconcile = f.reconcile.as_ref();
    spec.triggers = Triggers {
        interval_ms: f.interval_ms,
        webhooks: f.webhooks,
        reconcile_interval_ms: reconcile.and_then(|r| r.interval_ms),
    };
    if let Some(r) = reconcile {
        spec.reconcile = ReconcileSpec {
            fields: r.fields.clone(),
            numeric_fields: r.numeric_fields.clone(),
            heal: r.heal,
        };
    }
    Some(spec)
}

/// The component file of deployment `d`: its `component`, or the registry's
/// `<plugin>/<version>.wasm`; a missing file is a problem at the line that named it.
fn component_file(
    c: &mut Checker<'_>,
    base: &Path,
    file: &ConfigFile,
    d: &DeploymentFile,
    plugin: &PluginId,
    key: &str,
) -> PathBuf {
    match (&d.component, &file.plugins) {
        (Some(component), _) => {
            let path = base.join(component.get_ref());
            if !path.is_file() {
                c.at(
                    component.span(),
                    &format!("{key}.component"),
                    format!(
                        "{} does not exist; build it (scripts/build-plugins.sh) or fix the path",
                        path.display()
                    ),
                );
            }
            path
        }
        (None, Some(registry)) => {
            let path = base
                .join(registry.get_ref())
                .join(&plugin.name)
                .join(format!("{}.wasm", plugin.version));
            if !path.is_file() {
                c.at(
                    d.version.span(),
                    &format!("{key}.version"),
                    format!(
                        "{plugin} is not in the plugin registry: {} does not exist; add it there, pick a version the registry has, or name a file with `component`",
                        path.display()
                    ),
                );
            }
            path
        }
        (None, None) => {
            c.at(
                d.version.span(),
                key,
                "names no component: add `component = \"path/to/plugin.wasm\"`, or set a top-level `plugins = \"dir\"` registry holding <plugin>/<version>.wasm".into(),
            );
            PathBuf::new()
        }
    }
}
