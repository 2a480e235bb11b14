use super::*;
use crate::{CounterIds, ErrorClass, ManualClock};
use serde_json::json;

struct Env {
    clock: ManualClock,
    ids: CounterIds,
    policy: RetryPolicy,
}

impl Env {
    fn new() -> Self {
        Self {
            clock: ManualClock::new(1_000),
            ids: CounterIds::new("p"),
            policy: RetryPolicy {
                max_attempts: 3,
                ..RetryPolicy::default()
            },
        }
    }
    fn env(&self) -> PageEnv<'_> {
        PageEnv {
            clock: &self.clock,
            ids: &self.ids,
            policy: &self.policy,
        }
    }
}

fn rec(key: &str, v: &str) -> SyncRecord {
    SyncRecord::new(key, v, json!({"qty": 1}))
}

fn page(records: Vec<SyncRecord>) -> Page {
    Page::read(
        StreamId::new("f", "inventory"),
        Some(Cursor::new("c0").unwrap()),
        Cursor::new("c1").unwrap(),
        records,
        Operation::Upsert,
    )
}

fn ok(index: usize) -> WriteResult {
    WriteResult {
        index,
        outcome: WriteOutcome::Ok {
            target_id: Some(format!("t{index}")),
            target_version: None,
        },
    }
}

fn err(index: usize, class: ErrorClass, dependency: Option<&str>) -> WriteResult {
    WriteResult {
        index,
        outcome: WriteOutcome::Err(WriteError {
            error: ErrorContext::new(class, "nope"),
            retry_after_ms: None,
            dependency: dependency.map(str::to_string),
        }),
    }
}

#[test]
fn illegal_transitions_are_refused_and_leave_state_unchanged() {
    let e = Env::new();
    let mut p = page(vec![rec("a", "1")]);
    assert!(matches!(
        p.commit(),
        Err(PageError::IllegalTransition {
            action: "commit",
            phase: PagePhase::Read
        })
    ));
    assert!(p.begin_write(0, |_| false).is_err());
    assert_eq!(
        p.transform(vec![], vec![], e.env()),
        Err(PageError::OutcomeCountMismatch {
            expected: 1,
            got: 0
        })
    );
    assert_eq!(p.phase(), PagePhase::Read);
    p.transform_identity(e.env()).unwrap();
    assert!(p.transform_identity(e.env()).is_err());
    assert!(p.commit().is_err(), "unwritten records block the commit");
    let batch = p.begin_write(1_000, |_| false).unwrap();
    assert_eq!(batch.len(), 1);
    assert!(p.commit().is_err(), "unconfirmed records block the commit");
    assert_eq!(
        p.confirm(vec![], e.env()),
        Err(PageError::MissingResult { index: 0 })
    );
    assert_eq!(
        p.confirm(vec![ok(0), ok(0)], e.env()),
        Err(PageError::DuplicateResult { index: 0 })
    );
    assert_eq!(
        p.confirm(vec![ok(7)], e.env()),
        Err(PageError::UnknownResult { index: 7 })
    );
    assert_eq!(p.phase(), PagePhase::Writing);
    p.confirm(vec![ok(0)], e.env()).unwrap();
    let c = p.commit().unwrap();
    assert_eq!(c.ledger.len(), 1);
    assert_eq!(c.new_cursor.as_str(), "c1");
    assert!(p.commit().is_err(), "a page commits once");
}

#[test]
fn every_outcome_is_accounted_for_in_the_commit() {
    let e = Env::new();
    let mut p = page(vec![
        rec("ok", "1"),
        rec("drop", "1"),
        rec("fail", "1"),
        rec("perm", "1"),
        rec("dep", "1"),
        rec("seen", "1"),
        rec("ok", "1"), // duplicated page entry
    ]);
    let seen = IdempotencyKey::derive("f", "seen", "1", Operation::Upsert);
    let outcomes = vec![
        TransformOutcome::Emit(rec("ok", "1")),
        TransformOutcome::Drop("not for this shop".into()),
        TransformOutcome::Fail(ErrorContext::new(ErrorClass::Permanent, "bad sku")),
        TransformOutcome::Emit(rec("perm", "1")),
        TransformOutcome::Emit(rec("dep", "1")),
        TransformOutcome::Emit(rec("seen", "1")),
        TransformOutcome::Emit(rec("ok", "1")),
    ];
    p.transform(outcomes, vec![("map".into(), "1.2.0".into())], e.env())
        .unwrap();
    let batch = p.begin_write(1_000, |k| *k == seen).unwrap();
    let idx: Vec<usize> = batch.iter().map(|w| w.index).collect();
    assert_eq!(
        idx,
        vec![0, 3, 4],
        "ledger hits and in-page duplicates are not sent"
    );
    p.confirm(
        vec![
            ok(0),
            err(3, ErrorClass::Permanent, None),
            err(4, ErrorClass::DependencyMissing, Some("sku:X")),
        ],
        e.env(),
    )
    .unwrap();
    let c = p.commit().unwrap();
    assert_eq!(
        c.counts,
        PageCounts {
            read: 7,
            confirmed: 1,
            dropped: 1,
            duplicates: 2,
            parked: 2,
            waiting: 1
        }
    );
    assert_eq!(c.dropped[0].reason, "not for this shop");
    assert_eq!(
        c.ledger[0].plugin_versions,
        vec![("map".to_string(), "1.2.0".to_string())]
    );
    assert_eq!(c.parked[0].key, "fail");
    assert_eq!(c.parked[0].reason, ParkReason::Permanent);
    assert_eq!(c.parked[0].error.plugin_versions[0].1, "1.2.0");
    assert_eq!(c.waiting[0].dependency, "sku:X");
    assert_eq!(
        c.waiting[0].record,
        rec("dep", "1"),
        "the source record is kept"
    );
}

#[test]
fn transient_failures_retry_when_due_and_park_after_the_cap() {
    let e = Env::new();
    let mut p = page(vec![rec("a", "1")]);
    p.transform_identity(e.env()).unwrap();
    for attempt in 1..=3u32 {
        let now = e.clock.now_ms();
        let b = p.begin_write(now, |_| false).unwrap();
        assert_eq!(b[0].attempt, attempt);
        p.confirm(vec![err(0, ErrorClass::Transient, None)], e.env())
            .unwrap();
        if attempt < 3 {
            assert_eq!(p.phase(), PagePhase::Ready);
            let due = p.next_due_ms().unwrap();
            assert!(due >= now);
            if due > now {
                assert_eq!(
                    p.begin_write(now, |_| false),
                    Err(PageError::NothingDue { next_due_ms: due })
                );
            }
            e.clock.set(due);
        }
    }
    assert_eq!(p.phase(), PagePhase::Settled);
    let c = p.commit().unwrap();
    assert_eq!(c.parked[0].attempts, 3);
    assert_eq!(c.parked[0].reason, ParkReason::AttemptsExhausted);
    assert_eq!(c.parked[0].first_failed_ms, 1_000);
}

#[test]
fn conflict_asks_for_a_reread_right_away() {
    let e = Env::new();
    let mut p = page(vec![rec("a", "1")]);
    p.transform_identity(e.env()).unwrap();
    p.begin_write(1_000, |_| false).unwrap();
    p.confirm(vec![err(0, ErrorClass::Conflict, None)], e.env())
        .unwrap();
    let b = p.begin_write(1_000, |_| false).unwrap();
    assert!(b[0].reread);
    assert_eq!(b[0].attempt, 2);
}

#[test]
fn throttling_does_not_use_up_the_conflict_re_reads() {
    let mut e = Env::new();
    e.policy.max_attempts = 10;
    e.policy.max_conflict_attempts = 2;
    let mut p = page(vec![rec("a", "1")]);
    p.transform_identity(e.env()).unwrap();
    for _ in 0..4 {
        p.begin_write(e.clock.now_ms(), |_| false).unwrap();
        p.confirm(vec![err(0, ErrorClass::RateLimited, None)], e.env())
            .unwrap();
        e.clock.set(p.next_due_ms().unwrap());
    }
    // Five attempts made; the first conflict still re-reads, the second one parks.
    p.begin_write(e.clock.now_ms(), |_| false).unwrap();
    p.confirm(vec![err(0, ErrorClass::Conflict, None)], e.env())
        .unwrap();
    let b = p.begin_write(e.clock.now_ms(), |_| false).unwrap();
    assert!(b[0].reread && b[0].attempt == 6, "{b:?}");
    p.confirm(vec![err(0, ErrorClass::Conflict, None)], e.env())
        .unwrap();
    assert_eq!(p.phase(), PagePhase::Settled);
    let c = p.commit().unwrap();
    assert_eq!(
        (c.parked[0].attempts, c.parked[0].reason),
        (6, ParkReason::AttemptsExhausted)
    );
}

#[test]
fn an_empty_page_commits_its_cursor() {
    let e = Env::new();
    let mut p = page(vec![]);
    p.transform_identity(e.env()).unwrap();
    assert_eq!(p.phase(), PagePhase::Settled);
    assert_eq!(p.commit().unwrap().counts, PageCounts::default());
}
