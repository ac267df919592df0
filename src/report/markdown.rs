//! The Markdown report: written for a busy engineer who reads the top and shares the rest.

use super::escape_controls;
use super::{IndexAdviceView, Queries, QueryView, Report, one_line};
use crate::analysis::join_graph::EdgeKind;
use crate::findings::Weighting;
use crate::units::{format_ms, human_bytes};
use std::fmt::Write;

pub fn render(report: &Report, top: usize, title: &str) -> String {
    let mut out = String::new();
    let summary = &report.summary;
    let _ = writeln!(out, "# {title}\n");
    let _ = writeln!(out, "## Summary\n");
    let _ = writeln!(out, "| Metric | Value |\n|---|---|");
    let _ = writeln!(
        out,
        "| Statements | {} ({} distinct) |",
        summary.statements, summary.distinct_queries
    );
    let _ = writeln!(
        out,
        "| Time in statements | {} ms |",
        format_ms(Some(summary.total_ms))
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
        .map(|(state, count)| format!("{count} × `{state}`"))
        .collect();
    let _ = writeln!(
        out,
        "| Errors | {}{} |",
        summary.errors,
        if errors.is_empty() {
            String::new()
        } else {
            format!(" ({})", errors.join(", "))
        }
    );
    let _ = writeln!(
        out,
        "| Lines | {} read, {} skipped |\n",
        summary.lines_read, summary.lines_skipped
    );
    write_findings(&mut out, report);
    write_queries(&mut out, &report.queries, top);
    write_latency(&mut out, report);
    write_loops(&mut out, report, top);
    write_schema(&mut out, report, top);
    write_join_graph(&mut out, report);
    write_diagnostics(&mut out, report);
    escape_controls(out)
}

/// The advisor's outcome in one sentence: what the new indexes save, or that none would.
fn index_advice_summary(advice: &IndexAdviceView) -> String {
    let basis = match advice.basis {
        crate::findings::Basis::WhatIf => "HypoPG what-if on the live database",
        crate::findings::Basis::OfflineModel => "offline cost model",
    };
    let cost = match advice.weighted_by {
        Weighting::LoggedTime => "cost, each statement weighted by its logged time,",
        Weighting::EstimatedCost => "estimated cost",
        Weighting::Mixed => "cost, each timed statement weighted by its logged time,",
    };
    if advice.indexes == 0 {
        return format!(
            "Index advice ({basis}): no new index to recommend (the workload's {}: {:.0}).",
            cost.trim_end_matches(','),
            advice.cost_before
        );
    }
    let one = advice.indexes == 1;
    format!(
        "Index advice ({basis}): {} new index{} ({}) take{} the workload's {cost} from {:.0} \
         to {:.0} (**{:.1} % less**).",
        advice.indexes,
        if one { "" } else { "es" },
        human_bytes(advice.size_bytes as i64),
        if one { "s" } else { "" },
        advice.cost_before,
        advice.cost_after,
        (1.0 - advice.cost_after / advice.cost_before) * 100.0
    )
}

fn write_findings(out: &mut String, report: &Report) {
    let Some(findings) = &report.findings else {
        return;
    };
    let _ = writeln!(out, "## Findings\n");
    if let Some(advice) = &report.index_advice
        && advice.cost_before > 0.0
    {
        let _ = writeln!(out, "{}\n", index_advice_summary(advice));
    }
    if let Some(cut) = report
        .index_advice
        .as_ref()
        .and_then(|a| a.what_if_cut_short.as_ref())
    {
        let _ = writeln!(out, "**Note:** {}.\n", cut.describe());
    }
    if findings.is_empty() {
        let _ = writeln!(out, "No findings.\n");
        return;
    }
    for (number, finding) in findings.iter().enumerate() {
        let _ = writeln!(
            out,
            "### {}. {} — `{}` {}\n",
            number + 1,
            finding.severity.as_str(),
            finding.rule,
            finding.name
        );
        let _ = writeln!(out, "{}\n", finding.message);
        if let Some(sql) = &finding.sql {
            let _ = writeln!(out, "```sql\n{sql}\n```\n");
        }
        if let Some(saving) = &finding.estimated_saving {
            let per_day = saving
                .ms_per_day
                .map(|ms| format!(", about {} ms per day", format_ms(Some(ms))))
                .unwrap_or_default();
            let share = saving
                .share_of_workload
                .map(|share| format!(" ({:.1} % of the workload)", share * 100.0))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "Estimated saving: {:.0} cost units{share}{per_day}; write overhead {:.0}.\n",
                saving.cost_units, saving.write_overhead
            );
        }
        if let Some(index) = &finding.index {
            let _ = writeln!(
                out,
                "| Query | Calls | Cost before | Cost after |\n|---|---:|---:|---:|"
            );
            for served in &index.served {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {:.0} | {:.0} |",
                    served.fingerprint, served.calls, served.cost_before, served.cost_after
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
    }
}

fn write_queries(out: &mut String, queries: &Queries<'_>, top: usize) {
    let _ = writeln!(out, "## Top queries by total time\n");
    if queries.is_empty() {
        let _ = writeln!(out, "No statements were found.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| # | Query | Calls | Total ms | % time | Mean | p95 | p99 | Errors |"
    );
    let _ = writeln!(out, "|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for (index, q) in queries.iter().take(top).enumerate() {
        let _ = writeln!(
            out,
            "| {} | {} <br>`{}` | {} | {} | {:.1} | {} | {} | {} | {} |",
            index + 1,
            code(q.normalized, 90),
            q.fingerprint,
            q.calls,
            format_ms(Some(q.total_ms)),
            q.time_share * 100.0,
            format_ms(q.mean_ms),
            format_ms(q.p95_ms),
            format_ms(q.p99_ms),
            q.errors
        );
    }
    if queries.len() > top {
        let _ = writeln!(
            out,
            "\n{} more queries are in the JSON report.",
            queries.len() - top
        );
    }
    let _ = writeln!(out);
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

fn sample_heading(sample: &super::SampleView) -> String {
    let mut parts = Vec::new();
    if let Some(ms) = sample.duration_ms {
        parts.push(format!("{} ms", format_ms(Some(ms))));
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
        "| Query | Run after | Loops | Calls | Median size | Max size | Total ms | Loops with one value |"
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
            entry.loops,
            entry.calls,
            entry.median_size,
            entry.max_size,
            format_ms(Some(entry.total_ms)),
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
    let _ = writeln!(out, "| Table | Rows | Size | Columns | Indexes |");
    let _ = writeln!(out, "|---|---:|---:|---:|---|");
    for table in schema.largest_tables.iter().take(top) {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            table.table,
            table.rows.map_or("-".to_string(), |r| format!("{r:.0}")),
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
        let _ = writeln!(out, "| Join | Queries | Calls | Total ms | Types |");
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
                edge.calls,
                format_ms(Some(edge.total_ms)),
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
