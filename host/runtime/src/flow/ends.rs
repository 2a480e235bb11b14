//! The ends of a flow and the calls the engine makes through them: read a page, map a batch,
//! write a batch, look records up.
//!
//! Each end is either a component deployment (the normal case: the call goes through the
//! [`PluginHost`] with the deployment's grants and limits) or something native: an in-memory
//! stream, or a transform compiled into the host (for `weft bench sync`'s sandbox-tax baseline).
//! Every plugin call is reported to [`Telemetry`]. A plugin failure on a write (trap, limit)
//! becomes a transient failure of each record of the batch, so the retry policy bounds it.
//! What to do with results is the runner's business, not this module's.

use std::sync::Arc;

use weft_engine::{
    CallError, Called, ConnectorCall, ConnectorReply, DeploymentKey, ErrorClass, Failure, Page,
    PluginId, WriteItem, Written,
};
use weft_world::transform::exports::weft::connector::transform_api::Outcome;
use weft_world::types::Entity;

use super::memory::MemoryStream;

/// Tries of a source read that fails transiently before its failure ends the run.
pub const READ_ATTEMPTS: u32 = 5;
/// How long, in total, a source read waits out rate limiting before its failure ends the run.
/// Throttling is the platform pacing us, not a failure: another flow may be spending the same
/// bucket, so a read keeps honouring the wait it is given for this long.
pub const READ_RATE_LIMIT_BUDGET_MS: u64 = 10 * 60 * 1000;

use crate::telemetry::{Event, Telemetry};
use crate::{HttpMode, PluginHost, RuntimeError};

/// A transform compiled into the host.
pub type NativeTransform = Arc<dyn Fn(&[Entity]) -> Result<Vec<Outcome>, String> + Send + Sync>;

/// A connector end: a component deployment and a stream, or a memory stream.
#[derive(Clone)]
pub enum StreamEnd {
    /// A connector component.
    Component {
        /// The host.
        host: Arc<PluginHost>,
        /// The deployment.
        key: DeploymentKey,
        /// The stream.
        stream: String,
    },
    /// An in-memory stream.
    Memory(Arc<MemoryStream>),
}

/// A transform: a component deployment or native code.
#[derive(Clone)]
pub enum MapperEnd {
    /// A transform component.
    Component {
        /// The host.
        host: Arc<PluginHost>,
        /// The deployment.
        key: DeploymentKey,
    },
    /// Native code, named as a plugin would be.
    Native {
        /// Name and version reported with ledger entries.
        id: PluginId,
        /// The mapping.
        map: NativeTransform,
    },
}

/// Why a call through an end failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum EndError {
    /// The plugin failed (trap, limit, refusal) or the deployment is missing.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// The connector refused the call (unknown stream, bad cursor, unverified webhook).
    #[error("{0}")]
    Refused(String),
    /// The connector reported a classified failure of the whole call.
    #[error("{}", .0.message)]
    Failed(Failure),
    /// A memory stream refused the call.
    #[error("{0}")]
    Memory(String),
    /// The connector answered with a reply of another call.
    #[error("connector answered {0} with an unexpected reply")]
    Protocol(&'static str),
}

impl EndError {
    /// The classified failure this error counts as for each record of a batch: plugin failures
    /// are transient (bounded by the retry policy), refusals are permanent.
    pub fn failure(&self) -> Failure {
        if let EndError::Failed(f) = self {
            return f.clone();
        }
        let class = match self {
            EndError::Runtime(_) => ErrorClass::Transient,
            _ => ErrorClass::Permanent,
        };
        Failure {
            class,
            message: self.to_string(),
            retry_after_ms: None,
            http_status: None,
            detail: None,
            waiting_for: None,
        }
    }
}

impl From<CallError> for EndError {
    fn from(e: CallError) -> Self {
        match e {
            CallError::UnknownStream(s) => EndError::Refused(format!("unknown stream: {s}")),
            CallError::BadCursor(s) => EndError::Refused(format!("bad cursor: {s}")),
            CallError::UnverifiedWebhook(s) => {
                EndError::Refused(format!("unverified webhook: {s}"))
            }
            CallError::Failed(f) => EndError::Failed(f),
        }
    }
}

/// Count a call of deployment `key` in telemetry (fuel, or the failure kind) and pass its value
/// on. The plugin is named by the version that ran, or the current one if the call failed.
fn reported<T>(
    host: &PluginHost,
    key: &DeploymentKey,
    result: Result<(PluginId, Called<T>), RuntimeError>,
    telemetry: &Telemetry,
) -> Result<(PluginId, T), RuntimeError> {
    let plugin = match &result {
        Ok((id, _)) => id.to_string(),
        Err(_) => host
            .current(key)
            .map(|id| id.to_string())
            .unwrap_or_else(|_| key.to_string()),
    };
    let (fuel, error) = match &result {
        Ok((_, called)) => (called.report.fuel_used, None),
        Err(RuntimeError::Plugin(p)) => (0, Some(p.kind())),
        Err(RuntimeError::Quarantined(_)) => (0, Some("quarantined")),
        Err(_) => (0, Some("deployment")),
    };
    telemetry.emit(Event::PluginCall {
        plugin: &plugin,
        fuel,
        error,
    });
    result.map(|(id, called)| (id, called.value))
}

fn quarantine_of(host: &PluginHost, key: &DeploymentKey) -> Option<String> {
    host.quarantined()
        .into_iter()
        .find(|q| &q.key == key)
        .map(|q| q.to_string())
}

async fn connector(
    host: &PluginHost,
    key: &DeploymentKey,
    call: &ConnectorCall,
    telemetry: &Telemetry,
) -> Result<(PluginId, ConnectorReply), EndError> {
    let result = host.connector(key, call, &HttpMode::Live).await;
    Ok(reported(host, key, result, telemetry)?)
}

impl StreamEnd {
    /// The version of the component behind this end, if it is one.
    pub fn plugin(&self) -> Option<PluginId> {
        match self {
            StreamEnd::Component { host, key, .. } => host.current(key).ok(),
            StreamEnd::Memory(_) => None,
        }
    }

    /// Why this end's deployment is out of service, if it is quarantined.
    pub fn quarantined(&self) -> Option<String> {
        match self {
            StreamEnd::Component { host, key, .. } => quarantine_of(host, key),
            StreamEnd::Memory(_) => None,
        }
    }

    /// Read a page after `cursor`.
    pub async fn read_page(
        &self,
        cursor: Option<&str>,
        limit: u32,
        t: &Telemetry,
    ) -> Result<Page, EndError> {
        match self {
            StreamEnd::Memory(m) => m.read_log(cursor, limit).map_err(EndError::Memory),
            StreamEnd::Component { host, key, stream } => {
                let call = ConnectorCall::ReadPage {
                    stream: stream.clone(),
                    cursor: cursor.map(str::to_string),
                    limit,
                };
                match connector(host, key, &call, t).await?.1 {
                    ConnectorReply::Page(r) => r.map_err(EndError::from),
                    _ => Err(EndError::Protocol("read-page")),
                }
            }
        }
    }

    /// Read a page of the records the end holds now (for reconciliation: a memory target reads
    /// its current state, a connector its stream).
    pub async fn read_current(
        &self,
        cursor: Option<&str>,
        limit: u32,
        t: &Telemetry,
    ) -> Result<Page, EndError> {
        match self {
            StreamEnd::Memory(m) => Ok(m.read_current(cursor, limit)),
            StreamEnd::Component { .. } => self.read_page(cursor, limit, t).await,
        }
    }

    /// [`read_page`](Self::read_page) (or [`read_current`](Self::read_current) when `current`),
    /// retried while the source answers transient (up to [`READ_ATTEMPTS`] tries, waiting its
    /// Retry-After, else a doubling backoff, at most 30 s) or rate-limited (waiting what it
    /// asks, at most 30 s at a time, until [`READ_RATE_LIMIT_BUDGET_MS`] is spent).
    pub async fn read_retrying(
        &self,
        cursor: Option<&str>,
        limit: u32,
        current: bool,
        t: &Telemetry,
    ) -> Result<Page, EndError> {
        let mut transient = 0;
        let mut throttled_ms = 0u64;
        loop {
            let read = if current {
                self.read_current(cursor, limit, t).await
            } else {
                self.read_page(cursor, limit, t).await
            };
            let wait = match &read {
                Err(EndError::Failed(f)) => read_retry_wait(f, &mut transient, &mut throttled_ms),
                _ => None,
            };
            match wait {
                Some(ms) => {
                    let (stream, why) = match (self, &read) {
                        (StreamEnd::Component { stream, .. }, Err(EndError::Failed(f))) => {
                            (stream.as_str(), f.message.as_str())
                        }
                        _ => ("memory", ""),
                    };
                    tracing::debug!(
                        wait_ms = ms,
                        stream,
                        error = why,
                        "source read failed; reading again after the wait"
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(ms)).await
                }
                None => return read,
            }
        }
    }

    /// Write a batch; exactly one result per item. A failure of the whole call is each item's.
    pub async fn write(
        &self,
        items: Vec<WriteItem>,
        t: &Telemetry,
    ) -> Vec<Result<Written, Failure>> {
        let n = items.len();
        let result = match self {
            StreamEnd::Memory(m) => return m.write(items),
            StreamEnd::Component { host, key, stream } => {
                let call = ConnectorCall::WriteBatch {
                    stream: stream.clone(),
                    items,
                };
                match connector(host, key, &call, t).await {
                    Ok((_, ConnectorReply::Written(Ok(results)))) if results.len() == n => {
                        Ok(results)
                    }
                    Ok((_, ConnectorReply::Written(Ok(results)))) => {
                        Err(EndError::Failed(Failure {
                            class: ErrorClass::Transient,
                            message: format!(
                                "connector answered {} results for {n} writes; a connector must answer each write",
                                results.len()
                            ),
                            retry_after_ms: None,
                            http_status: None,
                            detail: None,
                            waiting_for: None,
                        }))
                    }
                    Ok((_, ConnectorReply::Written(Err(e)))) => Err(EndError::from(e)),
                    Ok(_) => Err(EndError::Protocol("write-batch")),
                    Err(e) => Err(e),
                }
            }
        };
        result.unwrap_or_else(|e| vec![Err(e.failure()); n])
    }

    /// Look records up by key.
    pub async fn lookup(&self, keys: Vec<String>, t: &Telemetry) -> Result<Vec<Entity>, EndError> {
        match self {
            StreamEnd::Memory(m) => Ok(m.lookup(&keys)),
            StreamEnd::Component { host, key, stream } => {
                let call = ConnectorCall::Lookup {
                    stream: stream.clone(),
                    keys,
                };
                match connector(host, key, &call, t).await?.1 {
                    ConnectorReply::Found(r) => r.map_err(EndError::from),
                    _ => Err(EndError::Protocol("lookup-records")),
                }
            }
        }
    }
}

impl MapperEnd {
    /// Why this transform's deployment is out of service, if it is quarantined.
    pub fn quarantined(&self) -> Option<String> {
        match self {
            MapperEnd::Component { host, key } => quarantine_of(host, key),
            MapperEnd::Native { .. } => None,
        }
    }

    /// Name and version of the transform now.
    pub fn plugin(&self) -> Option<PluginId> {
        match self {
            MapperEnd::Component { host, key } => host.current(key).ok(),
            MapperEnd::Native { id, .. } => Some(id.clone()),
        }
    }

    /// Map a batch: one outcome per record, or a failure of the whole batch.
    pub async fn map(&self, batch: &[Entity], t: &Telemetry) -> Result<Vec<Outcome>, MapError> {
        match self {
            MapperEnd::Native { map, .. } => map(batch).map_err(MapError::Config),
            MapperEnd::Component { host, key } => {
                let result = host.transform(key, batch).await;
                match reported(host, key, result, t) {
                    Ok((_, reply)) => reply.map_err(MapError::Config),
                    Err(e @ RuntimeError::Quarantined(_)) => {
                        Err(MapError::Quarantined(e.to_string()))
                    }
                    Err(e) => Err(MapError::Plugin(e.to_string())),
                }
            }
        }
    }
}

/// Why a transform call mapped nothing.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MapError {
    /// The transform said its config is unusable: an operator must fix it.
    #[error("transform config is unusable: {0}")]
    Config(String),
    /// The plugin trapped or hit a limit on this batch.
    #[error("{0}")]
    Plugin(String),
    /// The deployment is quarantined: nothing ran, an operator must act.
    #[error("{0}")]
    Quarantined(String),
}

/// How long to wait before reading again after `f`, or `None` when the read has had its tries.
/// `transient` counts transient failures so far; `throttled_ms` the waits spent on rate limits.
fn read_retry_wait(f: &Failure, transient: &mut u32, throttled_ms: &mut u64) -> Option<u64> {
    match f.class {
        ErrorClass::Transient => {
            *transient += 1;
            (*transient < READ_ATTEMPTS)
                .then(|| f.retry_after_ms.unwrap_or(250 << *transient).min(30_000))
        }
        ErrorClass::RateLimited => {
            let wait = f.retry_after_ms.unwrap_or(1_000).clamp(1, 30_000);
            *throttled_ms += wait;
            (*throttled_ms <= READ_RATE_LIMIT_BUDGET_MS).then_some(wait)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(class: ErrorClass, retry_after_ms: Option<u64>) -> Failure {
        Failure {
            class,
            message: String::new(),
            retry_after_ms,
            http_status: None,
            detail: None,
            waiting_for: None,
        }
    }

    #[test]
    fn transient_reads_get_a_few_tries() {
        let (mut n, mut ms) = (0, 0);
        let f = failed(ErrorClass::Transient, None);
        let waits: Vec<_> = (0..READ_ATTEMPTS)
            .map(|_| read_retry_wait(&f, &mut n, &mut ms))
            .collect();
        assert_eq!(
            &waits[..4],
            &[Some(500), Some(1000), Some(2000), Some(4000)]
        );
        assert_eq!(waits[4], None, "the fifth transient failure ends the read");
    }

    #[test]
    fn a_throttled_read_keeps_waiting_what_the_platform_asks_until_the_budget_is_spent() {
        let (mut n, mut ms) = (0, 0);
        let f = failed(ErrorClass::RateLimited, Some(2_000));
        // Far more throttled answers than transient tries: the bucket is shared with writers.
        for _ in 0..50 {
            assert_eq!(read_retry_wait(&f, &mut n, &mut ms), Some(2_000));
        }
        let big = failed(ErrorClass::RateLimited, Some(10 * 60 * 1000));
        assert_eq!(
            read_retry_wait(&big, &mut n, &mut ms),
            Some(30_000),
            "one wait is at most 30 s"
        );
        while read_retry_wait(&big, &mut n, &mut ms).is_some() {}
        assert!(ms > READ_RATE_LIMIT_BUDGET_MS);
        let permanent = failed(ErrorClass::Permanent, None);
        assert_eq!(read_retry_wait(&permanent, &mut 0, &mut 0), None);
    }
}
