//! What the logged workload does with each table and column, for the checks no linter can
//! make: a migration that drops a column queries still read, an index they filter through,
//! a foreign key the workload joins on without an index, a lock on a busy table.

use crate::analysis::facts::{Access, QueryFacts};
use crate::findings::shorten;
use crate::model::catalog::QualifiedName;
use crate::model::workload::Profile;
use std::collections::BTreeMap;

/// How a statement uses a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ColumnRole {
    /// Filtered on (`WHERE`), joined on or sorted by: what an index serves.
    Searched,
    /// Read or written otherwise.
    Mentioned,
    /// Read only through `*`: the statement names it nowhere.
    ThroughStar,
}

/// One fingerprint's use of a table or column.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryUse {
    pub fingerprint: u64,
    /// The normalized statement, for messages.
    pub normalized: String,
    pub calls: u64,
    pub role: ColumnRole,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableUsage {
    pub calls: u64,
    pub calls_per_second: f64,
    /// Logged DELETEs from the table.
    pub deletes: u64,
    /// The statements that delete from the table, most calls first.
    pub delete_queries: Vec<QueryUse>,
    /// Per column, the statements that use it, most calls first.
    pub columns: BTreeMap<String, Vec<QueryUse>>,
    /// The statements that use the table, most calls first.
    pub queries: Vec<QueryUse>,
}

impl TableUsage {
    /// Every list most calls first (fingerprint order among equals, for stable output).
    fn sort_by_calls(&mut self) {
        let by_calls = |a: &QueryUse, b: &QueryUse| {
            b.calls
                .cmp(&a.calls)
                .then(a.fingerprint.cmp(&b.fingerprint))
        };
        self.queries.sort_by(by_calls);
        self.delete_queries.sort_by(by_calls);
        for uses in self.columns.values_mut() {
            uses.sort_by(by_calls);
        }
    }
}

/// One statement's tables, each once: its calls, and its deletes.
fn add_table_uses(
    tables: &mut BTreeMap<QualifiedName, TableUsage>,
    facts: &QueryFacts,
    calls: u64,
    query_use: impl Fn(ColumnRole) -> QueryUse,
) {
    let mut seen_tables = Vec::new();
    for table_use in &facts.tables {
        if seen_tables.contains(&&table_use.table) {
            continue;
        }
        seen_tables.push(&table_use.table);
        let usage = tables.entry(table_use.table.clone()).or_default();
        usage.calls += calls;
        usage.queries.push(query_use(ColumnRole::Mentioned));
        if facts
            .tables
            .iter()
            .any(|t| t.table == table_use.table && t.access == Access::Delete)
        {
            usage.deletes += calls;
            usage.delete_queries.push(query_use(ColumnRole::Mentioned));
        }
    }
}

/// One statement's columns, each with the role the statement gives it.
fn add_column_uses(
    tables: &mut BTreeMap<QualifiedName, TableUsage>,
    facts: &QueryFacts,
    query_use: impl Fn(ColumnRole) -> QueryUse,
) {
    let searched: Vec<(&QualifiedName, &str)> = facts
        .predicates
        .iter()
        .map(|p| &p.column)
        .chain(facts.joins.iter().flat_map(|j| [&j.left, &j.right]))
        .chain(facts.order_by.iter().filter_map(|k| k.column.as_ref()))
        .map(|c| (&c.table, c.column.as_str()))
        .collect();
    for (table, columns) in &facts.columns_used {
        let usage = tables.entry(table.clone()).or_default();
        for column in columns {
            let role = if searched.contains(&(table, column.as_str())) {
                ColumnRole::Searched
            } else if facts.select_star.contains(table)
                && !facts.column_mentions.contains_key(column)
            {
                ColumnRole::ThroughStar
            } else {
                ColumnRole::Mentioned
            };
            usage
                .columns
                .entry(column.clone())
                .or_default()
                .push(query_use(role));
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkloadUsage {
    tables: BTreeMap<QualifiedName, TableUsage>,
}

impl WorkloadUsage {
    pub fn build(profile: &Profile, facts: &BTreeMap<u64, QueryFacts>) -> Self {
        let span_seconds = match (
            profile.summary.seen.first_seen,
            profile.summary.seen.last_seen,
        ) {
            (Some(first), Some(last)) if last > first => (last - first) as f64 / 1000.0,
            _ => 0.0,
        };
        let mut tables: BTreeMap<QualifiedName, TableUsage> = BTreeMap::new();
        for (fingerprint, facts) in facts {
            let Some(stats) = profile.queries.get(fingerprint) else {
                continue;
            };
            let query_use = |role| QueryUse {
                fingerprint: *fingerprint,
                normalized: stats.normalized.clone(),
                calls: stats.calls,
                role,
            };
            add_table_uses(&mut tables, facts, stats.calls, query_use);
            add_column_uses(&mut tables, facts, query_use);
        }
        for usage in tables.values_mut() {
            if span_seconds > 0.0 {
                usage.calls_per_second = usage.calls as f64 / span_seconds;
            }
            usage.sort_by_calls();
        }
        WorkloadUsage { tables }
    }

    pub fn table(&self, table: &QualifiedName) -> Option<&TableUsage> {
        self.tables.get(table)
    }

    /// The statements that use a column (any role), most calls first.
    pub fn column(&self, table: &QualifiedName, column: &str) -> &[QueryUse] {
        self.tables
            .get(table)
            .and_then(|t| t.columns.get(column))
            .map_or(&[], Vec::as_slice)
    }

    /// The statements that filter, join or sort on a column: the ones an index on it serves.
    pub fn searched(&self, table: &QualifiedName, column: &str) -> Vec<&QueryUse> {
        self.column(table, column)
            .iter()
            .filter(|u| u.role == ColumnRole::Searched)
            .collect()
    }
}

/// `3 statements (1,204 calls), most: `SELECT …``, for messages.
pub fn describe(uses: &[&QueryUse]) -> String {
    let calls: u64 = uses.iter().map(|u| u.calls).sum();
    let top = uses
        .first()
        .map(|u| format!(", most often `{}`", shorten(&u.normalized, 70)))
        .unwrap_or_default();
    format!(
        "{} logged statement{} ({calls} call{}){top}",
        uses.len(),
        if uses.len() == 1 { "" } else { "s" },
        if calls == 1 { "" } else { "s" },
    )
}
