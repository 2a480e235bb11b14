//! `weft plugin check`: inspect a component without running it.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

pub fn run(file: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let host = weft_engine::Host::<NoCaps>::new(super::tooling_engine(), weft_runtime_link)
        .map_err(anyhow::Error::msg)?;
    let inspection = host
        .inspect(&bytes)
        .map_err(|e| anyhow::anyhow!("{} is not a valid component: {e}", file.display()))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&inspection)?);
    } else {
        match inspection.world {
            Some(world) => println!("{}: implements world `{}`", file.display(), world.name()),
            None => println!("{}: REFUSED", file.display()),
        }
        println!("imports:");
        for i in &inspection.imports {
            println!("  {i}");
        }
        println!("exports:");
        for e in &inspection.exports {
            println!("  {e}");
        }
        for r in &inspection.refusals {
            println!("refused: {r}");
        }
    }
    Ok(if inspection.refusals.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Inspection links nothing: it only reads the component's type.
struct NoCaps;

impl weft_engine::CallCaps for NoCaps {
    fn take_denials(&mut self) -> Vec<weft_engine::Denial> {
        Vec::new()
    }
}

fn weft_runtime_link(
    _: &mut weft_engine::wasmtime::component::Linker<weft_engine::CallState<NoCaps>>,
) -> weft_engine::wasmtime::Result<()> {
    Ok(())
}
