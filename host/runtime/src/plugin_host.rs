//! Tenant deployments of plugins on one engine: deploy (validate, smoke-call, swap), call,
//! roll back, and fire due timers.
//!
//! A deployment is `tenant x name`; its plugin version lives in the engine's hot-swap
//! [`Registry`]. Deploying a new version loads it (compile or cache, import validation,
//! pre-link), then smoke-calls it with the deployment's own limits and grants (`describe` for a
//! connector, an empty batch for a transform) before it replaces anything: a component that
//! traps on start or on the smallest input never goes live.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use weft_cap_http::{Backend, ConnectionMap, HttpCtx, Recording};
use weft_cap_kv::{KvCtx, KvStore};
use weft_cap_log::LogCtx;
use weft_cap_schedule::{Clock, ScheduleCtx, Timers};
use weft_cap_secrets::{SecretStore, SecretsCtx};
use weft_engine::{
    Called, ConnectorCall, ConnectorReply, DeploymentKey, EngineConfig, Host, Plugin, PluginError,
    PluginId, Registry, RegistryError, TransformReply, World,
};
use weft_world::types::Entity;

use crate::caps::{Caps, ClockCtx, ConfigCtx, link};
use crate::deployment::{DeploymentSpec, Prepared};
use crate::quarantine::{Quarantined, Quarantines};

/// Errors of the deployment layer.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The plugin failed (limits, trap, refusal, denial).
    #[error(transparent)]
    Plugin(#[from] PluginError),
    /// Registry problem (unknown deployment, nothing to roll back).
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// No spec for this deployment.
    #[error("deployment {0} is not configured; add it to the config before pushing a plugin to it")]
    NotConfigured(DeploymentKey),
    /// The smoke call of a new version failed; the old version keeps running.
    #[error("plugin {plugin} failed its smoke test on {key} and was not deployed: {detail}")]
    SmokeTest {
        /// The deployment.
        key: DeploymentKey,
        /// The refused version.
        plugin: PluginId,
        /// What went wrong.
        detail: String,
    },
    /// The deployment is out of service after repeated traps; nothing ran.
    #[error("{0}")]
    Quarantined(Box<Quarantined>),
    /// Host setup failed.
    #[error("host setup: {0}")]
    Setup(String),
}

/// Shared state behind every deployment.
pub struct PluginHost {
    host: Host<Caps>,
    registry: Registry<Caps>,
    specs: RwLock<HashMap<DeploymentKey, Arc<Prepared>>>,
    connections: RwLock<HashMap<String, Arc<ConnectionMap>>>,
    kv: Arc<KvStore>,
    timers: Arc<Timers>,
    secrets: Arc<SecretStore>,
    clock: Clock,
    quarantines: Quarantines,
}

/// Where the HTTP of a call goes.
#[derive(Clone)]
pub enum HttpMode {
    /// The tenant's bound connections.
    Live,
    /// A recording (plugin runner, tests).
    Recorded(Arc<Recording>),
}

impl PluginHost {
    /// A host storing kv data and timers in `db`.
    pub fn new(
        engine: EngineConfig,
        db: &sled::Db,
        secrets: SecretStore,
        clock: Clock,
    ) -> Result<Self, RuntimeError> {
        let host = Host::new(engine, link).map_err(RuntimeError::Setup)?;
        let kv = KvStore::open(db).map_err(|e| RuntimeError::Setup(e.to_string()))?;
        let timers = Timers::open(db).map_err(|e| RuntimeError::Setup(e.to_string()))?;
        Ok(PluginHost {
            host,
            registry: Registry::new(),
            specs: RwLock::default(),
            connections: RwLock::default(),
            kv: Arc::new(kv),
            timers: Arc::new(timers),
            secrets: Arc::new(secrets),
            clock,
            quarantines: Quarantines::default(),
        })
    }

    /// The engine.
    pub fn engine(&self) -> &Host<Caps> {
        &self.host
    }

    /// The kv store (for admin tools and tests).
    pub fn kv_store(&self) -> &Arc<KvStore> {
        &self.kv
    }

    /// The timer table.
    pub fn timers(&self) -> &Arc<Timers> {
        &self.timers
    }

    /// Bind a tenant's named connections.
    pub fn bind_connections(&self, tenant: &str, connections: ConnectionMap) {
        self.connections
            .write()
            .expect("lock")
            .insert(tenant.to_string(), Arc::new(connections));
    }

    /// Every bound connection as `(tenant, connection)`, sorted, for metrics.
    pub fn connections(&self) -> Vec<(String, Arc<weft_cap_http::Connection>)> {
        let mut all: Vec<(String, Arc<weft_cap_http::Connection>)> = self
            .connections
            .read()
            .expect("lock")
            .iter()
            .flat_map(|(tenant, map)| map.values().map(|c| (tenant.clone(), c.clone())))
            .collect();
        all.sort_by(|a, b| (&a.0, &a.1.name).cmp(&(&b.0, &b.1.name)));
        all
    }

    /// Add or replace a deployment's spec (limits, grants, config).
    pub fn configure(&self, spec: DeploymentSpec) {
        let key = spec.key.clone();
        self.specs
            .write()
            .expect("lock")
            .insert(key, Arc::new(Prepared::new(spec)));
    }

    fn prepared(&self, key: &DeploymentKey) -> Result<Arc<Prepared>, RuntimeError> {
        self.specs
            .read()
            .expect("lock")
            .get(key)
            .cloned()
            .ok_or_else(|| RuntimeError::NotConfigured(key.clone()))
    }

    /// The capability bundle a call of `plugin` in deployment `key` gets (benchmarks use it to
    /// instantiate the way real calls do).
    pub fn call_caps(
        &self,
        key: &DeploymentKey,
        plugin: &PluginId,
        http: &HttpMode,
    ) -> Result<Caps, RuntimeError> {
        let prepared = self.prepared(key)?;
        Ok(self.caps(&prepared, plugin, http))
    }

    /// The capability bundle for one call of `prepared` with `plugin`.
    fn caps(&self, prepared: &Prepared, plugin: &PluginId, http: &HttpMode) -> Caps {
        let backend = match http {
            HttpMode::Recorded(r) => Backend::Recorded(r.clone()),
            HttpMode::Live => Backend::Live(
                self.connections
                    .read()
                    .expect("lock")
                    .get(&*prepared.tenant)
                    .cloned()
                    .unwrap_or_default(),
            ),
        };
        Caps {
            log: LogCtx::new(
                prepared.tenant.clone(),
                plugin.name.as_str().into(),
                plugin.version.as_str().into(),
            ),
            http: HttpCtx::new(backend, prepared.connections.clone()),
            kv: KvCtx::new(
                self.kv.clone(),
                prepared.namespace.clone(),
                prepared.spec.kv,
            ),
            schedule: ScheduleCtx::new(
                self.timers.clone(),
                prepared.tenant.clone(),
                prepared.deployment.clone(),
                self.clock.clone(),
            ),
            secrets: SecretsCtx::new(self.secrets.clone(), prepared.secrets.clone()),
            clock: ClockCtx(self.clock.clone()),
            config: ConfigCtx(prepared.config.clone()),
        }
    }

    /// Load a plugin version without deploying it (validation only).
    pub fn load(&self, id: PluginId, bytes: &[u8]) -> Result<Plugin<Caps>, PluginError> {
        self.host.load(id, bytes)
    }

    /// Validate `bytes` as `id`, smoke-call it in deployment `key`, and make it current there.
    /// Returns the version it replaced. On any failure the previous version keeps running.
    pub async fn deploy(
        &self,
        key: &DeploymentKey,
        id: PluginId,
        bytes: &[u8],
    ) -> Result<Option<PluginId>, RuntimeError> {
        let prepared = self.prepared(key)?;
        let plugin = self.host.load(id.clone(), bytes)?;
        let caps = self.caps(
            &prepared,
            &id,
            &HttpMode::Recorded(Arc::new(Recording::default())),
        );
        let limits = prepared.spec.limits;
        let smoke = match plugin.world {
            World::Transform => self
                .host
                .transform(&plugin, caps, &limits, &[])
                .await
                .map(|c| match c.value {
                    Ok(_) => Ok(()),
                    Err(config_error) => Err(config_error),
                }),
            World::Connector => self
                .host
                .connector(&plugin, caps, &limits, &ConnectorCall::Describe)
                .await
                .map(|_| Ok(())),
        };
        match smoke {
            Ok(Ok(())) => {
                let replaced = self.registry.install(key, plugin);
                self.lift(key, "a new version was deployed");
                Ok(replaced)
            }
            Ok(Err(detail)) => Err(RuntimeError::SmokeTest {
                key: key.clone(),
                plugin: id,
                detail,
            }),
            Err(e) => Err(RuntimeError::SmokeTest {
                key: key.clone(),
                plugin: id,
                detail: e.to_string(),
            }),
        }
    }

    /// Go back to the previous version of `key`.
    pub fn rollback(&self, key: &DeploymentKey) -> Result<PluginId, RuntimeError> {
        let back = self.registry.rollback(key)?;
        self.lift(key, "it was rolled back");
        Ok(back)
    }

    /// Deployments out of service after repeated traps (see [`crate::quarantine`]).
    pub fn quarantined(&self) -> Vec<Quarantined> {
        self.quarantines.list()
    }

    /// Put a quarantined deployment back in service as it is (the operator fixed what made it
    /// trap, e.g. its input or a connection). Returns the lifted quarantine, if any.
    pub fn release(&self, key: &DeploymentKey) -> Option<Quarantined> {
        self.lift(key, "an operator released it")
    }

    fn lift(&self, key: &DeploymentKey, why: &str) -> Option<Quarantined> {
        let lifted = self.quarantines.release(key);
        if let Some(q) = &lifted {
            tracing::warn!(deployment = %key, plugin = %q.plugin, why, "quarantine lifted");
        }
        lifted
    }

    /// Refuse a call of a quarantined deployment before anything runs.
    fn in_service(&self, key: &DeploymentKey) -> Result<(), RuntimeError> {
        match self.quarantines.get(key) {
            Some(q) => Err(RuntimeError::Quarantined(Box::new(q))),
            None => Ok(()),
        }
    }

    /// Count a call's outcome towards quarantine.
    fn count<T>(&self, prepared: &Prepared, plugin: &PluginId, result: &Result<T, PluginError>) {
        let failure = result.as_ref().err();
        let limit = prepared.spec.quarantine_after;
        if let Some(q) =
            self.quarantines
                .record(&prepared.spec.key, plugin, failure, limit, (self.clock)())
        {
            tracing::error!(deployment = %q.key, plugin = %q.plugin, failures = q.failures, last_error = %q.last_error, "plugin quarantined after repeated failures; push a fixed version, roll back, or release it");
        }
    }

    /// The version a new call of `key` would use.
    pub fn current(&self, key: &DeploymentKey) -> Result<PluginId, RuntimeError> {
        Ok(self.registry.current(key)?.id.clone())
    }

    /// Versions of `key`, oldest first.
    pub fn versions(&self, key: &DeploymentKey) -> Result<Vec<PluginId>, RuntimeError> {
        Ok(self.registry.versions(key)?)
    }

    /// Every deployment with its current version.
    pub fn deployments(&self) -> Vec<(DeploymentKey, PluginId)> {
        self.registry.list()
    }

    /// Run a transform deployment on a batch.
    pub async fn transform(
        &self,
        key: &DeploymentKey,
        batch: &[Entity],
    ) -> Result<(PluginId, Called<TransformReply>), RuntimeError> {
        let prepared = self.prepared(key)?;
        self.in_service(key)?;
        let plugin = self.registry.current(key)?;
        let caps = self.caps(&prepared, &plugin.id, &HttpMode::Live);
        let called = self
            .host
            .transform(&plugin, caps, &prepared.spec.limits, batch)
            .await;
        self.count(&prepared, &plugin.id, &called);
        Ok((plugin.id.clone(), called?))
    }

    /// Call a connector deployment.
    pub async fn connector(
        &self,
        key: &DeploymentKey,
        call: &ConnectorCall,
        http: &HttpMode,
    ) -> Result<(PluginId, Called<ConnectorReply>), RuntimeError> {
        let prepared = self.prepared(key)?;
        self.in_service(key)?;
        let plugin = self.registry.current(key)?;
        let caps = self.caps(&prepared, &plugin.id, http);
        let called = self
            .host
            .connector(&plugin, caps, &prepared.spec.limits, call)
            .await;
        self.count(&prepared, &plugin.id, &called);
        Ok((plugin.id.clone(), called?))
    }

    /// Call a loaded plugin (not necessarily deployed) as deployment `key` would: the plugin
    /// runner uses this to test a file against a spec.
    pub async fn call_plugin_as(
        &self,
        plugin: &Plugin<Caps>,
        key: &DeploymentKey,
        call: PluginCall<'_>,
        http: &HttpMode,
    ) -> Result<PluginReply, RuntimeError> {
        let prepared = self.prepared(key)?;
        let caps = self.caps(&prepared, &plugin.id, http);
        let limits = prepared.spec.limits;
        Ok(match call {
            PluginCall::Transform(batch) => {
                PluginReply::Transform(self.host.transform(plugin, caps, &limits, batch).await?)
            }
            PluginCall::Connector(call) => {
                PluginReply::Connector(self.host.connector(plugin, caps, &limits, call).await?)
            }
        })
    }

    /// Fire every due timer once (calls `on-timer`, removes the timer only on success).
    /// Returns (fired, failed).
    pub async fn fire_due_timers(&self) -> (usize, usize) {
        let now = (self.clock)();
        let due = match self.timers.due(now, 1000) {
            Ok(due) => due,
            Err(e) => {
                tracing::error!(error = %e, "reading due timers");
                return (0, 0);
            }
        };
        let (mut fired, mut failed) = (0, 0);
        for timer in due {
            let key = DeploymentKey::new(&timer.tenant, &timer.deployment);
            let call = ConnectorCall::OnTimer {
                name: timer.name.clone(),
                payload: timer.payload.clone(),
            };
            match self.connector(&key, &call, &HttpMode::Live).await {
                Ok((
                    _,
                    Called {
                        value: ConnectorReply::TimerHandled(Ok(())),
                        ..
                    },
                )) => {
                    if let Err(e) = self.timers.complete(&timer) {
                        tracing::error!(error = %e, timer = %timer.id(), "completing a fired timer");
                    }
                    fired += 1;
                }
                other => {
                    tracing::warn!(timer = %timer.id(), outcome = ?other.map(|(_, c)| c.value), "timer callback failed; it stays pending");
                    failed += 1;
                }
            }
        }
        (fired, failed)
    }
}

/// A call of either world.
pub enum PluginCall<'a> {
    /// Map a batch.
    Transform(&'a [Entity]),
    /// A connector export.
    Connector(&'a ConnectorCall),
}

/// The reply of a [`PluginCall`].
#[derive(Debug)]
pub enum PluginReply {
    /// From a transform.
    Transform(Called<TransformReply>),
    /// From a connector.
    Connector(Called<ConnectorReply>),
}
