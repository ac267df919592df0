//! A saved `analyze --format json` report read back: its recommendations and the statements
//! they concern, with the values the log gave them — what `verify --from` measures on a
//! scratch copy where the log itself is not at hand.

use super::{IndexEvidence, Saving, Severity};
use crate::model::catalog::QualifiedName;
use crate::model::workload::{Profile, QueryStats, Sample};
use serde::Deserialize;

/// The parts of a report (`schema_version` 2) that `verify` needs; the rest is ignored.
#[derive(Debug, Deserialize)]
pub struct SavedReport {
    pub schema_version: u32,
    pub queries: Vec<SavedQuery>,
    /// Absent from `workload` reports, which recommend nothing.
    pub findings: Option<Vec<SavedFinding>>,
}

#[derive(Debug, Deserialize)]
pub struct SavedQuery {
    pub fingerprint: String,
    pub normalized: String,
    pub calls: u64,
    pub timed_calls: u64,
    pub total_ms: f64,
    pub sample: Option<SavedSample>,
}

#[derive(Debug, Deserialize)]
pub struct SavedSample {
    pub statement: String,
    pub parameters: Option<String>,
    pub duration_ms: Option<f64>,
    pub location: Option<String>,
}

/// A finding as the report wrote it; `rule` is resolved against the rules of this build.
#[derive(Debug, Deserialize)]
pub struct SavedFinding {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub table: Option<QualifiedName>,
    pub columns: Vec<String>,
    pub sql: Option<String>,
    pub estimated_saving: Option<Saving>,
    pub queries: Vec<String>,
    pub index: Option<IndexEvidence>,
}

/// The report versions this build reads.
const READABLE_VERSION: u32 = 2;

impl SavedReport {
    /// `text` as a report of findings, or why it is not one.
    pub fn parse(text: &str) -> Result<SavedReport, String> {
        let report: SavedReport = serde_json::from_str(text).map_err(|error| {
            format!("not a planwise JSON report (analyze --format json): {error}")
        })?;
        if report.schema_version != READABLE_VERSION {
            return Err(format!(
                "a report of schema_version {}; this planwise reads version {READABLE_VERSION} \
                 (write it again with this version's analyze --format json)",
                report.schema_version
            ));
        }
        if report.findings.is_none() {
            return Err("a workload report recommends nothing: give the JSON of analyze".into());
        }
        if report.queries.is_empty() {
            return Err("the report holds no statement: there is nothing to verify".into());
        }
        Ok(report)
    }

    /// The report's statements as a workload: calls, logged time and the slowest call's
    /// text and values, by fingerprint. A fingerprint that is not 16 hex digits is skipped
    /// and returned.
    pub fn profile(&self) -> (Profile, Vec<String>) {
        let mut profile = Profile::default();
        let mut unreadable = Vec::new();
        for query in &self.queries {
            let Some(id) = parse_fingerprint(&query.fingerprint) else {
                unreadable.push(query.fingerprint.clone());
                continue;
            };
            profile.summary.statements += query.calls;
            profile.queries.insert(id, query.stats());
        }
        (profile, unreadable)
    }
}

impl SavedQuery {
    fn stats(&self) -> QueryStats {
        let to_us = |ms: f64| (ms * 1000.0).round().max(0.0) as u64;
        QueryStats {
            normalized: self.normalized.clone(),
            calls: self.calls,
            timed_calls: self.timed_calls,
            total_us: to_us(self.total_ms),
            sample: self.sample.as_ref().map(|sample| Sample {
                statement: sample.statement.clone(),
                parameters: sample.parameters.clone(),
                duration_us: sample.duration_ms.map(to_us),
                at: None,
                location: sample.location.clone(),
            }),
            ..QueryStats::default()
        }
    }
}

/// A fingerprint as reports write it (`format_id`: 16 hex digits).
pub fn parse_fingerprint(text: &str) -> Option<u64> {
    let hex = text.len() == 16 && text.bytes().all(|b| b.is_ascii_hexdigit());
    hex.then(|| u64::from_str_radix(text, 16).ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::fingerprint::format_id;

    const REPORT: &str = r#"{
      "schema_version": 2,
      "queries": [{"fingerprint": "26d1ae66ac1415aa", "normalized": "select 1 from t where a = $1",
        "calls": 70, "timed_calls": 70, "total_ms": 20.074,
        "sample": {"statement": "SELECT 1 FROM t WHERE a = $1", "parameters": "$1 = '26'",
                   "duration_ms": 0.494, "at": "2026-11-26 00:41:31.460", "location": "x.log:656"}}],
      "findings": [{"rule": "IDX001", "name": "missing-index", "category": "index",
        "severity": "info", "message": "m", "table": "public.t", "columns": ["a"],
        "sql": "CREATE INDEX CONCURRENTLY t_a_idx ON public.t USING btree (a);",
        "estimated_saving": null, "queries": ["26d1ae66ac1415aa"]}]
    }"#;

    #[test]
    fn a_report_gives_its_statements_with_their_logged_values() {
        let report = SavedReport::parse(REPORT).unwrap();
        let (profile, unreadable) = report.profile();
        assert!(unreadable.is_empty());
        let id = parse_fingerprint("26d1ae66ac1415aa").unwrap();
        assert_eq!(format_id(id), "26d1ae66ac1415aa");
        let stats = &profile.queries[&id];
        assert_eq!((stats.calls, stats.total_us), (70, 20_074));
        let sample = stats.sample.as_ref().unwrap();
        assert_eq!(sample.parameters.as_deref(), Some("$1 = '26'"));
        assert_eq!(sample.duration_us, Some(494));
        assert_eq!(profile.summary.statements, 70);
        let findings = report.findings.unwrap();
        assert_eq!(findings[0].table, Some(QualifiedName::new("public", "t")));
    }

    #[test]
    fn other_json_is_refused_with_the_reason() {
        let empty = r#"{"schema_version": 2, "queries": [], "findings": []}"#;
        assert!(
            SavedReport::parse(empty)
                .unwrap_err()
                .contains("no statement")
        );
        let workload = r#"{"schema_version": 2, "queries": []}"#;
        assert!(
            SavedReport::parse(workload)
                .unwrap_err()
                .contains("workload report")
        );
        let future = REPORT.replace("\"schema_version\": 2", "\"schema_version\": 3");
        assert!(
            SavedReport::parse(&future)
                .unwrap_err()
                .contains("version 3")
        );
        let other = r#"{"profile_version": 4}"#;
        assert!(
            SavedReport::parse(other)
                .unwrap_err()
                .starts_with("not a planwise")
        );
    }

    #[test]
    fn fingerprints_are_sixteen_hex_digits() {
        assert_eq!(parse_fingerprint("00000000000000ff"), Some(255));
        for bad in ["ff", "zzzzzzzzzzzzzzzz", "+00000000000000f", ""] {
            assert_eq!(parse_fingerprint(bad), None, "{bad}");
        }
    }
}
