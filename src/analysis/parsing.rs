//! Parses each distinct fingerprint once (in parallel) and reports the ones sqlparser
//! cannot read, with where their sample came from.

use crate::model::diagnostics::Example;
use crate::model::workload::Profile;
use crate::sql::fingerprint::format_id;
use crate::sql::parse::parse_sql;
use rayon::prelude::*;

/// Records an `unparseable_statement` diagnostic per fingerprint that ran and that
/// sqlparser rejects; returns how many were parsed.
pub fn check_statements(profile: &mut Profile) -> usize {
    let failures: Vec<(u64, String)> = profile
        .queries
        .par_iter()
        // Statements that only ever failed were rejected by the server itself.
        .filter(|(_, stats)| stats.calls > 0)
        .filter_map(|(id, stats)| {
            parse_sql(&stats.normalized)
                .err()
                .map(|e| (*id, e.to_string()))
        })
        .collect();
    for (id, reason) in &failures {
        let location = profile.queries[id]
            .sample
            .as_ref()
            .and_then(|s| s.location.clone());
        let (file, line) = split_location(location.as_deref(), *id);
        profile
            .diagnostics
            .report("unparseable_statement", || Example {
                file,
                line,
                reason: format!("fingerprint {}: {reason}", format_id(*id)),
            });
    }
    profile.queries.values().filter(|q| q.calls > 0).count() - failures.len()
}

fn split_location(location: Option<&str>, id: u64) -> (String, u64) {
    location
        .and_then(|l| l.rsplit_once(':'))
        .and_then(|(file, line)| Some((file.to_string(), line.parse().ok()?)))
        .unwrap_or_else(|| (format!("fingerprint {}", format_id(id)), 0))
}
