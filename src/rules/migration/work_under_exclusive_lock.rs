//! ## What it finds
//! Inside one transaction, a statement that locks more tables after an earlier statement
//! took an ACCESS EXCLUSIVE lock on an existing table — a backfill (`UPDATE` or `DELETE`,
//! also after `WITH`), an index build, another lock.
//!
//! ## Why it matters
//! Locks are held until the transaction ends. Everything the transaction does after taking
//! an ACCESS EXCLUSIVE lock — a backfill, an index build, waiting for a lock on a second
//! table — happens while nobody can read or write the first table. Two such transactions
//! locking tables in different orders deadlock.
//!
//! ## Example
//! ```sql
//! BEGIN;
//! ALTER TABLE orders ADD COLUMN note text;       -- ACCESS EXCLUSIVE on orders …
//! CREATE INDEX orders_note_idx ON orders (note); -- … held during the whole build
//! COMMIT;
//! ```
//!
//! ## Instead
//! Put the statement that takes the ACCESS EXCLUSIVE lock last in its transaction, or in a
//! transaction of its own, so the lock is held for an instant.
//!
//! ## How severity is decided
//! By the size and traffic of the table locked first. Reported once per transaction.

use crate::analysis::migration::StatementContext;
use crate::analysis::migration::locks::Work;
use crate::analysis::migration::word_locks::is_backfill;
use crate::findings::{Category, Claim, Finding, LockMode, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "MIG012",
    name: "work-under-exclusive-lock",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("work_under_exclusive_lock.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some((held, line)) = &context.session.exclusive_lock else {
        return;
    };
    if context.session.locking_statements_since > 0 {
        return;
    }
    let locks = context.locks_on_existing_tables();
    let Some(work) = locks.iter().map(|l| l.work).max() else {
        return;
    };
    let Some(impact) = context.impact(
        held,
        LockMode::AccessExclusive,
        work.max(Work::Scan),
        RULE.severity,
    ) else {
        return;
    };
    let what = if is_backfill(context) {
        "changes rows".to_string()
    } else if work == Work::Catalog {
        "waits for more locks".to_string()
    } else {
        format!("runs {}", work.as_str())
    };
    out.push(Finding {
        severity: impact.severity,
        message: format!(
            "this statement {what} while the transaction still holds the ACCESS EXCLUSIVE lock \
             on {held} taken at line {line}: nothing reads or writes {held} until COMMIT; {}",
            impact.table_note
        ),
        table: Some(held.clone()),
        claims: vec![Claim::HoldsLock {
            table: held.clone(),
            lock: LockMode::AccessExclusive,
        }],
        ..RULE.finding_at(context)
    });
}
