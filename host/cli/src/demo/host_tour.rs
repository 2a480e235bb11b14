//! `weft demo --host-tour`: the plugin host on its own. Loads the safety-stock transform for two
//! tenants with different buffers, pushes stock levels through it, swaps and rolls back a
//! version, and runs each hostile component to show it stopped with a typed error while the
//! host keeps serving. Deliberately not here: flows and platforms (the main demo).

use std::process::ExitCode;

use serde_json::json;
use weft_engine::PluginId;
use weft_runtime::{DeploymentSpec, HttpMode, PluginCall, PluginHost, PluginReply};
use weft_world::types::{Entity, InventoryLevel, Meta};

use crate::bench::{plugins_dir, read_component};

fn level(sku: &str, location: &str, available: i64) -> Entity {
    let meta = Meta {
        source_system: "lightspeed-r".into(),
        source_id: format!("{sku}@{location}"),
        version: "1".into(),
        external_ids: vec![],
        attributes: vec![],
    };
    Entity::InventoryLevel(InventoryLevel {
        meta,
        sku: sku.into(),
        location: location.into(),
        on_hand: available,
        available,
        committed: 0,
    })
}

pub async fn run(json: bool) -> anyhow::Result<ExitCode> {
    let dir = plugins_dir(None);
    let tmp = tempfile::tempdir()?;
    let db = sled::open(tmp.path())?;
    let host = PluginHost::new(
        crate::plugin::tooling_engine(),
        &db,
        Default::default(),
        weft_runtime::system_clock(),
    )?;
    let say = |line: String| {
        if !json {
            println!("{line}")
        }
    };
    let stock = read_component(&dir, "safety_stock")?;
    let batch = vec![
        level("TEE-0001-M-RED", "1", 10),
        level("TEE-0001-M-RED", "2", 2),
        level("TEE-0001-L-RED", "3", 0),
    ];
    let mut report = json!({});
    for (tenant, config) in [
        ("acme", json!({"default-buffer": 1, "buffers": {"2": 3}})),
        ("globex", json!({"default-buffer": 0})),
    ] {
        let mut spec = DeploymentSpec::new(tenant, "safety-stock");
        spec.config = config.clone();
        let key = spec.key.clone();
        host.configure(spec);
        host.deploy(&key, PluginId::new("safety-stock", "1.0.0"), &stock)
            .await?;
        let (_, called) = host.transform(&key, &batch).await?;
        let outcomes = called.value.map_err(anyhow::Error::msg)?;
        let available: Vec<i64> = outcomes
            .iter()
            .filter_map(|o| match o {
                weft_engine::world::transform::exports::weft::connector::transform_api::Outcome::Emit(v) => match v.first() {
                    Some(Entity::InventoryLevel(l)) => Some(l.available),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        say(format!(
            "{tenant}: safety-stock {config} turns available [10, 2, 0] into {available:?} (fuel {}, {} µs)",
            called.report.fuel_used, called.report.elapsed_us
        ));
        report[tenant] = json!({"available": available, "fuel": called.report.fuel_used});
    }
    let key = weft_engine::DeploymentKey::new("acme", "safety-stock");
    host.deploy(&key, PluginId::new("safety-stock", "1.1.0"), &stock)
        .await?;
    say(format!("hot swap: acme now runs {}", host.current(&key)?));
    say(format!("rollback: acme back on {}", host.rollback(&key)?));

    let mut stopped = Vec::new();
    for name in [
        "hostile_loop",
        "hostile_alloc",
        "hostile_panic",
        "hostile_sockets",
    ] {
        let bytes = read_component(&dir, name)?;
        let spec = DeploymentSpec::new("mallory", name);
        let k = spec.key.clone();
        host.configure(spec);
        let started = std::time::Instant::now();
        let outcome = match host.load(PluginId::new(name, "6.6.6"), &bytes) {
            Err(e) => Err(e.to_string()),
            Ok(plugin) => match host
                .call_plugin_as(&plugin, &k, PluginCall::Transform(&batch), &HttpMode::Live)
                .await
            {
                Err(e) => Err(e.to_string()),
                Ok(PluginReply::Transform(c)) => Ok(format!("{:?}", c.value)),
                Ok(PluginReply::Connector(c)) => Ok(format!("{:?}", c.value)),
            },
        };
        let ms = started.elapsed().as_millis();
        match &outcome {
            Err(e) => say(format!("{name}: stopped after {ms} ms: {e}")),
            Ok(v) => say(format!("{name}: was NOT stopped: {v}")),
        }
        stopped.push(
            json!({"plugin": name, "stopped": outcome.is_err(), "ms": ms, "error": outcome.err()}),
        );
    }
    let (_, still) = host.transform(&key, &batch).await?;
    say(format!(
        "after all that, acme's transform still answers in {} µs",
        still.report.elapsed_us
    ));
    report["hostile"] = json!(stopped);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(ExitCode::SUCCESS)
}
