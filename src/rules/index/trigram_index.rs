//! ## What it finds
//! `LIKE '%text%'` / `ILIKE '%text'` (a leading wildcard) on a text column that no trigram
//! index covers, on a table known to hold 10,000 rows or more (statistics or
//! `--table-rows`): no B-tree can serve it, so every call reads the whole table.
//!
//! ## Why it matters
//! Search boxes and "contains" filters grow with the table: each call is a sequential scan
//! that evaluates the pattern on every row. A GIN index of trigrams (`pg_trgm`) finds the
//! candidate rows directly, for `LIKE`, `ILIKE` and regular expressions alike.
//!
//! ## Example
//! ```sql
//! SELECT id, name FROM products WHERE name ILIKE '%' || $1 || '%';
//! ```
//!
//! ## Instead
//! ```sql
//! CREATE EXTENSION IF NOT EXISTS pg_trgm;
//! CREATE INDEX CONCURRENTLY products_name_trgm_idx ON public.products USING gin (name gin_trgm_ops);
//! ```
//! Patterns need three characters or more between the wildcards for the index to narrow
//! the search; the index is larger than a B-tree and slower to update.
//!
//! ## How the saving is estimated
//! HypoPG cannot simulate GIN indexes, so this is the offline estimate, and says so: the
//! sequential scan at PostgreSQL's default costs against a bitmap scan of the rows the
//! pattern matches (PostgreSQL's default 0.5 % for a pattern it cannot see), per call; the
//! time per day scales the statements' logged time by that ratio.

use crate::analysis::facts::{Operator, PatternShape};
use crate::analysis::index::definition::{IndexDef, IndexMethod, KeyPart};
use crate::findings::{Basis, Category, Confidence, Finding, Saving, Severity, Weighting};
use crate::model::catalog::{Catalog, QualifiedName, Table};
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    id: "IDX008",
    name: "trigram-index",
    category: Category::Index,
    severity: Severity::Warning,
    source: include_str!("trigram_index.rs"),
    check: Check::Workload(check),
};

/// Share of rows a pattern the planner cannot see matches (PostgreSQL's DEFAULT_MATCH_SEL).
const MATCH_SHARE: f64 = 0.005;
/// Below this many known rows a sequential scan is as good as any index.
const MIN_ROWS: f64 = 10_000.0;

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    for ((table_name, column), mut queries) in searched_with_leading_wildcard(context) {
        let Some(table) = catalog.tables.get(table_name) else {
            continue;
        };
        // Only where the table is known to be large: on a small one a scan is fine.
        let Some(rows) = context.known_rows(table).filter(|rows| *rows >= MIN_ROWS) else {
            continue;
        };
        if !is_text(table, column) || has_trigram_index(catalog, table, column) {
            continue;
        }
        queries.sort_by_key(|id| std::cmp::Reverse(calls(context, *id)));
        queries.dedup();
        out.push(finding(context, table, column, rows, &queries));
    }
}

/// (table, column) → the fingerprints that search it with `LIKE '%…'` on the bare column.
fn searched_with_leading_wildcard<'a>(
    context: &Context<'a>,
) -> BTreeMap<(&'a QualifiedName, &'a str), Vec<u64>> {
    let mut searched: BTreeMap<(&QualifiedName, &str), Vec<u64>> = BTreeMap::new();
    for (id, facts) in context.facts {
        for predicate in &facts.predicates {
            let leading_wildcard = matches!(
                predicate.operator,
                Operator::Like {
                    pattern: PatternShape::Contains | PatternShape::Suffix,
                    ..
                }
            );
            if leading_wildcard && predicate.wrapped_in.is_none() {
                let key = (&predicate.column.table, predicate.column.column.as_str());
                searched.entry(key).or_default().push(*id);
            }
        }
    }
    searched
}

fn finding(
    context: &Context<'_>,
    table: &Table,
    column: &str,
    rows: f64,
    queries: &[u64],
) -> Finding {
    let calls: u64 = queries.iter().map(|id| calls(context, *id)).sum();
    let before = super::sequential_scan_cost(table, rows);
    let after = bitmap_scan_cost(table, rows);
    let logged_ms: f64 = queries
        .iter()
        .filter_map(|id| context.profile.queries.get(id))
        .map(|q| q.total_us as f64 / 1000.0)
        .sum();
    let def = IndexDef {
        method: IndexMethod::Gin,
        keys: vec![KeyPart {
            opclass: Some("gin_trgm_ops".into()),
            ..KeyPart::column(column)
        }],
        ..IndexDef::btree(&table.name, &[])
    };
    let logged = if logged_ms > 0.0 {
        format!(", {logged_ms:.1} ms logged")
    } else {
        String::new()
    };
    Finding {
        message: format!(
            "{} statement{} ({calls} call{}) search {}.{column} with a leading wildcard: \
             a sequential scan of {rows:.0} rows each time{logged}",
            queries.len(),
            if queries.len() == 1 { "" } else { "s" },
            if calls == 1 { "" } else { "s" },
            table.name,
        ),
        table: Some(table.name.clone()),
        columns: vec![column.to_string()],
        sql: Some(format!(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n{};",
            def.create_sql(true)
        )),
        estimated_saving: Some(Saving {
            cost_units: calls as f64 * (before - after).max(0.0),
            share_of_workload: None,
            ms_per_day: None,
            write_overhead: 0.0,
            basis: Basis::OfflineModel,
            weighted_by: Weighting::EstimatedCost,
            confidence: Confidence::Medium,
        }),
        queries: queries.iter().map(|id| format_id(*id)).collect(),
        ..RULE.finding()
    }
}

fn calls(context: &Context<'_>, id: u64) -> u64 {
    context.profile.queries.get(&id).map_or(0, |q| q.calls)
}

fn is_text(table: &Table, column: &str) -> bool {
    table.column(column).is_some_and(|c| {
        c.data_type == "text" || c.data_type.starts_with("character") || c.data_type == "citext"
    })
}

fn has_trigram_index(catalog: &Catalog, table: &Table, column: &str) -> bool {
    catalog.indexes.values().any(|index| {
        index.table == table.name
            && index.keys.iter().any(|key| {
                key.expression == column
                    && key.opclass.as_deref().is_some_and(|o| o.contains("trgm"))
            })
    })
}

/// A bitmap scan of the rows the pattern matches: the trigram posting lists, then one
/// random page per matching row (at most every page), rechecking each row.
fn bitmap_scan_cost(table: &Table, rows: f64) -> f64 {
    let pages = super::table_pages(table, rows);
    let matched = (rows * MATCH_SHARE).max(1.0);
    let index = 3.0 * 4.0 + matched * 3.0 * 0.005;
    let heap = matched.min(pages) * 4.0 + matched * (0.01 + 0.0025);
    index + heap
}
