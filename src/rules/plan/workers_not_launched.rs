//! ## What it finds
//! A `Gather` or `Gather Merge` in a plan `auto_explain` logged that launched fewer parallel
//! workers than it planned: `Workers Planned: 2`, `Workers Launched: 0`. The statement was
//! planned to share its work and ran with fewer hands, often alone.
//!
//! ## Why it matters
//! The planner costs a parallel plan as if its workers will come; when the pool of
//! background workers (`max_parallel_workers`, within `max_worker_processes`) is used up by
//! other statements, the leader does the work alone, slower than planned and sometimes
//! slower than the serial plan it passed over. A statement that seldom gets its workers is a
//! sign the pool is too small for the concurrency, or the parallel settings too eager.
//!
//! ## Example
//! ```sql
//! -- auto_explain logged: Gather (actual rows=1 loops=1)
//! --   Workers Planned: 2
//! --   Workers Launched: 0
//! SELECT count(*) FROM order_items WHERE qty = 3;
//! ```
//!
//! ## Instead
//! Size the pool for the statements that run at once (within the cores), or plan fewer
//! workers per statement so that more statements get theirs:
//! ```sql
//! ALTER SYSTEM SET max_worker_processes = 16;   -- needs a restart
//! ALTER SYSTEM SET max_parallel_workers = 12;
//! ALTER SYSTEM SET max_parallel_workers_per_gather = 2;
//! ```
//!
//! ## How the saving is estimated
//! Not estimated: the finding gives the workers planned and launched in the kept plans.

use super::{in_plans, nodes_where, planned, statement};
use crate::findings::{Category, Finding, Severity};
use crate::model::plans::{NodeKind, Workers};
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;

pub static RULE: Rule = Rule {
    id: "PLAN007",
    name: "workers-not-launched",
    category: Category::Plan,
    severity: Severity::Info,
    source: include_str!("workers_not_launched.rs"),
    check: Check::Workload(check),
};

/// Workers planned but not all launched, in a node that ran.
fn short_of_workers(workers: Option<Workers>) -> Option<Workers> {
    workers.filter(|w| w.launched < w.planned)
}

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    for (fingerprint, stats) in planned(context) {
        let (short, plans) = nodes_where(stats, |_, _, node| {
            let gathers = matches!(node.kind, NodeKind::Gather | NodeKind::GatherMerge);
            node.actual?;
            short_of_workers(node.workers.filter(|_| gathers)).map(|w| (w, node))
        });
        let Some((workers, node)) = short
            .into_iter()
            .max_by_key(|(w, _)| (w.planned - w.launched, w.planned))
        else {
            continue;
        };
        out.push(Finding {
            message: format!(
                "`{}` in `{}` planned {} parallel worker{} and launched {}, {}: the pool of parallel workers (max_parallel_workers, max_worker_processes) was used up, or is too small",
                node.name,
                statement(stats),
                workers.planned,
                if workers.planned == 1 { "" } else { "s" },
                workers.launched,
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

    #[test]
    fn fewer_workers_launched_than_planned() {
        let workers = |planned, launched| Some(Workers { planned, launched });
        assert!(short_of_workers(workers(2, 0)).is_some());
        assert!(short_of_workers(workers(4, 3)).is_some());
        assert!(short_of_workers(workers(2, 2)).is_none());
        assert!(short_of_workers(None).is_none());
    }
}
