//! ## What it finds
//! `DROP TABLE` of a table that existed before the migration; with logs (`--log`), the
//! logged statements that still use it.
//!
//! ## Why it matters
//! From the commit on, every statement on the table fails with `relation "…" does not
//! exist`, and its data is gone: unlike a broken deploy, this cannot be rolled back — only
//! restored from a backup.
//!
//! ## Example
//! ```sql
//! DROP TABLE legacy_events;   -- a nightly report still reads it
//! ```
//!
//! ## Instead
//! Deploy the code that stops using the table first, watch the logs (or
//! `pg_stat_user_tables`) show no more reads or writes, then drop it in a later migration.
//!
//! ## How severity is decided
//! By what the logs show: an error when logged statements use the table, info when logs
//! were given and none does, a warning without logs. Nothing for a table created in the
//! same file.

use super::in_use::{Breakage, in_use_finding};
use crate::analysis::migration::StatementContext;
use crate::findings::{Category, Finding, Severity};
use crate::rules::{Check, Rule};
use sqlparser::ast::{ObjectType, Statement};

pub static RULE: Rule = Rule {
    id: "MIG017",
    name: "drop-table-in-use",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("drop_table_in_use.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some(Statement::Drop {
        object_type: ObjectType::Table,
        names,
        ..
    }) = context.ast
    else {
        return;
    };
    for name in names {
        let Some(table) = context.assumed_table(name) else {
            continue;
        };
        if context.is_new(&table) {
            continue;
        }
        let uses = context.environment.usage.map(|usage| {
            usage
                .table(&table)
                .map_or(&[][..], |usage| usage.queries.as_slice())
        });
        let breakage = Breakage {
            change: format!("DROP TABLE {table}"),
            failure: format!("relation \"{}\" does not exist", table.name),
            advice: "deploy the code that stops using it first",
            table: table.clone(),
            columns: Vec::new(),
        };
        out.push(in_use_finding(context, &RULE, breakage, uses));
    }
}
