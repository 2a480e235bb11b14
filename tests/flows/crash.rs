//! Crash safety: the `weft` process is killed with SIGKILL at random points of a long sync,
//! at least 20 times, restarted each time, and at the end the target holds every source record
//! exactly once and the committed cursor is at the last source record.
//!
//! The testbed runs in this test process (it is the platform, not the host), and answers slowly
//! and applies writes before it answers, so kills land between "the target applied" and "the
//! host committed" as well as everywhere else.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use weft_store::{SledStore, SyncStore};
use weft_sync::ReplayFilter;
use weft_tests::testbed::Testbed;
use weft_tests::{component_path, root};

const RECORDS: usize = 1_500;
const KILLS: u32 = 20;

/// The `weft` binary: `$WEFT_BIN`, or built into the workspace target directory.
pub(crate) fn weft_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("WEFT_BIN") {
        return bin.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "weft-cli", "--bin", "weft"])
        .current_dir(root())
        .status()
        .expect("cargo build weft");
    assert!(status.success(), "building weft failed");
    target.join("debug/weft")
}

pub(super) fn write_config(dir: &Path, base_url: &str) -> PathBuf {
    let _ = weft_tests::component("test-source"); // builds the components
    let config = format!(
        r#"
store = "state"

[tenants.acme.connections.source]
base-url = "{base_url}"
allow-loopback = true
timeout-ms = 2000

[tenants.acme.connections.target]
base-url = "{base_url}"
allow-loopback = true
timeout-ms = 2000

[tenants.acme.deployments.source]
component = "{source}"
plugin = "test-source"
version = "1.0.0"
connections = ["source"]

[tenants.acme.deployments.target]
component = "{target}"
plugin = "test-target"
version = "1.0.0"
connections = ["target"]

[tenants.acme.flows.stock]
source = "source/inventory"
target = "target/inventory"
page-size = 40
batch-size = 20
"#,
        source = component_path("test-source").display(),
        target = component_path("test-target").display(),
    );
    let path = dir.join("weft.toml");
    std::fs::write(&path, config).unwrap();
    path
}

/// A small deterministic generator for kill delays.
struct Lcg(u64);
impl Lcg {
    fn next_ms(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        lo + (self.0 >> 33) % (hi - lo)
    }
}

#[test]
fn sigkill_at_random_points_loses_nothing_and_duplicates_nothing() {
    let weft = weft_bin();
    let tb = Testbed::start();
    tb.seed_source(RECORDS);
    tb.delay(30, None); // every platform request takes a while (writes apply before it)
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &tb.base_url);
    let run = || {
        Command::new(&weft)
            .args(["run", "--once", "-c"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn weft")
    };
    let mut rng = Lcg(0x5eed);
    let (mut kills, mut kills_mid_sync, mut restarts) = (0, 0, 0);
    let started = Instant::now();
    while kills < KILLS {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the crash loop took too long"
        );
        let mut child = run();
        restarts += 1;
        std::thread::sleep(Duration::from_millis(rng.next_ms(150, 900)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            kills += 1;
            if (tb.report().applied as usize) < RECORDS {
                kills_mid_sync += 1;
            }
        } else if tb.report().applied as usize == RECORDS {
            // Finished before we could kill it: add work so the next kills land mid-sync.
            tb.append(200);
        }
    }
    // Let the last run finish undisturbed.
    let status = run().wait().unwrap();
    assert!(status.success(), "the final run failed: {status}");

    let source = tb.source_records();
    let report = tb.report();
    assert!(
        report.not_exactly_once.is_empty(),
        "effects not applied exactly once: {:?}",
        report.not_exactly_once
    );
    assert_eq!(report.applied as usize, source.len(), "{report:?}");
    for s in &source {
        let t = tb
            .target_record(&s.key)
            .unwrap_or_else(|| panic!("{} missing at the target", s.key));
        assert_eq!(t.available, s.available, "{} has the source's value", s.key);
    }
    let store = SledStore::open(dir.path().join("state/sync")).unwrap();
    let cursor = store
        .cursor("acme/stock", "inventory")
        .unwrap()
        .expect("a committed cursor");
    let last = source.iter().map(|s| s.seq).max().unwrap();
    assert_eq!(
        cursor.as_str(),
        last.to_string(),
        "the cursor is at the last source record"
    );
    assert_eq!(store.parked_count(&ReplayFilter::all()).unwrap(), 0);
    eprintln!(
        "crash test: {kills} SIGKILLs ({kills_mid_sync} mid-sync), {restarts} starts, {} records, {} re-sends answered by the target's idempotency table",
        source.len(),
        report.deduplicated
    );
    assert!(
        kills_mid_sync >= 10,
        "too few kills landed mid-sync ({kills_mid_sync}); slow the testbed down"
    );
}
