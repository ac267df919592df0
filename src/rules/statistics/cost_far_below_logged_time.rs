//! ## What it finds
//! A SELECT the log timed that the planner prices far below what it takes: its logged time
//! per cost unit is 10× or more that of the workload's other timed SELECTs, and it holds at
//! least 1 % of the logged time. One finding per statement, with both figures.
//!
//! ## Why it matters
//! The planner chooses plans, and planwise costs indexes, on estimates. A statement the
//! planner expects to be cheap but that the log shows slow is one whose estimate is wrong:
//! most often a `LIMIT` the planner expects a scan to reach early (it assumes the matching
//! rows are spread evenly, and none may match at all), or a row count it underestimates
//! (correlated filters, skew, stale statistics). Its plan is suspect, and so is any saving
//! estimated from its cost — planwise weighs its index advice by the logged time instead,
//! and this finding says where estimate and evidence part.
//!
//! ## Example
//! ```sql
//! -- Planned at 4.7 cost units (a sequential scan that should stop after 1 of ~100 matches),
//! -- logged at 120 ms a call: nothing matches, and every call reads the whole table.
//! SELECT id FROM customers WHERE lower(email) = $1 LIMIT 1;
//! ```
//!
//! ## Instead
//! Measure the plan: `planwise analyze --db … --analyze` runs the logged SELECTs under
//! `EXPLAIN (ANALYZE)` in a rolled-back read-only transaction (or run `EXPLAIN (ANALYZE,
//! BUFFERS)` yourself on a copy) and shows where rows and estimates part (STAT002). Then fix
//! the cause: an index the `LIMIT` can stop in (often an expression or partial index, which
//! IDX001–IDX003 weigh by this logged time), statistics on the filtered columns, or `ANALYZE`.
//!
//! ## How the saving is estimated
//! Not estimated: what a right estimate saves depends on the plan it leads to. The finding
//! gives the statement's logged time, which is what a better plan can cut.

use crate::analysis::facts::StatementKind;
use crate::analysis::index::selection::Priced;
use crate::findings::{Category, Finding, Severity, shorten};
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;
use crate::units::format_ms;

pub static RULE: Rule = Rule {
    id: "STAT003",
    name: "cost-far-below-logged-time",
    category: Category::Statistics,
    severity: Severity::Info,
    source: include_str!("cost_far_below_logged_time.rs"),
    check: Check::Workload(check),
};

/// How many times the workload's time per cost unit a statement must take.
const MIN_FACTOR: f64 = 10.0;
/// The least share of the logged time a statement must hold to be worth a finding.
const MIN_SHARE: f64 = 0.01;
/// From this share of the logged time on, the finding is a warning.
const WARNING_SHARE: f64 = 0.10;

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(plan) = context.index_plan else {
        return;
    };
    // Reads only: what a write costs the planner (a row to insert) says little of its time.
    let read = |p: &Priced| {
        context
            .facts
            .get(&p.query)
            .is_some_and(|f| f.kind == StatementKind::Select)
    };
    let timed: Vec<(&Priced, f64)> = plan
        .priced
        .iter()
        .filter(|p| read(p))
        .filter_map(|p| Some((p, p.logged_ms.filter(|ms| *ms > 0.0 && p.cost > 0.0)?)))
        .collect();
    let total_ms: f64 = timed.iter().map(|(_, ms)| ms).sum();
    let total_cost: f64 = timed.iter().map(|(p, _)| p.calls * p.cost).sum();
    for &(priced, ms) in &timed {
        // The rate of the others: a statement that is most of the workload sets its own.
        let (others_ms, others_cost) = (total_ms - ms, total_cost - priced.calls * priced.cost);
        if others_ms <= 0.0 || others_cost <= 0.0 || ms < MIN_SHARE * total_ms {
            continue;
        }
        let factor = (ms / (priced.calls * priced.cost)) / (others_ms / others_cost);
        if factor >= MIN_FACTOR {
            out.push(finding(context, priced, ms, factor, ms / total_ms));
        }
    }
}

fn finding(context: &Context<'_>, priced: &Priced, ms: f64, factor: f64, share: f64) -> Finding {
    let text = context
        .profile
        .queries
        .get(&priced.query)
        .map(|stats| shorten(&stats.normalized, 80))
        .unwrap_or_else(|| format_id(priced.query));
    Finding {
        severity: if share >= WARNING_SHARE {
            Severity::Warning
        } else {
            Severity::Info
        },
        message: format!(
            "`{text}` is planned at {:.1} cost units a call, but the log times it at {} ms \
             a call ({:.0} % of the logged time): {factor:.0}× the time per cost unit of the \
             workload's other SELECTs. The planner expects far less work than it does (a \
             LIMIT it expects to reach early, or rows it underestimates), so its plan is \
             suspect; measure it with --analyze",
            priced.cost,
            format_ms(Some(ms / priced.calls)),
            share * 100.0,
        ),
        queries: vec![format_id(priced.query)],
        ..RULE.finding()
    }
}
