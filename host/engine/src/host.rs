//! The wasmtime host: one Engine, its epoch ticker, the component cache and a Linker shared by
//! every plugin.
//!
//! Engine settings: fuel and epoch interruption on (limits are always enforced), component-model
//! concurrency off (4-5x cheaper calls; no plugin needs p3 async), and the pooling allocator
//! sized for this machine, with a fallback to on-demand allocation when the pool's virtual
//! memory cannot be reserved (containers with tight overcommit limits), logged and reported.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::Linker;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::cache::{CacheOutcome, ComponentCache};
use crate::plugin::{Plugin, Pre};
use crate::state::{CallCaps, CallState};
use crate::validate::{self, Inspection, World};
use crate::{PluginError, PluginId};

/// How the engine is set up; one per process.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Where compiled components are cached; `None` keeps them in memory only.
    pub cache_dir: Option<PathBuf>,
    /// Use the pooling allocator (falls back to on-demand when it cannot be reserved).
    pub pooling: bool,
    /// Instances the pool holds at once (concurrent calls across all plugins).
    pub pool_instances: u32,
    /// Largest memory any deployment may be granted, in MiB (sizes the pool's slots).
    pub max_memory_mib: u32,
    /// Epoch tick; deadlines are enforced to this granularity.
    pub epoch_tick: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            cache_dir: None,
            pooling: true,
            pool_instances: 256,
            max_memory_mib: 1024,
            epoch_tick: Duration::from_millis(10),
        }
    }
}

/// Which instance allocator the engine ended up with.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Allocator {
    /// Pre-reserved slots, copy-on-write memory images: microsecond instantiation.
    Pooling,
    /// Memory mapped per instance.
    OnDemand {
        /// Why pooling is not used.
        reason: String,
    },
}

fn base_config() -> Config {
    let mut config = Config::new();
    config.consume_fuel(true);
    config.epoch_interruption(true);
    config.concurrency_support(false);
    config.wasm_backtrace_details(wasmtime::WasmBacktraceDetails::Disable);
    config
}

fn build_engine(cfg: &EngineConfig) -> Result<(Engine, Allocator), String> {
    if !cfg.pooling {
        let engine = Engine::new(&base_config()).map_err(|e| e.to_string())?;
        return Ok((
            engine,
            Allocator::OnDemand {
                reason: "pooling disabled by config".into(),
            },
        ));
    }
    let mut pool = PoolingAllocationConfig::default();
    let n = cfg.pool_instances.max(1);
    pool.total_component_instances(n)
        .total_core_instances(n * 4)
        .total_memories(n * 2)
        .total_tables(n * 4)
        .total_stacks(n)
        .max_memory_size((cfg.max_memory_mib as usize) << 20);
    let mut config = base_config();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    match Engine::new(&config) {
        Ok(engine) => Ok((engine, Allocator::Pooling)),
        Err(e) => {
            let reason = format!("pooling allocator unavailable: {e}");
            tracing::warn!(%reason, "falling back to on-demand instance allocation");
            let engine = Engine::new(&base_config()).map_err(|e| e.to_string())?;
            Ok((engine, Allocator::OnDemand { reason }))
        }
    }
}

/// The plugin host: compile, validate, pre-link and call components.
pub struct Host<C: CallCaps> {
    engine: Engine,
    linker: Linker<CallState<C>>,
    cache: ComponentCache,
    allocator: Allocator,
    epoch_tick: Duration,
    _ticker: crate::epoch::EpochTicker,
}

impl<C: CallCaps> Host<C> {
    /// Build the engine and a linker with sandboxed WASI plus whatever `link` adds (the
    /// capability interfaces).
    pub fn new(
        config: EngineConfig,
        link: impl FnOnce(&mut Linker<CallState<C>>) -> wasmtime::Result<()>,
    ) -> Result<Self, String> {
        let (engine, allocator) = build_engine(&config)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(|e| e.to_string())?;
        link(&mut linker).map_err(|e| format!("linking capabilities: {e}"))?;
        let cache = ComponentCache::new(&engine, config.cache_dir.clone())
            .map_err(|e| format!("creating the component cache: {e}"))?;
        let ticker = crate::epoch::EpochTicker::start(&engine, config.epoch_tick);
        Ok(Host {
            engine,
            linker,
            cache,
            allocator,
            epoch_tick: config.epoch_tick,
            _ticker: ticker,
        })
    }

    /// The wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The allocator in use.
    pub fn allocator(&self) -> &Allocator {
        &self.allocator
    }

    pub(crate) fn epoch_tick(&self) -> Duration {
        self.epoch_tick
    }

    /// Inspect component bytes without loading them: world, imports, refusal reasons.
    pub fn inspect(&self, bytes: &[u8]) -> Result<Inspection, String> {
        let (component, _, _) = self.cache.get_or_compile(&self.engine, bytes)?;
        Ok(validate::inspect(&self.engine, &component))
    }

    /// Compile (or load from cache), validate and pre-link a plugin. Nothing of the plugin runs.
    pub fn load(&self, id: PluginId, bytes: &[u8]) -> Result<Plugin<C>, PluginError> {
        let (component, cache, hash) =
            self.cache
                .get_or_compile(&self.engine, bytes)
                .map_err(|detail| PluginError::Compile {
                    plugin: id.clone(),
                    detail,
                })?;
        let inspection = validate::inspect(&self.engine, &component);
        let Some(world) = inspection.world else {
            return Err(PluginError::Refused {
                plugin: id,
                reasons: inspection.refusals,
            });
        };
        let instance_pre =
            self.linker
                .instantiate_pre(&component)
                .map_err(|e| PluginError::Refused {
                    plugin: id.clone(),
                    reasons: vec![format!("{e:#}")],
                })?;
        let pre = match world {
            World::Transform => Pre::Transform(
                weft_world::transform::TransformPre::new(instance_pre)
                    .map_err(|e| refused_shape(&id, &component, &self.engine, e))?,
            ),
            World::Connector => Pre::Connector(
                weft_world::connector::ConnectorPre::new(instance_pre)
                    .map_err(|e| refused_shape(&id, &component, &self.engine, e))?,
            ),
        };
        Ok(Plugin {
            id,
            world,
            content_hash: hash,
            cache,
            pre: Arc::new(pre),
        })
    }
}

/// The export exists but its functions do not have the contract's types (built against an
/// incompatible copy of wit/).
fn refused_shape(
    id: &PluginId,
    component: &wasmtime::component::Component,
    engine: &Engine,
    e: wasmtime::Error,
) -> PluginError {
    let exports: Vec<String> = component
        .component_type()
        .exports(engine)
        .map(|(name, _)| name.to_string())
        .collect();
    PluginError::Refused {
        plugin: id.clone(),
        reasons: vec![format!(
            "its exports ({}) do not match the contract: {e}; rebuild it against this host's wit/",
            exports.join(", ")
        )],
    }
}

/// Whether a cached artifact was reused; for reports.
pub fn describe_cache(outcome: CacheOutcome) -> &'static str {
    match outcome {
        CacheOutcome::Memory => "already loaded",
        CacheOutcome::Disk => "loaded from disk cache",
        CacheOutcome::Compiled => "compiled",
    }
}
