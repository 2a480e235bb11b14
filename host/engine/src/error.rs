//! Typed errors for everything a plugin can cause.
//!
//! Every variant names the plugin and version and says what the operator or author should
//! change. The engine never panics or aborts because of a guest: a trap, an exceeded limit or a
//! refused capability always comes back as one of these values.

use crate::PluginId;

/// Which per-call limit was exceeded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "limit", rename_all = "kebab-case")]
pub enum LimitKind {
    /// The fuel budget (a deterministic instruction budget) ran out.
    Fuel {
        /// Fuel granted for the call.
        budget: u64,
    },
    /// Linear memory would have grown past the deployment's limit.
    Memory {
        /// Bytes allowed.
        limit_bytes: usize,
        /// Bytes the guest asked to grow to.
        requested_bytes: usize,
    },
    /// The call ran past its wall-clock deadline (epoch interruption or a host-call timeout).
    Deadline {
        /// Milliseconds allowed.
        deadline_ms: u64,
    },
}

impl std::fmt::Display for LimitKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LimitKind::Fuel { budget } => write!(
                f,
                "fuel budget of {budget} exhausted; raise `limits.fuel` or give the plugin smaller batches"
            ),
            LimitKind::Memory {
                limit_bytes,
                requested_bytes,
            } => write!(
                f,
                "memory limit of {limit_bytes} bytes exceeded (asked for {requested_bytes}); raise `limits.memory-mib` or fix the plugin's allocation"
            ),
            LimitKind::Deadline { deadline_ms } => write!(
                f,
                "wall-clock deadline of {deadline_ms} ms exceeded; raise `limits.deadline-ms` or look for a loop or a slow host call"
            ),
        }
    }
}

/// A capability request the host refused during a call.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Denial {
    /// The capability ("http", "secrets", "kv").
    pub capability: String,
    /// What was asked for ("connection 'metadata'", "secret 'stripe'").
    pub target: String,
    /// Why it was refused and how to grant it if it should be allowed.
    pub reason: String,
}

impl std::fmt::Display for Denial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.capability, self.target, self.reason)
    }
}

/// Everything that can go wrong when loading or calling a plugin.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The bytes are not a valid component, or compiling it failed.
    #[error(
        "plugin {plugin} could not be compiled: {detail}; build it with `cargo build --target wasm32-wasip2`"
    )]
    Compile {
        /// The plugin.
        plugin: PluginId,
        /// Compiler message.
        detail: String,
    },
    /// The component does not fit a supported world.
    #[error("plugin {plugin} was refused: {reasons}", reasons = .reasons.join("; "))]
    Refused {
        /// The plugin.
        plugin: PluginId,
        /// One line per problem (unknown imports, missing exports).
        reasons: Vec<String>,
    },
    /// Instantiation failed (a missing import the validator did not catch, or start trap).
    #[error("plugin {plugin} could not be instantiated: {detail}")]
    Instantiate {
        /// The plugin.
        plugin: PluginId,
        /// Wasmtime's message.
        detail: String,
    },
    /// A per-call limit was exceeded; the call was stopped.
    #[error("plugin {plugin} stopped during {call}: {limit}")]
    LimitExceeded {
        /// The plugin.
        plugin: PluginId,
        /// The call ("transform.map(1000 records)").
        call: String,
        /// Which limit.
        limit: LimitKind,
    },
    /// The guest panicked.
    #[error(
        "plugin {plugin} panicked during {call}: {message}; this is a bug in the plugin, report it to its author"
    )]
    Panicked {
        /// The plugin.
        plugin: PluginId,
        /// The call.
        call: String,
        /// The panic message from the guest's stderr.
        message: String,
    },
    /// The guest trapped for another reason (unreachable, out-of-bounds access, stack overflow).
    #[error(
        "plugin {plugin} trapped during {call}: {detail}; this is a bug in the plugin, report it to its author"
    )]
    Trapped {
        /// The plugin.
        plugin: PluginId,
        /// The call.
        call: String,
        /// The trap and backtrace.
        detail: String,
    },
    /// The guest asked for a capability it was not granted.
    #[error("plugin {plugin} was denied during {call}: {denials}; grant it in the deployment config if it is legitimate", denials = .denials.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    CapabilityDenied {
        /// The plugin.
        plugin: PluginId,
        /// The call.
        call: String,
        /// What was refused.
        denials: Vec<Denial>,
    },
    /// The host itself failed (cache I/O, engine setup).
    #[error("host error while handling plugin {plugin}: {detail}")]
    Host {
        /// The plugin.
        plugin: PluginId,
        /// What failed.
        detail: String,
    },
}

impl PluginError {
    /// The plugin the error is about.
    pub fn plugin(&self) -> &PluginId {
        match self {
            PluginError::Compile { plugin, .. }
            | PluginError::Refused { plugin, .. }
            | PluginError::Instantiate { plugin, .. }
            | PluginError::LimitExceeded { plugin, .. }
            | PluginError::Panicked { plugin, .. }
            | PluginError::Trapped { plugin, .. }
            | PluginError::CapabilityDenied { plugin, .. }
            | PluginError::Host { plugin, .. } => plugin,
        }
    }

    /// A short machine-readable kind ("fuel", "memory", "deadline", "panic", "trap", "denied",
    /// "refused", "compile", "instantiate", "host"), used in metrics and reports.
    pub fn kind(&self) -> &'static str {
        match self {
            PluginError::Compile { .. } => "compile",
            PluginError::Refused { .. } => "refused",
            PluginError::Instantiate { .. } => "instantiate",
            PluginError::LimitExceeded { limit, .. } => match limit {
                LimitKind::Fuel { .. } => "fuel",
                LimitKind::Memory { .. } => "memory",
                LimitKind::Deadline { .. } => "deadline",
            },
            PluginError::Panicked { .. } => "panic",
            PluginError::Trapped { .. } => "trap",
            PluginError::CapabilityDenied { .. } => "denied",
            PluginError::Host { .. } => "host",
        }
    }
}
