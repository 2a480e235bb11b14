//! Starting the demo: both simulators on the same seeded retailer, the example configuration
//! pointed at them, the host assembled from it, and the webhook ingress Shopify delivers to.
//!
//! The configuration is `examples/lightspeed-shopify/weft.toml` itself, with only what a
//! machine-specific run must change rewritten: the simulators' URLs, the connection rate limit
//! scaled like the simulators' clocks, the component paths, a temporary store and the webhook
//! secret file; its `[webhooks]` table is removed, because the demo serves its own ingress on a
//! free port (one ingress per process). It then goes through the same `config::load` and
//! `assemble` as `weft run`.
//! Deliberately not here: running flows or generating activity.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use toml::{Table, Value};
use weft_sim::faults::FaultConfig;
use weft_sim::lightspeed_r::{LightspeedConfig, LightspeedSim, RunningSim};
use weft_sim::seed::Retailer;
use weft_sim::shopify::{RunningShopify, ShopifyConfig, ShopifySim};

use crate::assemble::{Assembled, assemble};
use crate::bench::plugins_dir;
use crate::config;
use crate::ingress::{self, IngressHandle};

/// The example configuration, as shipped.
pub const EXAMPLE: &str = include_str!("../../../../examples/lightspeed-shopify/weft.toml");
/// The tenant of the example.
pub const TENANT: &str = "acme";
/// SKU of the Lightspeed item that carries shipping charges (the connector's default).
pub const SHIPPING_SKU: &str = "SHIPPING";
/// The secret the Shopify simulator signs webhooks with.
const WEBHOOK_SECRET: &str = "sandbox-secret";

/// Everything a running demo holds.
pub struct Demo {
    /// The Lightspeed R-Series simulator.
    pub lightspeed: RunningSim,
    /// The Shopify simulator.
    pub shopify: RunningShopify,
    /// The host built from the example configuration.
    pub assembled: Assembled,
    /// Where Shopify delivers webhooks.
    pub ingress: IngressHandle,
    /// The configuration the host runs.
    pub config_path: PathBuf,
    /// Simulated seconds per real second.
    pub time_scale: f64,
    _dir: tempfile::TempDir,
}

/// Start everything; nothing runs yet. `skus` seeds exactly that many SKUs (benchmarks)
/// instead of the default catalogue of 200 matrix items.
pub async fn start(
    seed: u64,
    time_scale: f64,
    faults: bool,
    skus: Option<usize>,
) -> anyhow::Result<Demo> {
    let lightspeed = LightspeedSim::start(LightspeedConfig {
        seed,
        time_scale,
        skus,
        ..LightspeedConfig::default()
    })
    .await?;
    let shopify_config = ShopifyConfig {
        seed,
        time_scale,
        webhook_secret: WEBHOOK_SECRET.into(),
        // The shops fulfil online orders (the fulfilments flow); Shopify ships nothing itself.
        activity_ships: false,
        ..ShopifyConfig::default()
    };
    let shopify = match skus {
        Some(n) => ShopifySim::start_with(Retailer::generate_skus(seed, n), shopify_config).await?,
        None => ShopifySim::start(shopify_config).await?,
    };
    // Online orders charge shipping; the shop posts it as a line of its shipping item, which a
    // retailer selling online has in the back office.
    lightspeed
        .create_item(&serde_json::json!({"description": "Shipping", "customSku": SHIPPING_SKU}))
        .map_err(|e| anyhow::anyhow!("creating the shipping item: {e:?}"))?;
    if faults {
        let storm = FaultConfig {
            throttle_rate: 0.03,
            throttle_retry_after_secs: 1,
            error_5xx_rate: 0.03,
            latency_ms: 5,
            drop_webhook_rate: 0.2,
            duplicate_webhook_rate: 0.2,
            stale_cas_rate: 0.05,
        };
        lightspeed.faults().set(storm.clone())?;
        shopify.faults().set(storm)?;
    }

    let dir = tempfile::tempdir()?;
    let config_path = write_config(dir.path(), &lightspeed, &shopify, time_scale)?;
    let assembled = assemble(config::load(&config_path)?).await?;
    let ingress = ingress::serve(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        assembled.flows.clone(),
        assembled.host.clone(),
    )
    .await?;
    let url = format!("{}/webhooks/{TENANT}/shopify", ingress.base_url());
    for topic in ["orders/create", "orders/updated"] {
        shopify
            .register_webhook(topic, &url)
            .map_err(|e| anyhow::anyhow!("registering the {topic} webhook: {e}"))?;
    }
    Ok(Demo {
        lightspeed,
        shopify,
        assembled,
        ingress,
        config_path,
        time_scale,
        _dir: dir,
    })
}

/// Write the example configuration, pointed at the simulators, into `dir`.
fn write_config(
    dir: &Path,
    lightspeed: &RunningSim,
    shopify: &RunningShopify,
    time_scale: f64,
) -> anyhow::Result<PathBuf> {
    let mut doc: Table = EXAMPLE
        .parse()
        .context("parsing the example configuration")?;
    doc.insert(
        "store".into(),
        Value::String(dir.join("state").display().to_string()),
    );
    // The demo's ingress listens on a free port and registers itself with the simulator; the
    // example's fixed address is for `weft run`.
    doc.remove("webhooks");
    let secret = dir.join("shopify-webhook.secret");
    std::fs::write(&secret, WEBHOOK_SECRET)?;
    table(&mut doc, &["secrets"])?.insert(
        "shopify-webhook".into(),
        Value::String(format!("file:{}", secret.display())),
    );
    let tenant = ["tenants", TENANT];
    let shopify_api = shopify
        .graphql_url()
        .trim_end_matches("/graphql.json")
        .to_string();
    for (name, url) in [
        ("lightspeed", lightspeed.api_base()),
        ("shopify", shopify_api),
    ] {
        let conn = table(&mut doc, &[tenant[0], tenant[1], "connections", name])?;
        conn.insert("base-url".into(), Value::String(url));
        if let Some(Value::Table(limit)) = conn.get_mut("rate-limit")
            && let Some(Value::Float(per_second)) = limit.get_mut("per-second")
        {
            *per_second *= time_scale;
        }
    }
    let plugins = std::fs::canonicalize(plugins_dir(None)).context(
        "finding the built plugins (target/wasm/wasm32-wasip2/plugin); run `bash scripts/build-plugins.sh`",
    )?;
    let deployments = table(&mut doc, &[tenant[0], tenant[1], "deployments"])?;
    for (_, d) in deployments.iter_mut() {
        if let Some(Value::String(component)) = d.get_mut("component") {
            let file = Path::new(component.as_str())
                .file_name()
                .map(|f| plugins.join(f))
                .unwrap_or_default();
            *component = file.display().to_string();
        }
    }
    let path = dir.join("weft.toml");
    std::fs::write(&path, toml::to_string(&doc)?)?;
    Ok(path)
}

fn table<'a>(doc: &'a mut Table, path: &[&str]) -> anyhow::Result<&'a mut Table> {
    let mut t = doc;
    for key in path {
        t = match t.get_mut(*key) {
            Some(Value::Table(inner)) => inner,
            _ => anyhow::bail!("the example configuration has no table {}", path.join(".")),
        };
    }
    Ok(t)
}
