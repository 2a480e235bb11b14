//! `weft`: the operator's and plugin author's command line.
//!
//! Thin: each subcommand parses its flags and calls into the runtime; no sync or capability
//! logic lives here.

mod assemble;
mod bench;
mod config;
mod demo;
mod ingress;
mod ops;
mod plugin;
mod sandbox;

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: the sync engine's per-record allocations spent a
/// third of `weft bench sync` in glibc malloc and free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "weft",
    version,
    about = "Weft: retail integration runtime with sandboxed WebAssembly plugins"
)]
struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Plugin tooling: scaffold, inspect and test components.
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
    /// Benchmarks printing JSON.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Run the host described by a config file (flows, triggers, timers) until Ctrl-C.
    Run(ops::RunArgs),
    /// Configuration tools.
    #[command(subcommand)]
    Config(ops::ConfigCommand),
    /// Flows with state, counts and last error.
    Flows {
        #[command(flatten)]
        cfg: ops::ConfigArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Parked records with their errors.
    Parked(ops::ParkedArgs),
    /// Re-run parked records through the current plugins, with their idempotency keys.
    Replay(ops::ReplayArgs),
    /// Compare both sides of a flow and report drift; optionally heal it.
    Reconcile(ops::ReconcileArgs),
    /// Run a platform simulator on its own (prints its base URL).
    Sandbox(sandbox::SandboxArgs),
    /// Run the demo: Lightspeed shops and a Shopify store synced live, then checked record by record.
    Demo(demo::DemoArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("WEFT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(async {
        match cli.command {
            Command::Plugin(cmd) => plugin::run(cmd).await,
            Command::Bench(cmd) => bench::run(cmd).await,
            Command::Demo(args) => demo::run(args).await,
            Command::Run(args) => ops::run(args).await,
            Command::Sandbox(args) => sandbox::run(args).await,
            Command::Config(cmd) => ops::check(cmd),
            Command::Flows { cfg, json } => ops::flows(cfg, json).await,
            Command::Parked(args) => ops::parked(args).await,
            Command::Replay(args) => ops::replay(args).await,
            Command::Reconcile(args) => ops::reconcile(args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
