//! ## What it finds
//! `CREATE INDEX` without `CONCURRENTLY` on a table that already exists (tables created
//! earlier in the same file are empty and are left alone) — or that the schema does not
//! have, and so is taken to exist.
//!
//! ## Why it matters
//! A plain `CREATE INDEX` holds a SHARE lock for the whole build: reads go on, but every
//! INSERT, UPDATE and DELETE on the table waits until the index is built — minutes on a
//! large table.
//!
//! ## Example
//! ```sql
//! CREATE INDEX orders_customer_id_idx ON orders (customer_id);
//! ```
//!
//! ## Instead
//! ```sql
//! CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);
//! ```
//! `CONCURRENTLY` cannot run inside a transaction block: run it in a migration of its own
//! with the tool's transaction turned off. If it fails it leaves an INVALID index behind;
//! drop it and retry.
//!
//! ## How severity is decided
//! By the table: info below `small_table_rows` when the build takes under a second, error
//! from `large_table_rows` or `busy_table_calls_per_second`, warning in between or when the
//! size is unknown. The message estimates how long writes wait.

use super::blocking_finding;
use crate::analysis::migration::StatementContext;
use crate::analysis::migration::locks::Work;
use crate::findings::{Category, Finding, LockMode, Severity};
use crate::rules::{Check, Rule};
use sqlparser::ast::Statement;

pub static RULE: Rule = Rule {
    id: "MIG001",
    name: "non-concurrent-index",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("non_concurrent_index.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some(Statement::CreateIndex(create)) = context.ast else {
        return;
    };
    if create.concurrently {
        return;
    }
    let Some(table) = context.assumed_table(&create.table_name) else {
        return;
    };
    let problem =
        format!("CREATE INDEX on {table} without CONCURRENTLY blocks writes while it builds");
    if let Some(mut finding) = blocking_finding(
        context,
        &RULE,
        &table,
        LockMode::Share,
        Work::IndexBuild,
        problem,
    ) {
        let text = create.to_string();
        finding.sql = text
            .find("INDEX ")
            .map(|at| format!("{}INDEX CONCURRENTLY {};", &text[..at], &text[at + 6..]));
        finding.columns = create
            .columns
            .iter()
            .map(|c| c.column.expr.to_string())
            .collect();
        out.push(finding);
    }
}
