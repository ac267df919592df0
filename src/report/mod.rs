//! Reports: one view of the results, built once from the model, rendered by one module per
//! format. Rendering only — no analysis happens here.

pub mod check;
pub mod doctor;
pub mod json;
pub mod log_events;
pub mod markdown;
pub mod openmetrics;
pub mod table;
pub mod terminal;
pub mod text;
pub mod whatif;

use crate::analysis::facts::QueryFacts;
use crate::analysis::index::cost::CutShort;
use crate::analysis::index::selection::Plan;
use crate::analysis::join_graph::{JoinGraph, JoinStats, TableNode};
use crate::analysis::verification::{
    DropVerified, IndexVerified, RewriteVerified, Summary, Verified,
};
use crate::findings::{Basis, Finding, Saving, Weighting};
use crate::model::catalog::Catalog;
use crate::model::ddl::loader::SchemaCounts;
use crate::model::diagnostics::Diagnostics;
use crate::model::events::{Cancellations, Events};
use crate::model::tally::Tally;
use crate::model::time::format_timestamp;
use crate::model::workload::{Profile, QueryStats};
use crate::sql::fingerprint::format_id;
use crate::units::{human_bytes, human_duration, thousands};
use log_events::LogEventsView;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Text for a terminal (or a Markdown viewer) with its control characters shown, not
/// obeyed: statements come from logs and migrations, and an escape sequence in one must
/// not retitle the terminal, hide lines or forge output. C0 controls (but the newline and
/// tab the layout itself uses), DEL and C1 become `\x1b`-style escapes. JSON needs none of
/// this: serde writes control characters as `\u001b`.
pub fn escape_controls(text: String) -> String {
    let escaped = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.contains(escaped) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if escaped(c) {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// Version of the JSON report's shape; bumped on any breaking change.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    #[value(alias = "markdown")]
    Md,
}

/// `workload --format`: the shared formats, and OpenMetrics for Prometheus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WorkloadFormat {
    Table,
    Json,
    #[value(alias = "markdown")]
    Md,
    /// OpenMetrics text exposition: the totals and the top statements (`--top`).
    Openmetrics,
}

/// `analyze --format`: the workload formats and the terminal view of the findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AnalyzeFormat {
    /// The findings for a terminal, one block each, then a summary.
    Text,
    /// The workload's top queries as a table, the findings one line each.
    Table,
    Json,
    /// The report to share.
    #[value(alias = "markdown")]
    Md,
}

/// Everything a report shows, in output order.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub schema_version: u32,
    pub summary: SummaryView,
    /// What the log says besides statements (all zero for pg_stat_statements and `.sql`).
    pub events: EventsView,
    /// The events by time and the statements that caused the most (the Markdown and
    /// terminal views; the JSON has each query's own counts).
    #[serde(skip)]
    pub log_events: LogEventsView<'a>,
    pub queries: Queries<'a>,
    pub loops: Vec<LoopView>,
    pub diagnostics: Vec<DiagnosticView>,
    /// Present in `analyze` reports: the schema, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaView>,
    /// Present in `analyze` reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_graph: Option<JoinGraphView>,
    /// Present in `analyze` reports; absent from `workload`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub findings: Option<FindingsList>,
    /// The index advisor's totals, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_advice: Option<IndexAdviceView>,
    /// Present in `verify` reports: what was measured on the scratch copy, in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<Summary>,
}

/// What `verify` measured: the summary, and each verified finding's figures by its place
/// among the findings.
#[derive(Debug, Default)]
pub struct Verification {
    pub summary: Summary,
    pub by_finding: BTreeMap<usize, Verified>,
}

/// The findings of a report, with what `verify` measured of each: a finding it verified
/// carries a `verified` object in the JSON.
#[derive(Debug, Default)]
pub struct FindingsList {
    pub items: Vec<Finding>,
    pub verified: BTreeMap<usize, Verified>,
}

impl FindingsList {
    /// What `verify` measured of the finding at `position`, if it measured it.
    pub fn verified(&self, position: usize) -> Option<&Verified> {
        self.verified.get(&position)
    }

    /// What `verify` measured of the index the finding at `position` recommends.
    pub fn verified_index(&self, position: usize) -> Option<&IndexVerified> {
        match self.verified(position)? {
            Verified::Index(index) => Some(index),
            Verified::Rewrite(_) | Verified::Drop(_) => None,
        }
    }
}

impl std::ops::Deref for FindingsList {
    type Target = [Finding];

    fn deref(&self) -> &[Finding] {
        &self.items
    }
}

impl Serialize for FindingsList {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Entry<'f> {
            #[serde(flatten)]
            finding: &'f Finding,
            #[serde(skip_serializing_if = "Option::is_none")]
            verified: Option<&'f Verified>,
        }
        serializer.collect_seq(self.items.iter().enumerate().map(|(i, finding)| Entry {
            finding,
            verified: self.verified(i),
        }))
    }
}

/// What `analyze` adds to the workload: facts, the join graph, the catalog.
pub struct Analysis<'a> {
    pub facts: &'a BTreeMap<u64, QueryFacts>,
    pub join_graph: &'a JoinGraph,
    pub catalog: Option<&'a Catalog>,
    /// What became of the `--schema` files' statements (none for a catalog read live).
    pub schema_counts: Option<SchemaCounts>,
    pub findings: Vec<Finding>,
    /// Findings left out by `[[suppress]]` entries of planwise.toml.
    pub suppressed: u64,
    pub index_plan: Option<&'a Plan>,
    /// `verify` only: what was measured on the scratch copy.
    pub verification: Option<Verification>,
}

/// The index advisor's workload totals (the per-index figures are in the findings).
#[derive(Debug, Serialize)]
pub struct IndexAdviceView {
    pub basis: Basis,
    /// What each statement weighs: its logged time where the log timed it, else its calls.
    pub weighted_by: Weighting,
    /// Σ weight × estimated cost with the existing indexes.
    pub cost_before: f64,
    /// The same with the recommended indexes, their upkeep included.
    pub cost_after: f64,
    /// `cost_after` as the greedy search left it, before local search improved it.
    pub cost_after_greedy: f64,
    pub indexes: usize,
    pub size_bytes: f64,
    /// Plans asked of the cost model.
    pub evaluations: usize,
    /// Fingerprints of statements that could not be costed.
    pub uncosted: Vec<String>,
    /// Statements left out of the advice (beyond `--advise-top`).
    pub statements_left_out: usize,
    /// Set when the what-if costing lost its server on the way (and what the advice rests
    /// on instead).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what_if_cut_short: Option<CutShort>,
}

#[derive(Debug, Serialize)]
pub struct JoinGraphView {
    pub nodes: Vec<TableNode>,
    pub edges: Vec<JoinStats>,
    /// Mermaid source of the graph (what the Markdown report draws).
    pub mermaid: String,
}

#[derive(Debug, Serialize)]
pub struct SchemaView {
    pub tables: usize,
    pub indexes: usize,
    pub views: usize,
    /// The `--schema` files' statements: read, applied, not modelled, unparsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statements: Option<SchemaCounts>,
    /// Largest first (by size, then rows, then name).
    pub largest_tables: Vec<TableSummary>,
}

#[derive(Debug, Serialize)]
pub struct TableSummary {
    pub table: String,
    pub columns: usize,
    pub rows: Option<f64>,
    pub total_bytes: Option<i64>,
    pub indexes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SummaryView {
    pub statements: u64,
    pub distinct_queries: usize,
    pub lines_read: u64,
    pub lines_skipped: u64,
    pub errors: u64,
    pub errors_by_sqlstate: BTreeMap<String, u64>,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub timezone: Option<String>,
    pub statements_per_second: Option<f64>,
    pub total_ms: f64,
    pub unpaired_durations: u64,
    /// Timed executions under 0.1 ms, 1 ms, 10 ms, 100 ms, 1 s, 10 s, and 10 s or more.
    pub latency_decades: [u64; 7],
    /// `analyze` only: findings left out by `[[suppress]]` entries of planwise.toml.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed_findings: Option<u64>,
}

/// The `events` object: a contract (README), exactly these names.
#[derive(Debug, Serialize)]
pub struct EventsView {
    /// `auto_explain` plans read.
    pub plans: u64,
    pub temp_files: TempFilesView,
    /// `still waiting for …` entries.
    pub lock_waits: u64,
    pub deadlocks: u64,
    pub cancellations: Cancellations,
    pub autovacuum: AutovacuumView,
    /// Completed checkpoints.
    pub checkpoints: u64,
    /// Authorized connections.
    pub connections: u64,
}

#[derive(Debug, Serialize)]
pub struct TempFilesView {
    pub count: u64,
    pub bytes: u64,
}

#[derive(Debug, Serialize)]
pub struct AutovacuumView {
    pub vacuum: u64,
    pub analyze: u64,
}

fn events_view(events: &Events) -> EventsView {
    EventsView {
        plans: events.plans,
        temp_files: TempFilesView {
            count: events.temp_files.count,
            bytes: events.temp_files.bytes,
        },
        lock_waits: events.lock_waits,
        deadlocks: events.deadlocks,
        cancellations: events.cancellations,
        autovacuum: AutovacuumView {
            vacuum: events.autovacuum.values().map(|t| t.vacuums).sum(),
            analyze: events.autovacuum.values().map(|t| t.analyzes).sum(),
        },
        checkpoints: events.checkpoints.completed,
        connections: events.connections.authorized,
    }
}

#[derive(Debug, Serialize)]
pub struct QueryView<'a> {
    pub fingerprint: String,
    pub normalized: &'a str,
    pub calls: u64,
    pub timed_calls: u64,
    pub total_ms: f64,
    /// Share of the workload's total time.
    pub time_share: f64,
    pub mean_ms: Option<f64>,
    pub min_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub rows: Option<u64>,
    pub errors: u64,
    /// `auto_explain` plans of the statement read from the log.
    pub plans: u64,
    /// Temporary files it wrote (`log_temp_files`) and their bytes.
    pub temp_files: u64,
    pub temp_bytes: u64,
    /// Times it waited on a lock past `deadlock_timeout` (`log_lock_waits`).
    pub lock_waits: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub databases: &'a Tally,
    pub users: &'a Tally,
    pub applications: &'a Tally,
    pub sample: Option<SampleView<'a>>,
    /// What the statement asks of the database (`analyze` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facts: Option<&'a QueryFacts>,
}

#[derive(Debug, Serialize)]
pub struct SampleView<'a> {
    pub statement: &'a str,
    pub parameters: Option<&'a str>,
    pub duration_ms: Option<f64>,
    pub at: Option<String>,
    pub location: Option<&'a str>,
}

/// The queries of a report, by total time: each view is made when it is read, so that a
/// workload of many distinct statements is not held twice (once in the profile, once in
/// its views) while the report is written.
pub struct Queries<'a> {
    ranked: Vec<(u64, &'a QueryStats)>,
    total_us: u64,
    facts: Option<&'a BTreeMap<u64, QueryFacts>>,
}

impl<'a> Queries<'a> {
    pub fn iter(&self) -> impl Iterator<Item = QueryView<'a>> + '_ {
        self.ranked.iter().map(|&(id, stats)| QueryView {
            facts: self.facts.and_then(|facts| facts.get(&id)),
            ..query_view(id, stats, self.total_us)
        })
    }

    pub fn len(&self) -> usize {
        self.ranked.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ranked.is_empty()
    }
}

/// A statement a report names by its fingerprint.
#[derive(Debug, Clone, Copy)]
pub struct NamedQuery<'a> {
    /// Its place among the queries by total time (0: the first).
    pub rank: usize,
    pub normalized: &'a str,
    pub calls: u64,
}

impl<'a> Queries<'a> {
    /// The statements among `fingerprints` (the ones the findings name), in one pass.
    pub fn named<'f>(
        &self,
        fingerprints: impl IntoIterator<Item = &'f str>,
    ) -> BTreeMap<String, NamedQuery<'a>> {
        let wanted: BTreeSet<&str> = fingerprints.into_iter().collect();
        let mut named = BTreeMap::new();
        for (rank, &(id, stats)) in self.ranked.iter().enumerate() {
            let fingerprint = format_id(id);
            if wanted.contains(fingerprint.as_str()) {
                let query = NamedQuery {
                    rank,
                    normalized: &stats.normalized,
                    calls: stats.calls,
                };
                named.insert(fingerprint, query);
            }
        }
        named
    }
}

impl<'a> Queries<'a> {
    /// Each view with the stats it was made from, for the formats that show more of them.
    pub fn with_stats(&self) -> impl Iterator<Item = (QueryView<'a>, &'a QueryStats)> + '_ {
        (self.ranked.iter()).map(|&(id, stats)| (query_view(id, stats, self.total_us), stats))
    }
}

impl std::fmt::Debug for Queries<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Queries<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// A fingerprint run back to back in sessions (what N+1 detection reads).
#[derive(Debug, Serialize)]
pub struct LoopView {
    /// What the session ran just before the loop (`null`: the session's start).
    pub parent: Option<String>,
    pub parent_query: Option<String>,
    pub fingerprint: String,
    pub query: String,
    pub loops: u64,
    pub calls: u64,
    pub median_size: u64,
    pub max_size: u64,
    pub total_ms: f64,
    pub span_ms: u64,
    pub repeated_value_loops: u64,
}

#[derive(Debug, Serialize)]
pub struct DiagnosticView {
    pub kind: crate::model::diagnostics::Kind,
    pub count: u64,
    pub examples: Vec<crate::model::diagnostics::Example>,
}

/// Rounds to the microsecond, so outputs are stable and readable.
fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

impl<'a> Report<'a> {
    /// Builds the view of a finished profile, with what `analyze` adds when given.
    pub fn new(profile: &'a Profile, analysis: Option<Analysis<'a>>) -> Report<'a> {
        let summary = &profile.summary;
        let queries = Queries {
            ranked: profile.queries_by_total_time(),
            total_us: summary.total_us.max(1),
            facts: analysis.as_ref().map(|a| a.facts),
        };
        let mut loops: Vec<LoopView> = profile
            .loops
            .iter()
            .map(|((parent, child), stats)| LoopView {
                parent: parent.map(format_id),
                parent_query: parent
                    .and_then(|p| Some(profile.queries.get(&p)?.normalized.clone())),
                fingerprint: format_id(*child),
                query: profile
                    .queries
                    .get(child)
                    .map(|q| q.normalized.clone())
                    .unwrap_or_default(),
                loops: stats.loops,
                calls: stats.calls,
                median_size: stats.median_size(),
                max_size: stats.max_size(),
                total_ms: ms(stats.total_us),
                span_ms: stats.span_ms,
                repeated_value_loops: stats.repeated_value_loops,
            })
            .collect();
        loops.sort_by(|a, b| {
            b.calls
                .cmp(&a.calls)
                .then(b.total_ms.total_cmp(&a.total_ms))
                .then(a.fingerprint.cmp(&b.fingerprint))
                .then(a.parent.cmp(&b.parent))
        });
        Report {
            schema_version: SCHEMA_VERSION,
            summary: SummaryView {
                statements: summary.statements,
                distinct_queries: profile.queries.len(),
                lines_read: summary.lines_read,
                lines_skipped: summary.lines_skipped,
                errors: summary.errors,
                errors_by_sqlstate: summary.errors_by_sqlstate.clone(),
                first_seen: summary.seen.first_seen.map(format_timestamp),
                last_seen: summary.seen.last_seen.map(format_timestamp),
                timezone: summary.timezone.clone(),
                statements_per_second: summary.statements_per_second().map(round3),
                total_ms: ms(summary.total_us),
                unpaired_durations: summary.unpaired_durations,
                latency_decades: summary.latency_decades,
                suppressed_findings: analysis.as_ref().map(|a| a.suppressed),
            },
            events: events_view(&profile.events),
            log_events: LogEventsView::new(profile),
            queries,
            loops,
            diagnostics: diagnostic_views(&profile.diagnostics),
            schema: analysis
                .as_ref()
                .and_then(|a| Some(schema_view(a.catalog?, a.schema_counts.clone()))),
            join_graph: analysis.as_ref().map(|a| JoinGraphView {
                nodes: a.join_graph.nodes().into_iter().cloned().collect(),
                edges: a.join_graph.edges().into_iter().cloned().collect(),
                mermaid: a.join_graph.to_mermaid(),
            }),
            index_advice: analysis
                .as_ref()
                .and_then(|a| a.index_plan)
                .map(index_advice_view),
            verification: analysis
                .as_ref()
                .and_then(|a| a.verification.as_ref())
                .map(|v| v.summary.clone()),
            findings: analysis.map(|a| FindingsList {
                items: a.findings,
                verified: a.verification.map(|v| v.by_finding).unwrap_or_default(),
            }),
        }
    }
}

fn index_advice_view(plan: &Plan) -> IndexAdviceView {
    IndexAdviceView {
        basis: plan.basis,
        weighted_by: plan.weighting,
        // `+ 0.0` turns the -0.0 of an empty sum into 0.
        cost_before: plan.baseline + 0.0,
        cost_after: plan.total + 0.0,
        cost_after_greedy: plan.greedy + 0.0,
        indexes: plan.chosen.len(),
        size_bytes: plan.chosen.iter().map(|c| c.size_bytes).sum(),
        evaluations: plan.evaluations,
        uncosted: plan.uncosted.iter().map(|id| format_id(*id)).collect(),
        statements_left_out: plan.left_out,
        what_if_cut_short: plan.cut_short.clone(),
    }
}

fn query_view(id: u64, stats: &QueryStats, total_us: u64) -> QueryView<'_> {
    QueryView {
        fingerprint: format_id(id),
        normalized: &stats.normalized,
        calls: stats.calls,
        timed_calls: stats.timed_calls,
        total_ms: ms(stats.total_us),
        time_share: round3(stats.total_us as f64 / total_us as f64),
        mean_ms: stats.mean_ms().map(round3),
        min_ms: stats.min_us.map(ms),
        max_ms: stats.max_us.map(ms),
        p50_ms: percentile(stats, 0.50),
        p95_ms: percentile(stats, 0.95),
        p99_ms: percentile(stats, 0.99),
        rows: stats.rows,
        errors: stats.errors,
        plans: stats.events().plans,
        temp_files: stats.events().temp_files.count,
        temp_bytes: stats.events().temp_files.bytes,
        lock_waits: stats.events().lock_waits,
        first_seen: stats.seen.first_seen.map(format_timestamp),
        last_seen: stats.seen.last_seen.map(format_timestamp),
        databases: &stats.databases,
        users: &stats.users,
        applications: &stats.applications,
        sample: stats.sample.as_ref().map(|sample| SampleView {
            statement: &sample.statement,
            parameters: sample.parameters.as_deref(),
            duration_ms: sample.duration_us.map(ms),
            at: sample.at.map(format_timestamp),
            location: sample.location.as_deref(),
        }),
        facts: None,
    }
}

fn schema_view(catalog: &Catalog, statements: Option<SchemaCounts>) -> SchemaView {
    let indexes = catalog.indexes_by_table();
    let mut largest_tables: Vec<TableSummary> = catalog
        .tables
        .values()
        .map(|table| TableSummary {
            table: table.name.to_string(),
            columns: table.columns.len(),
            rows: table.stats.as_ref().and_then(|s| s.rows),
            total_bytes: table.stats.as_ref().map(|s| s.total_bytes),
            indexes: indexes
                .get(&table.name)
                .into_iter()
                .flatten()
                .map(|index| index.name.name.clone())
                .collect(),
        })
        .collect();
    largest_tables.sort_by(|a, b| {
        b.total_bytes
            .cmp(&a.total_bytes)
            .then(b.rows.unwrap_or(0.0).total_cmp(&a.rows.unwrap_or(0.0)))
            .then(a.table.cmp(&b.table))
    });
    SchemaView {
        tables: catalog.tables.len(),
        indexes: catalog.indexes.len(),
        views: catalog.views.len(),
        statements,
        largest_tables,
    }
}

/// A percentile from the sketch, kept within the exact min and max (the sketch answers
/// with its bucket's value, up to 1 % off).
fn percentile(stats: &QueryStats, q: f64) -> Option<f64> {
    let value = stats.percentile_ms(q)?;
    let (min, max) = (ms(stats.min_us?), ms(stats.max_us?));
    Some(round3(value.clamp(min, max)))
}

fn diagnostic_views(diagnostics: &Diagnostics) -> Vec<DiagnosticView> {
    diagnostics
        .kinds
        .iter()
        .map(|(kind, entry)| DiagnosticView {
            kind: *kind,
            count: entry.count,
            examples: entry.examples.clone(),
        })
        .collect()
}

/// A statement shortened to one line of at most `width` characters.
pub fn one_line(sql: &str, width: usize) -> String {
    // Escaped before it is measured: a table sizes its columns by this text.
    let flat = escape_controls(sql.split_whitespace().collect::<Vec<_>>().join(" "));
    if flat.chars().count() <= width {
        flat
    } else {
        let cut: String = flat.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// The cost model an estimate comes from, for people.
pub fn basis_name(basis: Basis) -> &'static str {
    match basis {
        Basis::WhatIf => "HypoPG what-if on the live database",
        Basis::OfflineModel => "offline cost model",
    }
}

/// The advisor's outcome in one sentence: what the new indexes save, or that none would;
/// `emphasis` marks the figure that matters (bold in Markdown or in colour).
pub fn index_advice_summary(advice: &IndexAdviceView, emphasis: impl Fn(&str) -> String) -> String {
    let basis = basis_name(advice.basis);
    let cost = match advice.weighted_by {
        Weighting::LoggedTime => "cost, each statement weighted by its logged time,",
        Weighting::EstimatedCost => "estimated cost",
        Weighting::Mixed => "cost, each timed statement weighted by its logged time,",
    };
    if advice.indexes == 0 {
        return format!(
            "Index advice ({basis}): no new index to recommend (the workload's {}: {}).",
            cost.trim_end_matches(','),
            thousands(advice.cost_before)
        );
    }
    let one = advice.indexes == 1;
    let less = (1.0 - advice.cost_after / advice.cost_before) * 100.0;
    format!(
        "Index advice ({basis}): {} new index{} ({}) take{} the workload's {cost} from {} to {} \
         ({}).",
        advice.indexes,
        if one { "" } else { "es" },
        human_bytes(advice.size_bytes as i64),
        if one { "s" } else { "" },
        thousands(advice.cost_before),
        thousands(advice.cost_after),
        emphasis(&format!("{less:.1} % less"))
    )
}

/// What `verify` measured of an index, in a few words: `14.2× faster (52 ms → 3.7 ms)`,
/// or why it was not verified.
pub fn verified_phrase(verified: &IndexVerified) -> String {
    use crate::analysis::verification::Verdict;
    let (Some(verdict), Some(before), Some(after)) =
        (verified.verdict, verified.before_ms, verified.after_ms)
    else {
        let reason = verified.not_verified.as_deref().unwrap_or("no figures");
        return format!("not verified: {reason}");
    };
    let change = match verdict {
        Verdict::Faster => format!("{:.1}× faster", before / after.max(1e-3)),
        Verdict::NoGain => "no gain".to_string(),
        Verdict::Slower => format!("{:.1}× slower", after / before.max(1e-3)),
    };
    format!(
        "{change} ({} → {})",
        human_duration(before),
        human_duration(after)
    )
}

/// What `verify` measured of a rewrite: `same rows, 14.0× faster (52 ms → 3.7 ms)`, `results
/// differ (12 rows): not safe`, or why it was not compared.
pub fn rewrite_phrase(verified: &RewriteVerified) -> String {
    let times = match (verified.original_ms, verified.rewrite_ms) {
        (Some(original), Some(rewrite)) => {
            let change = if rewrite <= original {
                format!("{:.1}× faster", original / rewrite.max(1e-3))
            } else {
                format!("{:.1}× slower", rewrite / original.max(1e-3))
            };
            format!(
                "{change} ({} → {})",
                human_duration(original),
                human_duration(rewrite)
            )
        }
        _ => String::new(),
    };
    match (verified.same_rows, verified.differing_rows) {
        (Some(false), Some(rows)) => {
            format!("results differ ({}): not safe", plural_rows(rows))
        }
        (Some(true), _) if !times.is_empty() => format!("same rows, {times}"),
        (Some(true), _) => "same rows; not timed".to_string(),
        _ => {
            let reason = verified.not_verified.as_deref().unwrap_or("no figures");
            format!("not compared: {reason}")
        }
    }
}

fn plural_rows(rows: u64) -> String {
    format!(
        "{} row{}",
        thousands(rows as f64),
        if rows == 1 { "" } else { "s" }
    )
}

/// What `verify` measured of dropping an index: `safe to drop: …`, `needed: …`.
pub fn drop_phrase(verified: &DropVerified) -> String {
    match (verified.safe_to_drop, verified.most_slowed()) {
        (Some(true), _) => format!(
            "safe to drop: none of the {} statements timed on its table ran slower without it",
            verified.statements.len()
        ),
        (Some(false), Some(slowed)) => format!(
            "needed: {} ran {:.1}× slower without it ({} → {})",
            slowed.fingerprint,
            slowed.without_ms / slowed.with_ms.max(1e-3),
            human_duration(slowed.with_ms),
            human_duration(slowed.without_ms)
        ),
        _ => {
            let reason = verified
                .not_verified
                .as_deref()
                .unwrap_or("no statement on its table could be timed");
            format!("not verified: {reason}")
        }
    }
}

/// What `verify` measured of a finding, in a few words.
pub fn measured_phrase(verified: &Verified) -> String {
    match verified {
        Verified::Index(index) => verified_phrase(index),
        Verified::Rewrite(rewrite) => rewrite_phrase(rewrite),
        Verified::Drop(drop) => drop_phrase(drop),
    }
}

/// The build of a verified index: `2.1 MB (estimated 2.4 MB), built in 40 ms`.
pub fn built_phrase(verified: &IndexVerified) -> Option<String> {
    let size = verified.real_size_bytes?;
    Some(format!(
        "{} (estimated {}), built in {}",
        human_bytes(size),
        human_bytes(verified.estimated_size_bytes as i64),
        human_duration(verified.build_ms.unwrap_or(0.0))
    ))
}

/// The lines that sum up a verification, for people.
pub fn verification_lines(summary: &Summary) -> Vec<String> {
    let mut lines = vec![format!(
        "Measured on {} ({} timed runs a statement after one to warm the cache; medians): \
         {} faster, {} no gain, {} slower, {} not verified.",
        summary.scratch,
        summary.runs,
        summary.faster,
        summary.no_gain,
        summary.slower,
        summary.not_verified
    )];
    let held = |h: &crate::analysis::verification::Held| format!("{} of {}", h.held, h.of);
    lines.push(format!(
        "Estimates within 2× of the measurement: speedups {}, sizes {}.",
        held(&summary.speedup_estimates),
        held(&summary.size_estimates)
    ));
    let rewrites = summary.rewrites_faster
        + summary.rewrites_not_faster
        + summary.rewrites_differ
        + summary.rewrites_not_verified;
    if rewrites > 0 {
        lines.push(format!(
            "Rewrites: {} same rows and faster, {} same rows not faster, {} with other rows \
             (not safe), {} not compared.",
            summary.rewrites_faster,
            summary.rewrites_not_faster,
            summary.rewrites_differ,
            summary.rewrites_not_verified
        ));
    }
    let drops = summary.drops_safe + summary.drops_needed + summary.drops_not_verified;
    if drops > 0 {
        lines.push(format!(
            "Index drops: {} safe, {} needed by a statement, {} not measured.",
            summary.drops_safe, summary.drops_needed, summary.drops_not_verified
        ));
    }
    if let Some(together) = &summary.together {
        lines.push(format!(
            "All {} indexes together: the {} statements they serve take {} → {} over their \
             logged calls.",
            together.indexes,
            together.statements,
            human_duration(together.workload_before_ms),
            human_duration(together.workload_after_ms)
        ));
    }
    if summary.budget_ran_out {
        lines.push(
            "The verification budget ran out (--verify-budget): some findings were not verified."
                .into(),
        );
    }
    if let Some(signal) = &summary.interrupted {
        lines.push(format!(
            "Interrupted ({signal}): the figures stop there; every index built was dropped."
        ));
    }
    for index in &summary.leftovers_dropped {
        lines.push(format!(
            "Dropped {index}, left behind by an interrupted run."
        ));
    }
    for index in &summary.left_behind {
        lines.push(format!(
            "Could not drop {index}: the next verify run drops it."
        ));
    }
    lines
}

/// What a finding is estimated to save, with what the estimate rests on: `0.9 % of the
/// workload's logged time, about 5.3 h/day (offline cost model; upkeep 52 cost units)`.
pub fn saving_phrase(saving: &Saving) -> String {
    let mut phrase = match saving.share_of_workload {
        Some(share) => format!(
            "{:.1} % of the workload's {}",
            share * 100.0,
            saving.weighted_by.workload_measure()
        ),
        None => format!("{} cost units", thousands(saving.cost_units)),
    };
    if let Some(ms) = saving.ms_per_day {
        phrase.push_str(&format!(", about {}/day", human_duration(ms)));
    }
    let upkeep = if saving.write_overhead > 0.0 {
        format!("; upkeep {} cost units", thousands(saving.write_overhead))
    } else {
        String::new()
    };
    format!(
        "{phrase} ({}, {} confidence{upkeep})",
        basis_name(saving.basis),
        confidence_name(saving.confidence)
    )
}

fn confidence_name(confidence: crate::findings::Confidence) -> &'static str {
    match confidence {
        crate::findings::Confidence::Low => "low",
        crate::findings::Confidence::Medium => "medium",
        crate::findings::Confidence::High => "high",
    }
}

/// `3 problems in the input: 2 unrecognized_line, 1 unparsed_statement`, when there are any.
pub fn input_problems(report: &Report) -> Option<String> {
    let count: u64 = report.diagnostics.iter().map(|d| d.count).sum();
    if count == 0 {
        return None;
    }
    let kinds: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.count, d.kind))
        .collect();
    let problems = if count == 1 { "problem" } else { "problems" };
    Some(format!(
        "{count} {problems} in the input: {}",
        kinds.join(", ")
    ))
}
