//! ## What it finds
//! With logs: `CREATE INDEX` whose leading column no logged statement filters, joins or sorts
//! on, so no statement seen would use it.
//!
//! ## Why it matters
//! An index is paid for on every write — each INSERT, each UPDATE of its columns (no longer
//! HOT), the vacuum after each DELETE — and in disk and cache. One that no statement searches
//! through is all cost. Often the query it was meant for filters on another column first, or
//! is not deployed yet.
//!
//! ## Example
//! ```sql
//! CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);
//! -- while no logged statement has `note` in a WHERE, JOIN or ORDER BY
//! ```
//!
//! ## Instead
//! Lead the index with the column the queries do filter on — `planwise analyze` with the same
//! logs recommends one — or ship it with the code that queries it, and check logs recorded
//! after that deploy.
//!
//! ## How severity is decided
//! Always info: the logs are a sample, and the query may be new. Quiet without logs, for unique
//! indexes (they enforce a constraint), for indexes that lead with an expression, and for tables
//! created in the same file (no log can have seen them).

use crate::analysis::migration::StatementContext;
use crate::analysis::migration::usage::describe;
use crate::findings::{Category, Finding, Severity};
use crate::model::ddl::created_index;
use crate::rules::{Check, Rule};
use crate::sql::fingerprint::format_id;
use sqlparser::ast::Statement;

pub static RULE: Rule = Rule {
    id: "MIG028",
    name: "index-unused-by-workload",
    category: Category::Migration,
    severity: Severity::Info,
    source: include_str!("index_unused_by_workload.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some(usage) = context.environment.usage else {
        return;
    };
    let Some(Statement::CreateIndex(create)) = context.ast else {
        return;
    };
    if create.unique {
        return;
    }
    let Some(table) = context.table_name(&create.table_name) else {
        return;
    };
    if context.is_new(&table) {
        return;
    }
    let index = created_index(create, &table);
    let Some(column) = index.keys.first().filter(|k| k.is_column) else {
        return;
    };
    let column = &column.expression;
    if !usage.searched(&table, column).is_empty() {
        return;
    }
    // Every use left is a read or a write: none an index on the column serves.
    let others: Vec<_> = usage.column(&table, column).iter().collect();
    let seen = match usage.table(&table) {
        None => format!("no logged statement touches {table} at all"),
        Some(_) if !others.is_empty() => format!(
            "{} read or write {column} without searching on it",
            describe(&others)
        ),
        Some(on_table) => format!(
            "{} logged statements use {table}, none mentions {column} (a column the \
             application does not query yet?)",
            on_table.queries.len()
        ),
    };
    out.push(Finding {
        message: format!(
            "no logged statement filters, joins or sorts on {table}.{column}, the leading \
             column of the new index, so none would use it; it would still cost every write \
             to {table}, and disk: {seen}"
        ),
        table: Some(table.clone()),
        columns: index.keys.iter().map(|k| k.expression.clone()).collect(),
        queries: others.iter().map(|u| format_id(u.fingerprint)).collect(),
        ..RULE.finding_at(context)
    });
}
