//! Runs a page's entities through the flow's transform chain, one record in, one outcome out.
//!
//! A transform that fails a whole batch with a plugin error (trap, fuel, memory, deadline) is
//! retried record by record, so one poison record parks alone instead of stalling the flow. A
//! transform that says its config is unusable stops the run: that needs an operator, and parking
//! every record for it would only bury the cause. A quarantined transform (see
//! `crate::quarantine`) stops the run the same way, even halfway through a page. Splits (one record emitted as several) are
//! refused per record: flows map one to one.

use weft_sync::{ErrorClass, ErrorContext, TransformOutcome};
use weft_world::transform::exports::weft::connector::transform_api::Outcome;
use weft_world::types::Entity;

use super::ends::{MapError, MapperEnd};
use super::key::stub;
use crate::telemetry::Telemetry;

enum State {
    /// Not transformed yet: the input record at the same index.
    Source,
    Live(Box<Entity>),
    Done(TransformOutcome),
}

/// The chain's result for a page: one outcome per record (an emitted record is a payload-less
/// stub, see `key::stub`) and, at the same index, the mapped entity of each emitted record.
pub struct Mapped {
    /// One outcome per input record.
    pub outcomes: Vec<TransformOutcome>,
    /// The mapped entity of each emitted record; `None` for drops and failures.
    pub entities: Vec<Option<Entity>>,
}

/// Map `entities` through `mappers`; one outcome per entity, in order. `Err` only for an
/// unusable transform config (nothing is settled then).
pub async fn map_chain(
    mappers: &[MapperEnd],
    entities: &[Entity],
    t: &Telemetry,
) -> Result<Mapped, String> {
    let mut states: Vec<State> = entities.iter().map(|_| State::Source).collect();
    for mapper in mappers {
        let name = mapper.plugin().map(|p| p.to_string()).unwrap_or_default();
        let live: Vec<usize> = (0..states.len())
            .filter(|i| !matches!(states[*i], State::Done(_)))
            .collect();
        if live.is_empty() {
            break;
        }
        // The first transform reads the page as it came; later ones what is still live.
        let owned: Vec<Entity>;
        let batch: &[Entity] = if matches!(states.first(), Some(State::Source)) {
            entities
        } else {
            owned = live
                .iter()
                .map(|i| match &states[*i] {
                    State::Live(e) => (**e).clone(),
                    State::Source | State::Done(_) => unreachable!("filtered to live"),
                })
                .collect();
            &owned
        };
        match map_isolating(mapper, batch, t).await {
            Ok(outcomes) => {
                for (i, outcome) in live.into_iter().zip(outcomes) {
                    states[i] = apply(&name, outcome);
                }
            }
            Err(message) => return Err(message),
        }
    }
    let mut mapped = Mapped {
        outcomes: Vec::with_capacity(states.len()),
        entities: Vec::with_capacity(states.len()),
    };
    for (s, source) in states.into_iter().zip(entities) {
        let e = match s {
            State::Source => source.clone(),
            State::Live(e) => *e,
            State::Done(o) => {
                mapped.outcomes.push(o);
                mapped.entities.push(None);
                continue;
            }
        };
        mapped.outcomes.push(TransformOutcome::Emit(stub(&e)));
        mapped.entities.push(Some(e));
    }
    Ok(mapped)
}

/// One result per record: the batch's outcomes, or per-record ones after a plugin failure.
async fn map_isolating(
    mapper: &MapperEnd,
    batch: &[Entity],
    t: &Telemetry,
) -> Result<Vec<Result<Outcome, String>>, String> {
    match mapper.map(batch, t).await {
        Ok(outcomes) if outcomes.len() == batch.len() => Ok(outcomes.into_iter().map(Ok).collect()),
        Ok(outcomes) => Err(format!(
            "transform {} returned {} outcomes for {} records; it must return one per record",
            mapper.plugin().map(|p| p.to_string()).unwrap_or_default(),
            outcomes.len(),
            batch.len()
        )),
        Err(MapError::Config(m)) => Err(format!("transform config is unusable: {m}")),
        Err(MapError::Quarantined(m)) => Err(m),
        Err(MapError::Plugin(m)) if batch.len() == 1 => Ok(vec![Err(m)]),
        Err(MapError::Plugin(_)) => {
            let mut out = Vec::with_capacity(batch.len());
            for e in batch {
                out.push(match mapper.map(std::slice::from_ref(e), t).await {
                    Ok(mut o) if o.len() == 1 => Ok(o.remove(0)),
                    Ok(o) => Err(format!("returned {} outcomes for one record", o.len())),
                    Err(MapError::Config(m)) => {
                        return Err(format!("transform config is unusable: {m}"));
                    }
                    Err(MapError::Quarantined(m)) => return Err(m),
                    Err(MapError::Plugin(m)) => Err(m),
                });
            }
            Ok(out)
        }
    }
}

fn apply(plugin: &str, outcome: Result<Outcome, String>) -> State {
    let fail = |m: String| {
        State::Done(TransformOutcome::Fail(ErrorContext::new(
            ErrorClass::Permanent,
            m,
        )))
    };
    match outcome {
        Ok(Outcome::Emit(mut v)) if v.len() == 1 => State::Live(Box::new(v.remove(0))),
        Ok(Outcome::Emit(v)) if v.is_empty() => State::Done(TransformOutcome::Drop(format!(
            "transform {plugin} emitted nothing for this record"
        ))),
        Ok(Outcome::Emit(v)) => fail(format!(
            "transform {plugin} split the record into {}; flows map one record to one",
            v.len()
        )),
        Ok(Outcome::Drop(reason)) => State::Done(TransformOutcome::Drop(reason)),
        Ok(Outcome::Fail(reason)) => fail(format!("transform {plugin}: {reason}")),
        Err(m) => fail(format!("transform {plugin} failed on this record: {m}")),
    }
}
