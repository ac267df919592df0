//! `--format openmetrics`: the workload profile as OpenMetrics text exposition, for
//! Prometheus and Grafana — the log's totals, then the top statements by total time (one
//! series each per family, labelled by fingerprint and a short text of the statement).
//!
//! Counters hold the totals of the logs read (a run over other logs starts them again, as a
//! restarted process would); statement durations are a summary whose quantiles come from
//! the profile's sketch and whose `_sum` is the logged time. No sample carries a timestamp:
//! the exposition is of the run, and node_exporter's textfile collector refuses them.

use super::{Report, one_line};
use crate::model::events::Cancellations;
use crate::model::tally::Tally;
use crate::model::workload::QueryStats;
use std::fmt::Write;

/// How much of a statement its `query` label shows.
const QUERY_LABEL_WIDTH: usize = 80;

/// What a family's samples are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    Counter,
    Gauge,
    Summary,
}

impl Type {
    fn name(self) -> &'static str {
        match self {
            Type::Counter => "counter",
            Type::Gauge => "gauge",
            Type::Summary => "summary",
        }
    }
}

/// One metric family: its metadata, then its samples, written together (OpenMetrics wants
/// a family's samples in one run).
struct Family<'o> {
    out: &'o mut String,
    name: &'static str,
    kind: Type,
}

impl<'o> Family<'o> {
    fn start(
        out: &'o mut String,
        name: &'static str,
        kind: Type,
        unit: Option<&str>,
        help: &str,
    ) -> Self {
        let _ = writeln!(out, "# TYPE {name} {}", kind.name());
        if let Some(unit) = unit {
            let _ = writeln!(out, "# UNIT {name} {unit}");
        }
        let _ = writeln!(out, "# HELP {name} {}", escape(help));
        Family { out, name, kind }
    }

    /// A sample of the family: `_total` for a counter, the suffix given for a summary.
    fn sample(&mut self, suffix: &str, labels: &[(&str, &str)], value: f64) {
        let suffix = match self.kind {
            Type::Counter => "_total",
            Type::Gauge | Type::Summary => suffix,
        };
        let _ = writeln!(
            self.out,
            "{}{suffix}{} {}",
            self.name,
            label_set(labels),
            number(value)
        );
    }
}

/// A sample's value: whole numbers as integers, others to the microsecond (the precision of
/// the log's durations), without trailing zeros.
fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        return format!("{value:.0}");
    }
    let text = format!("{value:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `{a="x",b="y"}`, or nothing without labels.
fn label_set(labels: &[(&str, &str)]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = labels
        .iter()
        .map(|(name, value)| format!("{name}=\"{}\"", escape(value)))
        .collect();
    format!("{{{}}}", pairs.join(","))
}

/// A label value or help text as OpenMetrics writes it: backslash, double quote and newline
/// escaped (`\\`, `\"`, `\n`), every other character as it is.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// The exposition of the report's workload: its totals and its `top` statements by total
/// time, ending with `# EOF`.
pub fn render(report: &Report, top: usize) -> String {
    let mut out = String::new();
    write_log_families(&mut out, report);
    let queries: Vec<Labelled> = report
        .queries
        .with_stats()
        .take(top)
        .map(|(view, stats)| Labelled::new(&view.fingerprint, view.normalized, stats))
        .collect();
    write_query_families(&mut out, &queries);
    out.push_str("# EOF\n");
    out
}

/// A counter of the log: its name, unit, help, and its value in a report.
type LogCounter = (
    &'static str,
    Option<&'static str>,
    &'static str,
    fn(&Report) -> f64,
);

const LOG_COUNTERS: [LogCounter; 10] = [
    (
        "planwise_log_statements",
        None,
        "Statement executions read from the logs.",
        |r| r.summary.statements as f64,
    ),
    (
        "planwise_log_errors",
        None,
        "ERROR, FATAL and PANIC entries.",
        |r| r.summary.errors as f64,
    ),
    (
        "planwise_log_statement_time_seconds",
        Some("seconds"),
        "Time of the timed statements.",
        |r| r.summary.total_ms / 1000.0,
    ),
    (
        "planwise_log_plans",
        None,
        "auto_explain plans read.",
        |r| r.events.plans as f64,
    ),
    (
        "planwise_log_temp_files",
        None,
        "Temporary files logged (log_temp_files).",
        |r| r.events.temp_files.count as f64,
    ),
    (
        "planwise_log_temp_bytes",
        Some("bytes"),
        "Bytes of the temporary files logged.",
        |r| r.events.temp_files.bytes as f64,
    ),
    (
        "planwise_log_lock_waits",
        None,
        "Lock waits logged as still waiting (log_lock_waits).",
        |r| r.events.lock_waits as f64,
    ),
    ("planwise_log_deadlocks", None, "Deadlocks detected.", |r| {
        r.events.deadlocks as f64
    }),
    (
        "planwise_log_checkpoints",
        None,
        "Checkpoints completed (log_checkpoints).",
        |r| r.events.checkpoints as f64,
    ),
    (
        "planwise_log_connections",
        None,
        "Connections authorized (log_connections).",
        |r| r.events.connections as f64,
    ),
];

fn write_log_families(out: &mut String, report: &Report) {
    for (name, unit, help, value) in LOG_COUNTERS {
        Family::start(out, name, Type::Counter, unit, help).sample("", &[], value(report));
    }
    let events = &report.events;
    let mut cancellations = Family::start(
        out,
        "planwise_log_cancellations",
        Type::Counter,
        None,
        "Statements cancelled, by reason.",
    );
    for (reason, count) in by_reason(events.cancellations) {
        cancellations.sample("", &[("reason", reason)], count as f64);
    }
    let mut autovacuum = Family::start(
        out,
        "planwise_log_autovacuum_runs",
        Type::Counter,
        None,
        "Autovacuum runs logged (log_autovacuum_min_duration), by kind.",
    );
    autovacuum.sample("", &[("kind", "vacuum")], events.autovacuum.vacuum as f64);
    autovacuum.sample("", &[("kind", "analyze")], events.autovacuum.analyze as f64);
    Family::start(
        out,
        "planwise_log_distinct_queries",
        Type::Gauge,
        None,
        "Distinct statements (fingerprints) read.",
    )
    .sample("", &[], report.summary.distinct_queries as f64);
}

/// A statement's or the log's cancellations, by the `reason` label.
fn by_reason(c: Cancellations) -> [(&'static str, u64); 3] {
    [
        ("statement_timeout", c.statement_timeout),
        ("lock_timeout", c.lock_timeout),
        ("user_request", c.user_request),
    ]
}

/// A statement with its labels.
struct Labelled<'a> {
    labels: Vec<(&'static str, String)>,
    stats: &'a QueryStats,
}

impl<'a> Labelled<'a> {
    /// `queryid` (the fingerprint) and `query` (the text shortened), and the database and
    /// user when the statement ran in one of each: a statement of several has no such
    /// label, its calls not being known by database and user together.
    fn new(fingerprint: &str, normalized: &str, stats: &'a QueryStats) -> Self {
        let mut labels = vec![
            ("queryid", fingerprint.to_string()),
            ("query", one_line(normalized, QUERY_LABEL_WIDTH)),
        ];
        for (label, tally) in [("database", &stats.databases), ("user", &stats.users)] {
            if let Some(name) = only_name(tally) {
                labels.push((label, name.to_string()));
            }
        }
        Labelled { labels, stats }
    }

    fn with(&self, extra: Option<(&'static str, &'a str)>) -> Vec<(&str, &str)> {
        let mut labels: Vec<(&str, &str)> =
            self.labels.iter().map(|(n, v)| (*n, v.as_str())).collect();
        labels.extend(extra);
        labels
    }
}

/// The one name of a tally that has exactly one.
fn only_name(tally: &Tally) -> Option<&str> {
    let mut names = tally.iter();
    match (names.next(), names.next()) {
        (Some((name, _)), None) => Some(name),
        _ => None,
    }
}

/// A counter of a statement: its name, unit, help, and its value in the statement's stats.
type QueryCounter = (
    &'static str,
    Option<&'static str>,
    &'static str,
    fn(&QueryStats) -> f64,
);

const QUERY_COUNTERS: [QueryCounter; 8] = [
    (
        "planwise_query_calls",
        None,
        "Executions of the statement, timed or not.",
        |s| s.calls as f64,
    ),
    (
        "planwise_query_errors",
        None,
        "Errors the statement raised.",
        |s| s.errors as f64,
    ),
    (
        "planwise_query_plans",
        None,
        "auto_explain plans of the statement.",
        |s| s.events().plans as f64,
    ),
    (
        "planwise_query_temp_files",
        None,
        "Temporary files the statement wrote.",
        |s| s.events().temp_files.count as f64,
    ),
    (
        "planwise_query_temp_bytes",
        Some("bytes"),
        "Bytes of the temporary files the statement wrote.",
        |s| s.events().temp_files.bytes as f64,
    ),
    (
        "planwise_query_lock_waits",
        None,
        "Times the statement waited on a lock past deadlock_timeout.",
        |s| s.events().lock_waits as f64,
    ),
    (
        "planwise_query_lock_wait_seconds",
        Some("seconds"),
        "Time the statement waited for the locks it acquired after waiting.",
        |s| s.events().lock_acquired_wait_us as f64 / 1e6,
    ),
    (
        "planwise_query_deadlocks",
        None,
        "Deadlocks the statement was one of the statements of.",
        |s| s.events().deadlocks as f64,
    ),
];

fn write_query_families(out: &mut String, queries: &[Labelled]) {
    write_durations(out, queries);
    for (name, unit, help, pick) in QUERY_COUNTERS {
        let mut family = Family::start(out, name, Type::Counter, unit, help);
        for query in queries {
            family.sample("", &query.with(None), pick(query.stats));
        }
    }
    let mut cancellations = Family::start(
        out,
        "planwise_query_cancellations",
        Type::Counter,
        None,
        "Times the statement was cancelled, by reason.",
    );
    for query in queries {
        for (reason, count) in by_reason(query.stats.events().cancellations) {
            cancellations.sample("", &query.with(Some(("reason", reason))), count as f64);
        }
    }
}

/// Quantiles the duration summary gives.
const QUANTILES: [(f64, &str); 3] = [(0.5, "0.5"), (0.95, "0.95"), (0.99, "0.99")];

fn write_durations(out: &mut String, queries: &[Labelled]) {
    let mut family = Family::start(
        out,
        "planwise_query_duration_seconds",
        Type::Summary,
        Some("seconds"),
        "Logged durations of the statement: quantiles from its sketch (within 1 %), _sum the \
         time of its timed calls, _count those calls.",
    );
    for query in queries {
        let stats = query.stats;
        for (q, label) in QUANTILES {
            if let Some(ms) = super::percentile(stats, q) {
                family.sample("", &query.with(Some(("quantile", label))), ms / 1000.0);
            }
        }
        family.sample("_sum", &query.with(None), stats.total_us as f64 / 1e6);
        family.sample("_count", &query.with(None), stats.timed_calls as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_escape_backslashes_quotes_and_newlines_only() {
        assert_eq!(escape(r#"a\b"c"#), r#"a\\b\"c"#);
        assert_eq!(escape("one\ntwo\tthree ü"), "one\\ntwo\tthree ü");
        assert_eq!(
            label_set(&[("query", "SELECT '\\'\n"), ("user", "app")]),
            r#"{query="SELECT '\\'\n",user="app"}"#
        );
        assert_eq!(label_set(&[]), "");
    }

    #[test]
    fn a_family_writes_its_metadata_before_its_samples_and_suffixes_counters() {
        let mut out = String::new();
        let mut family = Family::start(
            &mut out,
            "planwise_x_bytes",
            Type::Counter,
            Some("bytes"),
            "A \"quoted\" help.",
        );
        family.sample("", &[("a", "1")], 5.0);
        assert_eq!(
            out,
            "# TYPE planwise_x_bytes counter\n# UNIT planwise_x_bytes bytes\n\
             # HELP planwise_x_bytes A \\\"quoted\\\" help.\nplanwise_x_bytes_total{a=\"1\"} 5\n"
        );
    }
}
