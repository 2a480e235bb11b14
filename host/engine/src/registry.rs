//! Hot swap: which plugin version each deployment runs, swapped atomically.
//!
//! A deployment's current version sits behind an `ArcSwap`. A call takes a snapshot (`current`)
//! and keeps it for its whole duration, so a swap never disturbs calls in flight: they finish on
//! the version they started with while new calls get the new one. Installing does not validate;
//! callers load (compile, validate, pre-link) first, then install, so a refused component never
//! replaces a working one. Every installed version is kept, newest last, for rollback.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use arc_swap::ArcSwap;

use crate::{DeploymentKey, Plugin, PluginId};

/// Registry errors.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RegistryError {
    /// No deployment with that key.
    #[error("no deployment {0}; `weft plugin list` shows the deployments")]
    UnknownDeployment(DeploymentKey),
    /// Rollback with nothing to go back to.
    #[error("deployment {0} has no earlier version to roll back to")]
    NothingToRollBack(DeploymentKey),
}

struct Slot<C: 'static> {
    current: ArcSwap<Plugin<C>>,
    /// Every version installed, oldest first; the last is current.
    history: RwLock<Vec<Arc<Plugin<C>>>>,
}

/// Deployments and their plugin versions.
pub struct Registry<C: 'static> {
    slots: RwLock<BTreeMap<DeploymentKey, Arc<Slot<C>>>>,
}

impl<C> Default for Registry<C> {
    fn default() -> Self {
        Registry {
            slots: RwLock::new(BTreeMap::new()),
        }
    }
}

impl<C> Registry<C> {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Make `plugin` the current version of `key`; returns the version it replaced.
    pub fn install(&self, key: &DeploymentKey, plugin: Plugin<C>) -> Option<PluginId> {
        let plugin = Arc::new(plugin);
        let existing = self.slots.read().expect("registry lock").get(key).cloned();
        match existing {
            Some(slot) => {
                let mut history = slot.history.write().expect("history lock");
                history.push(plugin.clone());
                let old = slot.current.swap(plugin);
                Some(old.id.clone())
            }
            None => {
                let slot = Arc::new(Slot {
                    current: ArcSwap::new(plugin.clone()),
                    history: RwLock::new(vec![plugin]),
                });
                self.slots
                    .write()
                    .expect("registry lock")
                    .insert(key.clone(), slot);
                None
            }
        }
    }

    /// The version calls should use now; keep the returned Arc for the whole call.
    pub fn current(&self, key: &DeploymentKey) -> Result<Arc<Plugin<C>>, RegistryError> {
        let slots = self.slots.read().expect("registry lock");
        let slot = slots
            .get(key)
            .ok_or_else(|| RegistryError::UnknownDeployment(key.clone()))?;
        Ok(slot.current.load_full())
    }

    /// Go back to the version before the current one; returns it.
    pub fn rollback(&self, key: &DeploymentKey) -> Result<PluginId, RegistryError> {
        let slot = self
            .slots
            .read()
            .expect("registry lock")
            .get(key)
            .cloned()
            .ok_or_else(|| RegistryError::UnknownDeployment(key.clone()))?;
        let mut history = slot.history.write().expect("history lock");
        if history.len() < 2 {
            return Err(RegistryError::NothingToRollBack(key.clone()));
        }
        history.pop();
        let previous = history.last().expect("checked length").clone();
        slot.current.store(previous.clone());
        Ok(previous.id.clone())
    }

    /// Versions of a deployment, oldest first (the last is current).
    pub fn versions(&self, key: &DeploymentKey) -> Result<Vec<PluginId>, RegistryError> {
        let slots = self.slots.read().expect("registry lock");
        let slot = slots
            .get(key)
            .ok_or_else(|| RegistryError::UnknownDeployment(key.clone()))?;
        let history = slot.history.read().expect("history lock");
        Ok(history.iter().map(|p| p.id.clone()).collect())
    }

    /// All deployments with their current version.
    pub fn list(&self) -> Vec<(DeploymentKey, PluginId)> {
        let slots = self.slots.read().expect("registry lock");
        slots
            .iter()
            .map(|(k, s)| (k.clone(), s.current.load().id.clone()))
            .collect()
    }
}
