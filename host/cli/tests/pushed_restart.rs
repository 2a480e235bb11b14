//! A version pushed over the admin API survives a restart of `weft run`: the host deploys the
//! saved stack again on top of the configured version and says so; a rollback is saved too; and
//! when the config names another version than the pushes were made onto, the config wins and
//! the log says why.

mod support;

use std::path::{Path, PathBuf};

use support::{plugin, safety_stock, start_run};

/// The admin config on `port` with the safety-stock component at `version`, in `dir`.
fn config(dir: &Path, port: u16, version: &str) -> PathBuf {
    let component = safety_stock().display().to_string();
    let text = support::ADMIN_CONFIG
        .replace("127.0.0.1:8787", &format!("127.0.0.1:{port}"))
        .replace("plugin.wasm", &component)
        .replace("\"1.0.0\"", &format!("{version:?}"));
    let path = dir.join("weft.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn current(admin: &str) -> (String, usize) {
    let (code, out, err) = plugin(&["list", "--json"], admin);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let d = &v["deployments"][0];
    (
        d["current"]["version"].as_str().unwrap().to_string(),
        d["versions"].as_array().map_or(0, Vec::len),
    )
}

fn push(admin: &str, version: &str) {
    let file = safety_stock().display().to_string();
    let args = [
        "push",
        &file,
        "--tenant",
        "acme",
        "--deployment",
        "buffer",
        "--version",
        version,
    ];
    let (code, _, err) = plugin(&args, admin);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn pushed_versions_and_rollbacks_survive_a_restart_unless_the_config_moved_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), free_port(), "1.0.0");
    let (running, admin, _) = start_run(&path);
    push(&admin, "1.1.0");
    push(&admin, "1.2.0");
    assert_eq!(current(&admin), ("1.2.0".into(), 3));
    drop(running); // SIGKILL: nothing gets a chance to save on the way out

    let (running, admin, log) = start_run(&path);
    assert!(
        log.iter().any(|l| l.contains("acme/buffer runs")
            && l.contains("safety-stock@1.1.0 then safety-stock@1.2.0 again")),
        "{log:?}"
    );
    assert_eq!(
        current(&admin),
        ("1.2.0".into(), 3),
        "the pushed version runs"
    );
    let (code, _, err) = plugin(
        &["rollback", "--tenant", "acme", "--deployment", "buffer"],
        &admin,
    );
    assert_eq!(code, 0, "{err}");
    drop(running);

    let (running, admin, _) = start_run(&path);
    assert_eq!(current(&admin), ("1.1.0".into(), 2), "the rollback held");
    drop(running);

    // The operator moves the config on: the saved stack was made on 1.0.0, so it stays unused.
    let path = config(dir.path(), free_port(), "2.0.0");
    let (running, admin, log) = start_run(&path);
    assert!(
        log.iter()
            .any(|l| l.contains("pushed onto safety-stock@1.0.0")
                && l.contains("not restored")
                && l.contains("safety-stock@2.0.0")),
        "{log:?}"
    );
    assert_eq!(current(&admin), ("2.0.0".into(), 1));
    drop(running);
}
