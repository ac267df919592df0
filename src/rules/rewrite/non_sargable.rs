//! ## What it finds
//! A predicate that wraps a column in a function or cast (`date(created_at) = …`,
//! `id::text = '5'`, `lower(email) = …`) when an existing index leads with that column —
//! and no expression index covers the wrapped form. Columns without such an index are left
//! to the index rules.
//!
//! ## Why it matters
//! An index on `created_at` orders the column's values, not `date(created_at)`'s: the
//! planner cannot search it for the wrapped expression and scans the table instead,
//! evaluating the function on every row. The index is there; the predicate's form hides it.
//!
//! ## Example
//! ```sql
//! SELECT id FROM orders WHERE date(created_at) = $1;
//! SELECT id FROM orders WHERE customer_id::text = '42';
//! ```
//!
//! ## Instead
//! Compare the bare column (a *sargable* predicate):
//! ```sql
//! SELECT id FROM orders WHERE created_at >= $1::date AND created_at < $1::date + 1;
//! SELECT id FROM orders WHERE customer_id = 42;
//! ```
//! Offered as equivalent (a `warning`) for the forms known to return the same rows:
//! `date(col)` or `col::date` compared (`=`, `<`, `<=`, `>`, `>=`) with a constant or
//! parameter on a `timestamp`/`timestamptz` column (both sides use the session's `TimeZone`),
//! and an integer column cast to text compared with an integer written as PostgreSQL prints
//! it. With a parameter the cast form is `info`: `'05'` or `'x'` would then compare (or fail)
//! differently. `lower(col)`/`upper(col)` have no sargable form: the finding gives the
//! expression index that serves them (IDX003 recommends one when the cost model finds it
//! pays). Other functions are `info` and name the expression an index would need.
//!
//! ## How the saving is estimated
//! It is not: the gain is the difference between a scan and an index search, which EXPLAIN
//! of the rewritten statement shows. The message gives the statement's logged time.

use super::{finding, index_leading_with, logged, statement};
use crate::analysis::facts::{Operand, Operator, Predicate, shown_wrapped};
use crate::analysis::index::definition::{IndexDef, KeyPart};
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::{Catalog, Table};
use crate::rules::{Check, Context, Rule};
use crate::sql::parse::parse_expression;
use sqlparser::ast::{BinaryOperator, Expr, visit_expressions_mut};
use std::ops::ControlFlow;

pub static RULE: Rule = Rule {
    id: "RW004",
    name: "non-sargable-predicate",
    category: Category::Rewrite,
    severity: Severity::Warning,
    source: include_str!("non_sargable.rs"),
    check: Check::Workload(check),
};

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    for (id, facts) in context.facts {
        for predicate in &facts.predicates {
            let Some(wrapper) = &predicate.wrapped_in else {
                continue;
            };
            let column = &predicate.column;
            let Some(table) = catalog.tables.get(&column.table) else {
                continue;
            };
            let Some(index) = index_leading_with(catalog, &table.name, &column.column) else {
                continue;
            };
            if has_expression_index(catalog, table, wrapper, &column.column) {
                continue;
            }
            let shown = shown_wrapped(&column.column, wrapper);
            let (severity, advice, sql) = advise(context, *id, table, predicate, wrapper);
            out.push(finding(
                &RULE,
                severity,
                format!(
                    "{shown} hides {}.{} from its index {} ({}): {advice}",
                    table.name,
                    column.column,
                    index.name.name,
                    logged(context, *id)
                ),
                Some(table.name.clone()),
                vec![column.column.clone()],
                sql,
                *id,
            ));
        }
    }
}

/// A known sargable form of a wrapped column.
enum Form {
    /// `date(ts) op v` → a range on `ts`.
    DayOfTimestamp,
    /// `int::text = '5'` → `int = 5`.
    IntegerAsText,
    /// `lower(col)`: only an expression index helps.
    CaseFolded,
}

fn form(table: &Table, predicate: &Predicate, wrapper: &str) -> Option<Form> {
    let data_type = table.column(&predicate.column.column)?.data_type.as_str();
    let comparison = matches!(
        predicate.operator,
        Operator::Eq | Operator::Lt | Operator::LtEq | Operator::Gt | Operator::GtEq
    );
    let value = matches!(
        predicate.value,
        Operand::Constant(_) | Operand::Parameter { .. }
    );
    match wrapper {
        "date" | "::date" if comparison && value && data_type.starts_with("timestamp") => {
            Some(Form::DayOfTimestamp)
        }
        "::text" | "::varchar" | "::character varying"
            if predicate.operator == Operator::Eq
                && value
                && matches!(data_type, "smallint" | "integer" | "bigint") =>
        {
            Some(Form::IntegerAsText)
        }
        "lower" | "upper" => Some(Form::CaseFolded),
        _ => None,
    }
}

/// The severity, the advice and the SQL (rewritten statement or index) for one predicate.
fn advise(
    context: &Context<'_>,
    id: u64,
    table: &Table,
    predicate: &Predicate,
    wrapper: &str,
) -> Advice {
    let column = &predicate.column.column;
    let data_type = table.column(column).map_or("", |c| c.data_type.as_str());
    match form(table, predicate, wrapper) {
        Some(Form::DayOfTimestamp) => day_bounds(context, id, predicate, wrapper, data_type),
        Some(Form::IntegerAsText) => integer_comparison(context, id, predicate, wrapper, data_type),
        Some(Form::CaseFolded) => expression_index(table, wrapper, column),
        None => unsure(wrapper, column),
    }
}

/// What to do about one predicate: the finding's severity, the advice and its SQL.
type Advice = (Severity, String, Option<String>);

/// `date(column) = value` as the day's bounds on the bare column: the same rows.
fn day_bounds(
    context: &Context<'_>,
    id: u64,
    predicate: &Predicate,
    wrapper: &str,
    data_type: &str,
) -> Advice {
    let sql = rewrite(context, id, predicate, wrapper, |c, op, v| {
        Some(match op {
            BinaryOperator::Eq => format!("{c} >= {v}::date AND {c} < {v}::date + 1"),
            BinaryOperator::GtEq => format!("{c} >= {v}::date"),
            BinaryOperator::Gt => format!("{c} >= {v}::date + 1"),
            BinaryOperator::Lt => format!("{c} < {v}::date"),
            BinaryOperator::LtEq => format!("{c} < {v}::date + 1"),
            _ => return None,
        })
    });
    match sql {
        Some(sql) => (
            RULE.severity,
            format!(
                "compare the bare column with the day's bounds instead — the same rows (both \
                 forms read {data_type} in the session's TimeZone) and the index can search them"
            ),
            Some(sql),
        ),
        None => unsure(wrapper, &predicate.column.column),
    }
}

/// `column::text = '42'` as `column = 42`: the same rows when the constant is written as
/// PostgreSQL prints integers; a parameter is cast instead, and the advice says when that
/// differs.
fn integer_comparison(
    context: &Context<'_>,
    id: u64,
    predicate: &Predicate,
    wrapper: &str,
    data_type: &str,
) -> Advice {
    let canonical = match &predicate.value {
        Operand::Constant(text) => Some(text.parse::<i64>().is_ok_and(|n| n.to_string() == *text)),
        _ => None,
    };
    let sql = rewrite(context, id, predicate, wrapper, |c, op, v| {
        (op == BinaryOperator::Eq).then(|| match canonical {
            Some(true) => format!("{c} = {}", v.trim_matches('\'')),
            _ => format!("{c} = {v}::{data_type}"),
        })
    });
    match (canonical, sql) {
        (Some(true), Some(sql)) => (
            RULE.severity,
            format!(
                "compare the {data_type} column with an integer constant instead — the same \
                 rows, and the index can search them"
            ),
            Some(sql),
        ),
        (None, Some(sql)) => (
            Severity::Info,
            format!(
                "compare the {data_type} column with the parameter cast to {data_type} instead; \
                 that is only the same for values written as PostgreSQL prints integers ('05' \
                 would then match 5, and a non-integer value becomes an error), so check what \
                 the application passes"
            ),
            Some(sql),
        ),
        _ => unsure(wrapper, &predicate.column.column),
    }
}

/// `lower(column)`: no comparison of the bare column is the same, an index on the
/// expression serves it.
fn expression_index(table: &Table, wrapper: &str, column: &str) -> Advice {
    let def = IndexDef {
        keys: vec![KeyPart::expression(format!("{wrapper}({column})"))],
        ..IndexDef::btree(&table.name, &[])
    };
    (
        Severity::Info,
        format!(
            "no comparison of the bare column returns the same rows; an index on \
             {wrapper}({column}) serves the predicate as written (IDX003 recommends one when \
             the cost model finds it pays)"
        ),
        Some(def.create_sql(true)),
    )
}

/// No rewrite is known to keep the rows: a hint to compare the bare column or index the
/// expression.
fn unsure(wrapper: &str, column: &str) -> Advice {
    (
        Severity::Info,
        format!(
            "no rewrite returning the same rows is known for this form; compare the bare \
             column if the semantics allow, or index the expression ({wrapper} of {column}, \
             see IDX003)"
        ),
        None,
    )
}

/// The statement with each `wrapped(column) op value` replaced by `replace(column, op,
/// value)`, as SQL; `None` when nothing was replaced.
fn rewrite(
    context: &Context<'_>,
    id: u64,
    predicate: &Predicate,
    wrapper: &str,
    replace: impl Fn(&str, BinaryOperator, &str) -> Option<String>,
) -> Option<String> {
    let mut statement = statement(context, id)?;
    let mut replaced = 0;
    let _ = visit_expressions_mut(&mut statement, |expression| {
        if let Expr::BinaryOp { left, op, right } = expression {
            let found = match (
                unwrapped(left, wrapper, &predicate.column.column),
                unwrapped(right, wrapper, &predicate.column.column),
            ) {
                (Some(column), None) => Some((column, op.clone(), right.to_string())),
                (None, Some(column)) => Some((column, mirrored(op), left.to_string())),
                _ => None,
            };
            if let Some(new) = found
                .and_then(|(column, op, value)| replace(&column, op, &value))
                .and_then(|text| parse_expression(&text).ok())
            {
                *expression = Expr::Nested(Box::new(new));
                replaced += 1;
            }
        }
        ControlFlow::<()>::Continue(())
    });
    (replaced > 0).then(|| statement.to_string())
}

/// The column as written, when `expression` is `wrapper` applied to it.
fn unwrapped(expression: &Expr, wrapper: &str, column: &str) -> Option<String> {
    let inner = match expression {
        Expr::Cast {
            expr, data_type, ..
        } if format!("::{}", data_type.to_string().to_lowercase()) == wrapper => expr.as_ref(),
        Expr::Function(function) if function.name.to_string().to_lowercase() == wrapper => {
            match &function.args {
                sqlparser::ast::FunctionArguments::List(list) => match list.args.as_slice() {
                    [
                        sqlparser::ast::FunctionArg::Unnamed(
                            sqlparser::ast::FunctionArgExpr::Expr(e),
                        ),
                    ] => e,
                    _ => return None,
                },
                _ => return None,
            }
        }
        _ => return None,
    };
    let name = match inner {
        Expr::Identifier(name) => name,
        Expr::CompoundIdentifier(parts) => parts.last()?,
        _ => return None,
    };
    (super::ident(name) == column).then(|| inner.to_string())
}

/// `v < f(c)` is `f(c) > v`.
fn mirrored(op: &BinaryOperator) -> BinaryOperator {
    match op {
        BinaryOperator::Lt => BinaryOperator::Gt,
        BinaryOperator::LtEq => BinaryOperator::GtEq,
        BinaryOperator::Gt => BinaryOperator::Lt,
        BinaryOperator::GtEq => BinaryOperator::LtEq,
        other => other.clone(),
    }
}

/// Whether an index of the table leads with an expression of `wrapper` over the column.
fn has_expression_index(catalog: &Catalog, table: &Table, wrapper: &str, column: &str) -> bool {
    let function = wrapper.trim_start_matches("::");
    catalog.indexes.values().any(|index| {
        index.table == table.name
            && index.keys.first().is_some_and(|k| {
                !k.is_column && k.expression.contains(function) && k.expression.contains(column)
            })
    })
}
