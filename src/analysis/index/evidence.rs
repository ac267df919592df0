//! What the log says, beyond the statements' text and calls, that the index advice weighs:
//! how fast each table is written (a table written continuously gets no covering index: its
//! visibility map lags, see `candidates::covering_verdict`), how fast an append-only table
//! grows (a BRIN index for the size it will have within the horizon), and the logged plans
//! that read a table to throw most of it away (PLAN002's evidence: the statement always gets
//! candidates on the filter's columns, and an index that serves it cites the plan).

use crate::analysis::facts::QueryFacts;
use crate::analysis::growth::{Growth, GrowthBasis, WriteRate};
use crate::model::catalog::{Catalog, QualifiedName};
use crate::model::plans::{NodeKind, PlanNode};
use crate::model::workload::{Profile, QueryStats};
use std::collections::BTreeMap;

/// The share of the rows read a filter must remove for a scan to be "mostly thrown away",
/// and how many rows at least.
const REMOVED_SHARE: f64 = 0.9;
const MIN_REMOVED: u64 = 1000;

#[derive(Debug, Clone, Default)]
pub struct LoggedEvidence {
    /// The rows the log writes into each table it writes, a day.
    pub writes: BTreeMap<QualifiedName, WriteRate>,
    /// The growth of each table the log only ever inserts into (statistics' rate when their
    /// window is a day or more, else the log's).
    pub growth: BTreeMap<QualifiedName, Growth>,
    /// The statements whose logged plans read a table to throw most of it away.
    pub filtering_scans: BTreeMap<u64, Vec<FilteringScan>>,
}

/// A sequential scan of a logged plan whose filter removed most of the rows it read.
#[derive(Debug, Clone, PartialEq)]
pub struct FilteringScan {
    pub table: QualifiedName,
    /// The node as printed (`Seq Scan`, `Parallel Seq Scan`).
    pub node: String,
    pub filter: String,
    /// Rows read and removed by the filter in one execution, over all loops.
    pub read: u64,
    pub removed: u64,
    /// The plain columns the statement filters the table on (an index on them would read
    /// only the rows kept); none when planwise could not read the statement.
    pub columns: Vec<String>,
}

impl FilteringScan {
    /// The rows the filter kept.
    pub fn kept(&self) -> u64 {
        self.read - self.removed
    }
}

impl LoggedEvidence {
    /// The evidence of the whole log (`facts` of every statement, not only those advised on:
    /// a write outside the top statements still writes the table).
    pub fn of(
        profile: &Profile,
        facts: &BTreeMap<u64, QueryFacts>,
        catalog: &Catalog,
    ) -> LoggedEvidence {
        let writes = WriteRate::by_table(profile, facts);
        let growth = writes
            .iter()
            .filter(|(_, rate)| rate.is_append_only() && rate.inserts_per_day > 0.0)
            .map(|(name, rate)| {
                let statistics = catalog
                    .tables
                    .get(name)
                    .and_then(|t| t.stats.as_ref())
                    .and_then(Growth::from_statistics);
                let logged = Growth {
                    per_day: rate.inserts_per_day,
                    over_days: rate.over_days,
                    basis: GrowthBasis::Log,
                };
                (name.clone(), statistics.unwrap_or(logged))
            })
            .collect();
        let filtering_scans = profile
            .queries
            .iter()
            .filter_map(|(id, stats)| {
                let (scans, _) = filtering_scans(stats, facts.get(id));
                (!scans.is_empty()).then_some((*id, scans))
            })
            .collect();
        LoggedEvidence {
            writes,
            growth,
            filtering_scans,
        }
    }

    /// The scan of `table` that removed the most among the logged plans of `queries`, with
    /// its statement and how many of them had one.
    pub fn worst_scan(
        &self,
        table: &QualifiedName,
        queries: impl IntoIterator<Item = u64>,
    ) -> Option<(u64, &FilteringScan, usize)> {
        let found: Vec<(u64, &FilteringScan)> = queries
            .into_iter()
            .filter_map(|query| {
                let scans = self.filtering_scans.get(&query)?;
                Some((query, scans.iter().find(|scan| scan.table == *table)?))
            })
            .collect();
        let count = found.len();
        let (query, scan) = found
            .into_iter()
            .max_by(|a, b| a.1.removed.cmp(&b.1.removed).then(b.0.cmp(&a.0)))?;
        Some((query, scan, count))
    }
}

/// (rows read, rows removed) of a sequential scan whose filter threw most of them away.
fn mostly_removed(node: &PlanNode) -> Option<(u64, u64)> {
    let actual = node.actual.filter(|_| node.kind == NodeKind::SeqScan)?;
    node.filter.as_ref()?;
    let removed = node.rows_removed_total();
    let read = removed + actual.rows * actual.loops.max(1);
    (removed >= MIN_REMOVED && removed as f64 >= REMOVED_SHARE * read as f64)
        .then_some((read, removed))
}

/// The sequential scans of a statement's kept plans whose filter threw most of the rows
/// away — the one that removed the most of each table — and how many of the kept plans
/// showed one.
pub fn filtering_scans(
    stats: &QueryStats,
    facts: Option<&QueryFacts>,
) -> (Vec<FilteringScan>, usize) {
    let mut found: Vec<FilteringScan> = Vec::new();
    let mut plans = 0;
    for plan in &stats.events().slowest_plans {
        let before = found.len();
        for node in &plan.nodes {
            let (Some(relation), Some((read, removed))) =
                (node.relation.as_deref(), mostly_removed(node))
            else {
                continue;
            };
            let table = plan_table(facts, relation);
            found.push(FilteringScan {
                columns: filtered_columns(facts, &table, false),
                table,
                node: node.name.clone(),
                filter: node.filter.clone().unwrap_or_default(),
                read,
                removed,
            });
        }
        plans += usize::from(found.len() > before);
    }
    found.sort_by(|a, b| b.removed.cmp(&a.removed).then(a.table.cmp(&b.table)));
    let mut seen: Vec<QualifiedName> = Vec::new();
    found.retain(|scan| {
        let first = !seen.contains(&scan.table);
        seen.push(scan.table.clone());
        first
    });
    (found, plans)
}

/// The table a plan node reads, schema-qualified from the statement's facts when they name
/// it (a plan without VERBOSE prints the bare name), else in `public`.
pub fn plan_table(facts: Option<&QueryFacts>, relation: &str) -> QualifiedName {
    facts
        .and_then(|facts| {
            facts
                .tables
                .iter()
                .find(|used| used.table.name == relation)
                .map(|used| used.table.clone())
        })
        .unwrap_or_else(|| QualifiedName::new("public", relation))
}

/// The columns the statement filters `table` on, from its facts, in the order it names
/// them; with `wrapped`, also those a function or operator wraps (an index on the column
/// would not serve those conditions).
pub fn filtered_columns(
    facts: Option<&QueryFacts>,
    table: &QualifiedName,
    wrapped: bool,
) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    let Some(facts) = facts else {
        return columns;
    };
    for predicate in facts.predicates.iter().filter(|p| &p.column.table == table) {
        let wanted = wrapped || predicate.wrapped_in.is_none();
        if wanted && !columns.contains(&predicate.column.column) {
            columns.push(predicate.column.column.clone());
        }
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::plans::Actual;

    fn scan(kind: NodeKind, rows: u64, loops: u64, removed: u64) -> PlanNode {
        PlanNode {
            kind,
            filter: Some("(user_id = 5)".into()),
            rows_removed_by_filter: removed,
            actual: Some(Actual {
                rows,
                loops,
                total_us: None,
            }),
            ..PlanNode::default()
        }
    }

    #[test]
    fn most_rows_removed_by_the_filter_of_a_sequential_scan() {
        assert_eq!(
            mostly_removed(&scan(NodeKind::SeqScan, 25, 1, 1338)),
            Some((1363, 1338))
        );
        // Per loop, as EXPLAIN prints them: 3 loops of 400 removed.
        assert_eq!(
            mostly_removed(&scan(NodeKind::SeqScan, 1, 3, 400)),
            Some((1203, 1200))
        );
        assert_eq!(
            mostly_removed(&scan(NodeKind::SeqScan, 2044, 1, 2045)),
            None,
            "half"
        );
        assert_eq!(
            mostly_removed(&scan(NodeKind::SeqScan, 1, 1, 999)),
            None,
            "few"
        );
        assert_eq!(mostly_removed(&scan(NodeKind::IndexScan, 1, 1, 5000)), None);
    }
}
