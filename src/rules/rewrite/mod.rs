//! Query-rewrite rules (RW001–RW007): statements whose SQL, rather than the schema, is what
//! makes them slow. The facts say which statements to look at; the rewrite itself is made
//! on the statement's sample (re-parsed here, as the facts were) and printed back as SQL in
//! the finding. A rewrite is only offered as equivalent when the catalog shows it returns
//! the same rows; otherwise the message says what could differ and the finding is `info`.
//!
//! None of them has a cost estimate: how much faster the rewritten statement runs is for
//! EXPLAIN to tell. The message gives the statement's logged time, the most it could save.

pub mod correlated_subquery;
pub mod count_page_total;
pub mod non_sargable;
pub mod not_in_subquery;
pub mod offset_pagination;
pub mod or_across_columns;
pub mod select_star;

use super::Rule;
use crate::analysis::facts::QueryFacts;
use crate::analysis::facts::{ident, name_parts};
use crate::findings::{Finding, Severity};
use crate::model::catalog::{Catalog, Column, Index, QualifiedName};
use crate::sql::fingerprint::format_id;
use crate::sql::parse::{parse_expression, parse_sql};
use sqlparser::ast::{BinaryOperator, Expr, Statement, TableFactor};

/// The statement the facts were read from: the sample with its real values, else the
/// normalized text.
fn statement(context: &super::Context<'_>, id: u64) -> Option<Statement> {
    let stats = context.profile.queries.get(&id)?;
    let text = stats
        .sample
        .as_ref()
        .map_or(stats.normalized.as_str(), |s| s.statement.as_str());
    parse_sql(text).ok()?.into_iter().next()
}

/// `3 calls, 12.5 ms logged`: what the statement cost, the ceiling of any saving.
fn logged(context: &super::Context<'_>, id: u64) -> String {
    let Some(stats) = context.profile.queries.get(&id) else {
        return String::new();
    };
    let calls = format!(
        "{} call{}",
        stats.calls,
        if stats.calls == 1 { "" } else { "s" }
    );
    if stats.timed_calls > 0 {
        format!("{calls}, {:.1} ms logged", stats.total_us as f64 / 1000.0)
    } else {
        calls
    }
}

fn finding(
    rule: &'static Rule,
    severity: Severity,
    message: String,
    table: Option<QualifiedName>,
    columns: Vec<String>,
    sql: Option<String>,
    id: u64,
) -> Finding {
    Finding {
        severity,
        message,
        table,
        columns,
        sql: sql.map(|sql| format!("{sql};")),
        queries: vec![format_id(id)],
        ..rule.finding()
    }
}

/// A table of a FROM list: the name it is visible by, and the catalog table when it is one.
struct FromTable {
    visible: String,
    table: Option<QualifiedName>,
}

/// The table a FROM item names, matched to the facts' resolution of it (alias and name).
fn from_table(factor: &TableFactor, facts: &QueryFacts) -> Option<FromTable> {
    let TableFactor::Table { name, alias, .. } = factor else {
        return None;
    };
    let parts = name_parts(name);
    let last = parts.last()?;
    let alias = alias.as_ref().map(|a| ident(&a.name));
    let table = facts
        .tables
        .iter()
        .find(|t| {
            &t.table.name == last
                && t.alias == alias
                && (parts.len() == 1 || parts[parts.len() - 2] == t.table.schema)
        })
        .map(|t| t.table.clone());
    Some(FromTable {
        visible: alias.unwrap_or_else(|| last.clone()),
        table,
    })
}

fn column<'c>(
    catalog: Option<&'c Catalog>,
    table: &QualifiedName,
    column: &str,
) -> Option<&'c Column> {
    catalog?.tables.get(table)?.column(column)
}

/// An existing index of the table whose first key is `column`.
fn index_leading_with<'c>(
    catalog: &'c Catalog,
    table: &QualifiedName,
    column: &str,
) -> Option<&'c Index> {
    catalog.indexes.values().find(|index| {
        &index.table == table
            && index
                .keys
                .first()
                .is_some_and(|k| k.is_column && k.expression == column)
    })
}

/// `existing AND condition` (an OR on either side in parentheses), as an expression.
fn with_condition(existing: Option<&Expr>, condition: &str) -> Option<Expr> {
    let is_or = |text: &str| {
        parse_expression(text).is_ok_and(|e| {
            matches!(
                e,
                Expr::BinaryOp {
                    op: BinaryOperator::Or,
                    ..
                }
            )
        })
    };
    let parenthesized = |text: String| {
        if is_or(&text) {
            format!("({text})")
        } else {
            text
        }
    };
    let condition = parenthesized(condition.to_string());
    let text = match existing {
        Some(existing) => format!("{} AND {condition}", parenthesized(existing.to_string())),
        None => condition,
    };
    parse_expression(&text).ok()
}
