//! ## What it finds
//! A SELECT with a subquery in place of a value that refers to the outer query's row —
//! `(SELECT count(*) FROM order_items i WHERE i.order_id = o.id)` — and whose outer query is
//! not limited to a short page (no LIMIT, or one above 100 rows). `EXISTS` and `IN`
//! subqueries are not reported: the planner turns them into joins.
//!
//! ## Why it matters
//! PostgreSQL does not turn such a subquery into a join: it runs it as a SubPlan, once for
//! every row the outer query produces. Over 100,000 orders that is 100,000 index lookups
//! (or 100,000 scans, without an index) where one pass over `order_items`, grouped, would
//! do. For a short page the per-row form is fine, often the fastest — hence the LIMIT
//! exemption.
//!
//! ## Example
//! ```sql
//! SELECT o.id, (SELECT count(*) FROM order_items i WHERE i.order_id = o.id) AS items
//! FROM orders o WHERE o.status = 'paid';
//! ```
//!
//! ## Instead
//! Aggregate once, grouped by the correlated column, and join the result:
//! ```sql
//! SELECT o.id, coalesce(items_1.value, 0) AS items
//! FROM orders o
//! LEFT JOIN (SELECT i.order_id, count(*) AS value FROM order_items i GROUP BY i.order_id) AS items_1
//!   ON items_1.order_id = o.id
//! WHERE o.status = 'paid';
//! ```
//! The finding gives this form for the actual statement when the subquery is one aggregate
//! over one table correlated by one equality; a `count` becomes `coalesce(…, 0)` (no rows
//! count 0 where the join finds nothing). Other shapes get the advice without SQL.
//!
//! ## How the saving is estimated
//! Not as cost: the message gives the statement's logged time, the most the rewrite saves.

use super::{finding, logged, statement};
use crate::analysis::facts::{Bound, StatementKind};
use crate::analysis::facts::{ident, name_parts, operands};
use crate::findings::{Category, Finding, shorten};
use crate::rules::{Check, Context, Rule};
use crate::sql::parse::{parse_expression, parse_sql};
use sqlparser::ast::{
    BinaryOperator, Expr, GroupByExpr, Query, SelectItem, SetExpr, Statement, TableFactor,
};

pub static RULE: Rule = Rule {
    id: "RW007",
    name: "correlated-subquery",
    category: Category::Rewrite,
    severity: crate::findings::Severity::Warning,
    source: include_str!("correlated_subquery.rs"),
    check: Check::Workload(check),
};

/// An outer query limited to this many rows runs its subqueries few enough times.
const SHORT_PAGE: u64 = 100;

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    for (&id, facts) in context.facts {
        if facts.kind != StatementKind::Select || facts.correlated_scalar_subqueries == 0 {
            continue;
        }
        if facts
            .limit
            .as_ref()
            .and_then(Bound::value)
            .is_some_and(|rows| rows <= SHORT_PAGE)
        {
            continue;
        }
        let sql = statement(context, id)
            .and_then(|statement| decorrelated(statement, facts.correlated_scalar_subqueries));
        let instead = if sql.is_some() {
            "aggregate once, grouped by the correlated column, and join the result (below)"
        } else {
            "aggregate once, grouped by the correlated column, and join the result, or \
             join the table directly"
        };
        let message = format!(
            "`{}` runs {} subquer{} once per row of the outer query ({}): PostgreSQL joins \
             EXISTS and IN subqueries but not these. Instead, {instead}",
            shorten(context.profile.normalized(id), 80),
            facts.correlated_scalar_subqueries,
            if facts.correlated_scalar_subqueries == 1 {
                "y"
            } else {
                "ies"
            },
            logged(context, id),
        );
        out.push(finding(
            &RULE,
            RULE.severity,
            message,
            facts.tables.first().map(|t| t.table.clone()),
            Vec::new(),
            sql,
            id,
        ));
    }
}

/// The statement with each select-list subquery of the simple shape joined instead; `None`
/// unless that takes in all its `correlated` subqueries (others may be in WHERE, or of
/// another shape).
fn decorrelated(statement: Statement, correlated: usize) -> Option<String> {
    let Statement::Query(mut query) = statement else {
        return None;
    };
    let SetExpr::Select(select) = query.body.as_mut() else {
        return None;
    };
    let mut joins = Vec::new();
    for item in &mut select.projection {
        let (expression, alias) = match item {
            SelectItem::UnnamedExpr(expression) => (expression, None),
            SelectItem::ExprWithAlias { expr, alias } => (expr, Some(ident(alias))),
            _ => continue,
        };
        let Expr::Subquery(subquery) = expression else {
            continue;
        };
        let name = format!(
            "{}_{}",
            alias.as_deref().unwrap_or("subquery"),
            joins.len() + 1
        );
        let Some(grouped) = Grouped::of(subquery, &name) else {
            continue;
        };
        let value = if grouped.counts {
            format!("coalesce({name}.value, 0)")
        } else {
            format!("{name}.value")
        };
        *expression = parse_expression(&value).ok()?;
        joins.push(grouped.join);
    }
    if joins.len() != correlated {
        return None;
    }
    let from = select.from.last_mut()?;
    for join in joins {
        let mut parsed = parse_sql(&format!("SELECT 1 FROM placeholder {join}")).ok()?;
        let Some(Statement::Query(helper)) = parsed.pop() else {
            return None;
        };
        let SetExpr::Select(helper) = *helper.body else {
            return None;
        };
        from.joins.extend(helper.from.into_iter().next()?.joins);
    }
    Some(query.to_string())
}

/// A correlated aggregate subquery as a grouped derived table joined on its correlation.
struct Grouped {
    join: String,
    counts: bool,
}

impl Grouped {
    /// `(SELECT agg(…) FROM t [a] WHERE a.c = outer.c [AND …])`, the other conditions on
    /// `t` alone.
    fn of(subquery: &Query, name: &str) -> Option<Grouped> {
        if subquery.with.is_some() || subquery.limit_clause.is_some() {
            return None;
        }
        let SetExpr::Select(select) = subquery.body.as_ref() else {
            return None;
        };
        let ungrouped =
            matches!(&select.group_by, GroupByExpr::Expressions(keys, _) if keys.is_empty());
        let ([table], [SelectItem::UnnamedExpr(Expr::Function(aggregate))]) =
            (select.from.as_slice(), select.projection.as_slice())
        else {
            return None;
        };
        if !ungrouped || select.having.is_some() || !table.joins.is_empty() {
            return None;
        }
        let TableFactor::Table {
            name: table_name,
            alias,
            ..
        } = &table.relation
        else {
            return None;
        };
        let visible = alias
            .as_ref()
            .map(|a| ident(&a.name))
            .or_else(|| name_parts(table_name).pop())?;
        let conjuncts = operands(select.selection.as_ref()?, &BinaryOperator::And);
        let mut correlation = None;
        let mut rest = Vec::new();
        for conjunct in conjuncts {
            match correlated_equality(conjunct, &visible) {
                Some(pair) if correlation.is_none() => correlation = Some(pair),
                Some(_) => return None,
                None if refers_only_to(conjunct, &visible) => rest.push(conjunct.to_string()),
                None => return None,
            }
        }
        let (inner, outer) = correlation?;
        let filter = if rest.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", rest.join(" AND "))
        };
        let column = inner.rsplit('.').next().unwrap_or(&inner).to_string();
        let relation = &table.relation;
        Some(Grouped {
            join: format!(
                "LEFT JOIN (SELECT {inner}, {aggregate} AS value FROM {relation}{filter} \
                 GROUP BY {inner}) AS {name} ON {name}.{column} = {outer}"
            ),
            counts: name_parts(&aggregate.name)
                .last()
                .is_some_and(|f| f == "count"),
        })
    }
}

/// `inner.c = outer.c` (either way round): the inner and outer column, as written.
fn correlated_equality(expression: &Expr, inner: &str) -> Option<(String, String)> {
    let Expr::BinaryOp {
        left,
        op: BinaryOperator::Eq,
        right,
    } = expression
    else {
        return None;
    };
    let qualifier = |e: &Expr| match e {
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => Some(ident(&parts[parts.len() - 2])),
        _ => None,
    };
    match (qualifier(left)?, qualifier(right)?) {
        (l, r) if l == inner && r != inner => Some((left.to_string(), right.to_string())),
        (l, r) if r == inner && l != inner => Some((right.to_string(), left.to_string())),
        _ => None,
    }
}

/// Every column the condition names is qualified by the inner table (or a constant).
fn refers_only_to(expression: &Expr, inner: &str) -> bool {
    let mut only_inner = true;
    let _ = sqlparser::ast::visit_expressions(expression, |e| {
        match e {
            Expr::Identifier(_) | Expr::Subquery(_) | Expr::Exists { .. } => only_inner = false,
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                only_inner &= ident(&parts[parts.len() - 2]) == inner;
            }
            _ => {}
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    only_inner
}
