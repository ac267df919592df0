//! The terminal table: a few summary lines and the top queries by total time.

use super::escape_controls;
use super::{Report, one_line};
use crate::units::format_ms;
use tabled::settings::Style;
use tabled::{Table, Tabled};

#[derive(Tabled)]
struct Row {
    #[tabled(rename = "#")]
    rank: usize,
    fingerprint: String,
    calls: u64,
    #[tabled(rename = "total ms")]
    total: String,
    #[tabled(rename = "% time")]
    share: String,
    #[tabled(rename = "mean")]
    mean: String,
    p95: String,
    p99: String,
    errors: u64,
    query: String,
}

pub fn render(report: &Report, top: usize) -> String {
    let summary = &report.summary;
    let mut out = String::new();
    out.push_str(&format!(
        "{} statements, {} distinct, {} ms in all; {} errors; {} lines read, {} skipped\n",
        summary.statements,
        summary.distinct_queries,
        format_ms(Some(summary.total_ms)),
        summary.errors,
        summary.lines_read,
        summary.lines_skipped
    ));
    if let (Some(first), Some(last)) = (&summary.first_seen, &summary.last_seen) {
        let zone = summary.timezone.as_deref().unwrap_or("");
        out.push_str(&format!("from {first} to {last} {zone}"));
        if let Some(rate) = summary.statements_per_second {
            out.push_str(&format!(" ({rate:.1} statements/s)"));
        }
        out.push('\n');
    }
    let rows: Vec<Row> = report
        .queries
        .iter()
        .take(top)
        .enumerate()
        .map(|(index, q)| Row {
            rank: index + 1,
            fingerprint: q.fingerprint.clone(),
            calls: q.calls,
            total: format_ms(Some(q.total_ms)),
            share: format!("{:.1}", q.time_share * 100.0),
            mean: format_ms(q.mean_ms),
            p95: format_ms(q.p95_ms),
            p99: format_ms(q.p99_ms),
            errors: q.errors,
            query: one_line(q.normalized, 60),
        })
        .collect();
    out.push_str(&Table::new(rows).with(Style::sharp()).to_string());
    out.push('\n');
    if report.queries.len() > top {
        out.push_str(&format!(
            "({} more; --top N shows more)\n",
            report.queries.len() - top
        ));
    }
    let skipped: u64 = report.diagnostics.iter().map(|d| d.count).sum();
    if skipped > 0 {
        out.push_str(&format!("{skipped} problems in the input:"));
        for diagnostic in &report.diagnostics {
            out.push_str(&format!(" {} {}", diagnostic.count, diagnostic.kind));
        }
        out.push_str(" (--format json or md lists examples)\n");
    }
    escape_controls(out)
}
