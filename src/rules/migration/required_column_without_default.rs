//! ## What it finds
//! `ALTER TABLE … ADD COLUMN … NOT NULL` without a `DEFAULT` (nor identity or generated) on
//! a table that already exists — unless a `TRUNCATE` earlier in the same transaction
//! emptied it (its lock keeps it empty until `COMMIT`) and nothing filled it since.
//!
//! ## Why it matters
//! Every existing row would get NULL in a NOT NULL column: PostgreSQL rejects the statement
//! on any table with rows ("column contains null values"), so the migration that passed on
//! an empty development database fails in production.
//!
//! ## Example
//! ```sql
//! ALTER TABLE orders ADD COLUMN currency text NOT NULL;
//! ```
//!
//! ## Instead
//! ```sql
//! ALTER TABLE orders ADD COLUMN currency text NOT NULL DEFAULT 'EUR';
//! ```
//! A constant default costs nothing since PostgreSQL 11 (no rewrite). Without a sensible
//! default: add the column nullable, backfill in batches, then set NOT NULL (see MIG006).
//!
//! ## How severity is decided
//! Error, unless statistics say the table is empty (then nothing is reported) — or the table
//! was created in the same file. A table the schema does not have is taken to have rows.

use crate::analysis::migration::StatementContext;
use crate::analysis::migration::impact::Size;
use crate::findings::{Category, Claim, Finding, Severity};
use crate::model::ddl::identifier;
use crate::rules::{Check, Rule};
use sqlparser::ast::{AlterTableOperation, ColumnOption};

pub static RULE: Rule = Rule {
    id: "MIG007",
    name: "required-column-without-default",
    category: Category::Migration,
    severity: Severity::Error,
    source: include_str!("required_column_without_default.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some((table, operations)) = context.altered_table() else {
        return;
    };
    let size = context.size(&table);
    let empty = matches!(size, Size::New)
        || matches!(size, Size::Rows { rows, .. } if rows < 1.0)
        || context.session.emptied.contains(&table);
    if empty {
        return;
    }
    for operation in operations {
        let AlterTableOperation::AddColumn { column_def, .. } = operation else {
            continue;
        };
        let options = || column_def.options.iter().map(|o| &o.option);
        let not_null = options().any(|o| matches!(o, ColumnOption::NotNull));
        let filled = options().any(|o| {
            matches!(
                o,
                ColumnOption::Default(_)
                    | ColumnOption::Generated { .. }
                    | ColumnOption::Identity(_)
            )
        }) || column_def
            .data_type
            .to_string()
            .to_ascii_lowercase()
            .contains("serial");
        if !not_null || filled {
            continue;
        }
        let column = identifier(&column_def.name);
        let unknown = if size == Size::Unknown && context.is_assumed(&table) {
            format!("; {}", context.assumed_table_note(&table))
        } else {
            String::new()
        };
        out.push(Finding {
            message: format!(
                "ADD COLUMN {column} NOT NULL without a default fails on {table} as soon as it \
                 has a row{unknown}"
            ),
            table: Some(table.clone()),
            columns: vec![column],
            claims: vec![Claim::FailsWithRows {
                table: table.clone(),
            }],
            ..RULE.finding_at(context)
        });
    }
}
