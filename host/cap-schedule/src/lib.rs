//! Durable timers for plugins (`weft:connector/schedule`).
//!
//! A timer is a row in sled keyed by due time, so it survives a restart; the runtime polls
//! [`Timers::due`] and calls the plugin's `on-timer` export, and removes the timer with
//! [`Timers::complete`] only after the call succeeded (at-least-once: a crash between the call
//! and the removal fires the timer again, so `on-timer` must be idempotent). Timers are named
//! per deployment: setting a name again replaces the earlier timer, which also bounds how many
//! timers a plugin can hold to the names it uses.
//!
//! It deliberately does not run the callbacks itself: that needs the engine and the registry,
//! which live in the runtime.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sled::Transactional;
use weft_world::schedule::{Error, Host};

/// Longest delay a guest may ask for: 30 days.
pub const MAX_DELAY_MS: u64 = 30 * 24 * 3600 * 1000;
/// Largest payload.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;
const FORMAT_VERSION: u32 = 1;

/// A pending timer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    /// Format version of the stored row.
    pub v: u32,
    /// Tenant of the deployment that set it.
    pub tenant: String,
    /// Deployment that set it.
    pub deployment: String,
    /// Timer name.
    pub name: String,
    /// When it is due, ms since the Unix epoch.
    pub due_ms: u64,
    /// Payload to hand back.
    pub payload: Vec<u8>,
}

impl Timer {
    /// The id the guest sees: "tenant/deployment/name".
    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.tenant, self.deployment, self.name)
    }
}

/// Errors reading the timer store.
#[derive(Debug, thiserror::Error)]
pub enum TimerStoreError {
    /// sled failed.
    #[error("timer store: {0}")]
    Storage(#[from] sled::Error),
    /// A row could not be decoded; it is left in place.
    #[error("timer row {key} is unreadable ({detail}); inspect it before deleting anything")]
    Corrupt {
        /// Hex of the row key.
        key: String,
        /// Decoder message.
        detail: String,
    },
}

impl From<sled::transaction::TransactionError<()>> for TimerStoreError {
    fn from(e: sled::transaction::TransactionError<()>) -> Self {
        match e {
            sled::transaction::TransactionError::Storage(e) => TimerStoreError::Storage(e),
            // The timer transactions never abort; `()` is only their type parameter.
            sled::transaction::TransactionError::Abort(()) => TimerStoreError::Storage(
                sled::Error::Unsupported("aborted timer transaction".into()),
            ),
        }
    }
}

/// The durable timer table.
pub struct Timers {
    by_due: sled::Tree,
    by_name: sled::Tree,
}

fn name_key(tenant: &str, deployment: &str, name: &str) -> Vec<u8> {
    let mut key = Vec::new();
    for part in [tenant, deployment, name] {
        key.extend_from_slice(&(part.len() as u16).to_be_bytes());
        key.extend_from_slice(part.as_bytes());
    }
    key
}

fn due_key(due_ms: u64, name_key: &[u8]) -> Vec<u8> {
    let mut key = due_ms.to_be_bytes().to_vec();
    key.extend_from_slice(name_key);
    key
}

impl Timers {
    /// Use (or create) the timer trees of an open sled database.
    pub fn open(db: &sled::Db) -> sled::Result<Self> {
        Ok(Timers {
            by_due: db.open_tree("timers-by-due")?,
            by_name: db.open_tree("timers-by-name")?,
        })
    }

    /// Set (or replace) a timer.
    pub fn set(&self, timer: &Timer) -> Result<(), TimerStoreError> {
        let nk = name_key(&timer.tenant, &timer.deployment, &timer.name);
        let dk = due_key(timer.due_ms, &nk);
        let row = serde_json::to_vec(timer).expect("timer serializes");
        (&self.by_due, &self.by_name)
            .transaction(|(by_due, by_name)| {
                if let Some(old) = by_name.get(&nk)? {
                    by_due.remove(old)?;
                }
                by_due.insert(&dk[..], &row[..])?;
                by_name.insert(&nk[..], &dk[..])?;
                Ok::<_, sled::transaction::ConflictableTransactionError<()>>(())
            })
            .map_err(TimerStoreError::from)
    }

    /// Cancel a timer; true when one was pending.
    pub fn cancel(
        &self,
        tenant: &str,
        deployment: &str,
        name: &str,
    ) -> Result<bool, TimerStoreError> {
        let nk = name_key(tenant, deployment, name);
        let removed = (&self.by_due, &self.by_name)
            .transaction(|(by_due, by_name)| {
                let Some(dk) = by_name.remove(&nk[..])? else {
                    return Ok(false);
                };
                by_due.remove(dk)?;
                Ok::<_, sled::transaction::ConflictableTransactionError<()>>(true)
            })
            .map_err(TimerStoreError::from)?;
        Ok(removed)
    }

    /// Timers due at `now_ms`, oldest first, at most `limit`.
    pub fn due(&self, now_ms: u64, limit: usize) -> Result<Vec<Timer>, TimerStoreError> {
        let end = (now_ms.saturating_add(1)).to_be_bytes();
        let mut out = Vec::new();
        for row in self.by_due.range(..&end[..]).take(limit) {
            let (k, v) = row?;
            let timer: Timer =
                serde_json::from_slice(&v).map_err(|e| TimerStoreError::Corrupt {
                    key: hex_of(&k),
                    detail: e.to_string(),
                })?;
            if timer.v != FORMAT_VERSION {
                return Err(TimerStoreError::Corrupt {
                    key: hex_of(&k),
                    detail: format!("format version {} is not {FORMAT_VERSION}", timer.v),
                });
            }
            out.push(timer);
        }
        Ok(out)
    }

    /// Remove a fired timer, unless it was replaced meanwhile (then the new one stays).
    pub fn complete(&self, timer: &Timer) -> Result<bool, TimerStoreError> {
        let nk = name_key(&timer.tenant, &timer.deployment, &timer.name);
        let dk = due_key(timer.due_ms, &nk);
        let done = (&self.by_due, &self.by_name)
            .transaction(|(by_due, by_name)| {
                if by_name.get(&nk[..])?.as_deref() != Some(&dk[..]) {
                    return Ok(false);
                }
                by_name.remove(&nk[..])?;
                by_due.remove(&dk[..])?;
                Ok::<_, sled::transaction::ConflictableTransactionError<()>>(true)
            })
            .map_err(TimerStoreError::from)?;
        Ok(done)
    }

    /// Number of pending timers.
    pub fn len(&self) -> usize {
        self.by_due.len()
    }

    /// True when no timer is pending.
    pub fn is_empty(&self) -> bool {
        self.by_due.is_empty()
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A clock: milliseconds since the Unix epoch.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// Per-call schedule context of one deployment.
pub struct ScheduleCtx {
    timers: Arc<Timers>,
    tenant: Arc<str>,
    deployment: Arc<str>,
    now: Clock,
}

impl ScheduleCtx {
    /// A context for `deployment` of `tenant`.
    pub fn new(timers: Arc<Timers>, tenant: Arc<str>, deployment: Arc<str>, now: Clock) -> Self {
        ScheduleCtx {
            timers,
            tenant,
            deployment,
            now,
        }
    }
}

impl Host for ScheduleCtx {
    fn set_timer(
        &mut self,
        name: String,
        delay_ms: u64,
        payload: Vec<u8>,
    ) -> wasmtime::Result<Result<String, Error>> {
        if delay_ms > MAX_DELAY_MS {
            return Ok(Err(Error::Invalid(format!(
                "delay of {delay_ms} ms exceeds 30 days"
            ))));
        }
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Ok(Err(Error::Invalid(format!(
                "payload of {} bytes exceeds {MAX_PAYLOAD_BYTES}",
                payload.len()
            ))));
        }
        if name.is_empty() || name.len() > 256 {
            return Ok(Err(Error::Invalid("timer names are 1 to 256 bytes".into())));
        }
        let timer = Timer {
            v: FORMAT_VERSION,
            tenant: self.tenant.to_string(),
            deployment: self.deployment.to_string(),
            name,
            due_ms: (self.now)().saturating_add(delay_ms),
            payload,
        };
        Ok(self
            .timers
            .set(&timer)
            .map(|()| timer.id())
            .map_err(|e| Error::Storage(e.to_string())))
    }

    fn cancel_timer(&mut self, name: String) -> wasmtime::Result<Result<bool, Error>> {
        Ok(self
            .timers
            .cancel(&self.tenant, &self.deployment, &name)
            .map_err(|e| Error::Storage(e.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    fn clock(at: Arc<AtomicU64>) -> Clock {
        Arc::new(move || at.load(Ordering::SeqCst))
    }

    #[test]
    fn a_timer_survives_reopening_the_database_and_fires_once_due() {
        let dir = tempfile::tempdir().unwrap();
        let now = Arc::new(AtomicU64::new(1_000));
        {
            let db = sled::open(dir.path()).unwrap();
            let timers = Arc::new(Timers::open(&db).unwrap());
            let mut ctx =
                ScheduleCtx::new(timers, "acme".into(), "shopify".into(), clock(now.clone()));
            let id = ctx
                .set_timer("resync".into(), 500, b"page-3".to_vec())
                .unwrap()
                .unwrap();
            assert_eq!(id, "acme/shopify/resync");
            db.flush().unwrap();
        }
        // sled's I/O threads may hold the file lock a moment after the last handle dropped.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let db = loop {
            match sled::open(dir.path()) {
                Err(e)
                    if e.to_string().contains("could not acquire lock")
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20))
                }
                other => break other.unwrap(),
            }
        };
        let timers = Timers::open(&db).unwrap();
        assert!(timers.due(1_499, 10).unwrap().is_empty(), "not due yet");
        let due = timers.due(1_500, 10).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].payload, b"page-3");
        assert!(timers.complete(&due[0]).unwrap());
        assert!(timers.due(10_000, 10).unwrap().is_empty());
    }

    #[test]
    fn setting_the_same_name_replaces_and_cancel_removes() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let timers = Arc::new(Timers::open(&db).unwrap());
        let now = Arc::new(AtomicU64::new(0));
        let mut ctx = ScheduleCtx::new(timers.clone(), "acme".into(), "d".into(), clock(now));
        ctx.set_timer("t".into(), 100, vec![1]).unwrap().unwrap();
        ctx.set_timer("t".into(), 200, vec![2]).unwrap().unwrap();
        assert_eq!(timers.len(), 1);
        assert_eq!(timers.due(1_000, 10).unwrap()[0].payload, vec![2]);
        assert!(ctx.cancel_timer("t".into()).unwrap().unwrap());
        assert!(!ctx.cancel_timer("t".into()).unwrap().unwrap());
        assert!(timers.is_empty());
    }

    #[test]
    fn a_timer_replaced_while_firing_is_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let timers = Timers::open(&db).unwrap();
        let t = |due, p: u8| Timer {
            v: FORMAT_VERSION,
            tenant: "a".into(),
            deployment: "d".into(),
            name: "t".into(),
            due_ms: due,
            payload: vec![p],
        };
        timers.set(&t(10, 1)).unwrap();
        let fired = timers.due(10, 10).unwrap().remove(0);
        timers.set(&t(50, 2)).unwrap(); // the plugin re-armed it during on-timer
        assert!(!timers.complete(&fired).unwrap());
        assert_eq!(timers.due(50, 10).unwrap()[0].payload, vec![2]);
    }

    #[test]
    fn oversized_requests_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let timers = Arc::new(Timers::open(&db).unwrap());
        let mut ctx = ScheduleCtx::new(
            timers,
            "a".into(),
            "d".into(),
            clock(Arc::new(AtomicU64::new(0))),
        );
        assert!(
            ctx.set_timer("t".into(), MAX_DELAY_MS + 1, vec![])
                .unwrap()
                .is_err()
        );
        assert!(
            ctx.set_timer("t".into(), 1, vec![0; MAX_PAYLOAD_BYTES + 1])
                .unwrap()
                .is_err()
        );
    }
}
