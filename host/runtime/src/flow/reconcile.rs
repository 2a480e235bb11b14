//! Reconciliation: read both sides of a flow in full, map the source through the flow's current
//! transforms, diff the owned fields, store the drift report, and optionally heal: write the
//! source's values over the drifted ones through the normal write path, so the ledger, the
//! parked queue and telemetry see every heal.
//!
//! The source side keeps the newest record of each key (a source log may list a key several
//! times); the target side keeps every record, so duplicates at the target are reported. The
//! diff itself is `weft_sync::diff`; this module only gathers the sides and acts on the result.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use weft_sync::{
    Cursor, DriftReport, Operation, Page, PageEnv, ReconcileOptions, StreamId, SyncRecord,
    TransformOutcome, diff,
};
use weft_world::types::Entity;

use super::chain::map_chain;
use super::driver::{ledger_hits, settle};
use super::ends::StreamEnd;
use super::key::{entity_key, fields};
use super::runner::{Flow, FlowCtx, FlowError, transform_error};
use crate::telemetry::Event;

/// A stored drift report with when it was made and what healing did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reconciliation {
    /// The flow.
    pub flow: String,
    /// When both sides were read.
    pub at_ms: u64,
    /// Source records the transforms could not map (parked by a run, not compared).
    pub unmappable: u64,
    /// The drift found.
    pub report: serde_json::Value,
    /// A one-screen summary for people.
    pub summary: String,
    /// Records written by healing (0 without `--heal`).
    pub healed: u64,
    /// Heals that failed and parked.
    pub heal_parked: u64,
}

/// The store's meta key of a flow's latest drift report.
pub fn drift_key(flow: &str) -> String {
    format!("drift/{flow}")
}

async fn read_all(end: &StreamEnd, current: bool, ctx: &FlowCtx) -> Result<Vec<Entity>, FlowError> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = end
            .read_retrying(cursor.as_deref(), 250, current, &ctx.telemetry)
            .await
            .map_err(|error| FlowError::Read {
                stream: "reconciliation read".into(),
                error: Box::new(error),
            })?;
        let advanced = page.next_cursor.is_some() && page.next_cursor != cursor;
        out.extend(page.records);
        if !page.has_more || !advanced {
            return Ok(out);
        }
        cursor = page.next_cursor;
    }
}

impl FlowCtx {
    /// Reconcile `flow`; with `heal`, write the source's values where the target drifted.
    pub async fn reconcile(
        &self,
        flow: &Flow,
        heal: bool,
    ) -> Result<(Reconciliation, DriftReport), FlowError> {
        let id = flow.spec.id();
        let at_ms = self.clock.now_ms();
        let mut newest: BTreeMap<String, Entity> = BTreeMap::new();
        for e in read_all(&flow.source, false, self).await? {
            newest.insert(entity_key(&e), e);
        }
        let newest: Vec<Entity> = newest.into_values().collect();
        let chain = map_chain(&flow.mappers, &newest, &self.telemetry)
            .await
            .map_err(|m| transform_error(flow, m))?;
        let mut unmappable = 0;
        let mut mapped: Vec<SyncRecord> = Vec::new();
        for (o, e) in chain.outcomes.into_iter().zip(chain.entities) {
            match (o, e) {
                (TransformOutcome::Emit(_), Some(e)) => mapped.push(super::key::to_record(&e)),
                (TransformOutcome::Emit(r), None) => mapped.push(r),
                (TransformOutcome::Drop(_), _) => {}
                (TransformOutcome::Fail(_), _) => unmappable += 1,
            }
        }
        let source: Vec<(String, serde_json::Value)> =
            mapped.iter().map(|r| (r.key.clone(), fields(r))).collect();
        let target: Vec<(String, serde_json::Value)> = read_all(&flow.target, true, self)
            .await?
            .iter()
            .map(|e| {
                let r = super::key::to_record(e);
                (r.key.clone(), fields(&r))
            })
            .collect();
        let opts = ReconcileOptions {
            fields: flow.spec.reconcile.fields.clone(),
            numeric_fields: flow.spec.reconcile.numeric_fields.clone(),
        };
        let report = diff(&source, &target, &opts);
        let (mut healed, mut heal_parked) = (0, 0);
        if heal {
            let mut drifted: Vec<&str> = report
                .missing_in_target
                .iter()
                .map(String::as_str)
                .collect();
            drifted.extend(report.different.iter().map(|d| d.key.as_str()));
            drifted.sort();
            drifted.dedup();
            let to_heal: Vec<SyncRecord> = mapped
                .into_iter()
                .filter(|r| drifted.binary_search(&r.key.as_str()).is_ok())
                .map(|mut r| {
                    r.version = format!("{}#heal-{at_ms}", r.version);
                    r
                })
                .collect();
            (healed, heal_parked) = self.heal(flow, to_heal).await?;
        }
        let rec = Reconciliation {
            flow: id.clone(),
            at_ms,
            unmappable,
            report: serde_json::to_value(&report).unwrap_or_default(),
            summary: report.summary(),
            healed,
            heal_parked,
        };
        self.store.meta_set(
            &drift_key(&id),
            &serde_json::to_value(&rec).unwrap_or_default(),
        )?;
        Ok((rec, report))
    }

    /// Write already-mapped records as heals; returns (confirmed, parked).
    async fn heal(&self, flow: &Flow, records: Vec<SyncRecord>) -> Result<(u64, u64), FlowError> {
        if records.is_empty() {
            return Ok((0, 0));
        }
        let id = flow.spec.id();
        let stream = StreamId::new(&id, format!("{}#heal", flow.spec.source.stream));
        let next = Cursor::new("heal").expect("constant cursor");
        let mut page = Page::read(stream, None, next, records, Operation::Heal);
        let env = PageEnv {
            clock: self.clock.as_ref(),
            ids: self.ids.as_ref(),
            policy: &flow.spec.retry,
        };
        page.transform_identity(env)?;
        let done = ledger_hits(self, &page, &Default::default()).await?;
        settle(flow, self, &mut page, &[], done).await?;
        let c = page.commit()?;
        self.store.ledger_put(&c.ledger)?;
        for p in &c.parked {
            self.store.park(p)?;
            self.telemetry.emit(Event::Parked { record: p });
        }
        for w in &c.waiting {
            self.store.waiting_add(w)?;
        }
        self.telemetry.emit(Event::Healed {
            flow: &id,
            count: c.counts.confirmed,
        });
        Ok((c.counts.confirmed, c.counts.parked))
    }
}
