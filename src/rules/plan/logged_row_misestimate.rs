//! ## What it finds
//! A scan in a plan `auto_explain` logged whose row estimate was off by 10× or more (either
//! way) on at least 100 rows — the planner expected 20 rows and 2,044 came, or the reverse.
//! One finding per statement and table, with the worst scan of its slowest logged plans.
//! The same test as STAT002, read from the log instead of from a plan planwise measures, so
//! it needs no database connection and sees the plans production ran. Joins are not blamed:
//! their estimates follow from their inputs'.
//!
//! ## Why it matters
//! Every plan choice — index or sequential scan, nested loop or hash join, which table
//! first, whether a sort fits in memory — is made on row estimates. An estimate 100× too
//! low makes a nested loop that runs 100× more often than planned; 100× too high skips an
//! index that would have been fast. The usual causes: filters on columns that go together,
//! whose selectivities the planner multiplies as if independent; a condition on an
//! expression it has no statistics for (it guesses 0.5 % for `=`); statistics that have
//! not caught up with the data.
//!
//! ## Example
//! ```sql
//! -- auto_explain logged: Seq Scan on order_items (rows=20) (actual rows=2044)
//! --   Filter: ((id % 2) = 0)
//! SELECT count(*) FROM order_items WHERE id % 2 = 0;
//! ```
//!
//! ## Instead
//! Gather the statistics first; if the estimate stays off, tell the planner what it does
//! not know: how the filtered columns go together, or the expression's values.
//! ```sql
//! ANALYZE public.order_items;
//! CREATE STATISTICS order_items_id_mod_stats ON (id % 2) FROM public.order_items;
//! -- columns that go together: CREATE STATISTICS … (dependencies, mcv) ON city, zip FROM …;
//! ANALYZE public.order_items;
//! ```
//!
//! ## How the saving is estimated
//! Not estimated: what better estimates save depends on the plan they lead to. The finding
//! gives the scan's estimate, what came, and how many of the kept plans showed it.

use super::{filtered_columns, in_plans, nodes_where, planned, statement, table_of};
use crate::findings::{Category, Finding, Severity};
use crate::model::plans::PlanNode;
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;
use crate::units::thousands;
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    id: "PLAN001",
    name: "logged-row-misestimate",
    category: Category::Plan,
    severity: Severity::Warning,
    source: include_str!("logged_row_misestimate.rs"),
    check: Check::Workload(check),
};

/// How far off an estimate must be (either way), and on how many rows, as STAT002.
const FACTOR: f64 = 10.0;
const MIN_ROWS: u64 = 100;

/// How far a scan's estimate was off: max(expected, came) / min(expected, came), with
/// fewer than one row counted as one.
fn factor(node: &PlanNode) -> Option<f64> {
    let actual = node.actual?;
    let (planned, came) = (node.plan_rows.max(1), actual.rows.max(1));
    (planned.max(came) >= MIN_ROWS)
        .then(|| planned.max(came) as f64 / planned.min(came) as f64)
        .filter(|&factor| factor >= FACTOR)
}

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    for (fingerprint, stats) in planned(context) {
        let (scans, plans) = nodes_where(stats, |_, _, node| {
            let relation = node.relation.as_deref().filter(|_| node.kind.is_scan())?;
            Some((relation, factor(node)?, node))
        });
        // The worst scan of each table.
        let mut worst: BTreeMap<&str, (f64, &PlanNode)> = BTreeMap::new();
        for (relation, factor, node) in scans {
            let kept = worst.entry(relation).or_insert((factor, node));
            if factor > kept.0 {
                *kept = (factor, node);
            }
        }
        for (relation, (factor, node)) in worst {
            let table = table_of(context, fingerprint, relation);
            let actual = node.actual.map_or(0, |actual| actual.rows);
            let filter = match &node.filter {
                Some(filter) => format!(" (filter `{filter}`)"),
                None => String::new(),
            };
            let columns = filtered_columns(context, fingerprint, &table);
            let on = match columns.as_slice() {
                [] => "the filtered columns or expression".to_string(),
                [column] => format!("{column} (or the expression on it)"),
                columns => format!("({}) together", columns.join(", ")),
            };
            out.push(Finding {
                message: format!(
                    "`{}` on {table} expected {} row{} and {} came ({factor:.0}×){filter} in `{}`, {}: ANALYZE it, and if the estimate stays off, CREATE STATISTICS on {on}",
                    node.name,
                    thousands(node.plan_rows as f64),
                    if node.plan_rows == 1 { "" } else { "s" },
                    thousands(actual as f64),
                    statement(stats),
                    in_plans(plans, stats),
                ),
                sql: Some(format!("ANALYZE {table};")),
                table: Some(table),
                columns,
                queries: vec![format_id(fingerprint)],
                ..RULE.finding()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::plans::{Actual, NodeKind};

    fn scan(plan_rows: u64, rows: u64) -> PlanNode {
        PlanNode {
            kind: NodeKind::SeqScan,
            plan_rows,
            actual: Some(Actual {
                rows,
                loops: 1,
                total_us: None,
            }),
            ..PlanNode::default()
        }
    }

    #[test]
    fn ten_times_off_on_a_hundred_rows_either_way() {
        assert_eq!(factor(&scan(20, 2044)).map(f64::round), Some(102.0));
        assert_eq!(factor(&scan(1000, 100)), Some(10.0));
        assert_eq!(factor(&scan(0, 100)), Some(100.0));
        assert_eq!(factor(&scan(1, 99)), None, "under a hundred rows");
        assert_eq!(factor(&scan(20, 199)), None, "under ten times");
        assert_eq!(factor(&PlanNode::default()), None, "not analyzed");
    }
}
