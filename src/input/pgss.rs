//! pg_stat_statements exported as CSV (with a header) or as a JSON array of rows: the
//! aggregate counters per statement, without per-call timing.

use super::InputError;
use crate::model::diagnostics::{Example, Kind};
use crate::model::workload::Profile;
use crate::sql::fingerprint::Fingerprinter;
use crate::sql::is_own_statement;
use crate::sql::mentions::leading_keyword;
use serde::Deserialize;

/// One row of the view, under the column names of PG 13+ (`total_exec_time`) or older
/// (`total_time`).
#[derive(Debug, Deserialize)]
pub struct PgssRow {
    pub query: String,
    pub calls: f64,
    #[serde(alias = "total_time")]
    pub total_exec_time: Option<f64>,
    #[serde(alias = "min_time")]
    pub min_exec_time: Option<f64>,
    #[serde(alias = "max_time")]
    pub max_exec_time: Option<f64>,
    pub rows: Option<f64>,
    #[serde(alias = "database", alias = "dbname")]
    pub datname: Option<String>,
    #[serde(alias = "user", alias = "rolname")]
    pub username: Option<String>,
}

/// Whether text looks like a pg_stat_statements export.
pub fn looks_like(sample: &[u8]) -> bool {
    let first_line = sample.split(|&b| b == b'\n').next().unwrap_or_default();
    let first_line = String::from_utf8_lossy(first_line).to_lowercase();
    let text = sample.trim_ascii_start();
    (text.starts_with(b"[") && contains(sample, b"\"calls\""))
        || (first_line.contains("query")
            && first_line.contains("calls")
            && first_line.contains(','))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

pub fn parse(text: &str, name: &str) -> Result<Profile, InputError> {
    let bad = |reason: String| InputError::Malformed {
        path: name.to_string(),
        reason,
    };
    let rows: Vec<PgssRow> = if text.trim_start().starts_with('[') {
        serde_json::from_str(text).map_err(|e| bad(e.to_string()))?
    } else {
        csv::Reader::from_reader(text.as_bytes())
            .deserialize()
            .collect::<Result<_, _>>()
            .map_err(|e| bad(e.to_string()))?
    };
    Ok(profile_of(&rows))
}

/// Why a row is not the application's workload: planwise's own statements (marked, see
/// `sql::OWN_STATEMENT_MARK`) and any `EXPLAIN`, which would otherwise be planned again.
fn not_workload(query: &str) -> Option<(Kind, &'static str)> {
    if is_own_statement(query) {
        Some((Kind::OwnStatementLeftOut, "planwise's own statement"))
    } else if leading_keyword(query).as_deref() == Some("explain") {
        Some((Kind::ExplainLeftOut, "an EXPLAIN is not workload"))
    } else {
        None
    }
}

/// Folds rows into a profile: statements that differ only in what pg_stat_statements keeps
/// apart (user, database, top-level) share a fingerprint and add up. `EXPLAIN`s — planwise's
/// own among them, and any other tool's — are not the application's workload: left out and
/// counted, never planned again.
pub fn profile_of(rows: &[PgssRow]) -> Profile {
    let mut profile = Profile::default();
    let mut fingerprinter = Fingerprinter::new();
    for row in rows {
        if let Some((kind, reason)) = not_workload(&row.query) {
            profile.diagnostics.report(kind, || Example {
                file: "pg_stat_statements".into(),
                line: 0,
                reason: reason.into(),
            });
            continue;
        }
        let calls = row.calls.max(0.0) as u64;
        let fingerprint = fingerprinter.fingerprint(row.query.as_bytes());
        let micros = |ms: Option<f64>| (ms.unwrap_or(0.0).max(0.0) * 1000.0).round() as u64;
        let total_us = micros(row.total_exec_time);
        profile.summary.statements += calls;
        profile.summary.total_us = profile.summary.total_us.saturating_add(total_us);
        let stats = profile.stats_for(fingerprint.id, fingerprint.normalized);
        stats.calls += calls;
        if calls > 0 {
            stats.add_time(
                calls,
                total_us,
                micros(row.min_exec_time),
                micros(row.max_exec_time),
            );
        }
        if let Some(rows) = row.rows {
            stats.rows = Some(stats.rows.unwrap_or(0) + rows.max(0.0) as u64);
        }
        for (counts, key) in [
            (&mut stats.databases, &row.datname),
            (&mut stats.users, &row.username),
        ] {
            if let Some(key) = key.as_ref().filter(|k| !k.is_empty()) {
                counts.add(key, calls);
            }
        }
        if stats.sample.is_none() {
            stats.sample = Some(crate::model::workload::Sample {
                statement: row.query.clone(),
                parameters: None,
                duration_us: None,
                at: None,
                location: None,
            });
        }
    }
    profile
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_are_counted_and_never_become_workload() {
        let text = "query,calls,total_exec_time\n\
                    \"SELECT * FROM orders WHERE id = $1\",10,5.0\n\
                    \"EXPLAIN (FORMAT JSON) SELECT * FROM orders WHERE id = $1\",3,1.0\n";
        let profile = parse(text, "pgss.csv").unwrap();
        assert_eq!(profile.queries.len(), 1);
        assert_eq!(profile.summary.statements, 10);
        assert_eq!(profile.diagnostics.kinds[&Kind::ExplainLeftOut].count, 1);
    }

    #[test]
    fn planwise_own_statements_are_counted_and_left_out() {
        let text = "query,calls,total_exec_time\n\
                    \"SELECT * FROM orders WHERE id = $1\",10,5.0\n\
                    \"/* planwise */ SELECT n.nspname FROM pg_namespace n\",2,1.0\n\
                    \"/* planwise */ SET statement_timeout = '30s'\",2,0.1\n";
        let profile = parse(text, "pgss.csv").unwrap();
        assert_eq!(profile.queries.len(), 1);
        assert_eq!(
            profile.diagnostics.kinds[&Kind::OwnStatementLeftOut].count,
            2
        );
    }
}
