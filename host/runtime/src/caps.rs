//! The capability bundle of one call, and the linker wiring for it.
//!
//! Each capability crate implements its WIT `Host` trait on its own per-call context; this module
//! gathers those contexts into [`Caps`] (the engine's store data) and adds every interface to
//! the linker with a projection onto its field. `clock` and `config` are two functions each and
//! live here rather than in crates of their own.

use std::sync::Arc;

use wasmtime::component::{HasSelf, Linker};
use weft_cap_http::HttpCtx;
use weft_cap_kv::KvCtx;
use weft_cap_log::LogCtx;
use weft_cap_schedule::{Clock, ScheduleCtx};
use weft_cap_secrets::SecretsCtx;
use weft_engine::{CallCaps, CallState, Denial};

/// The clock import: the runtime's injected clock.
pub struct ClockCtx(pub Clock);

impl weft_world::clock::Host for ClockCtx {
    fn now_ms(&mut self) -> wasmtime::Result<u64> {
        Ok((self.0)())
    }
}

/// The config import: the deployment's JSON config.
pub struct ConfigCtx(pub Arc<str>);

impl weft_world::config::Host for ConfigCtx {
    fn get(&mut self) -> wasmtime::Result<String> {
        Ok(self.0.to_string())
    }
}

/// Every capability context of one call.
pub struct Caps {
    /// Logging.
    pub log: LogCtx,
    /// Outbound HTTP.
    pub http: HttpCtx,
    /// Key-value storage.
    pub kv: KvCtx,
    /// Timers.
    pub schedule: ScheduleCtx,
    /// Secrets.
    pub secrets: SecretsCtx,
    /// Clock.
    pub clock: ClockCtx,
    /// Deployment config.
    pub config: ConfigCtx,
}

impl CallCaps for Caps {
    fn take_denials(&mut self) -> Vec<Denial> {
        let mut all = self.http.take_denials();
        all.extend(self.secrets.take_denials());
        all
    }
}

/// Add every capability interface to `linker`.
pub fn link(linker: &mut Linker<CallState<Caps>>) -> wasmtime::Result<()> {
    use weft_world::{clock, config, http, kv, log, schedule, secrets, types};
    types::add_to_linker::<_, HasSelf<ClockCtx>>(linker, |s| &mut s.caps.clock)?;
    log::add_to_linker::<_, HasSelf<LogCtx>>(linker, |s| &mut s.caps.log)?;
    http::add_to_linker::<_, HasSelf<HttpCtx>>(linker, |s| &mut s.caps.http)?;
    kv::add_to_linker::<_, HasSelf<KvCtx>>(linker, |s| &mut s.caps.kv)?;
    schedule::add_to_linker::<_, HasSelf<ScheduleCtx>>(linker, |s| &mut s.caps.schedule)?;
    secrets::add_to_linker::<_, HasSelf<SecretsCtx>>(linker, |s| &mut s.caps.secrets)?;
    clock::add_to_linker::<_, HasSelf<ClockCtx>>(linker, |s| &mut s.caps.clock)?;
    config::add_to_linker::<_, HasSelf<ConfigCtx>>(linker, |s| &mut s.caps.config)?;
    Ok(())
}

impl weft_world::types::Host for ClockCtx {}
