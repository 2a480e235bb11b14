//! The target's optional journal: every effect that changed the target, one JSON line each, in
//! `<dir>/target-journal.jsonl`, written before the effect is applied in memory and answered.
//! Opening a journal returns the effects already in it, so a testbed restarted on the same
//! directory (in this process or another) has the same records and idempotency table.
//!
//! Deliberately not here: fsync (a process crash loses nothing that was answered; a machine
//! crash is not what these tests simulate) or journaling of counters other than what the effects
//! imply (`received` and `deduplicated` restart at 0).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::target::TargetRecord;

/// File name of the journal inside the directory given.
pub const FILE: &str = "target-journal.jsonl";

/// One change of the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// A write was applied under `idempotency_key`; `record` is the record afterwards.
    Applied {
        /// The write's idempotency key.
        idempotency_key: String,
        /// The record as stored.
        record: TargetRecord,
    },
    /// Someone else changed `key` (the conflict fault): only its version moved.
    ExternalEdit {
        /// Record key.
        key: String,
        /// Its new version.
        target_version: String,
    },
}

/// An open journal, appending.
#[derive(Debug)]
pub struct Journal {
    file: File,
}

impl Journal {
    /// Open (or create) the journal in `dir` and read the effects already in it. A last line
    /// cut short by a crash is ignored (it was never answered); any other bad line is an error.
    pub fn open(dir: &Path) -> io::Result<(Journal, Vec<Effect>)> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e),
        };
        let mut effects = Vec::new();
        let complete = text.ends_with('\n');
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            match serde_json::from_str(line) {
                Ok(effect) => effects.push(effect),
                Err(_) if i + 1 == lines.len() && !complete => break,
                Err(e) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("{} line {}: {e}", path.display(), i + 1),
                    ));
                }
            }
        }
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        let mut journal = Journal { file };
        if !complete && !text.is_empty() {
            // End the torn line so the next effect starts on a line of its own.
            journal.file.write_all(b"\n")?;
        }
        Ok((journal, effects))
    }

    /// Append one effect as a line (one write call) and flush it.
    pub fn append(&mut self, effect: &Effect) -> io::Result<()> {
        let mut line = serde_json::to_vec(effect).map_err(io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.flush()
    }
}
