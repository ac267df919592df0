//! ## What it finds
//! New columns of type `character(n)` (`char(n)`) with `n` above 1: in `CREATE TABLE`,
//! `ADD COLUMN`, or `ALTER COLUMN … TYPE`.
//!
//! ## Why it matters
//! `char(n)` pads every value with spaces to `n` characters, stores the padding, and
//! ignores trailing spaces in comparisons but not everywhere else: `LIKE`, concatenation
//! and the application see them. It is no faster than `text` or `varchar` — PostgreSQL
//! stores all three alike — and a value longer than `n` is an error, so the length is a
//! limit, not a layout.
//!
//! ## Example
//! ```sql
//! ALTER TABLE customers ADD COLUMN country char(20);
//! ```
//!
//! ## Instead
//! ```sql
//! ALTER TABLE customers ADD COLUMN country text;
//! ```
//! Where the length is a rule of the data, say so with a constraint:
//! `CHECK (char_length(country) = 2)`.
//!
//! ## How severity is decided
//! Info: nothing fails; the padding surprises later.

use super::new_columns::declarations;
use crate::analysis::column_types::padded_length;
use crate::analysis::migration::StatementContext;
use crate::findings::{Category, Finding, Severity};
use crate::rules::{Check, Rule};
use sqlparser::ast::DataType;

pub static RULE: Rule = Rule {
    id: "MIG022",
    name: "char-column",
    category: Category::Migration,
    severity: Severity::Info,
    source: include_str!("char_column.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some(declared) = declarations(context) else {
        return;
    };
    let columns = declared.typed(|t| padded_length(t).is_some_and(|n| n > 1));
    if columns.is_empty() {
        return;
    }
    let sql = declared.rewritten(&columns, |_, data_type, _| *data_type = DataType::Text);
    out.push(Finding {
        message: format!(
            "{} {} character(n): values are padded with spaces to n characters, which LIKE, \
             concatenation and the application see, for no speed gain; text (with a CHECK \
             on char_length where the length is a rule) stores them as given",
            declared.describe(&columns),
            if columns.len() == 1 { "is" } else { "are" },
        ),
        table: Some(declared.table.clone()),
        columns,
        sql: Some(sql),
        ..RULE.finding_at(context)
    });
}
