//! The journal copier: one thread per store that copies committed journal values into the
//! ledger tree (see `journal`), so a page commit returns once its transaction is flushed.
//!
//! At most [`QUEUE`] journals wait for the copier; a commit beyond that waits for room, so
//! memory held by pending entries stays bounded. A copy that fails leaves its entries pending
//! (they are committed; lookups still find them) and its journal value in place (copied again
//! when the store opens); the next commit reports the failure instead of going on. Dropping the
//! last handle of the store finishes the queued copies before the database closes. Not here:
//! the journal format and replay at open (`journal`).

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use sled::Tree;

use super::journal::{Entries, Pending, copy};
use crate::{Result, StoreError};

/// Journals that may wait for the copier before a commit waits for room.
const QUEUE: usize = 2;

enum Job {
    Copy(u64, Arc<Entries>),
    /// Answer once every job before it is done.
    Barrier(std::sync::mpsc::Sender<()>),
}

/// The copier thread of one store.
#[derive(Debug)]
pub(super) struct Copier {
    queue: Option<SyncSender<Job>>,
    thread: Option<JoinHandle<()>>,
    /// The first copy that failed: its journal id and the error's text.
    failed: Arc<Mutex<Option<(u64, String)>>>,
}

impl Copier {
    pub fn start(ledger: Tree, journal: Tree, pending: Arc<Pending>) -> Result<Self> {
        let (queue, jobs) = sync_channel(QUEUE);
        let failed = Arc::new(Mutex::new(None));
        let record = failed.clone();
        let thread = std::thread::Builder::new()
            .name("weft-ledger-copier".into())
            .spawn(move || run(jobs, &ledger, &journal, &pending, &record))
            .map_err(|source| StoreError::Thread {
                thread: "ledger journal copier",
                source,
            })?;
        Ok(Self {
            queue: Some(queue),
            thread: Some(thread),
            failed,
        })
    }

    /// Queue journal `id` for copying; waits while the queue is full.
    pub fn copy(&self, id: u64, entries: Arc<Entries>) -> Result<()> {
        self.send(Job::Copy(id, entries))
    }

    /// Wait until every queued copy is done; fails if one failed.
    pub fn wait(&self) -> Result<()> {
        let (done, finished) = std::sync::mpsc::channel();
        self.send(Job::Barrier(done))?;
        finished.recv().map_err(|_| stopped())?;
        self.check()
    }

    fn send(&self, job: Job) -> Result<()> {
        let queue = self.queue.as_ref().ok_or_else(stopped)?;
        queue.send(job).map_err(|_| stopped())
    }

    /// Fails if a copy failed.
    pub fn check(&self) -> Result<()> {
        match &*self.failed.lock().expect("copier failure lock") {
            Some((id, problem)) => Err(StoreError::JournalCopy {
                id: *id,
                problem: problem.clone(),
            }),
            None => Ok(()),
        }
    }
}

fn stopped() -> StoreError {
    StoreError::JournalCopy {
        id: 0,
        problem: "the copier thread stopped".into(),
    }
}

fn run(
    jobs: Receiver<Job>,
    ledger: &Tree,
    journal: &Tree,
    pending: &Pending,
    failed: &Mutex<Option<(u64, String)>>,
) {
    for job in jobs {
        match job {
            Job::Copy(id, entries) => match copy(ledger, journal, &id.to_be_bytes(), &entries) {
                Ok(()) => pending.remove(id),
                Err(e) => {
                    let mut failed = failed.lock().expect("copier failure lock");
                    failed.get_or_insert((id, e.to_string()));
                }
            },
            Job::Barrier(done) => {
                let _ = done.send(());
            }
        }
    }
}

impl Drop for Copier {
    fn drop(&mut self) {
        self.queue.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(key: &[u8], value: &[u8]) -> Arc<Entries> {
        Arc::new([(key.to_vec(), value.to_vec())].into_iter().collect())
    }

    /// What a commit does before it hands a journal to the copier.
    fn journalled(journal: &Tree, pending: &Pending, id: u64, entries: &Arc<Entries>) {
        journal
            .insert(id.to_be_bytes(), b"journal value".as_slice())
            .unwrap();
        pending.add(id, entries.clone());
    }

    #[test]
    fn a_failed_copy_keeps_its_entries_and_every_later_check_reports_it() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let ledger = db.open_tree("ledger").unwrap();
        let journal = db.open_tree("ledger_journal").unwrap();
        let pending = Arc::new(Pending::default());
        let copier = Copier::start(ledger.clone(), journal.clone(), pending.clone()).unwrap();

        let first = entries(b"k1", b"v1");
        journalled(&journal, &pending, 1, &first);
        copier.copy(1, first).unwrap();
        copier.wait().unwrap();
        assert_eq!(ledger.get(b"k1").unwrap().as_deref(), Some(&b"v1"[..]));
        assert!(!journal.contains_key(1u64.to_be_bytes()).unwrap());
        assert_eq!(pending.get(b"k1"), None, "a copied entry leaves memory");

        // The ledger tree goes away under the copier: its inserts now fail.
        db.drop_tree("ledger").unwrap();
        let second = entries(b"k2", b"v2");
        journalled(&journal, &pending, 2, &second);
        copier.copy(2, second).unwrap();
        match copier.wait() {
            Err(StoreError::JournalCopy { id: 2, problem }) => {
                assert!(!problem.is_empty(), "the failure says what went wrong")
            }
            other => panic!("a failed copy must be reported with its journal id: {other:?}"),
        }
        assert_eq!(
            pending.get(b"k2").as_deref(),
            Some(&b"v2"[..]),
            "the committed entry stays visible to lookups"
        );
        assert!(
            journal.contains_key(2u64.to_be_bytes()).unwrap(),
            "the journal value stays, to be copied when the store opens again"
        );

        // Later copies fail too, and the first failure is the one reported, every time.
        let third = entries(b"k3", b"v3");
        journalled(&journal, &pending, 3, &third);
        copier.copy(3, third).unwrap();
        for _ in 0..2 {
            assert!(matches!(
                copier.wait(),
                Err(StoreError::JournalCopy { id: 2, .. })
            ));
            assert!(matches!(
                copier.check(),
                Err(StoreError::JournalCopy { id: 2, .. })
            ));
        }
        assert_eq!(pending.get(b"k3").as_deref(), Some(&b"v3"[..]));
    }
}
