//! The operational verbs against the store of a `weft run` configuration: `run`, `config
//! check`, `flows`, `parked`, `replay`, `reconcile`. `run` also serves the admin API when the
//! config has an `[admin]` table, the webhook ingress when it has `[webhooks]`, and checks alert
//! rules when it has `[alerts]`.
//!
//! They open the store themselves, so they work while no host runs (sled allows one process
//! per store). Against a running host, the admin API offers the same operations.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use weft_admin::AdminState;
use weft_admin::alerts::Alerter;
use weft_runtime::flow::RunMode;
use weft_sync::{ErrorClass, ReplayFilter};

use crate::assemble::assemble;
use crate::config;
use crate::ingress;

/// Where the configuration is.
#[derive(Args, Clone)]
pub struct ConfigArg {
    /// The host configuration file.
    #[arg(short, long, default_value = "weft.toml")]
    pub config: PathBuf,
}

/// `weft run`.
#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    cfg: ConfigArg,
    /// Run every flow once until its source is exhausted, print the reports, and exit.
    #[arg(long)]
    once: bool,
    /// Full sync (initial alignment) instead of incremental, with --once.
    #[arg(long, requires = "once")]
    full: bool,
}

/// `weft config ...`.
#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Check a configuration without starting anything.
    Check(ConfigArg),
}

/// `weft parked`.
#[derive(Args)]
pub struct ParkedArgs {
    #[command(flatten)]
    cfg: ConfigArg,
    /// Only this flow (`tenant/name`).
    #[arg(long)]
    flow: Option<String>,
    /// Only this error class (transient, rate-limited, conflict, dependency-missing, permanent).
    #[arg(long)]
    class: Option<String>,
    /// At most this many records.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `weft replay`.
#[derive(Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    cfg: ConfigArg,
    /// One parked record.
    #[arg(long, conflicts_with_all = ["flow", "all"])]
    id: Option<String>,
    /// Every parked record of a flow (`tenant/name`).
    #[arg(long)]
    flow: Option<String>,
    /// With --flow: only this error class.
    #[arg(long, requires = "flow")]
    class: Option<String>,
    /// Every parked record.
    #[arg(long, conflicts_with = "flow")]
    all: bool,
}

/// `weft reconcile`.
#[derive(Args)]
pub struct ReconcileArgs {
    #[command(flatten)]
    cfg: ConfigArg,
    /// The flow (`tenant/name`).
    #[arg(long)]
    flow: String,
    /// Write the source's values over drifted ones.
    #[arg(long)]
    heal: bool,
    /// Print the full JSON report.
    #[arg(long)]
    json: bool,
}

fn class(name: &Option<String>) -> anyhow::Result<Option<ErrorClass>> {
    name.as_deref()
        .map(|c| c.parse::<ErrorClass>().map_err(|e| anyhow::anyhow!("{e}")))
        .transpose()
}

pub fn check(cmd: ConfigCommand) -> anyhow::Result<ExitCode> {
    let ConfigCommand::Check(cfg) = cmd;
    let c = config::load(&cfg.config)?;
    let (mut deployments, mut flows) = (0, 0);
    for t in c.tenants.values() {
        deployments += t.deployments.len();
        flows += t.flows.len();
    }
    println!(
        "{}: ok ({} tenants, {deployments} deployments, {flows} flows)",
        cfg.config.display(),
        c.tenants.len()
    );
    match &c.admin {
        Some(admin) => println!("admin API on {}", admin.listen),
        None => println!("no admin API (no [admin] table)"),
    }
    for line in ingress::report(c.webhooks.as_ref(), &ingress::receivers(&c), None) {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let mut config = config::load(&args.cfg.config)?;
    let admin = config.admin.take();
    let alerts = config.alerts.take();
    let webhooks = config.webhooks.take();
    let receivers = ingress::receivers(&config);
    // Bound before the plugins are deployed, so a taken port fails the start at once.
    let listener = match &webhooks {
        Some(w) if !args.once => Some(ingress::bind(w.listen).await.map_err(|e| {
            anyhow::anyhow!(
                "{}: webhooks.listen: cannot listen on {}: {e}; stop what holds the port or change [webhooks] listen",
                w.listen_at,
                w.listen
            )
        })?),
        _ => None,
    };
    let a = assemble(config).await?;
    if args.once {
        let mode = if args.full {
            RunMode::Full
        } else {
            RunMode::Incremental
        };
        let ids: Vec<String> = a.flows.statuses()?.into_iter().map(|s| s.id).collect();
        let runs = ids.iter().map(|id| {
            let flows = a.flows.clone();
            async move { (id.clone(), flows.run(id, mode).await) }
        });
        let mut failed = false;
        let mut out = serde_json::Map::new();
        for (id, result) in futures::future::join_all(runs).await {
            let v = match result {
                Ok(r) => serde_json::to_value(r)?,
                Err(e) => {
                    failed = true;
                    serde_json::json!({"error": e.to_string()})
                }
            };
            out.insert(id, v);
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(if failed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    a.flows.start();
    let admin = match admin {
        Some(admin) => {
            let mut state = AdminState::new(a.flows.clone(), a.host.clone(), admin.token);
            state.pushed = Some(a.pushed.clone());
            let handle = weft_admin::serve(admin.listen, state).await?;
            eprintln!("weft: admin API on {}", handle.url());
            Some(handle)
        }
        None => None,
    };
    let ingress = match listener {
        Some(l) => Some(ingress::serve_on(l, a.flows.clone(), a.host.clone())?),
        None => None,
    };
    let bound = ingress.as_ref().map(ingress::IngressHandle::local_addr);
    for line in ingress::report(webhooks.as_ref(), &receivers, bound) {
        eprintln!("weft: {line}");
    }
    let alerter = alerts.map(|config| {
        eprintln!(
            "weft: alert rules for {} flow(s), sent to {}",
            config.rules.len(),
            config.webhook
        );
        Alerter::new(config).spawn(a.flows.clone())
    });
    eprintln!(
        "weft: {} flows running; Ctrl-C stops",
        a.flows.statuses()?.len()
    );
    let timers = {
        let host = a.host.clone();
        tokio::spawn(async move {
            loop {
                host.fire_due_timers().await;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        })
    };
    tokio::signal::ctrl_c().await?;
    if let Some(ingress) = ingress {
        ingress.shutdown().await;
    }
    if let Some(admin) = admin {
        admin.shutdown().await?;
    }
    timers.abort();
    if let Some(alerter) = alerter {
        alerter.abort();
    }
    a.flows.stop().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn flows(cfg: ConfigArg, json: bool) -> anyhow::Result<ExitCode> {
    let a = assemble(config::load(&cfg.config)?).await?;
    let statuses = a.flows.statuses()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&statuses)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<28} {:<8} {:>9} {:>9} {:>7} {:>7}  last error",
        "flow", "state", "read", "written", "parked", "waiting"
    );
    for s in statuses {
        println!(
            "{:<28} {:<8} {:>9} {:>9} {:>7} {:>7}  {}",
            s.id,
            s.state,
            s.totals.read,
            s.totals.written,
            s.parked,
            s.totals.waiting,
            s.last_error.unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn parked(args: ParkedArgs) -> anyhow::Result<ExitCode> {
    let a = assemble(config::load(&args.cfg.config)?).await?;
    let filter = ReplayFilter {
        flow: args.flow.clone(),
        class: class(&args.class)?,
        ..ReplayFilter::default()
    };
    let store = &a.flows.ctx().store;
    let records = store.parked_list(&filter, None, args.limit)?;
    let total = store.parked_count(&filter)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"total": total, "records": records}))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{total} parked record(s){}",
        if total as usize > records.len() {
            format!(", showing {}", records.len())
        } else {
            String::new()
        }
    );
    for p in records {
        println!(
            "{}  {}  {}  {} after {} attempt(s): {}{}",
            p.id,
            p.flow,
            p.key,
            p.error.class,
            p.attempts,
            p.error.message,
            p.error
                .http_status
                .map(|s| format!(" (HTTP {s})"))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn replay(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.id.is_some() || args.flow.is_some() || args.all,
        "say what to replay: --id ID, --flow tenant/name [--class C], or --all"
    );
    let a = assemble(config::load(&args.cfg.config)?).await?;
    let filter = ReplayFilter {
        id: args.id,
        flow: args.flow,
        class: class(&args.class)?,
        ..ReplayFilter::default()
    };
    let report = a.flows.replay(&filter).await?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(ExitCode::SUCCESS)
}

pub async fn reconcile(args: ReconcileArgs) -> anyhow::Result<ExitCode> {
    let a = assemble(config::load(&args.cfg.config)?).await?;
    let flow = a
        .flows
        .flow(&args.flow)
        .ok_or_else(|| anyhow::anyhow!("no flow named {}; `weft flows` lists them", args.flow))?;
    let (rec, report) = a.flows.reconcile(&flow.spec.id(), args.heal).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rec)?);
    } else {
        println!("{}", rec.summary);
        if args.heal {
            println!(
                "healed {} record(s), {} parked",
                rec.healed, rec.heal_parked
            );
        }
    }
    Ok(if report.is_clean() || args.heal {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}
