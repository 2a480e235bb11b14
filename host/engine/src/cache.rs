//! Compiled components, cached on disk by content hash.
//!
//! The key is the SHA-256 of the component bytes plus a hash of the engine's compatibility
//! settings (`Engine::precompile_compatibility_hash`), so a different wasmtime build or config
//! never loads a stale artifact. A second start of the host deserializes the artifact (well under
//! a millisecond) instead of compiling again (tens of milliseconds to seconds).
//!
//! Trust: artifacts are native code. The cache directory must be writable only by the host's
//! user; the engine never loads artifacts from anywhere else, and writes them atomically
//! (temporary file, then rename) so a crash cannot leave a truncated artifact behind.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Mutex;

use sha2::{Digest, Sha256};
use wasmtime::component::Component;

/// How a component was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CacheOutcome {
    /// Already loaded by this process.
    Memory,
    /// Deserialized from the disk cache without compiling.
    Disk,
    /// Compiled now (and written to the disk cache when there is one).
    Compiled,
}

/// The content hash of component bytes, hex.
pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// In-memory and on-disk cache of compiled components.
pub struct ComponentCache {
    dir: Option<PathBuf>,
    engine_tag: String,
    loaded: Mutex<HashMap<String, Component>>,
}

impl ComponentCache {
    /// A cache for `engine`, persisting under `dir` when given.
    pub fn new(engine: &wasmtime::Engine, dir: Option<PathBuf>) -> std::io::Result<Self> {
        if let Some(dir) = &dir {
            std::fs::create_dir_all(dir)?;
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Ok(ComponentCache {
            dir,
            engine_tag: format!("{:016x}", hasher.finish()),
            loaded: Mutex::new(HashMap::new()),
        })
    }

    /// The compiled component for `bytes`, from memory, disk, or compiled now.
    pub fn get_or_compile(
        &self,
        engine: &wasmtime::Engine,
        bytes: &[u8],
    ) -> Result<(Component, CacheOutcome, String), String> {
        let hash = content_hash(bytes);
        if let Some(found) = self.loaded.lock().expect("cache lock").get(&hash) {
            return Ok((found.clone(), CacheOutcome::Memory, hash));
        }
        let path = self
            .dir
            .as_ref()
            .map(|d| d.join(format!("{hash}-{}.cwasm", self.engine_tag)));
        if let Some(path) = path.as_ref().filter(|p| p.exists()) {
            // SAFETY: the file was written by `Component::serialize` of an engine with the same
            // compatibility hash (it is in the file name) into a directory only the host writes.
            match unsafe { Component::deserialize_file(engine, path) } {
                Ok(component) => {
                    self.remember(&hash, &component);
                    return Ok((component, CacheOutcome::Disk, hash));
                }
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "unreadable cached artifact; recompiling");
                }
            }
        }
        let component = Component::new(engine, bytes).map_err(|e| format!("{e:#}"))?;
        if let Some(path) = path
            && let Err(e) = write_atomically(&path, &component)
        {
            tracing::warn!(path = %path.display(), error = %e, "could not write the component cache");
        }
        self.remember(&hash, &component);
        Ok((component, CacheOutcome::Compiled, hash))
    }

    fn remember(&self, hash: &str, component: &Component) {
        self.loaded
            .lock()
            .expect("cache lock")
            .insert(hash.to_string(), component.clone());
    }
}

fn write_atomically(path: &std::path::Path, component: &Component) -> std::io::Result<()> {
    let bytes = component.serialize().map_err(std::io::Error::other)?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
