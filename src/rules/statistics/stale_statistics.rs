//! ## What it finds
//! With live statistics only: a table whose rows changed a lot since it was last analysed —
//! at least 10,000 rows inserted, updated or deleted since, and more than 20 % of its rows
//! (`n_mod_since_analyze` against `reltuples`) — or one that was never analysed although it
//! holds at least 1,000 rows. A table whose columns have statistics (`pg_stats`) was
//! analysed, whatever `last_analyze` says: resetting the statistics counters
//! (`pg_stat_reset()`, a crash, a restored copy) clears the timestamp, not the statistics.
//! Partitioned parents are left out (their partitions carry the statistics that are
//! checked). Rows a session loaded just before its own ANALYZE are
//! counted after it by PostgreSQL; when every change ever counted is counted since the last
//! ANALYZE and the live rows less those changes are the rows that ANALYZE saw, the table is
//! taken to be fresh.
//!
//! ## Why it matters
//! The planner estimates every row count from the statistics `ANALYZE` gathered: the table's
//! size, each column's common values and histogram. When a fifth of the table changed since,
//! those estimates can be far off — new values outside the histogram, a grown table seen as
//! small — and the planner picks nested loops over hash joins, the wrong index or a sort
//! that spills. Autovacuum analyses only after its threshold (10 % of the rows plus 50 by
//! default) and may lag behind bulk loads and large updates.
//!
//! ## Example
//! ```sql
//! -- public.orders: 2,000,000 rows, 900,000 changed since the last ANALYZE
//! SELECT * FROM orders WHERE created_at >= now() - interval '1 day';
//! ```
//!
//! ## Instead
//! ```sql
//! ANALYZE public.orders;
//! ```
//! `ANALYZE` reads a sample and takes only a light lock; run it after bulk loads, and lower
//! `autovacuum_analyze_scale_factor` on tables that change fast.
//!
//! ## How the saving is estimated
//! Not estimated: what fresh statistics change depends on the plans they lead to. The
//! finding gives the rows changed since the last analyse and the logged statements that
//! read the table.

use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::{Table, TableStats};
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;
use crate::units::thousands;

pub static RULE: Rule = Rule {
    id: "STAT001",
    name: "stale-statistics",
    category: Category::Statistics,
    severity: Severity::Warning,
    source: include_str!("stale_statistics.rs"),
    check: Check::Workload(check),
};

/// Rows changed since the last analyse from which statistics may be stale…
const CHANGED_ROWS: i64 = 10_000;
/// …when they are also more than this share of the table.
const CHANGED_SHARE: f64 = 0.2;
/// A never-analysed table is reported from this many rows (smaller ones are planned well
/// enough from their size on disk).
const NEVER_ANALYZED_ROWS: i64 = 1_000;

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    for table in catalog.tables.values() {
        if table.name.is_system() || table.partitioning.is_some() {
            continue;
        }
        let Some(staleness) = table_staleness(table) else {
            continue;
        };
        let readers = reading_statements(context, table);
        let read_by = match readers.len() {
            0 => "no logged statement reads it".to_string(),
            1 => "1 logged statement reads it".to_string(),
            n => format!("{n} logged statements read it"),
        };
        out.push(Finding {
            message: format!(
                "{} {staleness}: the planner's row estimates for it may be far off; {read_by}. \
                 Run ANALYZE now and after bulk changes (the saving is not estimated).",
                table.name
            ),
            table: Some(table.name.clone()),
            sql: Some(format!(
                "ANALYZE {};",
                crate::analysis::index::definition::qualified(&table.name)
            )),
            queries: readers.into_iter().map(format_id).collect(),
            ..RULE.finding()
        });
    }
}

/// Why the table's statistics are stale, when the live catalog says they are.
pub(super) fn table_staleness(table: &Table) -> Option<String> {
    // Only an ANALYZE gathers column statistics.
    let analysed = table.columns.iter().any(|column| column.stats.is_some());
    staleness(table.stats.as_ref()?, analysed)
}

/// Why statistics are stale, when they are; `analysed` when the table's columns have some.
fn staleness(stats: &TableStats, analysed: bool) -> Option<String> {
    let rows = stats.rows.unwrap_or(stats.live_rows as f64).max(0.0);
    let changed = stats.modified_since_analyze;
    match &stats.last_analyze {
        None if analysed => None,
        None if stats.live_rows.max(rows as i64) >= NEVER_ANALYZED_ROWS => Some(format!(
            "holds about {} rows and was never analysed",
            thousands(stats.live_rows.max(rows as i64) as f64)
        )),
        None => None,
        Some(_) if counted_late(stats, rows) => None,
        Some(last) if changed >= CHANGED_ROWS && changed as f64 > CHANGED_SHARE * rows => {
            Some(format!(
                "has had {} rows changed since its last ANALYZE ({last}), {:.0} % of its {} rows",
                thousands(changed as f64),
                changed as f64 / rows.max(1.0) * 100.0,
                thousands(rows)
            ))
        }
        Some(_) => None,
    }
}

/// Whether the changes counted since the last ANALYZE in fact came before it. A session
/// sends its counters to the shared statistics only from time to time, so the rows it
/// loaded just before its own ANALYZE are counted after it — in the changes since the
/// ANALYZE and again in the live rows. Then every change ever counted is counted since the
/// ANALYZE, and the live rows less those inserts (plus deletes) are the rows it saw.
fn counted_late(stats: &TableStats, rows: f64) -> bool {
    let ever = stats.inserts + stats.updates + stats.deletes;
    let before = (stats.live_rows - stats.inserts + stats.deletes) as f64;
    rows > 0.0 && stats.modified_since_analyze >= ever && (before - rows).abs() <= 0.05 * rows
}

/// The statements that read the table, most logged time first.
fn reading_statements(context: &Context<'_>, table: &Table) -> Vec<u64> {
    context.statements_where(|facts| facts.tables.iter().any(|used| used.table == table.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(rows: f64, changed: i64, analysed: bool) -> TableStats {
        TableStats {
            rows: Some(rows),
            live_rows: rows as i64,
            // Loaded, analysed, then changed: more changes ever than since the ANALYZE.
            inserts: rows as i64 + changed,
            modified_since_analyze: changed,
            last_analyze: analysed.then(|| "2024-06-01 03:00:00".to_string()),
            ..TableStats::default()
        }
    }

    #[test]
    fn stale_when_much_of_a_table_changed() {
        assert!(staleness(&stats(2_000_000.0, 900_000, true), false).is_some());
        // Much of the table, but few rows.
        assert!(staleness(&stats(5_000.0, 4_000, true), false).is_none());
        // Many rows, but a small share.
        assert!(staleness(&stats(100_000_000.0, 50_000, true), false).is_none());
    }

    #[test]
    fn a_load_analysed_in_its_own_session_is_fresh() {
        // 20,000 rows inserted and analysed in one session: the inserts were counted after
        // the ANALYZE, and twice in the live rows.
        let loaded = TableStats {
            inserts: 20_000,
            live_rows: 40_000,
            ..stats(20_000.0, 20_000, true)
        };
        assert!(staleness(&loaded, false).is_none());
        // Analysed while empty, then loaded: stale.
        let grown = TableStats {
            rows: Some(0.0),
            ..loaded.clone()
        };
        assert!(staleness(&grown, false).is_some());
        // Loaded and analysed, then most rows updated: stale.
        let updated = TableStats {
            inserts: 50_000,
            updates: 30_000,
            ..stats(50_000.0, 30_000, true)
        };
        assert!(staleness(&updated, false).is_some());
    }

    #[test]
    fn never_analysed_tables_with_rows_are_stale() {
        assert!(staleness(&stats(50_000.0, 0, false), false).is_some());
        assert!(staleness(&stats(10.0, 10, false), false).is_none());
        let unknown_rows = TableStats {
            rows: None,
            live_rows: 20_000,
            ..TableStats::default()
        };
        assert!(staleness(&unknown_rows, false).is_some());
    }

    #[test]
    fn columns_with_statistics_were_analysed_before_the_counters_were_reset() {
        assert!(staleness(&stats(50_000.0, 0, false), true).is_none());
    }
}
