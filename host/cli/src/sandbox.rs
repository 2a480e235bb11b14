//! `weft sandbox <platform> --port P`: a platform simulator on its own, for trying connectors
//! (or curl) against it. It prints its base URLs at start, accepts the fixed access token
//! `sandbox` unless `--strict-auth`, and, with `--activity-every-ms`, keeps generating store
//! activity (sales, orders, returns, receiving). Faults switch at run time through
//! `POST /__sim/faults`.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};
use weft_sim::lightspeed_r::{LightspeedConfig, LightspeedSim};
use weft_sim::shopify::{ShopifyConfig, ShopifySim};

/// Which simulator.
#[derive(Clone, Copy, ValueEnum)]
pub enum Platform {
    /// Lightspeed Retail R-Series API V3.
    LightspeedR,
    /// Shopify Admin GraphQL API.
    Shopify,
}

/// `weft sandbox` arguments.
#[derive(Args)]
pub struct SandboxArgs {
    /// The platform to simulate.
    platform: Platform,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Refuse the fixed `sandbox` token: only tokens from the OAuth exchange work.
    #[arg(long)]
    strict_auth: bool,
    /// Seed of the generated retailer (the same seed gives the same shops, items and customers).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Generate one round of store activity this often (0 = none).
    #[arg(long, default_value_t = 0)]
    activity_every_ms: u64,
    /// Shopify only: its activity never ships orders itself, because the shops fulfil them
    /// (the example configuration's `fulfilments` flow brings the tracking from Lightspeed).
    #[arg(long)]
    pos_fulfils: bool,
}

pub async fn run(args: SandboxArgs) -> anyhow::Result<ExitCode> {
    let bind = SocketAddr::from(([127, 0, 0, 1], args.port));
    let every = (args.activity_every_ms > 0).then(|| Duration::from_millis(args.activity_every_ms));
    match args.platform {
        Platform::LightspeedR => {
            let sim = LightspeedSim::start(LightspeedConfig {
                seed: args.seed,
                strict_auth: args.strict_auth,
                bind,
                ..LightspeedConfig::default()
            })
            .await?;
            println!("Lightspeed R-Series simulator at {}", sim.base_url());
            println!("  API base:  {}", sim.api_base());
            println!("  OAuth:     {}", sim.token_url());
            if !args.strict_auth {
                println!(
                    "  try: curl -H 'Authorization: Bearer sandbox' {}/Shop.json",
                    sim.api_base()
                );
            }
            serve(every, || {
                sim.tick_activity(1);
            })
            .await
        }
        Platform::Shopify => {
            let sim = ShopifySim::start(ShopifyConfig {
                seed: args.seed,
                strict_auth: args.strict_auth,
                bind,
                activity_ships: !args.pos_fulfils,
                ..ShopifyConfig::default()
            })
            .await?;
            println!("Shopify Admin simulator at {}", sim.base_url());
            println!("  GraphQL:   {}", sim.graphql_url());
            if !args.strict_auth {
                println!(
                    "  try: curl -H 'X-Shopify-Access-Token: sandbox' -H 'Content-Type: application/json' -d '{{\"query\":\"{{ shop {{ name }} }}\"}}' {}",
                    sim.graphql_url()
                );
            }
            serve(every, || {
                sim.tick_activity(1);
            })
            .await
        }
    }
}

async fn serve(every: Option<Duration>, tick: impl Fn()) -> anyhow::Result<ExitCode> {
    println!("  faults:    POST /__sim/faults; Ctrl-C stops");
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        match every {
            Some(d) => {
                tokio::select! {
                    _ = &mut ctrl_c => return Ok(ExitCode::SUCCESS),
                    _ = tokio::time::sleep(d) => tick(),
                }
            }
            None => {
                (&mut ctrl_c).await?;
                return Ok(ExitCode::SUCCESS);
            }
        }
    }
}
