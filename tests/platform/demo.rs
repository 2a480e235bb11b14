//! `weft demo --seconds N --json` as CI runs it: Lightspeed shops and a Shopify store, synced
//! live through the example configuration, then checked from both simulators' books. With and
//! without faults, nothing may be lost or applied twice and a final reconciliation must find
//! no drift; every kind of record must actually have moved.

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::flows::crash::weft_bin;

/// How long one demo may take. It finishes in 2–3 minutes on the CI machine; a demo still running
/// after this has stalled, and the test fails with its log instead of holding CI to its limit.
const DEMO_LIMIT: Duration = Duration::from_secs(10 * 60);

fn demo(extra: &[&str]) -> Value {
    let _ = weft_tests::component("retail-map"); // builds every plugin
    let mut cmd = Command::new(weft_bin());
    cmd.args(["demo", "--json", "--seconds", "12"])
        .args(extra)
        .current_dir(weft_tests::root());
    let out = output_within(cmd, DEMO_LIMIT);
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

/// Run `cmd` to its end like [`Command::output`], but kill it and fail with the end of its
/// stderr when it is still running after `limit`.
fn output_within(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting weft demo");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for weft demo") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let log = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
            let lines: Vec<&str> = log.lines().collect();
            panic!(
                "weft demo was still running after {} s and was killed; the end of its stderr:\n{}",
                limit.as_secs(),
                lines[lines.len().saturating_sub(60)..].join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
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
