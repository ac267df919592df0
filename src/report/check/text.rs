//! The check report for a terminal: `file:line:column: severity[ID name] message`, the
//! statement, the fix; then the diagnostics and a summary line.

use super::{CheckReport, summary_line};
use crate::report::escape_controls;

pub fn render(report: &CheckReport<'_>) -> String {
    let mut out = String::new();
    for finding in report.findings {
        let place = finding
            .location
            .as_ref()
            .map(|l| format!("{}:{}:{}: ", l.file, l.line, l.column))
            .unwrap_or_default();
        out.push_str(&format!(
            "{place}{}[{} {}] {}\n",
            finding.severity.as_str(),
            finding.rule,
            finding.name,
            finding.message
        ));
        if let Some(location) = &finding.location {
            out.push_str(&format!("  | {}\n", location.statement));
        }
        if let Some(sql) = &finding.sql {
            for (i, line) in sql.lines().enumerate() {
                let lead = if i == 0 {
                    "  = instead: "
                } else {
                    "             "
                };
                out.push_str(&format!("{lead}{line}\n"));
            }
        }
        out.push('\n');
    }
    for (kind, diagnostic) in &report.diagnostics.kinds {
        out.push_str(&format!("note: {} × {kind}\n", diagnostic.count));
        for example in &diagnostic.examples {
            out.push_str(&format!(
                "  {}:{}: {}\n",
                example.file, example.line, example.reason
            ));
        }
    }
    out.push_str(&summary_line(&report.summary));
    out.push('\n');
    escape_controls(out)
}
