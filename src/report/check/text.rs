//! The check report for a terminal: `file:line:column: severity[ID name] message`, the
//! statement, the fix; then the diagnostics and a summary line.

use super::{CheckReport, summary_line};
use crate::report::escape_controls;
use crate::report::terminal::{Style, headline, note, quote};

pub fn render(report: &CheckReport<'_>, style: Style) -> String {
    let mut out = String::new();
    for finding in report.findings {
        let place = finding
            .location
            .as_ref()
            .map(|l| format!("{}:{}:{}", l.file, l.line, l.column))
            .unwrap_or_default();
        out.push_str(&headline(style, &place, finding));
        if let Some(location) = &finding.location {
            out.push_str(&quote(style, &location.statement));
        }
        if let Some(sql) = &finding.sql {
            out.push_str(&note(style, "instead", sql));
        }
        out.push('\n');
    }
    for (kind, diagnostic) in &report.diagnostics.kinds {
        out.push_str(&format!("note: {} × {kind}\n", diagnostic.count));
        for example in &diagnostic.examples {
            let line = format!("  {}:{}: {}\n", example.file, example.line, example.reason);
            out.push_str(&escape_controls(line));
        }
    }
    out.push_str(&style.bold(&summary_line(&report.summary)));
    out.push('\n');
    out
}
