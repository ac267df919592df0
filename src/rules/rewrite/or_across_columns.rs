//! ## What it finds
//! A single-table SELECT whose WHERE has an `OR` between conditions on different columns
//! (`a = 1 OR b = 2`) when each side's column leads an existing index.
//!
//! ## Why it matters
//! No single index serves `a = 1 OR b = 2`. PostgreSQL can combine two indexes with a
//! BitmapOr, but often settles for a sequential scan instead (when its estimates are off,
//! or the OR sits next to an `ORDER BY … LIMIT` an index could have served), and every row
//! is then checked against both conditions.
//!
//! ## Example
//! ```sql
//! SELECT id, email FROM users WHERE email = $1 OR phone = $2;
//! ```
//!
//! ## Instead
//! One branch per side, each able to use its index:
//! ```sql
//! SELECT id, email FROM users WHERE email = $1
//! UNION ALL
//! SELECT id, email FROM users WHERE phone = $2 AND (email = $1) IS NOT TRUE;
//! ```
//! `UNION ALL` alone would return twice a row matching both sides, and `UNION` would also
//! merge rows that were distinct duplicates in the original; excluding the earlier sides
//! with `IS NOT TRUE` (true for false and NULL alike) returns each row exactly once, so the
//! result is the same. The rewrite is given for statements that return plain columns
//! without grouping, `DISTINCT`, `ORDER BY`, `LIMIT` or `FOR UPDATE`; others are reported
//! without SQL. The finding is `info`: whether the planner already uses a BitmapOr is for
//! EXPLAIN to say.
//!
//! ## How the saving is estimated
//! It is not: a BitmapOr may already do as well. The message gives the statement's logged
//! time, the most the rewrite can save.

use super::{finding, ident, index_leading_with, logged, statement};
use crate::analysis::facts::{QueryFacts, StatementKind};
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::{Catalog, QualifiedName};
use crate::rules::{Check, Context, Rule};
use crate::sql::parse::parse_expression;
use sqlparser::ast::{
    BinaryOperator, Distinct, Expr, GroupByExpr, Query, Select, SelectItem, SetExpr, Statement,
};

pub static RULE: Rule = Rule {
    id: "RW005",
    name: "or-across-columns",
    category: Category::Rewrite,
    severity: Severity::Info,
    source: include_str!("or_across_columns.rs"),
    check: Check::Workload(check),
};

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    for (id, facts) in context.facts {
        let [table] = facts.tables.as_slice() else {
            continue;
        };
        if facts.kind == StatementKind::Select && facts.or_across_columns {
            out.extend(assess(context, catalog, *id, facts, &table.table));
        }
    }
}

/// The finding for a statement whose WHERE ORs conditions on indexed columns of its table,
/// with the UNION ALL form when that returns the same rows.
fn assess(
    context: &Context<'_>,
    catalog: &Catalog,
    id: u64,
    facts: &QueryFacts,
    table: &QualifiedName,
) -> Option<Finding> {
    let statement = statement(context, id)?;
    let Statement::Query(query) = &statement else {
        return None;
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    let mut conjuncts = Vec::new();
    split(
        select.selection.as_ref()?,
        BinaryOperator::And,
        &mut conjuncts,
    );
    let position = conjuncts.iter().position(|c| {
        matches!(
            unnested(c),
            Expr::BinaryOp {
                op: BinaryOperator::Or,
                ..
            }
        )
    })?;
    let mut arms = Vec::new();
    split(conjuncts[position], BinaryOperator::Or, &mut arms);
    let indexed = indexed_columns(catalog, table, &arms)?;
    let sql = if unions_the_same_rows(query, select, facts) {
        union_of_branches(select, &conjuncts, position, &arms)
    } else {
        None
    };
    let advice = if sql.is_some() {
        "if EXPLAIN shows no BitmapOr, one UNION ALL branch per side lets each use its index; \
         excluding the earlier sides with IS NOT TRUE keeps every row exactly once, so the \
         result is the same"
    } else {
        "if EXPLAIN shows no BitmapOr, split it into one UNION ALL branch per side, excluding \
         the earlier sides with IS NOT TRUE (grouping, DISTINCT, ORDER BY or LIMIT must then \
         apply to the union as a whole)"
    };
    Some(finding(
        &RULE,
        RULE.severity,
        format!(
            "an OR across {} of {table} — each indexed — may keep the planner from the \
             indexes ({}); {advice}",
            indexed.join(" and "),
            logged(context, id)
        ),
        Some(table.clone()),
        indexed,
        sql,
        id,
    ))
}

/// An indexed column for each side of the OR, when there are at least two: a side without
/// one would make its branch scan the table too.
fn indexed_columns(
    catalog: &Catalog,
    table: &QualifiedName,
    arms: &[&Expr],
) -> Option<Vec<String>> {
    let mut indexed = Vec::new();
    for arm in arms {
        let column = columns(arm)
            .into_iter()
            .find(|c| index_leading_with(catalog, table, c).is_some())?;
        indexed.push(column);
    }
    indexed.dedup();
    (indexed.len() >= 2).then_some(indexed)
}

/// Whether a UNION ALL of one branch per side returns what the statement does: only for a
/// plain list of columns, without grouping, DISTINCT, ordering, limits, locking or WITH,
/// which would have to apply to the union as a whole.
fn unions_the_same_rows(query: &Query, select: &Select, facts: &QueryFacts) -> bool {
    let plain_result = select.projection.iter().all(|item| match item {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
            matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_))
        }
        SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => true,
        _ => false,
    });
    plain_result
        && matches!(&select.group_by, GroupByExpr::Expressions(e, _) if e.is_empty())
        && select.having.is_none()
        && matches!(select.distinct, None | Some(Distinct::All))
        && query.order_by.is_none()
        && query.limit_clause.is_none()
        && query.fetch.is_none()
        && !facts.for_update
        && query.with.is_none()
}

/// The statement as one branch per side of the OR (the conjunct at `position`), each with
/// the other conditions and excluding the earlier sides with `IS NOT TRUE`, so that every
/// row comes once.
fn union_of_branches(
    select: &Select,
    conjuncts: &[&Expr],
    position: usize,
    arms: &[&Expr],
) -> Option<String> {
    let others: Vec<String> = conjuncts
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != position)
        .map(|(_, c)| parenthesized(c))
        .collect();
    let branches: Option<Vec<String>> = arms
        .iter()
        .enumerate()
        .map(|(i, arm)| {
            let mut condition = others.clone();
            condition.push(parenthesized(arm));
            condition.extend(arms[..i].iter().map(|a| format!("({a}) IS NOT TRUE")));
            let mut branch = select.clone();
            branch.selection = Some(parse_expression(&condition.join(" AND ")).ok()?);
            Some(branch.to_string())
        })
        .collect();
    branches.map(|b| b.join(" UNION ALL "))
}

fn unnested(expression: &Expr) -> &Expr {
    match expression {
        Expr::Nested(inner) => unnested(inner),
        other => other,
    }
}

/// The operands of a chain of `operator` (AND or OR), parentheses looked through.
fn split<'e>(expression: &'e Expr, operator: BinaryOperator, out: &mut Vec<&'e Expr>) {
    match unnested(expression) {
        Expr::BinaryOp { left, op, right } if *op == operator => {
            split(left, operator.clone(), out);
            split(right, operator, out);
        }
        other => out.push(other),
    }
}

fn parenthesized(expression: &Expr) -> String {
    match expression {
        Expr::BinaryOp {
            op: BinaryOperator::And | BinaryOperator::Or,
            ..
        } => format!("({expression})"),
        other => other.to_string(),
    }
}

/// The column names an expression mentions (the last part of each reference).
fn columns(expression: &Expr) -> Vec<String> {
    let mut names = Vec::new();
    let _ = sqlparser::ast::visit_expressions(expression, |e| {
        match e {
            Expr::Identifier(name) => names.push(ident(name)),
            Expr::CompoundIdentifier(parts) => names.extend(parts.last().map(ident)),
            _ => {}
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    names
}
