//! One run of a flow: read pages from the stream's committed cursor, map, write, settle, and
//! commit each page's cursor with its ledger entries, parked and waiting records in one store
//! transaction. Before reading, the run re-tries the flow's records that wait on a dependency
//! and parks those whose wait timed out.
//!
//! A run never advances a cursor over a record that is not settled, and a failed run (source
//! unreachable, unusable transform config) leaves the cursor where it was. Scheduling runs is
//! `service`'s job; this module runs one when asked.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use weft_store::{Resolution, StoreError, SyncStore};
use weft_sync::{
    Clock, Cursor, IdSource, IdempotencyKey, Operation, Page, PageCommit, PageEnv, PageError,
    StreamId, SyncRecord,
};
use weft_world::types::Entity;

use super::chain::map_chain;
use super::driver::{ledger_hits, settle};
use super::ends::{EndError, MapperEnd, StreamEnd};
use super::key::{entity_key, fill_payload, from_record, provides, stub};
use super::landing::Landing;
use super::spec::{FlowSpec, WriteMode};
use crate::telemetry::{Event, Telemetry};

/// A flow with its ends resolved.
#[derive(Clone)]
pub struct Flow {
    /// The spec.
    pub spec: FlowSpec,
    /// Where records come from.
    pub source: StreamEnd,
    /// The transform chain.
    pub mappers: Vec<MapperEnd>,
    /// Where records go.
    pub target: StreamEnd,
}

/// A chain failure as the run reports it: a quarantine is its own kind (an operator must act on
/// a plugin, not on config).
pub(crate) fn transform_error(flow: &Flow, message: String) -> FlowError {
    if flow.mappers.iter().any(|m| m.quarantined().is_some()) {
        FlowError::Quarantined(message)
    } else {
        FlowError::Transform(message)
    }
}

impl Flow {
    /// Why each quarantined deployment of this flow (source, transforms, target) is out of
    /// service; empty when all are in service.
    pub fn quarantined(&self) -> Vec<String> {
        std::iter::once(self.source.quarantined())
            .chain(self.mappers.iter().map(MapperEnd::quarantined))
            .chain(std::iter::once(self.target.quarantined()))
            .flatten()
            .collect()
    }
}

/// What runs share: the store, telemetry, time and ids.
#[derive(Clone)]
pub struct FlowCtx {
    /// Durable sync state.
    pub store: Arc<dyn SyncStore>,
    /// Counters and logs.
    pub telemetry: Arc<Telemetry>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Ids for parked and waiting records.
    pub ids: Arc<dyn IdSource>,
}

/// Why a run stopped before the source was exhausted. The cursor is where the last committed
/// page left it.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// The store failed or refused.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Reading the source failed.
    #[error("reading {stream}: {error}")]
    Read {
        /// The source stream.
        stream: String,
        /// What happened.
        error: Box<EndError>,
    },
    /// The transform chain cannot map anything.
    #[error("{0}")]
    Transform(String),
    /// The connector broke the contract.
    #[error("{0}")]
    Contract(String),
    /// A deployment of the flow is quarantined; the page was not settled.
    #[error("{0}")]
    Quarantined(String),
    /// A bug: an illegal page transition.
    #[error("page state: {0}")]
    Page(#[from] PageError),
    /// No such flow.
    #[error("no flow named {0}; `weft flows` lists them")]
    Unknown(String),
}

/// Which cursor a run follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunMode {
    /// From the stream's committed cursor.
    Incremental,
    /// The whole source from the start (initial alignment); it keeps a cursor of its own, so an
    /// interrupted full sync resumes, and records already confirmed are not sent again.
    Full,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunReport {
    /// Pages committed.
    pub pages: u64,
    /// Records read.
    pub read: u64,
    /// Effects confirmed by the target.
    pub written: u64,
    /// Records already confirmed before (not sent again).
    pub duplicates: u64,
    /// Records dropped by a transform.
    pub dropped: u64,
    /// Records parked.
    pub parked: u64,
    /// Records waiting on a dependency.
    pub waiting: u64,
    /// Waiting records that went through this run.
    pub unblocked: u64,
    /// The committed cursor after the run.
    pub cursor: Option<String>,
    /// Dependencies this run made available (for waking other flows).
    #[serde(skip)]
    pub landed: HashSet<String>,
}

/// The cursor a full run stores once it reached the end; the next full run starts over.
const FULL_DONE: &str = "full-sync-complete";

/// The operation idempotency keys of a flow's writes are derived with.
pub fn operation(mode: WriteMode) -> Operation {
    match mode {
        WriteMode::Upsert => Operation::Upsert,
        WriteMode::Delete => Operation::Delete,
        WriteMode::SetQuantity => Operation::Other("set-quantity".into()),
    }
}

impl FlowCtx {
    /// Run `flow` once in `mode` until its source has nothing more.
    pub async fn run(&self, flow: &Flow, mode: RunMode) -> Result<RunReport, FlowError> {
        let mut report = RunReport::default();
        self.run_into(flow, mode, &mut report).await?;
        Ok(report)
    }

    /// [`FlowCtx::run`], counting into `report` as pages commit, so a run that fails half-way
    /// still accounts for the pages it settled.
    pub async fn run_into(
        &self,
        flow: &Flow,
        mode: RunMode,
        report: &mut RunReport,
    ) -> Result<(), FlowError> {
        let id = flow.spec.id();
        self.expire_waiting(&id)?;
        report.unblocked = self.retry_waiting(flow, None).await?;
        let stream = match mode {
            RunMode::Incremental => flow.spec.source.stream.clone(),
            RunMode::Full => format!("{}#full", flow.spec.source.stream),
        };
        let mut in_flight: Option<Landing> = None;
        let pages = self.pages(flow, &stream, report, &mut in_flight).await;
        let landed = match in_flight.take() {
            Some(l) => self.land(l, report).await.map(Some),
            None => Ok(None),
        };
        let last = match (pages, landed) {
            (Ok(last), Ok(landed)) => landed.or(last),
            (Err(e), Ok(_)) => return Err(e),
            (Ok(_), Err(e)) => return Err(e),
            (Err(e), Err(store)) => {
                tracing::warn!(flow = %id, error = %store, "the last page's commit failed too");
                return Err(e);
            }
        };
        if mode == RunMode::Full {
            // A flow that never ran incrementally starts where this completed pass ended: the
            // pass read exactly what a first incremental run would (the same reads from no
            // cursor), so that run would only read it all again.
            let incremental = &flow.spec.source.stream;
            if let Some(last) = last
                && self.store.cursor(&id, incremental)?.is_none()
            {
                self.process(
                    flow,
                    StreamId::new(&id, incremental),
                    None,
                    last,
                    Vec::new(),
                )
                .await?;
            }
            let stored = self.store.cursor(&id, &stream)?;
            let done = Cursor::new(FULL_DONE).expect("constant cursor");
            if stored.as_ref() != Some(&done) {
                let commit = self
                    .process(flow, StreamId::new(&id, &stream), stored, done, Vec::new())
                    .await?;
                report.add(&commit, HashMap::new());
            }
        }
        Ok(())
    }

    /// Read, map and write pages until the source has nothing more, each page's commit landing
    /// while the next page is worked on (see `landing`). Returns the cursor of the last page
    /// that landed here; the one still in flight is left in `in_flight` for the caller to land.
    async fn pages(
        &self,
        flow: &Flow,
        stream: &str,
        report: &mut RunReport,
        in_flight: &mut Option<Landing>,
    ) -> Result<Option<Cursor>, FlowError> {
        let id = flow.spec.id();
        let mut last = None;
        loop {
            let stored = match in_flight {
                Some(l) => Some(l.new_cursor().clone()),
                None => self.store.cursor(&id, stream)?,
            };
            let from = stored
                .as_ref()
                .map(Cursor::as_str)
                .filter(|c| *c != FULL_DONE);
            let page = self.read(flow, from).await?;
            let next = match (&page.next_cursor, page.records.is_empty()) {
                (Some(n), _) => {
                    Cursor::new(n.clone()).map_err(|e| FlowError::Contract(e.to_string()))?
                }
                (None, true) => return Ok(last),
                (None, false) => {
                    return Err(FlowError::Contract(format!(
                        "the source connector of {id} returned {} records without a next cursor; a page with records must say where the next one starts",
                        page.records.len()
                    )));
                }
            };
            let has_more = page.has_more;
            let provided = provided(&page.records);
            let empty = HashSet::new();
            let confirmed = in_flight.as_ref().map_or(&empty, Landing::confirmed);
            let commit = self
                .settle_page(
                    flow,
                    StreamId::new(&id, stream),
                    stored,
                    next,
                    page.records,
                    confirmed,
                )
                .await?;
            if let Some(previous) = in_flight.take() {
                last = Some(self.land(previous, report).await?);
            }
            *in_flight = Some(Landing::start(self.store.clone(), commit, provided));
            if !has_more {
                return Ok(last);
            }
        }
    }

    /// Wait for a page's commit to land and account for it; the cursor it set.
    async fn land(&self, landing: Landing, report: &mut RunReport) -> Result<Cursor, FlowError> {
        let (commit, provided, result) = landing.landed().await;
        let seconds = result?;
        self.report_commit(&commit, seconds);
        report.add(&commit, provided);
        report.cursor = Some(commit.new_cursor.as_str().to_string());
        Ok(commit.new_cursor)
    }

    async fn read(&self, flow: &Flow, from: Option<&str>) -> Result<weft_engine::Page, FlowError> {
        flow.source
            .read_retrying(from, flow.spec.page_size, false, &self.telemetry)
            .await
            .map_err(|error| FlowError::Read {
                stream: flow.spec.source.stream.clone(),
                error: Box::new(error),
            })
    }

    /// Map, write and commit one page read from `from`.
    async fn process(
        &self,
        flow: &Flow,
        stream: StreamId,
        from: Option<Cursor>,
        next: Cursor,
        entities: Vec<Entity>,
    ) -> Result<PageCommit, FlowError> {
        let commit = self
            .settle_page(flow, stream, from, next, entities, &HashSet::new())
            .await?;
        let started = Instant::now();
        self.store.commit_page(&commit)?;
        self.report_commit(&commit, started.elapsed().as_secs_f64());
        Ok(commit)
    }

    /// Map and write one page read from `from` until it is settled; the commit it makes.
    /// `confirmed` holds keys confirmed by a page whose commit has not landed yet.
    async fn settle_page(
        &self,
        flow: &Flow,
        stream: StreamId,
        from: Option<Cursor>,
        next: Cursor,
        entities: Vec<Entity>,
        confirmed: &HashSet<IdempotencyKey>,
    ) -> Result<PageCommit, FlowError> {
        let records: Vec<SyncRecord> = entities.iter().map(stub).collect();
        let mut page = Page::read(stream, from, next, records, operation(flow.spec.write));
        let keep = self
            .settle_entities(flow, &mut page, entities, confirmed)
            .await?;
        let mut commit = page.commit()?;
        fill_payloads(&mut commit, &keep);
        Ok(commit)
    }

    /// Transform and write a page's records until each is settled. Returns the source entities,
    /// for the payloads of records that park or wait (serialized only then).
    pub(crate) async fn settle_entities(
        &self,
        flow: &Flow,
        page: &mut Page,
        entities: Vec<Entity>,
        confirmed: &HashSet<IdempotencyKey>,
    ) -> Result<Vec<Entity>, FlowError> {
        let env = PageEnv {
            clock: self.clock.as_ref(),
            ids: self.ids.as_ref(),
            policy: &flow.spec.retry,
        };
        let done = ledger_hits(self, page, confirmed);
        let mapped = map_chain(&flow.mappers, &entities, &self.telemetry)
            .await
            .map_err(|m| transform_error(flow, m))?;
        let versions = flow
            .mappers
            .iter()
            .filter_map(MapperEnd::plugin)
            .chain(flow.target.plugin())
            .map(|p| (p.name, p.version))
            .collect();
        page.transform(mapped.outcomes, versions, env)?;
        settle(flow, self, page, &mapped.entities, done.await?).await?;
        Ok(entities)
    }

    fn report_commit(&self, c: &PageCommit, seconds: f64) {
        let t = &self.telemetry;
        let flow = c.flow.as_str();
        t.emit(Event::Committed { flow, seconds });
        t.emit(Event::Read {
            flow,
            count: c.counts.read,
        });
        t.emit(Event::Written {
            flow,
            count: c.counts.confirmed,
        });
        if c.counts.duplicates > 0 {
            t.emit(Event::Duplicates {
                flow,
                count: c.counts.duplicates,
            });
        }
        for d in &c.dropped {
            t.emit(Event::Dropped {
                flow,
                key: &d.key,
                reason: &d.reason,
            });
        }
        for p in &c.parked {
            t.emit(Event::Parked { record: p });
        }
        for w in &c.waiting {
            t.emit(Event::Waiting {
                flow,
                key: &w.key,
                dependency: &w.dependency,
            });
        }
    }

    /// Park the flow's waiting records whose wait timed out.
    fn expire_waiting(&self, flow_id: &str) -> Result<(), FlowError> {
        let now = self.clock.now_ms();
        for w in self.store.waiting_due(now)? {
            if w.flow != flow_id {
                continue;
            }
            let parked = w.clone().into_parked(now);
            self.telemetry.emit(Event::Parked { record: &parked });
            match self
                .store
                .waiting_resolve(&w.id, &Resolution::Parked(parked))
            {
                Ok(()) | Err(StoreError::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Re-try the flow's waiting records (those waiting on `dependency`, or all); returns how
    /// many went through.
    pub async fn retry_waiting(
        &self,
        flow: &Flow,
        dependency: Option<&str>,
    ) -> Result<u64, FlowError> {
        let id = flow.spec.id();
        let waiting = match dependency {
            Some(d) => self.store.waiting_by_dependency(d)?,
            None => self.store.waiting_due(u64::MAX)?,
        };
        let mut through = 0;
        for w in waiting.into_iter().filter(|w| w.flow == id) {
            let resolution = self.rerun(flow, &w.stream, &w.record, &w.id).await?;
            if matches!(resolution, Resolution::Confirmed(_)) {
                through += 1;
            }
            let outcome = super::replay::outcome_name(&resolution);
            self.telemetry.emit(Event::Replayed {
                flow: &id,
                key: &w.key,
                outcome,
            });
            match self.store.waiting_resolve(&w.id, &resolution) {
                Ok(()) | Err(StoreError::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(through)
    }

    /// Run one stored source record through the current transforms and target, with the same
    /// idempotency key it had; `keep_id` is the parked or waiting id it keeps if it fails again.
    pub(crate) async fn rerun(
        &self,
        flow: &Flow,
        stream: &str,
        record: &SyncRecord,
        keep_id: &str,
    ) -> Result<Resolution, FlowError> {
        let id = flow.spec.id();
        let placeholder = Cursor::new("rerun").expect("constant cursor");
        let mut page = Page::read(
            StreamId::new(&id, stream),
            None,
            placeholder,
            vec![record.clone()],
            operation(flow.spec.write),
        );
        let entity = match from_record(record) {
            Ok(e) => e,
            Err(m) => return Err(FlowError::Contract(m)),
        };
        let keep = self
            .settle_entities(flow, &mut page, vec![entity], &HashSet::new())
            .await?;
        let mut c = page.commit()?;
        fill_payloads(&mut c, &keep);
        Ok(if let Some(entry) = c.ledger.pop() {
            Resolution::Confirmed(entry)
        } else if let Some(mut p) = c.parked.pop() {
            p.id = keep_id.to_string();
            self.telemetry.emit(Event::Parked { record: &p });
            Resolution::Parked(p)
        } else if let Some(mut w) = c.waiting.pop() {
            w.id = keep_id.to_string();
            Resolution::Waiting(w)
        } else {
            Resolution::Discarded
        })
    }
}

impl RunReport {
    fn add(&mut self, c: &PageCommit, mut provided: HashMap<String, Vec<String>>) {
        self.pages += 1;
        self.read += c.counts.read;
        self.written += c.counts.confirmed;
        self.duplicates += c.counts.duplicates;
        self.dropped += c.counts.dropped;
        self.parked += c.counts.parked;
        self.waiting += c.counts.waiting;
        for entry in &c.ledger {
            if let Some(tokens) = provided.remove(&entry.key) {
                self.landed.extend(tokens);
            }
        }
    }
}

/// Give parked and waiting records of a commit their source entity's JSON.
fn fill_payloads(commit: &mut PageCommit, sources: &[Entity]) {
    if commit.parked.is_empty() && commit.waiting.is_empty() {
        return;
    }
    let by_key: HashMap<String, &Entity> = sources.iter().map(|e| (entity_key(e), e)).collect();
    let records = commit
        .parked
        .iter_mut()
        .map(|p| &mut p.record)
        .chain(commit.waiting.iter_mut().map(|w| &mut w.record));
    for r in records {
        if let Some(e) = by_key.get(&r.key) {
            fill_payload(r, e);
        }
    }
}

/// Per source key, the dependencies its confirmed write makes available.
fn provided(entities: &[Entity]) -> HashMap<String, Vec<String>> {
    entities
        .iter()
        .map(|e| (entity_key(e), provides(e)))
        .collect()
}

impl FlowCtx {
    /// A context with the wall clock and restart-safe ids.
    pub fn new(store: Arc<dyn SyncStore>, telemetry: Arc<Telemetry>) -> Self {
        FlowCtx {
            store,
            telemetry,
            clock: Arc::new(super::system::SystemClock),
            ids: Arc::new(super::system::SystemIds::default()),
        }
    }
}
