//! ## What it finds
//! Two statements that deadlocked, from the server's `deadlock detected` errors, whose
//! `DETAIL` names the statement each process of the cycle was running. One finding per pair
//! of statements, with how often they deadlocked; the most frequent first.
//!
//! ## Why it matters
//! Each transaction of the pair holds a lock the other wants, so neither can go on: after
//! `deadlock_timeout` the server cancels one of them with an error (SQLSTATE 40P01), and
//! everything that transaction did is rolled back and must be retried. Until then both
//! wait, and whatever queues behind their locks waits too. A deadlock is not bad luck:
//! it comes back whenever the same two code paths meet on the same rows.
//!
//! ## Example
//! ```sql
//! -- transaction A                         -- transaction B
//! UPDATE products SET stock = stock - 1    UPDATE products SET stock = stock - 1
//!   WHERE id = 5;                            WHERE id = 6;
//! UPDATE products SET stock = stock + 1    UPDATE products SET stock = stock + 1
//!   WHERE id = 6;  -- waits for B            WHERE id = 5;  -- waits for A: deadlock
//! ```
//!
//! ## Instead
//! Take the locks in one order in every transaction: lock all the rows first, sorted by
//! key, then change them.
//! ```sql
//! BEGIN;
//! SELECT id FROM products WHERE id IN (5, 6) ORDER BY id FOR UPDATE;
//! UPDATE products SET stock = stock - 1 WHERE id = 5;
//! UPDATE products SET stock = stock + 1 WHERE id = 6;
//! COMMIT;
//! ```
//! Or change the rows in one statement, or, for a queue, claim work with
//! `FOR UPDATE SKIP LOCKED`. The application should still retry a transaction that fails
//! with 40P01.
//!
//! ## How the saving is estimated
//! Not in cost units: the finding has no `estimated_saving`. It counts the deadlocks the
//! log reports between the two statements; the work they rolled back is not in the log.

use crate::findings::{Category, Finding, Severity, shorten};
use crate::model::events::DeadlockPair;
use crate::rules::Context;
use crate::rules::{Check, Rule};
use crate::sql::fingerprint::format_id;
use crate::units::thousands;
use std::cmp::Reverse;

pub static RULE: Rule = Rule {
    id: "LOCK002",
    name: "deadlock",
    category: Category::Contention,
    severity: Severity::Warning,
    source: include_str!("deadlock.rs"),
    check: Check::Workload(check),
};

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let mut pairs: Vec<(&(u64, u64), &DeadlockPair)> =
        context.profile.events.deadlock_pairs.iter().collect();
    pairs.sort_by_key(|(key, pair)| (Reverse(pair.count), **key));
    for (&(first, second), pair) in pairs {
        out.push(finding(first, second, pair));
    }
}

fn finding(first: u64, second: u64, pair: &DeadlockPair) -> Finding {
    let count = match pair.count {
        1 => "once".to_string(),
        n => format!("{} times", thousands(n as f64)),
    };
    let [a, b] = &pair.statements;
    let (message, queries) = if first == second {
        (
            format!(
                "two transactions running `{}` deadlocked {count}: they lock the same rows in different orders",
                shorten(a, 80)
            ),
            vec![format_id(first)],
        )
    } else {
        (
            format!(
                "`{}` and `{}` deadlocked {count}: their transactions lock the same rows in different orders",
                shorten(a, 80),
                shorten(b, 80)
            ),
            vec![format_id(first), format_id(second)],
        )
    };
    Finding {
        message,
        queries,
        ..RULE.finding()
    }
}
