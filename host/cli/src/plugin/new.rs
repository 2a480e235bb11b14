//! `weft plugin new`: a plugin crate that builds as-is, with one passing fixture.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

const TRANSFORM: &str = r#"//! {name}: a Weft transform. Edit `map_one`; keep one outcome per input record.

use weft_sdk::model::Entity;
use weft_sdk::transform::{Outcome, Transform};

/// Map one record. Emit it (possibly changed), drop it with a reason, or fail it with a reason.
pub fn map_one(entity: Entity) -> Outcome {
    Outcome::Emit(vec![entity])
}

struct Plugin;

impl Transform for Plugin {
    fn map_batch(batch: Vec<Entity>) -> Result<Vec<Outcome>, String> {
        Ok(batch.into_iter().map(map_one).collect())
    }
}

#[cfg(target_arch = "wasm32")]
weft_sdk::export_transform!(Plugin);
"#;

const CONNECTOR: &str = r#"//! {name}: a Weft connector. Name the connections you need in `describe`; the operator binds
//! them to URLs and credentials.

use weft_sdk::connector::{self as c, CallError, Connector};
use weft_sdk::model::Entity;

struct Plugin;

impl Connector for Plugin {
    fn describe() -> c::ConnectorInfo {
        c::ConnectorInfo { platform: "{name}".into(), streams: vec![], connections: vec!["api".into()] }
    }
    fn read_page(stream: String, _cursor: Option<String>, _limit: u32) -> Result<c::Page, CallError> {
        Err(CallError::UnknownStream(stream))
    }
    fn write_batch(stream: String, _items: Vec<c::WriteItem>) -> Result<Vec<Result<c::Written, c::Failure>>, CallError> {
        Err(CallError::UnknownStream(stream))
    }
    fn lookup_records(stream: String, _keys: Vec<String>) -> Result<Vec<Entity>, CallError> {
        Err(CallError::UnknownStream(stream))
    }
    fn handle_webhook(_topic: String, _headers: Vec<(String, String)>, _body: Vec<u8>) -> Result<Vec<c::ChangeEvent>, CallError> {
        Ok(vec![])
    }
    fn on_timer(_name: String, _payload: Vec<u8>) -> Result<(), CallError> {
        Ok(())
    }
}

#[cfg(target_arch = "wasm32")]
weft_sdk::export_connector!(Plugin);
"#;

const TRANSFORM_CASE: &str = r#"{
  "name": "records pass through unchanged",
  "input": [{"Location": {"meta": {"source_system": "pos", "source_id": "1", "version": "1", "external_ids": [], "attributes": []}, "name": "Main St", "code": null}}],
  "expect": {"Ok": [{"Emit": [{"Location": {"meta": {"source_system": "pos", "source_id": "1", "version": "1", "external_ids": [], "attributes": []}, "name": "Main St", "code": null}}]}]}
}
"#;

const CONNECTOR_CASE: &str = r#"{
  "name": "describe names the api connection",
  "call": {"call": "describe"},
  "expect": {"described": {"platform": "{name}", "streams": [], "connections": ["api"]}}
}
"#;

fn default_sdk() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sdk")
}

pub fn run(name: &str, world: &str, sdk: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        bail!("plugin name {name:?}: use lower-case letters, digits and '-'");
    }
    let (code, case) = match world {
        "transform" => (TRANSFORM, TRANSFORM_CASE),
        "connector" => (CONNECTOR, CONNECTOR_CASE),
        other => bail!("world {other:?}: choose `transform` or `connector`"),
    };
    let dir = Path::new(name);
    if dir.exists() {
        bail!(
            "{} already exists; pick another name or remove it",
            dir.display()
        );
    }
    let sdk = sdk.unwrap_or_else(default_sdk);
    let sdk = sdk
        .canonicalize()
        .with_context(|| format!("weft-sdk not found at {} (pass --sdk)", sdk.display()))?;
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::create_dir_all(dir.join("fixtures"))?;
    let manifest = format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"

[lib]
crate-type = ["cdylib", "rlib"]

[dependencies]
weft-sdk = {{ path = "{sdk}" }}

# Build the component: cargo build --target wasm32-wasip2 --profile plugin
[profile.plugin]
inherits = "release"
opt-level = "s"
lto = true
codegen-units = 1
strip = true

[workspace]
"#,
        sdk = sdk.display()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest)?;
    std::fs::write(dir.join("src/lib.rs"), code.replace("{name}", name))?;
    std::fs::write(
        dir.join("fixtures/example.json"),
        case.replace("{name}", name),
    )?;
    std::fs::write(
        dir.join("README.md"),
        format!(
            "# {name}\n\nA Weft {world}.\n\n    cargo build --target wasm32-wasip2 --profile plugin\n    weft plugin check target/wasm32-wasip2/plugin/{file}.wasm\n    weft plugin test target/wasm32-wasip2/plugin/{file}.wasm --fixtures fixtures\n",
            file = name.replace('-', "_")
        ),
    )?;
    println!(
        "created {name}/ (a {world}); build it with:\n  cd {name} && cargo build --target wasm32-wasip2 --profile plugin"
    );
    Ok(ExitCode::SUCCESS)
}
