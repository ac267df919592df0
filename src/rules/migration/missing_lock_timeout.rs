//! ## What it finds
//! The first statement of a file that locks an existing table beyond what reads share
//! (SHARE or stronger: index builds, most `ALTER TABLE`, `DROP`, `TRUNCATE`) when no
//! `SET lock_timeout` came before it.
//!
//! ## Why it matters
//! A lock request waits for every transaction that holds a conflicting lock — a long report
//! query, an idle-in-transaction session — and every query that arrives after it queues
//! behind the waiting request. Without a timeout a one-millisecond `ALTER TABLE` stops all
//! traffic on the table for as long as the longest query runs.
//!
//! ## Example
//! ```sql
//! ALTER TABLE orders ADD COLUMN note text;
//! ```
//!
//! ## Instead
//! ```sql
//! SET lock_timeout = '2s';
//! ALTER TABLE orders ADD COLUMN note text;
//! ```
//! and retry the migration when it times out.
//!
//! ## How severity is decided
//! By the table's traffic and size: info for small quiet tables, error for busy ones,
//! warning otherwise. Reported once per file, on the first statement that needs it.

use crate::analysis::migration::StatementContext;
use crate::analysis::migration::locks::Work;
use crate::findings::{Category, Claim, Finding, LockMode, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "MIG011",
    name: "missing-lock-timeout",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("missing_lock_timeout.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    if context.session.lock_timeout || context.session.strong_locks_before > 0 {
        return;
    }
    let locks = context.locks_on_existing_tables();
    let Some(lock) = locks.iter().find(|l| l.lock >= LockMode::Share) else {
        return;
    };
    let Some(impact) = context.impact(&lock.table, lock.lock, Work::Catalog, RULE.severity) else {
        return;
    };
    out.push(Finding {
        severity: impact.severity,
        message: format!(
            "no lock_timeout is set before this statement asks for {} on {}; {}",
            lock.lock.with_article(),
            lock.table,
            impact.explanation
        ),
        table: Some(lock.table.clone()),
        claims: vec![Claim::TakesLock {
            table: lock.table.clone(),
            lock: lock.lock,
            rewrites: lock.work == Work::Rewrite,
        }],
        sql: Some("SET lock_timeout = '2s';".into()),
        ..RULE.finding_at(context)
    });
}
