//! ## What it finds
//! A statement that waited on a lock longer than `deadlock_timeout`, as the server logged it
//! (`log_lock_waits`: `process N still waiting for ShareLock on transaction 836 after
//! 100.1 ms`), with how long its waits lasted where the log says (`acquired … after
//! 1136.5 ms`) and how often `lock_timeout` cancelled it (a statement cancelled by
//! `lock_timeout` is reported even when its waits were too short to be logged). The most
//! waited first.
//!
//! ## Why it matters
//! While it waits, the statement holds its connection and whatever its transaction already
//! locked, so the queue grows behind it; every wait the log shows lasted at least
//! `deadlock_timeout` (1 s by default). Waits on a `transaction` lock are rows another
//! transaction changed and has not committed yet: the waiting statement runs only as fast
//! as the slowest transaction that touches the same rows.
//!
//! ## Example
//! ```sql
//! -- session 1
//! BEGIN;
//! UPDATE products SET stock = stock - 1 WHERE id = 1;
//! -- … more work, or a network round trip, before COMMIT
//! -- session 2 waits until session 1 commits
//! UPDATE products SET stock = stock + 1 WHERE id = 1;
//! ```
//!
//! ## Instead
//! Keep the transactions that write these rows short: no user or network round trip inside
//! them, the contended row last. Where many workers compete for rows of a queue, let them
//! skip each other's:
//! ```sql
//! SELECT id FROM jobs WHERE state = 'ready' ORDER BY id LIMIT 10 FOR UPDATE SKIP LOCKED;
//! ```
//! A counter updated by every request (a stock level, a balance) can be kept as rows
//! inserted and summed, or updated in batches. `SET lock_timeout` bounds a wait where
//! failing fast is better than waiting.
//!
//! ## How the saving is estimated
//! Not in cost units: the finding has no `estimated_saving`. The wait time given is the sum
//! of the waits the log reports as ended (`acquired … after`); waits that ended in a
//! cancellation or a deadlock are counted, not timed.

use crate::findings::{Category, Finding, Severity, shorten};
use crate::model::workload::QueryStats;
use crate::rules::Context;
use crate::rules::{Check, Rule};
use crate::sql::fingerprint::format_id;
use crate::units::{format_ms, thousands};
use std::cmp::Reverse;

pub static RULE: Rule = Rule {
    id: "LOCK001",
    name: "lock-wait-hot-spot",
    category: Category::Contention,
    severity: Severity::Warning,
    source: include_str!("lock_wait_hot_spot.rs"),
    check: Check::Workload(check),
};

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let mut waiting: Vec<(u64, &QueryStats)> = context
        .profile
        .queries
        .iter()
        .filter(|(_, stats)| {
            let events = stats.events();
            events.lock_waits > 0 || events.cancellations.lock_timeout > 0
        })
        .map(|(id, stats)| (*id, stats))
        .collect();
    waiting.sort_by_key(|(id, stats)| {
        let events = stats.events();
        (
            Reverse(events.lock_waits),
            Reverse(events.lock_acquired_wait_us),
            *id,
        )
    });
    for (fingerprint, stats) in waiting {
        out.push(finding(fingerprint, stats));
    }
}

fn times(count: u64) -> String {
    match count {
        1 => "once".to_string(),
        2 => "twice".to_string(),
        n => format!("{} times", thousands(n as f64)),
    }
}

fn finding(fingerprint: u64, stats: &QueryStats) -> Finding {
    let events = stats.events();
    let mut message = format!("`{}`", shorten(&stats.normalized, 80));
    if events.lock_waits > 0 {
        message.push_str(&format!(
            " waited on a lock past deadlock_timeout {}",
            times(events.lock_waits)
        ));
    } else {
        message.push_str(" waited on a lock");
    }
    if events.locks_acquired > 0 {
        let total_ms = events.lock_acquired_wait_us as f64 / 1000.0;
        message.push_str(&match events.locks_acquired {
            1 => format!(
                "; a wait ended with the lock after {} ms",
                format_ms(Some(total_ms))
            ),
            n => format!(
                "; {} waits ended with the lock, after {} ms in all ({} ms on average)",
                thousands(n as f64),
                format_ms(Some(total_ms)),
                format_ms(Some(total_ms / n as f64)),
            ),
        });
    }
    if events.cancellations.lock_timeout > 0 {
        message.push_str(&format!(
            "; lock_timeout cancelled it {}",
            times(events.cancellations.lock_timeout)
        ));
    }
    match stats.calls {
        0 => {}
        1 => message.push_str(" (1 logged call)"),
        calls => message.push_str(&format!(" ({} logged calls)", thousands(calls as f64))),
    }
    Finding {
        message,
        queries: vec![format_id(fingerprint)],
        ..RULE.finding()
    }
}
