//! Index candidates, read from the query facts: for each statement and each table it reads,
//! the indexes that could serve it — equality columns first (most selective first), then one
//! range column, or the sort or grouping columns; join columns for nested-loop lookups;
//! `INCLUDE` versions where an index-only scan could replace the table (not on a table the
//! log writes continuously: see [`covering_verdict`]); expression indexes for
//! `lower(col) = …`; partial indexes where a constant selects a small share of rows; BRIN on
//! large tables, or append-only ones that will be large within the horizon; and, for a
//! statement whose logged plan read a table to throw most of it away, always an index on the
//! columns it filters that table on. Candidates an existing index already serves are dropped.

use super::definition::{IndexDef, IndexMethod, KeyPart, PartialCondition, existing_by_table};
use super::evidence::LoggedEvidence;
use crate::analysis::column_types::is_wide;
use crate::analysis::facts::{
    Access, ColumnRef, JoinKind, Operand, Operator, Predicate, QueryFacts, StatementKind,
};
use crate::analysis::growth::{Growth, HORIZON_DAYS, WriteRate};
use crate::model::catalog::{Catalog, Index, QualifiedName, Table};
use crate::units::thousands;
use std::collections::{BTreeMap, BTreeSet};

/// Wider covering indexes cost more to keep than an index-only scan saves.
const MAX_COVERED_COLUMNS: usize = 8;
/// Below this many rows an index-only scan saves next to nothing over a plain index.
const MIN_ROWS_FOR_COVERING: f64 = 10_000.0;
/// Below this share of all-visible pages an "index-only" scan mostly visits the heap anyway
/// (the visibility map lags a table written continuously), so `INCLUDE` pays nothing back.
const MIN_ALL_VISIBLE_FOR_COVERING: f64 = 0.5;
/// A table the log writes at least this many rows a day (one a minute) and …
const CONTINUOUS_WRITES_PER_DAY: f64 = 1_440.0;
/// … at least this share of its rows a day is written continuously. Only VACUUM sets a
/// page's all-visible bit again, and autovacuum comes after a fifth of the table has changed
/// (PostgreSQL's default scale factors): at a percent a day or more, the pages of the rows
/// written in the last weeks — the new and the hot rows, the ones an application reads — are
/// not all-visible, and an "index-only" scan of them visits the heap as a plain index scan
/// does, while every write pays for the wider index. Below it (a trickle into a large table)
/// the table stays almost all-visible.
const CONTINUOUS_WRITES_SHARE: f64 = 0.01;
/// A table written continuously keeps `INCLUDE` only where the statistics show vacuum
/// keeping up (per-table autovacuum settings): this share of its pages all-visible.
const KEPT_UP_ALL_VISIBLE: f64 = 0.9;
/// BRIN pays on large tables whose column follows the physical row order.
pub const MIN_ROWS_FOR_BRIN: f64 = 100_000.0;
const MIN_BRIN_CORRELATION: f64 = 0.9;
/// A column with at most this many distinct values holds categories (a status, a mode).
const MAX_CATEGORY_VALUES: f64 = 1000.0;
/// A btree on a table nothing writes is built full: PostgreSQL's default of 90 leaves a
/// tenth of each leaf page for inserts that will not come.
const STATIC_TABLE_FILLFACTOR: u8 = 100;
/// Several constant conditions that together keep at most this share of the rows define a
/// partial index worth costing.
const PARTIAL_INDEX_MAX_SHARE_TOGETHER: f64 = 0.5;
/// A constant that selects at most this share of a table's rows makes a partial index pay.
const PARTIAL_INDEX_MAX_SHARE: f64 = 0.2;

#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub def: IndexDef,
    /// The statements (fingerprints) it was proposed for.
    pub queries: BTreeSet<u64>,
}

/// Every distinct candidate for the workload, in a stable order.
/// `rows` are row counts known beyond the catalog's statistics (`--table-rows`);
/// `fixed_values` the fingerprints whose calls all ran with the same constants, the only
/// ones whose constants may define a partial index; `evidence` what the log says of the
/// tables' writes and growth and of the statements' plans.
pub fn generate(
    facts: &BTreeMap<u64, QueryFacts>,
    catalog: &Catalog,
    rows: &BTreeMap<QualifiedName, f64>,
    fixed_values: &BTreeSet<u64>,
    evidence: &LoggedEvidence,
) -> Vec<Candidate> {
    let mut found: BTreeMap<IndexDef, BTreeSet<u64>> = BTreeMap::new();
    let mut scopes: BTreeMap<&QualifiedName, TableScope<'_>> = BTreeMap::new();
    for (id, query) in facts {
        if query.kind == StatementKind::Other {
            continue;
        }
        let tables: BTreeSet<&QualifiedName> = query.tables.iter().map(|t| &t.table).collect();
        for name in tables {
            let Some(table) = catalog.tables.get(name) else {
                continue;
            };
            let scope = scopes.entry(name).or_insert_with(|| {
                let known_rows = rows
                    .get(name)
                    .copied()
                    .or_else(|| table.stats.as_ref().and_then(|s| s.rows));
                TableScope::of(table, known_rows, evidence, facts)
            });
            let fixed = fixed_values.contains(id);
            let mut defs = for_table(query, table, scope, fixed);
            defs.extend(logged_plan_indexes(*id, table, evidence));
            for def in defs {
                found.entry(def).or_default().insert(*id);
            }
        }
    }
    let existing = existing_by_table(catalog);
    found
        .into_iter()
        .filter(|(def, _)| {
            !existing
                .get(&def.table)
                .is_some_and(|on_table| on_table.iter().any(|e| serves(e, def)))
        })
        .map(|(mut def, queries)| {
            let table = catalog.tables.get(&def.table);
            if def.method == IndexMethod::Btree && table.is_some_and(|t| is_static(t, facts)) {
                def.fillfactor = Some(STATIC_TABLE_FILLFACTOR);
            }
            Candidate { def, queries }
        })
        .collect()
}

/// What a table allows whatever the statement: covering candidates, BRIN.
struct TableScope<'f> {
    covering: bool,
    brin: BrinScope<'f>,
}

/// Which range columns of a table a BRIN index may be costed on.
enum BrinScope<'f> {
    /// Too small today and within the horizon.
    None,
    /// Large today: any column whose values follow the physical order.
    Any,
    /// Large only within the horizon: the columns every logged read of the append-only table
    /// filters by a range.
    Growing(Vec<&'f str>),
}

impl<'f> TableScope<'f> {
    fn of(
        table: &Table,
        known_rows: Option<f64>,
        evidence: &LoggedEvidence,
        facts: &'f BTreeMap<u64, QueryFacts>,
    ) -> Self {
        let covering = covering_verdict(table, known_rows, evidence.writes.get(&table.name))
            == CoveringVerdict::Worth;
        let brin = match (known_rows, evidence.growth.get(&table.name)) {
            (Some(rows), _) if rows >= MIN_ROWS_FOR_BRIN => BrinScope::Any,
            (Some(rows), Some(growth)) if brin_size_within_horizon(rows, growth) => {
                BrinScope::Growing(ranged_by_every_reader(table, facts))
            }
            _ => BrinScope::None,
        };
        TableScope { covering, brin }
    }
}

/// Whether a table of `rows` rows, growing at `growth`, reaches the size where BRIN pays
/// within `HORIZON_DAYS`.
pub fn brin_size_within_horizon(rows: f64, growth: &Growth) -> bool {
    rows + growth.rows_within_horizon() >= MIN_ROWS_FOR_BRIN
}

/// `60,000 rows today, about 837,600 within 90 days at 8,640 inserts a day (logged, over
/// the log's 2.0 hours, …)`: the size a growth-aware BRIN advice rests on.
pub fn describe_growth(rows: f64, growth: &Growth) -> String {
    format!(
        "{} rows today, about {} within {HORIZON_DAYS:.0} days at {} inserts a day ({}, over {})",
        thousands(rows),
        thousands(rows + growth.rows_within_horizon()),
        thousands(growth.per_day),
        growth.basis_word(),
        growth.window()
    )
}

/// The columns of `table` every statement reading it filters by a range (none when nothing
/// reads it).
fn ranged_by_every_reader<'f>(table: &Table, facts: &'f BTreeMap<u64, QueryFacts>) -> Vec<&'f str> {
    let reads = |query: &&QueryFacts| {
        query
            .tables
            .iter()
            .any(|t| t.table == table.name && t.access == Access::Read)
    };
    let ranged = |query: &'f QueryFacts| -> BTreeSet<&'f str> {
        query
            .predicates
            .iter()
            .filter(|p| p.column.table == table.name && p.wrapped_in.is_none())
            .filter(|p| p.operator.is_range())
            .map(|p| p.column.column.as_str())
            .collect()
    };
    let mut readers = facts.values().filter(reads);
    let Some(first) = readers.next() else {
        return Vec::new();
    };
    let every = readers.fold(ranged(first), |common, query| {
        common.intersection(&ranged(query)).copied().collect()
    });
    every.into_iter().collect()
}

/// Whether `INCLUDE` variants of a table's candidates are worth costing.
#[derive(Debug, Clone, PartialEq)]
pub enum CoveringVerdict {
    /// Large enough, mostly all-visible, not written continuously.
    Worth,
    /// Too small, or of unknown size, for an index-only scan to save much.
    TooSmall,
    /// Large enough, but an index-only scan would visit the heap anyway.
    Withheld(NotCovering),
}

/// Why an index-only scan of a table would visit the heap anyway.
#[derive(Debug, Clone, PartialEq)]
pub enum NotCovering {
    /// The log writes it continuously (rows a day), and the statistics do not show vacuum
    /// keeping its pages all-visible (the share, when they say).
    Written {
        per_day: f64,
        all_visible: Option<f64>,
    },
    /// The statistics show under half its pages all-visible.
    Lagging { all_visible: f64 },
}

impl NotCovering {
    /// `not covering: the log writes 12,000 rows a day into public.events (logged), 38 % of
    /// its pages all-visible (statistics)…`.
    pub fn describe(&self, table: &QualifiedName) -> String {
        let visible = |share: f64| {
            format!(
                "{:.0} % of its pages all-visible (statistics)",
                share * 100.0
            )
        };
        match self {
            NotCovering::Written {
                per_day,
                all_visible,
            } => format!(
                "not covering: the log writes {} rows a day into {table} (logged), {}: an \
                 index-only scan would visit the heap for the rows written since the last vacuum",
                thousands(*per_day),
                all_visible.map_or("its all-visible share unknown".into(), visible)
            ),
            NotCovering::Lagging { all_visible } => format!(
                "not covering: {table} has {}: an index-only scan would visit the heap for most \
                 rows",
                visible(*all_visible)
            ),
        }
    }
}

/// Whether `INCLUDE` pays on `table` (of `known_rows` rows, written at `writes` by the
/// log): an index-only scan saves the heap visits only on pages the visibility map marks
/// all-visible. Not on a small table (little to save), nor where the statistics show under
/// half the pages all-visible, nor on a table the log writes continuously (see
/// `CONTINUOUS_WRITES_SHARE`) unless the statistics show vacuum keeping up all the same.
pub fn covering_verdict(
    table: &Table,
    known_rows: Option<f64>,
    writes: Option<&WriteRate>,
) -> CoveringVerdict {
    let Some(rows) = known_rows.filter(|r| *r >= MIN_ROWS_FOR_COVERING) else {
        return CoveringVerdict::TooSmall;
    };
    let all_visible = table.stats.as_ref().and_then(|s| s.all_visible_share());
    let continuous = writes.map(WriteRate::per_day).filter(|per_day| {
        *per_day >= CONTINUOUS_WRITES_PER_DAY && *per_day >= CONTINUOUS_WRITES_SHARE * rows
    });
    let kept_up = all_visible.is_some_and(|share| share >= KEPT_UP_ALL_VISIBLE);
    match (continuous, all_visible) {
        (Some(per_day), _) if !kept_up => CoveringVerdict::Withheld(NotCovering::Written {
            per_day,
            all_visible,
        }),
        (_, Some(share)) if share < MIN_ALL_VISIBLE_FOR_COVERING => {
            CoveringVerdict::Withheld(NotCovering::Lagging { all_visible: share })
        }
        _ => CoveringVerdict::Worth,
    }
}

/// For a statement whose logged plan read `table` to throw most of it away, the index on the
/// columns it filters the table on, always (PLAN002's evidence; the statement's needs give
/// the others).
fn logged_plan_indexes(query: u64, table: &Table, evidence: &LoggedEvidence) -> Option<IndexDef> {
    let scan = evidence
        .filtering_scans
        .get(&query)?
        .iter()
        .find(|scan| scan.table == table.name && !scan.columns.is_empty())?;
    let columns: Vec<&str> = scan.columns.iter().map(String::as_str).collect();
    Some(IndexDef::btree(&table.name, &columns))
}

/// Whether nothing writes `table`: no statement of the workload does, and its statistics
/// count no update or delete ever and no insert since its last vacuum.
fn is_static(table: &Table, facts: &BTreeMap<u64, QueryFacts>) -> bool {
    let unwritten = table.stats.as_ref().is_some_and(|s| {
        s.updates == 0
            && s.deletes == 0
            && s.inserts_since_vacuum == 0
            && s.seconds_since_vacuum.is_some()
    });
    unwritten
        && !facts.values().any(|query| {
            query
                .tables
                .iter()
                .any(|t| t.table == table.name && t.access != Access::Read)
        })
}

/// Whether `existing` already does what `wanted` would: same method and predicate, the
/// wanted keys (with their direction) a left prefix of its keys, its columns covering the
/// wanted `INCLUDE`s.
pub fn serves(existing: &IndexDef, wanted: &IndexDef) -> bool {
    let pairs = || existing.keys.iter().zip(&wanted.keys);
    // A backward scan reads every key reversed, so a prefix all reversed serves too.
    let same_order = pairs().all(|(e, w)| e.descending == w.descending);
    let reversed = pairs().all(|(e, w)| e.descending != w.descending);
    existing.table == wanted.table
        && existing.method == wanted.method
        && existing.predicate == wanted.predicate
        && existing.keys.len() >= wanted.keys.len()
        && pairs().all(|(e, w)| e.expression == w.expression && e.opclass == w.opclass)
        && (same_order || reversed)
        && wanted
            .include
            .iter()
            .all(|c| existing.covered_columns().any(|e| e == c))
}

/// Whether the existing index `other` makes `index` redundant: it serves every lookup
/// `index` would, and enforces any uniqueness `index` does (a unique index is only redundant
/// beside a unique index on the same keys). The one test of the workload's redundant indexes
/// (IDX004) and a migration's duplicate ones (MIG027).
pub fn does_the_work_of(other: (&Index, &IndexDef), index: (&Index, &IndexDef)) -> bool {
    serves(other.1, index.1)
        && (!index.0.unique || other.0.unique && other.0.keys.len() == index.0.keys.len())
}

/// The statements that could use `index` of `table`: its first key is a column they filter,
/// join, sort or group by there — or, for an expression key, they filter the table through
/// a function or cast. The offline view of which logged statements depend on an index, so
/// that one they use is never called unused.
pub fn statements_using(
    index: &Index,
    table: &Table,
    facts: &BTreeMap<u64, QueryFacts>,
) -> Vec<u64> {
    let Some(first) = index.keys.first() else {
        return Vec::new();
    };
    let on_table = |query: &&QueryFacts| query.tables.iter().any(|t| t.table == table.name);
    let uses = |query: &QueryFacts| {
        if !first.is_column {
            return query
                .predicates
                .iter()
                .any(|p| p.column.table == table.name && p.wrapped_in.is_some());
        }
        let needs = needs(query, table);
        let column = first.expression.as_str();
        needs.equality.contains(&column)
            || needs.range.contains(&column)
            || needs.joins.contains(&column)
            || needs.sort.first().is_some_and(|(c, _)| *c == column)
            || needs.group.contains(&column)
    };
    facts
        .iter()
        .filter(|(_, query)| on_table(query) && uses(query))
        .map(|(id, _)| *id)
        .collect()
}

/// What one statement asks of one table.
struct TableNeeds<'a> {
    equality: Vec<&'a str>,
    range: Vec<&'a str>,
    joins: Vec<&'a str>,
    sort: Vec<(&'a str, bool)>,
    group: Vec<&'a str>,
    used: Vec<&'a str>,
}

/// The candidates for one statement on one table; `INCLUDE` variants and BRIN as the table's
/// scope allows.
fn for_table(
    query: &QueryFacts,
    table: &Table,
    scope: &TableScope<'_>,
    fixed_values: bool,
) -> Vec<IndexDef> {
    let with_covering = scope.covering;
    let needs = needs(query, table);
    let mut key_lists: Vec<Vec<KeyPart>> = Vec::new();
    let columns = |names: &[&str]| names.iter().map(|c| KeyPart::column(c)).collect::<Vec<_>>();
    for column in needs
        .equality
        .iter()
        .chain(&needs.range)
        .chain(&needs.joins)
    {
        key_lists.push(columns(&[column]));
    }
    if needs.equality.len() > 1 {
        key_lists.push(columns(&needs.equality));
    }
    for range in &needs.range {
        let mut keys = needs.equality.clone();
        keys.push(range);
        key_lists.push(columns(&keys));
    }
    // A unique join column finds one row per lookup: nothing to add after it.
    for join in needs.joins.iter().filter(|j| !is_unique(table, j)) {
        let mut keys = vec![*join];
        keys.extend(needs.equality.iter().copied());
        key_lists.push(columns(&keys));
        if let Some(range) = needs.range.first() {
            keys.push(range);
            key_lists.push(columns(&keys));
        }
    }
    if !needs.sort.is_empty() && needs.range.is_empty() {
        let mut keys = columns(&needs.equality);
        for (column, descending) in &needs.sort {
            if !needs.equality.contains(column) {
                keys.push(KeyPart {
                    descending: *descending,
                    ..KeyPart::column(column)
                });
            }
        }
        key_lists.push(keys);
    }
    if !needs.group.is_empty() {
        let mut keys = needs.equality.clone();
        keys.extend(needs.group.iter().filter(|g| !needs.equality.contains(g)));
        key_lists.push(columns(&keys));
    }
    key_lists.retain(|keys| !keys.is_empty());
    let mut defs = Vec::new();
    for keys in key_lists {
        let plain = IndexDef {
            keys,
            ..IndexDef::btree(&table.name, &[])
        };
        if let Some(covering) = covering(&plain, table, &needs.used).filter(|_| with_covering) {
            defs.push(covering);
        }
        defs.push(plain);
    }
    defs.extend(expression_indexes(query, table));
    defs.extend(partial_indexes(
        query,
        table,
        &needs,
        fixed_values,
        with_covering,
    ));
    defs.extend(brin_indexes(table, &needs, &scope.brin));
    defs
}

/// A range on a column whose values follow the table's physical order (append-only time
/// columns: statistics say correlation ≥ 0.9) on a table large today or within the horizon
/// (`scope`): a BRIN index, a few pages per million rows, serves it.
fn brin_indexes(table: &Table, needs: &TableNeeds<'_>, scope: &BrinScope<'_>) -> Vec<IndexDef> {
    let allowed = |column: &str| match scope {
        BrinScope::None => false,
        BrinScope::Any => true,
        BrinScope::Growing(columns) => columns.contains(&column),
    };
    needs
        .range
        .iter()
        .filter(|column| allowed(column))
        .filter(|column| {
            table
                .column(column)
                .and_then(|c| c.stats.as_ref())
                .and_then(|s| s.correlation)
                .is_some_and(|c| c.abs() >= MIN_BRIN_CORRELATION)
        })
        .map(|column| IndexDef {
            method: IndexMethod::Brin,
            ..IndexDef::btree(&table.name, &[column])
        })
        .collect()
}

/// The table's columns the statement compares with a value: by equality (`=`, `IN`, `ANY`,
/// `IS NULL`) and by range, each once, a column in both counted as equality.
fn restricted_columns<'a>(query: &'a QueryFacts, table: &Table) -> (Vec<&'a str>, Vec<&'a str>) {
    let indexable = |p: &&Predicate| p.column.table == table.name && p.wrapped_in.is_none();
    let mut equality: Vec<&str> = Vec::new();
    let mut range: Vec<&str> = Vec::new();
    for predicate in query.predicates.iter().filter(indexable) {
        let column = predicate.column.column.as_str();
        if matches!(&predicate.value, Operand::Column(other) if other.table == table.name) {
            continue;
        }
        let list = match predicate.operator {
            Operator::Eq | Operator::In { .. } | Operator::Any | Operator::IsNull => &mut equality,
            ref op if op.is_range() => &mut range,
            _ => continue,
        };
        if !list.contains(&column) {
            list.push(column);
        }
    }
    range.retain(|c| !equality.contains(c));
    (equality, range)
}

/// The table's columns joined bare to another table (not a full join), other than
/// `equality`'s.
fn join_columns<'a>(query: &'a QueryFacts, table: &Table, equality: &[&str]) -> Vec<&'a str> {
    let mut joins: Vec<&str> = Vec::new();
    for edge in &query.joins {
        if edge.kind == JoinKind::Full {
            continue;
        }
        for (mine, _) in edge.indexable_sides(&table.name) {
            let column = mine.column.as_str();
            if !equality.contains(&column) && !joins.contains(&column) {
                joins.push(column);
            }
        }
    }
    joins
}

fn needs<'a>(query: &'a QueryFacts, table: &Table) -> TableNeeds<'a> {
    let on_table = |c: &ColumnRef| c.table == table.name;
    let (mut equality, mut range) = restricted_columns(query, table);
    // Equality on a unique column finds one row: more key columns cannot narrow it, and
    // there is nothing to sort or group.
    let single_row = equality.iter().copied().find(|c| is_unique(table, c));
    if let Some(unique) = single_row {
        equality = vec![unique];
        range.clear();
    }
    equality.sort_by(|a, b| {
        distinct_values(table, b)
            .total_cmp(&distinct_values(table, a))
            .then(a.cmp(b))
    });
    let joins = join_columns(query, table, &equality);
    let sort: Vec<(&str, bool)> = if single_row.is_some() {
        Vec::new()
    } else {
        query
            .order_by
            .iter()
            .map(|key| match &key.column {
                Some(column) if on_table(column) => Some((column.column.as_str(), key.descending)),
                _ => None,
            })
            .collect::<Option<_>>()
            .unwrap_or_default()
    };
    let mut group: Vec<&str> = query
        .group_by
        .iter()
        .filter(|c| on_table(c))
        .map(|c| c.column.as_str())
        .collect();
    // Grouping by a unique column: the other columns of the table depend on it.
    if let Some(unique) = group.iter().copied().find(|c| is_unique(table, c)) {
        group = vec![unique];
    }
    let used = query
        .columns_used
        .get(&table.name)
        .map(|set| set.iter().map(String::as_str).collect())
        .unwrap_or_default();
    TableNeeds {
        equality,
        range,
        joins,
        sort,
        group,
        used,
    }
}

/// The index with the statement's other columns of the table as `INCLUDE`, when that
/// stays narrow enough to be worth it: a few columns, none of them wide — never, whatever
/// the table's visibility: a JSON payload copied into the index costs every write more than
/// the heap visit it saves, and a value too large for a B-tree entry (2,704 bytes, a third
/// of a page, after compression) makes the write that brings it fail.
fn covering(plain: &IndexDef, table: &Table, used: &[&str]) -> Option<IndexDef> {
    let keys = plain.key_columns();
    let include: Vec<String> = used
        .iter()
        .filter(|c| !keys.contains(c))
        .map(|c| c.to_string())
        .collect();
    if include.is_empty() || used.len() > MAX_COVERED_COLUMNS || keys.len() != plain.keys.len() {
        return None;
    }
    let wide = |name: &String| {
        table.column(name).is_some_and(|column| {
            let average = column.stats.as_ref().map(|s| s.avg_width);
            is_wide(&column.data_type, average)
        })
    };
    if include.iter().any(wide) {
        return None;
    }
    Some(IndexDef {
        include,
        ..plain.clone()
    })
}

/// `lower(email) = …`, `created_at::date = …`: an index on the expression.
fn expression_indexes(query: &QueryFacts, table: &Table) -> Vec<IndexDef> {
    let mut defs = Vec::new();
    for predicate in &query.predicates {
        if predicate.column.table != table.name
            || !matches!(predicate.operator, Operator::Eq | Operator::In { .. })
        {
            continue;
        }
        let Some(expression) = predicate.wrapped_expression() else {
            continue;
        };
        defs.push(IndexDef {
            keys: vec![KeyPart::expression(expression)],
            ..IndexDef::btree(&table.name, &[])
        });
    }
    defs
}

/// Partial indexes, defined by the statement's constant conditions on category-like columns
/// (few distinct values, by statistics: `status = 'pending'`, `mode IN ('AIR', 'MAIL')`,
/// `discount BETWEEN 0.05 AND 0.07`): each rare one alone (at most
/// `PARTIAL_INDEX_MAX_SHARE` of the rows), and all of them together when together
/// they keep at most half the rows. A constant only counts when every call used it
/// (`fixed_values`); `IS [NOT] NULL` is always written as such. Keyed on what else the
/// statement filters, joins or sorts by.
fn partial_indexes(
    query: &QueryFacts,
    table: &Table,
    needs: &TableNeeds<'_>,
    fixed_values: bool,
    with_covering: bool,
) -> Vec<IndexDef> {
    let restricted: Vec<&Predicate> = query
        .predicates
        .iter()
        .filter(|p| p.column.table == table.name && p.restriction.is_some())
        .filter(|p| {
            matches!(p.operator, Operator::IsNull | Operator::IsNotNull)
                || fixed_values && is_category(table, &p.column.column)
        })
        .collect();
    let mut conditions: Vec<Vec<&Predicate>> = restricted
        .iter()
        .filter(|p| share_by_statistics(p, table).is_some_and(|s| s <= PARTIAL_INDEX_MAX_SHARE))
        .map(|p| vec![*p])
        .collect();
    let together: Option<f64> = restricted
        .iter()
        .map(|p| share_by_statistics(p, table))
        .product();
    if together.is_some_and(|share| share <= PARTIAL_INDEX_MAX_SHARE_TOGETHER)
        && !conditions.contains(&restricted)
    {
        conditions.push(restricted.clone());
    }
    let mut defs = Vec::new();
    for condition in conditions {
        let columns: Vec<&str> = condition.iter().map(|p| p.column.column.as_str()).collect();
        let free = |c: &&str| !columns.contains(c);
        let mut keys: Vec<&str> = needs.equality.iter().copied().filter(free).collect();
        keys.extend(needs.range.iter().copied().filter(free).take(1));
        if keys.is_empty() {
            keys.extend(needs.joins.iter().copied().filter(free).take(1));
        }
        let mut parts: Vec<KeyPart> = keys.iter().map(|c| KeyPart::column(c)).collect();
        if parts.is_empty() {
            parts.extend(needs.sort.iter().map(|(c, descending)| KeyPart {
                descending: *descending,
                ..KeyPart::column(c)
            }));
        }
        if parts.is_empty()
            && let Some(key) = table.primary_key.as_ref().and_then(|k| k.columns.first())
        {
            parts.push(KeyPart::column(key));
        }
        if parts.is_empty() {
            continue;
        }
        let sql: Vec<String> = condition
            .iter()
            .filter_map(|p| predicate_sql(p, table))
            .collect();
        let def = IndexDef {
            keys: parts,
            predicate: Some(PartialCondition::new(sql)),
            ..IndexDef::btree(&table.name, &[])
        };
        let used: Vec<&str> = query.columns_needed(&table.name, &condition).collect();
        if with_covering && let Some(covering) = covering(&def, table, &used) {
            defs.push(covering);
        }
        if let Some(sorted) = sorted_keys(query, needs, &columns).filter(|k| *k != def.keys) {
            defs.push(IndexDef {
                keys: sorted,
                ..def.clone()
            });
        }
        defs.push(def);
    }
    defs
}

/// For `ORDER BY … LIMIT`: the equality columns the condition leaves, then the sort — the
/// partial index then hands out the first rows in order (a job queue's poll reads one).
fn sorted_keys(query: &QueryFacts, needs: &TableNeeds<'_>, fixed: &[&str]) -> Option<Vec<KeyPart>> {
    if query.limit.is_none() || needs.sort.is_empty() {
        return None;
    }
    let free = |c: &&str| !fixed.contains(c);
    let equality = needs.equality.iter().copied().filter(free);
    let mut keys: Vec<KeyPart> = equality.map(KeyPart::column).collect();
    for (column, descending) in needs.sort.iter().filter(|(c, _)| free(c)) {
        keys.push(KeyPart {
            descending: *descending,
            ..KeyPart::column(column)
        });
    }
    Some(keys)
}

/// A condition as a partial index's predicate. PostgreSQL folds a predicate when it builds
/// the index but HypoPG keeps it as written, so an integer constant against a numeric
/// column (`qty < 24`) would stay a cast the planner cannot match with the query's folded
/// condition: it is written as the numeric literal it means (`qty < 24.0`).
pub(crate) fn predicate_sql(predicate: &Predicate, table: &Table) -> Option<String> {
    let sql = predicate.restriction.as_deref()?;
    let numeric = table
        .column(&predicate.column.column)
        .is_some_and(|c| c.data_type.starts_with("numeric"));
    if !numeric {
        return Some(sql.to_string());
    }
    let words: Vec<String> = sql
        .split(' ')
        .map(|word| {
            let start = word.len() - word.trim_start_matches(['(', '-']).len();
            let end = word.trim_end_matches([',', ')']).len();
            let digits = word.get(start..end).unwrap_or("");
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                format!("{}{digits}.0{}", &word[..start], &word[end..])
            } else {
                word.to_string()
            }
        })
        .collect();
    Some(words.join(" "))
}

/// A column whose values are categories rather than identifiers: statistics say it has at
/// most `MAX_CATEGORY_VALUES` distinct values, and few per row.
fn is_category(table: &Table, column: &str) -> bool {
    let distinct = distinct_values(table, column);
    let rows = table.stats.as_ref().and_then(|s| s.rows).unwrap_or(0.0);
    distinct > 0.0 && distinct <= MAX_CATEGORY_VALUES && distinct <= rows * 0.05
}

/// The share of rows a constant condition keeps, when statistics know the constant.
pub(crate) fn share_by_statistics(predicate: &Predicate, table: &Table) -> Option<f64> {
    let column = table.column(&predicate.column.column)?;
    let stats = column.stats.as_ref()?;
    match (&predicate.operator, &predicate.value) {
        (Operator::IsNull, _) => Some(stats.null_frac),
        (Operator::IsNotNull, _) => Some(1.0 - stats.null_frac),
        (Operator::Eq, Operand::Constant(value)) => column.common_value_frequency(value),
        (Operator::In { values }, _) => {
            let distinct = distinct_values(table, &predicate.column.column);
            (distinct > 0.0).then(|| (*values as f64 / distinct).min(1.0))
        }
        (operator, Operand::Constant(value)) if operator.is_range() => {
            let upper = match &predicate.upper {
                Some(Operand::Constant(upper)) => Some(upper.as_str()),
                _ => None,
            };
            numeric_range_share(&stats.most_common, operator, value, upper)
        }
        _ => None,
    }
}

/// The share of rows a numeric range keeps, summed over the most common values, when they
/// account for nearly every row (a category column's list usually holds all its values).
fn numeric_range_share(
    most_common: &[(String, f64)],
    operator: &Operator,
    value: &str,
    upper: Option<&str>,
) -> Option<f64> {
    const MIN_SHARE_LISTED: f64 = 0.95;
    let value: f64 = value.parse().ok()?;
    let keeps = |v: f64| match operator {
        Operator::Lt => v < value,
        Operator::LtEq => v <= value,
        Operator::Gt => v > value,
        Operator::GtEq => v >= value,
        Operator::Between => upper
            .and_then(|u| u.parse::<f64>().ok())
            .is_some_and(|high| value <= v && v <= high),
        _ => false,
    };
    let mut listed = 0.0;
    let mut kept = 0.0;
    for (common, frequency) in most_common {
        listed += frequency;
        if keeps(common.parse().ok()?) {
            kept += frequency;
        }
    }
    (listed >= MIN_SHARE_LISTED).then_some(kept)
}

/// Whether the column alone is a primary key or unique constraint.
pub(crate) fn is_unique(table: &Table, column: &str) -> bool {
    table
        .primary_key
        .iter()
        .chain(&table.unique_constraints)
        .any(|key| key.columns.len() == 1 && key.columns[0] == column)
}

/// Estimated distinct values of a column (PostgreSQL's negative `n_distinct` is a share of
/// the rows); 0 when unknown, so unknown columns sort last.
fn distinct_values(table: &Table, column: &str) -> f64 {
    let Some(stats) = table.column(column).and_then(|c| c.stats.as_ref()) else {
        return 0.0;
    };
    if stats.n_distinct >= 0.0 {
        stats.n_distinct
    } else {
        let rows = table.stats.as_ref().and_then(|s| s.rows).unwrap_or(0.0);
        -stats.n_distinct * rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn discounts() -> Vec<(String, f64)> {
        (0..=10)
            .map(|i| (format!("0.{i:02}"), 1.0 / 11.0))
            .collect()
    }

    #[test]
    fn a_numeric_range_keeps_the_share_of_the_common_values_inside_it() {
        let between = numeric_range_share(&discounts(), &Operator::Between, "0.05", Some("0.07"));
        assert!((between.unwrap() - 3.0 / 11.0).abs() < 1e-9);
        let below = numeric_range_share(&discounts(), &Operator::Lt, "0.02", None);
        assert!((below.unwrap() - 2.0 / 11.0).abs() < 1e-9);
    }

    #[test]
    fn integer_constants_on_a_numeric_column_are_written_as_numeric_literals() {
        let name = QualifiedName::new("public", "lineitem");
        let column = |name: &str, data_type: &str| crate::model::catalog::Column {
            name: name.into(),
            data_type: data_type.into(),
            ..Default::default()
        };
        let table = Table {
            name: name.clone(),
            columns: vec![column("qty", "numeric(15,2)"), column("line", "integer")],
            ..Default::default()
        };
        let condition = |column: &str, sql: &str| Predicate {
            column: ColumnRef {
                table: name.clone(),
                column: column.into(),
            },
            operator: Operator::Lt,
            value: Operand::Constant("24".into()),
            upper: None,
            wrapped_in: None,
            restriction: Some(sql.into()),
        };
        let written = |column, sql| predicate_sql(&condition(column, sql), &table).unwrap();
        assert_eq!(written("qty", "qty < 24"), "qty < 24.0");
        assert_eq!(
            written("qty", "qty IN (1, -2, 3.5)"),
            "qty IN (1.0, -2.0, 3.5)"
        );
        assert_eq!(written("line", "line < 24"), "line < 24");
    }

    fn events(pages: i64, all_visible: Option<i64>) -> Table {
        Table {
            name: QualifiedName::new("public", "events"),
            stats: Some(crate::model::catalog::TableStats {
                rows: Some(1_000_000.0),
                pages,
                all_visible_pages: all_visible,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn writes(inserts_per_day: f64, updates_per_day: f64) -> WriteRate {
        WriteRate {
            inserts_per_day,
            updates_per_day,
            deletes_per_day: 0.0,
            over_days: 0.1,
        }
    }

    #[test]
    fn a_table_the_log_writes_continuously_gets_no_include_unless_vacuum_keeps_up() {
        let rows = Some(1_000_000.0);
        let lagging = events(10_000, Some(3_800));
        // 12,000 rows a day into a million: 1.2 % a day, 8 a minute.
        let busy = writes(11_000.0, 1_000.0);
        let verdict = covering_verdict(&lagging, rows, Some(&busy));
        let CoveringVerdict::Withheld(why) = verdict else {
            panic!("{verdict:?}");
        };
        assert_eq!(
            why.describe(&lagging.name),
            "not covering: the log writes 12,000 rows a day into public.events (logged), 38 % \
             of its pages all-visible (statistics): an index-only scan would visit the heap for \
             the rows written since the last vacuum"
        );
        // The same writes, and statistics that say vacuum keeps the pages all-visible.
        let kept_up = events(10_000, Some(9_500));
        assert_eq!(
            covering_verdict(&kept_up, rows, Some(&busy)),
            CoveringVerdict::Worth
        );
        // Mostly all-visible but not enough to show vacuum keeping up with the writes.
        let seventy = events(10_000, Some(7_000));
        assert!(matches!(
            covering_verdict(&seventy, rows, Some(&busy)),
            CoveringVerdict::Withheld(_)
        ));
        assert_eq!(
            covering_verdict(&seventy, rows, None),
            CoveringVerdict::Worth
        );
        // Without statistics of its pages: the writes alone withhold it, and say so.
        let unknown = events(0, None);
        let CoveringVerdict::Withheld(why) = covering_verdict(&unknown, rows, Some(&busy)) else {
            panic!("continuous writes withhold INCLUDE");
        };
        assert!(
            why.describe(&unknown.name)
                .contains("its all-visible share unknown")
        );
    }

    #[test]
    fn a_trickle_of_writes_is_not_continuous() {
        let rows = Some(1_000_000.0);
        let seventy = events(10_000, Some(7_000));
        // Under one a minute.
        let trickle = writes(1_000.0, 0.0);
        assert_eq!(
            covering_verdict(&seventy, rows, Some(&trickle)),
            CoveringVerdict::Worth
        );
        // Many a minute, but under a percent of the rows a day.
        let large = Some(100_000_000.0);
        let steady = writes(50_000.0, 0.0);
        assert_eq!(
            covering_verdict(&seventy, large, Some(&steady)),
            CoveringVerdict::Worth
        );
        // Statistics showing under half the pages all-visible withhold it without writes.
        let lagging = events(10_000, Some(3_000));
        assert_eq!(
            covering_verdict(&lagging, rows, None),
            CoveringVerdict::Withheld(NotCovering::Lagging { all_visible: 0.3 })
        );
        // Small tables: nothing to say.
        assert_eq!(
            covering_verdict(&lagging, Some(9_000.0), Some(&writes(1e6, 0.0))),
            CoveringVerdict::TooSmall
        );
    }

    #[test]
    fn a_brin_column_of_a_growing_table_is_one_every_reader_filters_by_a_range() {
        let mut loader = crate::model::ddl::loader::SchemaLoader::default();
        loader.load_script(
            "CREATE TABLE events (id bigint, created_at timestamptz, kind text);",
            "schema.sql",
        );
        let catalog = loader.finish().catalog;
        let table = &catalog.tables[&QualifiedName::new("public", "events")];
        let facts_of = |statements: &[&str]| -> BTreeMap<u64, QueryFacts> {
            (1..)
                .zip(statements)
                .map(|(id, sql)| {
                    let statement = crate::sql::parse::parse_sql(sql).unwrap().remove(0);
                    let facts = crate::analysis::facts::extract_facts(
                        &statement,
                        Some(&catalog),
                        &[],
                        &BTreeMap::new(),
                    );
                    (id, facts)
                })
                .collect()
        };
        let by_time = facts_of(&[
            "SELECT count(*) FROM events WHERE created_at >= '2026-01-01'",
            "SELECT kind FROM events WHERE created_at BETWEEN '2026-01-01' AND '2026-01-02' \
             AND id > 5",
            "INSERT INTO events VALUES (1, now(), 'click')",
        ]);
        assert_eq!(ranged_by_every_reader(table, &by_time), ["created_at"]);
        let also_by_kind = facts_of(&[
            "SELECT count(*) FROM events WHERE created_at >= '2026-01-01'",
            "SELECT id FROM events WHERE kind = 'click'",
        ]);
        assert!(ranged_by_every_reader(table, &also_by_kind).is_empty());
        let unread = facts_of(&["INSERT INTO events VALUES (1, now(), 'click')"]);
        assert!(ranged_by_every_reader(table, &unread).is_empty());
    }

    #[test]
    fn brin_looks_at_the_size_within_the_horizon() {
        let growth = |per_day| Growth {
            per_day,
            over_days: 0.1,
            basis: crate::analysis::growth::GrowthBasis::Log,
        };
        // 60,000 rows and 8,640 a day: 837,600 within 90 days.
        assert!(brin_size_within_horizon(60_000.0, &growth(8_640.0)));
        assert_eq!(
            describe_growth(60_000.0, &growth(8_640.0)),
            "60,000 rows today, about 837,600 within 90 days at 8,640 inserts a day (logged, \
             over the log's 2.4 hours, one row per logged insert: a floor)"
        );
        // 2,000 rows and 100 a day: 11,000.
        assert!(!brin_size_within_horizon(2_000.0, &growth(100.0)));
    }

    #[test]
    fn a_range_share_is_unknown_when_the_common_values_miss_rows_or_are_not_numbers() {
        let few = vec![("1".to_string(), 0.5)];
        assert_eq!(numeric_range_share(&few, &Operator::Lt, "2", None), None);
        let words = vec![("AIR".to_string(), 1.0)];
        assert_eq!(numeric_range_share(&words, &Operator::Lt, "2", None), None);
    }
}
