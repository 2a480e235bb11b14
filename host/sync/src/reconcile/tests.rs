use super::*;
use serde_json::json;

fn side(items: &[(&str, Value)]) -> Vec<(String, Value)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn opts() -> ReconcileOptions {
    ReconcileOptions {
        fields: vec!["available".into(), "/price/amount".into()],
        numeric_fields: vec!["available".into()],
    }
}

#[test]
fn reports_missing_different_duplicates_and_totals() {
    let src = side(&[
        (
            "A@1",
            json!({"available": 5, "price": {"amount": 100}, "title": "x"}),
        ),
        ("B@1", json!({"available": 2, "price": {"amount": 100}})),
        ("C@1", json!({"available": 1})),
        ("B@1", json!({"available": 2, "price": {"amount": 100}})),
    ]);
    let tgt = side(&[
        (
            "A@1",
            json!({"available": 5.0, "price": {"amount": 100}, "title": "edited"}),
        ),
        ("B@1", json!({"available": 9, "price": {"amount": 90}})),
        ("D@1", json!({"available": 4})),
    ]);
    let r = diff(&src, &tgt, &opts());
    assert_eq!(r.missing_in_target, vec!["C@1"]);
    assert_eq!(r.missing_in_source, vec!["D@1"]);
    assert_eq!(r.different.len(), 2, "title is not owned; 5 equals 5.0");
    assert_eq!(r.different[0].field, "available");
    assert_eq!(r.different[0].delta, Some(7.0));
    assert_eq!(r.different[1].field, "/price/amount");
    assert_eq!(r.different[1].delta, Some(-10.0));
    assert_eq!(r.duplicates_source.get("B@1"), Some(&2));
    assert_eq!(
        r.totals["available"],
        SideTotals {
            source: 10.0,
            target: 18.0
        }
    );
    assert_eq!(r.counts.matching, 1);
    assert_eq!(r.counts.different, 1);
    let text = r.summary();
    let worst = text.find("B@1 /price/amount").unwrap();
    let next = text.find("B@1 available").unwrap();
    assert!(worst < next, "largest delta first:\n{text}");
    assert!(text.contains("missing in target (1): C@1"), "{text}");
    assert!(text.contains("duplicated in source (1): B@1 x2"), "{text}");
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["missing_in_source"], json!(["D@1"]));
}

#[test]
fn whole_values_compared_when_no_fields_are_named() {
    let r = diff(
        &side(&[("k", json!({"a": 1}))]),
        &side(&[("k", json!({"a": 2}))]),
        &ReconcileOptions::default(),
    );
    assert_eq!(r.different[0].field, "*");
    assert!(!r.is_clean());
}

#[test]
fn summary_of_a_clean_report_says_so() {
    let s = side(&[("k", json!({"available": 1}))]);
    let r = diff(&s, &s, &opts());
    assert!(r.is_clean());
    assert!(r.summary().contains("no drift"));
}
