//! ## What it finds
//! Writes sent one row at a time in loops: a one-row `INSERT … VALUES` run back to back in
//! a session, and an `UPDATE` or `DELETE` by one key value run the same way. Reported per
//! statement (all the loops it ran in, whatever came before them) when the loops are a
//! pattern: a median loop of at least 3 calls, and at least 3 such loops — or one loop with
//! a median of 5 calls or more. An INSERT whose logged sample already has several rows, or
//! that inserts from a SELECT, is not reported.
//!
//! ## Why it matters
//! Each row pays a round trip, a parse, a plan, and — outside an explicit transaction — a
//! commit with its WAL flush. Loading many rows one statement at a time is often ten times
//! slower than sending them together.
//!
//! ## Example
//! ```sql
//! INSERT INTO order_items (order_id, product_id, qty, price) VALUES (201, 18, 2, 6.17);
//! INSERT INTO order_items (order_id, product_id, qty, price) VALUES (201, 7, 1, 12.50);
//! -- … once per item
//! UPDATE orders SET status = 'shipped' WHERE id = 7;
//! UPDATE orders SET status = 'shipped' WHERE id = 8;
//! ```
//!
//! ## Instead
//! One multi-row INSERT per loop (the finding's `sql` shows three rows; send one per call,
//! within PostgreSQL's 65,535 parameters a statement), or `COPY … FROM STDIN` for thousands:
//! ```sql
//! INSERT INTO order_items (order_id, product_id, qty, price)
//! VALUES ($1, $2, $3, $4), ($5, $6, $7, $8), ($9, $10, $11, $12);
//! ```
//! Updates and deletes by key take all the keys at once:
//! ```sql
//! UPDATE orders SET status = $1 WHERE id = ANY($2);
//! ```
//! — when every row gets the same new values; otherwise join the new values in:
//! `UPDATE orders o SET status = v.status FROM unnest($1::bigint[], $2::text[]) AS v(id, status) WHERE o.id = v.id`.
//!
//! ## How the saving is estimated
//! As for BAT001: round trips saved are the loops' calls minus the loops; logged time saved
//! is the loops' logged time minus one batched statement per loop, priced at twice the
//! slowest single call. Commits saved (with autocommit) and network latency are not in the
//! log, so the real saving is larger. Not in cost units: the finding has no
//! `estimated_saving`, the figures are in its message.

use super::{
    Part, equality_columns, equality_to_any, facts_and_stats, logged, multi_row_values, plural,
    values_rows,
};
use crate::analysis::facts::{Access, StatementKind};
use crate::findings::{Category, Finding, Severity, shorten};
use crate::model::session::LoopStats;
use crate::model::session::is_loop_pattern;
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    id: "BAT002",
    name: "single-row-inserts",
    category: Category::Batching,
    severity: Severity::Info,
    source: include_str!("single_row_inserts.rs"),
    check: Check::Workload(check),
};

/// Rows shown in the multi-row INSERT.
const ROWS_SHOWN: usize = 3;

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    // A write's loops are its own, whatever statement preceded them.
    let mut by_statement: BTreeMap<u64, (LoopStats, Vec<u64>)> = BTreeMap::new();
    for (&(parent, child), stats) in &context.profile.loops {
        let (all, parents) = by_statement.entry(child).or_default();
        all.merge(stats.clone());
        parents.extend(parent);
    }
    for (fingerprint, (stats, parents)) in by_statement {
        let Some((facts, query)) = facts_and_stats(context, fingerprint) else {
            continue;
        };
        let part = Part::of(&stats, query, false);
        if !is_loop_pattern(part.loops, stats.median_size()) {
            continue;
        }
        let (table, columns, sql, instead) = match facts.kind {
            StatementKind::Insert => {
                let sample = query.sample.as_ref().map(|s| s.statement.as_str());
                if sample.and_then(values_rows) != Some(1) {
                    continue;
                }
                let table = facts
                    .tables
                    .iter()
                    .find(|t| t.access == Access::Insert)
                    .map(|t| t.table.clone());
                (
                    table,
                    Vec::new(),
                    multi_row_values(&query.normalized, ROWS_SHOWN),
                    "One multi-row INSERT (or COPY) per loop".to_string(),
                )
            }
            StatementKind::Update | StatementKind::Delete => {
                let Some((column, (sql, written))) = equality_columns(facts)
                    .find_map(|c| Some((c, equality_to_any(&query.normalized, &c.column)?)))
                else {
                    continue;
                };
                (
                    Some(column.table.clone()),
                    vec![column.column.clone()],
                    Some(sql),
                    format!("One statement per loop with `{written} = ANY(…)`"),
                )
            }
            _ => continue,
        };
        let saved_ms = part
            .batched_ms_saved(query)
            .map(|ms| format!(" and about {ms:.1} ms of logged time"))
            .unwrap_or_default();
        out.push(Finding {
            message: format!(
                "`{}` ran one row at a time in {} loop{} (median {}, max {} calls): {} calls{}. \
                 {instead} saves {} round trips{saved_ms}",
                shorten(&query.normalized, 80),
                part.loops,
                plural(part.loops),
                stats.median_size(),
                stats.max_size(),
                part.calls,
                logged(part.ms),
                part.round_trips_saved(),
            ),
            table,
            columns,
            sql: sql.map(|sql| format!("{sql};")),
            queries: std::iter::once(fingerprint)
                .chain(parents)
                .map(format_id)
                .collect(),
            ..RULE.finding()
        });
    }
}
