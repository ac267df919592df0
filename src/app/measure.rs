//! Wiring for `analyze --analyze`: which logged statements are measured on `--db`, and the
//! misestimates found in their plans; what could not be measured becomes a diagnostic.

use super::index_advice::{Statements, explainable};
use crate::analysis::estimates::{Misestimate, misestimates};
use crate::analysis::facts::{QueryFacts, StatementKind};
use crate::model::catalog::Catalog;
use crate::model::diagnostics::Kind;
use crate::model::workload::Profile;
use crate::sql::fingerprint::format_id;
use std::collections::BTreeMap;

/// How many statements are measured: those taking the most logged time.
pub const MEASURED_STATEMENTS: usize = 20;

/// Measures the plans of the SELECTs that take the most logged time and returns their
/// misestimated scans.
pub fn misestimated_scans(
    url: &str,
    trust_functions: bool,
    profile: &mut Profile,
    facts: &BTreeMap<u64, QueryFacts>,
    catalog: &Catalog,
) -> Vec<Misestimate> {
    let (candidates, locations) = {
        // The SELECTs that take the most logged time (else run most often) first.
        let selects: Statements<'_> = profile
            .queries_by_total_time()
            .into_iter()
            .filter_map(|(id, stats)| Some((id, facts.get(&id)?, stats)))
            .filter(|(_, facts, _)| facts.kind == StatementKind::Select && !facts.for_update)
            .take(MEASURED_STATEMENTS)
            .collect();
        let locations: BTreeMap<u64, String> = selects
            .iter()
            .map(|(id, _, stats)| {
                let location = stats.sample.as_ref().and_then(|s| s.location.clone());
                (*id, location.unwrap_or_else(|| format_id(*id)))
            })
            .collect();
        (explainable(&selects, catalog), locations)
    };
    let measured = match crate::db::measure::measure(url, &candidates, trust_functions) {
        Ok(measured) => measured,
        Err(error) => {
            eprintln!("planwise: {error}; no plans measured");
            profile
                .diagnostics
                .note(Kind::MeasureUnavailable, "--db", error.to_string());
            return Vec::new();
        }
    };
    for (id, reason) in measured.failures {
        profile
            .diagnostics
            .note(Kind::MeasureFailed, locations[&id].clone(), reason);
    }
    for (id, reason) in measured.refused {
        let reason = format!("not measured: {reason}");
        profile
            .diagnostics
            .note(Kind::MeasureRefused, locations[&id].clone(), reason);
    }
    measured
        .plans
        .iter()
        .flat_map(|(id, plan)| misestimates(*id, plan))
        .collect()
}
