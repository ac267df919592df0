//! ## What it finds
//! A sequential scan in a plan `auto_explain` logged that read a table to throw most of it
//! away: its filter removed 90 % or more of the rows it read, and at least 1,000 in an
//! execution. The finding names the filter and the columns the statement filters that table
//! on — the evidence an index needs — and the index that would read only the rows kept.
//!
//! ## Why it matters
//! The scan reads every page of the table, each time the statement runs, to return a few
//! rows: its time grows with the table, not with the result, and it pushes other data out
//! of the cache. When the filter is selective, an index on its columns reads only the rows
//! kept. The logged plan shows what ran in production, with production's data.
//!
//! ## Example
//! ```sql
//! -- auto_explain logged: Seq Scan on orders (actual rows=25 loops=1)
//! --   Filter: (user_id = 5)
//! --   Rows Removed by Filter: 1338
//! SELECT id, status, total FROM orders WHERE user_id = $1;
//! ```
//!
//! ## Instead
//! ```sql
//! CREATE INDEX CONCURRENTLY ON public.orders (user_id);
//! ```
//! `planwise analyze --db …` weighs the index against the workload's writes and the other
//! candidates (IDX001) before you build it.
//!
//! ## How the saving is estimated
//! Not estimated from the plan: the finding gives the rows read and removed per execution.
//! The index advisor prices the index from the schema and statistics.

use super::{Wrapped, filtered_columns, in_plans, nodes_where, planned, statement, table_of};
use crate::findings::{Category, Finding, Severity};
use crate::model::ddl::quote_identifier;
use crate::model::plans::{NodeKind, PlanNode};
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;
use crate::units::thousands;

pub static RULE: Rule = Rule {
    id: "PLAN002",
    name: "filtering-seq-scan",
    category: Category::Plan,
    severity: Severity::Warning,
    source: include_str!("filtering_seq_scan.rs"),
    check: Check::Workload(check),
};

/// The share of the rows read the filter must remove, and how many at least.
const REMOVED_SHARE: f64 = 0.9;
const MIN_REMOVED: u64 = 1000;

/// (rows read, rows removed) of a scan whose filter threw most of them away.
fn mostly_removed(node: &PlanNode) -> Option<(u64, u64)> {
    let actual = node.actual.filter(|_| node.kind == NodeKind::SeqScan)?;
    node.filter.as_ref()?;
    let removed = node.rows_removed_total();
    let read = removed + actual.rows * actual.loops.max(1);
    (removed >= MIN_REMOVED && removed as f64 >= REMOVED_SHARE * read as f64)
        .then_some((read, removed))
}

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    for (fingerprint, stats) in planned(context) {
        let (scans, plans) = nodes_where(stats, |_, _, node| {
            Some((node.relation.as_deref()?, mostly_removed(node)?, node))
        });
        // The scan that removed the most, once per table.
        let mut seen: Vec<&str> = Vec::new();
        let mut scans = scans;
        scans.sort_by_key(|(relation, (_, removed), _)| (std::cmp::Reverse(*removed), *relation));
        for (relation, (read, removed), node) in scans {
            if seen.contains(&relation) {
                continue;
            }
            seen.push(relation);
            let table = table_of(context, fingerprint, relation);
            let columns = filtered_columns(context, fingerprint, &table, Wrapped::Left);
            let index = match columns.as_slice() {
                [] => String::new(),
                columns => {
                    let list: Vec<String> = columns.iter().map(|c| quote_identifier(c)).collect();
                    format!(
                        ": an index on {table} ({}) would read only the rows kept",
                        list.join(", ")
                    )
                }
            };
            out.push(Finding {
                message: format!(
                    "`{}` on {table} read {} rows to keep {} ({:.0} % removed by `{}`) in `{}`, {}{index}",
                    node.name,
                    thousands(read as f64),
                    thousands((read - removed) as f64),
                    100.0 * removed as f64 / read as f64,
                    node.filter.as_deref().unwrap_or_default(),
                    statement(stats),
                    in_plans(plans, stats),
                ),
                sql: (!columns.is_empty()).then(|| {
                    let list: Vec<String> = columns.iter().map(|c| quote_identifier(c)).collect();
                    format!("CREATE INDEX CONCURRENTLY ON {table} ({});", list.join(", "))
                }),
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
    use crate::model::plans::Actual;

    fn scan(kind: NodeKind, rows: u64, loops: u64, removed: u64) -> PlanNode {
        PlanNode {
            kind,
            filter: Some("(user_id = 5)".into()),
            rows_removed_by_filter: removed,
            actual: Some(Actual {
                rows,
                loops,
                total_us: None,
            }),
            ..PlanNode::default()
        }
    }

    #[test]
    fn most_rows_removed_by_the_filter_of_a_sequential_scan() {
        assert_eq!(
            mostly_removed(&scan(NodeKind::SeqScan, 25, 1, 1338)),
            Some((1363, 1338))
        );
        // Per loop, as EXPLAIN prints them: 3 loops of 400 removed.
        assert_eq!(
            mostly_removed(&scan(NodeKind::SeqScan, 1, 3, 400)),
            Some((1203, 1200))
        );
        assert_eq!(
            mostly_removed(&scan(NodeKind::SeqScan, 2044, 1, 2045)),
            None,
            "half"
        );
        assert_eq!(
            mostly_removed(&scan(NodeKind::SeqScan, 1, 1, 999)),
            None,
            "few"
        );
        assert_eq!(mostly_removed(&scan(NodeKind::IndexScan, 1, 1, 5000)), None);
    }
}
