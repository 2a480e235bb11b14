//! Warm instances, for benchmarks only: one Store and instance reused across calls so the
//! per-call overhead of the component boundary can be measured apart from instantiation.
//!
//! Production calls never use this: every call gets a fresh Store (no state leaks between
//! calls, and a Store is an arena that only grows). Fuel is refilled before each call; the
//! epoch deadline is re-armed.

use std::time::Instant;

use wasmtime::Store;
use weft_world::transform::Transform;
use weft_world::types::Entity;

use crate::host::Host;
use crate::limits::Limits;
use crate::plugin::{Plugin, Pre, TransformReply};
use crate::state::{CallCaps, CallState};
use crate::{PluginError, World};

/// A transform instance kept alive across calls.
pub struct WarmTransform<C: 'static> {
    store: Store<CallState<C>>,
    bindings: Transform,
    limits: Limits,
    ticks: u64,
}

impl<C: CallCaps> Host<C> {
    /// Instantiate `plugin` once, returning how long Store creation plus instantiation took.
    pub async fn instantiate_only(
        &self,
        plugin: &Plugin<C>,
        caps: C,
        limits: &Limits,
    ) -> Result<std::time::Duration, PluginError> {
        let started = Instant::now();
        let mut store = self
            .new_store(caps, limits)
            .map_err(|e| host_err(plugin, e))?;
        match &*plugin.pre {
            Pre::Transform(pre) => {
                let _instance = pre
                    .instantiate_async(&mut store)
                    .await
                    .map_err(|e| inst_err(plugin, e))?;
            }
            Pre::Connector(pre) => {
                let _instance = pre
                    .instantiate_async(&mut store)
                    .await
                    .map_err(|e| inst_err(plugin, e))?;
            }
        }
        Ok(started.elapsed())
    }

    /// Instantiate a transform and keep it warm.
    pub async fn warm_transform(
        &self,
        plugin: &Plugin<C>,
        caps: C,
        limits: &Limits,
    ) -> Result<WarmTransform<C>, PluginError> {
        let Pre::Transform(pre) = &*plugin.pre else {
            return Err(PluginError::Refused {
                plugin: plugin.id.clone(),
                reasons: vec![format!("not a {}", World::Transform.name())],
            });
        };
        let mut store = self
            .new_store(caps, limits)
            .map_err(|e| host_err(plugin, e))?;
        let bindings = pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| inst_err(plugin, e))?;
        let tick_ms = self.epoch_tick().as_millis().max(1) as u64;
        Ok(WarmTransform {
            store,
            bindings,
            limits: *limits,
            ticks: limits.deadline_ms.div_ceil(tick_ms).max(1),
        })
    }
}

impl<C: Send + 'static> WarmTransform<C> {
    /// Call `map-batch` on the warm instance.
    pub async fn call(&mut self, batch: &[Entity]) -> wasmtime::Result<TransformReply> {
        self.store.set_fuel(self.limits.fuel)?;
        self.store.set_epoch_deadline(self.ticks);
        self.bindings
            .weft_connector_transform_api()
            .call_map_batch(&mut self.store, batch)
            .await
    }
}

fn host_err<C>(plugin: &Plugin<C>, e: wasmtime::Error) -> PluginError {
    PluginError::Host {
        plugin: plugin.id.clone(),
        detail: format!("{e:#}"),
    }
}

fn inst_err<C>(plugin: &Plugin<C>, e: wasmtime::Error) -> PluginError {
    PluginError::Instantiate {
        plugin: plugin.id.clone(),
        detail: format!("{e:#}"),
    }
}
