//! Shared helpers for the end-to-end tests: built components, a ready host, sample records.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use weft_cap_secrets::SecretStore;
use weft_engine::{EngineConfig, PluginId};
use weft_runtime::{DeploymentSpec, PluginHost};
use weft_world::types::{Entity, InventoryLevel, Meta};

pub mod testbed;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Build every plugin once per test process (a no-op when up to date) and return the bytes of
/// `name`'s component. A separate target directory keeps this from waiting on the lock of the
/// `cargo test` that runs us.
pub fn component(name: &str) -> Vec<u8> {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let status = Command::new("bash")
                .arg(root().join("scripts/build-plugins.sh"))
                .env_remove("CARGO_TARGET_DIR")
                .env_remove("RUSTFLAGS")
                .env_remove("CARGO_ENCODED_RUSTFLAGS")
                .status()
                .map_err(|e| e.to_string())?;
            if status.success() {
                Ok(())
            } else {
                Err(format!("scripts/build-plugins.sh failed: {status}"))
            }
        })
        .as_ref()
        .expect("plugins build");
    let path = component_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Where `name`'s component is built.
pub fn component_path(name: &str) -> PathBuf {
    root()
        .join("target/wasm/wasm32-wasip2/plugin")
        .join(format!("{}.wasm", name.replace('-', "_")))
}

/// A plugin id for a test plugin.
pub fn id(name: &str, version: &str) -> PluginId {
    PluginId::new(name, version)
}

/// A host with its store in `dir`, a secret "webhook" = "s3cret", and the wall clock.
pub fn host(dir: &Path) -> Arc<PluginHost> {
    host_with(dir, EngineConfig::default())
}

/// Like [`host`] with a specific engine config.
pub fn host_with(dir: &Path, engine: EngineConfig) -> Arc<PluginHost> {
    let db = sled::open(dir.join("db")).expect("open sled");
    let mut secrets = SecretStore::new();
    secrets.insert("webhook", b"s3cret".to_vec());
    Arc::new(PluginHost::new(engine, &db, secrets, weft_runtime::system_clock()).expect("host"))
}

/// Configure `deployment` of `tenant` with `config` and deploy `plugin` there.
pub async fn deploy(host: &PluginHost, spec: DeploymentSpec, plugin: &str, version: &str) {
    let key = spec.key.clone();
    host.configure(spec);
    host.deploy(&key, id(plugin, version), &component(plugin))
        .await
        .expect("deploy");
}

/// An inventory level.
pub fn level(sku: &str, location: &str, available: i64) -> Entity {
    Entity::InventoryLevel(InventoryLevel {
        meta: Meta {
            source_system: "lightspeed-r".into(),
            source_id: format!("{sku}@{location}"),
            version: "1".into(),
            external_ids: vec![],
            attributes: vec![],
        },
        sku: sku.into(),
        location: location.into(),
        on_hand: available,
        available,
        committed: 0,
    })
}
