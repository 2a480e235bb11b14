//! Properties of the reconciliation diff.

use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use weft_sync::{ReconcileOptions, diff};

fn side() -> impl Strategy<Value = Vec<(String, Value)>> {
    prop::collection::vec((0u8..8, -5i64..5, 0u8..3, any::<bool>()), 0..12).prop_map(|rows| {
        rows.into_iter()
            .map(|(k, a, b, c)| (format!("k{k}"), json!({"a": a, "b": b, "c": c})))
            .collect()
    })
}

fn opts() -> ReconcileOptions {
    ReconcileOptions {
        fields: vec!["a".into(), "b".into()],
        numeric_fields: vec!["a".into(), "b".into()],
    }
}

proptest! {
    #[test]
    fn a_side_has_no_drift_against_itself(x in side()) {
        let r = diff(&x, &x, &opts());
        prop_assert!(r.missing_in_target.is_empty());
        prop_assert!(r.missing_in_source.is_empty());
        prop_assert!(r.different.is_empty());
        prop_assert_eq!(&r.duplicates_source, &r.duplicates_target);
        prop_assert_eq!(r.counts.matching, r.counts.keys);
    }

    #[test]
    fn every_key_is_classified_exactly_once(x in side(), y in side()) {
        let r = diff(&x, &y, &opts());
        let union: BTreeSet<&str> = x.iter().chain(&y).map(|(k, _)| k.as_str()).collect();
        let mt: BTreeSet<&str> = r.missing_in_target.iter().map(String::as_str).collect();
        let ms: BTreeSet<&str> = r.missing_in_source.iter().map(String::as_str).collect();
        let df: BTreeSet<&str> = r.different.iter().map(|d| d.key.as_str()).collect();
        prop_assert!(mt.is_disjoint(&ms) && mt.is_disjoint(&df) && ms.is_disjoint(&df));
        prop_assert_eq!(mt.len(), r.missing_in_target.len(), "no key listed twice");
        prop_assert_eq!(ms.len(), r.missing_in_source.len(), "no key listed twice");
        let c = r.counts;
        prop_assert_eq!(c.keys, union.len());
        prop_assert_eq!(c.matching + c.different + c.missing_in_target + c.missing_in_source, union.len());
        prop_assert_eq!(c.different, df.len());
        for k in &mt {
            prop_assert!(x.iter().any(|(s, _)| s == k) && !y.iter().any(|(s, _)| s == k));
        }
        // the report is sorted, so it is deterministic
        let mut sorted = r.missing_in_target.clone();
        sorted.sort();
        prop_assert_eq!(&sorted, &r.missing_in_target);
    }

    #[test]
    fn swapping_sides_swaps_missing_and_negates_deltas(x in side(), y in side()) {
        let r = diff(&x, &y, &opts());
        let s = diff(&y, &x, &opts());
        prop_assert_eq!(&r.missing_in_target, &s.missing_in_source);
        prop_assert_eq!(&r.missing_in_source, &s.missing_in_target);
        prop_assert_eq!(&r.duplicates_source, &s.duplicates_target);
        prop_assert_eq!(r.different.len(), s.different.len());
        for (a, b) in r.different.iter().zip(&s.different) {
            prop_assert_eq!((&a.key, &a.field), (&b.key, &b.field));
            prop_assert_eq!(&a.source, &b.target);
            prop_assert_eq!(a.delta.map(|d| -d), b.delta);
        }
    }

    #[test]
    fn totals_equal_the_sum_of_the_inputs(x in side(), y in side()) {
        let r = diff(&x, &y, &opts());
        for field in ["a", "b"] {
            let sum = |s: &[(String, Value)]| s.iter().map(|(_, v)| v[field].as_i64().unwrap()).sum::<i64>() as f64;
            prop_assert_eq!(r.totals[field].source, sum(&x));
            prop_assert_eq!(r.totals[field].target, sum(&y));
        }
        prop_assert_eq!(r.counts.source_records, x.len());
        prop_assert_eq!(r.counts.target_records, y.len());
    }
}
