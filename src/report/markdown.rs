//! The Markdown report: written for a busy engineer who reads the top and shares the rest.

use super::escape_controls;
use super::log_events::{
    Series, StatementEvents, TopList, Unit, bucket_label, crosses_days, findings_about, series,
    width_phrase,
};
use super::{
    NamedQuery, Queries, QueryView, Report, built_phrase, index_advice_summary, measured_phrase,
    one_line, saving_phrase, verification_lines, verified_phrase,
};
use crate::analysis::join_graph::EdgeKind;
use crate::analysis::verification::{IndexVerified, Verified};
use crate::findings::{Finding, IndexEvidence};
use crate::model::ddl::loader::{Skip, SkippedGroup};
use crate::model::time::format_timestamp;
use crate::units::{human_bytes, human_duration, thousands};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

pub fn render(report: &Report, top: usize, title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {title}\n");
    write_summary(&mut out, report);
    let findings = report.findings.as_deref().unwrap_or_default();
    let named = report.queries.named(
        findings
            .iter()
            .flat_map(|f| f.queries.iter().map(String::as_str)),
    );
    write_findings(&mut out, report, &named);
    write_queries(&mut out, &report.queries, top, &named);
    write_latency(&mut out, report);
    write_events_over_time(&mut out, report);
    let anchored = anchored_queries(report, top, &named);
    for list in TopList::ALL {
        write_top_statements(&mut out, report, list, &anchored);
    }
    write_loops(&mut out, report, top);
    write_schema(&mut out, report, top);
    write_join_graph(&mut out, report);
    write_diagnostics(&mut out, report);
    escape_controls(out)
}

fn write_summary(out: &mut String, report: &Report) {
    let summary = &report.summary;
    let _ = writeln!(out, "## Summary\n");
    let _ = writeln!(out, "| Metric | Value |\n|---|---|");
    let _ = writeln!(
        out,
        "| Statements | {} ({} distinct) |",
        thousands(summary.statements as f64),
        thousands(summary.distinct_queries as f64)
    );
    let _ = writeln!(
        out,
        "| Time in statements | {} |",
        human_duration(summary.total_ms)
    );
    if let (Some(first), Some(last)) = (&summary.first_seen, &summary.last_seen) {
        let zone = summary.timezone.as_deref().unwrap_or("");
        let _ = writeln!(out, "| Time range | {first} → {last} {zone} |");
    }
    if let Some(rate) = summary.statements_per_second {
        let _ = writeln!(out, "| Rate | {rate:.1} statements/s |");
    }
    let errors: Vec<String> = summary
        .errors_by_sqlstate
        .iter()
        .map(|(state, count)| format!("{} × `{state}`", thousands(*count as f64)))
        .collect();
    let _ = writeln!(
        out,
        "| Errors | {}{} |",
        thousands(summary.errors as f64),
        if errors.is_empty() {
            String::new()
        } else {
            format!(" ({})", errors.join(", "))
        }
    );
    let _ = writeln!(
        out,
        "| Lines | {} read, {} skipped |",
        thousands(summary.lines_read as f64),
        thousands(summary.lines_skipped as f64)
    );
    if let Some(suppressed) = summary.suppressed_findings.filter(|&n| n > 0) {
        let _ = writeln!(
            out,
            "| Findings suppressed | {suppressed} (`[[suppress]]` in planwise.toml) |"
        );
    }
    let _ = writeln!(out);
}

/// The recommended indexes that lead the report: the first ones by saving until they give
/// this share of what the advice saves in all (at least `HEAD_MIN` of them); the rest are
/// folded, when there are at least `TAIL_MIN`.
const HEAD_SHARE: f64 = 0.8;
const HEAD_MIN: usize = 3;
const TAIL_MIN: usize = 3;

/// The index findings, by rank.
fn ranked_indexes(findings: &[Finding]) -> Vec<(usize, &Finding, &IndexEvidence)> {
    let mut ranked: Vec<_> = findings
        .iter()
        .enumerate()
        .filter_map(|(number, f)| Some((number + 1, f, f.index.as_ref()?)))
        .collect();
    ranked.sort_by_key(|(_, _, index)| index.rank);
    ranked
}

/// How many of the ranked indexes lead: the first until they give `HEAD_SHARE` of the
/// advice's saving, at least `HEAD_MIN`.
fn lead_length(ranked: &[(usize, &Finding, &IndexEvidence)]) -> usize {
    let total = ranked
        .last()
        .map_or(0.0, |(_, _, index)| index.cumulative_share_of_workload);
    ranked
        .iter()
        .position(|(_, _, index)| index.cumulative_share_of_workload >= HEAD_SHARE * total)
        .map_or(ranked.len(), |at| at + 1)
        .max(HEAD_MIN)
        .min(ranked.len())
}

/// How many of the ranked indexes are shown in full: the lead, unless the rest are too few
/// to be worth folding.
fn shown_length(ranked: &[(usize, &Finding, &IndexEvidence)]) -> usize {
    let lead = lead_length(ranked);
    if ranked.len() - lead < TAIL_MIN {
        ranked.len()
    } else {
        lead
    }
}

fn write_findings(out: &mut String, report: &Report, named: &Named) {
    let Some(findings) = &report.findings else {
        return;
    };
    let _ = writeln!(out, "## Findings\n");
    if let Some(advice) = &report.index_advice
        && advice.cost_before > 0.0
    {
        let _ = writeln!(
            out,
            "{}\n",
            index_advice_summary(advice, |t| format!("**{t}**"))
        );
    }
    if let Some(cut) = report
        .index_advice
        .as_ref()
        .and_then(|a| a.what_if_cut_short.as_ref())
    {
        let _ = writeln!(out, "**Note:** {}.\n", cut.describe());
    }
    if let Some(summary) = &report.verification {
        let _ = writeln!(
            out,
            "**Verified on a scratch copy.** {}\n",
            verification_lines(summary).join(" ")
        );
    }
    if findings.is_empty() {
        let _ = writeln!(out, "No findings.\n");
        return;
    }
    let ranked = ranked_indexes(findings);
    let head = shown_length(&ranked);
    write_ranking(out, &ranked, report);
    let folded: Vec<usize> = ranked[head..]
        .iter()
        .map(|(number, _, _)| *number)
        .collect();
    for (number, finding) in (1..).zip(findings.iter()) {
        if !folded.contains(&number) {
            write_finding(out, number, finding, findings.verified(number - 1), named);
        }
    }
    if let Some((_, _, last_shown)) = head.checked_sub(1).and_then(|h| ranked.get(h))
        && !folded.is_empty()
    {
        let total = ranked[ranked.len() - 1].2.cumulative_share_of_workload;
        let _ = writeln!(
            out,
            "<details><summary>{} more indexes (ranked {} to {}), together {:.1} % of the \
             workload's {}</summary>\n",
            folded.len(),
            head + 1,
            ranked.len(),
            (total - last_shown.cumulative_share_of_workload) * 100.0,
            measure(report)
        );
        for (number, finding, _) in &ranked[head..] {
            write_finding(out, *number, finding, findings.verified(number - 1), named);
        }
        let _ = writeln!(out, "</details>\n");
    }
}

/// What shares of the workload are shares of (`logged time`).
fn measure(report: &Report) -> &'static str {
    report
        .index_advice
        .as_ref()
        .map_or("cost", |a| a.weighted_by.workload_measure())
}

/// The recommended indexes in order, each with what it adds to the ones before and the
/// running total: savings that add up, unlike each index's own saving next to all others.
fn write_ranking(out: &mut String, ranked: &[(usize, &Finding, &IndexEvidence)], report: &Report) {
    if ranked.len() < 2 {
        return;
    }
    let total = ranked[ranked.len() - 1].2.cumulative_share_of_workload;
    let _ = writeln!(
        out,
        "The indexes to create, most saving first (a share of the workload's {}; each \
         adds to the ones above it):\n",
        measure(report)
    );
    let verified = report.findings.as_ref().filter(|f| !f.verified.is_empty());
    let (head, rule) = match verified {
        Some(_) => (" Verified |", "---|"),
        None => ("", ""),
    };
    let _ = writeln!(
        out,
        "| # | Index | Size | Adds | Running total |{head} Finding |\n|---:|---|---:|---:|---:|{rule}---|"
    );
    let mut before = 0.0;
    for (number, _, index) in ranked {
        let measured = verified
            .map(|f| {
                let phrase = f
                    .verified_index(number - 1)
                    .map_or("—".to_string(), verified_phrase);
                format!(" {phrase} |")
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {:.1} % | {:.1} % |{measured} [#{number}](#finding-{number}) |",
            index.rank,
            index.index.replace('|', "\\|"),
            human_bytes(index.size_bytes as i64),
            (index.cumulative_share_of_workload - before) * 100.0,
            index.cumulative_share_of_workload * 100.0
        );
        before = index.cumulative_share_of_workload;
    }
    let lead = lead_length(ranked);
    if lead < ranked.len() {
        let _ = writeln!(
            out,
            "\nThe first {lead} give {:.0} % of what the {} save together.",
            share_of(ranked[lead - 1].2.cumulative_share_of_workload, total) * 100.0,
            ranked.len()
        );
    }
    let _ = writeln!(out);
}

/// `part / whole`, 0 when the whole is none.
fn share_of(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { part / whole } else { 0.0 }
}

fn write_finding(
    out: &mut String,
    number: usize,
    finding: &Finding,
    verified: Option<&Verified>,
    named: &Named,
) {
    let _ = writeln!(
        out,
        "<a id=\"finding-{number}\"></a>\n\n### {number}. {} — `{}` {}\n",
        finding.severity.as_str(),
        finding.rule,
        finding.name
    );
    let _ = writeln!(out, "{}\n", finding.message);
    if let Some(sql) = &finding.sql {
        let _ = writeln!(out, "```sql\n{sql}\n```\n");
    }
    if let Some(saving) = &finding.estimated_saving {
        let _ = writeln!(out, "Estimated saving: {}.\n", saving_phrase(saving));
    }
    match verified {
        Some(Verified::Index(index)) => write_verified(out, index, named),
        Some(other) => {
            let phrase = measured_phrase(other);
            let _ = writeln!(out, "Measured on the scratch copy: {phrase}.\n");
        }
        None => {}
    }
    match &finding.index {
        Some(index) => write_index_evidence(out, index, named),
        None if !finding.queries.is_empty() => {
            let statements: Vec<String> = finding
                .queries
                .iter()
                .map(|fingerprint| statement_link(fingerprint, named))
                .collect();
            let _ = writeln!(out, "Statements: {}\n", statements.join(", "));
        }
        None => {}
    }
}

/// What `verify` measured of an index: the verdict, the build, each statement timed.
fn write_verified(out: &mut String, verified: &IndexVerified, named: &Named) {
    let mut line = format!(
        "Measured on the scratch copy: {}",
        verified_phrase(verified)
    );
    if let Some(built) = built_phrase(verified) {
        line.push_str(&format!("; {built}"));
    }
    if let Some(cache) = &verified.cache {
        line.push_str(&format!("; cache {cache}"));
    }
    let _ = writeln!(out, "{line}.\n");
    if verified.statements.is_empty() && verified.not_timed.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "| Statement | Measured before | Measured after | Uses the index | Estimate held (2×) |\n|---|---:|---:|---|---|"
    );
    for s in &verified.statements {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            statement_link(&s.fingerprint, named),
            human_duration(s.before_ms),
            human_duration(s.after_ms),
            if s.uses_index { "yes" } else { "no" },
            match s.estimate_held() {
                Some(true) => "yes",
                Some(false) => "no",
                None => "— (a write)",
            }
        );
    }
    for s in &verified.not_timed {
        let reason = s.reason.replace('|', "\\|");
        let link = statement_link(&s.fingerprint, named);
        let _ = writeln!(out, "| {link} | — | — | not timed: {reason} | |");
    }
    let _ = writeln!(out);
}

fn write_index_evidence(out: &mut String, index: &IndexEvidence, named: &Named) {
    let _ = writeln!(
        out,
        "| Statement | Calls | Cost before | Cost after |\n|---|---:|---:|---:|"
    );
    for served in &index.served {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            statement_link(&served.fingerprint, named),
            thousands(served.calls as f64),
            thousands(served.cost_before),
            thousands(served.cost_after)
        );
    }
    let _ = writeln!(out);
    for rejected in &index.rejected_alternatives {
        let _ = writeln!(out, "- Not `{}`: {}", rejected.index, rejected.reason);
    }
    if !index.rejected_alternatives.is_empty() {
        let _ = writeln!(out);
    }
}

/// The statements the findings name, by fingerprint.
type Named<'a> = BTreeMap<String, NamedQuery<'a>>;

/// A statement by a short form of its text, linked to its entry in the queries' tables.
fn statement_link(fingerprint: &str, named: &Named) -> String {
    match named.get(fingerprint) {
        Some(query) => format!(
            "[{}](#q-{fingerprint})",
            code(query.normalized, STATEMENT_WIDTH)
        ),
        None => format!("`{fingerprint}`"),
    }
}

/// How much of a statement its short form shows.
const STATEMENT_WIDTH: usize = 60;

fn write_queries(out: &mut String, queries: &Queries<'_>, top: usize, named: &Named) {
    let _ = writeln!(out, "## Top queries by total time\n");
    if queries.is_empty() {
        let _ = writeln!(out, "No statements were found.\n");
        return;
    }
    let _ = writeln!(out, "{QUERY_TABLE_HEAD}");
    for (rank, q) in queries.iter().take(top).enumerate() {
        let _ = writeln!(out, "{}", query_row(rank, &q));
    }
    if queries.len() > top {
        let _ = writeln!(
            out,
            "\n{} more queries are in the JSON report.",
            thousands((queries.len() - top) as f64)
        );
    }
    let _ = writeln!(out);
    // The statements the findings name beyond the top ones: each gets its entry too.
    let others: Vec<QueryView> = queries
        .iter()
        .enumerate()
        .skip(top)
        .filter(|(_, q)| named.contains_key(&q.fingerprint))
        .map(|(_, q)| q)
        .collect();
    if !others.is_empty() {
        let _ = writeln!(out, "Other statements the findings name:\n");
        let _ = writeln!(out, "{QUERY_TABLE_HEAD}");
        for q in &others {
            let rank = named.get(&q.fingerprint).map_or(0, |n| n.rank);
            let _ = writeln!(out, "{}", query_row(rank, q));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "<details><summary>Slowest sample of each top query</summary>\n"
    );
    for q in queries.iter().take(top) {
        if let Some(sample) = &q.sample {
            let _ = writeln!(out, "**`{}`** {}", q.fingerprint, sample_heading(sample));
            let _ = writeln!(out, "```sql\n{}\n```", sample.statement.trim());
            if let Some(parameters) = &sample.parameters {
                let _ = writeln!(out, "Parameters: `{}`\n", parameters.replace('`', "'"));
            }
        }
    }
    let _ = writeln!(out, "</details>\n");
}

const QUERY_TABLE_HEAD: &str = "| # | Query | Calls | Total | % time | Mean | p95 | p99 | Errors |\n\
                                |---:|---|---:|---:|---:|---:|---:|---:|---:|";

/// A duration in a table cell: its number and unit joined by a no-break space, so a narrow
/// column does not put them on two lines.
fn cell_duration(ms: f64) -> String {
    human_duration(ms).replace(' ', "\u{a0}")
}

/// A query's entry: its anchor (`#q-` and the fingerprint), its text and its figures.
fn query_row(rank: usize, q: &QueryView) -> String {
    let duration = |ms: Option<f64>| ms.map_or("-".to_string(), cell_duration);
    format!(
        "| {} | <a id=\"q-{fp}\"></a>{} <br>`{fp}` | {} | {} | {:.1} | {} | {} | {} | {} |",
        rank + 1,
        code(q.normalized, 90),
        thousands(q.calls as f64),
        cell_duration(q.total_ms),
        q.time_share * 100.0,
        duration(q.mean_ms),
        duration(q.p95_ms),
        duration(q.p99_ms),
        thousands(q.errors as f64),
        fp = q.fingerprint
    )
}

fn sample_heading(sample: &super::SampleView) -> String {
    let mut parts = Vec::new();
    if let Some(ms) = sample.duration_ms {
        parts.push(human_duration(ms));
    }
    if let Some(location) = &sample.location {
        parts.push(format!("at {location}"));
    }
    parts.join(", ")
}

fn write_loops(out: &mut String, report: &Report, top: usize) {
    if report.loops.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Repeated back-to-back queries\n");
    let _ = writeln!(
        out,
        "The same statement run several times in a row in one session: often an N+1 loop.\n"
    );
    let _ = writeln!(
        out,
        "| Query | Run after | Loops | Calls | Median size | Max size | Total | Loops with one value |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|");
    for entry in report.loops.iter().take(top) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            code(&entry.query, 70),
            entry
                .parent_query
                .as_ref()
                .map_or("session start".to_string(), |p| code(p, 50)),
            thousands(entry.loops as f64),
            thousands(entry.calls as f64),
            entry.median_size,
            entry.max_size,
            cell_duration(entry.total_ms),
            entry.repeated_value_loops
        );
    }
    let _ = writeln!(out);
}

fn write_latency(out: &mut String, report: &Report) {
    let decades = &report.summary.latency_decades;
    // Empty buckets past the slowest statement would still be drawn as stubs.
    let Some(last) = decades.iter().rposition(|&count| count > 0) else {
        return;
    };
    let labels = [
        "0–0.1 ms",
        "0.1–1 ms",
        "1–10 ms",
        "10–100 ms",
        "0.1–1 s",
        "1–10 s",
        "≥10 s",
    ];
    let labels: Vec<String> = labels[..=last].iter().map(|l| format!("\"{l}\"")).collect();
    let counts: Vec<String> = decades[..=last].iter().map(u64::to_string).collect();
    let highest = decades.iter().max().copied().unwrap_or(0);
    let _ = writeln!(out, "## Latency\n");
    let _ = writeln!(out, "```mermaid\nxychart-beta");
    let _ = writeln!(out, "  title \"Timed statements by duration\"");
    let _ = writeln!(out, "  x-axis [{}]", labels.join(", "));
    // An explicit range: mermaid would otherwise start the axis at the smallest bar.
    let _ = writeln!(out, "  y-axis \"statements\" 0 --> {highest}");
    let _ = writeln!(out, "  bar [{}]\n```\n", counts.join(", "));
}

/// The log's events by time, a chart for each kind it has: when the spills, waits and
/// checkpoints came, and whether they came together.
fn write_events_over_time(out: &mut String, report: &Report) {
    let shown = &report.log_events.timeline;
    let timeline = &shown.shown(shown.start, shown.end() - 1, CHART_BUCKETS);
    let series = series(timeline);
    if series.is_empty() {
        return;
    }
    let across_days = crosses_days(timeline);
    let labels: Vec<String> = timeline
        .iter()
        .map(|(at, _)| format!("\"{}\"", bucket_label(at, timeline.width_ms, across_days)))
        .collect();
    let _ = writeln!(out, "## Events over time\n");
    let zone = report.summary.timezone.as_deref().unwrap_or("");
    let _ = writeln!(
        out,
        "What the log reports besides statements, in buckets of {} from {} to {} {zone} (the \
         settings each kind needs are in the README):\n",
        width_phrase(timeline.width_ms),
        &format_timestamp(timeline.start)[..19],
        &format_timestamp(timeline.end())[..19]
    );
    for one in &series {
        let (scale, unit) = chart_scale(one);
        let values: Vec<String> = (one.values.iter())
            .map(|&v| trim_zeros(v as f64 / scale))
            .collect();
        let _ = writeln!(out, "```mermaid\n{CHART_CONFIG}xychart-beta");
        let _ = writeln!(out, "  title \"{} ({})\"", one.title, total_phrase(one));
        let _ = writeln!(out, "  x-axis [{}]", labels.join(", "));
        let _ = writeln!(
            out,
            "  y-axis \"{unit}\" 0 --> {}",
            trim_zeros(one.highest() as f64 / scale)
        );
        let _ = writeln!(out, "  bar [{}]\n```\n", values.join(", "));
    }
}

/// The most bars a chart of events has: more, and their time labels run into each other.
const CHART_BUCKETS: usize = 24;

/// The charts of events: wide and low, their time labels small, so that a report of eight
/// of them reads at a glance.
const CHART_CONFIG: &str = concat!(
    "---\n",
    "config:\n",
    "  xyChart:\n",
    "    width: 900\n",
    "    height: 240\n",
    "    xAxis:\n",
    "      labelFontSize: 10\n",
    "    yAxis:\n",
    "      labelFontSize: 10\n",
    "---\n"
);

/// What a series' values are divided by in a chart, and the unit they are then in: bytes
/// in the largest unit their highest bucket reaches.
fn chart_scale(series: &Series) -> (f64, &'static str) {
    if let Unit::Count(unit) = series.unit {
        return (1.0, unit);
    }
    match series.highest() {
        b if b >= 1_000_000_000 => (1e9, "GB"),
        b if b >= 1_000_000 => (1e6, "MB"),
        b if b >= 1_000 => (1e3, "kB"),
        _ => (1.0, "bytes"),
    }
}

/// `12`, `1.5`: a chart value with no trailing zeros.
fn trim_zeros(value: f64) -> String {
    let text = format!("{value:.1}");
    match text.strip_suffix(".0") {
        Some(whole) => whole.to_string(),
        None => text,
    }
}

/// A series' total, for its title: `9 in all`, `2.9 MB in all`.
fn total_phrase(series: &Series) -> String {
    match series.unit {
        Unit::Bytes => format!("{} in all", human_bytes(series.total() as i64)),
        Unit::Count(_) => format!("{} in all", thousands(series.total() as f64)),
    }
}

/// The fingerprints whose rows the queries' tables anchor: the top ones and those the
/// findings name.
fn anchored_queries(report: &Report, top: usize, named: &Named) -> BTreeSet<String> {
    let lists = &report.log_events;
    let listed = TopList::ALL
        .iter()
        .flat_map(|&list| lists.list(list))
        .map(StatementEvents::fingerprint)
        .collect::<Vec<_>>();
    let ranked = report.queries.named(listed.iter().map(String::as_str));
    ranked
        .into_iter()
        .filter(|(fingerprint, query)| query.rank < top || named.contains_key(fingerprint))
        .map(|(fingerprint, _)| fingerprint)
        .collect()
}

/// The statements that spilled, waited or were cancelled most, each linked to its row
/// among the queries (when the report has one) and to the findings about it.
fn write_top_statements(
    out: &mut String,
    report: &Report,
    list: TopList,
    anchored: &BTreeSet<String>,
) {
    let statements = report.log_events.list(list);
    if statements.is_empty() {
        return;
    }
    let findings = report.findings.as_deref();
    let (intro, head, align) = match list {
        TopList::Spilling => (
            "Temporary files by the statement that wrote them (`log_temp_files`; a file \
             logged without its statement goes to the statement its session ran before it).",
            "| Query | Calls | Temp files | Bytes | Largest |",
            "|---|---:|---:|---:|---:|",
        ),
        TopList::Waiting => (
            "Lock waits past `deadlock_timeout` by the statement that waited (`log_lock_waits`); \
             the time waited is known for the waits that ended in the lock (`acquired … after`).",
            "| Query | Calls | Lock waits | Acquired after waiting | Time waited | Deadlocks |",
            "|---|---:|---:|---:|---:|---:|",
        ),
        TopList::Cancelled => (
            "Statements the server cancelled (SQLSTATE 57014 and 55P03), by cause.",
            "| Query | Calls | Statement timeout | Lock timeout | User request |",
            "|---|---:|---:|---:|---:|",
        ),
    };
    let _ = writeln!(out, "## {}\n\n{intro}\n", list.title());
    let (head, align) = match findings {
        Some(_) => (format!("{head} Findings |"), format!("{align}---|")),
        None => (head.to_string(), align.to_string()),
    };
    let _ = writeln!(out, "{head}\n{align}");
    for statement in statements {
        let fingerprint = statement.fingerprint();
        let query = match anchored.contains(&fingerprint) {
            true => format!(
                "[{}](#q-{fingerprint})",
                code(statement.normalized, STATEMENT_WIDTH)
            ),
            false => code(statement.normalized, STATEMENT_WIDTH),
        };
        let mut row = format!(
            "| {query} <br>`{fingerprint}` | {} | {} |",
            thousands(statement.calls as f64),
            event_cells(list, statement)
        );
        if let Some(findings) = findings {
            let links: Vec<String> = findings_about(findings, list, &fingerprint)
                .into_iter()
                .map(|(at, f)| format!("[#{} {}](#finding-{})", at + 1, f.rule, at + 1))
                .collect();
            let links = if links.is_empty() {
                "—".to_string()
            } else {
                links.join(", ")
            };
            row.push_str(&format!(" {links} |"));
        }
        let _ = writeln!(out, "{row}");
    }
    let _ = writeln!(out);
}

/// The cells of a statement's events in a top list.
fn event_cells(list: TopList, statement: &StatementEvents) -> String {
    let events = statement.events;
    let count = |n: u64| thousands(n as f64);
    match list {
        TopList::Spilling => format!(
            "{} | {} | {}",
            count(events.temp_files.count),
            human_bytes(events.temp_files.bytes as i64),
            human_bytes(events.temp_files.largest as i64)
        ),
        TopList::Waiting => format!(
            "{} | {} | {} | {}",
            count(events.lock_waits),
            count(events.locks_acquired),
            cell_duration(events.lock_acquired_wait_us as f64 / 1000.0),
            count(events.deadlocks)
        ),
        TopList::Cancelled => format!(
            "{} | {} | {}",
            count(events.cancellations.statement_timeout),
            count(events.cancellations.lock_timeout),
            count(events.cancellations.user_request)
        ),
    }
}

/// What the schema load left out, by kind: every place of what it did not understand, the
/// first place of the largest kinds it does not model (the JSON report lists them all).
fn write_skipped(out: &mut String, skipped: &[SkippedGroup]) {
    const KINDS: usize = 6;
    const PLACES: usize = 5;
    let places = |group: &SkippedGroup, most: usize| {
        let mut shown: Vec<String> = (group.at.iter().take(most))
            .map(|place| format!("{}:{}", place.file, place.line))
            .collect();
        if group.at.len() > most {
            shown.push("…".into());
        }
        shown.join(", ")
    };
    for (reason, label) in [
        (Skip::Unparsed, "Not understood"),
        (Skip::NotModelled, "Not modelled"),
    ] {
        let groups: Vec<&SkippedGroup> = skipped.iter().filter(|g| g.reason == reason).collect();
        if groups.is_empty() {
            continue;
        }
        let most = if reason == Skip::Unparsed { PLACES } else { 1 };
        let mut kinds: Vec<String> = (groups.iter().take(KINDS))
            .map(|g| format!("`{}` × {} ({})", g.statement, g.count, places(g, most)))
            .collect();
        if groups.len() > KINDS {
            kinds.push(format!("{} more kinds", groups.len() - KINDS));
        }
        let _ = writeln!(out, "{label}: {}.\n", kinds.join("; "));
    }
}

fn write_schema(out: &mut String, report: &Report, top: usize) {
    let Some(schema) = &report.schema else { return };
    let _ = writeln!(out, "## Schema\n");
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let _ = writeln!(
        out,
        "{}, {}, {}.\n",
        count(schema.tables, "table", "tables"),
        count(schema.indexes, "index", "indexes"),
        count(schema.views, "view", "views")
    );
    if let Some(read) = &schema.statements {
        let _ = writeln!(
            out,
            "Read from {}: {} statements, {} applied to the catalog, {} not modelled (data, \
             grants, comments, functions, settings), {} not understood{}.\n",
            count(read.files as usize, "file", "files"),
            thousands(read.statements as f64),
            thousands(read.applied as f64),
            thousands(read.not_modelled as f64),
            thousands(read.unparsed as f64),
            if read.unparsed > 0 {
                " (each under Diagnostics, with file and line)"
            } else {
                ""
            }
        );
        write_skipped(out, &read.skipped);
    }
    let _ = writeln!(out, "| Table | Rows | Size | Columns | Indexes |");
    let _ = writeln!(out, "|---|---:|---:|---:|---|");
    for table in schema.largest_tables.iter().take(top) {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            table.table,
            table.rows.map_or("-".to_string(), thousands),
            table.total_bytes.map_or("-".to_string(), human_bytes),
            table.columns,
            table.indexes.join(", ")
        );
    }
    let _ = writeln!(out);
}

fn write_join_graph(out: &mut String, report: &Report) {
    let Some(graph) = &report.join_graph else {
        return;
    };
    let _ = writeln!(out, "## Join graph\n");
    if graph.edges.is_empty() {
        let _ = writeln!(out, "No query joins two tables.\n");
    } else {
        let _ = writeln!(out, "```mermaid\n{}```\n", graph.mermaid);
        let _ = writeln!(out, "| Join | Queries | Calls | Total | Types |");
        let _ = writeln!(out, "|---|---:|---:|---:|---|");
        for edge in &graph.edges {
            let relation = match edge.kind {
                EdgeKind::Statement => "=",
                EdgeKind::ApplicationLoop => "looked up by the application (N+1) from",
            };
            let _ = writeln!(
                out,
                "| `{}.{}` {relation} `{}.{}` | {} | {} | {} | {} |",
                edge.left.table,
                edge.left_shown(),
                edge.right.table,
                edge.right_shown(),
                edge.queries.len(),
                thousands(edge.calls as f64),
                cell_duration(edge.total_ms),
                edge.type_mismatch
                    .as_ref()
                    .map_or("same".to_string(), |(a, b)| format!("⚠ {a} vs {b}"))
            );
        }
        let _ = writeln!(out);
    }
    let cartesian: Vec<QueryView> = report
        .queries
        .iter()
        .filter(|q| q.facts.as_ref().is_some_and(|f| f.cartesian_products > 0))
        .collect();
    if !cartesian.is_empty() {
        let _ = writeln!(
            out,
            "Queries that read tables without joining them (a cartesian product):\n"
        );
        for query in cartesian {
            let _ = writeln!(
                out,
                "- {} ({} calls)",
                code(query.normalized, 100),
                query.calls
            );
        }
        let _ = writeln!(out);
    }
}

/// Inline code that survives a table cell.
fn code(sql: &str, width: usize) -> String {
    format!(
        "`{}`",
        one_line(sql, width).replace('|', "\\|").replace('`', "'")
    )
}

fn write_diagnostics(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## Diagnostics\n");
    if report.diagnostics.is_empty() {
        let _ = writeln!(out, "Every input line was understood.");
        return;
    }
    let _ = writeln!(out, "| Problem | Count | First examples |");
    let _ = writeln!(out, "|---|---:|---|");
    for diagnostic in &report.diagnostics {
        let examples: Vec<String> = diagnostic
            .examples
            .iter()
            .map(|e| {
                format!("{}:{}: {}", e.file, e.line, one_line(&e.reason, 100)).replace('|', "\\|")
            })
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            diagnostic.kind,
            diagnostic.count,
            examples.join("<br>")
        );
    }
}
