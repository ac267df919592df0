//! Query rewrites compared on the scratch copy: the statement as logged and its rewrite,
//! timed with the same values, and the rows one returns and the other does not counted.

use super::{Outcome, Request, lost};
use crate::analysis::verification::Timing;
use crate::db::explain::Explainable;
use crate::db::safety::Purpose;
use crate::db::{DbError, Session};
use std::collections::BTreeMap;
use std::time::Instant;

/// A statement as logged and its rewrite, with the same parameter values.
pub struct RewriteRequest {
    /// The finding proposing it (its place among the findings).
    pub finding: usize,
    pub original: Explainable,
    pub rewrite: Explainable,
}

/// A rewrite compared: both timed, and the rows one returns and the other does not.
#[derive(Debug)]
pub struct RewriteOutcome {
    pub finding: usize,
    pub original: Result<Timing, String>,
    pub rewrite: Result<Timing, String>,
    pub differing_rows: Result<u64, String>,
}

/// What was measured, as far as the run went.
/// Each rewrite against its statement, with the existing indexes only.
pub(super) async fn compare_rewrites(
    reader: &Session,
    request: &Request,
    deadline: Instant,
    outcome: &mut Outcome,
) -> Result<(), DbError> {
    for rewrite in &request.rewrites {
        if Instant::now() >= deadline {
            outcome.budget_ran_out = true;
            break;
        }
        let compared = compare_rewrite(reader, request, rewrite).await;
        lost(reader)?;
        outcome.rewrites.push(compared);
    }
    Ok(())
}

async fn compare_rewrite(
    reader: &Session,
    request: &Request,
    pair: &RewriteRequest,
) -> RewriteOutcome {
    let both = Explainable {
        text: differing_rows_query(&pair.original.text, &pair.rewrite.text),
        with_first: BTreeMap::new(),
        partial_indexes_on: None,
        ..pair.original.clone()
    };
    let mut results = Vec::new();
    for statement in [&pair.original, &pair.rewrite, &both] {
        let result = match reader
            .refusal_to_measure(statement, request.trust_functions, Purpose::Run)
            .await
        {
            Ok(Some(reason)) => Err(format!("not run: {reason}")),
            Ok(None) => Ok(()),
            Err(reason) => Err(reason),
        };
        results.push(result);
    }
    let original = timed_if(reader, &pair.original, request, &results[0]).await;
    let rewrite = timed_if(reader, &pair.rewrite, request, &results[1]).await;
    let differing_rows = match &results[2] {
        Ok(()) => reader.count_rows(&both, request).await,
        Err(reason) => Err(reason.clone()),
    };
    RewriteOutcome {
        finding: pair.finding,
        original,
        rewrite,
        differing_rows,
    }
}

/// The statement timed, when the gate let it through.
async fn timed_if(
    reader: &Session,
    statement: &Explainable,
    request: &Request,
    gate: &Result<(), String>,
) -> Result<Timing, String> {
    gate.clone()?;
    reader.time(statement, request).await
}

/// A query returning a row for each row one statement returns and the other does not.
fn differing_rows_query(original: &str, rewrite: &str) -> String {
    let original = original.trim().trim_end_matches(';');
    let rewrite = rewrite.trim().trim_end_matches(';');
    format!(
        "SELECT 1 FROM (({original}) EXCEPT ALL ({rewrite})) AS only_original \
         UNION ALL SELECT 1 FROM (({rewrite}) EXCEPT ALL ({original})) AS only_rewrite"
    )
}
