//! One test per testbed fault, through the test connectors in the host: each comes back
//! classified the way the sync engine needs it (class, retry-after, HTTP status, waiting-for),
//! and lost answers are safe to re-send. Not here: the fault-free flows (`super`).

use weft_engine::{CallError, ErrorClass, WriteItem};

use super::{bed, bed_with, failures, item};

#[tokio::test]
async fn a_write_that_timed_out_was_applied_and_its_resend_is_deduplicated() {
    let bed = bed_with(3, 300, 1).await;
    let (records, _) = bed.read(None, 10).await;
    let items: Vec<WriteItem> = records.iter().map(|r| item(r, None)).collect();
    bed.tb.delay(1_000, Some(1));
    match bed.write(items.clone()).await {
        Err(CallError::Failed(f)) => {
            assert_eq!((f.class, f.http_status), (ErrorClass::Transient, None));
            assert!(f.message.contains("timed out"), "{}", f.message);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        bed.tb.report().applied,
        3,
        "the effect happened although the answer was lost"
    );
    assert!(bed.write(items).await.unwrap().iter().all(Result::is_ok));
    let report = bed.tb.report();
    assert_eq!((report.applied, report.deduplicated), (3, 3));
    assert!(report.not_exactly_once.is_empty(), "{report:?}");
}

#[tokio::test]
async fn the_hosts_retry_of_a_timed_out_write_gets_the_original_result() {
    let bed = bed_with(2, 300, 2).await;
    let (records, _) = bed.read(None, 10).await;
    bed.tb.delay(1_000, Some(1));
    let results = bed
        .write(records.iter().map(|r| item(r, None)).collect())
        .await;
    assert!(
        results.unwrap().iter().all(Result::is_ok),
        "the retry succeeded"
    );
    let report = bed.tb.report();
    assert_eq!(
        (report.requests, report.applied, report.deduplicated),
        (2, 2, 2)
    );
}

#[tokio::test]
async fn throttling_is_rate_limited_with_the_retry_after() {
    let bed = bed(2).await;
    let (records, _) = bed.read(None, 10).await;
    bed.tb.throttle_next(1, 30);
    for f in failures(
        bed.write(records.iter().map(|r| item(r, None)).collect())
            .await,
    ) {
        assert_eq!(
            (f.class, f.retry_after_ms, f.http_status),
            (ErrorClass::RateLimited, Some(30_000), Some(429))
        );
        assert!(f.detail.unwrap().contains("throttled"));
    }
    assert_eq!(bed.tb.report().applied, 0);
}

#[tokio::test]
async fn an_unavailable_target_is_transient() {
    let bed = bed(2).await;
    let (records, _) = bed.read(None, 10).await;
    bed.tb.fail_next(1);
    let f = &failures(bed.write(vec![item(&records[0], None)]).await)[0];
    assert_eq!((f.class, f.http_status), (ErrorClass::Transient, Some(503)));
    assert!(bed.write(vec![item(&records[0], None)]).await.unwrap()[0].is_ok());
}

#[tokio::test]
async fn a_refused_key_is_permanent_and_named_while_the_rest_is_applied() {
    let bed = bed(3).await;
    let (records, _) = bed.read(None, 10).await;
    bed.tb.permanent_prefix(Some("SKU-00002"));
    let results = bed
        .write(records.iter().map(|r| item(r, None)).collect())
        .await
        .unwrap();
    assert!(results[0].is_ok() && results[2].is_ok());
    let f = results[1].as_ref().unwrap_err();
    assert_eq!((f.class, f.http_status), (ErrorClass::Permanent, Some(422)));
    assert!(
        f.message.contains("SKU-00002@1") && f.detail.as_ref().unwrap().contains("SKU-00002@1")
    );
}

#[tokio::test]
async fn a_conflict_is_resolved_by_rereading_the_target_version() {
    let bed = bed(1).await;
    let written = bed.write_all().await;
    let key = written[0].meta.source_id.clone();
    let v1 = bed.lookup(&bed.target, &[&key]).await[0]
        .meta
        .version
        .clone();
    bed.tb.update(std::slice::from_ref(&key), Some(7)).unwrap();
    let (changed, _) = bed.read(Some("1".into()), 10).await;
    bed.tb.conflict_once(&key);
    let f = &failures(bed.write(vec![item(&changed[0], Some(&v1))]).await)[0];
    assert_eq!((f.class, f.http_status), (ErrorClass::Conflict, Some(409)));
    let v2 = bed.lookup(&bed.target, &[&key]).await[0]
        .meta
        .version
        .clone();
    assert_ne!(v1, v2, "someone else changed it");
    let again = bed.write(vec![item(&changed[0], Some(&v2))]).await.unwrap();
    assert!(again[0].is_ok(), "{again:?}");
    assert_eq!(bed.tb.target_record(&key).unwrap().available, 7);
    assert!(bed.tb.report().not_exactly_once.is_empty());
}

#[tokio::test]
async fn a_missing_dependency_says_what_it_waits_for_until_released() {
    let bed = bed(2).await;
    let (records, _) = bed.read(None, 10).await;
    bed.tb.dependency_prefix(Some("SKU-00002"));
    let f = &failures(bed.write(vec![item(&records[1], None)]).await)[0];
    assert_eq!(
        (f.class, f.http_status),
        (ErrorClass::DependencyMissing, Some(424))
    );
    assert_eq!(f.waiting_for.as_deref(), Some("sku:SKU-00002"));
    bed.tb.dependency_prefix(None);
    assert!(bed.write(vec![item(&records[1], None)]).await.unwrap()[0].is_ok());
}

#[tokio::test]
async fn repeated_and_overlapping_source_pages_reach_the_engine_as_they_are() {
    let bed = bed(5).await;
    bed.tb.duplicate_pages(true);
    let (records, _) = bed.read(None, 2).await;
    let ids: Vec<&str> = records.iter().map(|r| &r.meta.source_id[..9]).collect();
    assert_eq!(
        ids,
        [
            "SKU-00001",
            "SKU-00002",
            "SKU-00001",
            "SKU-00002",
            "SKU-00003",
            "SKU-00004",
            "SKU-00003",
            "SKU-00004",
            "SKU-00005"
        ]
    );
    bed.tb.clear_faults();
    bed.tb.overlap_pages(true);
    let (records, _) = bed.read(None, 3).await;
    let versions: Vec<&str> = records.iter().map(|r| &r.meta.version[19..]).collect();
    assert_eq!(
        versions,
        ["1", "2", "3", "3", "4", "5"],
        "the same record, the same version"
    );
}
