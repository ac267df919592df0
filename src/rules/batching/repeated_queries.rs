//! ## What it finds
//! The same SELECT run again and again back to back in a session with the very same values:
//! loops whose calls all had identical constants and parameters. Reported per parent and
//! child statement when the loops are a pattern: a median loop of at least 3 calls, and at
//! least 3 such loops — or one loop with a median of 5 calls or more. Writes repeated this
//! way are left out (repeating a write is not something a cache fixes).
//!
//! ## Why it matters
//! Every repeat asks the database a question it has just answered: a round trip and an
//! execution for nothing. It usually means a lookup inside a loop whose argument does not
//! change (the current user, a setting, a tenant's configuration).
//!
//! ## Example
//! ```sql
//! SELECT id, name, price, stock FROM products WHERE id = 42;
//! SELECT id, name, price, stock FROM products WHERE id = 42;
//! SELECT id, name, price, stock FROM products WHERE id = 42;
//! -- … once per line of a cart that has the same product on every line
//! ```
//!
//! ## Instead
//! Run it once and keep the result: hoist the query out of the loop, or memoize it for the
//! request (a per-request cache, the ORM's identity map). If the answer may change between
//! the calls, the loop is polling: `LISTEN`/`NOTIFY` or a backoff waits without asking.
//!
//! ## How the saving is estimated
//! Every call after a loop's first is avoidable: calls saved are the repeating loops' calls
//! minus their number, and logged time saved is their logged time in the same proportion
//! (calls in a loop assumed to take alike). Round trips' network time is not in the log.
//! The profile counts the loops that repeated one value set, not their calls: when a
//! statement's loops are a mix, calls and time are split in proportion to the number of
//! loops. Not in cost units: the finding has no `estimated_saving`, the figures are in its
//! message.

use super::{Part, facts_and_stats, logged, plural};
use crate::analysis::facts::{QueryFacts, StatementKind};
use crate::findings::{Category, Finding, Severity, shorten};
use crate::model::session::is_loop_pattern;
use crate::model::session::{LoopKey, LoopStats};
use crate::model::workload::QueryStats;
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;

pub static RULE: Rule = Rule {
    id: "BAT003",
    name: "repeated-identical-queries",
    category: Category::Batching,
    severity: Severity::Info,
    source: include_str!("repeated_queries.rs"),
    check: Check::Workload(check),
};

/// The loops this rule reports: per (parent, child), SELECT loops that repeated one value
/// set often enough to be a pattern.
fn repeating<'a>(
    context: &Context<'a>,
) -> impl Iterator<Item = (LoopKey, &'a LoopStats, &'a QueryFacts, &'a QueryStats, Part)> {
    context
        .profile
        .loops
        .iter()
        .filter_map(move |(&key, stats)| {
            let (facts, query) = facts_and_stats(context, key.1)?;
            let part = Part::of(stats, query, true);
            (facts.kind == StatementKind::Select
                && is_loop_pattern(part.loops, stats.median_size()))
            .then_some((key, stats, facts, query, part))
        })
}

/// The calls of `fingerprint` this rule reports as avoidable repeats inside loops: what
/// hoisting saves, so that CACHE001 does not count them again.
pub(crate) fn repeats_in_loops(context: &Context<'_>, fingerprint: u64) -> u64 {
    repeating(context)
        .filter(|((_, child), ..)| *child == fingerprint)
        .map(|(.., part)| part.round_trips_saved())
        .sum()
}

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    for ((parent, child), stats, facts, query, part) in repeating(context) {
        let repeats = part.round_trips_saved();
        let saved_ms = part
            .ms
            .filter(|_| part.calls > 0)
            .map(|ms| {
                format!(
                    " and about {:.1} ms of logged time",
                    ms * repeats as f64 / part.calls as f64
                )
            })
            .unwrap_or_default();
        out.push(Finding {
            message: format!(
                "`{}` ran with the same values over and over in {} loop{} (median {}, max {} \
                 calls): {} calls{}. Running it once per loop (hoisted or cached) saves {repeats} \
                 calls{saved_ms}",
                shorten(&query.normalized, 80),
                part.loops,
                plural(part.loops),
                stats.median_size(),
                stats.max_size(),
                part.calls,
                logged(part.ms),
            ),
            table: facts.tables.first().map(|t| t.table.clone()),
            queries: std::iter::once(child)
                .chain(parent)
                .map(format_id)
                .collect(),
            ..RULE.finding()
        });
    }
}
