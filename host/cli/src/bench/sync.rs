//! `weft bench sync`: the sync engine end to end, store commits included.
//!
//! 100,000 inventory records from an in-memory source, through a transform, into an in-memory
//! target, with the real sled store (every page commit is a flushed transaction; the run counts
//! until the ledger copies of the journal are done too):
//!
//! - `records_per_s` and `commit_p50_ms`/`commit_p99_ms`: through the no-op transform component;
//! - `sandbox_tax`: the same flow with the safety-stock transform as a component, against the
//!   same flow with safety-stock compiled natively (its entities converted through serde, the
//!   native counterpart of the component boundary). 1.0 means the sandbox costs nothing.
//!
//! Each figure is the median of three rounds (`*_rounds` lists them all); commit latencies are
//! pooled over the rounds' no-op runs.
//!
//! `--memory-store` swaps sled for the in-memory store, separating the engine's cost from the
//! store's.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use weft_engine::{EngineConfig, PluginId};
use weft_runtime::flow::{
    Endpoint, Flow, FlowCtx, FlowSpec, MapperEnd, MemoryStream, NativeTransform, RunMode, StreamEnd,
};
use weft_runtime::telemetry::Telemetry;
use weft_runtime::{DeploymentSpec, PluginHost};
use weft_store::SledStore;
use weft_world::transform::exports::weft::connector::transform_api::Outcome;
use weft_world::types::{Entity, InventoryLevel, Meta};

use super::{percentile, plugins_dir, read_component};

const RECORDS: usize = 100_000;
const PAGE: u32 = 1_000;
/// Rounds of the three measured flows (an odd number: the median is a run's figure).
const ROUNDS: usize = 3;

fn records() -> Vec<Entity> {
    (0..RECORDS)
        .map(|i| {
            Entity::InventoryLevel(InventoryLevel {
                meta: Meta {
                    source_system: "lightspeed-r".into(),
                    source_id: i.to_string(),
                    version: format!("{i:012}"),
                    external_ids: vec![],
                    attributes: vec![],
                },
                sku: format!("TEE-{:05}-M", i / 3),
                location: (1 + i % 3).to_string(),
                on_hand: (i % 17) as i64,
                available: (i % 17) as i64,
                committed: 0,
            })
        })
        .collect()
}

struct Measured {
    records_per_s: f64,
    commits_ms: Vec<f64>,
    written: u64,
}

async fn measure(
    name: &str,
    mapper: MapperEnd,
    input: &[Entity],
    memory_store: bool,
) -> anyhow::Result<Measured> {
    let dir = tempfile::tempdir()?;
    let sled = match memory_store {
        true => None,
        false => Some(Arc::new(SledStore::open(dir.path().join("sync"))?)),
    };
    let store: Arc<dyn weft_store::SyncStore> = match &sled {
        Some(sled) => sled.clone(),
        None => Arc::new(weft_store::MemoryStore::new()),
    };
    let ctx = FlowCtx::new(store, Arc::new(Telemetry::new()));
    let source = Arc::new(MemoryStream::new());
    source.append(input.iter().cloned());
    let target = Arc::new(MemoryStream::new());
    let mut spec = FlowSpec::new(
        "bench",
        name,
        Endpoint::new("memory", "inventory"),
        Endpoint::new("memory", "inventory"),
    );
    spec.page_size = PAGE;
    spec.batch_size = PAGE;
    let flow = Flow {
        spec,
        source: StreamEnd::Memory(source),
        mappers: vec![mapper],
        target: StreamEnd::Memory(target.clone()),
    };
    let started = Instant::now();
    let report = ctx.run(&flow, RunMode::Incremental).await?;
    // Counted until the ledger tree holds every entry, not only the journal.
    if let Some(sled) = &sled {
        sled.finish_ledger_copies()?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        report.written as usize == input.len() && target.counts().applied as usize == input.len(),
        "bench flow {name} wrote {} of {} records",
        report.written,
        input.len()
    );
    let mut commits_ms: Vec<f64> = ctx
        .telemetry
        .commit_seconds(&flow.spec.id())
        .iter()
        .map(|s| s * 1e3)
        .collect();
    commits_ms.sort_by(f64::total_cmp);
    Ok(Measured {
        records_per_s: input.len() as f64 / elapsed,
        commits_ms,
        written: report.written,
    })
}

fn native_safety_stock(config: &str) -> anyhow::Result<NativeTransform> {
    let cfg = safety_stock::Config::parse(config).map_err(anyhow::Error::msg)?;
    Ok(Arc::new(move |batch: &[Entity]| {
        // The host's and the SDK's model types are the same shapes from the same WIT; JSON text
        // carries one into the other (the native stand-in for the component boundary).
        let text = serde_json::to_string(batch).map_err(|e| e.to_string())?;
        let sdk: Vec<weft_sdk::model::Entity> =
            serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let out =
            serde_json::to_string(&safety_stock::apply(&cfg, sdk)).map_err(|e| e.to_string())?;
        serde_json::from_str::<Vec<Outcome>>(&out).map_err(|e| e.to_string())
    }))
}

pub async fn run(dir: Option<PathBuf>, memory_store: bool) -> anyhow::Result<ExitCode> {
    let dir = plugins_dir(dir);
    let tmp = tempfile::tempdir()?;
    let db = sled::open(tmp.path())?;
    let host = Arc::new(PluginHost::new(
        EngineConfig::default(),
        &db,
        Default::default(),
        weft_runtime::system_clock(),
    )?);
    let config = json!({"default-buffer": 1, "buffers": {"2": 3}});
    for (name, plugin, file) in [
        ("noop", "noop", "noop"),
        ("stock", "safety-stock", "safety_stock"),
    ] {
        let mut spec = DeploymentSpec::new("bench", name);
        spec.config = config.clone();
        let key = spec.key.clone();
        host.configure(spec);
        host.deploy(
            &key,
            PluginId::new(plugin, "1"),
            &read_component(&dir, file)?,
        )
        .await?;
    }
    let component = |name: &str| MapperEnd::Component {
        host: host.clone(),
        key: weft_engine::DeploymentKey::new("bench", name),
    };
    let input = records();
    // Warm up the allocator, the caches and sled once, untimed.
    measure("warm-up", component("noop"), &input[..10_000], memory_store).await?;
    // Rounds of the three flows back to back: the VM's speed drifts between phases, so each
    // figure is the median over rounds and the sandbox tax is taken within a round.
    let mut rounds = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let noop = measure("noop", component("noop"), &input, memory_store).await?;
        let sandboxed = measure("stock-wasm", component("stock"), &input, memory_store).await?;
        let native = measure(
            "stock-native",
            MapperEnd::Native {
                id: PluginId::new("safety-stock", "native"),
                map: native_safety_stock(&config.to_string())?,
            },
            &input,
            memory_store,
        )
        .await?;
        rounds.push([noop, sandboxed, native]);
    }
    let per_s =
        |i: usize| -> Vec<f64> { rounds.iter().map(|r| r[i].records_per_s.round()).collect() };
    let taxes: Vec<f64> = rounds
        .iter()
        .map(|[_, wasm, native]| round3(native.records_per_s / wasm.records_per_s))
        .collect();
    let mut commits_ms: Vec<f64> = rounds
        .iter()
        .flat_map(|r| r[0].commits_ms.clone())
        .collect();
    commits_ms.sort_by(f64::total_cmp);
    let report = json!({
        "records": rounds[0][0].written,
        "page_size": PAGE,
        "rounds": ROUNDS,
        "records_per_s": median(per_s(0)),
        "records_per_s_rounds": per_s(0),
        "commit_p50_ms": round3(percentile(&commits_ms, 50.0)),
        "commit_p99_ms": round3(percentile(&commits_ms, 99.0)),
        "safety_stock_wasm_records_per_s": median(per_s(1)),
        "safety_stock_native_records_per_s": median(per_s(2)),
        "sandbox_tax": median(taxes.clone()),
        "sandbox_tax_rounds": taxes,
        "store": if memory_store { "memory (no durability: the engine's own cost)" } else { "sled (flushed on every page commit)" },
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(ExitCode::SUCCESS)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
