//! ## What it finds
//! `ALTER TABLE … ADD PRIMARY KEY` or `ADD UNIQUE` (as a constraint) on an existing table
//! without `USING INDEX`, and `ADD COLUMN … UNIQUE | PRIMARY KEY`.
//!
//! ## Why it matters
//! The constraint's unique index is built while the statement holds an ACCESS EXCLUSIVE
//! lock: no reads or writes for the whole build.
//!
//! ## Example
//! ```sql
//! ALTER TABLE orders ADD CONSTRAINT orders_number_key UNIQUE (number);
//! ```
//!
//! ## Instead
//! ```sql
//! CREATE UNIQUE INDEX CONCURRENTLY orders_number_key ON orders (number);
//! ALTER TABLE orders ADD CONSTRAINT orders_number_key UNIQUE USING INDEX orders_number_key;
//! ```
//!
//! ## How severity is decided
//! By the table's size and traffic (the build's length).

use super::blocking_finding;
use crate::analysis::migration::StatementContext;
use crate::analysis::migration::locks::Work;
use crate::findings::{Category, Finding, LockMode, Severity};
use crate::model::ddl::{identifier, quote_identifier};
use crate::rules::{Check, Rule};
use sqlparser::ast::{AlterTableOperation, ColumnOption, Ident, TableConstraint};

pub static RULE: Rule = Rule {
    id: "MIG010",
    name: "key-without-index",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("key_without_index.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some((table, operations)) = context.altered_table() else {
        return;
    };
    for operation in operations {
        // The plain column comes first when the key was declared on a new column.
        let mut add_column = String::new();
        let (kind, name, columns): (&str, Option<&Ident>, Vec<String>) = match operation {
            AlterTableOperation::AddConstraint { constraint, .. } => match constraint {
                TableConstraint::PrimaryKey(key) => (
                    "PRIMARY KEY",
                    key.name.as_ref(),
                    key.columns
                        .iter()
                        .map(|c| c.column.expr.to_string())
                        .collect(),
                ),
                TableConstraint::Unique(key) => (
                    "UNIQUE",
                    key.name.as_ref(),
                    key.columns
                        .iter()
                        .map(|c| c.column.expr.to_string())
                        .collect(),
                ),
                _ => continue,
            },
            // `ADD COLUMN … UNIQUE | PRIMARY KEY` builds the index the same way.
            AlterTableOperation::AddColumn { column_def, .. } => {
                let kind = column_def.options.iter().find_map(|o| match o.option {
                    ColumnOption::PrimaryKey(_) => Some("PRIMARY KEY"),
                    ColumnOption::Unique(_) => Some("UNIQUE"),
                    _ => None,
                });
                let Some(kind) = kind else { continue };
                let column = identifier(&column_def.name);
                add_column = format!(
                    "ALTER TABLE {table} ADD COLUMN {} {};\n",
                    quote_identifier(&column),
                    column_def.data_type
                );
                (kind, None, vec![column])
            }
            _ => continue,
        };
        let problem =
            format!("ADD {kind} builds its index on {table} under an ACCESS EXCLUSIVE lock");
        let Some(mut finding) = blocking_finding(
            context,
            &RULE,
            &table,
            LockMode::AccessExclusive,
            Work::IndexBuild,
            problem,
        ) else {
            continue;
        };
        let index = name
            .map(identifier)
            .unwrap_or_else(|| format!("{}_{}_key", table.name, columns.join("_")));
        let index = quote_identifier(&index);
        finding.sql = Some(format!(
            "{add_column}CREATE UNIQUE INDEX CONCURRENTLY {index} ON {table} ({});\n\
             ALTER TABLE {table} ADD CONSTRAINT {index} {kind} USING INDEX {index};",
            columns.join(", ")
        ));
        finding.columns = columns;
        out.push(finding);
    }
}
