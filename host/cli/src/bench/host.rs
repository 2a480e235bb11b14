//! `weft bench host`: what the sandbox costs.
//!
//! - `instantiate_us_p50/p99`: a fresh Store with the real capability bundle plus
//!   `InstancePre::instantiate` of the no-op transform (what every call pays);
//! - `call_overhead_ns_p50`: a warm call of the no-op export with an empty batch;
//! - `transform_records_per_s`: safety-stock on 1,000-record batches through the runtime's
//!   boundary (JSON records in, typed WIT values across, JSON out), a fresh instance per batch;
//! - `native_records_per_s`: the same safety-stock code compiled natively, through the same JSON
//!   boundary; `sandbox_tax` is native / sandboxed (1.0 = free).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use serde_json::json;
use weft_engine::{EngineConfig, PluginId};
use weft_runtime::{DeploymentSpec, HttpMode, PluginHost};
use weft_world::types::{Entity, InventoryLevel, Meta};

use super::{percentile, plugins_dir, read_component};

const BATCH: usize = 1000;

fn batch_json() -> String {
    let batch: Vec<Entity> = (0..BATCH)
        .map(|i| {
            Entity::InventoryLevel(InventoryLevel {
                meta: Meta {
                    source_system: "lightspeed-r".into(),
                    source_id: format!("{i}"),
                    version: "2026-11-01T00:00:00Z".into(),
                    external_ids: vec![],
                    attributes: vec![],
                },
                sku: format!("TEE-{i:05}-M-RED"),
                location: format!("{}", 1 + i % 3),
                on_hand: (i % 17) as i64,
                available: (i % 17) as i64,
                committed: 0,
            })
        })
        .collect();
    serde_json::to_string(&batch).expect("serializes")
}

pub async fn run(dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let dir = plugins_dir(dir);
    let noop = read_component(&dir, "noop")?;
    let stock = read_component(&dir, "safety_stock")?;
    let tmp = tempfile::tempdir()?;
    let db = sled::open(tmp.path())?;
    let host = PluginHost::new(
        EngineConfig::default(),
        &db,
        Default::default(),
        weft_runtime::system_clock(),
    )?;
    let config = json!({"default-buffer": 1, "buffers": {"2": 3}});
    let mut noop_spec = DeploymentSpec::new("bench", "noop");
    noop_spec.config = config.clone();
    let mut stock_spec = DeploymentSpec::new("bench", "stock");
    stock_spec.config = config.clone();
    let (noop_key, stock_key) = (noop_spec.key.clone(), stock_spec.key.clone());
    host.configure(noop_spec);
    host.configure(stock_spec);
    let noop_id = PluginId::new("noop", "1");
    host.deploy(&noop_key, noop_id.clone(), &noop).await?;
    host.deploy(&stock_key, PluginId::new("safety-stock", "1"), &stock)
        .await?;
    let noop_plugin = host.load(noop_id.clone(), &noop)?;
    let limits = weft_engine::Limits::default();

    // Instantiation.
    let mut inst = Vec::new();
    for i in 0..3200 {
        let caps = host.call_caps(&noop_key, &noop_id, &HttpMode::Live)?;
        let d = host
            .engine()
            .instantiate_only(&noop_plugin, caps, &limits)
            .await?;
        if i >= 200 {
            inst.push(d.as_secs_f64() * 1e6);
        }
    }
    inst.sort_by(f64::total_cmp);

    // Warm call overhead.
    let caps = host.call_caps(&noop_key, &noop_id, &HttpMode::Live)?;
    let mut warm = host
        .engine()
        .warm_transform(&noop_plugin, caps, &limits)
        .await?;
    let mut per_call = Vec::new();
    const ROUND: u32 = 200;
    for round in 0..300 {
        let started = Instant::now();
        for _ in 0..ROUND {
            std::hint::black_box(
                warm.call(&[])
                    .await
                    .map_err(|e| anyhow::anyhow!("{e:#}"))?
                    .map_err(anyhow::Error::msg)?,
            );
        }
        if round >= 20 {
            per_call.push(started.elapsed().as_secs_f64() * 1e9 / ROUND as f64);
        }
    }
    per_call.sort_by(f64::total_cmp);

    // Transform throughput, sandboxed and native, through the same JSON boundary.
    let input = batch_json();
    let batches = 60;
    let started = Instant::now();
    let mut fuel = 0;
    for _ in 0..batches {
        let batch: Vec<Entity> = serde_json::from_str(&input)?;
        let (_, called) = host.transform(&stock_key, &batch).await?;
        fuel = called.report.fuel_used;
        let out = serde_json::to_string(&called.value.map_err(anyhow::Error::msg)?)?;
        std::hint::black_box(out);
    }
    let sandboxed = (batches * BATCH) as f64 / started.elapsed().as_secs_f64();

    let config_text = config.to_string();
    let started = Instant::now();
    for _ in 0..batches {
        let batch: Vec<weft_sdk::model::Entity> = serde_json::from_str(&input)?;
        let cfg = safety_stock::Config::parse(&config_text).map_err(anyhow::Error::msg)?;
        let out = serde_json::to_string(&Ok::<_, String>(safety_stock::apply(&cfg, batch)))?;
        std::hint::black_box(out);
    }
    let native = (batches * BATCH) as f64 / started.elapsed().as_secs_f64();

    let report = json!({
        "instantiate_us_p50": round2(percentile(&inst, 50.0)),
        "instantiate_us_p99": round2(percentile(&inst, 99.0)),
        "call_overhead_ns_p50": round2(percentile(&per_call, 50.0)),
        "call_overhead_ns_p99": round2(percentile(&per_call, 99.0)),
        "transform_records_per_s": sandboxed.round(),
        "native_records_per_s": native.round(),
        "sandbox_tax": round2(native / sandboxed),
        "transform_batch_size": BATCH,
        "transform_fuel_per_batch": fuel,
        "allocator": host.engine().allocator(),
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(ExitCode::SUCCESS)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
