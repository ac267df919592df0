//! ## What it finds
//! A SELECT with `ORDER BY` and a deep `OFFSET`: 1,000 rows or more in any of its logged
//! calls, written in the statement or logged as the value of its `$n` parameter.
//!
//! ## Why it matters
//! `OFFSET n` does not skip rows: the server produces the first n rows in order and throws
//! them away. Page 500 of a listing reads 500 pages' worth of rows (through the index or a
//! sort), so each page costs more than the one before and the last pages of a large table
//! are the slowest statements of the application.
//!
//! ## Example
//! ```sql
//! SELECT id, total FROM orders WHERE customer_id = $1
//! ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 10000;
//! ```
//!
//! ## Instead
//! Keyset (seek) pagination: remember the sort keys of the last row of the page shown and
//! ask for the rows after it. An index on the sort keys then finds the page directly.
//! ```sql
//! SELECT id, total FROM orders WHERE customer_id = $1
//!   AND (created_at, id) < ($last_created_at, $last_id)
//! ORDER BY created_at DESC, id DESC LIMIT 20;
//! ```
//! `$last_…` are the values of the previous page's last row (the first page has no such
//! condition). The sort keys must be unique together — end them with a unique column such
//! as the primary key, else rows with equal keys at a page boundary are skipped or repeated;
//! the finding adds the primary key when the sort keys lack one. A sort column that can be
//! NULL needs care: the row comparison never matches a NULL. Pages are then asked for by
//! position, not number: jumping to page 500 is no longer possible, which is usually what
//! makes it fast. Such findings, and those on statements joining tables (where uniqueness
//! cannot be read from the catalog), are `info` and say what to check.
//!
//! ## How the saving is estimated
//! It is not: the gain grows with the offset and depends on the plan. The message gives the
//! statement's logged time, the most the rewrite can save.

use super::{finding, logged, statement, with_condition};
use crate::analysis::facts::{Access, QueryFacts, StatementKind};
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::{Catalog, QualifiedName, Table};
use crate::rules::{Check, Context, Rule};
use sqlparser::ast::{Expr, Ident, LimitClause, OrderByExpr, OrderByKind, SetExpr, Statement};

pub static RULE: Rule = Rule {
    id: "RW001",
    name: "offset-pagination",
    category: Category::Rewrite,
    severity: Severity::Warning,
    source: include_str!("offset_pagination.rs"),
    check: Check::Workload(check),
};

/// From this many rows skipped, an offset is deep enough to matter.
const DEEP_OFFSET: u64 = 1000;

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    for (id, facts) in context.facts {
        if facts.kind != StatementKind::Select || facts.order_by.is_empty() {
            continue;
        }
        // The sample's offset, or the deepest any call of the statement skipped.
        let deepest = context
            .profile
            .queries
            .get(id)
            .and_then(|q| q.deepest_offset);
        let Some(offset) = facts
            .offset
            .as_ref()
            .and_then(|o| o.value())
            .max(deepest)
            .filter(|o| *o >= DEEP_OFFSET)
        else {
            continue;
        };
        out.push(assess(context, *id, facts, offset));
    }
}

/// A sort key of the keyset: its SQL, direction and the parameter for the last row's value.
struct Key {
    expression: String,
    descending: bool,
    parameter: String,
}

impl Key {
    fn new(expression: String, descending: bool) -> Key {
        let word: String = expression
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '_' })
            .collect();
        let parameter = format!("$last_{}", word.trim_matches('_').to_lowercase());
        Key {
            expression,
            descending,
            parameter,
        }
    }

    fn after(&self) -> &'static str {
        if self.descending { "<" } else { ">" }
    }
}

/// The keyset rewrite of a statement paging with a deep OFFSET, and what to check before
/// using it.
fn assess(context: &Context<'_>, id: u64, facts: &QueryFacts, offset: u64) -> Finding {
    let mut keys: Vec<Key> = facts
        .order_by
        .iter()
        .map(|k| Key::new(k.expression.clone(), k.descending))
        .collect();
    let mut remarks = Remarks::default();
    let read: Vec<&QualifiedName> = facts
        .tables
        .iter()
        .filter(|t| t.access == Access::Read)
        .map(|t| &t.table)
        .collect();
    let single = match read.as_slice() {
        [table] => context
            .catalog
            .and_then(|c| Some((c, c.tables.get(*table)?))),
        _ => None,
    };
    match single {
        Some((catalog, table)) => {
            let sorted: Vec<&str> = facts
                .order_by
                .iter()
                .filter_map(|k| k.column.as_ref())
                .map(|c| c.column.as_str())
                .collect();
            if !is_unique(catalog, table, &sorted) {
                end_with_primary_key(table, &sorted, &mut keys, &mut remarks);
            }
            remarks.nullable_keys(table, &sorted);
        }
        None => remarks.caveats.push(
            "whether the sort keys are unique cannot be read from the catalog: end the ORDER \
             BY with a unique column if they are not"
                .to_string(),
        ),
    }
    if facts.order_by.iter().any(|k| k.column.is_none()) {
        remarks.caveats.push(
            "a sort key is not a plain column: check that its expression means the same in \
             WHERE (an output alias does not)"
                .to_string(),
        );
    }
    let sql = statement(context, id).and_then(|s| keyset(s, facts, &keys));
    if sql.is_none() {
        remarks
            .caveats
            .push("the statement could not be rewritten automatically".to_string());
    }
    let mut message = format!(
        "OFFSET {offset} makes the server produce and discard {offset} sorted rows before the \
         page ({}); keyset pagination seeks straight to it: pass the sort keys of the previous \
         page's last row ({}) instead of an offset",
        logged(context, id),
        keys.iter()
            .map(|k| k.parameter.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for note in remarks.notes.iter().chain(&remarks.caveats) {
        message.push_str("; ");
        message.push_str(note);
    }
    let severity = if remarks.caveats.is_empty() {
        RULE.severity
    } else {
        Severity::Info
    };
    let table = read.first().map(|t| (*t).clone());
    let columns = keys.iter().map(|k| k.expression.clone()).collect();
    finding(&RULE, severity, message, table, columns, sql, id)
}

/// What the message adds to the advice: notes on what the rewrite changed, and caveats,
/// which make the finding a hint (`info`) to check rather than a rewrite to apply.
#[derive(Default)]
struct Remarks {
    notes: Vec<String>,
    caveats: Vec<String>,
}

impl Remarks {
    /// A row comparison never matches a NULL: a nullable sort key loses rows.
    fn nullable_keys(&mut self, table: &Table, sorted: &[&str]) {
        for column in sorted {
            if table.column(column).is_some_and(|c| c.nullable) {
                self.caveats.push(format!(
                    "{column} can be NULL and the row comparison never matches a NULL: \
                     coalesce it or declare it NOT NULL"
                ));
            }
        }
    }
}

/// Keyset pagination needs sort keys that are unique: the primary key's columns end them
/// when they are not (a caveat when the table has none).
fn end_with_primary_key(
    table: &Table,
    sorted: &[&str],
    keys: &mut Vec<Key>,
    remarks: &mut Remarks,
) {
    let Some(key) = &table.primary_key else {
        remarks.caveats.push(format!(
            "the sort keys are not unique and {} has no primary key: end the ORDER BY with a \
             unique column, else rows with equal keys at a page boundary are skipped or \
             repeated",
            table.name
        ));
        return;
    };
    let descending = keys.last().is_some_and(|k| k.descending);
    let added: Vec<&str> = key
        .columns
        .iter()
        .map(String::as_str)
        .filter(|c| !sorted.contains(c))
        .collect();
    for column in &added {
        keys.push(Key::new(column.to_string(), descending));
    }
    remarks.notes.push(format!(
        "the sort keys are not unique, so the primary key ({}) is added as the last one: \
         without it rows with equal keys at a page boundary are skipped or repeated",
        added.join(", ")
    ));
}

/// Whether the columns include every column of a primary key, unique constraint or full
/// unique index of the table.
fn is_unique(catalog: &Catalog, table: &Table, columns: &[&str]) -> bool {
    let covers =
        |key: &[String]| !key.is_empty() && key.iter().all(|c| columns.contains(&c.as_str()));
    table
        .primary_key
        .iter()
        .chain(&table.unique_constraints)
        .any(|k| covers(&k.columns))
        || catalog.indexes.values().any(|index| {
            index.table == table.name
                && index.unique
                && index.predicate.is_none()
                && index.keys.iter().all(|k| k.is_column)
                && covers(
                    &index
                        .keys
                        .iter()
                        .map(|k| k.expression.clone())
                        .collect::<Vec<_>>(),
                )
        })
}

/// The statement without its OFFSET, seeking past the last row's keys instead.
fn keyset(mut statement: Statement, facts: &QueryFacts, keys: &[Key]) -> Option<String> {
    let Statement::Query(query) = &mut statement else {
        return None;
    };
    let SetExpr::Select(select) = query.body.as_mut() else {
        return None;
    };
    let uniform = keys.iter().all(|k| k.descending == keys[0].descending);
    let condition = if uniform && keys.len() > 1 {
        let list = |f: fn(&Key) -> &str| keys.iter().map(f).collect::<Vec<_>>().join(", ");
        format!(
            "({}) {} ({})",
            list(|k| &k.expression),
            keys[0].after(),
            list(|k| &k.parameter)
        )
    } else {
        // Mixed directions: a row comparison cannot express them, so spell out the order.
        (0..keys.len())
            .map(|i| {
                let mut parts: Vec<String> = keys[..i]
                    .iter()
                    .map(|k| format!("{} = {}", k.expression, k.parameter))
                    .collect();
                parts.push(format!(
                    "{} {} {}",
                    keys[i].expression,
                    keys[i].after(),
                    keys[i].parameter
                ));
                if i == 0 {
                    parts.join(" AND ")
                } else {
                    format!("({})", parts.join(" AND "))
                }
            })
            .collect::<Vec<_>>()
            .join(" OR ")
    };
    select.selection = Some(with_condition(select.selection.as_ref(), &condition)?);
    // The tiebreaker keys added to the keyset are added to the ORDER BY too.
    let order_by = query.order_by.as_mut()?;
    let OrderByKind::Expressions(sort) = &mut order_by.kind else {
        return None;
    };
    let options = sort.last()?.options.clone();
    for key in &keys[facts.order_by.len()..] {
        sort.push(OrderByExpr {
            expr: Expr::Identifier(Ident::new(&key.expression)),
            options: options.clone(),
            with_fill: None,
        });
    }
    query.limit_clause = match query.limit_clause.take()? {
        LimitClause::LimitOffset {
            limit, limit_by, ..
        } => (limit.is_some() || !limit_by.is_empty()).then_some(LimitClause::LimitOffset {
            limit,
            offset: None,
            limit_by,
        }),
        LimitClause::OffsetCommaLimit { limit, .. } => Some(LimitClause::LimitOffset {
            limit: Some(limit),
            offset: None,
            limit_by: Vec::new(),
        }),
    };
    Some(statement.to_string())
}
