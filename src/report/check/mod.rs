//! The `planwise check` report: one view of a check's outcome, rendered by one module per
//! format — text for people, JSON for scripts, SARIF for code scanning, GitHub Actions
//! annotations, Markdown for a pull-request comment.

pub mod github;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;

use crate::findings::{Finding, Severity};
use crate::model::diagnostics::Diagnostics;
use crate::report::terminal::{plural, severity_counts};
use crate::rules::engine::CheckOutcome;
use serde::Serialize;
use std::collections::BTreeSet;

/// Version of the check JSON's shape; bumped on any breaking change.
pub const CHECK_SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Serialize)]
pub struct CheckReport<'a> {
    pub schema_version: u32,
    pub summary: CheckSummary,
    pub findings: &'a [Finding],
    pub diagnostics: &'a Diagnostics,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct CheckSummary {
    pub files: u64,
    pub statements: u64,
    pub findings: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Files with a finding of warning or error severity.
    pub files_flagged: usize,
    /// Findings left out by `planwise-ignore` comments.
    pub suppressed: u64,
    /// Statements that could not be read (see the diagnostics).
    pub unparsed: u64,
}

impl<'a> CheckReport<'a> {
    pub fn new(outcome: &'a CheckOutcome, diagnostics: &'a Diagnostics) -> Self {
        let count = |severity| {
            outcome
                .findings
                .iter()
                .filter(|f| f.severity == severity)
                .count()
        };
        let files_flagged = outcome
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Warning)
            .filter_map(|f| f.location.as_ref().map(|l| l.file.as_str()))
            .collect::<BTreeSet<_>>()
            .len();
        let unparsed = diagnostics
            .kinds
            .iter()
            .filter(|(kind, _)| kind.is_unparsed())
            .map(|(_, occurrences)| occurrences.count)
            .sum();
        CheckReport {
            schema_version: CHECK_SCHEMA_VERSION,
            summary: CheckSummary {
                files: outcome.files,
                statements: outcome.statements,
                findings: outcome.findings.len(),
                errors: count(Severity::Error),
                warnings: count(Severity::Warning),
                infos: count(Severity::Info),
                files_flagged,
                suppressed: outcome.suppressed,
                unparsed,
            },
            findings: &outcome.findings,
            diagnostics,
        }
    }
}

/// One line summing the check up, for text and Markdown.
fn summary_line(summary: &CheckSummary) -> String {
    format!(
        "{} in {} ({} statements): {}; {} flagged{}",
        plural(summary.findings, "finding"),
        plural(summary.files as usize, "file"),
        summary.statements,
        severity_counts(summary.errors, summary.warnings, summary.infos),
        plural(summary.files_flagged, "file"),
        if summary.suppressed > 0 {
            format!(", {} suppressed", summary.suppressed)
        } else {
            String::new()
        }
    )
}
