//! Wiring for `planwise verify`: `analyze` on the scratch copy, then its recommended indexes
//! built and the statements they serve timed there (`db::verify`), and the report with what
//! was measured beside what was estimated.

mod changes;
mod from_report;

use super::index_advice::{Statements, explainable};
use super::{AnalyzeRun, emit_analysis, progress, run_analysis};
use crate::analysis::facts::StatementKind;
use crate::analysis::index::selection::Chosen;
use crate::analysis::verification::{
    BuildFigures, IndexVerified, NotTimed, StatementMeasure, Summary, Timing, TogetherMeasure,
    Verified, median,
};
use crate::cli::VerifyArgs;
use crate::db::verify::{IndexOutcome, IndexRequest, Outcome, Request, verify};
use crate::findings::Finding;
use crate::model::catalog::QualifiedName;
use crate::model::diagnostics::{Diagnostics, Kind};
use crate::report::{Report, Verification};
use crate::sql::fingerprint::format_id;
use anyhow::Context;
use std::collections::{BTreeMap, BTreeSet};

/// Exit statuses of an interrupted run, as shells report a process killed by the signal.
const INTERRUPTED_BY_SIGINT: u8 = 130;
const INTERRUPTED_BY_SIGTERM: u8 = 143;

/// `verify`: 0, or 1 with `--fail-on-regression` when an index made a statement slower; an
/// interrupted run exits as the signal would have made it.
pub fn run(args: &VerifyArgs) -> anyhow::Result<u8> {
    let url = args
        .analyze
        .input
        .db
        .as_deref()
        .context("verify needs --db")?;
    let (mut run, chosen) = match &args.from {
        Some(report) => from_report::read(report, &args.analyze.input)?,
        None => {
            let run = run_analysis(&args.analyze)?;
            let plan = run.index_plan.as_ref();
            let chosen = plan.map_or_else(Vec::new, |p| p.chosen.clone());
            (run, chosen)
        }
    };
    let chosen = chosen.as_slice();
    let request = Request {
        rewrites: changes::rewrites(&run),
        drops: changes::drops(&run),
        ..request(args, &run, chosen)
    };
    let outcome = progress::while_doing("verify: building indexes and timing statements", || {
        verify(url, &request)
    })?;
    note_outcome(&mut run.profile.diagnostics, &outcome);
    let margin = args.regression_margin / 100.0;
    let measured = measure_indexes(
        &run,
        chosen,
        &outcome,
        usize::from(args.runs),
        margin,
        args.include_writes,
    );
    let findings = std::mem::take(&mut run.findings);
    let runs = usize::from(args.runs);
    let rewrites = changes::rewrites_verified(&outcome, runs);
    let drops = changes::drops_verified(&run, &outcome, runs, margin);
    let mut summary = summary(&run, &outcome, &measured, runs);
    summary.count_rewrites(rewrites.values());
    summary.count_drops(drops.values());
    let mut by_finding: BTreeMap<usize, Verified> = by_finding(&findings, chosen, measured);
    by_finding.extend(rewrites.into_iter().map(|(i, r)| (i, Verified::Rewrite(r))));
    by_finding.extend(drops.into_iter().map(|(i, d)| (i, Verified::Drop(d))));
    let verification = Verification {
        summary,
        by_finding,
    };
    let regressed = verification.summary.slower > 0;
    let report = Report::new(
        &run.profile,
        Some(run.analysis(findings, Some(verification))),
    );
    let analyze = &args.analyze;
    emit_analysis(
        &report,
        analyze.format,
        analyze.color.color,
        &analyze.output,
    )?;
    Ok(match outcome.interrupted {
        Some("SIGTERM") => INTERRUPTED_BY_SIGTERM,
        Some(_) => INTERRUPTED_BY_SIGINT,
        None => u8::from(args.fail_on_regression && regressed),
    })
}

/// The logged statements that write `table` (what an index on it costs): with
/// `--include-writes` only.
fn writes_on(run: &AnalyzeRun, table: &QualifiedName, include_writes: bool) -> Vec<u64> {
    if !include_writes {
        return Vec::new();
    }
    let writes = [
        StatementKind::Insert,
        StatementKind::Update,
        StatementKind::Delete,
    ];
    run.statements
        .facts
        .iter()
        .filter(|(_, f)| writes.contains(&f.kind) && f.tables.iter().any(|t| t.table == *table))
        .map(|(id, _)| *id)
        .collect()
}

fn request(args: &VerifyArgs, run: &AnalyzeRun, chosen: &[Chosen]) -> Request {
    let serves = |c: &Chosen| -> Vec<u64> {
        let served = c.served.iter().map(|s| s.query);
        served
            .chain(writes_on(run, &c.def.table, args.include_writes))
            .collect()
    };
    let served: BTreeSet<u64> = chosen.iter().flat_map(serves).collect();
    let statements: Statements<'_> = served
        .iter()
        .filter_map(|id| {
            let facts = run.statements.facts.get(id)?;
            Some((*id, facts, run.profile.queries.get(id)?))
        })
        .collect();
    let catalog = run.catalog.as_ref();
    Request {
        statements: catalog.map_or_else(Vec::new, |c| explainable(&statements, c)),
        indexes: chosen
            .iter()
            .map(|c| IndexRequest {
                def: c.def.clone(),
                serves: serves(c),
            })
            .collect(),
        rewrites: Vec::new(),
        drops: Vec::new(),
        runs: usize::from(args.runs),
        statement_timeout: args.statement_timeout,
        budget: args.verify_budget,
        trust_functions: args.analyze.index.cost.trust_functions,
        include_writes: args.include_writes,
    }
}

/// What the run did besides measuring, on stderr and in the diagnostics.
fn note_outcome(diagnostics: &mut Diagnostics, outcome: &Outcome) {
    for index in &outcome.leftovers_dropped {
        eprintln!("planwise: dropped {index}, left behind by an interrupted verify");
        let reason = format!("dropped {index}, left behind by an interrupted verify");
        diagnostics.note(Kind::VerifyLeftoverDropped, "--db", reason);
    }
    for (id, reason) in &outcome.refused {
        diagnostics.note(
            Kind::VerifyRefused,
            format_id(*id),
            format!("not run: {reason}"),
        );
    }
    for (id, timing) in &outcome.before {
        if let Err(reason) = timing {
            diagnostics.note(Kind::VerifyFailed, format_id(*id), reason.as_str());
        }
    }
    if let Some(signal) = outcome.interrupted {
        eprintln!("planwise: interrupted ({signal}); every index built was dropped");
    }
    for index in &outcome.left_behind {
        eprintln!("planwise: could not drop {index}; the next verify run drops it");
    }
}

/// Each chosen index's verification, in the plan's order.
fn measure_indexes(
    run: &AnalyzeRun,
    chosen: &[Chosen],
    outcome: &Outcome,
    runs: usize,
    margin: f64,
    include_writes: bool,
) -> Vec<IndexVerified> {
    chosen
        .iter()
        .enumerate()
        .map(|(position, chosen)| {
            let Some(measured) = outcome.indexes.get(position) else {
                let reason = if outcome.interrupted.is_some() {
                    "the run was interrupted before it"
                } else {
                    "the verification budget ran out before it (--verify-budget)"
                };
                let name = String::new();
                return IndexVerified::unverified(name, runs, chosen.size_bytes, reason.into());
            };
            measure_index(run, chosen, measured, outcome, runs, margin, include_writes)
        })
        .collect()
}

fn measure_index(
    run: &AnalyzeRun,
    chosen: &Chosen,
    measured: &IndexOutcome,
    outcome: &Outcome,
    runs: usize,
    margin: f64,
    include_writes: bool,
) -> IndexVerified {
    let unverified = |reason: String| {
        IndexVerified::unverified(measured.name.clone(), runs, chosen.size_bytes, reason)
    };
    let built = match &measured.built {
        Ok(built) => BuildFigures {
            size_bytes: built.size_bytes,
            build_ms: built.build_ms,
        },
        Err(reason) => return unverified(format!("it could not be built: {reason}")),
    };
    let mut statements = Vec::new();
    let mut not_timed = Vec::new();
    for served in &chosen.served {
        let fingerprint = format_id(served.query);
        let calls = run
            .profile
            .queries
            .get(&served.query)
            .map_or(0, |q| q.calls);
        match timings_of(served.query, outcome, measured) {
            Ok((before, after)) => statements.push(StatementMeasure {
                fingerprint,
                calls,
                before_ms: before.median_ms(),
                after_ms: after.median_ms(),
                uses_index: after.indexes_used.contains(&measured.name),
                write: false,
                estimated_cost_before: Some(served.before),
                estimated_cost_after: Some(served.after),
            }),
            Err(reason) => not_timed.push(NotTimed {
                fingerprint,
                reason,
            }),
        }
    }
    let writes = writes_on(run, &chosen.def.table, include_writes);
    // A write the index serves (an UPDATE … WHERE) is listed once, among the served.
    let unserved = writes
        .into_iter()
        .filter(|id| !chosen.served.iter().any(|s| s.query == *id));
    for id in unserved {
        let fingerprint = format_id(id);
        let calls = run.profile.queries.get(&id).map_or(0, |q| q.calls);
        match timings_of(id, outcome, measured) {
            Ok((before, after)) => statements.push(StatementMeasure {
                fingerprint,
                calls,
                before_ms: before.median_ms(),
                after_ms: after.median_ms(),
                uses_index: false,
                write: true,
                estimated_cost_before: None,
                estimated_cost_after: None,
            }),
            Err(reason) => not_timed.push(NotTimed {
                fingerprint,
                reason,
            }),
        }
    }
    let cache = measured
        .after
        .values()
        .flatten()
        .next()
        .map(Timing::cache_state);
    IndexVerified {
        not_timed,
        ..IndexVerified::measured(unverified(String::new()), built, statements, cache, margin)
    }
}

/// A statement's timings without the index (just before it was built) and with it, or why
/// it has none.
fn timings_of<'o>(
    id: u64,
    outcome: &'o Outcome,
    index: &'o IndexOutcome,
) -> Result<(&'o Timing, &'o Timing), String> {
    if let Some(reason) = outcome.refused.get(&id) {
        return Err(format!("not run: {reason}"));
    }
    match outcome.before.get(&id) {
        Some(Ok(_)) => {}
        Some(Err(reason)) => return Err(reason.clone()),
        None => return Err("not among the statements timed".into()),
    }
    let before = match index.before.get(&id) {
        Some(Ok(timing)) => timing,
        Some(Err(reason)) => return Err(reason.clone()),
        None => return Err("not timed before the index was built".into()),
    };
    match index.after.get(&id) {
        Some(Ok(timing)) => Ok((before, timing)),
        Some(Err(reason)) => Err(reason.clone()),
        None => Err("not timed with the index".into()),
    }
}

fn summary(run: &AnalyzeRun, outcome: &Outcome, indexes: &[IndexVerified], runs: usize) -> Summary {
    let mut summary = Summary {
        scratch: outcome.scratch.clone(),
        runs,
        together: outcome.together.as_ref().map(|t| together(run, outcome, t)),
        budget_ran_out: outcome.budget_ran_out,
        interrupted: outcome.interrupted.map(str::to_string),
        leftovers_dropped: outcome.leftovers_dropped.clone(),
        left_behind: outcome.left_behind.clone(),
        ..Summary::default()
    };
    summary.count(indexes);
    summary
}

/// The served statements' workload time (logged calls × median a call) without and with
/// every index built.
fn together(
    run: &AnalyzeRun,
    outcome: &Outcome,
    together: &crate::db::verify::Together,
) -> TogetherMeasure {
    let mut before = 0.0;
    let mut after = 0.0;
    let mut statements = 0;
    for (id, timing) in &together.after {
        let (Ok(with), Some(Ok(without))) = (timing, outcome.before.get(id)) else {
            continue;
        };
        let calls = run.profile.queries.get(id).map_or(0, |q| q.calls) as f64;
        before += calls * median(&without.runs_ms);
        after += calls * median(&with.runs_ms);
        statements += 1;
    }
    TogetherMeasure {
        indexes: together.indexes.len(),
        statements,
        workload_before_ms: before,
        workload_after_ms: after,
    }
}

/// Each index's verification, under the finding that recommends it (the finding's index
/// evidence names it as the plan writes it).
fn by_finding(
    findings: &[Finding],
    chosen: &[Chosen],
    measured: Vec<IndexVerified>,
) -> BTreeMap<usize, Verified> {
    let mut by_index: BTreeMap<String, IndexVerified> = chosen
        .iter()
        .map(|c| c.def.to_string())
        .zip(measured)
        .collect();
    findings
        .iter()
        .enumerate()
        .filter_map(|(position, finding)| {
            let index = &finding.index.as_ref()?.index;
            Some((position, Verified::Index(by_index.remove(index)?)))
        })
        .collect()
}
