//! The terminal table: a few summary lines and the top queries by total time; for
//! `analyze`, then the findings one line each.

use super::escape_controls;
use super::terminal::{self, headline};
use super::text::{findings_line, place};
use super::{Report, input_problems, one_line};
use crate::findings::Finding;
use crate::units::format_ms;
use tabled::settings::Style;
use tabled::{Table, Tabled};

/// How much of a finding's message its line shows.
const MESSAGE_WIDTH: usize = 100;

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
    if let Some(problems) = input_problems(report) {
        out.push_str(&format!(
            "{problems} (--format json or md lists examples)\n"
        ));
    }
    let events = terminal::log_events(report, terminal::Style::PLAIN);
    if !events.is_empty() {
        out.push_str(&format!("\n{events}"));
    }
    if let Some(findings) = &report.findings {
        write_findings(&mut out, findings);
        out.push_str(&findings_line(report));
        out.push_str(" (--format text shows each with its fix and the statements it serves)\n");
    }
    escape_controls(out)
}

/// The findings, a line each, their messages shortened: the table has no room for their
/// fixes, and says where they are.
fn write_findings(out: &mut String, findings: &[Finding]) {
    out.push('\n');
    for finding in findings {
        let short = Finding {
            message: one_line(&finding.message, MESSAGE_WIDTH),
            ..finding.clone()
        };
        out.push_str(&headline(terminal::Style::PLAIN, &place(finding), &short));
    }
}
