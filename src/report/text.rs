//! The findings of `analyze` for a terminal, in the manner of `check --format text` (and
//! ruff, clippy, squawk): one block per finding — where, severity and rule, what; what it
//! saves and on what basis; the DDL or rewrite to apply; the statements it serves — then
//! what the advice adds up to and a summary line.

use super::terminal::{Style, headline, log_events, note, plural, severity_counts};
use super::{
    NamedQuery, Report, built_phrase, index_advice_summary, input_problems, measured_phrase,
    one_line, saving_phrase, verification_lines, verified_phrase,
};
use crate::analysis::verification::{IndexVerified, Verified};
use crate::findings::{Finding, Severity};
use crate::units::{human_duration, thousands};
use std::collections::BTreeMap;

/// Statements listed under a finding; the rest are counted.
const SERVED_SHOWN: usize = 3;
/// The width a statement is shortened to.
const STATEMENT_WIDTH: usize = 80;

pub fn render(report: &Report, style: Style) -> String {
    let findings = report.findings.as_deref().unwrap_or_default();
    let named = report.queries.named(
        findings
            .iter()
            .flat_map(|f| f.queries.iter().map(String::as_str)),
    );
    let mut out = String::new();
    for (position, finding) in findings.iter().enumerate() {
        out.push_str(&block(finding, &named, style));
        match report.findings.as_ref().and_then(|f| f.verified(position)) {
            Some(Verified::Index(index)) => {
                out.push_str(&note(style, "measured", &measured(index)))
            }
            Some(verified) => out.push_str(&note(style, "measured", &measured_phrase(verified))),
            None => {}
        }
        out.push('\n');
    }
    if findings.is_empty() {
        out.push_str("No findings.\n\n");
    }
    if let Some(advice) = report.index_advice.as_ref().filter(|a| a.cost_before > 0.0) {
        out.push_str(&index_advice_summary(advice, |text| style.bold(text)));
        out.push('\n');
    }
    if let Some(cut) = report
        .index_advice
        .as_ref()
        .and_then(|a| a.what_if_cut_short.as_ref())
    {
        out.push_str(&format!("{}: {}\n", style.bold("note"), cut.describe()));
    }
    if let Some(summary) = &report.verification {
        out.push_str(&format!(
            "{}: {}\n",
            style.bold("verified"),
            verification_lines(summary).join("\n")
        ));
    }
    let events = log_events(report, style);
    if !events.is_empty() {
        out.push_str(&format!("\n{events}\n"));
    }
    out.push_str(&workload_line(report));
    out.push_str(&style.bold(&findings_line(report)));
    out.push('\n');
    out
}

/// One finding: its headline, then its saving, its fix and the statements it serves.
fn block(finding: &Finding, named: &BTreeMap<String, NamedQuery>, style: Style) -> String {
    let mut out = headline(style, &place(finding), finding);
    if let Some(saving) = &finding.estimated_saving {
        out.push_str(&note(style, "saving", &saving_phrase(saving)));
    }
    if let Some(sql) = &finding.sql {
        out.push_str(&note(style, "instead", sql));
    }
    if !finding.queries.is_empty() {
        let label = if finding.index.is_some() {
            "serves"
        } else {
            "statements"
        };
        out.push_str(&note(style, label, &served(finding, named)));
    }
    out
}

/// What `verify` measured of an index: the verdict, the build, then a statement a line.
fn measured(verified: &IndexVerified) -> String {
    let mut lines = vec![verified_phrase(verified)];
    lines.extend(built_phrase(verified));
    for s in &verified.statements {
        lines.push(format!(
            "{} {} → {}{}",
            s.fingerprint,
            human_duration(s.before_ms),
            human_duration(s.after_ms),
            if s.uses_index {
                ""
            } else {
                " (plan does not use it)"
            }
        ));
    }
    for s in &verified.not_timed {
        lines.push(format!("{} not timed: {}", s.fingerprint, s.reason));
    }
    lines.join("\n")
}

/// `public.orders(user_id, created_at)`: the table and columns a finding is about.
pub fn place(finding: &Finding) -> String {
    match &finding.table {
        Some(table) if finding.columns.is_empty() => table.to_string(),
        Some(table) => format!("{table}({})", finding.columns.join(", ")),
        None => String::new(),
    }
}

/// The statements a finding serves, a line each: fingerprint, short text, calls (and the
/// cost per call before → after, for an index).
fn served(finding: &Finding, named: &BTreeMap<String, NamedQuery>) -> String {
    let costs: BTreeMap<&str, (f64, f64)> = finding
        .index
        .iter()
        .flat_map(|index| &index.served)
        .map(|s| (s.fingerprint.as_str(), (s.cost_before, s.cost_after)))
        .collect();
    let mut lines: Vec<String> = finding
        .queries
        .iter()
        .take(SERVED_SHOWN)
        .map(|fingerprint| {
            let Some(query) = named.get(fingerprint) else {
                return fingerprint.clone();
            };
            let cost = costs
                .get(fingerprint.as_str())
                .map(|(before, after)| {
                    format!(", cost {} → {}", thousands(*before), thousands(*after))
                })
                .unwrap_or_default();
            format!(
                "{fingerprint} {} ({}{cost})",
                one_line(query.normalized, STATEMENT_WIDTH),
                plural(query.calls as usize, "call")
            )
        })
        .collect();
    if finding.queries.len() > SERVED_SHOWN {
        lines.push(format!(
            "and {} more (--format md lists them)",
            finding.queries.len() - SERVED_SHOWN
        ));
    }
    lines.join("\n")
}

/// `394 statements (35 distinct), 89.9 ms logged; 1 problem in the input: …`.
fn workload_line(report: &Report) -> String {
    let summary = &report.summary;
    let mut line = format!(
        "{} ({} distinct), {} logged",
        plural(summary.statements as usize, "statement"),
        summary.distinct_queries,
        human_duration(summary.total_ms)
    );
    if let Some(problems) = input_problems(report) {
        line.push_str(&format!("; {problems} (--format md lists examples)"));
    }
    line.push('\n');
    line
}

/// `7 findings: 0 errors, 2 warnings, 5 info (1 suppressed)`.
pub fn findings_line(report: &Report) -> String {
    let findings = report.findings.as_deref().unwrap_or_default();
    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    let suppressed = match report.summary.suppressed_findings {
        Some(n) if n > 0 => format!(" ({n} suppressed)"),
        _ => String::new(),
    };
    format!(
        "{}: {}{suppressed}",
        plural(findings.len(), "finding"),
        severity_counts(
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info)
        )
    )
}
