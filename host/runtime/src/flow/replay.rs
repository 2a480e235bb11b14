//! Replay of parked records: one, a filter (flow, error class, time) or all, through the current
//! plugin versions, with the idempotency keys they had, so a target that already applied an
//! effect does not apply it twice.
//!
//! A replayed record that fails again stays parked under the same id with the new error; one the
//! transform now drops is removed and counted. Which flows exist is the caller's knowledge; this
//! module asks for each record's flow by id.

use serde::Serialize;
use weft_store::{Resolution, StoreError};
use weft_sync::ReplayFilter;

use super::runner::{Flow, FlowCtx, FlowError};
use crate::telemetry::Event;

/// What a replay did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReplayReport {
    /// Parked records matched.
    pub matched: u64,
    /// Confirmed by the target now.
    pub confirmed: u64,
    /// Failed again (still parked, with the new error).
    pub parked_again: u64,
    /// Now waiting on a dependency.
    pub waiting: u64,
    /// Dropped by the current transforms, or already confirmed before.
    pub discarded: u64,
    /// Records whose flow no longer exists (left parked).
    pub orphaned: u64,
}

/// The name of a resolution, for events and reports.
pub fn outcome_name(r: &Resolution) -> &'static str {
    match r {
        Resolution::Confirmed(_) => "confirmed",
        Resolution::Parked(_) => "parked",
        Resolution::Waiting(_) => "waiting",
        Resolution::Discarded => "discarded",
    }
}

impl FlowCtx {
    /// Replay the parked records matching `filter`; `flow_of` resolves a flow id.
    pub async fn replay(
        &self,
        filter: &ReplayFilter,
        flow_of: impl Fn(&str) -> Option<Flow>,
    ) -> Result<ReplayReport, FlowError> {
        let mut ids = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let batch = self.store.parked_list(filter, after.as_deref(), 500)?;
            let Some(last) = batch.last() else { break };
            after = Some(last.id.clone());
            ids.extend(batch.into_iter().map(|p| p.id));
        }
        let mut report = ReplayReport::default();
        for id in ids {
            let Some(parked) = self.store.parked_get(&id)? else {
                continue;
            };
            report.matched += 1;
            let Some(flow) = flow_of(&parked.flow) else {
                report.orphaned += 1;
                continue;
            };
            let resolution = self
                .rerun(&flow, &parked.stream, &parked.record, &parked.id)
                .await?;
            match &resolution {
                Resolution::Confirmed(_) => report.confirmed += 1,
                Resolution::Parked(_) => report.parked_again += 1,
                Resolution::Waiting(_) => report.waiting += 1,
                Resolution::Discarded => report.discarded += 1,
            }
            self.telemetry.emit(Event::Replayed {
                flow: &parked.flow,
                key: &parked.key,
                outcome: outcome_name(&resolution),
            });
            match self.store.parked_resolve(&id, &resolution) {
                Ok(()) | Err(StoreError::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(report)
    }
}
