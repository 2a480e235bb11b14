//! The composition root of Weft: it links the capability crates into the engine, keeps tenant
//! deployments of plugins with their grants and limits ([`PluginHost`]), hot-swaps and rolls
//! back versions, and fires durable timers.
//!
//! It also runs flows ([`flow`]): pages from a source stream through transforms to a target,
//! with triggers, the parked queue, replay, reconciliation and [`telemetry`].
//!
//! It deliberately holds no capability logic (that is in the `cap-*` crates) and no wasmtime
//! details (that is `engine`).

mod caps;
mod deployment;
pub mod flow;
mod plugin_host;
pub mod pushed;
pub mod quarantine;
pub mod telemetry;

pub use caps::{Caps, ClockCtx, ConfigCtx, link};
pub use deployment::DeploymentSpec;
pub use plugin_host::{HttpMode, PluginCall, PluginHost, PluginReply, RuntimeError};
pub use quarantine::Quarantined;

/// The wall clock as the runtime's injectable [`weft_cap_schedule::Clock`].
pub fn system_clock() -> weft_cap_schedule::Clock {
    std::sync::Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    })
}
