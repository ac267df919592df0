//! ## What it finds
//! A nested loop in a plan `auto_explain` logged whose inner side ran 1,000 times or more
//! in one execution and took a fifth of the statement's time or more (when the plan was
//! timed). The finding gives the loops, the inner node, and how many rows the planner
//! expected from the outer side.
//!
//! ## Why it matters
//! A nested loop runs its inner side once per outer row. It is the best join for a few
//! outer rows with an index on the inner side; for thousands it repeats thousands of index
//! descents (or worse, scans) where a hash join would read the inner table once. The
//! planner picks it when it expects few outer rows, so the loop count is often a
//! misestimate in disguise (PLAN001), or a join whose other methods are switched off.
//!
//! ## Example
//! ```sql
//! -- auto_explain logged: Nested Loop (actual rows=1362 loops=1)
//! --   ->  Seq Scan on order_items i (actual rows=1362 loops=1)
//! --   ->  Index Scan using products_pkey on products p (actual rows=1 loops=1362)
//! SELECT i.id, p.name FROM order_items i JOIN products p ON p.id = i.product_id WHERE i.qty = 2;
//! ```
//!
//! ## Instead
//! Fix the outer side's estimate when it is off (PLAN001: `ANALYZE`, `CREATE STATISTICS`);
//! check no `enable_hashjoin = off` / `enable_mergejoin = off` is left set for the session
//! or role; a statement that needs many rows of both tables is a hash join's work:
//! ```sql
//! SET LOCAL enable_nestloop = off;  -- to compare, in a transaction, with EXPLAIN ANALYZE
//! ```
//!
//! ## How the saving is estimated
//! Not estimated: the finding gives the time the inner side took in the logged plan, which
//! is the most another join method could save.

use super::{in_plans, nodes_where, planned, statement};
use crate::findings::{Category, Finding, Severity};
use crate::model::plans::{LoggedPlan, NodeKind};
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;
use crate::units::thousands;

pub static RULE: Rule = Rule {
    id: "PLAN004",
    name: "nested-loop-many-loops",
    category: Category::Plan,
    severity: Severity::Info,
    source: include_str!("nested_loop_many_loops.rs"),
    check: Check::Workload(check),
};

/// Loops of the inner side, and its share of the statement's time, that make it worth
/// saying.
const MIN_LOOPS: u64 = 1000;
const MIN_TIME_SHARE: f64 = 0.2;

/// A nested loop at `at` that ran its inner side often: (outer, inner) node indexes, the
/// inner loops and the inner side's total time (µs) when timed.
fn many_loops(plan: &LoggedPlan, at: usize) -> Option<(usize, usize, u64, Option<u64>)> {
    if plan.nodes[at].kind != NodeKind::NestedLoop {
        return None;
    }
    let mut children = plan.children(at);
    let (outer, inner) = (children.next()?, children.next()?);
    let actual = plan.nodes[inner].actual.filter(|a| a.loops >= MIN_LOOPS)?;
    let inner_us = actual.total_us.map(|us| us * actual.loops);
    let share_ok = inner_us.is_none_or(|us| us as f64 >= MIN_TIME_SHARE * plan.duration_us as f64);
    share_ok.then_some((outer, inner, actual.loops, inner_us))
}

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    for (fingerprint, stats) in planned(context) {
        let (loops, plans) = nodes_where(stats, |plan, at, _| {
            let (outer, inner, loops, inner_us) = many_loops(plan, at)?;
            Some((
                loops,
                &plan.nodes[outer],
                &plan.nodes[inner],
                inner_us,
                plan.duration_us,
            ))
        });
        let Some((loops, outer, inner, inner_us, duration_us)) =
            loops.into_iter().max_by_key(|found| found.0)
        else {
            continue;
        };
        let time = match inner_us {
            Some(us) => format!(
                ", {:.1} ms of the plan's {:.1} ms",
                us as f64 / 1000.0,
                duration_us as f64 / 1000.0
            ),
            None => String::new(),
        };
        out.push(Finding {
            message: format!(
                "A nested loop in `{}` ran its inner `{}` {} times{time} (the planner expected {} outer row{}), {}: a hash join reads the inner side once",
                statement(stats),
                inner.name,
                thousands(loops as f64),
                thousands(outer.plan_rows as f64),
                if outer.plan_rows == 1 { "" } else { "s" },
                in_plans(plans, stats),
            ),
            queries: vec![format_id(fingerprint)],
            ..RULE.finding()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::plans::{Actual, PlanNode};

    fn plan(loops: u64, per_loop_us: u64) -> LoggedPlan {
        let node = |depth, kind, loops| PlanNode {
            depth,
            kind,
            actual: Some(Actual {
                rows: 1,
                loops,
                total_us: Some(per_loop_us),
            }),
            ..PlanNode::default()
        };
        LoggedPlan {
            duration_us: 10_000,
            analyzed: true,
            jit_us: None,
            nodes: vec![
                node(0, NodeKind::NestedLoop, 1),
                node(1, NodeKind::SeqScan, 1),
                node(1, NodeKind::IndexScan, loops),
            ],
        }
    }

    #[test]
    fn many_inner_loops_that_take_time() {
        assert_eq!(
            many_loops(&plan(1362, 2), 0),
            Some((1, 2, 1362, Some(2724)))
        );
        assert_eq!(many_loops(&plan(999, 5), 0), None, "few loops");
        assert_eq!(many_loops(&plan(5000, 0), 0), None, "no time to speak of");
        assert_eq!(many_loops(&plan(5000, 2), 1), None, "not a nested loop");
    }
}
