//! Run the built component against JSON fixtures and recorded HTTP inside `cargo test`.
//!
//! ```no_run
//! #[test]
//! fn fixtures_pass() {
//!     weft_sdk::testing::run_fixtures(env!("CARGO_MANIFEST_DIR"), env!("CARGO_PKG_NAME"), "fixtures")
//!         .unwrap();
//! }
//! ```
//!
//! It builds the crate for `wasm32-wasip2` (profile `plugin`, in a target directory of its own
//! so it never waits on the lock of the `cargo test` that runs it; `WEFT_HARNESS_TARGET_DIR`
//! overrides it) and hands the component to
//! `weft plugin test --json`, the same runner operators use, so a fixture that passes here
//! passes there. The `weft` binary is taken from `$WEFT_BIN` or the `PATH`. Running the real
//! host (wasmtime with the real limits) rather than a stand-in is the point; the SDK stays free
//! of host dependencies by talking to it as a process.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Build the plugin at `crate_dir` and run every fixture under `crate_dir/fixtures_dir`.
/// Returns the runner's JSON report, or an error listing the failed cases.
pub fn run_fixtures(
    crate_dir: &str,
    package: &str,
    fixtures_dir: &str,
) -> Result<serde_json::Value, String> {
    let wasm = build_component(Path::new(crate_dir), package)?;
    let weft = std::env::var_os("WEFT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| "weft".into());
    let fixtures = Path::new(crate_dir).join(fixtures_dir);
    let out = Command::new(&weft)
        .args(["plugin", "test"])
        .arg(&wasm)
        .arg("--fixtures")
        .arg(&fixtures)
        .arg("--json")
        .output()
        .map_err(|e| format!("could not run {weft:?} ({e}); install weft or set WEFT_BIN"))?;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "weft plugin test printed no JSON report ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    if out.status.success() {
        return Ok(report);
    }
    Err(format!(
        "fixture cases failed:\n{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    ))
}

/// Build `package` in `crate_dir` for wasm32-wasip2 and return the component's path.
pub fn build_component(crate_dir: &Path, package: &str) -> Result<PathBuf, String> {
    let target_dir = match std::env::var_os("WEFT_HARNESS_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| crate_dir.join("target"))
            .join("weft-harness"),
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(crate_dir)
        .args([
            "build",
            "--target",
            "wasm32-wasip2",
            "--profile",
            "plugin",
            "-p",
            package,
        ])
        .env("CARGO_TARGET_DIR", &target_dir)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !status.success() {
        return Err(format!(
            "building {package} for wasm32-wasip2 failed; is the target installed? (rustup target add wasm32-wasip2)"
        ));
    }
    let wasm = target_dir
        .join("wasm32-wasip2/plugin")
        .join(format!("{}.wasm", package.replace('-', "_")));
    if wasm.exists() {
        Ok(wasm)
    } else {
        Err(format!("build succeeded but {} is missing", wasm.display()))
    }
}
