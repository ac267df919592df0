//! ## What it finds
//! With a live database: an index the server's statistics say was never scanned
//! (`pg_stat_user_indexes.idx_scan = 0`) over at least a week of counting, that enforces no
//! constraint and that no logged statement could use (none filters, joins, sorts or groups
//! by its first key). When the counters are younger than a week (a restart, a reset, a
//! restored copy) or the server is a replica (its counters see only its own reads), it
//! proposes no drop and says only that the counters cannot tell yet.
//!
//! ## Why it matters
//! An unused index costs writes, vacuum work, disk and cache, and serves nothing. Dropping
//! one the workload needs is worse: the statements that used it fall back to scans.
//!
//! ## Example
//! `orders_legacy_status_idx`: 240 MB, 0 scans in 41 days of counters, and no logged
//! statement reads `orders` by `legacy_status`.
//!
//! ## Instead
//! ```sql
//! DROP INDEX CONCURRENTLY public.orders_legacy_status_idx;
//! ```
//! Check first that no monthly job needs the index, and that the replicas do not use it
//! (each keeps its own counters).
//!
//! ## How the saving is estimated
//! Not as cost: the finding gives the space the index takes, and the evidence — how long
//! the counters have counted, and that no logged statement could use it.

use crate::analysis::index::candidates::statements_using;
use crate::analysis::index::definition::qualified;
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::{Catalog, Index, ServerInfo};
use crate::rules::{Check, Context, Rule};

pub static RULE: Rule = Rule {
    id: "IDX005",
    name: "unused-index",
    category: Category::Index,
    severity: Severity::Info,
    source: include_str!("unused_index.rs"),
    check: Check::Workload(check),
};

/// Counters younger than this cannot tell a weekly job's index from an unused one.
const MIN_COUNTER_DAYS: f64 = 7.0;

/// What the server's counters can say about indexes never scanned.
#[derive(Debug, PartialEq)]
enum Counters {
    /// Counting for this many days, on a primary.
    Mature(f64),
    /// Too young, or a replica's, or of unknown age: the reason.
    Inconclusive(String),
}

fn counters(server: Option<&ServerInfo>) -> Counters {
    let Some(server) = server else {
        return Counters::Inconclusive("the server's counters were not read".into());
    };
    if server.in_recovery {
        return Counters::Inconclusive(
            "the server is a replica: its counters see only its own reads".into(),
        );
    }
    match server.counters_age_seconds.map(|s| s / 86_400.0) {
        Some(days) if days >= MIN_COUNTER_DAYS => Counters::Mature(days),
        Some(days) => Counters::Inconclusive(format!(
            "the statistics counters are only {days:.1} days old (reset or server start), \
             under a week"
        )),
        None => Counters::Inconclusive("the age of the statistics counters is unknown".into()),
    }
}

fn never_scanned(catalog: &Catalog) -> impl Iterator<Item = &Index> {
    catalog.indexes.values().filter(|index| {
        index.stats.as_ref().is_some_and(|s| s.scans == 0)
            && !(index.primary || index.unique || index.constraint)
    })
}

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    let unscanned: Vec<&Index> = never_scanned(catalog)
        .filter(|index| {
            let table = catalog.tables.get(&index.table);
            table.is_none_or(|t| statements_using(index, t, context.facts).is_empty())
        })
        .collect();
    if unscanned.is_empty() {
        return;
    }
    match counters(catalog.server.as_ref()) {
        Counters::Mature(days) => {
            for index in unscanned {
                out.push(drop_finding(index, days));
            }
        }
        Counters::Inconclusive(reason) => out.push(Finding {
            message: format!(
                "{} indexes show no scans, but {reason}: too early to call any of them unused",
                unscanned.len()
            ),
            ..RULE.finding()
        }),
    }
}

fn drop_finding(index: &Index, days: f64) -> Finding {
    let bytes = index.stats.as_ref().map_or(0, |s| s.bytes);
    Finding {
        message: format!(
            "index {} ({:.1} MB) had 0 scans in {days:.0} days of statistics counters, and no \
             logged statement filters, joins, sorts or groups by its first key",
            index.name.name,
            bytes as f64 / 1e6
        ),
        table: Some(index.table.clone()),
        columns: index.keys.iter().map(|k| k.expression.clone()).collect(),
        sql: Some(format!(
            "DROP INDEX CONCURRENTLY {};",
            qualified(&index.name)
        )),
        ..RULE.finding()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(age_days: Option<f64>, in_recovery: bool) -> ServerInfo {
        ServerInfo {
            counters_age_seconds: age_days.map(|d| d * 86_400.0),
            in_recovery,
            ..ServerInfo::default()
        }
    }

    #[test]
    fn only_a_primary_s_counters_of_a_week_or_more_can_call_an_index_unused() {
        assert_eq!(
            counters(Some(&server(Some(30.0), false))),
            Counters::Mature(30.0)
        );
        let young = counters(Some(&server(Some(2.0), false)));
        assert!(matches!(&young, Counters::Inconclusive(r) if r.contains("2.0 days")));
        let replica = counters(Some(&server(Some(30.0), true)));
        assert!(matches!(&replica, Counters::Inconclusive(r) if r.contains("replica")));
        assert!(matches!(
            counters(Some(&server(None, false))),
            Counters::Inconclusive(_)
        ));
        assert!(matches!(counters(None), Counters::Inconclusive(_)));
    }
}
