//! ## What it finds
//! New columns of type `json`: in `CREATE TABLE`, `ADD COLUMN`, or `ALTER COLUMN … TYPE`.
//!
//! ## Why it matters
//! `json` keeps the text as written and parses it again on every access: each `->>` in a
//! query reparses the whole document. It has no equality operator (`DISTINCT`, `GROUP BY`
//! and `UNION` on it fail), no containment (`@>`) and no GIN index. `jsonb` is parsed once
//! on write and supports all of these.
//!
//! ## Example
//! ```sql
//! CREATE TABLE events (id bigint PRIMARY KEY, payload json NOT NULL);
//! ```
//!
//! ## Instead
//! ```sql
//! CREATE TABLE events (id bigint PRIMARY KEY, payload jsonb NOT NULL);
//! ```
//! Keep `json` only where the exact text matters: key order, duplicate keys, whitespace.
//!
//! ## How severity is decided
//! Info: nothing fails; converting later rewrites the table.

use super::new_columns::declarations;
use crate::analysis::column_types::is_json;
use crate::analysis::migration::StatementContext;
use crate::findings::{Category, Finding, Severity};
use crate::rules::{Check, Rule};
use sqlparser::ast::DataType;

pub static RULE: Rule = Rule {
    id: "MIG021",
    name: "json-column",
    category: Category::Migration,
    severity: Severity::Info,
    source: include_str!("json_column.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some(declared) = declarations(context) else {
        return;
    };
    let columns = declared.typed(is_json);
    if columns.is_empty() {
        return;
    }
    let sql = declared.rewritten(&columns, |_, data_type, _| *data_type = DataType::JSONB);
    out.push(Finding {
        message: format!(
            "{} {} json: every access reparses the stored text, and json has no equality \
             (DISTINCT and GROUP BY on it fail), no @> and no GIN index; jsonb has them all",
            declared.describe(&columns),
            if columns.len() == 1 { "is" } else { "are" },
        ),
        table: Some(declared.table.clone()),
        columns,
        sql: Some(sql),
        ..RULE.finding_at(context)
    });
}
