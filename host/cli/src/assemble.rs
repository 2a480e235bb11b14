//! Builds a running host from a checked [`Config`]: the plugin host with each tenant's
//! connections and deployments, the sync store, and the flows. Used by `weft run` and by the
//! operational verbs (`flows`, `parked`, `replay`, `reconcile`), which need the same flows to
//! replay and reconcile through.
//!
//! Versions pushed over the admin API before a restart (kept under `<store>/pushed`) are deployed
//! again on top of the configured ones, so a restart runs what was running.
//!
//! It does not start triggers; the caller decides whether to run once, forever, or not at all.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;
use weft_cap_http::Connection;
use weft_engine::{DeploymentKey, EngineConfig};
use weft_runtime::PluginHost;
use weft_runtime::flow::{Flow, FlowCtx, Flows, MapperEnd, StreamEnd};
use weft_runtime::pushed::{PushedVersions, Restored};
use weft_runtime::telemetry::Telemetry;
use weft_store::SledStore;

use crate::config::Config;

/// A host built from a config.
pub struct Assembled {
    /// Plugins with their grants.
    pub host: Arc<PluginHost>,
    /// The flows.
    pub flows: Arc<Flows>,
    /// Where the admin API keeps pushed versions.
    pub pushed: Arc<PushedVersions>,
}

/// Open the store, bind connections, deploy every plugin and resolve the flows.
pub async fn assemble(config: Config) -> anyhow::Result<Assembled> {
    std::fs::create_dir_all(&config.store_dir).with_context(|| {
        format!(
            "creating the store directory {}",
            config.store_dir.display()
        )
    })?;
    let lock_hint = || {
        format!(
            "opening the store in {}; is another `weft run` using it? Stop it or use its admin API",
            config.store_dir.display()
        )
    };
    let retention = config.retention;
    let db = sled::open(config.store_dir.join("plugins")).with_context(lock_hint)?;
    let store = SledStore::open(config.store_dir.join("sync")).with_context(lock_hint)?;
    let host = Arc::new(PluginHost::new(
        EngineConfig::default(),
        &db,
        config.secrets,
        weft_runtime::system_clock(),
    )?);
    let mut flows = Vec::new();
    for (tenant, t) in config.tenants {
        let mut map = HashMap::new();
        for (name, (conn, auth)) in t.connections {
            let c = Connection::new(name.clone(), conn, auth)
                .with_context(|| format!("connection {name} of tenant {tenant}"))?;
            map.insert(name, Arc::new(c));
        }
        host.bind_connections(&tenant, map);
        for d in t.deployments {
            let key = d.spec.key.clone();
            let bytes = std::fs::read(&d.component)
                .with_context(|| format!("reading {} for {key}", d.component.display()))?;
            host.configure(d.spec);
            host.deploy(&key, d.plugin.clone(), &bytes)
                .await
                .with_context(|| format!("deploying {} to {key}", d.plugin))?;
        }
        for spec in t.flows {
            let end = |deployment: &str, stream: &str| StreamEnd::Component {
                host: host.clone(),
                key: DeploymentKey::new(&tenant, deployment),
                stream: stream.to_string(),
            };
            flows.push(Flow {
                source: end(&spec.source.deployment, &spec.source.stream),
                target: end(&spec.target.deployment, &spec.target.stream),
                mappers: spec
                    .transforms
                    .iter()
                    .map(|d| MapperEnd::Component {
                        host: host.clone(),
                        key: DeploymentKey::new(&tenant, d),
                    })
                    .collect(),
                spec,
            });
        }
    }
    let pushed = Arc::new(PushedVersions::new(config.store_dir.join("pushed")));
    let restored = pushed.restore(&host).await.context(
        "restoring the versions pushed before the last stop (kept under the store's pushed/)",
    )?;
    for r in restored {
        eprintln!("weft: {}", describe(&r));
    }
    let ctx = FlowCtx::new(Arc::new(store), Arc::new(Telemetry::new()));
    Ok(Assembled {
        pushed,
        host,
        flows: {
            let flows = Flows::new(ctx, flows);
            flows.set_retention(retention);
            flows
        },
    })
}

/// One line for the log about a restored version stack.
fn describe(r: &Restored) -> String {
    match r {
        Restored::Deployed(key, ids) => {
            let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
            format!(
                "{key} runs {} again, pushed before the last stop (on top of the configured version)",
                ids.join(" then ")
            )
        }
        Restored::Stale {
            key,
            saved_base,
            configured,
        } => format!(
            "{key}: versions pushed onto {saved_base} before the last stop are not restored, as the config now names {configured}"
        ),
        Restored::Failed(key, why) => {
            format!("{key}: a version pushed before the last stop could not be restored: {why}")
        }
    }
}
