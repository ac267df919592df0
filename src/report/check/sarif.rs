//! SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`): every
//! migration rule as a `reportingDescriptor` with its documentation, every finding as a
//! `result` at its statement.

use super::CheckReport;
use crate::findings::Severity;
use crate::rules::{Check, RULES};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Value, json};

const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// What a relative URI must escape (RFC 3986), keeping `/` as the path separator.
const URI_PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

pub fn render(report: &CheckReport<'_>) -> String {
    let rules: Vec<_> = RULES
        .iter()
        .filter(|rule| matches!(rule.check, Check::Migration(_)))
        .collect();
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|rule| {
            json!({
                "id": rule.id,
                "name": rule.name,
                "shortDescription": { "text": first_sentence(&rule.doc()) },
                "fullDescription": { "text": rule.doc() },
                "help": { "text": rule.doc(), "markdown": rule.page() },
                "defaultConfiguration": { "level": level(rule.severity) },
                "properties": { "category": rule.category },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| {
            let mut message = finding.message.clone();
            if let Some(sql) = &finding.sql {
                message.push_str("\nInstead:\n");
                message.push_str(sql);
            }
            let mut result = json!({
                "ruleId": finding.rule,
                "level": level(finding.severity),
                "message": { "text": message },
            });
            if let Some(index) = rules.iter().position(|r| r.id == finding.rule) {
                result["ruleIndex"] = json!(index);
            }
            if let Some(location) = &finding.location {
                result["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&location.file) },
                        "region": {
                            "startLine": location.line,
                            "startColumn": location.column,
                            "endLine": location.end_line.max(location.line),
                        },
                    },
                }]);
            }
            result
        })
        .collect();
    let sarif = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "planwise",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": descriptors,
                },
            },
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    text.push('\n');
    text
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A file path as a relative URI reference: forward slashes, reserved bytes escaped.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    utf8_percent_encode(path, URI_PATH).to_string()
}

/// The doc's first sentence under "What it finds", for the short description.
fn first_sentence(doc: &str) -> String {
    let body: String = doc
        .lines()
        .skip_while(|l| !l.starts_with("## What it finds"))
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .collect::<Vec<_>>()
        .join(" ");
    let sentence = body.split(". ").next().unwrap_or(&body).trim();
    sentence.trim_end_matches('.').to_string() + "."
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_relative_uris() {
        assert_eq!(
            uri("./db/migrate/001 add index.sql"),
            "db/migrate/001%20add%20index.sql"
        );
        assert_eq!(uri("db\\m#1.sql"), "db/m%231.sql");
    }
}
