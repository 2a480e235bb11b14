//! `weft plugin test`: run fixture cases against a component on the real host (real limits,
//! recorded HTTP, a throwaway store) and report, per case, the outcome and what it cost against
//! the limits. Exits non-zero when a case fails.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use serde::Serialize;
use weft_cap_http::Recording;
use weft_engine::{CallReport, DeploymentKey, PluginId};
use weft_runtime::{DeploymentSpec, HttpMode, PluginCall, PluginHost, PluginReply};

use super::fixture::{Case, load_dir};

#[derive(Serialize)]
struct CaseResult {
    name: String,
    passed: bool,
    detail: String,
    report: Option<CallReport>,
}

#[derive(Serialize)]
struct Report {
    component: String,
    world: String,
    passed: usize,
    failed: usize,
    cases: Vec<CaseResult>,
}

pub async fn run(file: &Path, fixtures: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let cases = load_dir(fixtures)?;
    let name = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut results = Vec::new();
    let mut world = String::new();
    for (path, case) in cases {
        let case_name = case.name.clone().unwrap_or_else(|| {
            path.file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        });
        let (result, w) = run_case(&bytes, &name, case_name, case).await?;
        world = w;
        results.push(result);
    }
    let failed = results.iter().filter(|r| !r.passed).count();
    let report = Report {
        component: file.display().to_string(),
        world,
        passed: results.len() - failed,
        failed,
        cases: results,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report);
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn run_case(
    bytes: &[u8],
    plugin: &str,
    name: String,
    case: Case,
) -> anyhow::Result<(CaseResult, String)> {
    let dir = tempfile::tempdir()?;
    let db = sled::open(dir.path())?;
    let mut secrets = weft_cap_secrets::SecretStore::new();
    for (k, v) in &case.secrets {
        secrets.insert(k.clone(), v.as_bytes().to_vec());
    }
    // A fixed clock (2026-01-01T00:00:00Z) so cases are reproducible.
    let clock: Arc<dyn Fn() -> u64 + Send + Sync> = Arc::new(|| 1_767_225_600_000);
    let host = PluginHost::new(super::tooling_engine(), &db, secrets, clock)
        .map_err(anyhow::Error::from)?;
    let key = DeploymentKey::new("fixture", plugin);
    let mut spec = DeploymentSpec::new("fixture", plugin);
    spec.connections = case.deployment.connections.clone();
    spec.secrets = case.deployment.secrets.clone();
    if let Some(config) = case.deployment.config.clone() {
        spec.config = config;
    }
    if let Some(limits) = case.deployment.limits {
        spec.limits = limits;
    }
    host.configure(spec);
    seed_kv(&host, &key, &case)?;
    let loaded = host
        .load(PluginId::new(plugin, "under-test"), bytes)
        .map_err(anyhow::Error::from)?;
    let world = loaded.world.name().to_string();
    let recording = Arc::new(Recording::new(case.http.clone()));
    let call = match (&case.input, &case.call) {
        (Some(batch), _) => PluginCall::Transform(batch),
        (_, Some(call)) => PluginCall::Connector(call),
        _ => unreachable!("checked when loading"),
    };
    let outcome = host
        .call_plugin_as(&loaded, &key, call, &HttpMode::Recorded(recording.clone()))
        .await;
    let (passed, detail, report) = match (outcome, &case.expect, &case.expect_error) {
        (Ok(reply), Some(expected), _) => {
            let (value, report) = match reply {
                PluginReply::Transform(c) => (serde_json::to_value(&c.value)?, c.report),
                PluginReply::Connector(c) => (serde_json::to_value(&c.value)?, c.report),
            };
            if &value == expected {
                (true, "ok".to_string(), Some(report))
            } else {
                (
                    false,
                    format!("expected {expected}\n     got {value}"),
                    Some(report),
                )
            }
        }
        (Ok(_), None, Some(wanted)) => (
            false,
            format!("expected an error containing {wanted:?}, but the call succeeded"),
            None,
        ),
        (Err(e), _, Some(wanted)) => {
            let text = e.to_string();
            let kind = match &e {
                weft_runtime::RuntimeError::Plugin(p) => p.kind(),
                _ => "runtime",
            };
            if text.contains(wanted.as_str()) || kind == wanted {
                (true, format!("failed as expected: {text}"), None)
            } else {
                (
                    false,
                    format!("expected an error containing {wanted:?}, got: {text}"),
                    None,
                )
            }
        }
        (Err(e), _, None) => (false, format!("call failed: {e}"), None),
        (Ok(_), None, None) => unreachable!("checked when loading"),
    };
    Ok((
        CaseResult {
            name,
            passed,
            detail,
            report,
        },
        world,
    ))
}

fn seed_kv(host: &PluginHost, key: &DeploymentKey, case: &Case) -> anyhow::Result<()> {
    use weft_world::kv::Host as _;
    let ns = weft_cap_kv::Namespace::new(&key.tenant, &key.deployment);
    let mut ctx = weft_cap_kv::KvCtx::new(host.kv_store().clone(), ns, Default::default());
    for (k, v) in &case.kv {
        ctx.set(k.clone(), v.as_bytes().to_vec())
            .map_err(|e| anyhow::anyhow!("{e:#}"))?
            .map_err(|e| anyhow::anyhow!("seeding kv {k}: {e:?}"))?;
    }
    Ok(())
}

fn print_table(report: &Report) {
    println!(
        "{} ({}): {} passed, {} failed",
        report.component, report.world, report.passed, report.failed
    );
    for c in &report.cases {
        let mark = if c.passed { "PASS" } else { "FAIL" };
        match &c.report {
            Some(r) => println!(
                "  {mark} {:<40} fuel {:>11}/{:<11} mem {:>6} KiB/{:<6} KiB time {:>7.2}/{} ms",
                c.name,
                r.fuel_used,
                r.fuel_budget,
                r.peak_memory_bytes / 1024,
                r.memory_limit_bytes / 1024,
                r.elapsed_us as f64 / 1000.0,
                r.deadline_ms
            ),
            None => println!("  {mark} {}", c.name),
        }
        if !c.passed || c.report.is_none() {
            println!("       {}", c.detail);
        }
    }
}
