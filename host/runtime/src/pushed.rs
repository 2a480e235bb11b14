//! Pushed versions that survive a restart: after a push or a rollback over the admin API, the
//! deployment's version stack above its configured version is written to disk with the
//! component files, and [`PushedVersions::restore`] deploys it again when the host starts.
//!
//! Layout under the directory (`<store>/pushed` for `weft run`): `<tenant>/<deployment>/
//! versions.json` (`{"format": 1, "base": <id>, "stack": [{"id": <id>, "file": "..."}]}`, oldest
//! first) beside the component files, named by a hash of their bytes. The stack is only restored
//! onto the same base: when the operator changed the configured version since, the config is the
//! newer intent, so the saved stack is left alone and the log says so. Each restored version is
//! validated and smoke-called again like any deploy. Unknown formats are reported, never guessed
//! at. Deliberately not here: quarantine state (a restart clears it) and garbage collection of
//! component files no stack names any more.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use weft_engine::{DeploymentKey, PluginId};

use crate::{PluginHost, RuntimeError};

const FORMAT: u32 = 1;
const MANIFEST: &str = "versions.json";

/// Problems reading or writing saved versions.
#[derive(Debug, thiserror::Error)]
pub enum PushedError {
    /// A file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What happened.
        error: std::io::Error,
    },
    /// A manifest is not one this version understands.
    #[error("{path}: {detail}; move it aside to start from the configured versions")]
    Manifest {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The deployment is unknown to the host.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    base: PluginId,
    stack: Vec<Saved>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Saved {
    id: PluginId,
    file: String,
}

/// What [`PushedVersions::restore`] did for one deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restored {
    /// These versions were deployed again, oldest first; the last is current.
    Deployed(DeploymentKey, Vec<PluginId>),
    /// The saved stack was made on another configured version and was left alone.
    Stale {
        /// The deployment.
        key: DeploymentKey,
        /// The configured version the stack was pushed onto.
        saved_base: PluginId,
        /// The configured version now.
        configured: PluginId,
    },
    /// A saved version could not be deployed; the ones before it were.
    Failed(DeploymentKey, String),
}

/// Saved version stacks in one directory.
pub struct PushedVersions {
    dir: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PushedError + '_ {
    move |error| PushedError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// A file name for component bytes: their length and a 64-bit hash (collisions would need the
/// same length too; the manifest, not the name, says which version a file is).
fn file_name(bytes: &[u8]) -> String {
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    format!("{:016x}-{}.wasm", h.finish(), bytes.len())
}

impl PushedVersions {
    /// Stacks kept under `dir` (created on the first save).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        PushedVersions { dir: dir.into() }
    }

    fn folder(&self, key: &DeploymentKey) -> PathBuf {
        self.dir.join(&key.tenant).join(&key.deployment)
    }

    fn read(&self, key: &DeploymentKey) -> Result<Option<Manifest>, PushedError> {
        let path = self.folder(key).join(MANIFEST);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&path)(e)),
        };
        let m: Manifest = serde_json::from_str(&text).map_err(|e| PushedError::Manifest {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        if m.format != FORMAT {
            return Err(PushedError::Manifest {
                path,
                detail: format!("format {} is not {FORMAT}", m.format),
            });
        }
        Ok(Some(m))
    }

    /// Record `key`'s version stack as the host holds it now; `pushed` is the component that
    /// was just pushed (none after a rollback). Versions whose bytes were never saved (pushed
    /// while nothing was kept) end the saved stack there.
    pub fn save(
        &self,
        host: &PluginHost,
        key: &DeploymentKey,
        pushed: Option<(&PluginId, &[u8])>,
    ) -> Result<(), PushedError> {
        let versions = host.versions(key)?;
        let Some((base, above)) = versions.split_first() else {
            return Ok(());
        };
        let folder = self.folder(key);
        std::fs::create_dir_all(&folder).map_err(io(&folder))?;
        let mut known: Vec<Saved> = match self.read(key)? {
            Some(m) if &m.base == base => m.stack,
            _ => Vec::new(),
        };
        if let Some((id, bytes)) = pushed {
            let file = file_name(bytes);
            let path = folder.join(&file);
            if !path.exists() {
                write_atomically(&path, bytes)?;
            }
            known.push(Saved {
                id: id.clone(),
                file,
            });
        }
        let mut stack = Vec::new();
        for id in above {
            // The latest saved entry of this id (a version may be pushed twice).
            match known.iter().rev().find(|s| &s.id == id) {
                Some(s) => stack.push(s.clone()),
                None => break,
            }
        }
        let manifest = Manifest {
            format: FORMAT,
            base: base.clone(),
            stack,
        };
        let text = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
        write_atomically(&folder.join(MANIFEST), &text)
    }

    /// Deploy every saved stack again onto its deployment's configured version.
    pub async fn restore(&self, host: &PluginHost) -> Result<Vec<Restored>, PushedError> {
        let mut out = Vec::new();
        for (key, _) in host.deployments() {
            let Some(m) = self.read(&key)? else {
                continue;
            };
            if m.stack.is_empty() {
                continue;
            }
            let configured = host.versions(&key)?.swap_remove(0);
            if configured != m.base {
                out.push(Restored::Stale {
                    key,
                    saved_base: m.base,
                    configured,
                });
                continue;
            }
            let mut deployed = Vec::new();
            let mut failure = None;
            for saved in &m.stack {
                let path = self.folder(&key).join(&saved.file);
                let result = match std::fs::read(&path) {
                    Ok(bytes) => host
                        .deploy(&key, saved.id.clone(), &bytes)
                        .await
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(format!("{}: {e}", path.display())),
                };
                match result {
                    Ok(_) => deployed.push(saved.id.clone()),
                    Err(e) => {
                        failure = Some(format!("restoring {}: {e}", saved.id));
                        break;
                    }
                }
            }
            if !deployed.is_empty() {
                out.push(Restored::Deployed(key.clone(), deployed));
            }
            if let Some(f) = failure {
                out.push(Restored::Failed(key, f));
            }
        }
        Ok(out)
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), PushedError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}
