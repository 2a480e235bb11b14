//! The operational verbs as an operator runs them against the store of a `weft run` config:
//! `run --once`, `flows`, `parked`, `replay`, `reconcile`.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use weft_tests::testbed::Testbed;

use super::crash::{weft_bin, write_config};

fn weft(config: &Path, args: &[&str]) -> (bool, String) {
    let o = Command::new(weft_bin())
        .args(args)
        .arg("-c")
        .arg(config)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success() || !out.is_empty() || o.status.code() == Some(3),
        "weft {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), out)
}

fn json(config: &Path, args: &[&str]) -> Value {
    let (_, out) = weft(config, args);
    serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("weft {args:?} printed no JSON ({e}): {out}"))
}

#[test]
fn run_park_inspect_replay_and_reconcile_from_the_command_line() {
    let tb = Testbed::start();
    tb.seed_source(25);
    tb.permanent_prefix(Some("SKU-00007@"));
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &tb.base_url);

    let run = json(&config, &["run", "--once"]);
    assert_eq!(run["acme/stock"]["written"], 24, "{run}");
    assert_eq!(run["acme/stock"]["parked"], 1, "{run}");

    let flows = json(&config, &["flows", "--json"]);
    assert_eq!(flows[0]["id"], "acme/stock");
    assert_eq!(flows[0]["parked"], 1);
    assert_eq!(flows[0]["totals"]["written"], 24);

    let parked = json(&config, &["parked", "--json", "--flow", "acme/stock"]);
    assert_eq!(parked["total"], 1);
    let record = &parked["records"][0];
    assert_eq!(record["key"], "SKU-00007@1");
    assert_eq!(record["error"]["class"], "permanent");
    assert_eq!(record["error"]["http_status"], 422);
    let (_, text) = weft(&config, &["parked"]);
    assert!(
        text.contains("SKU-00007@1") && text.contains("HTTP 422"),
        "{text}"
    );

    tb.permanent_prefix(None);
    let id = record["id"].as_str().unwrap();
    let replay = json(&config, &["replay", "--id", id]);
    assert_eq!(replay["confirmed"], 1, "{replay}");
    assert_eq!(json(&config, &["parked", "--json"])["total"], 0);
    let report = tb.report();
    assert_eq!(report.applied, 25);
    assert!(
        report.not_exactly_once.is_empty(),
        "{:?}",
        report.not_exactly_once
    );

    tb.update(&["SKU-00003@1".to_string()], Some(42)).unwrap();
    let (clean, summary) = weft(&config, &["reconcile", "--flow", "acme/stock"]);
    assert!(!clean, "drift makes reconcile exit non-zero: {summary}");
    assert!(summary.contains("SKU-00003@1"), "{summary}");
    let healed = json(
        &config,
        &["reconcile", "--flow", "acme/stock", "--heal", "--json"],
    );
    assert_eq!(healed["healed"], 1, "{healed}");
    assert_eq!(tb.target_record("SKU-00003@1").unwrap().available, 42);
}
