//! ## What it finds
//! A constraint the column's statistics (`pg_stats`, from a live database or a saved catalog)
//! say the data already breaks: `SET NOT NULL` or `ADD PRIMARY KEY` on a column with NULLs,
//! `ADD UNIQUE`, `ADD PRIMARY KEY` or `CREATE UNIQUE INDEX` on a single column with repeated
//! values.
//!
//! ## Why it matters
//! The statement fails — after scanning the table or building most of the index, under its
//! lock — and with it the deploy. A `CREATE UNIQUE INDEX CONCURRENTLY` that fails leaves an
//! invalid index behind that is still written on every INSERT until someone drops it.
//!
//! ## Example
//! ```sql
//! -- pg_stats: customers.email has null_frac 0.02, n_distinct -0.93
//! ALTER TABLE customers ALTER COLUMN email SET NOT NULL;
//! CREATE UNIQUE INDEX CONCURRENTLY customers_email_key ON customers (email);
//! ```
//!
//! ## Instead
//! Fix the data first, in the same migration or an earlier one, then add the constraint:
//! ```sql
//! UPDATE customers SET email = … WHERE email IS NULL;
//! -- find the duplicates: SELECT email, count(*) FROM customers GROUP BY email HAVING count(*) > 1;
//! ```
//!
//! ## How severity is decided
//! Always an error: the statement cannot succeed on the data the statistics describe. Quiet
//! without column statistics, for tables created in the same file, and for tables an UPDATE,
//! DELETE or TRUNCATE earlier in the file changed (the statistics predate the fix). The
//! statistics are a sample: a handful of NULLs or duplicates can escape them, so silence is no
//! proof.

use crate::analysis::migration::StatementContext;
use crate::analysis::migration::impact::{Size, count};
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::{ColumnStats, Table};
use crate::model::ddl::{created_index, identifier};
use crate::rules::{Check, Rule};
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, Expr, IndexColumn, Statement, TableConstraint,
};

pub static RULE: Rule = Rule {
    id: "MIG029",
    name: "constraint-will-fail",
    category: Category::Migration,
    severity: Severity::Error,
    source: include_str!("constraint_will_fail.rs"),
    check: Check::Migration(check),
};

/// How far below "all distinct" an estimate must be before it counts as duplicates: the
/// estimates are computed from a sample.
const DISTINCT_MARGIN: f64 = 0.01;

/// A constraint the statement adds, on one column.
enum Demand {
    NotNull,
    Unique,
}

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let (table, demands) = match context.ast {
        Some(Statement::AlterTable(alter)) => match context.table_name(&alter.name) {
            Some(table) => {
                let demands = alter.operations.iter().flat_map(alter_demands).collect();
                (table, demands)
            }
            None => return,
        },
        Some(Statement::CreateIndex(create)) if create.unique && create.predicate.is_none() => {
            let Some(table) = context.table_name(&create.table_name) else {
                return;
            };
            let index = created_index(create, &table);
            match index.keys.as_slice() {
                [key] if key.is_column => {
                    let column = key.expression.clone();
                    (table, vec![(column, "CREATE UNIQUE INDEX", Demand::Unique)])
                }
                _ => return,
            }
        }
        _ => return,
    };
    if context.is_new(&table) || context.session.rows_changed.contains(&table) {
        return;
    }
    let Some(entry) = context.catalog.tables.get(&table) else {
        return;
    };
    let rows = match context.size(&table) {
        Size::Rows { rows, .. } => Some(rows),
        Size::New | Size::Unknown => None,
    };
    for (column, statement, demand) in demands {
        let Some(stats) = entry.column(&column).and_then(|c| c.stats.as_ref()) else {
            continue;
        };
        let evidence = match demand {
            Demand::NotNull => nulls(stats, rows),
            Demand::Unique => duplicates(stats, rows),
        };
        let Some(evidence) = evidence else {
            continue;
        };
        let broken = match demand {
            Demand::NotNull => "NULLs",
            Demand::Unique => "repeated values",
        };
        out.push(Finding {
            message: format!(
                "{statement} on {table}.{column} will fail: the statistics{} show {broken} — \
                 {evidence}; fix the data first, in this file or an earlier one",
                analyzed(entry)
            ),
            table: Some(table.clone()),
            columns: vec![column],
            ..RULE.finding_at(context)
        });
    }
}

/// The single-column demands of one `ALTER TABLE` operation: the column, the clause, what
/// it requires. A primary key requires both, of each of its columns for NOT NULL.
fn alter_demands(operation: &AlterTableOperation) -> Vec<(String, &'static str, Demand)> {
    match operation {
        AlterTableOperation::AlterColumn {
            column_name,
            op: AlterColumnOperation::SetNotNull,
        } => vec![(identifier(column_name), "SET NOT NULL", Demand::NotNull)],
        AlterTableOperation::AddConstraint { constraint, .. } => match constraint {
            TableConstraint::PrimaryKey(key) => {
                let columns: Vec<String> = key.columns.iter().filter_map(key_column).collect();
                let mut demands: Vec<_> = columns
                    .iter()
                    .map(|c| (c.clone(), "ADD PRIMARY KEY", Demand::NotNull))
                    .collect();
                if let [column] = key.columns.as_slice()
                    && let Some(column) = key_column(column)
                {
                    demands.push((column, "ADD PRIMARY KEY", Demand::Unique));
                }
                demands
            }
            TableConstraint::Unique(key) => match key.columns.as_slice() {
                [column] => key_column(column)
                    .map(|c| (c, "ADD UNIQUE", Demand::Unique))
                    .into_iter()
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// A key that is a plain column, by its name in the catalog.
fn key_column(column: &IndexColumn) -> Option<String> {
    match &column.column.expr {
        Expr::Identifier(ident) => Some(identifier(ident)),
        _ => None,
    }
}

/// What the statistics say of the column's NULLs, if it has any.
fn nulls(stats: &ColumnStats, rows: Option<f64>) -> Option<String> {
    if stats.null_frac <= 0.0 {
        return None;
    }
    let share = percent(stats.null_frac);
    Some(match rows {
        Some(rows) => format!(
            "null_frac {share}: ~{} of ~{} rows are NULL",
            count((stats.null_frac * rows).max(1.0)),
            count(rows)
        ),
        None => format!("null_frac {share} of the rows are NULL"),
    })
}

/// What the statistics say of the column's repeated values, if they show any. NULLs never
/// collide in a unique index, so only the non-null rows count.
fn duplicates(stats: &ColumnStats, rows: Option<f64>) -> Option<String> {
    let non_null = 1.0 - stats.null_frac;
    let mut evidence = Vec::new();
    if let (Some(rows), Some((value, frequency))) = (rows, stats.most_common.first()) {
        let repeated = frequency * rows;
        // More than one row, with room for the rounding of a frequency stored as float4.
        if repeated >= 1.5 {
            evidence.push(format!(
                "its most common value '{value}' is in {} of the rows (~{} rows)",
                percent(*frequency),
                count(repeated)
            ));
        }
    }
    if stats.n_distinct < 0.0 {
        // Minus the share of rows that are distinct: -(1 - null_frac) when all are.
        let distinct = -stats.n_distinct;
        if distinct < non_null * (1.0 - DISTINCT_MARGIN) {
            evidence.push(format!(
                "n_distinct {:.3}: ~{} of the rows hold distinct values, {} are not NULL",
                stats.n_distinct,
                percent(distinct),
                percent(non_null)
            ));
        }
    } else if let Some(rows) = rows
        && stats.n_distinct > 0.0
        && stats.n_distinct < rows * non_null * (1.0 - DISTINCT_MARGIN)
    {
        evidence.push(format!(
            "n_distinct {}: ~{} distinct values among ~{} non-null rows",
            stats.n_distinct,
            count(stats.n_distinct),
            count(rows * non_null)
        ));
    }
    (!evidence.is_empty()).then(|| evidence.join("; "))
}

/// ` (analyzed 2024-05-01 03:00:00)` when the catalog says when.
fn analyzed(table: &Table) -> String {
    table
        .stats
        .as_ref()
        .and_then(|s| s.last_analyze.as_ref())
        .map(|at| format!(" (analyzed {at})"))
        .unwrap_or_default()
}

fn percent(share: f64) -> String {
    let percent = share * 100.0;
    if percent < 0.1 {
        format!("{percent:.3}%")
    } else {
        format!("{percent:.1}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(null_frac: f64, n_distinct: f64, most_common: &[(&str, f64)]) -> ColumnStats {
        ColumnStats {
            null_frac,
            n_distinct,
            most_common: most_common
                .iter()
                .map(|(v, f)| (v.to_string(), *f))
                .collect(),
            ..ColumnStats::default()
        }
    }

    #[test]
    fn a_unique_column_with_nulls_shows_no_duplicates() {
        // ANALYZE stores -(1 - null_frac) for a column whose non-null values are all distinct.
        assert_eq!(duplicates(&stats(0.2, -0.8, &[]), Some(10_000.0)), None);
        assert_eq!(duplicates(&stats(0.0, -1.0, &[]), Some(10_000.0)), None);
        assert_eq!(nulls(&stats(0.0, -1.0, &[]), Some(10_000.0)), None);
    }

    #[test]
    fn repeated_values_show_in_any_of_the_three_statistics() {
        let rows = Some(10_000.0);
        assert!(duplicates(&stats(0.0, -0.9, &[]), rows).is_some());
        assert!(duplicates(&stats(0.0, 40.0, &[]), rows).is_some());
        assert!(duplicates(&stats(0.0, -1.0, &[("a", 0.001)]), rows).is_some());
        // One row's worth of frequency is no duplicate; without a row count, a positive
        // n_distinct and the frequencies say nothing.
        assert_eq!(duplicates(&stats(0.0, -1.0, &[("a", 0.0001)]), rows), None);
        assert_eq!(duplicates(&stats(0.0, 40.0, &[("a", 0.5)]), None), None);
    }

    #[test]
    fn nulls_are_counted_when_the_rows_are_known() {
        assert_eq!(
            nulls(&stats(0.02, -0.98, &[]), Some(20_000.0)).as_deref(),
            Some("null_frac 2.0%: ~400 of ~20k rows are NULL")
        );
    }
}
