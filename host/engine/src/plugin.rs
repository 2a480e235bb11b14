//! A loaded plugin version and the calls the host makes into it.
//!
//! Every call gets a fresh Store (instances are never reused between calls, so one call cannot
//! see another's memory), instantiated from the version's pre-linked `InstancePre`, with the
//! deployment's fuel, memory and deadline. Whatever the guest does — trap, loop, allocate,
//! panic, ask for something it was not granted — comes back as a `PluginError`; the host
//! process is never at risk.

use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use wasmtime::Store;
use weft_world::connector::ConnectorPre;
use weft_world::connector::exports::weft::connector::connector_api as wit_connector;
use weft_world::transform::TransformPre;
use weft_world::transform::exports::weft::connector::transform_api::Outcome;
use weft_world::types::Entity;

use crate::cache::CacheOutcome;
use crate::error::LimitKind;
use crate::host::Host;
use crate::limits::Limits;
use crate::state::{CallCaps, CallState};
use crate::validate::World;
use crate::{PluginError, PluginId};

pub use wit_connector::{
    CallError, ChangeEvent, ConnectorInfo, ErrorClass, Failure, Page, StreamInfo, WriteItem,
    WriteOp, Written,
};

pub(crate) enum Pre<C: 'static> {
    Transform(TransformPre<CallState<C>>),
    Connector(ConnectorPre<CallState<C>>),
}

/// One compiled, validated, pre-linked plugin version. Cheap to clone.
pub struct Plugin<C: 'static> {
    /// Name and version.
    pub id: PluginId,
    /// The world it implements.
    pub world: World,
    /// SHA-256 of the component bytes.
    pub content_hash: String,
    /// Whether compiling was needed when it was loaded.
    pub cache: CacheOutcome,
    pub(crate) pre: Arc<Pre<C>>,
}

impl<C> Clone for Plugin<C> {
    fn clone(&self) -> Self {
        Plugin {
            id: self.id.clone(),
            world: self.world,
            content_hash: self.content_hash.clone(),
            cache: self.cache,
            pre: self.pre.clone(),
        }
    }
}

/// What one call cost, against its limits.
#[derive(Debug, Clone, Serialize)]
pub struct CallReport {
    /// Fuel consumed.
    pub fuel_used: u64,
    /// Fuel granted.
    pub fuel_budget: u64,
    /// Peak linear memory, bytes.
    pub peak_memory_bytes: usize,
    /// Memory limit, bytes.
    pub memory_limit_bytes: usize,
    /// Wall time of instantiate plus call, microseconds.
    pub elapsed_us: u64,
    /// Deadline, milliseconds.
    pub deadline_ms: u64,
}

/// A successful call's value and its report.
#[derive(Debug)]
pub struct Called<T> {
    /// What the export returned.
    pub value: T,
    /// What it cost.
    pub report: CallReport,
}

/// A call into a connector, as data (the plugin runner reads these from fixture files).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "kebab-case")]
pub enum ConnectorCall {
    /// `describe()`.
    Describe,
    /// `read-page(stream, cursor, limit)`.
    ReadPage {
        /// Stream name.
        stream: String,
        /// Cursor from the previous page.
        #[serde(default)]
        cursor: Option<String>,
        /// Page size.
        limit: u32,
    },
    /// `write-batch(stream, items)`.
    WriteBatch {
        /// Stream name.
        stream: String,
        /// Items to write.
        items: Vec<WriteItem>,
    },
    /// `lookup-records(stream, keys)`.
    Lookup {
        /// Stream name.
        stream: String,
        /// Keys to find.
        keys: Vec<String>,
    },
    /// `handle-webhook(topic, headers, body)`.
    HandleWebhook {
        /// Webhook topic.
        topic: String,
        /// Request headers.
        headers: Vec<(String, String)>,
        /// Raw body (as text).
        body: String,
    },
    /// `on-timer(name, payload)`.
    OnTimer {
        /// Timer name.
        name: String,
        /// Payload given when it was set.
        payload: Vec<u8>,
    },
}

impl ConnectorCall {
    fn label(&self) -> String {
        match self {
            ConnectorCall::Describe => "connector.describe".into(),
            ConnectorCall::ReadPage { stream, limit, .. } => {
                format!("connector.read-page({stream}, limit {limit})")
            }
            ConnectorCall::WriteBatch { stream, items } => {
                format!("connector.write-batch({stream}, {} records)", items.len())
            }
            ConnectorCall::Lookup { stream, keys } => {
                format!("connector.lookup({stream}, {} keys)", keys.len())
            }
            ConnectorCall::HandleWebhook { topic, .. } => {
                format!("connector.handle-webhook({topic})")
            }
            ConnectorCall::OnTimer { name, .. } => format!("connector.on-timer({name})"),
        }
    }
}

/// What a connector call returned.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectorReply {
    /// From `describe`.
    Described(ConnectorInfo),
    /// From `read-page`.
    Page(Result<Page, CallError>),
    /// From `write-batch`.
    Written(Result<Vec<Result<Written, Failure>>, CallError>),
    /// From `lookup`.
    Found(Result<Vec<Entity>, CallError>),
    /// From `handle-webhook`.
    Events(Result<Vec<ChangeEvent>, CallError>),
    /// From `on-timer`.
    TimerHandled(Result<(), CallError>),
}

/// What the transform returned: one outcome per record, or an unusable config.
pub type TransformReply = Result<Vec<Outcome>, String>;

/// Fuel between cooperative yields of a running guest (about 1 ms of tight-loop work).
const YIELD_FUEL: u64 = 10_000_000;

enum Stage {
    Instantiate(wasmtime::Error),
    Call(wasmtime::Error),
}

impl<C: CallCaps> Host<C> {
    pub(crate) fn new_store(
        &self,
        caps: C,
        limits: &Limits,
    ) -> Result<Store<CallState<C>>, wasmtime::Error> {
        let mut store = Store::new(self.engine(), CallState::new(caps, limits.memory_bytes()));
        store.limiter(|state| &mut state.limiter);
        store.set_fuel(limits.fuel)?;
        // Yield to the executor every ~1 ms of guest work so a long call never starves other
        // tasks (timers, I/O) on the same worker thread.
        store.fuel_async_yield_interval(Some(YIELD_FUEL))?;
        let tick_ms = self.epoch_tick().as_millis().max(1) as u64;
        store.set_epoch_deadline(limits.deadline_ms.div_ceil(tick_ms).max(1));
        store.epoch_deadline_trap();
        Ok(store)
    }

    /// Call a transform's `map` with a fresh instance.
    pub async fn transform(
        &self,
        plugin: &Plugin<C>,
        caps: C,
        limits: &Limits,
        batch: &[Entity],
    ) -> Result<Called<TransformReply>, PluginError> {
        let Pre::Transform(pre) = &*plugin.pre else {
            return Err(wrong_world(plugin, World::Transform));
        };
        let label = format!("transform.map-batch({} records)", batch.len());
        // Calls that finish without waiting still count against tokio's cooperative budget, so
        // a task calling plugins in a loop cannot monopolise a worker thread.
        tokio::task::consume_budget().await;
        let mut store = self
            .new_store(caps, limits)
            .map_err(|e| host_error(plugin, e))?;
        let started = Instant::now();
        let work = async {
            let bindings = pre
                .instantiate_async(&mut store)
                .await
                .map_err(Stage::Instantiate)?;
            bindings
                .weft_connector_transform_api()
                .call_map_batch(&mut store, batch)
                .await
                .map_err(Stage::Call)
        };
        let outcome = tokio::time::timeout(self.grace_deadline(limits), work).await;
        self.finish(plugin, store, limits, label, started, outcome)
    }

    /// Call one connector export with a fresh instance.
    pub async fn connector(
        &self,
        plugin: &Plugin<C>,
        caps: C,
        limits: &Limits,
        call: &ConnectorCall,
    ) -> Result<Called<ConnectorReply>, PluginError> {
        let Pre::Connector(pre) = &*plugin.pre else {
            return Err(wrong_world(plugin, World::Connector));
        };
        let label = call.label();
        tokio::task::consume_budget().await;
        let mut store = self
            .new_store(caps, limits)
            .map_err(|e| host_error(plugin, e))?;
        let started = Instant::now();
        let work = async {
            let bindings = pre
                .instantiate_async(&mut store)
                .await
                .map_err(Stage::Instantiate)?;
            let c = bindings.weft_connector_connector_api();
            let s = &mut store;
            let reply = match call {
                ConnectorCall::Describe => c.call_describe(s).await.map(ConnectorReply::Described),
                ConnectorCall::ReadPage {
                    stream,
                    cursor,
                    limit,
                } => c
                    .call_read_page(s, stream, cursor.as_deref(), *limit)
                    .await
                    .map(ConnectorReply::Page),
                ConnectorCall::WriteBatch { stream, items } => c
                    .call_write_batch(s, stream, items)
                    .await
                    .map(ConnectorReply::Written),
                ConnectorCall::Lookup { stream, keys } => c
                    .call_lookup_records(s, stream, keys)
                    .await
                    .map(ConnectorReply::Found),
                ConnectorCall::HandleWebhook {
                    topic,
                    headers,
                    body,
                } => c
                    .call_handle_webhook(s, topic, headers, body.as_bytes())
                    .await
                    .map(ConnectorReply::Events),
                ConnectorCall::OnTimer { name, payload } => c
                    .call_on_timer(s, name, payload)
                    .await
                    .map(ConnectorReply::TimerHandled),
            };
            reply.map_err(Stage::Call)
        };
        let outcome = tokio::time::timeout(self.grace_deadline(limits), work).await;
        self.finish(plugin, store, limits, label, started, outcome)
    }

    /// The outer timeout: the epoch deadline plus two ticks, so a busy guest is stopped by the
    /// precise epoch trap and the timeout only fires for a guest stuck in a host call.
    fn grace_deadline(&self, limits: &Limits) -> std::time::Duration {
        std::time::Duration::from_millis(limits.deadline_ms) + self.epoch_tick() * 2
    }

    fn finish<R>(
        &self,
        plugin: &Plugin<C>,
        mut store: Store<CallState<C>>,
        limits: &Limits,
        call: String,
        started: Instant,
        outcome: Result<Result<R, Stage>, tokio::time::error::Elapsed>,
    ) -> Result<Called<R>, PluginError> {
        let fuel_left = store.get_fuel().unwrap_or(0);
        let report = CallReport {
            fuel_used: limits.fuel.saturating_sub(fuel_left),
            fuel_budget: limits.fuel,
            peak_memory_bytes: store.data().limiter.peak,
            memory_limit_bytes: limits.memory_bytes(),
            elapsed_us: started.elapsed().as_micros() as u64,
            deadline_ms: limits.deadline_ms,
        };
        let denials = store.data_mut().caps.take_denials();
        let plugin_id = plugin.id.clone();
        if !denials.is_empty() {
            return Err(PluginError::CapabilityDenied {
                plugin: plugin_id,
                call,
                denials,
            });
        }
        let deadline = LimitKind::Deadline {
            deadline_ms: limits.deadline_ms,
        };
        let error = match outcome {
            Ok(Ok(value)) => return Ok(Called { value, report }),
            Err(_elapsed) => {
                return Err(PluginError::LimitExceeded {
                    plugin: plugin_id,
                    call,
                    limit: deadline,
                });
            }
            Ok(Err(stage)) => stage,
        };
        let state = store.data();
        if let Some(requested_bytes) = state.limiter.refused {
            let limit = LimitKind::Memory {
                limit_bytes: limits.memory_bytes(),
                requested_bytes,
            };
            return Err(PluginError::LimitExceeded {
                plugin: plugin_id,
                call,
                limit,
            });
        }
        let e = match error {
            Stage::Instantiate(e) => {
                return Err(PluginError::Instantiate {
                    plugin: plugin_id,
                    detail: format!("{e:#}"),
                });
            }
            Stage::Call(e) => e,
        };
        match e.downcast_ref::<wasmtime::Trap>() {
            Some(wasmtime::Trap::OutOfFuel) => {
                let limit = LimitKind::Fuel {
                    budget: limits.fuel,
                };
                return Err(PluginError::LimitExceeded {
                    plugin: plugin_id,
                    call,
                    limit,
                });
            }
            Some(wasmtime::Trap::Interrupt) => {
                return Err(PluginError::LimitExceeded {
                    plugin: plugin_id,
                    call,
                    limit: deadline,
                });
            }
            _ => {}
        }
        if let Some(message) = panic_message(&state.stderr_text()) {
            return Err(PluginError::Panicked {
                plugin: plugin_id,
                call,
                message,
            });
        }
        Err(PluginError::Trapped {
            plugin: plugin_id,
            call,
            detail: format!("{e:#}"),
        })
    }
}

/// The message of a Rust panic as std prints it to stderr ("thread '..' panicked at FILE:\nMSG").
fn panic_message(stderr: &str) -> Option<String> {
    let start = stderr.find("panicked at")?;
    let text = stderr[start + "panicked at".len()..].trim();
    let text = text.split("\nnote:").next().unwrap_or(text).trim();
    let mut message: String = text.replace('\n', " ");
    if message.len() > 1024 {
        let mut cut = 1024;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push('…');
    }
    Some(message)
}

fn wrong_world<C>(plugin: &Plugin<C>, wanted: World) -> PluginError {
    PluginError::Refused {
        plugin: plugin.id.clone(),
        reasons: vec![format!(
            "it implements world `{}` but was used as a `{}`; deploy it where a {} is expected",
            plugin.world.name(),
            wanted.name(),
            plugin.world.name()
        )],
    }
}

fn host_error<C>(plugin: &Plugin<C>, e: wasmtime::Error) -> PluginError {
    PluginError::Host {
        plugin: plugin.id.clone(),
        detail: format!("{e:#}"),
    }
}

#[cfg(test)]
mod tests {
    use super::panic_message;

    #[test]
    fn panic_message_is_extracted_from_std_output() {
        let stderr = "\nthread '<unnamed>' panicked at src/lib.rs:12:9:\nboom: 42\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(
            panic_message(stderr).as_deref(),
            Some("src/lib.rs:12:9: boom: 42")
        );
        assert_eq!(panic_message("just a log line"), None);
    }
}
