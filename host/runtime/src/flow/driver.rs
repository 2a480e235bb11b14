//! Drives one [`Page`] from transformed to settled: batches of writes to the target, re-reads
//! after conflicts, waits until retries are due, and confirmations fed back into the page.
//!
//! The page's state machine decides what is due and what a failure means; this module only does
//! the I/O it asks for. It does not commit: the caller decides whether a settled page moves a
//! cursor (a run), resolves a parked record (a replay) or records a heal.

use foldhash::{HashMap, HashMapExt, HashSet};
use std::time::Duration;

use weft_engine::{Failure, WriteItem, WriteOp};
use weft_sync::{
    ErrorClass, ErrorContext, IdempotencyKey, Page, PageEnv, PageError, PagePhase, PendingWrite,
    WriteError, WriteOutcome, WriteResult,
};

use super::key::{entity_key, from_record, meta};
use super::landing::joined;
use super::runner::{Flow, FlowCtx, FlowError};
use super::spec::WriteMode;
use crate::telemetry::Event;
use weft_world::types::Entity;

fn op(mode: WriteMode) -> WriteOp {
    match mode {
        WriteMode::Upsert => WriteOp::Upsert,
        WriteMode::SetQuantity => WriteOp::SetQuantity,
        WriteMode::Delete => WriteOp::Delete,
    }
}

fn outcome(result: Result<weft_engine::Written, Failure>) -> WriteOutcome {
    match result {
        Ok(w) => WriteOutcome::Ok {
            target_id: Some(w.target_id),
            target_version: Some(w.target_version),
        },
        Err(f) => {
            let class = match f.class {
                weft_engine::ErrorClass::Transient => ErrorClass::Transient,
                weft_engine::ErrorClass::RateLimited => ErrorClass::RateLimited,
                weft_engine::ErrorClass::Conflict => ErrorClass::Conflict,
                weft_engine::ErrorClass::DependencyMissing => ErrorClass::DependencyMissing,
                weft_engine::ErrorClass::Permanent => ErrorClass::Permanent,
            };
            let mut error = ErrorContext::new(class, f.message);
            error.http_status = f.http_status;
            error.body_excerpt = f.detail.map(|d| weft_sync::parked::excerpt(&d).to_string());
            WriteOutcome::Err(WriteError {
                error,
                retry_after_ms: f.retry_after_ms,
                dependency: f.waiting_for,
            })
        }
    }
}

/// Look a page's keys up in the ledger on a blocking thread, so the lookups overlap whatever
/// the caller does before awaiting (the transform). Resolves to the keys found there or in
/// `confirmed` (confirmed by a page whose commit is still landing).
pub fn ledger_hits(
    ctx: &FlowCtx,
    page: &Page,
    confirmed: &HashSet<IdempotencyKey>,
) -> impl Future<Output = Result<HashSet<IdempotencyKey>, FlowError>> + use<> {
    let (done, keys): (Vec<_>, Vec<_>) = page
        .idempotency_keys()
        .cloned()
        .partition(|k| confirmed.contains(k));
    let mut done: HashSet<_> = done.into_iter().collect();
    let store = ctx.store.clone();
    let task = tokio::task::spawn_blocking(move || {
        let mut found = Vec::new();
        for key in keys {
            if store.ledger_contains(&key)? {
                found.push(key);
            }
        }
        Ok::<_, weft_store::StoreError>(found)
    });
    async move {
        done.extend(joined(task).await?);
        Ok(done)
    }
}

/// Write every record of `page` until each is settled. Keys in `done` (see [`ledger_hits`])
/// are settled as duplicates, not sent. `Err` for store failures, illegal page transitions
/// (bugs) and a quarantined target; other target failures settle records through the retry
/// policy.
pub async fn settle(
    flow: &Flow,
    ctx: &FlowCtx,
    page: &mut Page,
    mapped: &[Option<Entity>],
    done: HashSet<IdempotencyKey>,
) -> Result<(), FlowError> {
    let flow_id = flow.spec.id();
    let mut last_class: HashMap<usize, ErrorClass> = HashMap::new();
    let env = PageEnv {
        clock: ctx.clock.as_ref(),
        ids: ctx.ids.as_ref(),
        policy: &flow.spec.retry,
    };
    loop {
        if page.phase() == PagePhase::Settled {
            return Ok(());
        }
        let now = ctx.clock.now_ms();
        let batch = match page.begin_write(now, |k: &IdempotencyKey| done.contains(k)) {
            Ok(batch) if batch.is_empty() => return Ok(()),
            Ok(batch) => batch,
            Err(PageError::NothingDue { next_due_ms }) => {
                let wait_ms = next_due_ms.saturating_sub(now).max(1);
                tracing::debug!(flow = %flow_id, wait_ms, "waiting for retries to fall due");
                tokio::time::sleep(Duration::from_millis(wait_ms)).await;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        for w in batch.iter().filter(|w| w.attempt > 1) {
            if let Some(class) = last_class.get(&w.index) {
                ctx.telemetry.emit(Event::Retry {
                    flow: &flow_id,
                    key: &w.record.key,
                    class: *class,
                });
            }
        }
        let expected = expected_versions(flow, ctx, &batch).await;
        let mut results = Vec::with_capacity(batch.len());
        for chunk in batch.chunks(flow.spec.batch_size.max(1) as usize) {
            let mut items = Vec::with_capacity(chunk.len());
            let mut unmappable = Vec::new();
            for w in chunk {
                let entity = match mapped.get(w.index).and_then(Option::as_ref) {
                    Some(e) => Ok(e.clone()),
                    None => from_record(&w.record),
                };
                match entity {
                    Ok(entity) => items.push((
                        w.index,
                        WriteItem {
                            idempotency_key: w.idempotency_key.as_str().to_string(),
                            op: op(flow.spec.write),
                            entity,
                            expected_version: expected.get(&w.index).cloned(),
                        },
                    )),
                    Err(m) => unmappable.push((w.index, m)),
                }
            }
            for (index, m) in unmappable {
                results.push(WriteResult {
                    index,
                    outcome: WriteOutcome::Err(WriteError {
                        error: ErrorContext::new(ErrorClass::Permanent, m),
                        retry_after_ms: None,
                        dependency: None,
                    }),
                });
            }
            let (indexes, items): (Vec<usize>, Vec<WriteItem>) = items.into_iter().unzip();
            let answers = flow.target.write(items, &ctx.telemetry).await;
            if answers.iter().all(Result::is_err)
                && let Some(why) = flow.target.quarantined()
            {
                // Nothing was written and nothing will be until an operator acts: stop the run
                // without settling, so the records stay unread rather than parked.
                return Err(FlowError::Quarantined(why));
            }
            for (index, answer) in indexes.into_iter().zip(answers) {
                let o = outcome(answer);
                if let WriteOutcome::Err(e) = &o {
                    last_class.insert(index, e.error.class);
                }
                results.push(WriteResult { index, outcome: o });
            }
        }
        page.confirm(results, env)?;
        if page.next_due_ms().is_some() {
            // Records still await retries: persist what is confirmed so far, so a crash while
            // waiting does not send them again.
            ctx.store.ledger_put(&page.confirmed_entries())?;
        }
    }
}

/// For records re-sent after a conflict: the target's current version, read through lookup.
async fn expected_versions(
    flow: &Flow,
    ctx: &FlowCtx,
    batch: &[PendingWrite],
) -> HashMap<usize, String> {
    let rereads: Vec<&PendingWrite> = batch.iter().filter(|w| w.reread).collect();
    if rereads.is_empty() {
        return HashMap::new();
    }
    let keys: Vec<String> = rereads.iter().map(|w| w.record.key.clone()).collect();
    let found = match flow.target.lookup(keys, &ctx.telemetry).await {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!(flow = %flow.spec.id(), error = %e, "re-reading conflicting records failed; re-sending without an expected version");
            return HashMap::new();
        }
    };
    let versions: HashMap<String, String> = found
        .iter()
        .map(|e| (entity_key(e), meta(e).version.clone()))
        .collect();
    rereads
        .iter()
        .filter_map(|w| versions.get(&w.record.key).map(|v| (w.index, v.clone())))
        .collect()
}
