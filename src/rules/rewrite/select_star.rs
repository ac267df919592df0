//! ## What it finds
//! `SELECT *` (or `t.*`) in a statement's result list over a wide table: one the catalog
//! shows with 10 columns or more. Narrow tables, stars inside subqueries (`EXISTS (SELECT *
//! …)`) and statements whose tables the catalog does not describe are left alone.
//!
//! ## Why it matters
//! Every column is read, decoded and sent, large `text`/`jsonb` values are fetched from
//! TOAST, and no index-only scan is possible — for columns the application mostly ignores.
//! A column added later silently joins every such result.
//!
//! ## Example
//! ```sql
//! SELECT * FROM customers WHERE id = $1;   -- customers has 14 columns
//! ```
//!
//! ## Instead
//! ```sql
//! SELECT id, email, name, created_at FROM customers WHERE id = $1;
//! ```
//! The finding lists the table's columns and gives the statement with `*` spelled out —
//! the same result — to cut down to the columns the application reads (only its code can
//! tell which). With a `JOIN … USING` or `NATURAL JOIN`, or a star over a subquery, `*` is
//! not a plain list of the tables' columns and no SQL is given.
//!
//! ## How the saving is estimated
//! It is not: it depends on which columns are dropped and how wide they are. The message
//! gives the statement's logged time.

use super::{FromTable, finding, from_table, logged, name_parts, statement};
use crate::analysis::facts::{QueryFacts, StatementKind};
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::{Catalog, Table};
use crate::model::ddl::quote_identifier;
use crate::rules::{Check, Context, Rule};
use sqlparser::ast::{
    Expr, Ident, JoinConstraint, JoinOperator, SelectItem, SelectItemQualifiedWildcardKind,
    SetExpr, Statement,
};

pub static RULE: Rule = Rule {
    id: "RW003",
    name: "select-star",
    category: Category::Rewrite,
    severity: Severity::Info,
    source: include_str!("select_star.rs"),
    check: Check::Workload(check),
};

/// From this many columns, reading all of them is worth a look.
const WIDE: usize = 10;

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    for (id, facts) in context.facts {
        if facts.kind == StatementKind::Select && !facts.select_star.is_empty() {
            out.extend(assess(context, catalog, *id, facts));
        }
    }
}

fn assess(
    context: &Context<'_>,
    catalog: &Catalog,
    id: u64,
    facts: &QueryFacts,
) -> Option<Finding> {
    let mut statement = statement(context, id)?;
    let Statement::Query(query) = &mut statement else {
        return None;
    };
    let SetExpr::Select(select) = query.body.as_mut() else {
        return None;
    };
    let mut tables: Vec<Option<FromTable>> = Vec::new();
    // `USING` and `NATURAL` merge the joined columns: `*` is then no plain column list.
    let mut merges_columns = false;
    for from in &select.from {
        tables.push(from_table(&from.relation, facts));
        for join in &from.joins {
            tables.push(from_table(&join.relation, facts));
            merges_columns |= matches!(
                &join.join_operator,
                JoinOperator::Join(c) | JoinOperator::Inner(c) | JoinOperator::Left(c)
                    | JoinOperator::LeftOuter(c) | JoinOperator::Right(c)
                    | JoinOperator::RightOuter(c) | JoinOperator::FullOuter(c)
                    if matches!(c, JoinConstraint::Using(_) | JoinConstraint::Natural)
            );
        }
    }
    let catalog_table = |from: &Option<FromTable>| -> Option<&Table> {
        catalog.tables.get(from.as_ref()?.table.as_ref()?)
    };
    // Each result item, with the columns it expands to when it is a star.
    let mut expanded = false;
    let mut starred: Vec<&Table> = Vec::new();
    let mut projection = Vec::new();
    let qualify = tables.len() > 1;
    for item in &select.projection {
        let stars: Vec<&Option<FromTable>> = match item {
            SelectItem::Wildcard(_) => tables.iter().collect(),
            SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(name), _) => {
                let qualifier = name_parts(name).pop();
                tables
                    .iter()
                    .filter(|t| t.as_ref().map(|t| &t.visible) == qualifier.as_ref())
                    .collect()
            }
            other => {
                projection.push(other.clone());
                continue;
            }
        };
        let resolved: Option<Vec<(&FromTable, &Table)>> = stars
            .iter()
            .map(|from| Some((from.as_ref()?, catalog_table(from)?)))
            .collect();
        let Some(resolved) = resolved.filter(|r| !r.is_empty()) else {
            merges_columns = true;
            projection.push(item.clone());
            continue;
        };
        for (from, table) in resolved {
            starred.push(table);
            for column in &table.columns {
                let name = Ident::new(quote_identifier(&column.name));
                projection.push(SelectItem::UnnamedExpr(if qualify {
                    Expr::CompoundIdentifier(vec![
                        Ident::new(quote_identifier(&from.visible)),
                        name,
                    ])
                } else {
                    Expr::Identifier(name)
                }));
            }
        }
        expanded = true;
    }
    let widest = starred.iter().max_by_key(|t| t.columns.len())?;
    if !expanded || widest.columns.len() < WIDE {
        return None;
    }
    let sql = if merges_columns {
        None
    } else {
        select.projection = projection;
        Some(statement.to_string())
    };
    let columns: Vec<String> = widest.columns.iter().map(|c| c.name.clone()).collect();
    Some(finding(
        &RULE,
        RULE.severity,
        format!(
            "SELECT * reads all {} columns of {} ({}): {}. Name only the columns the \
             application uses — less to read and send, no TOAST fetches for unused values, \
             and an index-only scan becomes possible",
            columns.len(),
            widest.name,
            logged(context, id),
            columns.join(", ")
        ),
        Some(widest.name.clone()),
        columns,
        sql,
        id,
    ))
}
