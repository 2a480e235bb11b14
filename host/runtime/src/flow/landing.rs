//! A page commit landing in the store while the next page is read, mapped and written.
//!
//! A store commit is CPU work (encoding, the tree's inserts) plus a disk flush. A run hands a
//! settled page's [`PageCommit`] to a blocking thread and goes on with the next page, so the
//! flush and the next page's target round trips overlap. What keeps the promises intact:
//!
//! - at most one commit per run is in flight, and the next one starts only after it landed, so
//!   cursors still move in page order and each commit checks the cursor the previous one set;
//! - the next page treats the in-flight page's confirmed keys as already in the ledger
//!   ([`Landing::confirmed`]), so a record repeated across the two pages is not sent twice;
//! - the run reports a page (counts, telemetry, its cursor) only once it landed, and a failing
//!   run waits for the in-flight commit before it returns.
//!
//! A crash before the landing loses what a crash before any commit loses: the pages are read
//! again and their writes re-sent with the same idempotency keys. Not here: deciding what a page
//! commits (`runner`), or any retry of a failed commit (the run stops, as before).

use foldhash::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use weft_store::{StoreError, SyncStore};
use weft_sync::{Cursor, IdempotencyKey, PageCommit};

/// A page commit on its way into the store.
pub(crate) struct Landing {
    task: tokio::task::JoinHandle<(PageCommit, Result<f64, StoreError>)>,
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
    /// Start applying `commit` on a blocking thread.
    pub fn start(
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
        let task = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let result = store.commit_page(&commit);
            (commit, result.map(|()| started.elapsed().as_secs_f64()))
        });
        Self {
            task,
            confirmed,
            new_cursor,
            provided,
        }
    }

    /// The idempotency keys this commit records as confirmed.
    pub fn confirmed(&self) -> &HashSet<IdempotencyKey> {
        &self.confirmed
    }

    /// The cursor the stream has once this commit landed.
    pub fn new_cursor(&self) -> &Cursor {
        &self.new_cursor
    }

    /// Wait until the commit is in the store.
    pub async fn landed(self) -> Landed {
        let (commit, result) = joined(self.task).await;
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
