//! Index rules. The recommendations (IDX001–IDX003) all come from the index advisor's one
//! workload-wide choice (`analysis::index::selection`): each rule reports the chosen indexes
//! of its kind (IDX007 too). IDX004–IDX006 read the catalog (and the workload's deletes).

pub mod brin_index;
pub mod expression_index;
pub mod fk_index;
pub mod missing_index;
pub mod partial_index;
pub mod redundant_index;
pub mod trigram_index;
pub mod unused_index;

use super::{Context, Rule};
use crate::analysis::index::candidates::{
    CoveringVerdict, MIN_ROWS_FOR_BRIN, covering_verdict, describe_growth,
};
use crate::analysis::index::cost::AfterCut;
use crate::analysis::index::definition::{IndexDef, IndexMethod, truncated};
use crate::analysis::index::selection::{Chosen, Plan, RejectReason, Rejected};
use crate::findings::Basis;
use crate::findings::{
    Confidence, Finding, IndexEvidence, RejectedAlternative, Saving, ServedQuery, Severity,
};
use crate::sql::fingerprint::format_id;
use crate::units::thousands;
use std::collections::BTreeSet;

/// A recommendation saving at least this share of the workload's cost is a warning.
const WARNING_SHARE: f64 = 0.10;
const MS_PER_DAY: f64 = 86_400_000.0;
/// Below this logged span, a per-day figure would be a wild extrapolation.
const MIN_SPAN_MS: f64 = 60_000.0;

/// Findings for the chosen indexes that `kind` accepts.
fn recommendations(
    context: &Context<'_>,
    rule: &'static Rule,
    kind: fn(&IndexDef) -> bool,
    out: &mut Vec<Finding>,
) {
    let Some(plan) = context.index_plan else {
        return;
    };
    let mut taken: BTreeSet<String> = context
        .catalog
        .map(|c| c.indexes.keys().map(|n| n.name.clone()).collect())
        .unwrap_or_default();
    // Each index's place in the plan's ranking (by saving), among every kind.
    for (rank, chosen) in (1..).zip(&plan.chosen).filter(|(_, c)| kind(&c.def)) {
        let name = unique_name(&chosen.def, &mut taken);
        out.push(recommendation(context, rule, plan, (rank, chosen), &name));
    }
}

/// The finding for one chosen index, to be created as `name`.
fn recommendation(
    context: &Context<'_>,
    rule: &'static Rule,
    plan: &Plan,
    (rank, chosen): (usize, &Chosen),
    name: &str,
) -> Finding {
    let share_of = |saving: f64| {
        if plan.baseline > 0.0 {
            saving / plan.baseline
        } else {
            0.0
        }
    };
    let share = share_of(chosen.saving);
    // Overlapping recommendations each save little next to the others: the severity
    // follows what the index saves on its own.
    let share_alone = share_of(chosen.saving_alone.max(chosen.saving));
    Finding {
        severity: if share_alone >= WARNING_SHARE {
            Severity::Warning
        } else {
            Severity::Info
        },
        message: format!(
            "{}{}",
            recommendation_message(plan, chosen, share, share_alone),
            evidence_notes(context, plan, chosen)
        ),
        table: Some(chosen.def.table.clone()),
        columns: chosen
            .def
            .keys
            .iter()
            .map(|k| k.expression.clone())
            .collect(),
        sql: Some(format!("{};", chosen.def.create_sql_named(name, true))),
        estimated_saving: Some(Saving {
            cost_units: chosen.saving,
            share_of_workload: Some(share),
            ms_per_day: ms_per_day(context, chosen),
            write_overhead: chosen.write_overhead,
            basis: plan.basis,
            weighted_by: plan.weighting,
            confidence: confidence(context, plan, chosen),
        }),
        queries: chosen.served.iter().map(|s| format_id(s.query)).collect(),
        index: Some(index_evidence(plan, rank, chosen)),
        ..rule.finding()
    }
}

fn recommendation_message(plan: &Plan, chosen: &Chosen, share: f64, share_alone: f64) -> String {
    let built_full = if chosen.def.fillfactor.is_some() {
        "; built full, as nothing writes the table (no logged write, no update or delete, \
         no insert since its last vacuum)"
    } else {
        ""
    };
    format!(
        "index {} saves {:.1} % of the workload's {} ({:.1} % on its own; {} statement{}){}{}",
        chosen.def,
        share * 100.0,
        plan.weighting.workload_measure(),
        share_alone * 100.0,
        chosen.served.len(),
        if chosen.served.len() == 1 { "" } else { "s" },
        built_full,
        partial_note(plan)
    )
}

/// What the log says behind the advice, each note with its basis: the logged plan of a
/// served statement that read the table to throw most of it away (auto_explain), why the
/// index covers no other column (the table's logged writes, its all-visible share), and for
/// a BRIN index on a table large only within the horizon, its growth.
fn evidence_notes(context: &Context<'_>, plan: &Plan, chosen: &Chosen) -> String {
    let table = &chosen.def.table;
    let mut notes = String::new();
    let served = chosen.served.iter().map(|s| s.query);
    if let Some((query, scan, count)) = plan.evidence.worst_scan(table, served) {
        let others = match count - 1 {
            0 => String::new(),
            1 => "; so did the plan of another statement it serves".to_string(),
            more => format!("; so did the plans of {more} more statements it serves"),
        };
        notes.push_str(&format!(
            "; the logged plan of {} scanned {} rows of {table} to return {} (auto_explain{others})",
            format_id(query),
            thousands(scan.read as f64),
            thousands(scan.kept() as f64),
        ));
    }
    let Some(catalog_table) = context.catalog.and_then(|c| c.tables.get(table)) else {
        return notes;
    };
    let rows = context.known_rows(catalog_table);
    let verdict = covering_verdict(catalog_table, rows, plan.evidence.writes.get(table));
    if let CoveringVerdict::Withheld(why) = verdict
        && chosen.def.method == IndexMethod::Btree
        && chosen.def.include.is_empty()
        && reads_beyond_keys(context, chosen)
    {
        notes.push_str(&format!("; {}", why.describe(table)));
    }
    let growth = plan.evidence.growth.get(table);
    if let (Some(rows), Some(growth)) = (rows, growth)
        && chosen.def.method == IndexMethod::Brin
        && rows < MIN_ROWS_FOR_BRIN
    {
        notes.push_str(&format!("; {table}: {}", describe_growth(rows, growth)));
    }
    notes
}

/// Whether a served statement reads columns of the table the index does not hold (an
/// index-only scan would have needed them).
fn reads_beyond_keys(context: &Context<'_>, chosen: &Chosen) -> bool {
    let held: Vec<&str> = chosen.def.covered_columns().collect();
    chosen.served.iter().any(|served| {
        context
            .facts
            .get(&served.query)
            .and_then(|facts| facts.columns_used.get(&chosen.def.table))
            .is_some_and(|used| used.iter().any(|c| !held.contains(&c.as_str())))
    })
}

/// The statements the index serves and the alternatives rejected for those statements (not
/// every one of its table).
fn index_evidence(plan: &Plan, rank: usize, chosen: &Chosen) -> IndexEvidence {
    let rejected = plan
        .rejected
        .iter()
        .filter(|r| {
            r.could_serve
                .iter()
                .any(|q| chosen.served.iter().any(|s| s.query == *q))
        })
        .take(3);
    IndexEvidence {
        index: chosen.def.to_string(),
        size_bytes: chosen.size_bytes,
        rank,
        cumulative_share_of_workload: if plan.baseline > 0.0 {
            chosen.cumulative_saving / plan.baseline
        } else {
            0.0
        },
        served: chosen
            .served
            .iter()
            .take(5)
            .map(|s| ServedQuery {
                fingerprint: format_id(s.query),
                calls: s.calls as u64,
                cost_before: s.before,
                cost_after: s.after,
            })
            .collect(),
        rejected_alternatives: rejected.map(rejection).collect(),
    }
}

/// `; partial advice: …` when the what-if costing lost its server and only what it costed
/// before counts.
fn partial_note(plan: &Plan) -> String {
    match &plan.cut_short {
        Some(cut) if cut.instead == AfterCut::Partial => format!("; {}", cut.describe()),
        _ => String::new(),
    }
}

/// What-if figures are the server's planner's (less sure when the costing was cut short and
/// some statements were left out); the offline model's are as good as the statistics behind
/// them (a table without any is assumed to have 1000 rows).
fn confidence(context: &Context<'_>, plan: &Plan, chosen: &Chosen) -> Confidence {
    let plan_partial = plan.cut_short.is_some();
    let measured = context
        .catalog
        .and_then(|c| c.tables.get(&chosen.def.table))
        .is_some_and(|t| t.stats.is_some());
    match plan.basis {
        Basis::WhatIf if plan_partial => Confidence::Medium,
        Basis::WhatIf => Confidence::High,
        Basis::OfflineModel if measured => Confidence::Medium,
        Basis::OfflineModel => Confidence::Low,
    }
}

/// The index's name, with a number appended as PostgreSQL does when it is taken.
fn unique_name(def: &IndexDef, taken: &mut BTreeSet<String>) -> String {
    let base = def.name();
    let mut name = base.clone();
    let mut number = 1;
    while taken.contains(&name) {
        let stem = truncated(&base, 63 - number.to_string().len());
        name = format!("{stem}{number}");
        number += 1;
    }
    taken.insert(name.clone());
    name
}

/// Logged time saved per day: each served statement's logged time × the share of its cost
/// saved, scaled from the span the log covers.
fn ms_per_day(context: &Context<'_>, chosen: &Chosen) -> Option<f64> {
    let seen = context.profile.summary.seen;
    let span = (seen.last_seen? - seen.first_seen?) as f64;
    if span < MIN_SPAN_MS {
        return None;
    }
    let saved: f64 = chosen
        .served
        .iter()
        .filter_map(|s| {
            let stats = context.profile.queries.get(&s.query)?;
            (s.before > 0.0).then(|| stats.total_us as f64 / 1000.0 * (1.0 - s.after / s.before))
        })
        .sum();
    Some(saved * MS_PER_DAY / span)
}

fn rejection(rejected: &Rejected) -> RejectedAlternative {
    let reason = match &rejected.reason {
        RejectReason::NoPlanUsesIt => "no statement's plan would use it".to_string(),
        RejectReason::WritesOutweigh { write_overhead } => format!(
            "its upkeep ({write_overhead:.0} cost units) outweighs what it saves ({:.0})",
            rejected.saving_alone + write_overhead
        ),
        RejectReason::OverBudget => format!(
            "it would save {:.0} cost units alone but does not fit in the budget left",
            rejected.saving_alone
        ),
        RejectReason::ServedByChosen { remaining_saving } if *remaining_saving > 0.0 => format!(
            "alone it would save {:.0} cost units, next to the chosen indexes only {:.0}",
            rejected.saving_alone, remaining_saving
        ),
        RejectReason::ServedByChosen { .. } => format!(
            "alone it would save {:.0} cost units, next to the chosen indexes nothing",
            rejected.saving_alone
        ),
    };
    RejectedAlternative {
        index: rejected.def.to_string(),
        size_bytes: rejected.size_bytes,
        reason,
    }
}

/// A sequential scan of the table at PostgreSQL's default costs (one page per 50 rows
/// where statistics do not say), for rules whose saving EXPLAIN cannot show.
fn sequential_scan_cost(table: &crate::model::catalog::Table, rows: f64) -> f64 {
    table_pages(table, rows) + rows * 0.01 + rows * 0.0025
}

/// The table's pages from statistics, else one per 50 rows.
fn table_pages(table: &crate::model::catalog::Table, rows: f64) -> f64 {
    table
        .stats
        .as_ref()
        .map(|s| s.pages as f64)
        .filter(|p| *p > 0.0)
        .unwrap_or_else(|| (rows / 50.0).ceil())
}
