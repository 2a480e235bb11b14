//! The transitions of [`Page`]; each validates before it mutates.

use super::*;

impl Page {
    /// A page read from `stream` starting at `from`, whose source position after it is `next`.
    /// Idempotency keys are derived from the *source* records and `op`, so a replay through a
    /// newer transform carries the same keys. A record whose key appeared earlier in the page
    /// (a duplicated page entry) is settled as a duplicate at once.
    pub fn read(
        stream: StreamId,
        from: Option<Cursor>,
        next: Cursor,
        records: Vec<SyncRecord>,
        op: Operation,
    ) -> Self {
        let mut seen = foldhash::HashSet::default();
        let entries = records
            .into_iter()
            .map(|source| {
                let key =
                    IdempotencyKey::derive(&stream.flow, &source.key, &source.version, op.clone());
                let slot = if seen.insert(key.clone()) {
                    Slot::Pending
                } else {
                    Slot::Duplicate
                };
                Entry { source, key, slot }
            })
            .collect();
        Self {
            stream,
            from,
            next,
            plugin_versions: Vec::new(),
            entries,
            phase: PagePhase::Read,
        }
    }

    /// The current phase.
    pub fn phase(&self) -> PagePhase {
        self.phase
    }

    /// The stream the page belongs to.
    pub fn stream(&self) -> &StreamId {
        &self.stream
    }

    /// The idempotency keys of the page's records, in order (to look them up in the ledger).
    pub fn idempotency_keys(&self) -> impl Iterator<Item = &IdempotencyKey> {
        self.entries.iter().map(|e| &e.key)
    }

    /// Apply the transform chain's results, one per record in page order. `plugin_versions`
    /// (plugin, version) are recorded with every ledger entry and parked record of the page.
    pub fn transform(
        &mut self,
        outcomes: Vec<TransformOutcome>,
        plugin_versions: Vec<(String, String)>,
        env: PageEnv<'_>,
    ) -> Result<(), PageError> {
        self.expect(PagePhase::Read, "transform")?;
        if outcomes.len() != self.entries.len() {
            return Err(PageError::OutcomeCountMismatch {
                expected: self.entries.len(),
                got: outcomes.len(),
            });
        }
        self.plugin_versions = plugin_versions;
        let now = env.clock.now_ms();
        for (i, outcome) in outcomes.into_iter().enumerate() {
            if !matches!(self.entries[i].slot, Slot::Pending) {
                continue;
            }
            let slot = match outcome {
                TransformOutcome::Emit(mapped) => Slot::Ready(
                    mapped,
                    Attempts {
                        made: 0,
                        conflicts: 0,
                        throttled: 0,
                        first_failed_ms: None,
                        not_before_ms: 0,
                        reread: false,
                    },
                ),
                TransformOutcome::Drop(reason) => Slot::Dropped(reason),
                TransformOutcome::Fail(mut error) => {
                    error.plugin_versions = self.plugin_versions.clone();
                    let p = self.parked(i, ParkReason::Permanent, error, 0, now, now, env);
                    Slot::Parked(Box::new(p))
                }
            };
            self.entries[i].slot = slot;
        }
        self.phase = self.after_settling();
        Ok(())
    }

    /// Emit every record unchanged (a flow without transforms).
    pub fn transform_identity(&mut self, env: PageEnv<'_>) -> Result<(), PageError> {
        let outcomes = self
            .entries
            .iter()
            .map(|e| TransformOutcome::Emit(e.source.clone()))
            .collect();
        self.transform(outcomes, Vec::new(), env)
    }

    /// Start a batch: every record due at `now_ms` whose key `already_done` does not report as
    /// confirmed. Those it reports are settled as duplicates and never sent. Returns an empty
    /// batch (and the page becomes settled) when nothing is left to write.
    pub fn begin_write(
        &mut self,
        now_ms: u64,
        already_done: impl Fn(&IdempotencyKey) -> bool,
    ) -> Result<Vec<PendingWrite>, PageError> {
        self.expect(PagePhase::Ready, "begin writing")?;
        let mut batch = Vec::new();
        for (index, e) in self.entries.iter_mut().enumerate() {
            let Slot::Ready(_, a) = &e.slot else { continue };
            if already_done(&e.key) {
                e.slot = Slot::Duplicate;
            } else if a.not_before_ms <= now_ms {
                let Slot::Ready(record, mut a) = std::mem::replace(&mut e.slot, Slot::Pending)
                else {
                    unreachable!("matched Ready above")
                };
                a.made += 1;
                batch.push(PendingWrite {
                    index,
                    idempotency_key: e.key.clone(),
                    record: record.clone(),
                    attempt: a.made,
                    reread: a.reread,
                });
                e.slot = Slot::InFlight(record, a);
            }
        }
        if batch.is_empty() {
            self.phase = self.after_settling();
            if let Some(next_due_ms) = self.next_due_ms() {
                return Err(PageError::NothingDue { next_due_ms });
            }
        } else {
            self.phase = PagePhase::Writing;
        }
        Ok(batch)
    }

    /// Settle the batch with the target's answers, exactly one per in-flight record. Failures go
    /// through the retry policy: retry later, re-read, wait for a dependency, or park.
    pub fn confirm(
        &mut self,
        results: Vec<WriteResult>,
        env: PageEnv<'_>,
    ) -> Result<(), PageError> {
        self.expect(PagePhase::Writing, "confirm")?;
        let mut answered = HashSet::new();
        for r in &results {
            if !matches!(
                self.entries.get(r.index).map(|e| &e.slot),
                Some(Slot::InFlight(..))
            ) {
                return Err(PageError::UnknownResult { index: r.index });
            }
            if !answered.insert(r.index) {
                return Err(PageError::DuplicateResult { index: r.index });
            }
        }
        if let Some(index) = (0..self.entries.len())
            .find(|i| matches!(self.entries[*i].slot, Slot::InFlight(..)) && !answered.contains(i))
        {
            return Err(PageError::MissingResult { index });
        }
        let now = env.clock.now_ms();
        for r in results {
            let slot = self.settle(r.index, r.outcome, now, env);
            self.entries[r.index].slot = slot;
        }
        self.phase = self.after_settling();
        Ok(())
    }

    /// Ledger entries confirmed so far; the engine may persist them before the commit (the ledger
    /// only ever records confirmed effects, so writing it early is safe and narrows the window
    /// in which a crash could cause a re-send).
    pub fn confirmed_entries(&self) -> Vec<LedgerEntry> {
        self.entries
            .iter()
            .filter_map(|e| match &e.slot {
                Slot::Confirmed(l) => Some((**l).clone()),
                _ => None,
            })
            .collect()
    }

    /// When the earliest scheduled retry is due, if any record awaits one.
    pub fn next_due_ms(&self) -> Option<u64> {
        self.entries
            .iter()
            .filter_map(|e| match &e.slot {
                Slot::Ready(_, a) => Some(a.not_before_ms),
                _ => None,
            })
            .min()
    }

    /// Produce the commit. Only a settled page commits, and only once.
    pub fn commit(&mut self) -> Result<PageCommit, PageError> {
        self.expect(PagePhase::Settled, "commit")?;
        let mut c = PageCommit {
            flow: self.stream.flow.clone(),
            stream: self.stream.stream.clone(),
            from_cursor: self.from.clone(),
            new_cursor: self.next.clone(),
            ledger: Vec::new(),
            parked: Vec::new(),
            waiting: Vec::new(),
            dropped: Vec::new(),
            counts: PageCounts {
                read: self.entries.len() as u64,
                ..PageCounts::default()
            },
        };
        for e in &self.entries {
            match &e.slot {
                Slot::Confirmed(l) => c.ledger.push((**l).clone()),
                Slot::Parked(p) => c.parked.push((**p).clone()),
                Slot::Waiting(w) => c.waiting.push((**w).clone()),
                Slot::Dropped(reason) => c.dropped.push(DroppedRecord {
                    key: e.source.key.clone(),
                    reason: reason.clone(),
                }),
                Slot::Duplicate => c.counts.duplicates += 1,
                Slot::Pending | Slot::Ready(..) | Slot::InFlight(..) => {
                    unreachable!("a settled page has only settled records")
                }
            }
        }
        c.counts.confirmed = c.ledger.len() as u64;
        c.counts.parked = c.parked.len() as u64;
        c.counts.waiting = c.waiting.len() as u64;
        c.counts.dropped = c.dropped.len() as u64;
        self.phase = PagePhase::Committed;
        Ok(c)
    }

    fn expect(&self, phase: PagePhase, action: &'static str) -> Result<(), PageError> {
        if self.phase == phase {
            Ok(())
        } else {
            Err(PageError::IllegalTransition {
                action,
                phase: self.phase,
            })
        }
    }

    fn after_settling(&self) -> PagePhase {
        if self
            .entries
            .iter()
            .any(|e| matches!(e.slot, Slot::Ready(..)))
        {
            PagePhase::Ready
        } else {
            PagePhase::Settled
        }
    }

    fn settle(&mut self, i: usize, outcome: WriteOutcome, now: u64, env: PageEnv<'_>) -> Slot {
        let Slot::InFlight(record, mut a) =
            std::mem::replace(&mut self.entries[i].slot, Slot::Pending)
        else {
            unreachable!("validated as in flight")
        };
        let e = &self.entries[i];
        let w = match outcome {
            WriteOutcome::Ok {
                target_id,
                target_version,
            } => {
                return Slot::Confirmed(Box::new(LedgerEntry {
                    idempotency_key: e.key.clone(),
                    flow: self.stream.flow.clone(),
                    stream: self.stream.stream.clone(),
                    key: e.source.key.clone(),
                    source_version: e.source.version.clone(),
                    target_id,
                    target_version,
                    confirmed_ms: now,
                    plugin_versions: self.plugin_versions.clone(),
                }));
            }
            WriteOutcome::Err(w) => w,
        };
        let first = *a.first_failed_ms.get_or_insert(now);
        match w.error.class {
            crate::ErrorClass::Conflict => a.conflicts += 1,
            crate::ErrorClass::RateLimited => a.throttled += 1,
            _ => {}
        }
        let decision = env.policy.decide(&Failure {
            class: w.error.class,
            attempt: a.made,
            conflicts: a.conflicts,
            throttled: a.throttled,
            retry_after_ms: w.retry_after_ms,
            now_ms: now,
            first_failed_ms: first,
            dependency: w.dependency.as_deref(),
            jitter: keyed_jitter(e.key.as_str(), a.made),
        });
        let mut error = w.error;
        error.plugin_versions = self.plugin_versions.clone();
        match decision {
            Decision::RetryAt(t) => {
                a.not_before_ms = t;
                a.reread = false;
                Slot::Ready(record, a)
            }
            Decision::Reread => {
                a.not_before_ms = now;
                a.reread = true;
                Slot::Ready(record, a)
            }
            Decision::WaitFor {
                dependency,
                until_ms,
            } => Slot::Waiting(Box::new(WaitingRecord {
                id: env.ids.next_id(),
                flow: self.stream.flow.clone(),
                stream: self.stream.stream.clone(),
                key: e.source.key.clone(),
                idempotency_key: e.key.clone(),
                record: e.source.clone(),
                dependency,
                until_ms,
                error,
                attempts: a.made,
                first_failed_ms: first,
                last_failed_ms: now,
            })),
            Decision::Park(reason) => Slot::Parked(Box::new(
                self.parked(i, reason, error, a.made, first, now, env),
            )),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn parked(
        &self,
        i: usize,
        reason: ParkReason,
        error: ErrorContext,
        attempts: u32,
        first: u64,
        now: u64,
        env: PageEnv<'_>,
    ) -> ParkedRecord {
        let e = &self.entries[i];
        ParkedRecord {
            id: env.ids.next_id(),
            flow: self.stream.flow.clone(),
            stream: self.stream.stream.clone(),
            key: e.source.key.clone(),
            idempotency_key: e.key.clone(),
            record: e.source.clone(),
            reason,
            error,
            attempts,
            first_failed_ms: first,
            last_failed_ms: now,
        }
    }
}
