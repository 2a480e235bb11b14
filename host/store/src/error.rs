//! The store's error type. Messages say what failed, where, and what to do about it.

/// A store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A stored value was written by a newer (or unknown) format.
    #[error(
        "value in tree `{tree}` at key `{key}` has format version {found}, this build reads version {supported}: run a weft version that wrote it, or restore a backup; nothing was reset"
    )]
    UnknownVersion {
        /// The tree holding the value.
        tree: &'static str,
        /// The key, as text.
        key: String,
        /// The version byte found.
        found: u8,
        /// The version this build reads.
        supported: u8,
    },
    /// A stored value cannot be decoded.
    #[error(
        "value in tree `{tree}` at key `{key}` is corrupt ({problem}): restore it from a backup or remove that key deliberately; nothing was reset"
    )]
    Corrupt {
        /// The tree holding the value.
        tree: &'static str,
        /// The key, as text.
        key: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The stream's cursor moved since the page was read.
    #[error(
        "cursor of stream {flow}/{stream} is {found:?} but the page was read from {expected:?}: another run committed first; re-read the page from the stored cursor"
    )]
    CursorConflict {
        /// The flow.
        flow: String,
        /// The stream.
        stream: String,
        /// The cursor the page was read from.
        expected: Option<String>,
        /// The cursor in the store.
        found: Option<String>,
    },
    /// A record to resolve does not exist (any more).
    #[error("no {what} record with id `{id}`: it may have been resolved already; list them again")]
    NotFound {
        /// `parked` or `waiting`.
        what: &'static str,
        /// The id looked up.
        id: String,
    },
    /// A value could not be serialized.
    #[error("could not encode a value for tree `{tree}`: {source}")]
    Encode {
        /// The tree it was meant for.
        tree: &'static str,
        /// The serializer's error.
        source: serde_json::Error,
    },
    /// Copying a committed ledger journal into the ledger tree failed.
    #[error(
        "copying ledger journal {id} into the ledger failed: {problem}; its entries are committed and will be copied again when the store is opened; check disk space and permissions of the store directory, then restart"
    )]
    JournalCopy {
        /// The journal's id (0 when no journal was involved).
        id: u64,
        /// What went wrong.
        problem: String,
    },
    /// A thread of the store (journal copier, ledger filter scan) could not start.
    #[error(
        "could not start the store's {thread} thread: {source}; the process is short of threads or memory (check `ulimit -u` and free memory)"
    )]
    Thread {
        /// Which thread.
        thread: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The sled database failed.
    #[error(
        "sled store failed to {op}: {source}; check disk space and permissions of the store directory"
    )]
    Sled {
        /// The operation.
        op: &'static str,
        /// sled's error.
        source: sled::Error,
    },
}
