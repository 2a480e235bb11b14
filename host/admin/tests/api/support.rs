//! The test rig: a store, a plugin host with safety-stock deployed as `acme/buffer`, the flow
//! `acme/stock` (memory source -> a native check that fails `BAD-*` SKUs while `broken` is set
//! -> `acme/buffer` -> memory target), and the admin API on an ephemeral loopback port.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use weft_admin::{AdminHandle, AdminState};
use weft_engine::{DeploymentKey, EngineConfig, PluginId};
use weft_runtime::flow::{
    Endpoint, Flow, FlowCtx, FlowSpec, Flows, MapperEnd, MemoryStream, StreamEnd,
};
use weft_runtime::telemetry::Telemetry;
use weft_runtime::{DeploymentSpec, PluginHost};
use weft_store::{SledStore, SyncStore};
use weft_world::transform::exports::weft::connector::transform_api::Outcome;
use weft_world::types::{Entity, InventoryLevel, Meta};

pub const TOKEN: &str = "test-admin-token-0123456789";
pub const FLOW: &str = "acme/stock";

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The bytes of a built component (built once per process by scripts/build-plugins.sh).
pub fn component(name: &str) -> Vec<u8> {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    let path = root()
        .join("target/wasm/wasm32-wasip2/plugin")
        .join(format!("{name}.wasm"));
    if !path.exists() {
        BUILT
            .get_or_init(|| {
                let status = Command::new("bash")
                    .arg(root().join("scripts/build-plugins.sh"))
                    .env_remove("CARGO_TARGET_DIR")
                    .env_remove("RUSTFLAGS")
                    .env_remove("CARGO_ENCODED_RUSTFLAGS")
                    .status()
                    .map_err(|e| e.to_string())?;
                status
                    .success()
                    .then_some(())
                    .ok_or_else(|| format!("scripts/build-plugins.sh failed: {status}"))
            })
            .as_ref()
            .expect("plugins build");
    }
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

pub fn level(sku: &str, version: u64, available: i64) -> Entity {
    Entity::InventoryLevel(InventoryLevel {
        meta: Meta {
            source_system: "memory".into(),
            source_id: sku.into(),
            version: format!("{version:010}"),
            external_ids: vec![],
            attributes: vec![],
        },
        sku: sku.into(),
        location: "1".into(),
        on_hand: available,
        available,
        committed: 0,
    })
}

pub struct Rig {
    pub _dir: tempfile::TempDir,
    pub url: String,
    pub client: reqwest::Client,
    pub host: Arc<PluginHost>,
    pub flows: Arc<Flows>,
    pub source: Arc<MemoryStream>,
    pub target: Arc<MemoryStream>,
    pub broken: Arc<AtomicBool>,
    pub ready: Arc<AtomicBool>,
    pub handle: Option<AdminHandle>,
}

impl Rig {
    /// A host whose source holds `skus` (available 5 each), served on loopback.
    pub async fn new(skus: &[&str]) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path().join("plugins")).unwrap();
        let engine = EngineConfig {
            cache_dir: Some(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("admin-components")),
            pooling: false,
            ..EngineConfig::default()
        };
        let host = Arc::new(
            PluginHost::new(
                engine,
                &db,
                Default::default(),
                weft_runtime::system_clock(),
            )
            .unwrap(),
        );
        let mut spec = DeploymentSpec::new("acme", "buffer");
        spec.config = serde_json::json!({"default-buffer": 1});
        host.configure(spec);
        let key = DeploymentKey::new("acme", "buffer");
        host.deploy(
            &key,
            PluginId::new("safety-stock", "1.0.0"),
            &component("safety_stock"),
        )
        .await
        .expect("deploy safety-stock");

        let store: Arc<dyn SyncStore> = Arc::new(SledStore::open(dir.path().join("sync")).unwrap());
        let ctx = FlowCtx::new(store, Arc::new(Telemetry::new()));
        let source = Arc::new(MemoryStream::new());
        source.append(
            skus.iter()
                .enumerate()
                .map(|(i, sku)| level(sku, i as u64 + 1, 5)),
        );
        let target = Arc::new(MemoryStream::new());
        let broken = Arc::new(AtomicBool::new(true));
        let b = broken.clone();
        let check = Arc::new(move |batch: &[Entity]| {
            Ok(batch
                .iter()
                .map(|e| match e {
                    Entity::InventoryLevel(l)
                        if l.sku.starts_with("BAD") && b.load(Ordering::SeqCst) =>
                    {
                        Outcome::Fail(format!("no location mapping for {}", l.sku))
                    }
                    _ => Outcome::Emit(vec![e.clone()]),
                })
                .collect())
        });
        let mut spec = FlowSpec::new(
            "acme",
            "stock",
            Endpoint::new("pos", "inventory"),
            Endpoint::new("shop", "inventory"),
        );
        spec.reconcile.fields = vec!["available".into()];
        let flow = Flow {
            spec,
            source: StreamEnd::Memory(source.clone()),
            mappers: vec![
                MapperEnd::Native {
                    id: PluginId::new("location-check", "1"),
                    map: check,
                },
                MapperEnd::Component {
                    host: host.clone(),
                    key,
                },
            ],
            target: StreamEnd::Memory(target.clone()),
        };
        let flows = Flows::new(ctx, vec![flow]);
        let state = AdminState::new(flows.clone(), host.clone(), TOKEN);
        let ready = state.ready.clone();
        let handle = weft_admin::serve("127.0.0.1:0".parse().unwrap(), state)
            .await
            .expect("admin API starts");
        Rig {
            _dir: dir,
            url: handle.url(),
            client: reqwest::Client::new(),
            host,
            flows,
            source,
            target,
            broken,
            ready,
            handle: Some(handle),
        }
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .get(format!("{}{path}", self.url))
            .bearer_auth(TOKEN)
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.url))
            .bearer_auth(TOKEN)
    }

    /// A request with the token; panics unless the status is `status`; returns the JSON body.
    pub async fn json(&self, request: reqwest::RequestBuilder, status: u16) -> serde_json::Value {
        let response = request.send().await.expect("request");
        let got = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(got, status, "{text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }

    /// Run the flow through the API.
    pub async fn run_flow(&self) -> serde_json::Value {
        self.json(self.post(&format!("/api/flows/{FLOW}/run")), 200)
            .await
    }
}
