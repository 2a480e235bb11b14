//! `weft demo`: one retailer, three Lightspeed shops and a Shopify store, synced live.
//!
//! Starts both simulators in-process with the same seeded retailer, builds the host from
//! `examples/lightspeed-shopify/weft.toml` (pointed at the simulators), aligns stock and
//! products once, then lets shops sell, return and receive while the web store takes orders,
//! and shows the flows move. At the end (Ctrl-C, or after `--seconds`) the activity stops, the
//! flows drain, and both sides are checked record by record: [`report`] says what was moved,
//! what was lost or applied twice (both must be 0), and what a final reconciliation finds.
//!
//! `--faults` turns on 429 storms, 5xx, latency, dropped and duplicated webhooks and stale
//! compare-and-sets in both simulators for the whole run. `--host-tour` shows the plugin host
//! alone (tenants, hot swap, hostile plugins) as the first demo did.
//!
//! Deliberately not here: the flows themselves (the example config holds them) and judging
//! the numbers (the tests do).

mod activity;
mod host_tour;
mod live;
pub(crate) mod report;
pub(crate) mod setup;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use weft_runtime::flow::RunMode;

/// `weft demo` arguments.
#[derive(clap::Args)]
pub struct DemoArgs {
    /// Print one JSON report at the end instead of live progress.
    #[arg(long)]
    json: bool,
    /// Run the shops and the web store this many seconds, then drain and report (default: until
    /// Ctrl-C, or 30 s with --json).
    #[arg(long)]
    seconds: Option<u64>,
    /// Inject faults in both simulators for the whole run.
    #[arg(long)]
    faults: bool,
    /// Simulated seconds per real second: the simulators' rate limits and clocks run this much
    /// faster, so a demo shows in seconds what takes minutes against the real APIs.
    #[arg(long, default_value_t = 20.0)]
    time_scale: f64,
    /// Seed of the generated retailer and its activity.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Show the plugin host alone: tenants, hot swap, hostile plugins stopped.
    #[arg(long)]
    host_tour: bool,
    /// Serve the admin API (and dashboard) on this address while the demo runs.
    #[arg(long)]
    admin: Option<std::net::SocketAddr>,
    /// Environment variable holding the admin API's bearer token (with --admin).
    #[arg(long, default_value = "WEFT_ADMIN_TOKEN", requires = "admin")]
    admin_token_env: String,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    if args.host_tour {
        return host_tour::run(args.json).await;
    }
    let say = |line: &str| {
        if !args.json {
            println!("{line}");
        }
    };
    let demo = setup::start(args.seed, args.time_scale, args.faults, None).await?;
    say(&format!(
        "Lightspeed R-Series simulator: {}\nShopify simulator:             {}\nwebhooks in:                   {}\nconfig:                        {}\ntime scale: {}x{}",
        demo.lightspeed.api_base(),
        demo.shopify.graphql_url(),
        demo.ingress.base_url(),
        demo.config_path.display(),
        args.time_scale,
        if args.faults { ", faults ON" } else { "" },
    ));

    let _admin = match args.admin {
        Some(addr) => {
            let token = std::env::var(&args.admin_token_env).map_err(|_| {
                anyhow::anyhow!(
                    "--admin needs the bearer token in the environment variable {}",
                    args.admin_token_env
                )
            })?;
            let state = weft_admin::AdminState::new(
                demo.assembled.flows.clone(),
                demo.assembled.host.clone(),
                token,
            );
            let handle = weft_admin::serve(addr, state).await?;
            // Printed in --json mode too (on stderr) so scripts and tests can find it.
            eprintln!("admin API: {}", handle.url());
            eprintln!(
                "dashboard: {}/dashboard",
                handle.url().trim_end_matches('/')
            );
            Some(handle)
        }
        None => None,
    };

    say("\n== initial alignment: products, customers and stock (full sync)");
    let bulk = report::bulk_inventory(&demo, true).await?;
    say(&format!(
        "stock: {} levels in {:.1} s; Shopify cost bucket used at {:.0}% of what it allows",
        bulk.levels,
        bulk.seconds,
        bulk.utilisation * 100.0
    ));

    say("\n== live: shops sell, return and receive; the web store takes orders (Ctrl-C ends)");
    demo.assembled.flows.start();
    let seconds = args.seconds.or(args.json.then_some(30));
    let started = Instant::now();
    let mut activity = activity::Activity::default();
    let mut ticker = tokio::time::interval(Duration::from_millis(250));
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut last_print = Instant::now();
    loop {
        tokio::select! {
            _ = &mut ctrl_c => break,
            _ = ticker.tick() => {}
        }
        if seconds.is_some_and(|s| started.elapsed() >= Duration::from_secs(s)) {
            break;
        }
        activity.tick(&demo);
        if !args.json && last_print.elapsed() >= Duration::from_secs(2) {
            last_print = Instant::now();
            live::print(&demo, &activity, started.elapsed())?;
        }
    }

    say("\n== draining: activity stopped, every flow runs until nothing is left to move");
    demo.assembled.flows.stop().await;
    let rounds = drain(&demo).await?;
    // What the inventory flow's scheduled reconciliation (every 5 minutes, with heal) does,
    // once, before the final check; the report counts what it healed.
    let (healed, _) = demo
        .assembled
        .flows
        .reconcile("acme/inventory", true)
        .await?;
    say(&format!(
        "drained in {rounds} round(s); the scheduled stock reconciliation healed {} level(s)",
        healed.healed
    ));

    let report = report::check(&demo, &activity, &bulk, healed.healed).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        live::print(&demo, &activity, started.elapsed())?;
        println!("\n{}", report::summary(&report));
    }
    Ok(
        if report.lost == 0 && report.duplicates == 0 && report.drift_after == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(3)
        },
    )
}

/// Run every flow, in the order their data depends on each other, until a whole round moves
/// nothing (a run itself waits for its records' retries to fall due). A run that fails (a
/// source still failing after its read retries) is logged and tried again next round. Returns
/// the rounds.
async fn drain(demo: &setup::Demo) -> anyhow::Result<usize> {
    const ORDER: [&str; 7] = [
        "acme/products",
        "acme/customers",
        "acme/orders",
        "acme/returns",
        "acme/fulfilments",
        "acme/inventory",
        "acme/payouts",
    ];
    const ROUNDS: usize = 20;
    for round in 1..=ROUNDS {
        let mut moved = 0;
        let mut failed = None;
        for id in ORDER {
            match demo.assembled.flows.run(id, RunMode::Incremental).await {
                // Sources that re-read an overlap window report reads the ledger answers as
                // duplicates; only writes and released waits mean there was still work.
                Ok(r) => moved += r.written + r.unblocked,
                Err(e) => failed = Some(anyhow::anyhow!(e).context(format!("draining {id}"))),
            }
        }
        match failed {
            Some(e) if round == ROUNDS => return Err(e),
            Some(_) => {}
            None if moved == 0 => return Ok(round),
            None => {}
        }
    }
    anyhow::bail!("the flows were still moving records after {ROUNDS} drain rounds")
}
