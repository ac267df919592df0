//! What `verify` measures besides new indexes: query rewrites beside the statements they
//! rewrite, and drops of existing indexes (the statements on the table timed without them).

use super::super::AnalyzeRun;
use super::super::index_advice::{Statements, explainable};
use crate::analysis::facts::StatementKind;
use crate::analysis::index::definition::qualified;
use crate::analysis::verification::{DropMeasure, DropVerified, NotTimed, RewriteVerified, Timing};
use crate::db::explain::Explainable;
use crate::db::verify::{DropRequest, Outcome, RewriteRequest};
use crate::findings::Category;
use crate::sql::fingerprint::format_id;
use std::collections::BTreeMap;

/// Statements timed for a drop: those on the table taking the most logged time.
const DROP_STATEMENTS: usize = 10;

/// The rewrites with SQL, each against the statement it rewrites, with its logged values.
pub(super) fn rewrites(run: &AnalyzeRun) -> Vec<RewriteRequest> {
    let Some(catalog) = run.catalog.as_ref() else {
        return Vec::new();
    };
    let by_fingerprint: BTreeMap<String, u64> = run
        .profile
        .queries
        .keys()
        .map(|id| (format_id(*id), *id))
        .collect();
    run.findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.category == Category::Rewrite)
        .filter_map(|(position, finding)| {
            let sql = finding.sql.as_ref()?;
            let [fingerprint] = finding.queries.as_slice() else {
                return None;
            };
            let id = *by_fingerprint.get(fingerprint)?;
            let statement: Statements<'_> = vec![(
                id,
                run.statements.facts.get(&id)?,
                run.profile.queries.get(&id)?,
            )];
            let original = explainable(&statement, catalog).pop()?;
            let rewrite = Explainable {
                text: sql.trim().trim_end_matches(';').to_string(),
                ..original.clone()
            };
            Some(RewriteRequest {
                finding: position,
                original,
                rewrite,
            })
        })
        .collect()
}

/// Each rewrite's comparison, by its finding's place.
pub(super) fn rewrites_verified(
    outcome: &Outcome,
    runs: usize,
) -> BTreeMap<usize, RewriteVerified> {
    outcome
        .rewrites
        .iter()
        .map(|compared| {
            let problems: Vec<&String> = [
                compared.original.as_ref().err(),
                compared.rewrite.as_ref().err(),
                compared.differing_rows.as_ref().err(),
            ]
            .into_iter()
            .flatten()
            .collect();
            let verified = RewriteVerified {
                same_rows: compared.differing_rows.as_ref().ok().map(|&n| n == 0),
                differing_rows: compared.differing_rows.as_ref().ok().copied(),
                original_ms: compared.original.as_ref().ok().map(Timing::median_ms),
                rewrite_ms: compared.rewrite.as_ref().ok().map(Timing::median_ms),
                runs,
                not_verified: problems.first().map(|p| p.to_string()),
            };
            (compared.finding, verified)
        })
        .collect()
}

/// The statement of `id` as it may be explained, with its logged values.
fn explainable_statement(run: &AnalyzeRun, id: u64) -> Option<Explainable> {
    let catalog = run.catalog.as_ref()?;
    let statement: Statements<'_> = vec![(
        id,
        run.statements.facts.get(&id)?,
        run.profile.queries.get(&id)?,
    )];
    explainable(&statement, catalog).pop()
}

/// The index drops proposed (`DROP INDEX CONCURRENTLY …`), each with the reads of its table
/// that take the most logged time.
pub(super) fn drops(run: &AnalyzeRun) -> Vec<DropRequest> {
    let Some(catalog) = run.catalog.as_ref() else {
        return Vec::new();
    };
    run.findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.category == Category::Index)
        .filter_map(|(position, finding)| {
            let dropped = finding
                .sql
                .as_ref()?
                .strip_prefix("DROP INDEX CONCURRENTLY ")?;
            let dropped = dropped.trim_end_matches(';');
            let index = catalog
                .indexes
                .values()
                .find(|i| qualified(&i.name) == dropped)?;
            let statements = run
                .profile
                .queries_by_total_time()
                .into_iter()
                .filter(|(id, _)| {
                    run.statements.facts.get(id).is_some_and(|facts| {
                        facts.kind == StatementKind::Select
                            && facts.tables.iter().any(|t| t.table == index.table)
                    })
                })
                .take(DROP_STATEMENTS)
                .filter_map(|(id, _)| explainable_statement(run, id))
                .collect();
            Some(DropRequest {
                finding: position,
                index: index.name.clone(),
                statements,
            })
        })
        .collect()
}

/// Each drop's measures, by its finding's place.
pub(super) fn drops_verified(
    run: &AnalyzeRun,
    outcome: &Outcome,
    runs: usize,
    margin: f64,
) -> BTreeMap<usize, DropVerified> {
    outcome
        .drops
        .iter()
        .map(|measured| {
            let mut verified = DropVerified {
                safe_to_drop: None,
                runs,
                statements: Vec::new(),
                not_timed: Vec::new(),
                not_verified: measured.without.as_ref().err().cloned(),
            };
            let without = measured.without.as_ref().ok();
            for (id, with) in &measured.with {
                let fingerprint = format_id(*id);
                let pair = with.as_ref().map_err(Clone::clone).and_then(|with| {
                    match without.and_then(|w| w.get(id)) {
                        Some(Ok(without)) => Ok((with, without)),
                        Some(Err(reason)) => Err(reason.clone()),
                        None => Err("not timed without the index".to_string()),
                    }
                });
                match pair {
                    Ok((with, without)) => verified.statements.push(DropMeasure {
                        calls: run.profile.queries.get(id).map_or(0, |q| q.calls),
                        with_ms: with.median_ms(),
                        without_ms: without.median_ms(),
                        used_index: with.indexes_used.contains(&measured.index.name),
                        fingerprint,
                    }),
                    Err(reason) => verified.not_timed.push(NotTimed {
                        fingerprint,
                        reason,
                    }),
                }
            }
            verified.judge(margin);
            (measured.finding, verified)
        })
        .collect()
}
