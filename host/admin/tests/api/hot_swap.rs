//! Hot swap over the wire under load: while records keep arriving and the flow keeps running,
//! new versions of its transform are pushed through `POST /api/plugins/...` (one of them refused,
//! one rolled back). Afterwards every source record is at the target exactly once, mapped, and
//! versions before and after the swaps both did work.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use weft_runtime::flow::RunMode;
use weft_world::types::Entity;

use crate::support::{FLOW, Rig, component, level};

const PUSH: &str = "/api/plugins/acme/buffer";
const BATCHES: usize = 30;
const PER_BATCH: usize = 100;

fn batch(b: usize) -> Vec<Entity> {
    (0..PER_BATCH)
        .map(|i| {
            let n = b * PER_BATCH + i;
            level(&format!("OK-{n:05}"), n as u64 + 1, 10 + (n % 7) as i64)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushing_versions_while_a_flow_runs_loses_and_doubles_nothing() {
    let r = Rig::new(&[]).await;
    r.broken.store(false, Ordering::SeqCst);
    let flows = r.flows.clone();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let runner = tokio::spawn(async move {
        let mut runs = 0u32;
        while !s.load(Ordering::SeqCst) {
            flows
                .run(FLOW, RunMode::Incremental)
                .await
                .expect("runs keep succeeding across swaps");
            runs += 1;
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        runs
    });
    let source = r.source.clone();
    let feeder = tokio::spawn(async move {
        for b in 0..BATCHES {
            source.append(batch(b));
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
    });

    // Version 1.0.0 has done work before the first push.
    while r.target.counts().keys == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let bytes = component("safety_stock");
    for (i, version) in ["1.1.0", "1.2.0", "1.3.0", "1.4.0"].iter().enumerate() {
        r.json(
            r.post(PUSH)
                .query(&[("version", *version)])
                .body(bytes.clone()),
            200,
        )
        .await;
        if i == 1 {
            let refused = r
                .json(
                    r.post(PUSH)
                        .query(&[("version", "6.6.6")])
                        .body(component("hostile_sockets")),
                    422,
                )
                .await;
            assert!(
                refused["reasons"].to_string().contains("wasi:sockets"),
                "{refused}"
            );
        }
        if i == 2 {
            let back = r.json(r.post(&format!("{PUSH}/rollback")), 200).await;
            assert_eq!(back["current"]["version"], "1.2.0", "{back}");
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    feeder.await.unwrap();
    // The last version gets records of its own.
    r.source.append(batch(BATCHES));
    stop.store(true, Ordering::SeqCst);
    let runs = runner.await.unwrap();
    let last = r.run_flow().await;
    assert!(last["report"].is_object(), "{last}");

    let total = ((BATCHES + 1) * PER_BATCH) as u64;
    let counts = r.target.counts();
    assert_eq!(
        (counts.keys, counts.applied, counts.received),
        (total, total, total),
        "every record once, none re-sent ({runs} runs)"
    );
    for n in [0, total as usize / 2, total as usize - 1] {
        let sku = format!("OK-{n:05}");
        match r.target.get(&format!("{sku}@1")) {
            Some(Entity::InventoryLevel(l)) => {
                assert_eq!(
                    l.available,
                    10 + (n % 7) as i64 - 1,
                    "{sku}: buffer of 1 applied"
                )
            }
            other => panic!("{sku} missing or not a level: {other:?}"),
        }
    }
    let listed = r.json(r.get("/api/plugins"), 200).await;
    assert_eq!(
        listed["deployments"][0]["current"]["version"], "1.4.0",
        "{listed}"
    );
    let metrics = r
        .get("/metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let busy: Vec<&str> = ["1.0.0", "1.4.0"]
        .into_iter()
        .filter(|v| {
            metrics.contains(&format!(
                "weft_plugin_calls_total{{plugin=\"safety-stock@{v}\"}}"
            ))
        })
        .collect();
    assert_eq!(
        busy,
        ["1.0.0", "1.4.0"],
        "the first and the last version both mapped records"
    );
}
