//! The `[admin]` table of weft.toml (one test per kind of mistake, each error with
//! `file:line`), and the admin API as an operator uses it: `weft run` serving it, `weft plugin
//! list | push | rollback` talking to it.

mod support;

use std::process::Command;

use support::{
    ADMIN_CONFIG as GOOD, TOKEN, TOKEN_VAR, check, plugin, safety_stock, start_run, weft,
};

#[test]
fn a_good_admin_table_checks_ok() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = check(dir.path(), GOOD);
    assert!(ok, "{out}");
    let file = dir.path().join("token");
    std::fs::write(&file, format!("{TOKEN}\n")).unwrap();
    let text = GOOD.replace(
        "env:WEFT_TEST_ADMIN_TOKEN_1",
        &format!("file:{}", file.display()),
    );
    let (ok, out) = check(dir.path(), &text);
    assert!(ok, "a token file works too: {out}");
}

#[test]
fn a_bad_listen_address_names_its_line_and_the_form() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = check(
        dir.path(),
        &GOOD.replace("127.0.0.1:8787", "localhost-8787"),
    );
    assert!(!ok);
    assert!(
        out.contains("weft.toml:5: admin.listen") && out.contains("host:port"),
        "{out}"
    );
}

#[test]
fn a_literal_token_is_refused_as_not_a_secret_reference() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = check(
        dir.path(),
        &GOOD.replace("env:WEFT_TEST_ADMIN_TOKEN_1", "hunter2hunter2hunter2"),
    );
    assert!(!ok);
    assert!(
        out.contains("weft.toml:6: admin.token") && out.contains("env:NAME or file:PATH"),
        "{out}"
    );
    assert!(!out.contains("hunter2"), "the value is not echoed: {out}");
}

#[test]
fn an_unset_token_variable_and_a_bad_address_are_reported_together() {
    let dir = tempfile::tempdir().unwrap();
    let text = GOOD
        .replace("WEFT_TEST_ADMIN_TOKEN_1", "WEFT_TEST_SURELY_UNSET_TOKEN")
        .replace("127.0.0.1:8787", "127.0.0.1");
    let (ok, out) = check(dir.path(), &text);
    assert!(!ok);
    assert!(
        out.contains("weft.toml:6: admin.token")
            && out.contains("WEFT_TEST_SURELY_UNSET_TOKEN is not set"),
        "{out}"
    );
    assert!(out.contains("weft.toml:5: admin.listen"), "{out}");
}

#[test]
fn a_short_token_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = GOOD.replace("WEFT_TEST_ADMIN_TOKEN_1", "WEFT_TEST_SHORT_TOKEN");
    let path = support::write_config(dir.path(), &text);
    let o = weft()
        .env("WEFT_TEST_SHORT_TOKEN", "abc")
        .args(["config", "check", "-c"])
        .arg(&path)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("weft.toml:6: admin.token") && err.contains("at least 16"),
        "{err}"
    );
}

#[test]
fn unknown_and_missing_admin_keys_are_refused_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = check(
        dir.path(),
        &GOOD.replace("listen = ", "port = 8787\nlisten = "),
    );
    assert!(!ok);
    assert!(
        out.contains("weft.toml:5") && out.contains("port") && out.contains("listen"),
        "{out}"
    );
    let (ok, out) = check(
        dir.path(),
        &GOOD.replace("token = \"env:WEFT_TEST_ADMIN_TOKEN_1\"\n", ""),
    );
    assert!(!ok);
    assert!(out.contains("token"), "{out}");
}

const FLOW: &str = r#"
[tenants.acme.flows.stock]
source = "buffer/inventory"
target = "buffer/inventory"
alerts = { parked-above = 10, lag-above-seconds = 900, drift-above = 0 }
"#;

#[test]
fn alert_rules_and_their_webhook_check_ok() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{GOOD}{FLOW}\n[alerts]\nwebhook = \"https://hooks.example.com/weft\"\ninterval-ms = 5000\n"
    );
    let (ok, out) = check(dir.path(), &text);
    assert!(ok, "{out}");
}

#[test]
fn alert_rules_without_a_webhook_or_with_a_bad_one_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = check(dir.path(), &format!("{GOOD}{FLOW}"));
    assert!(!ok);
    assert!(
        out.contains("weft.toml:16: tenants.acme.flows.stock.alerts") && out.contains("[alerts]"),
        "{out}"
    );
    let text = format!("{GOOD}{FLOW}\n[alerts]\nwebhook = \"ftp://x\"\ninterval-ms = 0\n");
    let (ok, out) = check(dir.path(), &text);
    assert!(!ok);
    assert!(
        out.contains("weft.toml:19: alerts.webhook") && out.contains("http(s) URL"),
        "{out}"
    );
    assert!(out.contains("weft.toml:20: alerts.interval-ms"), "{out}");
}

#[test]
fn an_unknown_alert_rule_is_refused_with_the_allowed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{GOOD}{}", FLOW.replace("drift-above", "drift-over"));
    let (ok, out) = check(dir.path(), &text);
    assert!(!ok);
    assert!(
        out.contains("weft.toml:16") && out.contains("drift-over") && out.contains("drift-above"),
        "{out}"
    );
}

#[test]
fn weft_run_serves_the_admin_api_and_plugin_push_list_rollback_use_it() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let component = safety_stock();
    let text = GOOD
        .replace("127.0.0.1:8787", &format!("127.0.0.1:{port}"))
        .replace("plugin.wasm", &component.display().to_string());
    let config = dir.path().join("weft.toml");
    std::fs::write(&config, text).unwrap();
    let (running, admin, _) = start_run(&config);
    assert_eq!(admin, format!("http://127.0.0.1:{port}"));

    let (code, out, err) = plugin(&["list"], &admin);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("acme/buffer") && out.contains("safety-stock@1.0.0"),
        "{out}"
    );

    let file = component.display().to_string();
    let (code, out, err) = plugin(
        &[
            "push",
            &file,
            "--tenant",
            "acme",
            "--deployment",
            "buffer",
            "--version",
            "1.1.0",
        ],
        &admin,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("acme/buffer: safety-stock@1.0.0 -> safety-stock@1.1.0"),
        "{out}"
    );

    let garbage = dir.path().join("garbage.wasm");
    std::fs::write(&garbage, b"definitely not wasm").unwrap();
    let (code, _, err) = plugin(
        &[
            "push",
            &garbage.display().to_string(),
            "--tenant",
            "acme",
            "--deployment",
            "buffer",
            "--version",
            "2.0.0",
        ],
        &admin,
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("refused")
            && err.contains("could not be compiled")
            && err.contains("unchanged"),
        "{err}"
    );

    let (code, out, err) = plugin(&["list", "--json"], &admin);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["deployments"][0]["current"]["version"], "1.1.0", "{v}");

    let (code, out, err) = plugin(
        &["rollback", "--tenant", "acme", "--deployment", "buffer"],
        &admin,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("back on safety-stock@1.0.0"), "{out}");
    let (code, _, err) = plugin(
        &["rollback", "--tenant", "acme", "--deployment", "buffer"],
        &admin,
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("409") && err.contains("no earlier version"),
        "{err}"
    );

    let o = Command::new(env!("CARGO_BIN_EXE_weft"))
        .env_remove(TOKEN_VAR)
        .args([
            "plugin",
            "list",
            "--admin",
            &admin,
            "--token-env",
            TOKEN_VAR,
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains(TOKEN_VAR), "{err}");
    drop(running);
}
