//! ## What it finds
//! A `SELECT count(*)` whose tables and filter are those of a paginated SELECT of the same
//! workload (`ORDER BY … LIMIT`): the total printed beside a page ("1–20 of 48,213"). A
//! count with no such page beside it (a dashboard figure) is left alone.
//!
//! ## Why it matters
//! The page reads 20 rows; the total reads every row that matches, on every page view. On a
//! large match set the count is the slowest statement of the listing — and PostgreSQL has
//! no stored row count to answer it from: it scans the rows (or the index and the
//! visibility map) each time.
//!
//! ## Example
//! ```sql
//! SELECT id, total FROM orders WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 20 OFFSET 40;
//! SELECT count(*) FROM orders WHERE customer_id = 42;
//! ```
//!
//! ## Instead
//! Drop the total: fetch one row more than the page shows to know whether there is a next
//! page. Or cap what is counted and show "1,000+" beyond it:
//! ```sql
//! SELECT count(*) FROM (SELECT 1 FROM orders WHERE customer_id = 42 LIMIT 1001) AS capped;
//! ```
//! For an approximate figure on a large set, the planner's estimate (`EXPLAIN` of the
//! page's query without LIMIT) costs nothing to read.
//!
//! ## How the saving is estimated
//! Not as cost: the message gives the count's logged time, the most that dropping it saves;
//! the capped count reads at most 1,001 rows whatever the number that match.

use super::{finding, logged, statement};
use crate::analysis::facts::{QueryFacts, StatementKind};
use crate::findings::{Category, Finding, Severity, shorten};
use crate::model::catalog::QualifiedName;
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;
use sqlparser::ast::{Expr, SelectItem, SetExpr, Statement};
use std::collections::BTreeSet;

pub static RULE: Rule = Rule {
    id: "RW006",
    name: "count-for-page-total",
    category: Category::Rewrite,
    severity: Severity::Info,
    source: include_str!("count_page_total.rs"),
    check: Check::Workload(check),
};

/// The most rows the capped count reads, less one (the one that says "more").
const COUNT_CAP: u64 = 1000;

/// What a statement reads and how it filters: the same for a page and its total.
type Selection = (BTreeSet<QualifiedName>, BTreeSet<String>);

fn selection(facts: &QueryFacts) -> Selection {
    let tables = facts.tables.iter().map(|t| t.table.clone()).collect();
    let filters = facts
        .predicates
        .iter()
        .map(|p| format!("{}.{} {:?}", p.column.table, p.column.column, p.operator))
        .collect();
    (tables, filters)
}

fn is_page(facts: &QueryFacts) -> bool {
    facts.kind == StatementKind::Select
        && !facts.counts_rows
        && facts.limit.is_some()
        && !facts.order_by.is_empty()
}

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    for (&id, facts) in context.facts {
        if facts.kind != StatementKind::Select || !facts.counts_rows || facts.tables.is_empty() {
            continue;
        }
        let counted = selection(facts);
        let pages: Vec<u64> = context
            .facts
            .iter()
            .filter(|(_, page)| is_page(page) && selection(page) == counted)
            .map(|(&page, _)| page)
            .collect();
        let Some(&page) = pages.first() else {
            continue;
        };
        let message = format!(
            "`{}` counts every matching row for the total beside the page `{}` ({}): it \
             reads all of them on every page view, however few the page shows. Drop the \
             total (fetch one row more than the page to know if there is a next one), or \
             cap it at {COUNT_CAP} as below",
            shorten(context.profile.normalized(id), 80),
            shorten(context.profile.normalized(page), 80),
            logged(context, id),
        );
        let mut finding = finding(
            &RULE,
            RULE.severity,
            message,
            facts.tables.first().map(|t| t.table.clone()),
            Vec::new(),
            statement(context, id).and_then(capped),
            id,
        );
        finding.queries.extend(pages.into_iter().map(format_id));
        out.push(finding);
    }
}

/// `SELECT count(*) FROM (SELECT 1 FROM … WHERE … LIMIT 1001) AS capped`, from the count.
fn capped(statement: Statement) -> Option<String> {
    let Statement::Query(mut query) = statement else {
        return None;
    };
    if query.limit_clause.is_some() || query.with.is_some() {
        return None;
    }
    let SetExpr::Select(select) = query.body.as_mut() else {
        return None;
    };
    select.projection = vec![SelectItem::UnnamedExpr(Expr::value(
        sqlparser::ast::Value::Number("1".into(), false),
    ))];
    Some(format!(
        "SELECT count(*) FROM ({query} LIMIT {}) AS capped",
        COUNT_CAP + 1
    ))
}
