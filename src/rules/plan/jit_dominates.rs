//! ## What it finds
//! A plan `auto_explain` logged whose JIT compilation took half its time or more: a short
//! statement whose estimated cost passed `jit_above_cost`, so the server compiled code to
//! run it — and spent longer compiling than running.
//!
//! ## Why it matters
//! JIT pays off on long analytical statements that evaluate expressions over millions of
//! rows; its compilation costs tens to hundreds of milliseconds each time the statement
//! runs (plans are not cached with their code). The decision is made on the planner's cost,
//! so an overestimated or cheap-but-large statement can be compiled on every call, and
//! inlining and optimization (`jit_inline_above_cost`, `jit_optimize_above_cost`) multiply
//! the cost.
//!
//! ## Example
//! ```sql
//! -- jit_above_cost = 0; auto_explain logged: duration: 162.328 ms
//! --   JIT: … Timing: Generation 0.574 ms, Inlining 97.694 ms, …, Total 162.342 ms
//! SELECT status, count(*) FROM orders GROUP BY status;
//! ```
//!
//! ## Instead
//! Raise the thresholds so that only long statements are compiled, or switch JIT off for
//! the role that runs the short ones:
//! ```sql
//! ALTER SYSTEM SET jit_above_cost = 500000;  -- the default is 100000
//! ALTER ROLE app SET jit = off;
//! ```
//!
//! ## How the saving is estimated
//! Not in cost units: the finding gives the JIT time of the slowest plan, which is what each
//! call of the statement would save without it.

use super::{in_plans, planned, statement};
use crate::findings::{Category, Finding, Severity};
use crate::model::plans::LoggedPlan;
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;

pub static RULE: Rule = Rule {
    id: "PLAN006",
    name: "jit-dominates",
    category: Category::Plan,
    severity: Severity::Warning,
    source: include_str!("jit_dominates.rs"),
    check: Check::Workload(check),
};

/// The share of a plan's time JIT must take.
const MIN_JIT_SHARE: f64 = 0.5;

/// JIT's time (µs) in a plan where it took most of the time.
fn jit_dominated(plan: &LoggedPlan) -> Option<u64> {
    plan.jit_us
        .filter(|&jit| jit as f64 >= MIN_JIT_SHARE * plan.duration_us as f64 && jit > 0)
}

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    for (fingerprint, stats) in planned(context) {
        let kept = &stats.events().slowest_plans;
        let dominated: Vec<(&LoggedPlan, u64)> = kept
            .iter()
            .filter_map(|plan| Some((plan, jit_dominated(plan)?)))
            .collect();
        let Some((plan, jit_us)) = dominated.first() else {
            continue;
        };
        out.push(Finding {
            message: format!(
                "JIT compilation took {:.1} ms of the {:.1} ms `{}` ran for, {}: raise jit_above_cost (and jit_inline_above_cost, jit_optimize_above_cost) above its cost, or set jit = off for its role",
                *jit_us as f64 / 1000.0,
                plan.duration_us as f64 / 1000.0,
                statement(stats),
                in_plans(dominated.len(), stats),
            ),
            sql: Some("SET LOCAL jit = off;".to_string()),
            queries: vec![format_id(fingerprint)],
            ..RULE.finding()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jit_taking_half_the_time_or_more() {
        let plan = |duration_us, jit_us| LoggedPlan {
            duration_us,
            jit_us,
            ..LoggedPlan::default()
        };
        // JIT's own timing may pass the executor's by a few µs.
        assert_eq!(jit_dominated(&plan(162_328, Some(162_342))), Some(162_342));
        assert_eq!(jit_dominated(&plan(100_000, Some(50_000))), Some(50_000));
        assert_eq!(jit_dominated(&plan(100_000, Some(49_999))), None);
        assert_eq!(jit_dominated(&plan(100_000, None)), None);
    }
}
