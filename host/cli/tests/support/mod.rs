//! What the CLI tests share: the binary with an admin token in its environment, writing a
//! weft.toml and running `weft config check` on it, an admin config, the built safety-stock
//! component, a background `weft run`, and `weft plugin`.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub const TOKEN_VAR: &str = "WEFT_TEST_ADMIN_TOKEN_1";
pub const TOKEN: &str = "0123456789abcdef-admin";

/// A valid config with an admin API (its token in [`TOKEN_VAR`]) and one transform deployment.
pub const ADMIN_CONFIG: &str = r#"
store = "state"

[admin]
listen = "127.0.0.1:8787"
token = "env:WEFT_TEST_ADMIN_TOKEN_1"

[tenants.acme.deployments.buffer]
component = "plugin.wasm"
plugin = "safety-stock"
version = "1.0.0"
"#;

/// The `weft` binary with the admin token in its environment.
pub fn weft() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_weft"));
    c.env(TOKEN_VAR, TOKEN);
    c
}

/// Write `text` as `dir/weft.toml`, beside a placeholder `plugin.wasm` (enough for a check).
pub fn write_config(dir: &Path, text: &str) -> PathBuf {
    std::fs::write(dir.join("plugin.wasm"), b"not needed by check").unwrap();
    let path = dir.join("weft.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Whether the command succeeded, and its stdout and stderr together.
pub fn output(o: Output) -> (bool, String) {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), all)
}

/// `weft config check` on `text` written into `dir`.
pub fn check(dir: &Path, text: &str) -> (bool, String) {
    let path = write_config(dir, text);
    output(
        weft()
            .args(["config", "check", "-c"])
            .arg(&path)
            .output()
            .unwrap(),
    )
}

/// The workspace's built safety-stock component.
pub fn safety_stock() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = root.join("target/wasm/wasm32-wasip2/plugin/safety_stock.wasm");
    if !path.exists() {
        let status = Command::new("bash")
            .arg(root.join("scripts/build-plugins.sh"))
            .env_remove("CARGO_TARGET_DIR")
            .status()
            .unwrap();
        assert!(status.success(), "scripts/build-plugins.sh failed");
    }
    path
}

/// `weft run` in the background, killed on drop.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `weft plugin ARGS --admin ADMIN`: exit code, stdout, stderr.
pub fn plugin(args: &[&str], admin: &str) -> (i32, String, String) {
    let o = weft()
        .arg("plugin")
        .args(args)
        .args(["--admin", admin, "--token-env", TOKEN_VAR])
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Start `weft run -c config`; answers the admin URL it prints and the lines it printed before.
pub fn start_run(config: &Path) -> (Running, String, Vec<String>) {
    let mut child = weft()
        .args(["run", "-c"])
        .arg(config)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let running = Running(child);
    let mut before = Vec::new();
    let mut lines = stderr.lines();
    let admin = loop {
        let line = lines
            .next()
            .expect("weft run exited before serving")
            .unwrap();
        match line.strip_prefix("weft: admin API on ") {
            Some(url) => break url.to_string(),
            None => before.push(line),
        }
    };
    // Keep draining stderr so the child never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (running, admin, before)
}
