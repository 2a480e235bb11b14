//! The per-call Store state: WASI (sandboxed), the memory limiter, captured stderr and the
//! capability contexts the composition root links.
//!
//! WASI is linked because Rust's std imports it, but it grants nothing: no preopened
//! directories, no environment, no arguments, stdin empty, stdout discarded and stderr captured
//! (capped at 16 KiB) so a guest panic message can be reported.

use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::error::Denial;
use crate::limits::MemoryLimiter;

/// Most bytes of guest stderr kept per call.
pub const STDERR_CAP: usize = 16 * 1024;

/// What the composition root's capability bundle must offer the engine.
pub trait CallCaps: Send + 'static {
    /// Capability requests refused during the call (drained after each call).
    fn take_denials(&mut self) -> Vec<Denial>;
}

/// Store data for one call.
pub struct CallState<C> {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: MemoryLimiter,
    pub(crate) stderr: MemoryOutputPipe,
    /// The capability contexts for this call.
    pub caps: C,
}

impl<C> CallState<C> {
    pub(crate) fn new(caps: C, memory_limit: usize) -> Self {
        let stderr = MemoryOutputPipe::new(STDERR_CAP);
        let wasi = WasiCtx::builder().stderr(stderr.clone()).build();
        CallState {
            wasi,
            table: ResourceTable::new(),
            limiter: MemoryLimiter::new(memory_limit),
            stderr,
            caps,
        }
    }

    /// What the guest wrote to stderr so far, lossily decoded.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents()).into_owned()
    }
}

impl<C: Send> WasiView for CallState<C> {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
