//! ## What it finds
//! `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY` or `REINDEX … CONCURRENTLY` inside
//! a transaction block: after `BEGIN`, or in a file the migration tool wraps in a
//! transaction (`--assume-in-transaction`).
//!
//! ## Why it matters
//! PostgreSQL refuses it ("cannot run inside a transaction block"): the migration fails at
//! deploy time, after the statements before it ran.
//!
//! ## Example
//! ```sql
//! BEGIN;
//! CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);
//! COMMIT;
//! ```
//!
//! ## Instead
//! Run the concurrent statement on its own, outside any transaction: most tools have a
//! per-migration switch (Rails `disable_ddl_transaction!`, Django `atomic = False`, sqlx and
//! Flyway have their own, golang-migrate runs files as written).
//!
//! ## How severity is decided
//! Always an error: the statement cannot succeed.

use crate::analysis::migration::StatementContext;
use crate::findings::{Category, Claim, Finding, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "MIG004",
    name: "concurrently-in-transaction",
    category: Category::Migration,
    severity: Severity::Error,
    source: include_str!("concurrently_in_transaction.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let concurrent = (context.starts_with(&["CREATE"])
        || context.starts_with(&["DROP", "INDEX"])
        || context.starts_with(&["REINDEX"]))
        && context.words_include("CONCURRENTLY");
    if !concurrent || !context.session.in_transaction {
        return;
    }
    let opened = match context.session.begin_line {
        Some(line) => format!("the transaction opened at line {line}"),
        None => "the transaction the migration tool runs the file in".to_string(),
    };
    out.push(Finding {
        message: format!(
            "CONCURRENTLY cannot run inside a transaction block ({opened}): PostgreSQL rejects \
             the statement and the migration fails"
        ),
        claims: vec![Claim::FailsInTransaction],
        ..RULE.finding_at(context)
    });
}
