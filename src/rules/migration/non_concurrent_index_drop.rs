//! ## What it finds
//! `DROP INDEX` without `CONCURRENTLY` on an index of a table that already exists, or on an
//! index the schema does not have (taken to exist, on a table of unknown size).
//!
//! ## Why it matters
//! A plain `DROP INDEX` takes an ACCESS EXCLUSIVE lock on the index's table. The drop itself
//! is quick, but the lock must wait for every running query on the table, and every query
//! that arrives meanwhile queues behind it: one long report query turns the drop into an
//! outage.
//!
//! ## Example
//! ```sql
//! DROP INDEX orders_status_idx;
//! ```
//!
//! ## Instead
//! ```sql
//! DROP INDEX CONCURRENTLY orders_status_idx;
//! ```
//! (outside a transaction block), or keep the plain form behind a short `lock_timeout`.
//!
//! ## How severity is decided
//! By the table's size and traffic: info for small quiet tables, error for busy ones,
//! warning otherwise and when nothing is known (an index not in the schema).

use super::blocking_finding;
use crate::analysis::migration::StatementContext;
use crate::analysis::migration::locks::Work;
use crate::findings::{Category, Finding, LockMode, Severity};
use crate::rules::{Check, Rule};
use sqlparser::ast::{ObjectName, ObjectType, Statement};

pub static RULE: Rule = Rule {
    id: "MIG002",
    name: "non-concurrent-index-drop",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("non_concurrent_index_drop.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some(Statement::Drop {
        object_type: ObjectType::Index,
        names,
        ..
    }) = context.ast
    else {
        return;
    };
    if context.words_include("CONCURRENTLY") {
        return;
    }
    for name in names {
        let (Some(index), Some(table)) = (context.index_name(name), context.table_of_index(name))
        else {
            out.push(unknown_index(context, name));
            continue;
        };
        let problem = format!(
            "DROP INDEX {index} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on {table}"
        );
        if let Some(mut finding) = blocking_finding(
            context,
            &RULE,
            &table,
            LockMode::AccessExclusive,
            Work::Catalog,
            problem,
        ) {
            finding.sql = Some(format!("DROP INDEX CONCURRENTLY {index};"));
            out.push(finding);
        }
    }
}

/// An index the schema does not have: it is taken to exist, on a table whose name, size and
/// traffic are unknown.
fn unknown_index(context: &StatementContext<'_>, name: &ObjectName) -> Finding {
    Finding {
        message: format!(
            "DROP INDEX {name} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on its \
             table; {}: the lock itself is brief, but every query on the table queues behind \
             it while it waits",
            context.assumed_index_note(name)
        ),
        sql: Some(format!("DROP INDEX CONCURRENTLY {name};")),
        ..RULE.finding_at(context)
    }
}
