//! Index candidates, read from the query facts: for each statement and each table it reads,
//! the indexes that could serve it — equality columns first (most selective first), then one
//! range column, or the sort or grouping columns; join columns for nested-loop lookups;
//! `INCLUDE` versions where an index-only scan could replace the table; expression indexes
//! for `lower(col) = …`; partial indexes where a constant selects a small share of rows.
//! Candidates an existing index already serves are dropped.

use super::definition::{IndexDef, IndexMethod, KeyPart, PartialCondition, existing_by_table};
use crate::analysis::column_types::is_wide;
use crate::analysis::facts::{
    Access, ColumnRef, JoinKind, Operand, Operator, Predicate, QueryFacts, StatementKind,
};
use crate::model::catalog::{Catalog, Index, QualifiedName, Table};
use std::collections::{BTreeMap, BTreeSet};

/// Wider covering indexes cost more to keep than an index-only scan saves.
const MAX_COVERED_COLUMNS: usize = 8;
/// Below this many rows an index-only scan saves next to nothing over a plain index.
const MIN_ROWS_FOR_COVERING: f64 = 10_000.0;
/// Below this share of all-visible pages an "index-only" scan mostly visits the heap anyway
/// (the visibility map lags a table written continuously), so `INCLUDE` pays nothing back.
const MIN_ALL_VISIBLE_FOR_COVERING: f64 = 0.5;
/// BRIN pays on large tables whose column follows the physical row order.
const MIN_ROWS_FOR_BRIN: f64 = 100_000.0;
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
/// ones whose constants may define a partial index.
pub fn generate(
    facts: &BTreeMap<u64, QueryFacts>,
    catalog: &Catalog,
    rows: &BTreeMap<QualifiedName, f64>,
    fixed_values: &BTreeSet<u64>,
) -> Vec<Candidate> {
    let mut found: BTreeMap<IndexDef, BTreeSet<u64>> = BTreeMap::new();
    for (id, query) in facts {
        if query.kind == StatementKind::Other {
            continue;
        }
        let tables: BTreeSet<&QualifiedName> = query.tables.iter().map(|t| &t.table).collect();
        for name in tables {
            let Some(table) = catalog.tables.get(name) else {
                continue;
            };
            let known_rows = rows
                .get(name)
                .copied()
                .or_else(|| table.stats.as_ref().and_then(|s| s.rows));
            let visible = table.stats.as_ref().and_then(|s| s.all_visible_share());
            let covering = known_rows.is_some_and(|r| r >= MIN_ROWS_FOR_COVERING)
                && visible.is_none_or(|share| share >= MIN_ALL_VISIBLE_FOR_COVERING);
            let fixed = fixed_values.contains(id);
            for def in for_table(query, table, covering, fixed) {
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

/// The candidates for one statement on one table; `INCLUDE` variants only when the table is
/// known to be large enough for an index-only scan to matter.
fn for_table(
    query: &QueryFacts,
    table: &Table,
    with_covering: bool,
    fixed_values: bool,
) -> Vec<IndexDef> {
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
    defs.extend(brin_indexes(table, &needs));
    defs
}

/// A range on a column whose values follow the table's physical order (append-only time
/// columns: statistics say correlation ≥ 0.9) on a large table: a BRIN index, a few pages
/// per million rows, serves it.
fn brin_indexes(table: &Table, needs: &TableNeeds<'_>) -> Vec<IndexDef> {
    let large = table
        .stats
        .as_ref()
        .and_then(|s| s.rows)
        .is_some_and(|rows| rows >= MIN_ROWS_FOR_BRIN);
    if !large {
        return Vec::new();
    }
    needs
        .range
        .iter()
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

/// The table's columns joined to another table (not a full join), other than `equality`'s.
fn join_columns<'a>(query: &'a QueryFacts, table: &Table, equality: &[&str]) -> Vec<&'a str> {
    let on_table = |c: &ColumnRef| c.table == table.name;
    let mut joins: Vec<&str> = Vec::new();
    for edge in &query.joins {
        if edge.kind == JoinKind::Full {
            continue;
        }
        for (mine, other) in [(&edge.left, &edge.right), (&edge.right, &edge.left)] {
            if on_table(mine) && !on_table(other) && !equality.contains(&mine.column.as_str()) {
                let column = mine.column.as_str();
                if !joins.contains(&column) {
                    joins.push(column);
                }
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
/// stays narrow enough to be worth it: a few columns, none of them wide (a JSON payload
/// copied into the index costs every write more than the heap visit it saves).
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
        defs.push(def);
    }
    defs
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

    #[test]
    fn a_range_share_is_unknown_when_the_common_values_miss_rows_or_are_not_numbers() {
        let few = vec![("1".to_string(), 0.5)];
        assert_eq!(numeric_range_share(&few, &Operator::Lt, "2", None), None);
        let words = vec![("AIR".to_string(), 1.0)];
        assert_eq!(numeric_range_share(&words, &Operator::Lt, "2", None), None);
    }
}
