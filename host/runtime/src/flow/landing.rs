//! A page commit landing in the store while the next page is read, mapped and written.
//!
//! A store commit is CPU work (encoding, the tree's inserts) plus a disk flush. A run keeps a
//! settled page's [`PageCommit`] as a [`Landing`] and goes on with the next page; the commit
//! starts on a blocking thread once that next page's ledger lookups are done
//! ([`Landing::start`]), and lands while the page is written. It waits for the lookups because
//! the page waits for them too, and sled makes reads wait while a transaction writes: a commit
//! started beside them stalled the lookups and was itself slowed (`weft bench sync`, commit p99
//! 17-27 ms against 9-16 ms). What keeps the promises intact:
//!
//! - at most one commit per run is pending or in flight, and the next one starts only after it
//!   landed, so cursors still move in page order and each commit checks the cursor the
//!   previous one set;
//! - the next page treats the pending page's confirmed keys as already in the ledger
//!   ([`Landing::confirmed`]), so a record repeated across the two pages is not sent twice;
//! - the run reports a page (counts, telemetry, its cursor) only once it landed, and a failing
//!   run starts and waits for the pending commit before it returns.
//!
//! A crash before the landing loses what a crash before any commit loses: the pages are read
//! again and their writes re-sent with the same idempotency keys. Not here: deciding what a page
//! commits (`runner`), or any retry of a failed commit (the run stops, as before).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use weft_store::{StoreError, SyncStore};
use weft_sync::{Cursor, IdempotencyKey, PageCommit};

/// A page commit on its way into the store: pending until [`Landing::start`], then in flight.
pub(crate) struct Landing {
    store: Arc<dyn SyncStore>,
    /// The commit, until it starts.
    pending: Option<PageCommit>,
    /// The blocking task applying it, once it started.
    task: Option<tokio::task::JoinHandle<(PageCommit, Result<f64, StoreError>)>>,
    confirmed: HashSet<IdempotencyKey>,
    new_cursor: Cursor,
    /// Per source key, the dependencies the page's confirmed writes make available.
    provided: HashMap<String, Vec<String>>,
}

/// What a landed commit hands back: the commit, what its writes provide, and the store's
/// answer (how long it took).
pub(crate) type Landed = (
    PageCommit,
    HashMap<String, Vec<String>>,
    Result<f64, StoreError>,
);

impl Landing {
    /// Keep `commit` for `store`, not started yet.
    pub fn new(
        store: Arc<dyn SyncStore>,
        commit: PageCommit,
        provided: HashMap<String, Vec<String>>,
    ) -> Self {
        let confirmed = commit
            .ledger
            .iter()
            .map(|l| l.idempotency_key.clone())
            .collect();
        let new_cursor = commit.new_cursor.clone();
        Self {
            store,
            pending: Some(commit),
            task: None,
            confirmed,
            new_cursor,
            provided,
        }
    }

    /// Start applying the commit on a blocking thread (once; later calls do nothing).
    pub fn start(&mut self) {
        let Some(commit) = self.pending.take() else {
            return;
        };
        let store = self.store.clone();
        self.task = Some(tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let result = store.commit_page(&commit);
            (commit, result.map(|()| started.elapsed().as_secs_f64()))
        }));
    }

    /// The idempotency keys this commit records as confirmed.
    pub fn confirmed(&self) -> &HashSet<IdempotencyKey> {
        &self.confirmed
    }

    /// The cursor the stream has once this commit landed.
    pub fn new_cursor(&self) -> &Cursor {
        &self.new_cursor
    }

    /// Wait until the commit is in the store, starting it first if it is still pending.
    pub async fn landed(mut self) -> Landed {
        self.start();
        let task = self.task.take().expect("a started landing has its task");
        let (commit, result) = joined(task).await;
        (commit, self.provided, result)
    }
}

/// The result of a blocking task. A panic in it is carried on rather than guessed around.
pub(crate) async fn joined<T>(task: tokio::task::JoinHandle<T>) -> T {
    match task.await {
        Ok(done) => done,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("a blocking store task was cancelled: {e}"),
    }
}
