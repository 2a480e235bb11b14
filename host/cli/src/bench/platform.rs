//! `weft bench platform --json`: the Lightspeed -> Shopify stock flow at the simulators'
//! documented rate limits, on a scaled clock.
//!
//! 1. A full inventory sync of 10,000 SKUs x 3 shops from the Lightspeed simulator to the
//!    Shopify simulator through the example configuration's stock flow: how long it took, how
//!    much of Shopify's cost bucket (the binding limit; Lightspeed is read 100 rows a request)
//!    it used, and whether any record failed (parked).
//! 2. The stock flow runs once incrementally, so its cursor (a full sync keeps its own) is at
//!    the end of the stock before any sample is taken; its time is printed as `catch_up_seconds`.
//! 3. Sale to online: with every flow on its triggers (stock every second, the default of the
//!    example), one unit leaves a Lightspeed shop and the clock runs until Shopify shows the new
//!    available quantity at the mapped location; p50 and p99 over the samples.
//!
//! Both simulators' limits and timers run `--time-scale` times faster (printed in the JSON);
//! utilisation is measured against the scaled limit. Deliberately not here: checking
//! correctness beyond "nothing parked" (the demo and the tests do that).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::json;
use weft_runtime::flow::RunMode;

use crate::demo::report::bulk_inventory;
use crate::demo::setup;

/// Run the benchmark and print one JSON object.
pub async fn run(skus: usize, samples: usize, time_scale: f64) -> anyhow::Result<ExitCode> {
    let demo = setup::start(11, time_scale, false, Some(skus)).await?;
    let bulk = bulk_inventory(&demo, false).await?;
    let statuses = demo.assembled.flows.statuses()?;
    let failed: u64 = statuses.iter().map(|s| s.parked).sum();
    let caught_up = Instant::now();
    demo.assembled
        .flows
        .run("acme/inventory", RunMode::Incremental)
        .await?;
    let catch_up_seconds = caught_up.elapsed().as_secs_f64();

    demo.assembled.flows.start();
    let mut latencies = Vec::with_capacity(samples);
    let retailer_skus: Vec<String> = demo
        .lightspeed
        .retailer()
        .products
        .iter()
        .flat_map(|p| p.variants.iter().map(|v| v.sku.clone()))
        .collect();
    let mut timeouts = 0;
    for i in 0..samples {
        let sku = &retailer_skus[(i * 7919) % retailer_skus.len()];
        let shop = (i % 3) as u64 + 1;
        let location = 1000 + shop;
        let Some(before) = demo.shopify.available(sku, location) else {
            continue;
        };
        if before <= 0 {
            continue;
        }
        let sold = Instant::now();
        demo.lightspeed
            .receive(sku, shop, -1)
            .map_err(|e| anyhow::anyhow!("selling one {sku} at shop {shop}: {e:?}"))?;
        let seen = loop {
            if demo.shopify.available(sku, location) == Some(before - 1) {
                break true;
            }
            if sold.elapsed() > Duration::from_secs(30) {
                break false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        if seen {
            latencies.push(sold.elapsed().as_secs_f64() * 1000.0);
        } else {
            timeouts += 1;
        }
    }
    demo.assembled.flows.stop().await;
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| -> Option<f64> {
        (!latencies.is_empty()).then(|| {
            latencies[((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1]
        })
    };
    let report = json!({
        "skus": skus,
        "locations": 3,
        "levels": bulk.levels,
        "time_scale": time_scale,
        "bulk_seconds": bulk.seconds,
        "levels_per_s": bulk.levels as f64 / bulk.seconds,
        "rate_limit_utilisation": bulk.utilisation,
        "shopify_points_spent": bulk.points_spent,
        "shopify_points_allowed": bulk.points_allowed,
        "failed": failed,
        "catch_up_seconds": catch_up_seconds,
        "sale_to_online_samples": latencies.len(),
        "sale_to_online_timeouts": timeouts,
        "sale_to_online_p50_ms": pct(0.5),
        "sale_to_online_p99_ms": pct(0.99),
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(if failed == 0 && timeouts == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}
