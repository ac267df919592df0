//! ## What it finds
//! `REINDEX` without `CONCURRENTLY` (PostgreSQL 12 and later have it) of an existing table
//! or index — or of one the schema does not have, taken to exist.
//!
//! ## Why it matters
//! A plain `REINDEX` locks the index against every use and the table against writes for the
//! whole rebuild; queries that would use the index wait too.
//!
//! ## Example
//! ```sql
//! REINDEX INDEX orders_customer_id_idx;
//! ```
//!
//! ## Instead
//! ```sql
//! REINDEX INDEX CONCURRENTLY orders_customer_id_idx;
//! ```
//! (outside a transaction block).
//!
//! ## How severity is decided
//! By the table's size and traffic, as for an index build; not reported for servers older
//! than 12 (`--pg-version`), which have no concurrent form.

use super::blocking_finding;
use crate::analysis::migration::StatementContext;
use crate::findings::{Category, Finding, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "MIG003",
    name: "non-concurrent-reindex",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("non_concurrent_reindex.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    if !context.starts_with(&["REINDEX"]) || context.environment.pg_version < 12 {
        return;
    }
    let locks = context.locks();
    let words: Vec<&str> = context.statement.text.split_whitespace().collect();
    let concurrent_form = || match words.as_slice() {
        [reindex, kind, rest @ ..] => {
            Some(format!("{reindex} {kind} CONCURRENTLY {};", rest.join(" ")))
        }
        _ => None,
    };
    if locks.is_empty()
        && !context.words_include("CONCURRENTLY")
        && let Some(index) = context.object_after(&["INDEX"])
        && context.index_name(&index).is_none()
    {
        out.push(Finding {
            message: format!(
                "REINDEX without CONCURRENTLY locks {index} against every use and its table \
                 against writes for the whole rebuild; {}",
                context.assumed_index_note(&index)
            ),
            sql: concurrent_form(),
            ..RULE.finding_at(context)
        });
    }
    for lock in locks {
        let problem = format!(
            "REINDEX without CONCURRENTLY blocks writes to {} and queries using its indexes",
            lock.table
        );
        if let Some(mut finding) =
            blocking_finding(context, &RULE, &lock.table, lock.lock, lock.work, problem)
        {
            finding.sql = concurrent_form();
            out.push(finding);
        }
    }
}
