//! The check report as Markdown for a pull-request comment: the verdict first, then a table
//! of findings by severity with the statement and the fix folded under each.

use super::{CheckReport, summary_line};
use crate::findings::Severity;
use crate::report::escape_controls;

pub fn render(report: &CheckReport<'_>) -> String {
    let summary = &report.summary;
    let verdict = if summary.errors > 0 {
        "🔴 **This migration needs changes before it ships.**"
    } else if summary.warnings > 0 {
        "🟡 **This migration can block traffic: check the warnings.**"
    } else {
        "🟢 **No blocking or breaking change found.**"
    };
    let mut out = format!(
        "## planwise check\n\n{verdict}\n\n{}\n",
        summary_line(summary)
    );
    if !report.findings.is_empty() {
        out.push_str("\n| | rule | where | finding |\n|---|---|---|---|\n");
        for finding in report.findings {
            let icon = match finding.severity {
                Severity::Error => "🔴",
                Severity::Warning => "🟡",
                Severity::Info => "ℹ️",
            };
            let place = finding
                .location
                .as_ref()
                .map(|l| format!("`{}:{}`", l.file, l.line))
                .unwrap_or_default();
            out.push_str(&format!(
                "| {icon} | {} `{}` | {place} | {} |\n",
                finding.rule,
                finding.name,
                cell(&finding.message)
            ));
        }
        let fixes: Vec<_> = report.findings.iter().filter(|f| f.sql.is_some()).collect();
        if !fixes.is_empty() {
            out.push_str("\n<details><summary>Suggested changes</summary>\n\n");
            for finding in fixes {
                let place = finding
                    .location
                    .as_ref()
                    .map(|l| format!(" at `{}:{}`", l.file, l.line))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "{} `{}`{place}:\n\n```sql\n{}\n```\n\n",
                    finding.rule,
                    finding.name,
                    finding.sql.as_deref().unwrap_or_default()
                ));
            }
            out.push_str("</details>\n");
        }
    }
    if !report.diagnostics.is_empty() {
        out.push_str("\n<details><summary>Not checked</summary>\n\n");
        for (kind, diagnostic) in &report.diagnostics.kinds {
            for example in &diagnostic.examples {
                out.push_str(&format!(
                    "- `{kind}` `{}:{}`: {}\n",
                    example.file,
                    example.line,
                    cell(&example.reason)
                ));
            }
        }
        out.push_str("\n</details>\n");
    }
    escape_controls(out)
}

/// Text safe inside a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
