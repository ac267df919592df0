//! ## What it finds
//! N+1 queries: within one session, the same SELECT run many times back to back with
//! different values, usually right after a parent query that fetched the list of keys it
//! loops over (an ORM's lazy loading, a loop in the application). Reported per parent and
//! child statement when the loops are a pattern, not chance: a median loop of at least 3
//! calls, and at least 3 such loops — or one loop with a median of 5 calls or more. The
//! child must compare a column for equality with a value (that is what gets batched); loops
//! whose calls all repeated the same values are left to BAT003.
//!
//! ## Why it matters
//! Every call is a round trip: network latency, parsing, planning and executor start-up,
//! paid once per key instead of once per list. The server's log shows only the execution
//! time; the application waits for the round trips too, one after the other.
//!
//! ## Example
//! ```sql
//! SELECT id FROM orders WHERE user_id = 42;                            -- the parent
//! SELECT product_id, qty, price FROM order_items WHERE order_id = 26;  -- then once per order
//! SELECT product_id, qty, price FROM order_items WHERE order_id = 27;
//! -- … 25 times
//! ```
//!
//! ## Instead
//! One statement per loop, with all the keys in an array — and the key in the select list,
//! so the rows can be matched to their parent:
//! ```sql
//! SELECT order_id, product_id, qty, price FROM order_items WHERE order_id = ANY($1);
//! ```
//! or a join with the parent query, which needs no second round trip at all:
//! ```sql
//! SELECT o.id, i.product_id, i.qty, i.price
//! FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.user_id = $1;
//! ```
//! (ORMs call this eager loading: `includes`/`prefetch_related`/`JOIN FETCH`.)
//!
//! ## How the saving is estimated
//! Round trips saved: the loops' calls minus the loops (one statement per loop). Time, from
//! the log: the loops' logged time minus one batched call per loop, each priced at twice
//! the child's slowest single call — a guess: a batch of many keys does more work than one
//! lookup, though far less than one per key. Network latency and the client's waits are not
//! in the log, so the real saving is larger. When some of the pair's loops repeated one
//! value set, calls and time are split in proportion to the number of loops. Not in cost
//! units: the finding has no `estimated_saving`, the figures are in its message.

use super::{Part, equality_columns, equality_to_any, facts_and_stats, logged, plural};
use crate::analysis::facts::StatementKind;
use crate::findings::{Category, Finding, Severity, shorten};
use crate::model::session::is_loop_pattern;
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;

pub static RULE: Rule = Rule {
    id: "BAT001",
    name: "n-plus-one",
    category: Category::Batching,
    severity: Severity::Warning,
    source: include_str!("n_plus_one.rs"),
    check: Check::Workload(check),
};

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    for (&(parent, child), stats) in &context.profile.loops {
        let Some((facts, query)) = facts_and_stats(context, child) else {
            continue;
        };
        let part = Part::of(stats, query, false);
        if facts.kind != StatementKind::Select || !is_loop_pattern(part.loops, stats.median_size())
        {
            continue;
        }
        // The first equality that is written as `column = $n` is the one to batch.
        let Some((column, (sql, written))) = equality_columns(facts)
            .find_map(|c| Some((c, equality_to_any(&query.normalized, &c.column)?)))
        else {
            continue;
        };
        let in_projection = !facts.select_star.is_empty() || facts.projection.contains(column);
        let sql = match sql.strip_prefix("select ") {
            Some(rest) if !in_projection && !rest.starts_with("distinct ") => {
                format!("select {written}, {rest}")
            }
            _ => sql,
        };
        let parent_query = parent.and_then(|p| context.profile.queries.get(&p));
        let (after, join) = match parent_query {
            Some(p) => (
                format!("right after `{}`", shorten(&p.normalized, 80)),
                " (or a join with the parent)",
            ),
            None => ("at the start of a session".to_string(), ""),
        };
        let saved_ms = part
            .batched_ms_saved(query)
            .map(|ms| format!(" and about {ms:.1} ms of logged time"))
            .unwrap_or_default();
        out.push(Finding {
            message: format!(
                "`{}` ran in {} loop{} (median {}, max {} calls) {after}: {} calls{}. \
                 One statement per loop with `{written} = ANY(…)`{join} \
                 saves {} round trips{saved_ms}",
                shorten(&query.normalized, 80),
                part.loops,
                plural(part.loops),
                stats.median_size(),
                stats.max_size(),
                part.calls,
                logged(part.ms),
                part.round_trips_saved(),
            ),
            table: Some(column.table.clone()),
            columns: vec![column.column.clone()],
            sql: Some(format!("{sql};")),
            queries: std::iter::once(child)
                .chain(parent)
                .map(format_id)
                .collect(),
            ..RULE.finding()
        });
    }
}
