//! The reconciliation diff: what differs between two full reads of a stream.
//!
//! Input is two sides (source and target, both already mapped to the same shape), each a list of
//! `(key, value)`; a key listed twice on one side is a duplicate there. Only the *owned* fields
//! named in [`ReconcileOptions::fields`] count as drift: one system owns each field, and the other
//! side's edits of fields it does not own are none of our business. Numeric fields can also be
//! totalled on each side (stock on hand, money in minor units), which catches drift that per-key
//! checks miss when keys are mis-mapped.
//!
//! The report is deterministic (sorted by key, then by field in option order) and serializable;
//! [`DriftReport::summary`] renders one screen for a human, worst differences first. This module
//! does not read either side and does not heal; the runtime does both.

use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// One side of a comparison: `(key, value)` pairs, in any order, possibly repeating a key.
pub type Side = [(String, Value)];

/// What to compare.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileOptions {
    /// Owned fields to compare: a top-level name (`available`) or a JSON pointer
    /// (`/price/amount`). Empty means compare whole values, reported as field `*`.
    pub fields: Vec<String>,
    /// Numeric fields to total on each side (same syntax as `fields`).
    pub numeric_fields: Vec<String>,
}

/// One owned field that differs for one key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDrift {
    /// The entity key.
    pub key: String,
    /// The field, as named in the options.
    pub field: String,
    /// The source's value (null when absent).
    pub source: Value,
    /// The target's value (null when absent).
    pub target: Value,
    /// `target - source` when both are numbers.
    pub delta: Option<f64>,
}

/// Sums of one numeric field on each side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SideTotals {
    /// Sum over every source record (duplicates included).
    pub source: f64,
    /// Sum over every target record (duplicates included).
    pub target: f64,
}

/// How many keys fell into each class. Each key of the union is in exactly one of
/// `matching`, `missing_in_target`, `missing_in_source` and `different`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DriftCounts {
    /// Records on the source side.
    pub source_records: usize,
    /// Records on the target side.
    pub target_records: usize,
    /// Distinct keys over both sides.
    pub keys: usize,
    /// Keys on both sides with equal owned fields.
    pub matching: usize,
    /// Keys only on the source side.
    pub missing_in_target: usize,
    /// Keys only on the target side.
    pub missing_in_source: usize,
    /// Keys on both sides with at least one differing owned field.
    pub different: usize,
}

/// The drift between two sides.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DriftReport {
    /// Keys the source has and the target lacks, sorted.
    pub missing_in_target: Vec<String>,
    /// Keys the target has and the source lacks, sorted.
    pub missing_in_source: Vec<String>,
    /// Differing owned fields, by key then field. With duplicates, the first record of a key
    /// on each side is compared.
    pub different: Vec<FieldDrift>,
    /// Keys listed more than once on the source side, with how many times.
    pub duplicates_source: BTreeMap<String, usize>,
    /// Keys listed more than once on the target side, with how many times.
    pub duplicates_target: BTreeMap<String, usize>,
    /// Per numeric field, the sum on each side.
    pub totals: BTreeMap<String, SideTotals>,
    /// Keys per class.
    pub counts: DriftCounts,
}

/// Compare `source` with `target`.
pub fn diff(source: &Side, target: &Side, opts: &ReconcileOptions) -> DriftReport {
    let (src, dup_s) = index(source);
    let (tgt, dup_t) = index(target);
    let mut r = DriftReport {
        duplicates_source: dup_s,
        duplicates_target: dup_t,
        ..DriftReport::default()
    };
    let keys: BTreeSet<&str> = src.keys().chain(tgt.keys()).copied().collect();
    for key in &keys {
        match (src.get(key), tgt.get(key)) {
            (Some(_), None) => r.missing_in_target.push(key.to_string()),
            (None, Some(_)) => r.missing_in_source.push(key.to_string()),
            (Some(s), Some(t)) => {
                let before = r.different.len();
                compare(key, s, t, opts, &mut r.different);
                if r.different.len() == before {
                    r.counts.matching += 1;
                } else {
                    r.counts.different += 1;
                }
            }
            (None, None) => unreachable!("key came from one of the sides"),
        }
    }
    for field in &opts.numeric_fields {
        let sum = |side: &Side| side.iter().filter_map(|(_, v)| number(get(v, field))).sum();
        r.totals.insert(
            field.clone(),
            SideTotals {
                source: sum(source),
                target: sum(target),
            },
        );
    }
    r.counts.source_records = source.len();
    r.counts.target_records = target.len();
    r.counts.keys = keys.len();
    r.counts.missing_in_target = r.missing_in_target.len();
    r.counts.missing_in_source = r.missing_in_source.len();
    r
}

fn index(side: &Side) -> (BTreeMap<&str, &Value>, BTreeMap<String, usize>) {
    let mut first = BTreeMap::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (k, v) in side {
        first.entry(k.as_str()).or_insert(v);
        *seen.entry(k.as_str()).or_default() += 1;
    }
    let dups = seen
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(k, n)| (k.to_string(), n))
        .collect();
    (first, dups)
}

fn compare(key: &str, s: &Value, t: &Value, opts: &ReconcileOptions, out: &mut Vec<FieldDrift>) {
    let whole = ["*".to_string()];
    let fields: &[String] = if opts.fields.is_empty() {
        &whole
    } else {
        &opts.fields
    };
    for field in fields {
        let (sv, tv) = if field == "*" && opts.fields.is_empty() {
            (s, t)
        } else {
            (get(s, field), get(t, field))
        };
        if !same(sv, tv) {
            out.push(FieldDrift {
                key: key.to_string(),
                field: field.clone(),
                source: sv.clone(),
                target: tv.clone(),
                delta: number(tv).zip(number(sv)).map(|(t, s)| t - s),
            });
        }
    }
}

fn get<'v>(v: &'v Value, field: &str) -> &'v Value {
    let found = if field.starts_with('/') {
        v.pointer(field)
    } else {
        v.get(field)
    };
    found.unwrap_or(&Value::Null)
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// JSON equality, except that numbers compare by value (`1` equals `1.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        _ => a == b,
    }
}

impl DriftReport {
    /// Whether the sides agree completely (no missing, different or duplicate keys).
    pub fn is_clean(&self) -> bool {
        self.missing_in_target.is_empty()
            && self.missing_in_source.is_empty()
            && self.different.is_empty()
            && self.duplicates_source.is_empty()
            && self.duplicates_target.is_empty()
    }

    /// A one-screen text for a human: counts, totals, then the worst differences (largest
    /// absolute delta first, non-numeric ones after), and the first missing and duplicate keys.
    pub fn summary(&self) -> String {
        const SHOWN: usize = 10;
        let c = &self.counts;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} keys ({} source records, {} target records): {} match, {} differ, {} missing in target, {} missing in source",
            c.keys,
            c.source_records,
            c.target_records,
            c.matching,
            c.different,
            c.missing_in_target,
            c.missing_in_source
        );
        for (field, t) in &self.totals {
            let _ = writeln!(
                s,
                "total {field}: source {} target {} (target - source = {})",
                t.source,
                t.target,
                t.target - t.source
            );
        }
        let mut worst: Vec<&FieldDrift> = self.different.iter().collect();
        worst.sort_by(|a, b| {
            let mag = |d: &FieldDrift| d.delta.map(f64::abs).unwrap_or(-1.0);
            mag(b).total_cmp(&mag(a)).then_with(|| a.key.cmp(&b.key))
        });
        if !worst.is_empty() {
            let _ = writeln!(s, "worst differences:");
        }
        for d in worst.iter().take(SHOWN) {
            let delta = d.delta.map(|x| format!(" ({x:+})")).unwrap_or_default();
            let _ = writeln!(
                s,
                "  {} {}: source {} target {}{delta}",
                d.key, d.field, d.source, d.target
            );
        }
        more(&mut s, self.different.len(), SHOWN, "differences");
        list(&mut s, "missing in target", &self.missing_in_target, SHOWN);
        list(&mut s, "missing in source", &self.missing_in_source, SHOWN);
        let dup = |m: &BTreeMap<String, usize>| {
            m.iter()
                .map(|(k, n)| format!("{k} x{n}"))
                .collect::<Vec<_>>()
        };
        list(
            &mut s,
            "duplicated in source",
            &dup(&self.duplicates_source),
            SHOWN,
        );
        list(
            &mut s,
            "duplicated in target",
            &dup(&self.duplicates_target),
            SHOWN,
        );
        if self.is_clean() {
            let _ = writeln!(s, "no drift");
        }
        s
    }
}

fn list(s: &mut String, title: &str, items: &[String], shown: usize) {
    if items.is_empty() {
        return;
    }
    let head: Vec<&str> = items.iter().take(shown).map(String::as_str).collect();
    let _ = writeln!(s, "{title} ({}): {}", items.len(), head.join(", "));
    more(s, items.len(), shown, "more");
}

fn more(s: &mut String, total: usize, shown: usize, what: &str) {
    if total > shown {
        let _ = writeln!(s, "  ... and {} {what} not shown", total - shown);
    }
}

#[cfg(test)]
mod tests;
