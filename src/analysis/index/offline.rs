//! The offline cost model: a simplified version of PostgreSQL's costing, from the schema and
//! whatever statistics are known (live `pg_stats`, or row counts given with `--table-rows`),
//! for index advice without a database. Each table a statement reads costs the cheapest of
//! a sequential scan, an index scan on the restrictions an index's leading keys match
//! (index-only when it covers every column the statement uses), or — for a join column —
//! one index lookup per row of the other side; a sort is charged unless an index yields the
//! order, and a LIMIT then stops the scan early. Planner settings come from the server when
//! known, else PostgreSQL's defaults.
//!
//! It is a model, not the planner: its figures rank indexes, and findings based on it say so
//! (basis `offline_model`, medium confidence).

use super::candidates::{is_unique, predicate_sql, share_by_statistics};
use super::cost::{CostModel, CostRequest};
use super::definition::{IndexDef, PartialCondition};
use crate::analysis::facts::{Operand, Operator, Predicate, QueryFacts, StatementKind};
use crate::findings::Basis;
use crate::model::catalog::{Catalog, QualifiedName, Table};
use std::collections::BTreeMap;

/// Rows assumed for a table nothing says the size of.
pub const DEFAULT_ROWS: f64 = 1000.0;
const PAGE_BYTES: f64 = 8192.0;
const FILL_FACTOR: f64 = 0.9;
/// PostgreSQL's fallbacks when it has no statistics (selfuncs.h).
const DEFAULT_EQ_SEL: f64 = 0.005;
const DEFAULT_INEQ_SEL: f64 = 1.0 / 3.0;
const DEFAULT_RANGE_SEL: f64 = 0.005;
const DEFAULT_MATCH_SEL: f64 = 0.005;

/// The planner's cost settings.
#[derive(Debug, Clone, Copy)]
struct Settings {
    seq_page: f64,
    random_page: f64,
    cpu_tuple: f64,
    cpu_index_tuple: f64,
    cpu_operator: f64,
}

impl Settings {
    fn of(catalog: &Catalog) -> Self {
        let setting = |name: &str, default: f64| {
            catalog
                .server
                .as_ref()
                .and_then(|s| s.settings.get(name))
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Settings {
            seq_page: setting("seq_page_cost", 1.0),
            random_page: setting("random_page_cost", 4.0),
            cpu_tuple: setting("cpu_tuple_cost", 0.01),
            cpu_index_tuple: setting("cpu_index_tuple_cost", 0.005),
            cpu_operator: setting("cpu_operator_cost", 0.0025),
        }
    }
}

pub struct OfflineModel<'a> {
    catalog: &'a Catalog,
    facts: &'a BTreeMap<u64, QueryFacts>,
    /// Row counts given on the command line, over the catalog's statistics.
    rows: &'a BTreeMap<QualifiedName, f64>,
    settings: Settings,
}

impl<'a> OfflineModel<'a> {
    pub fn new(
        catalog: &'a Catalog,
        facts: &'a BTreeMap<u64, QueryFacts>,
        rows: &'a BTreeMap<QualifiedName, f64>,
    ) -> Self {
        OfflineModel {
            catalog,
            facts,
            rows,
            settings: Settings::of(catalog),
        }
    }

    fn rows(&self, table: &Table) -> f64 {
        self.rows
            .get(&table.name)
            .copied()
            .or_else(|| table.stats.as_ref().and_then(|s| s.rows))
            .unwrap_or(DEFAULT_ROWS)
            .max(1.0)
    }

    fn pages(&self, table: &Table) -> f64 {
        let rows = self.rows(table);
        let known = table
            .stats
            .as_ref()
            .filter(|s| s.pages > 0 && !self.rows.contains_key(&table.name))
            .map(|s| s.pages as f64);
        known.unwrap_or_else(|| {
            let width: f64 = 24.0 + table.columns.iter().map(column_width).sum::<f64>();
            (rows * width / (PAGE_BYTES * FILL_FACTOR)).ceil().max(1.0)
        })
    }

    fn index_size(&self, def: &IndexDef) -> f64 {
        let Some(table) = self.catalog.tables.get(&def.table) else {
            return f64::INFINITY;
        };
        let widths: f64 = def
            .keys
            .iter()
            .map(|k| {
                if k.is_column {
                    table.column(&k.expression).map_or(8.0, column_width)
                } else {
                    8.0
                }
            })
            .sum::<f64>()
            + def
                .include
                .iter()
                .map(|c| table.column(c).map_or(8.0, column_width))
                .sum::<f64>();
        let entry = 12.0 + (widths / 8.0).ceil() * 8.0;
        let share = match &def.predicate {
            Some(predicate) => self.predicate_share(table, predicate),
            None => 1.0,
        };
        let fill = def.fillfactor.map_or(FILL_FACTOR, |f| f64::from(f) / 100.0);
        (self.rows(table) * share * entry / fill + 2.0 * PAGE_BYTES).ceil()
    }

    /// The share of rows a partial index's condition keeps, when it is one planwise wrote
    /// from some statement's constant conditions.
    fn predicate_share(&self, table: &Table, condition: &PartialCondition) -> f64 {
        self.facts
            .values()
            .find_map(|facts| self.implied_conditions(table, condition, &facts.predicates))
            .map(|(_, share)| share)
            .unwrap_or(DEFAULT_INEQ_SEL)
    }

    /// When every part of a partial index's condition is one of the statement's constant
    /// conditions (so the planner can prove the index applies): those conditions and the
    /// share of rows they keep.
    fn implied_conditions<'p>(
        &self,
        table: &Table,
        condition: &PartialCondition,
        of: &'p [Predicate],
    ) -> Option<(Vec<&'p Predicate>, f64)> {
        let mut share = 1.0;
        let mut implied = Vec::new();
        for part in condition.parts() {
            let matched = of
                .iter()
                .filter(|p| p.column.table == table.name)
                .find(|p| predicate_sql(p, table).as_deref() == Some(part.as_str()))?;
            share *= share_by_statistics(matched, table)
                .unwrap_or_else(|| self.selectivity(table, matched));
            implied.push(matched);
        }
        Some((implied, share))
    }

    fn query_cost(&self, facts: &QueryFacts, extra: &[&IndexDef]) -> Option<f64> {
        if facts.kind == StatementKind::Other {
            return None;
        }
        let mut total = 0.0;
        let mut first = true;
        for table_use in &facts.tables {
            let Some(table) = self.catalog.tables.get(&table_use.table) else {
                continue;
            };
            if facts.kind == StatementKind::Insert
                && table_use.access != crate::analysis::facts::Access::Read
            {
                // An INSERT's own cost does not depend on indexes beyond upkeep.
                total += self.settings.cpu_tuple;
                continue;
            }
            let indexes = self.indexes_of(table, extra);
            let access = self.cheapest_access(facts, table, &indexes, first);
            total += access;
            first = false;
        }
        Some(total)
    }

    fn indexes_of(&self, table: &Table, extra: &[&IndexDef]) -> Vec<IndexDef> {
        self.catalog
            .indexes
            .values()
            .filter(|i| i.table == table.name)
            .filter_map(IndexDef::of_existing)
            .chain(
                extra
                    .iter()
                    .filter(|d| d.table == table.name)
                    .map(|d| (*d).clone()),
            )
            .collect()
    }

    /// The cheapest way to read `table` for the statement; `driving` marks the statement's
    /// first table, whose order and LIMIT the statement's result follows.
    fn cheapest_access(
        &self,
        facts: &QueryFacts,
        table: &Table,
        indexes: &[IndexDef],
        driving: bool,
    ) -> f64 {
        let s = self.settings;
        let rows = self.rows(table);
        let pages = self.pages(table);
        let restrictions: Vec<(&Predicate, f64)> = facts
            .predicates
            .iter()
            .filter(|p| p.column.table == table.name && !matches!(p.value, Operand::Column(_)))
            .map(|p| (p, self.selectivity(table, p)))
            .collect();
        let filter_cpu = restrictions.len() as f64 * s.cpu_operator;
        let selected: f64 = restrictions.iter().map(|(_, sel)| sel).product::<f64>() * rows;
        let sort_keys = sort_columns(facts, table);
        let limit = facts
            .limit
            .as_ref()
            .and_then(|l| l.value())
            .map(|l| l as f64);
        let sort = |rows_out: f64| {
            if driving && !sort_keys.is_empty() && rows_out > 1.0 {
                2.0 * s.cpu_operator * rows_out * rows_out.log2()
            } else {
                0.0
            }
        };
        let mut best = pages * s.seq_page + rows * (s.cpu_tuple + filter_cpu) + sort(selected);
        for index in indexes {
            if index.method != super::definition::IndexMethod::Btree {
                continue;
            }
            let (implied, partial_share) = match &index.predicate {
                None => (Vec::new(), 1.0),
                Some(predicate) => {
                    match self.implied_conditions(table, predicate, &facts.predicates) {
                        Some(found) => found,
                        None => continue,
                    }
                }
            };
            let covering = facts
                .columns_needed(&table.name, &implied)
                .all(|c| index.covered_columns().any(|covered| covered == c));
            let (matched_sel, matched, ordered) =
                match_keys(index, &restrictions, &sort_keys, facts);
            if matched == 0 && !ordered && !covering && partial_share >= 1.0 {
                continue;
            }
            let index_rows = rows * partial_share;
            let index_pages = (self.index_size(index) / PAGE_BYTES).max(1.0);
            let tuples = (index_rows * matched_sel).max(1.0);
            let mut fraction = 1.0;
            if ordered && let Some(limit) = limit {
                // `selected` already counts a partial index's condition among the
                // statement's own.
                fraction = (limit / selected.max(1.0)).min(1.0);
            }
            let index_cost = s.random_page
                + (index_pages * matched_sel * fraction).ceil() * s.random_page
                + tuples * fraction * (s.cpu_index_tuple + s.cpu_operator);
            let fetched = tuples * fraction;
            let heap_cost =
                self.heap_fetch_cost(table, index, fetched, partial_share * matched_sel, covering);
            let filter = tuples * fraction * filter_cpu;
            let sorting = if ordered { 0.0 } else { sort(selected) };
            best = best.min(index_cost + heap_cost + filter + sorting);
        }
        best.min(self.join_lookup_cost(facts, table, indexes))
    }

    /// Reading the heap for `fetched` rows found through `index`, which selects `share` of the
    /// table: sequential as far as the index follows the table's order (its correlation),
    /// random otherwise. An index-only scan still visits the pages not marked all-visible.
    fn heap_fetch_cost(
        &self,
        table: &Table,
        index: &IndexDef,
        fetched: f64,
        share: f64,
        covering: bool,
    ) -> f64 {
        let s = self.settings;
        let pages = self.pages(table);
        let heap_visited = if covering {
            1.0 - table
                .stats
                .as_ref()
                .and_then(|st| st.all_visible_share())
                .unwrap_or(1.0)
        } else {
            1.0
        };
        let correlation = index
            .keys
            .first()
            .and_then(|k| table.column(&k.expression))
            .and_then(|c| c.stats.as_ref())
            .and_then(|st| st.correlation)
            .unwrap_or(0.0);
        let c2 = correlation * correlation;
        let random_pages = pages * (1.0 - (-fetched / pages).exp());
        heap_visited
            * (c2 * (share * pages * s.seq_page).max(1.0)
                + (1.0 - c2) * random_pages * s.random_page
                + fetched * s.cpu_tuple)
    }

    /// Reading `table` by one index lookup per row of a table it is joined to.
    fn join_lookup_cost(&self, facts: &QueryFacts, table: &Table, indexes: &[IndexDef]) -> f64 {
        let s = self.settings;
        let rows = self.rows(table);
        let pages = self.pages(table);
        let mut best = f64::INFINITY;
        for edge in &facts.joins {
            for (mine, other) in [(&edge.left, &edge.right), (&edge.right, &edge.left)] {
                if mine.table != table.name || other.table == table.name {
                    continue;
                }
                let Some(other_table) = self.catalog.tables.get(&other.table) else {
                    continue;
                };
                let outer_rows = self.rows(other_table)
                    * facts
                        .predicates
                        .iter()
                        .filter(|p| p.column.table == other_table.name)
                        .map(|p| self.selectivity(other_table, p))
                        .product::<f64>();
                for index in indexes.iter().filter(|i| {
                    i.predicate.is_none()
                        && i.keys
                            .first()
                            .is_some_and(|k| k.is_column && k.expression == mine.column)
                }) {
                    let per_key = rows / self.distinct(table, &mine.column).max(1.0);
                    let covering = facts
                        .columns_needed(&table.name, &[])
                        .all(|c| index.covered_columns().any(|k| k == c));
                    let heap = if covering {
                        0.0
                    } else {
                        per_key.min(pages) * s.random_page + per_key * s.cpu_tuple
                    };
                    let lookup =
                        s.random_page + per_key * (s.cpu_index_tuple + s.cpu_operator) + heap;
                    best = best.min(outer_rows.max(1.0) * lookup);
                }
            }
        }
        best
    }

    fn distinct(&self, table: &Table, column: &str) -> f64 {
        let rows = self.rows(table);
        match table.column(column).and_then(|c| c.stats.as_ref()) {
            Some(stats) if stats.n_distinct > 0.0 => stats.n_distinct,
            Some(stats) if stats.n_distinct < 0.0 => -stats.n_distinct * rows,
            // A unique column has as many values as rows; otherwise PostgreSQL's guess.
            _ if is_unique(table, column) => rows,
            _ => (rows / 10.0).clamp(1.0, 200.0),
        }
    }

    /// The share of `table`'s rows a predicate keeps.
    fn selectivity(&self, table: &Table, predicate: &Predicate) -> f64 {
        let column = &predicate.column.column;
        let known = table.column(column).filter(|c| c.stats.is_some());
        let stats = known.and_then(|c| c.stats.as_ref());
        let equality = || match (&predicate.value, known) {
            (Operand::Constant(value), Some(known)) => known
                .common_value_frequency(value)
                .unwrap_or_else(|| 1.0 / self.distinct(table, column)),
            (_, Some(_)) => 1.0 / self.distinct(table, column),
            _ if is_unique(table, column) => 1.0 / self.rows(table),
            _ => DEFAULT_EQ_SEL,
        };
        let sel = if predicate.wrapped_in.is_some() {
            DEFAULT_EQ_SEL
        } else {
            match &predicate.operator {
                Operator::Eq | Operator::Any => equality(),
                Operator::In { values } => (*values).max(1) as f64 * equality(),
                Operator::NotEq => 1.0 - equality(),
                Operator::IsNull => stats.map_or(DEFAULT_EQ_SEL, |s| s.null_frac),
                Operator::IsNotNull => stats.map_or(1.0 - DEFAULT_EQ_SEL, |s| 1.0 - s.null_frac),
                Operator::Lt | Operator::LtEq | Operator::Gt | Operator::GtEq => {
                    histogram_share(predicate, stats).unwrap_or(DEFAULT_INEQ_SEL)
                }
                Operator::Between => DEFAULT_RANGE_SEL.max(equality()),
                Operator::Like { .. } => DEFAULT_MATCH_SEL,
                _ => DEFAULT_INEQ_SEL,
            }
        };
        sel.clamp(1.0 / self.rows(table), 1.0)
    }
}

impl CostModel for OfflineModel<'_> {
    fn basis(&self) -> Basis {
        Basis::OfflineModel
    }

    fn costs(&mut self, requests: &[CostRequest<'_>]) -> Vec<Option<f64>> {
        requests
            .iter()
            .map(|r| self.query_cost(self.facts.get(&r.query)?, &r.indexes))
            .collect()
    }

    fn sizes(&mut self, indexes: &[&IndexDef]) -> Vec<f64> {
        indexes.iter().map(|d| self.index_size(d)).collect()
    }
}

/// How far an index's keys match: the selectivity of the matched restrictions, how many
/// keys matched, and whether it returns rows in the statement's ORDER BY.
fn match_keys(
    index: &IndexDef,
    restrictions: &[(&Predicate, f64)],
    sort_keys: &[(String, bool)],
    facts: &QueryFacts,
) -> (f64, usize, bool) {
    let mut sel = 1.0;
    let mut matched = 0;
    let mut equality_prefix = 0;
    let mut range_stopped = false;
    for key in &index.keys {
        let found = restrictions.iter().find(|(p, _)| {
            if key.is_column {
                p.wrapped_in.is_none() && p.column.column == key.expression
            } else {
                p.wrapped_in.as_ref().is_some_and(|w| {
                    normalize(&key.expression).contains(&normalize(w))
                        && normalize(&key.expression).contains(&normalize(&p.column.column))
                })
            }
        });
        let Some((predicate, predicate_sel)) = found else {
            break;
        };
        let equality = matches!(
            predicate.operator,
            Operator::Eq | Operator::In { .. } | Operator::Any | Operator::IsNull
        );
        let range = predicate.operator.is_range();
        if !equality && !range {
            break;
        }
        sel *= predicate_sel;
        matched += 1;
        if equality {
            equality_prefix += 1;
        } else {
            range_stopped = true;
            break;
        }
    }
    // An index returns rows in the ORDER BY when the sort keys follow its equality prefix,
    // all in its direction or all reversed (a backward scan).
    let rest = &index.keys[equality_prefix.min(index.keys.len())..];
    let follows = |reversed: bool| {
        rest.len() >= sort_keys.len()
            && rest
                .iter()
                .zip(sort_keys)
                .all(|(key, (column, descending))| {
                    key.is_column
                        && &key.expression == column
                        && (key.descending != *descending) == reversed
                })
    };
    let ordered = !sort_keys.is_empty()
        && !range_stopped
        && facts.group_by.is_empty()
        && (follows(false) || follows(true));
    (sel, matched, ordered)
}

fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '"' && *c != '(' && *c != ')')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The ORDER BY, when every key is a plain column of `table`.
fn sort_columns(facts: &QueryFacts, table: &Table) -> Vec<(String, bool)> {
    facts
        .order_by
        .iter()
        .map(|k| match &k.column {
            Some(c) if c.table == table.name => Some((c.column.clone(), k.descending)),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .unwrap_or_default()
}

/// `col < constant` from the histogram: the share of bounds below the constant (numbers
/// and ISO dates compare as text in order).
fn histogram_share(
    predicate: &Predicate,
    stats: Option<&crate::model::catalog::ColumnStats>,
) -> Option<f64> {
    let stats = stats?;
    let Operand::Constant(value) = &predicate.value else {
        return None;
    };
    let bounds = &stats.histogram_bounds;
    if bounds.len() < 2 {
        return None;
    }
    let below = match value.parse::<f64>() {
        Ok(number) => bounds
            .iter()
            .filter(|b| b.parse::<f64>().is_ok_and(|b| b < number))
            .count(),
        Err(_) => bounds
            .iter()
            .filter(|b| b.as_str() < value.as_str())
            .count(),
    };
    let share = below as f64 / (bounds.len() - 1) as f64;
    let share = share.clamp(0.0, 1.0) * (1.0 - stats.null_frac);
    Some(match predicate.operator {
        Operator::Lt | Operator::LtEq => share,
        _ => 1.0 - stats.null_frac - share,
    })
}

/// Bytes a value of the column takes: the statistics' average, else by type.
pub(crate) fn column_width(column: &crate::model::catalog::Column) -> f64 {
    if let Some(stats) = &column.stats
        && stats.avg_width > 0
    {
        return stats.avg_width as f64;
    }
    let data_type = column.data_type.as_str();
    match data_type {
        "boolean" => 1.0,
        "smallint" => 2.0,
        "integer" | "real" | "date" | "oid" => 4.0,
        "bigint"
        | "double precision"
        | "timestamp without time zone"
        | "timestamp with time zone"
        | "time without time zone"
        | "money" => 8.0,
        "uuid" => 16.0,
        "numeric" => 8.0,
        _ if data_type.starts_with("numeric") => 8.0,
        _ if data_type.starts_with("character") => data_type
            .split(['(', ')'])
            .nth(1)
            .and_then(|n| n.parse::<f64>().ok())
            .map_or(32.0, |n| n.min(32.0)),
        _ => 32.0,
    }
}
