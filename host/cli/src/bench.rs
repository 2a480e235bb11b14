//! `weft bench ...`: benchmarks that print one JSON object.

mod host;
mod platform;
mod store;
mod sync;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Plugin host: instantiation, call overhead, transform throughput vs native.
    Host {
        /// Print JSON (the only format; kept for symmetry with other commands).
        #[arg(long)]
        json: bool,
        /// Folder with the built components (noop.wasm, safety_stock.wasm).
        #[arg(long)]
        plugins_dir: Option<PathBuf>,
    },
    /// Sync engine: 100,000 records through a flow with store commits; sandbox tax end to end.
    Sync {
        /// Print JSON (the only format).
        #[arg(long)]
        json: bool,
        /// Use the in-memory store instead of sled (measures the engine without durability).
        #[arg(long)]
        memory_store: bool,
        /// Folder with the built components (noop.wasm, safety_stock.wasm).
        #[arg(long)]
        plugins_dir: Option<PathBuf>,
    },
    /// Sync store: page commits of 1,000 ledger entries into sled, lookups, and sled's plain
    /// insert rate for the same bytes (the ceiling the store puts on a sync).
    Store {
        /// Print JSON (the only format).
        #[arg(long)]
        json: bool,
    },
    /// Platforms: full stock sync Lightspeed -> Shopify at the simulators' rate limits, and the
    /// time from a shop sale to the new quantity online.
    Platform {
        /// Print JSON (the only format).
        #[arg(long)]
        json: bool,
        /// SKUs in the catalogue (each stocked in 3 shops).
        #[arg(long, default_value_t = 10_000)]
        skus: usize,
        /// Shop sales timed until Shopify shows them.
        #[arg(long, default_value_t = 40)]
        samples: usize,
        /// Simulated seconds per real second for both simulators.
        #[arg(long, default_value_t = 60.0)]
        time_scale: f64,
    },
}

pub async fn run(cmd: BenchCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BenchCommand::Host {
            json: _,
            plugins_dir,
        } => host::run(plugins_dir).await,
        BenchCommand::Sync {
            json: _,
            memory_store,
            plugins_dir,
        } => sync::run(plugins_dir, memory_store).await,
        BenchCommand::Store { json: _ } => store::run(),
        BenchCommand::Platform {
            json: _,
            skus,
            samples,
            time_scale,
        } => platform::run(skus, samples, time_scale).await,
    }
}

/// Where `scripts/build-plugins.sh` puts components.
pub fn plugins_dir(given: Option<PathBuf>) -> PathBuf {
    given.unwrap_or_else(|| {
        let local = PathBuf::from("target/wasm/wasm32-wasip2/plugin");
        if local.exists() {
            local
        } else {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/wasm/wasm32-wasip2/plugin")
        }
    })
}

/// Read a built component or say how to build it.
pub fn read_component(dir: &std::path::Path, name: &str) -> anyhow::Result<Vec<u8>> {
    let path = dir.join(format!("{name}.wasm"));
    std::fs::read(&path).map_err(|e| {
        anyhow::anyhow!(
            "{}: {e}; build the plugins first with scripts/build-plugins.sh",
            path.display()
        )
    })
}

/// The p-th percentile (0..=100) of sorted samples.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}
