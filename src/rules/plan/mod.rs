//! Plan rules: they read the `auto_explain` plans the log attributes to each statement
//! (`QueryEvents::slowest_plans`, its slowest few): what the server did when it ran it —
//! rows, loops, spills, workers, JIT — offline, without a database connection.

pub mod filtering_seq_scan;
pub mod heap_fetches;
pub mod jit_dominates;
pub mod logged_row_misestimate;
pub mod nested_loop_many_loops;
pub mod plan_spill_to_disk;
pub mod workers_not_launched;

use crate::analysis::index::evidence::{self, plan_table};
use crate::findings::shorten;
use crate::model::catalog::QualifiedName;
use crate::model::plans::{LoggedPlan, PlanNode};
use crate::model::workload::QueryStats;
use crate::rules::Context;
use crate::units::thousands;

/// The statements with logged plans, slowest plan first (then by fingerprint).
fn planned<'a>(context: &Context<'a>) -> Vec<(u64, &'a QueryStats)> {
    let mut planned: Vec<(u64, &QueryStats)> = context
        .profile
        .queries
        .iter()
        .filter(|(_, stats)| !stats.events().slowest_plans.is_empty())
        .map(|(id, stats)| (*id, stats))
        .collect();
    let slowest = |stats: &QueryStats| stats.events().slowest_plans[0].duration_us;
    planned.sort_by_key(|(id, stats)| (std::cmp::Reverse(slowest(stats)), *id));
    planned
}

/// The nodes of a statement's kept plans that `select` picks, with the plan they are in;
/// and how many of the kept plans had one.
fn nodes_where<'a, T>(
    stats: &'a QueryStats,
    select: impl Fn(&'a LoggedPlan, usize, &'a PlanNode) -> Option<T>,
) -> (Vec<T>, usize) {
    let mut found = Vec::new();
    let mut plans = 0;
    for plan in &stats.events().slowest_plans {
        let before = found.len();
        found.extend(
            plan.nodes
                .iter()
                .enumerate()
                .filter_map(|(at, node)| select(plan, at, node)),
        );
        plans += usize::from(found.len() > before);
    }
    (found, plans)
}

/// `in 2 of its 3 slowest logged plans (40 logged)`: how often the kept plans showed it.
fn in_plans(showing: usize, stats: &QueryStats) -> String {
    let events = stats.events();
    let kept = events.slowest_plans.len();
    let logged = match events.plans as usize {
        logged if logged > kept => format!(" ({} logged)", thousands(logged as f64)),
        _ => String::new(),
    };
    match kept {
        1 => format!("in its logged plan{logged}"),
        _ => format!("in {showing} of its {kept} slowest logged plans{logged}"),
    }
}

/// The statement, shortened for a message.
fn statement(stats: &QueryStats) -> String {
    shorten(&stats.normalized, 80)
}

/// The table a plan node reads, schema-qualified from the statement's facts when they
/// name it (a plan without VERBOSE prints the bare name), else in `public`.
fn table_of(context: &Context<'_>, fingerprint: u64, relation: &str) -> QualifiedName {
    plan_table(context.facts.get(&fingerprint), relation)
}

/// `152` → `152 kB`, `4096` → `4.0 MB`: EXPLAIN's kB (1024 bytes) figures for a message.
fn kilobytes(kb: u64) -> String {
    match kb {
        0..1024 => format!("{kb} kB"),
        _ => format!("{:.1} MB", kb as f64 / 1024.0),
    }
}

/// The columns the statement filters `table` on, from its facts, those a function or
/// operator wraps too (none when planwise could not read the statement: a plan's `Query
/// Text` may be a function's expression).
fn filtered_columns(context: &Context<'_>, fingerprint: u64, table: &QualifiedName) -> Vec<String> {
    evidence::filtered_columns(context.facts.get(&fingerprint), table, true)
}
