//! ## What it finds
//! A statement that waited on a lock longer than `deadlock_timeout`, as the server logged it
//! (`log_lock_waits`: `process N still waiting for ShareLock on transaction 836 after
//! 100.1 ms`), with how long its waits lasted where the log says (`acquired … after
//! 1136.5 ms`) and how often `lock_timeout` cancelled it (a statement cancelled by
//! `lock_timeout` is reported even when its waits were too short to be logged). The most
//! waited first. Where the wait's `DETAIL` names the process holding the lock (`Process
//! holding the lock: 4732. Wait queue: 4738.`), the finding says which statements blocked
//! it: the statement the holder's session ran last before the wait, as the log shows it
//! (with `log_min_duration_statement` a statement is logged when it ends, so that is the
//! holder's last completed statement — often the one that took the lock — and with
//! `log_statement` the one it was running), and what the lock was on: a wait on a
//! `transaction` is a wait for a row of the tables the waiting statement writes.
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
//! cancellation or a deadlock are counted, not timed. A blocking statement is counted
//! once for each wait whose holder's session had run it last; a holder whose session the
//! log shows no statement of before the wait is counted as such.

use crate::analysis::facts::Access;
use crate::findings::{Category, Finding, Severity, shorten};
use crate::model::catalog::QualifiedName;
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

/// Blocking statements listed per finding; the rest are counted.
const BLOCKERS_SHOWN: usize = 3;

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
        let blockers = blockers_of(context, fingerprint);
        out.push(finding(fingerprint, stats, &blockers, context));
    }
}

fn times(count: u64) -> String {
    match count {
        1 => "once".to_string(),
        2 => "twice".to_string(),
        n => format!("{} times", thousands(n as f64)),
    }
}

/// What blocked one waiting statement: the holder's statement (`None`: not in the log),
/// its waits and what they were on.
struct Blocker<'a> {
    statement: Option<u64>,
    waits: u64,
    locks: Vec<&'a str>,
}

/// The statements that held the locks `waiter` waited for, the most waits first.
fn blockers_of<'a>(context: &'a Context<'_>, waiter: u64) -> Vec<Blocker<'a>> {
    let events = &context.profile.events;
    let mut blockers: Vec<Blocker<'a>> = events
        .blocked_by
        .range((waiter, None)..=(waiter, Some(u64::MAX)))
        .map(|(&(_, statement), blocked)| Blocker {
            statement,
            waits: blocked.waits,
            locks: blocked.locks.keys().map(String::as_str).collect(),
        })
        .collect();
    let unseen: Vec<&'a str> = events
        .unresolved_holders
        .iter()
        .filter(|holder| holder.waiter == waiter)
        .map(|holder| holder.lock.as_str())
        .collect();
    if !unseen.is_empty() {
        match blockers.iter_mut().find(|b| b.statement.is_none()) {
            Some(unknown) => {
                unknown.waits += unseen.len() as u64;
                unknown.locks.extend(unseen);
            }
            None => blockers.push(Blocker {
                statement: None,
                waits: unseen.len() as u64,
                locks: unseen,
            }),
        }
    }
    for blocker in &mut blockers {
        blocker.locks.sort_unstable();
        blocker.locks.dedup();
    }
    blockers.sort_by_key(|b| (Reverse(b.waits), b.statement.is_none(), b.statement));
    blockers
}

/// `; blocked by `…` (2 waits, on ShareLock on transaction: …), a session …`.
fn blocked_by(
    blockers: &[Blocker<'_>],
    written: &[&QualifiedName],
    context: &Context<'_>,
) -> String {
    let mut parts: Vec<String> = blockers
        .iter()
        .take(BLOCKERS_SHOWN)
        .map(|blocker| {
            let who = match blocker
                .statement
                .and_then(|id| context.profile.queries.get(&id))
            {
                Some(stats) => format!("`{}`", shorten(&stats.normalized, 80)),
                None => "a session whose statement the log does not show".to_string(),
            };
            let locks: Vec<String> = blocker
                .locks
                .iter()
                .map(|lock| describe_lock(lock, written))
                .collect();
            format!(
                "{who} ({} wait{} for {})",
                thousands(blocker.waits as f64),
                if blocker.waits == 1 { "" } else { "s" },
                locks.join(", ")
            )
        })
        .collect();
    if blockers.len() > BLOCKERS_SHOWN {
        parts.push(format!("{} more", blockers.len() - BLOCKERS_SHOWN));
    }
    format!(
        "; the process holding the lock had last run {}",
        parts.join(", ")
    )
}

/// A lock as `lock_target` gives it, with what a transaction lock means.
/// A lock as `lock_target` gives it; a transaction lock is a row's, of the tables the
/// waiting statement writes (the log's `CONTEXT` names the relation, but is not read).
fn describe_lock(lock: &str, written: &[&QualifiedName]) -> String {
    if !lock.ends_with(" on transaction") {
        return lock.to_string();
    }
    let of = match written {
        [] => String::new(),
        tables => {
            let names: Vec<String> = tables.iter().map(ToString::to_string).collect();
            format!(" of {}", names.join(" or "))
        }
    };
    format!("{lock}: a row{of} that the holder's transaction had changed and not committed")
}

/// The tables the statement inserts into, updates or deletes from, as the analysis read it.
fn written_tables<'a>(context: &'a Context<'_>, fingerprint: u64) -> Vec<&'a QualifiedName> {
    let mut tables: Vec<&QualifiedName> = context
        .facts
        .get(&fingerprint)
        .map(|facts| {
            facts
                .tables
                .iter()
                .filter(|used| {
                    matches!(
                        used.access,
                        Access::Insert | Access::Update | Access::Delete
                    )
                })
                .map(|used| &used.table)
                .collect()
        })
        .unwrap_or_default();
    tables.sort();
    tables.dedup();
    tables
}

fn finding(
    fingerprint: u64,
    stats: &QueryStats,
    blockers: &[Blocker<'_>],
    context: &Context<'_>,
) -> Finding {
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
    let written = written_tables(context, fingerprint);
    if !blockers.is_empty() {
        message.push_str(&blocked_by(blockers, &written, context));
    }
    // The waiting statement first, then the statements that blocked it.
    let mut queries = vec![fingerprint];
    for id in blockers.iter().filter_map(|b| b.statement) {
        if !queries.contains(&id) {
            queries.push(id);
        }
    }
    Finding {
        message,
        queries: queries.into_iter().map(format_id).collect(),
        ..RULE.finding()
    }
}
