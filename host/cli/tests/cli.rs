//! The `weft` binary as a user runs it: plugin check, plugin test, plugin new, the SDK harness.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn weft(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("runs weft")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Build the workspace plugins once (no-op when fresh) and return a component path.
fn component(name: &str) -> String {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let ok = Command::new("bash")
            .arg(root().join("scripts/build-plugins.sh"))
            .env_remove("CARGO_TARGET_DIR")
            .status()
            .unwrap();
        assert!(ok.success());
    });
    root()
        .join("target/wasm/wasm32-wasip2/plugin")
        .join(format!("{name}.wasm"))
        .display()
        .to_string()
}

#[test]
fn check_names_the_world_and_refuses_unknown_imports() {
    let ok = weft(&["plugin", "check", &component("safety_stock")]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(
        text(&ok).contains("implements world `transform`"),
        "{}",
        text(&ok)
    );
    assert!(text(&ok).contains("weft:connector/config@0.1.0"));

    let refused = weft(&["plugin", "check", &component("hostile_sockets")]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused).contains("refused: unknown import `wasi:sockets/tcp@"),
        "{}",
        text(&refused)
    );
}

#[test]
fn test_runs_fixtures_and_reports_cost_against_limits() {
    let out = weft(&[
        "plugin",
        "test",
        &component("safety_stock"),
        "--fixtures",
        "plugins/safety-stock/fixtures",
    ]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("4 passed, 0 failed"), "{t}");
    assert!(
        t.contains("PASS never publishes negative stock")
            && t.contains("fuel")
            && t.contains("/2000000000"),
        "{t}"
    );

    let json = weft(&[
        "plugin",
        "test",
        &component("safety_stock"),
        "--fixtures",
        "plugins/safety-stock/fixtures",
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["passed"], 4);
    assert!(report["cases"][0]["report"]["fuel_used"].as_u64().unwrap() > 0);
}

#[test]
fn a_failing_case_fails_the_command_and_shows_the_difference() {
    let dir = tempfile::tempdir().unwrap();
    let case =
        std::fs::read_to_string(root().join("plugins/safety-stock/fixtures/never_below_zero.json"))
            .unwrap();
    std::fs::write(
        dir.path().join("wrong.json"),
        case.replace("\"available\": 0", "\"available\": -1"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("loop.json"),
        r#"{"input": [], "expect_error": "fuel", "deployment": {"limits": {"fuel": 10}}}"#,
    )
    .unwrap();
    let out = weft(&[
        "plugin",
        "test",
        &component("safety_stock"),
        "--fixtures",
        dir.path().to_str().unwrap(),
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("1 passed, 1 failed"), "{t}");
    assert!(t.contains("FAIL") && t.contains("expected"), "{t}");
}

#[test]
fn a_malformed_case_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.json"), r#"{"inputs": []}"#).unwrap();
    let out = weft(&[
        "plugin",
        "test",
        &component("safety_stock"),
        "--fixtures",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("bad.json") && text(&out).contains("unknown field `inputs`"),
        "{}",
        text(&out)
    );
}

#[test]
fn the_sdk_harness_runs_a_plugins_fixtures_inside_cargo_test() {
    // SAFETY of env mutation: this is the only test in this binary that reads WEFT_BIN.
    unsafe { std::env::set_var("WEFT_BIN", env!("CARGO_BIN_EXE_weft")) };
    unsafe { std::env::set_var("WEFT_HARNESS_TARGET_DIR", root().join("target/wasm")) };
    let report = weft_sdk::testing::run_fixtures(
        root().join("plugins/safety-stock").to_str().unwrap(),
        "safety-stock",
        "fixtures",
    )
    .expect("fixtures pass");
    assert_eq!(report["passed"], 4);
}

#[test]
fn a_scaffolded_plugin_builds_and_passes_its_own_fixture() {
    let dir = tempfile::tempdir().unwrap();
    for world in ["transform", "connector"] {
        let name = format!("my-{world}");
        let out = Command::new(env!("CARGO_BIN_EXE_weft"))
            .args(["plugin", "new", &name, "--world", world, "--sdk"])
            .arg(root().join("sdk"))
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let crate_dir = dir.path().join(&name);
        let build = Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "--target",
                "wasm32-wasip2",
                "--profile",
                "plugin",
            ])
            .env("CARGO_TARGET_DIR", root().join("target/wasm"))
            .current_dir(&crate_dir)
            .status()
            .unwrap();
        assert!(build.success(), "the scaffold builds as-is");
        let wasm = root()
            .join("target/wasm/wasm32-wasip2/plugin")
            .join(format!("{}.wasm", name.replace('-', "_")));
        let out = weft(&[
            "plugin",
            "test",
            wasm.to_str().unwrap(),
            "--fixtures",
            crate_dir.join("fixtures").to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(text(&out).contains("1 passed, 0 failed"), "{}", text(&out));
    }
}
