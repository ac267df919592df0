//! ## What it finds
//! `TRUNCATE … CASCADE`, with the tables it empties besides the ones it names: every table
//! with a foreign key to them, and the tables with foreign keys to those, as the schema
//! before the statement has them.
//!
//! ## Why it matters
//! `CASCADE` empties the referencing tables too, whatever they hold, without naming them:
//! the migration reads as emptying one table and wipes several. It also widens by itself —
//! a foreign key added next month puts one more table in its reach.
//!
//! ## Example
//! ```sql
//! TRUNCATE customers CASCADE;   -- orders and order_items reference customers
//! ```
//!
//! ## Instead
//! Name every table to empty and leave `CASCADE` out: PostgreSQL then refuses, rather than
//! widens, if another table references them.
//! ```sql
//! TRUNCATE customers, orders, order_items;
//! ```
//!
//! ## How severity is decided
//! A warning when other tables reference the truncated one, or when the schema does not
//! know it; info when nothing references it yet (only later foreign keys would be reached).
//! Nothing when the table and everything referencing it were created in the same file.

use crate::analysis::index::definition::qualified;
use crate::analysis::migration::StatementContext;
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::QualifiedName;
use crate::rules::{Check, Rule};
use sqlparser::ast::{CascadeOption, Statement, TruncateIdentityOption};
use std::collections::BTreeSet;

pub static RULE: Rule = Rule {
    id: "MIG014",
    name: "truncate-cascade",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("truncate_cascade.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some(Statement::Truncate(truncate)) = context.ast else {
        return;
    };
    if truncate.cascade != Some(CascadeOption::Cascade) {
        return;
    }
    let named: Vec<(QualifiedName, bool)> = truncate
        .table_names
        .iter()
        .map(|target| match context.table_name(&target.name) {
            Some(table) => (table, true),
            None => (context.declared_table_name(&target.name), false),
        })
        .collect();
    let targets: BTreeSet<&QualifiedName> = named.iter().map(|(table, _)| table).collect();
    // Per named table, the existing tables CASCADE reaches that the statement does not name.
    let reached: Vec<BTreeSet<QualifiedName>> = named
        .iter()
        .map(|(table, _)| {
            let mut tables = context.catalog.referencing_tables(table);
            tables.retain(|t| !targets.contains(t) && !context.is_new(t));
            tables
        })
        .collect();
    let mut everything: Vec<String> = named.iter().map(|(table, _)| qualified(table)).collect();
    let all_reached: BTreeSet<&QualifiedName> = reached.iter().flatten().collect();
    everything.extend(all_reached.into_iter().map(qualified));
    let identity = match truncate.identity {
        Some(TruncateIdentityOption::Restart) => " RESTART IDENTITY",
        Some(TruncateIdentityOption::Continue) => " CONTINUE IDENTITY",
        None => "",
    };
    let sql = format!("TRUNCATE {}{identity};", everything.join(", "));
    for ((table, known), reached) in named.iter().zip(&reached) {
        let (severity, message) = if !known {
            (
                Severity::Warning,
                format!(
                    "TRUNCATE … CASCADE empties {table} and every table with a foreign key to \
                     it; the schema does not know {table}, so which tables that is cannot be told"
                ),
            )
        } else if !reached.is_empty() {
            let list: Vec<String> = reached.iter().map(ToString::to_string).collect();
            (
                Severity::Warning,
                format!(
                    "TRUNCATE … CASCADE also empties {} whose foreign keys lead to {table}, \
                     directly or through other tables: {} — and any table that references it \
                     later",
                    tables(reached.len()),
                    list.join(", ")
                ),
            )
        } else if context.is_new(table) {
            continue;
        } else {
            (
                Severity::Info,
                format!(
                    "no table references {table} yet, so CASCADE empties nothing more today; \
                     it will empty any table that gets a foreign key to {table} later"
                ),
            )
        };
        out.push(Finding {
            severity,
            message,
            table: Some(table.clone()),
            sql: Some(sql.clone()),
            ..RULE.finding_at(context)
        });
    }
}

/// `1 table`, `3 tables`.
fn tables(count: usize) -> String {
    format!("{count} table{}", if count == 1 { "" } else { "s" })
}
