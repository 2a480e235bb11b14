//! `weft demo --seconds N --json` as CI runs it: Lightspeed shops and a Shopify store, synced
//! live through the example configuration, then checked from both simulators' books. With and
//! without faults, nothing may be lost or applied twice and a final reconciliation must find
//! no drift; every kind of record must actually have moved.

use std::process::Command;

use serde_json::Value;

use crate::flows::crash::weft_bin;

fn demo(extra: &[&str]) -> Value {
    let _ = weft_tests::component("retail-map"); // builds every plugin
    let out = Command::new(weft_bin())
        .args(["demo", "--json", "--seconds", "12"])
        .args(extra)
        .current_dir(weft_tests::root())
        .output()
        .expect("running weft demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "weft demo printed no JSON report ({e}); status {}\nstdout:\n{stdout}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(
        out.status.success(),
        "weft demo exited with {}: {report:#}",
        out.status
    );
    report
}

fn number(report: &Value, key: &str) -> f64 {
    report[key]
        .as_f64()
        .unwrap_or_else(|| panic!("the report has no number {key}: {report:#}"))
}

fn assert_complete(report: &Value) {
    for key in ["lost", "duplicates", "drift_after"] {
        assert_eq!(number(report, key), 0.0, "{key} must be 0: {report:#}");
    }
    for key in [
        "inventory_updates",
        "orders_posted",
        "returns_linked",
        "fulfilments_sent",
        "payouts_journaled",
    ] {
        assert!(
            number(report, key) > 0.0,
            "nothing counted as {key}: {report:#}"
        );
    }
    assert!(
        report["webhooks"]["accepted"].as_u64().unwrap_or(0) > 0,
        "no Shopify webhook was verified by the ingress: {report:#}"
    );
    assert_eq!(
        report["webhooks"]["refused"], 0,
        "the ingress refused signed deliveries: {report:#}"
    );
    let u = number(report, "rate_limit_utilisation");
    assert!((0.0..=1.05).contains(&u), "utilisation {u} out of range");
}

#[test]
fn the_demo_moves_every_kind_of_record_exactly_once() {
    let report = demo(&[]);
    assert_complete(&report);
    assert_eq!(report["faults"], false);
}

#[test]
fn the_demo_with_faults_still_loses_and_doubles_nothing() {
    let report = demo(&["--faults"]);
    assert_complete(&report);
    assert_eq!(report["faults"], true);
}
