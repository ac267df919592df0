//! ## What it finds
//! `ALTER TABLE … DROP COLUMN` on a table that existed before the migration; with logs
//! (`--log`), the logged statements that still read or write the column.
//!
//! ## Why it matters
//! The moment the migration commits, every statement naming the column fails with `column
//! "…" does not exist` — and an ORM that lists every column in its `SELECT`s and `INSERT`s
//! names them all. Application code deployed after the migration, or still running on the
//! old version during a rolling deploy, breaks until the code catches up. A `SELECT *` does
//! not fail — its rows just lose the column — but a prepared statement that cached the row
//! type fails with `cached plan must not change result type` until it is prepared again,
//! and code that reads the column from the rows gets nothing.
//!
//! ## Example
//! ```sql
//! ALTER TABLE orders DROP COLUMN note;   -- while the application still selects note
//! ```
//!
//! ## Instead
//! Deploy the code that stops using the column first (with an ORM, mark it ignored), then
//! drop it in a later migration.
//!
//! ## How severity is decided
//! By what the logs show: an error when logged statements name the column, a warning when
//! they read it only through `*`, info when logs were given and none does, a warning
//! without logs. Nothing for a table created in the
//! same file.

use super::in_use::{Breakage, in_use_finding};
use crate::analysis::migration::StatementContext;
use crate::analysis::migration::usage::{ColumnRole, QueryUse, describe};
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::QualifiedName;
use crate::model::ddl::identifier;
use crate::rules::{Check, Rule};
use crate::sql::fingerprint::format_id;
use sqlparser::ast::AlterTableOperation;

pub static RULE: Rule = Rule {
    id: "MIG015",
    name: "drop-column-in-use",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("drop_column_in_use.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some((table, operations)) = context.altered_table() else {
        return;
    };
    if context.is_new(&table) {
        return;
    }
    for operation in operations {
        let AlterTableOperation::DropColumn { column_names, .. } = operation else {
            continue;
        };
        for column in column_names.iter().map(identifier) {
            // DROP COLUMN IF EXISTS of a column the table does not have drops nothing; of a
            // table the schema does not have, the column is taken to exist like the table.
            let exists = match context.catalog.tables.get(&table) {
                Some(known) => known.column(&column).is_some(),
                None => true,
            };
            if !exists {
                continue;
            }
            let uses = context
                .environment
                .usage
                .map(|usage| usage.column(&table, &column));
            let through_star: Vec<&QueryUse> = uses
                .unwrap_or_default()
                .iter()
                .filter(|u| u.role == ColumnRole::ThroughStar)
                .collect();
            if !through_star.is_empty() && through_star.len() == uses.map_or(0, <[_]>::len) {
                out.push(read_through_star(context, &table, &column, &through_star));
                continue;
            }
            let breakage = Breakage {
                change: format!("DROP COLUMN {table}.{column}"),
                failure: format!("column \"{column}\" does not exist"),
                advice: "deploy the code that stops using it first",
                table: table.clone(),
                columns: vec![column],
            };
            out.push(in_use_finding(context, &RULE, breakage, uses));
        }
    }
}

/// The column is read only by `SELECT *`s: they go on without it, and what breaks is less
/// plain — prepared statements with the old row type, and code that reads the column.
fn read_through_star(
    context: &StatementContext<'_>,
    table: &QualifiedName,
    column: &str,
    uses: &[&QueryUse],
) -> Finding {
    Finding {
        severity: Severity::Warning,
        message: format!(
            "DROP COLUMN {table}.{column}: the logs show it read only through `*` — {}: \
             those statements go on without it, but a prepared statement that cached the \
             row type fails with `cached plan must not change result type` until it is \
             prepared again (server-side prepared statements of a pool or driver), and code \
             reading {column} from the rows gets nothing; deploy the code that stops using \
             it first",
            describe(uses)
        ),
        table: Some(table.clone()),
        columns: vec![column.to_string()],
        queries: uses.iter().map(|u| format_id(u.fingerprint)).collect(),
        ..RULE.finding_at(context)
    }
}
