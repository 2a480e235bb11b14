//! `weft plugin ...`: scaffold, check and test components locally; push, list and roll back
//! versions on a running host through its admin API (`remote`).

mod check;
mod fixture;
mod new;
mod remote;
mod runner;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum PluginCommand {
    /// Scaffold a plugin crate that builds as-is.
    New {
        /// Crate name (also the directory created).
        name: String,
        /// `transform` or `connector`.
        #[arg(long, default_value = "transform")]
        world: String,
        /// Path to the weft-sdk crate (default: the SDK of this checkout).
        #[arg(long)]
        sdk: Option<PathBuf>,
    },
    /// Which world a component implements, what it imports, and why it would be refused.
    Check {
        /// The component (.wasm).
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run the fixture cases in a folder against a component, with recorded HTTP.
    Test {
        /// The component (.wasm).
        file: PathBuf,
        /// Folder of case files (*.json).
        #[arg(long)]
        fixtures: PathBuf,
        /// Print one JSON report instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Hot-swap a new version into a deployment of a running host (validated there first).
    Push(remote::PushArgs),
    /// Deployments of a running host with their current version and history.
    List(remote::AdminArgs),
    /// Put a deployment of a running host back on its previous version.
    Rollback(remote::RollbackArgs),
}

pub async fn run(cmd: PluginCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PluginCommand::New { name, world, sdk } => new::run(&name, &world, sdk),
        PluginCommand::Check { file, json } => check::run(&file, json),
        PluginCommand::Test {
            file,
            fixtures,
            json,
        } => runner::run(&file, &fixtures, json).await,
        PluginCommand::Push(args) => remote::push(args).await,
        PluginCommand::List(args) => remote::list(args).await,
        PluginCommand::Rollback(args) => remote::rollback(args).await,
    }
}

/// An engine for tooling: compiled components cached under the user's cache directory.
pub fn tooling_engine() -> weft_engine::EngineConfig {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|c| c.join("weft/components"));
    weft_engine::EngineConfig {
        cache_dir: cache,
        pool_instances: 16,
        ..Default::default()
    }
}
