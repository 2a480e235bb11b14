//! The wasmtime layer of Weft.
//!
//! - [`Host`]: one Engine with fuel and epoch interruption always on, a single epoch ticker, a
//!   content-addressed on-disk cache of compiled components, and one Linker (sandboxed WASI plus
//!   the capability interfaces the composition root adds).
//! - [`Host::load`]: compile or load from cache, [validate](validate) against the supported
//!   worlds (unknown imports are refused with the list), pre-link.
//! - [`Host::transform`] / [`Host::connector`]: a fresh Store per call with the deployment's
//!   [`Limits`]; every failure a guest can cause is a typed [`PluginError`].
//! - [`Registry`]: hot swap per deployment with rollback; calls in flight keep their version.
//!
//! It deliberately knows nothing about concrete capabilities (http, kv, ...): those live in the
//! `cap-*` crates and are linked by the runtime through the closure given to [`Host::new`].

mod cache;
mod epoch;
mod error;
mod host;
mod id;
mod limits;
mod plugin;
mod registry;
mod state;
pub mod validate;
mod warm;

pub use cache::{CacheOutcome, content_hash};
pub use error::{Denial, LimitKind, PluginError};
pub use host::{Allocator, EngineConfig, Host, describe_cache};
pub use id::{DeploymentKey, PluginId};
pub use limits::Limits;
pub use plugin::{
    CallError, CallReport, Called, ChangeEvent, ConnectorCall, ConnectorInfo, ConnectorReply,
    ErrorClass, Failure, Page, Plugin, StreamInfo, TransformReply, WriteItem, WriteOp, Written,
};
pub use registry::{Registry, RegistryError};
pub use state::{CallCaps, CallState, STDERR_CAP};
pub use validate::World;
pub use warm::WarmTransform;
pub use wasmtime;
pub use weft_world as world;
