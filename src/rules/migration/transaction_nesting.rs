//! ## What it finds
//! `BEGIN` or `START TRANSACTION` while a transaction is already open — after an earlier
//! `BEGIN`, or in a file the migration tool wraps in a transaction
//! (`--assume-in-transaction`) — and `COMMIT`, `END`, `ROLLBACK` or `ABORT` in a file the
//! tool wraps in a transaction.
//!
//! ## Why it matters
//! PostgreSQL has no nested transactions. A second `BEGIN` only draws a warning ("there is
//! already a transaction in progress") and is ignored: the first `COMMIT` commits
//! everything, and what follows it runs outside any transaction, each statement committed
//! on its own. A `COMMIT` in a file the tool runs in a transaction ends the tool's
//! transaction early the same way: if a later statement fails, the statements before the
//! `COMMIT` stay applied, the file is half done and the tool may not record it as run.
//!
//! ## Example
//! ```sql
//! -- the tool runs this file in a transaction
//! BEGIN;
//! ALTER TABLE orders ADD COLUMN note text;
//! COMMIT;
//! UPDATE orders SET note = '';
//! ```
//!
//! ## Instead
//! Leave transaction control to the tool, or turn its transaction off for this file and
//! write `BEGIN … COMMIT` yourself. For a part that may fail on its own, use
//! `SAVEPOINT name` and `ROLLBACK TO SAVEPOINT name`.
//!
//! ## How severity is decided
//! A warning: the statements still run, but not with the atomicity the file appears to have.

use crate::analysis::migration::StatementContext;
use crate::findings::{Category, Finding, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "MIG013",
    name: "transaction-nesting",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("transaction_nesting.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let session = context.session;
    // The tool's transaction is open until a statement of the file ends it.
    let tool_open =
        context.environment.assume_in_transaction && session.tool_transaction_ended.is_none();
    let begins = context.starts_with(&["BEGIN"]) || context.starts_with(&["START", "TRANSACTION"]);
    if begins && (tool_open || session.begin_line.is_some()) {
        let opened = match session.begin_line {
            Some(line) => format!("the transaction opened at line {line}"),
            None => "the transaction the migration tool runs the file in".to_string(),
        };
        out.push(Finding {
            message: format!(
                "a transaction is already open ({opened}): PostgreSQL ignores this BEGIN with a \
                 warning, the next COMMIT ends the outer transaction, and the statements after \
                 it run outside any transaction, each committed on its own"
            ),
            ..RULE.finding_at(context)
        });
    }
    if tool_open && context.ends_transaction() {
        let undone = if context.starts_with(&["ROLLBACK"]) || context.starts_with(&["ABORT"]) {
            "undoes everything the file did before it and "
        } else {
            ""
        };
        out.push(Finding {
            message: format!(
                "the migration tool runs this file in a transaction: this statement {undone}ends \
                 it early, so the statements after it run outside any transaction, each \
                 committed on its own — a later failure leaves the file half applied — and the \
                 tool's own COMMIT finds no transaction"
            ),
            ..RULE.finding_at(context)
        });
    }
}
