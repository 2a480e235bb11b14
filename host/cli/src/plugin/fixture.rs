//! The fixture case format of `weft plugin test`.
//!
//! One JSON file per case:
//! ```json
//! {
//!   "name": "buffer is subtracted",                 // optional; default: the file name
//!   "deployment": { "config": {}, "limits": {}, "connections": [], "secrets": [] },
//!   "secrets": { "webhook": "test-value" },          // values for this run only
//!   "kv": { "key": "value" },                        // seeded storage
//!   "input": [ {"InventoryLevel": {...}} ],          // transform: the batch
//!   "call": { "call": "read-page", "stream": "s", "limit": 10 },  // connector: the call
//!   "http": [ { "connection": "api", "method": "GET", "path": "/x", "status": 200, "body": {} } ],
//!   "expect": { "Ok": [...] },                       // the exact reply, as JSON
//!   "expect_error": "fuel"                           // or: the call must fail; text or kind
//! }
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;
use weft_cap_http::RecordedExchange;
use weft_engine::{ConnectorCall, Limits};
use weft_world::types::Entity;

/// Grants and config of the deployment the case runs in.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseDeployment {
    #[serde(default)]
    pub config: Option<serde_json::Value>,
    #[serde(default)]
    pub limits: Option<Limits>,
    #[serde(default)]
    pub connections: Vec<String>,
    #[serde(default)]
    pub secrets: Vec<String>,
}

/// One case.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub deployment: CaseDeployment,
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
    #[serde(default)]
    pub kv: BTreeMap<String, String>,
    #[serde(default)]
    pub input: Option<Vec<Entity>>,
    #[serde(default)]
    pub call: Option<ConnectorCall>,
    #[serde(default)]
    pub http: Vec<RecordedExchange>,
    #[serde(default)]
    pub expect: Option<serde_json::Value>,
    #[serde(default)]
    pub expect_error: Option<String>,
}

/// Every case file in `dir`, sorted by file name.
pub fn load_dir(dir: &Path) -> anyhow::Result<Vec<(PathBuf, Case)>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading fixtures folder {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("no *.json case files in {}", dir.display());
    }
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let case: Case = serde_json::from_str(&text).with_context(|| {
                format!(
                    "{}: not a valid case (see `weft plugin test --help`)",
                    path.display()
                )
            })?;
            if case.input.is_some() == case.call.is_some() {
                bail!(
                    "{}: give exactly one of \"input\" (transform) or \"call\" (connector)",
                    path.display()
                );
            }
            if case.expect.is_some() == case.expect_error.is_some() {
                bail!(
                    "{}: give exactly one of \"expect\" or \"expect_error\"",
                    path.display()
                );
            }
            Ok((path, case))
        })
        .collect()
}
