//! Unit tests of the testbed's source paging and faults, lookups, the target's full read and the
//! source control routes. Not here: target writes and their faults (`tests_target`).

use serde_json::{Value, json};

use super::{RunningTestbed, SourcePage, Testbed};

async fn get(tb: &RunningTestbed, path: &str) -> Value {
    reqwest::get(format!("{}{path}", tb.base_url))
        .await
        .expect("testbed answers")
        .json()
        .await
        .expect("JSON body")
}

async fn page(tb: &RunningTestbed, after: Option<u64>, limit: usize) -> SourcePage {
    let after = after.map(|a| format!("after={a}&")).unwrap_or_default();
    serde_json::from_value(get(tb, &format!("/source/records?{after}limit={limit}")).await).unwrap()
}

/// Every page from the start, following `next`, until `has_more` is false.
async fn read_all(tb: &RunningTestbed, limit: usize) -> Vec<SourcePage> {
    let (mut pages, mut after) = (Vec::new(), None);
    loop {
        let p = page(tb, after, limit).await;
        after = p.next.or(after);
        let more = p.has_more;
        pages.push(p);
        if !more {
            return pages;
        }
    }
}

fn keys(pages: &[SourcePage]) -> Vec<String> {
    pages
        .iter()
        .flat_map(|p| p.records.iter().map(|r| r.key.clone()))
        .collect()
}

#[tokio::test]
async fn pages_carry_every_record_once_in_seq_order() {
    let tb = Testbed::start();
    assert_eq!(tb.seed_source(25)[0], "SKU-00001@1");
    let pages = read_all(&tb, 10).await;
    assert_eq!(
        pages.iter().map(|p| p.records.len()).collect::<Vec<_>>(),
        vec![10, 10, 5]
    );
    assert_eq!(keys(&pages).len(), 25);
    let seqs: Vec<u64> = pages
        .iter()
        .flat_map(|p| p.records.iter().map(|r| r.seq))
        .collect();
    assert_eq!(seqs, (1..=25).collect::<Vec<_>>());
    assert_eq!((pages[0].next, pages[2].next), (Some(10), Some(25)));
    assert_eq!(pages[2].records[4].version, "25");
    let empty = page(&tb, Some(25), 10).await;
    assert_eq!(
        (empty.records.len(), empty.next, empty.has_more),
        (0, None, false)
    );
}

#[tokio::test]
async fn updated_and_appended_records_come_after_the_cursor() {
    let tb = Testbed::start();
    tb.seed_source(5);
    let updated = tb.update(&["SKU-00002@1".into()], Some(40)).unwrap();
    assert_eq!((updated[0].seq, updated[0].available), (6, 40));
    let resp = reqwest::Client::new()
        .post(format!("{}/__control/source/update", tb.base_url))
        .json(&json!({"oldest": 1}))
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["records"][0]["key"], "SKU-00001@1");
    assert_eq!(body["records"][0]["seq"], 7);
    tb.append(1);
    let p = page(&tb, Some(5), 10).await;
    let got: Vec<&str> = p.records.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(got, ["SKU-00002@1", "SKU-00001@1", "SKU-00006@1"]);
    assert!(
        tb.update(&["NOPE@1".into()], None)
            .unwrap_err()
            .contains("NOPE@1")
    );
}

#[tokio::test]
async fn duplicate_pages_serve_each_page_twice() {
    let tb = Testbed::start();
    tb.seed_source(5);
    tb.duplicate_pages(true);
    let pages = read_all(&tb, 2).await;
    assert_eq!(
        pages.len(),
        5,
        "the first two pages twice, then the last one"
    );
    assert_eq!((&pages[0], &pages[2]), (&pages[1], &pages[3]));
    assert_eq!(keys(&pages).len(), 9);
    let last_again = page(&tb, Some(5), 2).await;
    assert_eq!(last_again, pages[4], "the last page is repeated too");
    assert_eq!(tb.report().injected.duplicate_pages, 3);
}

#[tokio::test]
async fn overlapping_pages_start_one_record_early() {
    let tb = Testbed::start();
    tb.seed_source(5);
    tb.overlap_pages(true);
    let pages = read_all(&tb, 3).await;
    let seqs: Vec<Vec<u64>> = pages
        .iter()
        .map(|p| p.records.iter().map(|r| r.seq).collect())
        .collect();
    assert_eq!(seqs, vec![vec![1, 2, 3], vec![3, 4, 5]]);
    assert_eq!(tb.report().injected.overlap_pages, 1);
}

#[tokio::test]
async fn lookups_find_existing_keys_and_the_target_reads_in_key_order() {
    let tb = Testbed::start();
    tb.seed_source(3);
    let found = get(&tb, "/source/records?keys=SKU-00003@1,NOPE@1,SKU-00001@1").await;
    let found: Vec<&str> = found["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["SKU-00003@1", "SKU-00001@1"]);

    let items: Vec<Value> = ["C@1", "A@1", "B@2"].iter().enumerate()
        .map(|(i, k)| json!({"idempotency_key": format!("ik-{i}"), "key": k, "version": "1", "available": i}))
        .collect();
    reqwest::Client::new()
        .post(format!("{}/target/write", tb.base_url))
        .json(&json!({ "items": items }))
        .send()
        .await
        .unwrap();
    let found = get(&tb, "/target/records?keys=B@2,X@1").await;
    assert_eq!(found["records"][0]["sku"], "B");
    assert_eq!(found["records"].as_array().unwrap().len(), 1);
    let first = get(&tb, "/target/all?limit=2").await;
    assert_eq!(
        (&first["next"], &first["has_more"]),
        (&json!("B@2"), &json!(true))
    );
    let rest = get(&tb, "/target/all?after=B@2&limit=2").await;
    assert_eq!(
        (&rest["records"][0]["key"], &rest["has_more"]),
        (&json!("C@1"), &json!(false))
    );
}

#[tokio::test]
async fn bad_cursors_are_refused_with_400() {
    let tb = Testbed::start();
    let resp = reqwest::get(format!("{}/source/records?after=abc", tb.base_url))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let resp = reqwest::Client::new()
        .post(format!("{}/target/write", tb.base_url))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
}
