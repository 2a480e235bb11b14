use super::*;

fn failure(class: ErrorClass, attempt: u32) -> Failure<'static> {
    Failure {
        class,
        attempt,
        conflicts: u32::from(class == ErrorClass::Conflict) * attempt,
        throttled: u32::from(class == ErrorClass::RateLimited) * attempt,
        retry_after_ms: None,
        now_ms: 1_000_000,
        first_failed_ms: 1_000_000,
        dependency: None,
        jitter: u64::MAX,
    }
}

#[test]
fn permanent_parks_at_once() {
    let p = RetryPolicy::default();
    assert_eq!(
        p.decide(&failure(ErrorClass::Permanent, 1)),
        Decision::Park(ParkReason::Permanent)
    );
}

#[test]
fn transient_backs_off_exponentially_and_is_capped() {
    let p = RetryPolicy {
        base_delay_ms: 100,
        factor: 2.0,
        max_delay_ms: 1_000,
        max_attempts: 100,
        ..RetryPolicy::default()
    };
    // jitter = cap exactly, to read the cap
    assert_eq!(p.backoff_ms(1, 100), 100);
    assert_eq!(p.backoff_ms(2, 200), 200);
    assert_eq!(p.backoff_ms(3, 400), 400);
    assert_eq!(p.backoff_ms(3, 401), 0, "jitter wraps within 0..=cap");
    assert!(p.backoff_ms(50, u64::MAX) <= 1_000);
    for a in 1..100 {
        match p.decide(&failure(ErrorClass::Transient, a)) {
            Decision::RetryAt(t) => assert!(t <= 1_000_000 + 1_000, "attempt {a}: {t}"),
            other => panic!("attempt {a}: {other:?}"),
        }
    }
}

#[test]
fn transient_retries_end_in_park_after_max_attempts() {
    let p = RetryPolicy {
        max_attempts: 3,
        ..RetryPolicy::default()
    };
    let f = |attempt| failure(ErrorClass::Transient, attempt);
    assert!(matches!(p.decide(&f(2)), Decision::RetryAt(_)));
    assert_eq!(
        p.decide(&f(3)),
        Decision::Park(ParkReason::AttemptsExhausted)
    );
    // Throttled five times before two transient failures: only those two count.
    let mut f = f(7);
    f.throttled = 5;
    assert!(matches!(p.decide(&f), Decision::RetryAt(_)));
}

#[test]
fn rate_limits_are_honoured_until_the_timeout_not_a_count() {
    let p = RetryPolicy {
        max_attempts: 3,
        rate_limited_timeout_ms: 60_000,
        ..RetryPolicy::default()
    };
    let mut f = failure(ErrorClass::RateLimited, 1);
    f.retry_after_ms = Some(20);
    f.jitter = 12_345;
    assert_eq!(
        p.decide(&f),
        Decision::RetryAt(1_000_020),
        "the first throttle waits exactly what the target asked: records throttled together retry together"
    );
    // Throttled again and again (the bucket is spent by others first): the wait doubles per
    // throttle, the same for every record throttled as often, so they still go together.
    f.throttled = 2;
    assert_eq!(p.decide(&f), Decision::RetryAt(1_000_040));
    f.throttled = 40;
    f.retry_after_ms = Some(2_000);
    assert_eq!(
        p.decide(&f),
        Decision::RetryAt(1_000_000 + 4 * 2_000),
        "the 40th throttle waits four times what the target asked, and is still retried"
    );
    f.now_ms = f.first_failed_ms + 60_000;
    assert_eq!(p.decide(&f), Decision::Park(ParkReason::AttemptsExhausted));
    // Without a Retry-After the wait grows with the throttles.
    let mut bare = failure(ErrorClass::RateLimited, 6);
    bare.jitter = u64::MAX;
    let Decision::RetryAt(at) = p.decide(&bare) else {
        panic!("retried")
    };
    assert_eq!(at - bare.now_ms, p.backoff_ms(6, u64::MAX));
}

#[test]
fn a_5xx_after_many_throttles_backs_off_as_a_first_failure() {
    // The faults demo's slow drain: stock records throttled a dozen times, then one injected
    // 5xx, were backed off as a thirteenth attempt (up to the 5-minute cap, 2.5 min on average).
    let p = RetryPolicy::default();
    let mut f = failure(ErrorClass::Transient, 13);
    f.throttled = 12;
    f.jitter = u64::MAX;
    let Decision::RetryAt(at) = p.decide(&f) else {
        panic!("a first transient failure is retried")
    };
    assert_eq!(at - f.now_ms, p.backoff_ms(1, u64::MAX));
    assert!(at - f.now_ms <= p.base_delay_ms);
    // Conflicts do not lengthen it either; a second transient failure doubles it.
    f.conflicts = 3;
    f.attempt = 17;
    let Decision::RetryAt(at) = p.decide(&f) else {
        panic!("a second transient failure is retried")
    };
    assert_eq!(at - f.now_ms, p.backoff_ms(2, u64::MAX));
}

#[test]
fn a_starved_record_waits_a_few_refills_not_minutes() {
    // The demo's stall: a products batch lost the Shopify bucket to the stock flow ten times in
    // a row; doubling per throttle made its eleventh wait the 5-minute cap, long after the
    // bucket (a second of refill) was full again.
    let p = RetryPolicy::default();
    let mut f = failure(ErrorClass::RateLimited, 10);
    f.retry_after_ms = Some(600);
    let waits: Vec<u64> = (1..=10)
        .map(|n| {
            f.throttled = n;
            match p.decide(&f) {
                Decision::RetryAt(at) => at - f.now_ms,
                other => panic!("throttle {n} must retry, got {other:?}"),
            }
        })
        .collect();
    assert_eq!(waits[..3], [600, 1_200, 2_400]);
    assert!(
        waits[3..].iter().all(|&w| w == 4 * 600),
        "later throttles wait max-throttle-growth times the target's wait: {waits:?}"
    );
    // The growth never goes past max-delay, and never below what the target asked.
    let tight = RetryPolicy {
        max_delay_ms: 1_000,
        ..RetryPolicy::default()
    };
    assert_eq!(tight.decide(&f), Decision::RetryAt(f.now_ms + 1_000));
    f.retry_after_ms = Some(5_000);
    assert_eq!(tight.decide(&f), Decision::RetryAt(f.now_ms + 5_000));
}

#[test]
fn retry_after_is_a_floor_and_clamped() {
    let p = RetryPolicy {
        max_retry_after_ms: 10_000,
        ..RetryPolicy::default()
    };
    for class in [ErrorClass::Transient, ErrorClass::RateLimited] {
        let mut f = failure(class, 1);
        f.jitter = 0;
        f.retry_after_ms = Some(7_000);
        assert_eq!(p.decide(&f), Decision::RetryAt(1_007_000));
        f.retry_after_ms = Some(999_999_999);
        assert_eq!(p.decide(&f), Decision::RetryAt(1_010_000));
    }
}

#[test]
fn conflict_rereads_then_parks() {
    let p = RetryPolicy {
        max_conflict_attempts: 2,
        ..RetryPolicy::default()
    };
    assert_eq!(
        p.decide(&failure(ErrorClass::Conflict, 1)),
        Decision::Reread
    );
    assert_eq!(
        p.decide(&failure(ErrorClass::Conflict, 2)),
        Decision::Park(ParkReason::AttemptsExhausted)
    );
    // Throttled four times, then a first conflict: it re-reads, the throttling does not count.
    let mut f = failure(ErrorClass::Conflict, 5);
    f.conflicts = 1;
    assert_eq!(p.decide(&f), Decision::Reread);
}

#[test]
fn dependency_waits_until_timeout_then_parks() {
    let p = RetryPolicy {
        dependency_timeout_ms: 5_000,
        ..RetryPolicy::default()
    };
    let mut f = failure(ErrorClass::DependencyMissing, 1);
    assert_eq!(p.decide(&f), Decision::Park(ParkReason::DependencyUnknown));
    f.dependency = Some("sku:ABC");
    assert_eq!(
        p.decide(&f),
        Decision::WaitFor {
            dependency: "sku:ABC".into(),
            until_ms: 1_005_000
        }
    );
    f.now_ms = 1_005_000;
    assert_eq!(p.decide(&f), Decision::Park(ParkReason::DependencyTimeout));
}

#[test]
fn keyed_jitter_is_deterministic_and_varies() {
    assert_eq!(keyed_jitter("k", 1), keyed_jitter("k", 1));
    assert_ne!(keyed_jitter("k", 1), keyed_jitter("k", 2));
    assert_ne!(keyed_jitter("k", 1), keyed_jitter("j", 1));
}

#[test]
fn error_class_names_round_trip() {
    for c in ErrorClass::ALL {
        assert_eq!(c.name().parse::<ErrorClass>(), Ok(c));
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            format!("\"{}\"", c.name())
        );
    }
    assert!("fatal".parse::<ErrorClass>().is_err());
}

#[test]
fn growth_settings_below_one_or_not_numbers_are_problems() {
    assert!(RetryPolicy::default().problems().is_empty());
    for bad in [0.5, 0.0, -2.0, f64::NAN, f64::INFINITY] {
        let p = RetryPolicy {
            factor: bad,
            max_throttle_growth: bad,
            ..RetryPolicy::default()
        };
        let fields: Vec<&str> = p.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["factor", "max-throttle-growth"], "{bad}");
    }
}
