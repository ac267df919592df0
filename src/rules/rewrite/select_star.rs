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
    Expr, Ident, JoinConstraint, JoinOperator, Select, SelectItem, SelectItemQualifiedWildcardKind,
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

/// The finding for a statement whose result list has a star over a wide table, with the
/// star spelled out when that gives the same result.
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
    let (tables, merges_columns) = from_tables(select, facts);
    let spelled = spell_out_stars(&select.projection, &tables, catalog);
    let widest = spelled.starred.iter().max_by_key(|t| t.columns.len())?;
    if widest.columns.len() < WIDE {
        return None;
    }
    let sql = if merges_columns || spelled.unresolved {
        None
    } else {
        select.projection = spelled.projection;
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

/// The tables of the FROM list in order, and whether a join merges their columns (`USING`,
/// `NATURAL`): `*` is then no plain list of the tables' columns.
fn from_tables(select: &Select, facts: &QueryFacts) -> (Vec<Option<FromTable>>, bool) {
    let mut tables = Vec::new();
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
    (tables, merges_columns)
}

/// A result list with its stars spelled out as the columns they stand for.
struct SpelledOut<'c> {
    projection: Vec<SelectItem>,
    /// The tables the stars stood for.
    starred: Vec<&'c Table>,
    /// A star stayed: it stands for a subquery or a table the catalog does not describe.
    unresolved: bool,
}

/// Each result item, or the columns it stands for when it is a star over tables the catalog
/// describes (qualified by the table's name or alias when the FROM list has several).
fn spell_out_stars<'c>(
    items: &[SelectItem],
    tables: &[Option<FromTable>],
    catalog: &'c Catalog,
) -> SpelledOut<'c> {
    let mut spelled = SpelledOut {
        projection: Vec::new(),
        starred: Vec::new(),
        unresolved: false,
    };
    let qualify = tables.len() > 1;
    for item in items {
        let Some(stars) = stars_of(item, tables) else {
            spelled.projection.push(item.clone());
            continue;
        };
        let resolved: Option<Vec<(&FromTable, &Table)>> = stars
            .iter()
            .map(|from| {
                let from = from.as_ref()?;
                Some((from, catalog.tables.get(from.table.as_ref()?)?))
            })
            .collect();
        let Some(resolved) = resolved.filter(|r| !r.is_empty()) else {
            spelled.unresolved = true;
            spelled.projection.push(item.clone());
            continue;
        };
        for (from, table) in resolved {
            spelled.starred.push(table);
            spelled
                .projection
                .extend(table.columns.iter().map(|column| {
                    let name = Ident::new(quote_identifier(&column.name));
                    SelectItem::UnnamedExpr(if qualify {
                        let visible = Ident::new(quote_identifier(&from.visible));
                        Expr::CompoundIdentifier(vec![visible, name])
                    } else {
                        Expr::Identifier(name)
                    })
                }));
        }
    }
    spelled
}

/// The FROM tables a result item's star stands for (`*` all, `t.*` those seen as `t`);
/// `None` when the item is not a star.
fn stars_of<'t>(
    item: &SelectItem,
    tables: &'t [Option<FromTable>],
) -> Option<Vec<&'t Option<FromTable>>> {
    match item {
        SelectItem::Wildcard(_) => Some(tables.iter().collect()),
        SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(name), _) => {
            let qualifier = name_parts(name).pop();
            Some(
                tables
                    .iter()
                    .filter(|t| t.as_ref().map(|t| &t.visible) == qualifier.as_ref())
                    .collect(),
            )
        }
        _ => None,
    }
}
