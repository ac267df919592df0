//! ## What it finds
//! `REINDEX` without `CONCURRENTLY` (PostgreSQL 12 and later have it) of an existing table
//! or index.
//!
//! ## Why it matters
//! A plain `REINDEX` locks the index against every use and the table against writes for the
//! whole rebuild; queries that would use the index wait too.
//!
//! ## Example
//! ```sql
//! REINDEX INDEX orders_customer_id_idx;
//! ```
//!
//! ## Instead
//! ```sql
//! REINDEX INDEX CONCURRENTLY orders_customer_id_idx;
//! ```
//! (outside a transaction block).
//!
//! ## How severity is decided
//! By the table's size and traffic, as for an index build; not reported for servers older
//! than 12 (`--pg-version`), which have no concurrent form.

use super::blocking_finding;
use crate::analysis::migration::StatementContext;
use crate::findings::{Finding, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "MIG003",
    name: "non-concurrent-reindex",
    category: "migration_lock",
    severity: Severity::Warning,
    source: include_str!("non_concurrent_reindex.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    if !context.starts_with(&["REINDEX"]) || context.environment.pg_version < 12 {
        return;
    }
    for lock in context.locks() {
        let problem = format!(
            "REINDEX without CONCURRENTLY blocks writes to {} and queries using its indexes",
            lock.table
        );
        if let Some(mut finding) =
            blocking_finding(context, &RULE, &lock.table, lock.lock, lock.work, problem)
        {
            let words: Vec<&str> = context.statement.text.split_whitespace().collect();
            if let [reindex, kind, rest @ ..] = words.as_slice() {
                finding.sql = Some(format!("{reindex} {kind} CONCURRENTLY {};", rest.join(" ")));
            }
            out.push(finding);
        }
    }
}
