//! The cursor/ledger state machine under random outcomes and crashes.
//!
//! A model engine runs pages of a source stream into a model target against a `MemoryStore`-like
//! durable state (kept here, since weft-store depends on this crate). A crash drops every piece
//! of uncommitted in-memory state. Checked after every commit and at the end:
//!
//! - the committed cursor never passes a record that is not confirmed, dropped, parked or waiting;
//! - no key in the durable ledger is ever sent again;
//! - a second *effect* for a key (a send the target would apply) happens only after a crash lost
//!   the confirmation of an earlier one, the window only target-native idempotency can close;
//! - at the end the ledger holds exactly the keys the target applied.

use proptest::prelude::*;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use weft_sync::*;

#[derive(Default)]
struct Durable {
    cursor: Option<Cursor>,
    ledger: BTreeMap<IdempotencyKey, LedgerEntry>,
    parked: BTreeSet<IdempotencyKey>,
    waiting: BTreeSet<IdempotencyKey>,
    dropped: BTreeSet<String>,
}

struct Script<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Script<'_> {
    fn next(&mut self) -> Option<u8> {
        let b = self.bytes.get(self.at).copied();
        self.at += 1;
        b
    }
}

fn key_of(i: usize, dup_every: usize) -> String {
    // every `dup_every`-th record repeats the previous one (a duplicated source event)
    if dup_every > 1 && i.is_multiple_of(dup_every) && i > 0 {
        format!("k{}", i - 1)
    } else {
        format!("k{i}")
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn cursor_never_passes_unsettled_records_and_effects_are_not_repeated(
        n in 0usize..40,
        dup_every in 0usize..6,
        page_sizes in prop::collection::vec(1usize..6, 1..8),
        transform_plan in prop::collection::vec(0u8..10, 1..16),
        write_plan in prop::collection::vec(0u8..12, 1..64),
        crash_plan in prop::collection::vec(0u8..100, 0..60),
    ) {
        let source: Vec<SyncRecord> = (0..n)
            .map(|i| { let k = key_of(i, dup_every); SyncRecord::new(k.clone(), "1", json!({"k": k})) })
            .collect();
        let idem = |r: &SyncRecord| IdempotencyKey::derive("f", &r.key, &r.version, Operation::Upsert);
        let clock = ManualClock::new(0);
        let ids = CounterIds::new("r");
        let policy = RetryPolicy { max_attempts: 3, max_conflict_attempts: 2, ..RetryPolicy::default() };
        let env = PageEnv { clock: &clock, ids: &ids, policy: &policy };
        let mut d = Durable::default();
        let mut crashes = Script { bytes: &crash_plan, at: 0 };
        let mut crash = || crashes.next().is_some_and(|b| b < 20);
        let mut writes = Script { bytes: &write_plan, at: 0 };
        let mut applied: BTreeSet<IdempotencyKey> = BTreeSet::new();
        let mut ok_sends: BTreeMap<IdempotencyKey, u32> = BTreeMap::new();
        let mut lost_ok: BTreeMap<IdempotencyKey, u32> = BTreeMap::new();
        let mut round = 0usize;

        'run: loop {
            round += 1;
            prop_assert!(round < 10_000, "the run must terminate");
            let pos: usize = d.cursor.as_ref().map_or(0, |c| c.as_str().parse().unwrap());
            if pos >= n { break; }
            let end = (pos + page_sizes[round % page_sizes.len()]).min(n);
            let mut page = Page::read(
                StreamId::new("f", "s"), d.cursor.clone(), Cursor::new(end.to_string()).unwrap(),
                source[pos..end].to_vec(), Operation::Upsert,
            );
            if crash() { continue 'run; }
            // transforms are deterministic per record, as real ones are
            let outcomes = (pos..end).map(|i| match transform_plan[i % transform_plan.len()] {
                0 => TransformOutcome::Drop("filtered".into()),
                1 => TransformOutcome::Fail(ErrorContext::new(ErrorClass::Permanent, "bad")),
                _ => TransformOutcome::Emit(source[i].clone()),
            }).collect();
            page.transform(outcomes, vec![], env).unwrap();
            while page.phase() == PagePhase::Ready {
                let batch = match page.begin_write(clock.now_ms(), |k| d.ledger.contains_key(k)) {
                    Ok(b) => b,
                    Err(PageError::NothingDue { next_due_ms }) => { clock.set(next_due_ms); continue; }
                    Err(e) => panic!("{e}"),
                };
                if batch.is_empty() { continue; } // every remaining record was a ledger hit

                let mut results = Vec::new();
                let mut oks = Vec::new();
                for w in &batch {
                    prop_assert!(!d.ledger.contains_key(&w.idempotency_key), "a ledger key was sent again");
                    // the target deduplicates natively by key: an applied key answers ok again
                    let pick = if applied.contains(&w.idempotency_key) { 99 } else { writes.next().unwrap_or(99) };
                    let (outcome, ok) = match pick {
                        0 => (WriteOutcome::Err(err(ErrorClass::Transient, None)), false),
                        1 => (WriteOutcome::Err(err(ErrorClass::Permanent, None)), false),
                        2 => (WriteOutcome::Err(err(ErrorClass::DependencyMissing, Some("dep"))), false),
                        3 => (WriteOutcome::Err(err(ErrorClass::Conflict, None)), false),
                        _ => (WriteOutcome::Ok { target_id: None, target_version: None }, true),
                    };
                    if ok {
                        applied.insert(w.idempotency_key.clone());
                        *ok_sends.entry(w.idempotency_key.clone()).or_default() += 1;
                        oks.push(w.idempotency_key.clone());
                    }
                    results.push(WriteResult { index: w.index, outcome });
                }
                if crash() {
                    for k in oks { *lost_ok.entry(k).or_default() += 1; }
                    continue 'run;
                }
                page.confirm(results, env).unwrap();
                // confirmations are persisted eagerly (idempotent; the commit repeats them)
                for l in page.confirmed_entries() { d.ledger.insert(l.idempotency_key.clone(), l); }
                if crash() { continue 'run; }
            }
            let c = page.commit().unwrap();
            if crash() { continue 'run; }
            // apply the commit atomically, as the store does
            prop_assert_eq!(&c.from_cursor, &d.cursor);
            for l in &c.ledger { d.ledger.insert(l.idempotency_key.clone(), l.clone()); }
            d.parked.extend(c.parked.iter().map(|p| p.idempotency_key.clone()));
            d.waiting.extend(c.waiting.iter().map(|w| w.idempotency_key.clone()));
            d.dropped.extend(c.dropped.iter().map(|x| x.key.clone()));
            d.cursor = Some(c.new_cursor.clone());
            let c = &c.counts;
            prop_assert_eq!(c.read, c.confirmed + c.dropped + c.duplicates + c.parked + c.waiting);
            for r in &source[..end] {
                let k = idem(r);
                prop_assert!(
                    d.ledger.contains_key(&k) || d.parked.contains(&k) || d.waiting.contains(&k)
                        || d.dropped.contains(&r.key),
                    "cursor {} passed unsettled record {}", end, r.key
                );
            }
        }
        for (k, n) in &ok_sends {
            prop_assert!(*n <= 1 + lost_ok.get(k).copied().unwrap_or(0), "effect repeated for {}", k);
        }
        let ledger_keys: BTreeSet<_> = d.ledger.keys().cloned().collect();
        prop_assert_eq!(ledger_keys, applied);
    }
}

fn err(class: ErrorClass, dependency: Option<&str>) -> WriteError {
    WriteError {
        error: ErrorContext::new(class, "target said no"),
        retry_after_ms: None,
        dependency: dependency.map(str::to_string),
    }
}
