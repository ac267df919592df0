//! ## What it finds
//! Connection churn: most sessions the log saw end lasted under a second
//! (`log_disconnections`: `disconnection: session time: 0:00:00.011 …`) — the application
//! opens a connection for each request or transaction instead of keeping a few open.
//! Reported when at least 10 sessions ended, at least half of them under a second, in a log
//! that spans 10 seconds or more (in a shorter one every session is short).
//!
//! ## Why it matters
//! Every PostgreSQL connection is a new server process: the postmaster forks it, it
//! authenticates the client (and negotiates TLS), and it fills its catalog caches again on
//! its first statements. That costs milliseconds of server CPU each time, often more than
//! the statements the session then runs; many connections at once also cost memory and
//! contention in the server's shared structures.
//!
//! ## Example
//! ```sql
//! -- connection authorized: user=app database=shop …
//! SELECT id, name, price FROM products WHERE id = 132;
//! -- disconnection: session time: 0:00:00.011 …   (then the next request connects again)
//! ```
//!
//! ## Instead
//! Keep connections open: the application's connection pool, or a pooler in front of the
//! server — PgBouncer in `pool_mode = transaction` serves many short client sessions with a
//! few server connections (session-level features such as `SET`, advisory locks and
//! `LISTEN` then need care; prepared statements need PgBouncer 1.21+).
//!
//! ## How the saving is estimated
//! Not in cost units: the finding has no `estimated_saving`. It counts the sessions that
//! ended by length, and the connections per second over the time the log spans.

use crate::findings::{Category, Finding, Severity};
use crate::model::events::{Connections, SESSION_LENGTH_BOUNDS_MS};
use crate::rules::Context;
use crate::rules::{Check, Rule};
use crate::units::{format_ms, thousands};

pub static RULE: Rule = Rule {
    id: "MAINT001",
    name: "connection-churn",
    category: Category::Maintenance,
    severity: Severity::Warning,
    source: include_str!("connection_churn.rs"),
    check: Check::Workload(check),
};

/// Fewer ended sessions than this say nothing about how the application connects.
const MIN_SESSIONS: u64 = 10;
/// The share of ended sessions under a second from which it is churn.
const SHORT_SHARE: f64 = 0.5;
/// A log shorter than this cannot tell a short session from a long one.
const MIN_SPAN_US: u64 = 10_000_000;

/// Sessions that ended under a second (the first two length buckets: under 100 ms, 1 s).
fn under_a_second(connections: &Connections) -> u64 {
    debug_assert_eq!(SESSION_LENGTH_BOUNDS_MS[1], 1_000);
    connections.session_lengths[0] + connections.session_lengths[1]
}

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let connections = &context.profile.events.connections;
    let ended: u64 = connections.session_lengths.iter().sum();
    let short = under_a_second(connections);
    let Some(span_us) = context.profile.summary.span_us() else {
        return;
    };
    if ended < MIN_SESSIONS || span_us < MIN_SPAN_US || (short as f64) < SHORT_SHARE * ended as f64
    {
        return;
    }
    let per_second = connections.authorized as f64 * 1e6 / span_us as f64;
    let message = format!(
        "{} of the {} sessions that ended lasted under a second ({} ms on average); {} connections, {per_second:.2} a second over the log",
        thousands(short as f64),
        thousands(ended as f64),
        format_ms(Some(connections.session_ms as f64 / ended as f64)),
        thousands(connections.authorized as f64),
    );
    out.push(Finding {
        message: format!(
            "{message}: keep connections open (the application's pool, or PgBouncer in transaction mode)"
        ),
        ..RULE.finding()
    });
}
