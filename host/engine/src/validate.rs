//! Which world a component implements, and whether the host can run it.
//!
//! A component is accepted when its exports include one supported world's export interface and
//! every one of its imports belongs to that world: the world's `weft:connector` capabilities plus
//! the WASI p2 interfaces Rust's std needs (environment, exit, stdio, clocks, random and a
//! filesystem with no preopened directories). Anything else — `wasi:http`, `wasi:sockets`, an
//! unknown package, a capability the world does not give (a transform importing `http`) — is
//! refused before the component ever runs, with the full list, so an author can fix all of it
//! at once.

use wasmtime::component::Component;

/// The worlds the host supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum World {
    /// `weft:connector/connector-api`: a platform connector.
    Connector,
    /// `weft:connector/transform`: a mapping step.
    Transform,
}

impl World {
    /// The export interface that identifies the world.
    pub fn export_interface(self) -> &'static str {
        match self {
            World::Connector => "weft:connector/connector-api",
            World::Transform => "weft:connector/transform-api",
        }
    }

    /// `weft:connector` interfaces the world may import.
    pub fn capabilities(self) -> &'static [&'static str] {
        match self {
            World::Connector => &[
                "types", "http", "kv", "schedule", "log", "secrets", "clock", "config",
            ],
            World::Transform => &["types", "log", "clock", "config"],
        }
    }

    /// The world's name as written in WIT.
    pub fn name(self) -> &'static str {
        match self {
            World::Connector => "connector",
            World::Transform => "transform",
        }
    }
}

/// WASI p2 interfaces the host links (with no preopens, no environment and captured stdio).
const WASI_ALLOWED: &[&str] = &[
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:clocks/monotonic-clock",
    "wasi:clocks/wall-clock",
    "wasi:random/random",
    "wasi:random/insecure",
    "wasi:random/insecure-seed",
    "wasi:filesystem/types",
    "wasi:filesystem/preopens",
];

/// What a component asks for and offers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Inspection {
    /// The world it implements, when it fits one.
    pub world: Option<World>,
    /// Every import, versioned, as the component names it.
    pub imports: Vec<String>,
    /// Every export.
    pub exports: Vec<String>,
    /// Why it does not fit (empty when it is accepted).
    pub refusals: Vec<String>,
}

fn unversioned(name: &str) -> &str {
    name.split('@').next().unwrap_or(name)
}

/// Inspect `component` against the supported worlds.
pub fn inspect(engine: &wasmtime::Engine, component: &Component) -> Inspection {
    let ty = component.component_type();
    let imports: Vec<String> = ty
        .imports(engine)
        .map(|(name, _)| name.to_string())
        .collect();
    let exports: Vec<String> = ty
        .exports(engine)
        .map(|(name, _)| name.to_string())
        .collect();
    let world = [World::Connector, World::Transform].into_iter().find(|w| {
        exports
            .iter()
            .any(|e| unversioned(e) == w.export_interface())
    });
    let mut refusals = Vec::new();
    match world {
        None => refusals.push(format!(
            "it exports neither `{}` nor `{}` (exports: {}); implement world `connector` or `transform` from wit/",
            World::Connector.export_interface(),
            World::Transform.export_interface(),
            if exports.is_empty() { "none".to_string() } else { exports.join(", ") }
        )),
        Some(world) => {
            for import in &imports {
                let base = unversioned(import);
                let allowed = WASI_ALLOWED.contains(&base)
                    || base
                        .strip_prefix("weft:connector/")
                        .is_some_and(|iface| world.capabilities().contains(&iface));
                if !allowed {
                    refusals.push(format!(
                        "unknown import `{import}`: world `{}` does not provide it",
                        world.name()
                    ));
                }
                let version = import.strip_prefix("weft:connector/").and_then(|s| s.split('@').nth(1));
                if let Some(version) = version
                    && !version.starts_with("0.1.")
                {
                    refusals.push(format!(
                        "import `{import}` needs contract version {version}; this host implements {}",
                        weft_world::PACKAGE_VERSION
                    ));
                }
            }
        }
    }
    Inspection {
        world: if refusals.is_empty() { world } else { None },
        imports,
        exports,
        refusals,
    }
}
