//! ## What it finds
//! With a live database: an index the server's statistics say was never scanned
//! (`pg_stat_user_indexes.idx_scan = 0`) and that enforces no constraint.
//!
//! ## Why it matters
//! An unused index costs writes, vacuum work, disk and cache, and serves nothing.
//!
//! ## Example
//! `orders_legacy_status_idx`: 240 MB, 0 scans since statistics were last reset.
//!
//! ## Instead
//! ```sql
//! DROP INDEX CONCURRENTLY public.orders_legacy_status_idx;
//! ```
//! Check first that the statistics cover a representative period (`pg_stat_reset` clears
//! them; a replica keeps its own) and that no monthly job needs the index.
//!
//! ## How the saving is estimated
//! Not as cost: the finding gives the space the index takes.

use crate::analysis::index::definition::qualified;
use crate::findings::{Finding, Severity};
use crate::rules::{Check, Context, Rule};

pub static RULE: Rule = Rule {
    id: "IDX005",
    name: "unused-index",
    category: "unused_index",
    severity: Severity::Info,
    source: include_str!("unused_index.rs"),
    check: Check::Workload(check),
};

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    for index in catalog.indexes.values() {
        let Some(stats) = &index.stats else {
            continue;
        };
        if stats.scans > 0 || index.primary || index.unique || index.constraint {
            continue;
        }
        out.push(Finding {
            message: format!(
                "index {} ({:.1} MB) was never scanned since statistics were reset",
                index.name.name,
                stats.bytes as f64 / 1e6
            ),
            table: Some(index.table.clone()),
            columns: index.keys.iter().map(|k| k.expression.clone()).collect(),
            sql: Some(format!(
                "DROP INDEX CONCURRENTLY {};",
                qualified(&index.name)
            )),
            ..RULE.finding()
        });
    }
}
