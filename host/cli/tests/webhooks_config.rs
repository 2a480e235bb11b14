//! The `[webhooks]` table of weft.toml: one test per kind of mistake, each error with
//! `file:line` and the key; what `weft config check` reports about the ingress; and `weft run`
//! failing at start, naming the address and the key, when the port is taken.

mod support;

use std::process::Command;

use support::{check, output, write_config as write};

const GOOD: &str = r#"
store = "state"

[webhooks]
listen = "127.0.0.1:8733"
public-url = "https://weft.example.com/"

[tenants.acme.deployments.shopify]
component = "plugin.wasm"
version = "1.0.0"

[tenants.acme.deployments.pos]
component = "plugin.wasm"
version = "1.0.0"

[tenants.acme.flows.orders]
source = "shopify/orders"
target = "pos/orders"
webhooks = true
"#;

#[test]
fn a_good_webhooks_table_checks_ok_and_check_prints_the_urls_to_register() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = check(dir.path(), GOOD);
    assert!(ok, "{out}");
    assert!(
        out.contains("webhook ingress on 127.0.0.1:8733, public URL https://weft.example.com\n"),
        "{out}"
    );
    assert!(
        out.contains("register webhooks for acme/shopify at https://weft.example.com/webhooks/acme/shopify (wakes acme/orders)"),
        "{out}"
    );
    assert!(out.contains("no admin API (no [admin] table)"), "{out}");

    let (ok, out) = check(
        dir.path(),
        &GOOD.replace("public-url = \"https://weft.example.com/\"\n", ""),
    );
    assert!(ok, "public-url is optional: {out}");
    assert!(
        out.contains("webhook ingress on 127.0.0.1:8733, no public-url")
            && out.contains("at http://127.0.0.1:8733/webhooks/acme/shopify"),
        "without public-url the listen address is the URL: {out}"
    );

    let without = GOOD.replace(
        "[webhooks]\nlisten = \"127.0.0.1:8733\"\npublic-url = \"https://weft.example.com/\"\n",
        "",
    );
    let (ok, out) = check(dir.path(), &without);
    assert!(ok, "{out}");
    assert!(
        out.contains("no webhook ingress (no [webhooks] table); acme/orders set webhooks = true"),
        "{out}"
    );
}

#[test]
fn a_bad_listen_address_names_its_line_and_the_form() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = check(
        dir.path(),
        &GOOD.replace("127.0.0.1:8733", "localhost-8733"),
    );
    assert!(!ok);
    assert!(
        out.contains("weft.toml:5: webhooks.listen")
            && out.contains("\"localhost-8733\" is not an address")
            && out.contains("host:port"),
        "{out}"
    );
}

#[test]
fn a_public_url_that_is_not_http_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    for bad in [
        "ftp://weft.example.com",
        "weft.example.com",
        "https://weft.example.com/?x=1",
    ] {
        let (ok, out) = check(dir.path(), &GOOD.replace("https://weft.example.com/", bad));
        assert!(!ok, "{bad} was accepted: {out}");
        assert!(
            out.contains("weft.toml:6: webhooks.public-url") && out.contains(bad),
            "{out}"
        );
    }
    let (_, out) = check(
        dir.path(),
        &GOOD.replace("https://weft.example.com/", "ftp://weft.example.com"),
    );
    assert!(out.contains("is not an http(s) URL"), "{out}");
}

#[test]
fn unknown_and_missing_webhooks_keys_are_refused_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = check(dir.path(), &GOOD.replace("public-url = ", "public_url = "));
    assert!(!ok);
    assert!(
        out.contains("weft.toml:6") && out.contains("public_url") && out.contains("public-url"),
        "{out}"
    );
    let (ok, out) = check(
        dir.path(),
        &GOOD.replace("listen = \"127.0.0.1:8733\"\n", ""),
    );
    assert!(!ok);
    assert!(out.contains("listen"), "{out}");
}

#[test]
fn the_admin_address_cannot_also_be_the_webhook_address() {
    let dir = tempfile::tempdir().unwrap();
    let text = GOOD.replace(
        "[webhooks]",
        "[admin]\nlisten = \"0.0.0.0:8733\"\ntoken = \"env:WEFT_TEST_WEBHOOKS_ADMIN_TOKEN\"\n\n[webhooks]",
    );
    let path = write(dir.path(), &text);
    let (ok, out) = output(
        Command::new(env!("CARGO_BIN_EXE_weft"))
            .env("WEFT_TEST_WEBHOOKS_ADMIN_TOKEN", "0123456789abcdef-admin")
            .args(["config", "check", "-c"])
            .arg(&path)
            .output()
            .unwrap(),
    );
    assert!(!ok);
    assert!(
        out.contains("weft.toml:9: webhooks.listen") && out.contains("admin API"),
        "{out}"
    );
}

#[test]
fn weft_run_fails_at_start_naming_the_address_when_the_port_is_taken() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let path = write(dir.path(), &GOOD.replace("127.0.0.1:8733", &addr));
    let o = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["run", "-c"])
        .arg(&path)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("weft.toml:5: webhooks.listen")
            && err.contains(&format!("cannot listen on {addr}"))
            && err.contains("[webhooks] listen"),
        "{err}"
    );
    drop(taken);
}
