//! `weft config check`: one test per kind of mistake; each error names the file, the line, the
//! key and what to do, and nothing starts.

mod support;

use support::check;

const GOOD: &str = r#"
store = "state"

[tenants.acme.connections.pos]
base-url = "http://127.0.0.1:9"
allow-loopback = true

[tenants.acme.deployments.source]
component = "plugin.wasm"
version = "1.0.0"
connections = ["pos"]

[tenants.acme.flows.stock]
source = "source/inventory"
target = "source/inventory"
"#;

#[test]
fn a_good_file_checks_ok() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = check(dir.path(), GOOD);
    assert!(ok, "{out}");
    assert!(out.contains("1 tenants, 1 deployments, 1 flows"), "{out}");
}

#[test]
fn an_unknown_key_is_refused_with_its_line_and_the_allowed_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = check(
        dir.path(),
        &GOOD.replace(
            "allow-loopback = true",
            "allow-loopback = true\nalow-retries = 3",
        ),
    );
    assert!(!ok);
    assert!(out.contains("weft.toml:7"), "{out}");
    assert!(
        out.contains("alow-retries") && out.contains("allow-loopback"),
        "{out}"
    );
}

#[test]
fn a_bad_value_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = check(
        dir.path(),
        &GOOD.replace(
            "target = \"source/inventory\"",
            "target = \"source/inventory\"\nwrite = \"overwrite\"",
        ),
    );
    assert!(!ok);
    assert!(
        out.contains("weft.toml:16") && out.contains("overwrite") && out.contains("set-quantity"),
        "{out}"
    );
}

#[test]
fn a_retry_growth_below_one_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = check(
        dir.path(),
        &GOOD.replace(
            "target = \"source/inventory\"",
            "target = \"source/inventory\"\nretry = { max-throttle-growth = 0.5, factor = 2.0 }",
        ),
    );
    assert!(!ok, "{out}");
    assert!(
        out.contains("weft.toml:16: tenants.acme.flows.stock.retry.max-throttle-growth")
            && out.contains("at least 1")
            && !out.contains("retry.factor"),
        "{out}"
    );
}

#[test]
fn references_to_missing_things_are_all_reported_with_lines() {
    let dir = tempfile::tempdir().unwrap();
    let text = GOOD
        .replace("connections = [\"pos\"]", "connections = [\"shop\"]")
        .replace(
            "target = \"source/inventory\"",
            "target = \"shopify/inventory\"",
        )
        .replace(
            "component = \"plugin.wasm\"",
            "component = \"missing.wasm\"",
        );
    let (ok, out) = check(dir.path(), &text);
    assert!(!ok);
    assert!(
        out.contains("weft.toml:9: tenants.acme.deployments.source.component")
            && out.contains("does not exist"),
        "{out}"
    );
    assert!(
        out.contains("weft.toml:11: tenants.acme.deployments.source.connections")
            && out.contains("no connection named \"shop\""),
        "{out}"
    );
    assert!(
        out.contains("weft.toml:15: tenants.acme.flows.stock.target")
            && out.contains("no deployment named \"shopify\""),
        "{out}"
    );
}

#[test]
fn an_unresolvable_secret_names_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let text = GOOD.replace("allow-loopback = true", "allow-loopback = true\nauth = { header = \"Authorization\", prefix = \"Bearer \", secret = \"env:WEFT_TEST_SURELY_UNSET\" }");
    let (ok, out) = check(dir.path(), &text);
    assert!(!ok);
    assert!(
        out.contains("weft.toml:7") && out.contains("WEFT_TEST_SURELY_UNSET is not set"),
        "{out}"
    );
}

#[test]
fn a_deployment_without_component_comes_from_the_plugin_registry() {
    let dir = tempfile::tempdir().unwrap();
    let registry = dir.path().join("registry/source");
    std::fs::create_dir_all(&registry).unwrap();
    std::fs::write(registry.join("1.0.0.wasm"), b"not needed by check").unwrap();
    let from_registry = GOOD
        .replace(
            "store = \"state\"",
            "store = \"state\"\nplugins = \"registry\"",
        )
        .replace("component = \"plugin.wasm\"\n", "");
    let (ok, out) = check(dir.path(), &from_registry);
    assert!(ok, "{out}");

    // A version the registry does not have: the version's line, the path looked at.
    let (ok, out) = check(
        dir.path(),
        &from_registry.replace("version = \"1.0.0\"", "version = \"1.1.0\""),
    );
    assert!(!ok);
    assert!(
        out.contains("weft.toml:10: tenants.acme.deployments.source.version")
            && out.contains("source@1.1.0 is not in the plugin registry")
            && out.contains("registry/source/1.1.0.wasm"),
        "{out}"
    );

    // Neither a component nor a registry: say both ways out.
    let (ok, out) = check(
        dir.path(),
        &GOOD.replace("component = \"plugin.wasm\"\n", ""),
    );
    assert!(!ok);
    assert!(
        out.contains("tenants.acme.deployments.source: names no component")
            && out.contains("plugins = \"dir\""),
        "{out}"
    );
}
