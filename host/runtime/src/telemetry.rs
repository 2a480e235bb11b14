//! Telemetry: every read, write, drop, park, retry, replay and heal is a typed [`Event`] that is
//! logged and counted here, in one place, and rendered as Prometheus text.
//!
//! Counters are keyed by metric name and a pre-rendered label set, so rendering is a plain walk.
//! This module deliberately does not serve HTTP (the admin API does) nor keep history beyond the
//! process: counters restart at zero, as Prometheus expects.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use weft_sync::{ErrorClass, ParkedRecord};

/// Upper bounds of the page-commit latency histogram, in seconds.
const COMMIT_BUCKETS: [f64; 9] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 2.0];

/// Something that happened to records of a flow, or to a plugin.
#[derive(Debug)]
pub enum Event<'a> {
    /// Records read from the source.
    Read { flow: &'a str, count: u64 },
    /// Effects the target confirmed.
    Written { flow: &'a str, count: u64 },
    /// Records not sent again because the ledger already had their key.
    Duplicates { flow: &'a str, count: u64 },
    /// A record a transform dropped on purpose.
    Dropped {
        flow: &'a str,
        key: &'a str,
        reason: &'a str,
    },
    /// A record parked.
    Parked { record: &'a ParkedRecord },
    /// A record waiting for a dependency.
    Waiting {
        flow: &'a str,
        key: &'a str,
        dependency: &'a str,
    },
    /// A write sent again after a failure of this class.
    Retry {
        flow: &'a str,
        key: &'a str,
        class: ErrorClass,
    },
    /// A parked or waiting record re-run; `outcome` is what became of it.
    Replayed {
        flow: &'a str,
        key: &'a str,
        outcome: &'a str,
    },
    /// A drifted record written again by reconciliation.
    Healed { flow: &'a str, count: u64 },
    /// A page committed in `seconds`.
    Committed { flow: &'a str, seconds: f64 },
    /// A whole run failed (read error, unusable transform config); the cursor did not move.
    RunFailed { flow: &'a str, error: &'a str },
    /// A plugin call finished; `error` names the failure kind, if it failed.
    PluginCall {
        plugin: &'a str,
        fuel: u64,
        error: Option<&'a str>,
    },
}

#[derive(Default)]
struct Inner {
    counters: BTreeMap<(&'static str, String), u64>,
    gauges: BTreeMap<(&'static str, String), f64>,
    commits: BTreeMap<String, [u64; COMMIT_BUCKETS.len() + 1]>,
    commit_sums: BTreeMap<String, f64>,
    commit_samples: BTreeMap<String, Vec<f64>>,
}

/// Commit latencies kept per flow for percentiles (the newest win once full).
const COMMIT_SAMPLES: usize = 10_000;

/// The host's counters and gauges.
#[derive(Default)]
pub struct Telemetry {
    inner: Mutex<Inner>,
}

fn esc(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn flow_label(flow: &str) -> String {
    format!("flow=\"{}\"", esc(flow))
}

impl Telemetry {
    /// Empty counters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Log and count one event.
    pub fn emit(&self, event: Event<'_>) {
        use Event::*;
        match &event {
            Dropped { flow, key, reason } => {
                tracing::info!(flow, key, reason, "record dropped by transform")
            }
            Parked { record } => tracing::warn!(
                flow = %record.flow, key = %record.key, class = record.error.class.name(),
                attempts = record.attempts, error = %record.error.message, "record parked"
            ),
            Waiting {
                flow,
                key,
                dependency,
            } => {
                tracing::info!(flow, key, dependency, "record waiting for a dependency")
            }
            Retry { flow, key, class } => {
                tracing::debug!(flow, key, class = class.name(), "write retried")
            }
            Replayed { flow, key, outcome } => {
                tracing::info!(flow, key, outcome, "record replayed")
            }
            RunFailed { flow, error } => tracing::error!(flow, error, "flow run failed"),
            PluginCall {
                plugin,
                error: Some(error),
                ..
            } => {
                tracing::warn!(plugin, error, "plugin call failed")
            }
            other => tracing::trace!(event = ?other),
        }
        let mut inner = self.inner.lock().expect("telemetry lock");
        let mut add = |metric: &'static str, labels: String, n: u64| {
            *inner.counters.entry((metric, labels)).or_default() += n;
        };
        match event {
            Read { flow, count } => add("weft_records_read_total", flow_label(flow), count),
            Written { flow, count } => add("weft_records_written_total", flow_label(flow), count),
            Duplicates { flow, count } => {
                add("weft_records_duplicate_total", flow_label(flow), count)
            }
            Dropped { flow, .. } => add("weft_records_dropped_total", flow_label(flow), 1),
            Parked { record } => add(
                "weft_records_parked_total",
                format!(
                    "{},class=\"{}\"",
                    flow_label(&record.flow),
                    record.error.class.name()
                ),
                1,
            ),
            Waiting { flow, .. } => add("weft_records_waiting_total", flow_label(flow), 1),
            Retry { flow, class, .. } => add(
                "weft_retries_total",
                format!("{},class=\"{}\"", flow_label(flow), class.name()),
                1,
            ),
            Replayed { flow, outcome, .. } => add(
                "weft_records_replayed_total",
                format!("{},outcome=\"{}\"", flow_label(flow), esc(outcome)),
                1,
            ),
            Healed { flow, count } => add("weft_records_healed_total", flow_label(flow), count),
            RunFailed { flow, .. } => add("weft_flow_run_failures_total", flow_label(flow), 1),
            Committed { flow, seconds } => {
                add("weft_pages_committed_total", flow_label(flow), 1);
                let bucket = COMMIT_BUCKETS
                    .iter()
                    .position(|b| seconds <= *b)
                    .unwrap_or(COMMIT_BUCKETS.len());
                inner.commits.entry(flow.to_string()).or_default()[bucket] += 1;
                *inner.commit_sums.entry(flow.to_string()).or_default() += seconds;
                let samples = inner.commit_samples.entry(flow.to_string()).or_default();
                if samples.len() == COMMIT_SAMPLES {
                    samples.remove(0);
                }
                samples.push(seconds);
            }
            PluginCall {
                plugin,
                fuel,
                error,
            } => {
                let p = format!("plugin=\"{}\"", esc(plugin));
                add("weft_plugin_calls_total", p.clone(), 1);
                add("weft_plugin_fuel_used_total", p.clone(), fuel);
                if let Some(kind) = error {
                    add(
                        "weft_plugin_failures_total",
                        format!("{p},kind=\"{}\"", esc(kind)),
                        1,
                    );
                }
            }
        }
    }

    /// Set a gauge, e.g. `weft_flow_lag_seconds{flow="..."}`.
    pub fn gauge(&self, metric: &'static str, labels: String, value: f64) {
        self.inner
            .lock()
            .expect("telemetry lock")
            .gauges
            .insert((metric, labels), value);
    }

    /// The value of a counter for a flow (summed over its other labels); for tests and the CLI.
    pub fn flow_counter(&self, metric: &str, flow: &str) -> u64 {
        let label = flow_label(flow);
        self.inner
            .lock()
            .expect("telemetry lock")
            .counters
            .iter()
            .filter(|((m, l), _)| {
                *m == metric && (l == &label || l.starts_with(&format!("{label},")))
            })
            .map(|(_, v)| v)
            .sum()
    }

    /// The latest page-commit latencies of a flow, in seconds, oldest first.
    pub fn commit_seconds(&self, flow: &str) -> Vec<f64> {
        let inner = self.inner.lock().expect("telemetry lock");
        inner.commit_samples.get(flow).cloned().unwrap_or_default()
    }

    /// Everything in the Prometheus text exposition format.
    pub fn render_prometheus(&self) -> String {
        let inner = self.inner.lock().expect("telemetry lock");
        let mut out = String::new();
        let mut last = "";
        for ((metric, labels), value) in &inner.counters {
            if *metric != last {
                let _ = writeln!(out, "# TYPE {metric} counter");
                last = metric;
            }
            let _ = writeln!(out, "{metric}{{{labels}}} {value}");
        }
        for ((metric, labels), value) in &inner.gauges {
            let _ = writeln!(out, "# TYPE {metric} gauge\n{metric}{{{labels}}} {value}");
        }
        if !inner.commits.is_empty() {
            let _ = writeln!(out, "# TYPE weft_page_commit_seconds histogram");
        }
        for (flow, counts) in &inner.commits {
            let label = flow_label(flow);
            let mut cumulative = 0;
            for (i, bound) in COMMIT_BUCKETS.iter().enumerate() {
                cumulative += counts[i];
                let _ = writeln!(
                    out,
                    "weft_page_commit_seconds_bucket{{{label},le=\"{bound}\"}} {cumulative}"
                );
            }
            cumulative += counts[COMMIT_BUCKETS.len()];
            let _ = writeln!(
                out,
                "weft_page_commit_seconds_bucket{{{label},le=\"+Inf\"}} {cumulative}"
            );
            let sum = inner.commit_sums.get(flow).copied().unwrap_or(0.0);
            let _ = writeln!(out, "weft_page_commit_seconds_sum{{{label}}} {sum}");
            let _ = writeln!(
                out,
                "weft_page_commit_seconds_count{{{label}}} {cumulative}"
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_flow_and_renders_prometheus_text() {
        let t = Telemetry::new();
        t.emit(Event::Read {
            flow: "acme/stock",
            count: 5,
        });
        t.emit(Event::Retry {
            flow: "acme/stock",
            key: "A@1",
            class: ErrorClass::RateLimited,
        });
        t.emit(Event::Retry {
            flow: "acme/stock",
            key: "B@1",
            class: ErrorClass::Transient,
        });
        t.emit(Event::Committed {
            flow: "acme/stock",
            seconds: 0.003,
        });
        assert_eq!(t.flow_counter("weft_retries_total", "acme/stock"), 2);
        assert_eq!(t.flow_counter("weft_records_read_total", "acme/other"), 0);
        let text = t.render_prometheus();
        assert!(
            text.contains("weft_records_read_total{flow=\"acme/stock\"} 5"),
            "{text}"
        );
        assert!(text.contains("weft_retries_total{flow=\"acme/stock\",class=\"rate-limited\"} 1"));
        assert!(
            text.contains("weft_page_commit_seconds_bucket{flow=\"acme/stock\",le=\"0.005\"} 1")
        );
        assert!(
            text.contains("weft_page_commit_seconds_bucket{flow=\"acme/stock\",le=\"0.002\"} 0")
        );
    }
}
