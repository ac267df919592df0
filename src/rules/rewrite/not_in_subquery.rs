//! ## What it finds
//! `column NOT IN (SELECT …)`: an anti-join written with `NOT IN` over a subquery.
//!
//! ## Why it matters
//! Because of its NULL semantics, PostgreSQL cannot turn `NOT IN (subquery)` into an
//! anti-join. It runs the subquery as a hashed subplan when the result fits in `work_mem`,
//! and otherwise re-scans it for every outer row — quadratic time that appears as soon as
//! the subquery's table grows. `NOT EXISTS` is planned as a hash, merge or nested-loop anti
//! join, with the subquery's indexes.
//!
//! ## Example
//! ```sql
//! SELECT id, email FROM customers
//! WHERE id NOT IN (SELECT customer_id FROM orders);
//! ```
//!
//! ## Instead
//! ```sql
//! SELECT id, email FROM customers
//! WHERE NOT EXISTS (SELECT 1 FROM orders WHERE orders.customer_id = customers.id);
//! ```
//! The two are **not** the same when NULLs are possible. If the subquery yields a single
//! NULL, `x NOT IN (…)` is never true, so the original returns no rows at all, while
//! `NOT EXISTS` ignores that row; and an outer row whose `x` is NULL is dropped by `NOT IN`
//! (unless the subquery is empty) but kept by `NOT EXISTS`. The finding says the rewrite is
//! equivalent only when the catalog shows both columns `NOT NULL` (a `warning`); otherwise
//! it names the nullable columns and is `info`: the rewrite is then usually what was meant,
//! but that is for the author to decide. A `NOT IN` the rule cannot rewrite mechanically
//! (not a condition of the outermost SELECT's WHERE, or a subquery with joins, grouping or
//! a computed column) is reported without SQL.
//!
//! ## How the saving is estimated
//! It is not: the gain depends on whether the subquery's result fits in `work_mem`. The
//! message gives the statement's logged time, the most the rewrite can save.

use super::{FromTable, column, finding, from_table, logged, statement, with_condition};
use crate::analysis::facts::QueryFacts;
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::QualifiedName;
use crate::rules::{Check, Context, Rule};
use crate::sql::parse::parse_expression;
use sqlparser::ast::{
    BinaryOperator, Expr, GroupByExpr, InTarget, Query, SelectItem, SetExpr, Statement,
};

pub static RULE: Rule = Rule {
    id: "RW002",
    name: "not-in-subquery",
    category: Category::Rewrite,
    severity: Severity::Warning,
    source: include_str!("not_in_subquery.rs"),
    check: Check::Workload(check),
};

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    for (id, facts) in context.facts {
        if facts.not_in_subquery {
            out.push(assess(context, *id, facts));
        }
    }
}

/// One `NOT IN` rewritten: the outer and inner columns, and which of them may be NULL
/// (`None` when the catalog does not say).
struct Rewritten {
    outer: String,
    inner: String,
    table: Option<QualifiedName>,
    nullable: Vec<(String, Option<bool>)>,
}

/// The finding for a statement with `NOT IN (subquery)`: its `NOT EXISTS` form, and whether
/// that returns the same rows.
fn assess(context: &Context<'_>, id: u64, facts: &QueryFacts) -> Finding {
    let (sql, rewritten) = rewrite_as_not_exists(context, id, facts);
    let (Some(sql), Some(first)) = (sql, rewritten.first()) else {
        return finding(
            &RULE,
            Severity::Info,
            format!(
                "NOT IN (subquery) cannot be planned as an anti-join ({}); this one could not \
                 be rewritten automatically: write it as NOT EXISTS with a correlated \
                 condition, minding that the two differ when either side can be NULL",
                logged(context, id)
            ),
            facts.tables.first().map(|t| t.table.clone()),
            Vec::new(),
            None,
            id,
        );
    };
    let rewrites = rewritten
        .iter()
        .map(|r| format!("{} NOT IN (SELECT {} …)", r.outer, r.inner))
        .collect::<Vec<_>>()
        .join(", ");
    let (severity, verdict) = verdict(&rewritten);
    finding(
        &RULE,
        severity,
        format!(
            "{rewrites} cannot be planned as an anti-join: the subquery is hashed if it fits in \
             work_mem, else re-run for every row ({}); {verdict}",
            logged(context, id)
        ),
        first.table.clone(),
        rewritten.iter().map(|r| r.outer.clone()).collect(),
        Some(sql),
        id,
    )
}

/// The statement with every `NOT IN (subquery)` of its WHERE written as `NOT EXISTS`, and
/// those rewritten; no SQL when one of them cannot be (or the FROM list has joins).
fn rewrite_as_not_exists(
    context: &Context<'_>,
    id: u64,
    facts: &QueryFacts,
) -> (Option<String>, Vec<Rewritten>) {
    let mut rewritten = Vec::new();
    let sql = statement(context, id).and_then(|mut statement| {
        let Statement::Query(query) = &mut statement else {
            return None;
        };
        let SetExpr::Select(select) = query.body.as_mut() else {
            return None;
        };
        let outer: Vec<FromTable> = select
            .from
            .iter()
            .filter(|t| t.joins.is_empty())
            .filter_map(|t| from_table(&t.relation, facts))
            .collect();
        if outer.len() != select.from.len() {
            return None;
        }
        let mut failed = false;
        let mut selection = select.selection.take()?;
        rewrite_conjuncts(&mut selection, &mut |expression| {
            let Expr::In {
                expr,
                target: InTarget::Subquery(subquery),
                negated: true,
                ..
            } = expression
            else {
                return None;
            };
            let result = not_exists(context, facts, expr, subquery, &outer);
            if result.is_none() {
                failed = true;
            }
            result.map(|(expression, done)| {
                rewritten.push(done);
                expression
            })
        });
        select.selection = Some(selection);
        (!failed && !rewritten.is_empty()).then(|| statement.to_string())
    });
    (sql, rewritten)
}

/// Whether the `NOT EXISTS` form returns the same rows: only when no column compared can be
/// NULL (a warning), else a hint (`info`) saying which may.
fn verdict(rewritten: &[Rewritten]) -> (Severity, String) {
    let unsure: Vec<String> = rewritten
        .iter()
        .flat_map(|r| &r.nullable)
        .filter_map(|(column, nullable)| match nullable {
            Some(false) => None,
            Some(true) => Some(format!("{column} can be NULL")),
            None => Some(format!("whether {column} can be NULL is not known")),
        })
        .collect();
    if unsure.is_empty() {
        return (
            RULE.severity,
            "the NOT EXISTS form returns the same rows here, as both sides are NOT NULL".into(),
        );
    }
    (
        Severity::Info,
        format!(
            "the NOT EXISTS form is not guaranteed to return the same rows: {}. A NULL from the \
             subquery makes NOT IN return no rows at all, while NOT EXISTS ignores it; an outer \
             NULL is dropped by NOT IN and kept by NOT EXISTS — use the rewrite if that is what \
             is meant",
            unsure.join(", ")
        ),
    )
}

/// Calls `rewrite` on each AND-ed condition of `expression`, replacing those it rewrites.
fn rewrite_conjuncts(expression: &mut Expr, rewrite: &mut impl FnMut(&Expr) -> Option<Expr>) {
    match expression {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            rewrite_conjuncts(left, rewrite);
            rewrite_conjuncts(right, rewrite);
        }
        Expr::Nested(inner) => rewrite_conjuncts(inner, rewrite),
        other => {
            if let Some(replacement) = rewrite(other) {
                *other = replacement;
            }
        }
    }
}

/// `NOT EXISTS (SELECT 1 FROM t WHERE … AND t.inner = outer.column)`, for a subquery that
/// selects one column of one table.
fn not_exists(
    context: &Context<'_>,
    facts: &QueryFacts,
    outer_expression: &Expr,
    subquery: &Query,
    outer: &[FromTable],
) -> Option<(Expr, Rewritten)> {
    let mut subquery = subquery.clone();
    let SetExpr::Select(select) = subquery.body.as_mut() else {
        return None;
    };
    let plain = matches!(&select.group_by, GroupByExpr::Expressions(e, _) if e.is_empty())
        && select.having.is_none()
        && subquery.limit_clause.is_none()
        && subquery.with.is_none();
    let ([from], [SelectItem::UnnamedExpr(inner_expression)]) =
        (select.from.as_slice(), select.projection.as_slice())
    else {
        return None;
    };
    if !plain || !from.joins.is_empty() {
        return None;
    }
    let inner = from_table(&from.relation, facts)?;
    let inner_column = column_name(inner_expression, std::slice::from_ref(&inner))?;
    let (outer_table, outer_column) = column_name(outer_expression, outer)?;
    // Inside the subquery the inner table's name would hide an outer one of the same name.
    if outer_table.visible == inner.visible {
        return None;
    }
    let outer_sql = format!("{}.{outer_column}", outer_table.visible);
    let inner_sql = format!("{}.{}", inner.visible, inner_column.1);
    let condition = format!("{inner_sql} = {outer_sql}");
    select.selection = Some(with_condition(select.selection.as_ref(), &condition)?);
    select.projection = vec![SelectItem::UnnamedExpr(parse_expression("1").ok()?)];
    select.distinct = None;
    let nullable = |table: &Option<QualifiedName>, name: &str| {
        table
            .as_ref()
            .and_then(|t| column(context.catalog, t, name))
            .map(|c| c.nullable)
    };
    let done = Rewritten {
        nullable: vec![
            (
                outer_sql.clone(),
                nullable(&outer_table.table, &outer_column),
            ),
            (inner_sql.clone(), nullable(&inner.table, &inner_column.1)),
        ],
        outer: outer_sql,
        inner: inner_sql,
        table: outer_table.table.clone(),
    };
    Some((
        Expr::Exists {
            subquery: Box::new(subquery),
            negated: true,
        },
        done,
    ))
}

/// The FROM table and column a plain column reference names: by its qualifier, or the one
/// table that has the column.
fn column_name<'t>(expression: &Expr, tables: &'t [FromTable]) -> Option<(&'t FromTable, String)> {
    let (qualifier, name) = match expression {
        Expr::Identifier(name) => (None, super::ident(name)),
        Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [qualifier, name] => (Some(super::ident(qualifier)), super::ident(name)),
            _ => return None,
        },
        Expr::Nested(inner) => return column_name(inner, tables),
        _ => return None,
    };
    let table = match qualifier {
        Some(qualifier) => tables.iter().find(|t| t.visible == qualifier)?,
        None => match tables {
            [only] => only,
            _ => return None,
        },
    };
    Some((table, name))
}
