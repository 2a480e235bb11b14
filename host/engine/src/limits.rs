//! Per-call limits and the memory limiter.
//!
//! Every call runs with three limits, all on by default and set per deployment:
//! - fuel: a deterministic instruction budget (Shopify Functions use 11M for mapping logic; a
//!   batch sync wants more, so the default here is 2 billion, about 250 ms of a tight loop);
//! - memory: the most linear memory a call's instance may grow to (default 128 MiB);
//! - deadline: wall-clock time, enforced by the engine's single epoch ticker inside wasm and by
//!   a timeout around the whole async call, which also covers a guest blocked in a host call.
//!
//! The limiter records the refused growth so the engine can report "memory" rather than a bare
//! trap, and tracks the peak for the plugin runner's report.

use serde::{Deserialize, Serialize};

/// Limits for one call of one deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct Limits {
    /// Fuel units per call.
    pub fuel: u64,
    /// Maximum linear memory per instance, in MiB.
    pub memory_mib: u32,
    /// Wall-clock deadline per call, in milliseconds.
    pub deadline_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: 2_000_000_000,
            memory_mib: 128,
            deadline_ms: 10_000,
        }
    }
}

impl Limits {
    /// The memory limit in bytes.
    pub fn memory_bytes(&self) -> usize {
        (self.memory_mib as usize) << 20
    }
}

/// Enforces the memory limit of one Store and remembers what happened.
#[derive(Debug)]
pub struct MemoryLimiter {
    limit: usize,
    /// Highest size any memory reached, in bytes.
    pub peak: usize,
    /// The growth that was refused: (requested bytes).
    pub refused: Option<usize>,
}

impl MemoryLimiter {
    /// A limiter allowing `limit` bytes per memory.
    pub fn new(limit: usize) -> Self {
        MemoryLimiter {
            limit,
            peak: 0,
            refused: None,
        }
    }
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limit {
            self.refused = Some(desired);
            // Trap rather than return -1: a Rust guest would abort anyway, and a trap here
            // carries the precise cause instead of a generic `unreachable`.
            return Err(wasmtime::format_err!(
                "memory growth to {desired} bytes refused (limit {} bytes)",
                self.limit
            ));
        }
        self.peak = self.peak.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Tables hold function references; 100k entries is far beyond any honest plugin.
        Ok(desired <= 100_000)
    }
}
