//! Migration rules (`planwise check`): what a schema change does to a running database —
//! locks that block reads or writes, table rewrites, statements that fail, changes that break
//! the queries still running — judged by the size and traffic of the tables it touches.

pub mod char_column;
pub mod concurrently_in_transaction;
pub mod constraint_will_fail;
pub mod constraint_without_not_valid;
pub mod drop_column_in_use;
pub mod drop_table_in_use;
pub mod drops_used_index;
pub mod duplicate_index;
pub mod dynamic_sql_not_checked;
pub mod foreign_key_without_index;
pub mod identifier_too_long;
pub mod index_unused_by_workload;
pub mod int_key;
pub mod json_column;
pub mod key_without_index;
pub mod missing_lock_timeout;
pub mod non_concurrent_index;
pub mod non_concurrent_index_drop;
pub mod non_concurrent_reindex;
pub mod rename_column_in_use;
pub mod rename_table_in_use;
pub mod required_column_without_default;
pub mod rewriting_add_column;
pub mod rewriting_type_change;
pub mod set_not_null_scan;
pub mod timestamp_without_time_zone_column;
pub mod transaction_nesting;
pub mod truncate_cascade;
pub mod varchar_length;
pub mod work_under_exclusive_lock;

mod in_use;
mod new_columns;

use crate::analysis::migration::StatementContext;
use crate::analysis::migration::locks::Work;
use crate::findings::{Claim, Finding, LockMode};
use crate::model::catalog::QualifiedName;
use crate::rules::Rule;

/// A finding for a statement that holds `lock` on `table` for `work`, at the severity the
/// table's size and traffic call for, claiming that lock (and a rewrite when the work is
/// one); nothing for a table created in the same file.
fn blocking_finding(
    context: &StatementContext<'_>,
    rule: &'static Rule,
    table: &QualifiedName,
    lock: LockMode,
    work: Work,
    problem: String,
) -> Option<Finding> {
    let impact = context.impact(table, lock, work, rule.severity)?;
    Some(Finding {
        severity: impact.severity,
        message: format!("{problem}; {}", impact.explanation),
        table: Some(table.clone()),
        claims: vec![Claim::TakesLock {
            table: table.clone(),
            lock,
            rewrites: work == Work::Rewrite,
        }],
        ..rule.finding_at(context)
    })
}
