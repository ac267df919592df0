//! The check report as JSON: `schema_version`, `summary`, `findings` (the shape of
//! `analyze`'s findings, with `location`), `diagnostics`. Its names are a contract (README).

use super::CheckReport;

pub fn render(report: &CheckReport<'_>) -> String {
    let mut text =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
