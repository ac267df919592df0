//! ## What it finds
//! An index-only scan in a plan `auto_explain` logged that went to the table for most of
//! its rows: `Heap Fetches` at least 100 and at least half the rows it returned. The
//! finding names the table to vacuum.
//!
//! ## Why it matters
//! An index-only scan skips the table only for pages the visibility map marks all-visible;
//! for the others it reads the table page too, to check the row is visible — an index scan
//! with extra steps. The map is set by VACUUM, so a table written faster than autovacuum
//! visits it loses the benefit of its covering indexes.
//!
//! ## Example
//! ```sql
//! -- auto_explain logged: Index Only Scan using products_pkey on products
//! --   (actual rows=190 loops=1)  Heap Fetches: 190
//! SELECT id FROM products WHERE id > 10;
//! ```
//!
//! ## Instead
//! Vacuum the table, and have autovacuum visit it more often than its writes clear the map:
//! ```sql
//! VACUUM (ANALYZE) public.products;
//! ALTER TABLE public.products SET (autovacuum_vacuum_scale_factor = 0.02);
//! -- PostgreSQL 13+: inserts count too
//! ALTER TABLE public.products SET (autovacuum_vacuum_insert_scale_factor = 0.02);
//! ```
//!
//! ## How the saving is estimated
//! Not estimated: the finding gives the heap fetches against the rows returned; each fetch
//! is a table page read that an all-visible page would have saved.

use super::{in_plans, nodes_where, planned, statement, table_of};
use crate::findings::{Category, Finding, Severity};
use crate::model::plans::{NodeKind, PlanNode};
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;
use crate::units::thousands;

pub static RULE: Rule = Rule {
    id: "PLAN005",
    name: "heap-fetches",
    category: Category::Plan,
    severity: Severity::Info,
    source: include_str!("heap_fetches.rs"),
    check: Check::Workload(check),
};

const MIN_FETCHES: u64 = 100;
/// Heap fetches per row returned that make the scan mostly not index-only.
const MIN_FETCHES_PER_ROW: f64 = 0.5;

/// (heap fetches, rows returned) of an index-only scan that mostly read the table.
fn fetching(node: &PlanNode) -> Option<(u64, u64)> {
    let actual = node
        .actual
        .filter(|_| node.kind == NodeKind::IndexOnlyScan)?;
    let fetches = node.heap_fetches?;
    let rows = actual.rows * actual.loops.max(1);
    (fetches >= MIN_FETCHES && fetches as f64 >= MIN_FETCHES_PER_ROW * rows as f64)
        .then_some((fetches, rows))
}

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    for (fingerprint, stats) in planned(context) {
        let (found, plans) = nodes_where(stats, |_, _, node| {
            Some((fetching(node)?, node.relation.as_deref()?, node))
        });
        let Some(((fetches, rows), relation, node)) = found.into_iter().max_by_key(|f| f.0.0)
        else {
            continue;
        };
        let table = table_of(context, fingerprint, relation);
        out.push(Finding {
            message: format!(
                "`{}{}` in `{}` fetched {} table rows for the {} it returned, {}: {table}'s visibility map is out of date; VACUUM it, and have autovacuum visit it more often",
                node.name,
                node.index.as_ref().map(|i| format!(" using {i}")).unwrap_or_default(),
                statement(stats),
                thousands(fetches as f64),
                thousands(rows as f64),
                in_plans(plans, stats),
            ),
            sql: Some(format!("VACUUM (ANALYZE) {table};")),
            table: Some(table),
            queries: vec![format_id(fingerprint)],
            ..RULE.finding()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::plans::Actual;

    #[test]
    fn most_rows_fetched_from_the_table() {
        let scan = |kind, rows, fetches| PlanNode {
            kind,
            heap_fetches: Some(fetches),
            actual: Some(Actual {
                rows,
                loops: 1,
                total_us: None,
            }),
            ..PlanNode::default()
        };
        assert_eq!(
            fetching(&scan(NodeKind::IndexOnlyScan, 190, 190)),
            Some((190, 190))
        );
        assert_eq!(
            fetching(&scan(NodeKind::IndexOnlyScan, 1000, 400)),
            None,
            "mostly visible"
        );
        assert_eq!(
            fetching(&scan(NodeKind::IndexOnlyScan, 90, 90)),
            None,
            "few"
        );
        assert_eq!(fetching(&scan(NodeKind::IndexScan, 190, 190)), None);
    }
}
