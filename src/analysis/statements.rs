//! Each distinct fingerprint, parsed once (in parallel) into query facts. The text parsed is
//! the sample the log kept — real values make facts such as `LIKE 'abc%'` or
//! `status = 'pending'` precise — or the normalized text when there is no sample.

use super::facts::{QueryFacts, extract_facts};
use crate::model::catalog::Catalog;
use crate::model::diagnostics::{Diagnostics, Example, Kind};
use crate::model::workload::Profile;
use crate::sql::fingerprint::format_id;
use crate::sql::nesting::deep_pool;
use crate::sql::parameters::parse_logged_parameters;
use crate::sql::parse::parse_sql;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// A statement sqlparser could not read.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseFailure {
    pub fingerprint: u64,
    /// `file:line` of the sample, when known.
    pub location: Option<String>,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct StatementAnalysis {
    pub facts: BTreeMap<u64, QueryFacts>,
    pub failures: Vec<ParseFailure>,
}

/// Facts for every fingerprint that ran (statements that only ever failed were rejected by
/// the server itself and are not parsed).
pub fn analyze_statements(
    profile: &Profile,
    catalog: Option<&Catalog>,
    search_path: &[String],
) -> StatementAnalysis {
    // Threads with the stack the deepest statement parse_sql lets through needs.
    let results: Vec<(u64, Option<Result<QueryFacts, ParseFailure>>)> = deep_pool().install(|| {
        profile
            .queries
            .par_iter()
            .filter(|(_, stats)| stats.calls > 0)
            .map(|(id, stats)| {
                let sample = stats.sample.as_ref();
                let text = sample.map_or(stats.normalized.as_str(), |s| s.statement.as_str());
                let parameters = sample
                    .and_then(|s| s.parameters.as_deref())
                    .map(parse_logged_parameters)
                    .unwrap_or_default();
                // An empty statement (a client's probe) has no facts and is no failure.
                let facts = match parse_sql(text) {
                    Ok(statements) => statements.first().map(|statement| {
                        Ok(extract_facts(statement, catalog, search_path, &parameters))
                    }),
                    Err(error) => Some(Err(ParseFailure {
                        fingerprint: *id,
                        location: sample.and_then(|s| s.location.clone()),
                        reason: error.to_string(),
                    })),
                };
                (*id, facts)
            })
            .collect()
    });
    let mut analysis = StatementAnalysis::default();
    for (id, result) in results {
        match result {
            Some(Ok(facts)) => {
                analysis.facts.insert(id, facts);
            }
            Some(Err(failure)) => analysis.failures.push(failure),
            None => {}
        }
    }
    analysis
}

impl StatementAnalysis {
    /// Reports each failure as an `unparsed_statement` diagnostic.
    pub fn report_failures(&self, diagnostics: &mut Diagnostics) {
        for failure in &self.failures {
            let (file, line) = split_location(failure.location.as_deref(), failure.fingerprint);
            diagnostics.report(Kind::UnparsedStatement, || Example {
                file,
                line,
                reason: format!(
                    "fingerprint {}: {}",
                    format_id(failure.fingerprint),
                    failure.reason
                ),
            });
        }
    }
}

fn split_location(location: Option<&str>, id: u64) -> (String, u64) {
    location
        .and_then(|l| l.rsplit_once(':'))
        .and_then(|(file, line)| Some((file.to_string(), line.parse().ok()?)))
        .unwrap_or_else(|| (format!("fingerprint {}", format_id(id)), 0))
}
