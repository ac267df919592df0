//! ## What it finds
//! A table autovacuum visits too rarely or too often for the rows its writes leave dead.
//! Too rarely: the log's `automatic vacuum of table …` entries (`log_autovacuum_min_duration`)
//! removed on average at least 100,000 dead rows a run, and at least a tenth of the rows the
//! table kept (`tuples: 2044 removed, 4089 remain`) — or, with a live database, the table
//! holds that many dead rows now (`pg_stat_user_tables.n_dead_tup` against `n_live_tup`).
//! Too often: at least 6 runs, 12 or more an hour between the table's first and last entry,
//! each removing on average under 1 % of a table of 10,000 rows or more. The finding gives the
//! per-table settings that fit its write rate.
//!
//! ## Why it matters
//! PostgreSQL vacuums a table once its dead rows exceed `autovacuum_vacuum_threshold +
//! autovacuum_vacuum_scale_factor × reltuples` — by default 50 + 20 % of the table. On a
//! large table that is millions of dead rows between runs: the table and its indexes bloat
//! by that much, scans read the dead rows, and each run has more to do and holds back others
//! longer. On the other side, every run scans the table's changed pages and every index
//! once it found dead rows: a large table vacuumed many times an hour for a few rows each
//! pays that scan again and again, and competes with the statements for I/O.
//!
//! ## Example
//! ```sql
//! -- orders: 10 million rows, 2 million updated a day; with the defaults autovacuum waits
//! -- for 2,000,050 dead rows:
//! -- LOG:  automatic vacuum of table "shop.public.orders": index scans: 1
//! --       tuples: 2104332 removed, 10021554 remain, 0 are dead but not yet removable
//! UPDATE orders SET status = 'shipped' WHERE id = 42;
//! ```
//!
//! ## Instead
//! Set the trigger per table, so that a run comes after a few per cent of the table has
//! died — but not more than a dozen times an hour:
//! ```sql
//! ALTER TABLE public.orders SET (autovacuum_vacuum_scale_factor = 0.02,
//!                                autovacuum_vacuum_threshold = 1000);
//! ```
//! For a table vacuumed too often, raise the same two settings; runs started by inserts
//! (`autovacuum_vacuum_insert_threshold`, PostgreSQL 13 and later) remove few or no rows by
//! nature and are left out: a table whose runs removed no rows at all is not reported.
//!
//! ## How the saving is estimated
//! Not in cost units: the finding has no `estimated_saving`. The table's rows are the rows
//! its last logged vacuum left (`remain`), or `n_live_tup`; its dead rows per hour are the
//! rows its logged runs removed over the time between its first and last entry, or
//! `n_tup_upd + n_tup_del` over the time the statistics have been counting. The settings
//! suggested aim at 2 % of the table dead per run (1,000 rows at least), and at most 12
//! runs an hour at the dead-row rate — 4 an hour for a table vacuumed too often:
//! `autovacuum_vacuum_threshold = 1000` and the scale factor that makes `1000 + scale
//! factor × rows` that many, to two significant digits. Neither the log nor the statistics
//! say the table's current settings: the defaults (50, 0.2) are quoted as what PostgreSQL
//! uses unless they were changed (server-wide or with `ALTER TABLE … SET`).
//! The finding names the workload's statements that update or delete the table's rows, with
//! their logged calls (each makes one dead row at least).

use crate::analysis::facts::Access;
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::{QualifiedName, TableStats};
use crate::model::ddl::quote_identifier;
use crate::model::events::TableMaintenance;
use crate::rules::Context;
use crate::rules::{Check, Rule};
use crate::sql::fingerprint::format_id;
use crate::units::thousands;
use std::cmp::Reverse;

pub static RULE: Rule = Rule {
    id: "MAINT002",
    name: "autovacuum-frequency",
    category: Category::Maintenance,
    severity: Severity::Warning,
    source: include_str!("autovacuum_frequency.rs"),
    check: Check::Workload(check),
};

/// PostgreSQL's defaults of the trigger: `threshold + scale_factor × reltuples`.
pub const DEFAULT_THRESHOLD: f64 = 50.0;
pub const DEFAULT_SCALE_FACTOR: f64 = 0.2;
/// Dead rows per run from which a run came too late: this many, and this share of the table.
const MANY_DEAD_ROWS: f64 = 100_000.0;
const MANY_DEAD_SHARE: f64 = 0.1;
/// Too often: this many runs at least, this many an hour, each removing under this share of
/// a table of at least this many rows.
const MIN_RUNS_TOO_OFTEN: u64 = 6;
const RUNS_PER_HOUR_TOO_OFTEN: f64 = 12.0;
const FEW_DEAD_SHARE: f64 = 0.01;
const MIN_ROWS_TOO_OFTEN: f64 = 10_000.0;
/// What the suggested settings aim at.
const TARGET_DEAD_SHARE: f64 = 0.02;
const SUGGESTED_THRESHOLD: f64 = 1000.0;
const MAX_RUNS_PER_HOUR: f64 = 12.0;
const RUNS_PER_HOUR_AFTER_TOO_OFTEN: f64 = 4.0;

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let mut reported: Vec<QualifiedName> = Vec::new();
    for (logged_name, runs) in &context.profile.events.autovacuum {
        let Some(table) = table_name(logged_name) else {
            continue;
        };
        if let Some(finding) = from_log(&table, logged_name, runs) {
            out.push(with_writers(finding, context, &table));
            reported.push(table);
        }
    }
    let Some(catalog) = context.catalog else {
        return;
    };
    let counting_s = catalog
        .server
        .as_ref()
        .and_then(|server| server.counters_age_seconds);
    for table in catalog.tables.values() {
        if reported.contains(&table.name) {
            continue;
        }
        if let Some(stats) = &table.stats
            && let Some(finding) = from_statistics(&table.name, stats, counting_s)
        {
            out.push(with_writers(finding, context, &table.name));
        }
    }
}

/// Statements of the workload that make dead rows in the table, most calls first, named in
/// the finding: they are its write rate as the log shows it (a floor: one row a call).
fn with_writers(mut finding: Finding, context: &Context<'_>, table: &QualifiedName) -> Finding {
    let mut writers: Vec<(u64, u64)> = context
        .facts
        .iter()
        .filter(|(_, facts)| {
            facts.tables.iter().any(|used| {
                used.table == *table && matches!(used.access, Access::Update | Access::Delete)
            })
        })
        .filter_map(|(id, _)| Some((*id, context.profile.queries.get(id)?.calls)))
        .collect();
    if writers.is_empty() {
        return finding;
    }
    writers.sort_by_key(|&(id, calls)| (Reverse(calls), id));
    let calls: u64 = writers.iter().map(|(_, calls)| calls).sum();
    finding.message.push_str(&format!(
        "; the workload updates or deletes its rows in {} call{} of {} statement{}",
        thousands(calls as f64),
        if calls == 1 { "" } else { "s" },
        writers.len(),
        if writers.len() == 1 { "" } else { "s" },
    ));
    finding.queries = writers.into_iter().map(|(id, _)| format_id(id)).collect();
    finding
}

/// `shop.public.orders` (database, schema, table, as the log names them) → `public.orders`.
fn table_name(logged: &str) -> Option<QualifiedName> {
    let mut parts = logged.splitn(3, '.');
    let (_database, schema, name) = (parts.next()?, parts.next()?, parts.next()?);
    Some(QualifiedName {
        schema: schema.to_string(),
        name: name.to_string(),
    })
}

/// What the table's logged runs say.
fn from_log(table: &QualifiedName, logged: &str, runs: &TableMaintenance) -> Option<Finding> {
    let rows = runs.tuples_remaining? as f64;
    if runs.vacuums == 0 || runs.tuples_removed == 0 {
        return None;
    }
    let dead_per_run = runs.tuples_removed as f64 / runs.vacuums as f64;
    let hours = runs_span_hours(runs);
    let runs_per_hour = hours.map(|hours| (runs.vacuums - 1) as f64 / hours);
    // Each run after the first removed what died since the one before it.
    let dead_per_hour = runs_per_hour.map(|per_hour| dead_per_run * per_hour);
    let runs_said = format!(
        "its {} logged autovacuum run{} removed {} dead rows on average, of {} rows it kept",
        thousands(runs.vacuums as f64),
        if runs.vacuums == 1 { "" } else { "s" },
        thousands(dead_per_run),
        thousands(rows),
    );
    let rate_said = match (runs_per_hour, dead_per_hour) {
        (Some(per_hour), Some(dead)) => format!(
            " ({per_hour:.1} runs and {} dead rows an hour between its first and last entry)",
            thousands(dead)
        ),
        _ => String::new(),
    };
    let too_rarely = dead_per_run >= MANY_DEAD_ROWS && dead_per_run >= MANY_DEAD_SHARE * rows;
    let too_often = runs.vacuums >= MIN_RUNS_TOO_OFTEN
        && runs_per_hour.is_some_and(|per_hour| per_hour >= RUNS_PER_HOUR_TOO_OFTEN)
        && rows >= MIN_ROWS_TOO_OFTEN
        && dead_per_run < FEW_DEAD_SHARE * rows;
    let (verdict, target) = if too_rarely {
        ("too rarely", target_too_rarely(rows, dead_per_hour))
    } else if too_often {
        let per_hour = dead_per_hour?;
        ("too often", target_too_often(rows, per_hour))
    } else {
        return None;
    };
    let evidence = Evidence {
        verdict,
        said: format!("`{logged}`: {runs_said}{rate_said}"),
        rows,
        dead_per_hour,
    };
    Some(finding(table, evidence, target))
}

/// Hours between the table's first and last autovacuum entry, when there are two runs.
fn runs_span_hours(runs: &TableMaintenance) -> Option<f64> {
    let span_ms = runs.seen.last_seen? - runs.seen.first_seen?;
    (runs.vacuums >= 2 && span_ms > 0).then(|| span_ms as f64 / 3_600_000.0)
}

/// What the live statistics say: dead rows waiting now.
fn from_statistics(
    table: &QualifiedName,
    stats: &TableStats,
    counting_s: Option<f64>,
) -> Option<Finding> {
    let (dead, live) = (stats.dead_rows as f64, stats.live_rows as f64);
    if dead < MANY_DEAD_ROWS || dead < MANY_DEAD_SHARE * live {
        return None;
    }
    let dead_per_hour = counting_s
        .filter(|seconds| *seconds > 0.0)
        .map(|seconds| (stats.updates + stats.deletes) as f64 * 3600.0 / seconds);
    let rate = dead_per_hour.map_or(String::new(), |per_hour| {
        format!(
            ", {} rows updated or deleted an hour since the statistics were reset",
            thousands(per_hour)
        )
    });
    let evidence = Evidence {
        verdict: "too rarely",
        said: format!(
            "`{table}` holds {} dead rows next to {} live ones (pg_stat_user_tables){rate}",
            thousands(dead),
            thousands(live),
        ),
        rows: live,
        dead_per_hour,
    };
    Some(finding(
        table,
        evidence,
        target_too_rarely(live, dead_per_hour),
    ))
}

/// Dead rows per run for a table vacuumed too rarely: 2 % of it (1,000 at least), unless
/// that would mean more than 12 runs an hour.
fn target_too_rarely(rows: f64, dead_per_hour: Option<f64>) -> f64 {
    let share = (TARGET_DEAD_SHARE * rows).max(SUGGESTED_THRESHOLD);
    let by_rate = dead_per_hour.map_or(0.0, |per_hour| per_hour / MAX_RUNS_PER_HOUR);
    share.max(by_rate)
}

/// Dead rows per run for a table vacuumed too often: 4 runs an hour at its rate.
fn target_too_often(rows: f64, dead_per_hour: f64) -> f64 {
    (dead_per_hour / RUNS_PER_HOUR_AFTER_TOO_OFTEN)
        .max(SUGGESTED_THRESHOLD)
        .min(DEFAULT_THRESHOLD + DEFAULT_SCALE_FACTOR * rows)
}

/// The per-table settings whose trigger is `target` dead rows on a table of `rows`: a
/// threshold of 1,000 and the scale factor for the rest, to two significant digits.
pub fn settings_for(target: f64, rows: f64) -> (f64, u64) {
    if target <= 2.0 * SUGGESTED_THRESHOLD || rows <= 0.0 {
        return (0.0, target.round() as u64);
    }
    let scale = (target - SUGGESTED_THRESHOLD) / rows;
    let digits = 10f64.powi(1 - scale.log10().floor() as i32);
    (
        (scale * digits).round() / digits,
        SUGGESTED_THRESHOLD as u64,
    )
}

/// What one table's finding rests on.
struct Evidence<'a> {
    verdict: &'a str,
    said: String,
    rows: f64,
    dead_per_hour: Option<f64>,
}

fn finding(table: &QualifiedName, evidence: Evidence<'_>, target: f64) -> Finding {
    let Evidence {
        verdict,
        said: evidence,
        rows,
        dead_per_hour,
    } = evidence;
    let (scale_factor, threshold) = settings_for(target, rows);
    let default_trigger = DEFAULT_THRESHOLD + DEFAULT_SCALE_FACTOR * rows;
    let trigger = threshold as f64 + scale_factor * rows;
    let runs = dead_per_hour.map_or(String::new(), |per_hour| {
        format!(", {:.1} runs an hour at that rate", per_hour / trigger)
    });
    let message = format!(
        "{table} is autovacuumed {verdict}: {evidence}. PostgreSQL vacuums a table once its dead rows exceed threshold + scale_factor × reltuples (50 + 0.2 × {} = {} with the defaults, which the table's own settings may change); {} + {scale_factor} × {} = {} dead rows a run instead{runs}",
        thousands(rows),
        thousands(default_trigger),
        thousands(threshold as f64),
        thousands(rows),
        thousands(trigger),
    );
    let name = format!(
        "{}.{}",
        quote_identifier(&table.schema),
        quote_identifier(&table.name)
    );
    Finding {
        message,
        table: Some(table.clone()),
        sql: Some(format!(
            "ALTER TABLE {name} SET (autovacuum_vacuum_scale_factor = {scale_factor}, autovacuum_vacuum_threshold = {threshold});"
        )),
        ..RULE.finding()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_make_the_trigger_the_target() {
        // 2 % of 10 million rows: 1000 + 0.02 × 10,000,000 ≈ 200,000.
        assert_eq!(settings_for(200_000.0, 10_000_000.0), (0.02, 1000));
        assert_eq!(settings_for(1_500.0, 50_000.0), (0.0, 1500));
        let (scale, threshold) = settings_for(123_456.0, 3_000_000.0);
        assert_eq!((scale, threshold), (0.041, 1000));
    }

    #[test]
    fn targets_follow_the_table_and_its_rate() {
        assert_eq!(target_too_rarely(10_000_000.0, None), 200_000.0);
        // 6 million dead rows an hour: no more than 12 runs an hour.
        assert_eq!(target_too_rarely(10_000_000.0, Some(6e6)), 500_000.0);
        assert_eq!(target_too_rarely(10_000.0, None), 1_000.0);
        // 40,000 dead rows an hour on a 1-million-row table: 4 runs an hour.
        assert_eq!(target_too_often(1e6, 40_000.0), 10_000.0);
        // Never later than the defaults would.
        assert_eq!(target_too_often(20_000.0, 1e6), 4_050.0);
    }
}
