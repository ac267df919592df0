//! GitHub Actions workflow commands: one `::error` / `::warning` / `::notice` annotation per
//! finding, shown on the pull request's diff at the statement's lines.

use super::CheckReport;
use crate::findings::Severity;
use crate::report::escape_controls;

pub fn render(report: &CheckReport<'_>) -> String {
    let mut out = String::new();
    for finding in report.findings {
        let level = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut properties = Vec::new();
        if let Some(location) = &finding.location {
            properties.push(format!("file={}", property(&location.file)));
            properties.push(format!("line={}", location.line));
            properties.push(format!("endLine={}", location.end_line));
            properties.push(format!("col={}", location.column));
        }
        properties.push(format!(
            "title={}",
            property(&format!("{} {}", finding.rule, finding.name))
        ));
        let mut message = finding.message.clone();
        if let Some(sql) = &finding.sql {
            message.push_str("\nInstead:\n");
            message.push_str(sql);
        }
        out.push_str(&format!(
            "::{level} {}::{}\n",
            properties.join(","),
            data(&message)
        ));
    }
    escape_controls(out)
}

/// Escaping for a command's message (GitHub's `escapeData`).
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping for a command's property values (GitHub's `escapeProperty`).
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_escape_what_github_reads_as_syntax() {
        assert_eq!(data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
