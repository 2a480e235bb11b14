//! Flows: a source stream, a chain of transforms and a target stream, run page by page with
//! the guarantees of `weft-sync` and the durability of `weft-store`.
//!
//! - [`spec`]: what a flow is, as data;
//! - [`key`]: how entities are keyed across systems;
//! - [`ends`], [`memory`]: the calls through a flow's ends (components or native);
//! - `chain`, `driver`, [`runner`], `landing`: one run, page by page, each page's commit
//!   landing while the next page is written;
//! - [`replay`], [`reconcile`]: the parked queue and drift;
//! - [`service`]: triggers, concurrency and status.

mod chain;
mod driver;
pub mod ends;
pub mod key;
mod landing;
pub mod memory;
pub mod reconcile;
pub mod replay;
pub mod runner;
pub mod service;
pub mod spec;
pub mod system;

pub use ends::{EndError, MapperEnd, NativeTransform, StreamEnd};
pub use memory::{MemoryCounts, MemoryStream};
pub use reconcile::{Reconciliation, drift_key};
pub use replay::ReplayReport;
pub use runner::{Flow, FlowCtx, FlowError, RunMode, RunReport};
pub use service::{FlowStatus, Flows, WebhookError};
pub use spec::{Endpoint, FlowSpec, ReconcileSpec, Triggers, WriteMode};
pub use system::{SystemClock, SystemIds};
