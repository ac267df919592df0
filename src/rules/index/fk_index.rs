//! ## What it finds
//! A foreign key whose referencing columns lead no index, on a table whose parent the
//! logged workload deletes from (or whose referenced key it updates).
//!
//! ## Why it matters
//! For every parent row deleted or re-keyed, PostgreSQL checks the referencing table for
//! rows that still point at it (and cascades to them). That check is not in the DELETE's
//! EXPLAIN — it runs in a trigger — and without an index it is a scan of the whole child
//! table, per parent row, holding locks meanwhile.
//!
//! ## Example
//! ```sql
//! CREATE TABLE order_items (id bigint PRIMARY KEY,
//!                           order_id bigint REFERENCES orders (id) ON DELETE CASCADE);
//! DELETE FROM orders WHERE id = $1;   -- scans order_items each time
//! ```
//!
//! ## Instead
//! ```sql
//! CREATE INDEX CONCURRENTLY order_items_order_id_idx ON public.order_items (order_id);
//! ```
//!
//! ## How the saving is estimated
//! Per logged DELETE (or key UPDATE) of the parent, one referenced row assumed: a
//! sequential scan of the child table (its pages and rows, from statistics or the schema)
//! against an index lookup, with PostgreSQL's default cost settings. The index's upkeep for
//! the child's logged writes is not subtracted (see IDX001 for that accounting).

use crate::analysis::facts::{Access, StatementKind};
use crate::analysis::index::definition::{IndexDef, existing_by_table};
use crate::findings::{Category, Confidence, Finding, Saving, Severity, Weighting};
use crate::model::catalog::{ForeignKey, Table};
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;

pub static RULE: Rule = Rule {
    id: "IDX006",
    name: "fk-without-index",
    category: Category::Index,
    severity: Severity::Warning,
    source: include_str!("fk_index.rs"),
    check: Check::Workload(check),
};

/// Cost units of one index lookup (a descent and a leaf page at `random_page_cost` 4).
const LOOKUP_COST: f64 = 8.0;
/// Rows assumed for a child table of unknown size.
const DEFAULT_ROWS: f64 = crate::analysis::index::offline::DEFAULT_ROWS;

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    let existing = existing_by_table(catalog);
    for table in catalog.tables.values() {
        let on_table = existing.get(&table.name).map_or(&[][..], Vec::as_slice);
        for foreign_key in &table.foreign_keys {
            if indexed(on_table, context, table, foreign_key) {
                continue;
            }
            let parent_writes: Vec<(u64, u64)> = parent_writes(context, foreign_key);
            if parent_writes.is_empty() {
                continue;
            }
            let calls: u64 = parent_writes.iter().map(|(_, calls)| calls).sum();
            let rows = context.known_rows(table);
            let scan = super::sequential_scan_cost(table, rows.unwrap_or(DEFAULT_ROWS));
            let def = IndexDef::btree(
                &table.name,
                &foreign_key
                    .columns
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            );
            out.push(Finding {
                message: format!(
                    "{} ({}) references {} without an index: each of the {calls} logged \
                     delete{} or key update{} of {} scans {}",
                    table.name,
                    foreign_key.columns.join(", "),
                    foreign_key.references,
                    if calls == 1 { "" } else { "s" },
                    if calls == 1 { "" } else { "s" },
                    foreign_key.references.name,
                    table.name.name
                ),
                table: Some(table.name.clone()),
                columns: foreign_key.columns.clone(),
                sql: Some(format!("{};", def.create_sql(true))),
                estimated_saving: Some(Saving {
                    cost_units: calls as f64 * (scan - LOOKUP_COST).max(0.0),
                    share_of_workload: None,
                    ms_per_day: None,
                    write_overhead: 0.0,
                    basis: crate::findings::Basis::OfflineModel,
                    weighted_by: Weighting::EstimatedCost,
                    confidence: if rows.is_some() {
                        Confidence::Medium
                    } else {
                        Confidence::Low
                    },
                }),
                queries: parent_writes.iter().map(|(id, _)| format_id(*id)).collect(),
                ..RULE.finding()
            });
        }
    }
}

/// Whether an existing or recommended index leads with the key's columns (in any order).
/// Whether an index of the table (`existing`), or one recommended, leads with the key.
fn indexed(existing: &[IndexDef], context: &Context<'_>, table: &Table, key: &ForeignKey) -> bool {
    let leads = |def: &IndexDef| def.table == table.name && def.leads_with(&key.columns);
    existing.iter().any(leads)
        || context
            .index_plan
            .is_some_and(|plan| plan.chosen.iter().any(|c| leads(&c.def)))
}

/// Logged statements that delete parent rows or change their referenced key, with calls.
fn parent_writes(context: &Context<'_>, key: &ForeignKey) -> Vec<(u64, u64)> {
    let mut writes: Vec<(u64, u64)> = context
        .facts
        .iter()
        .filter(|(_, facts)| {
            let deletes = facts.kind == StatementKind::Delete
                && facts
                    .tables
                    .iter()
                    .any(|t| t.table == key.references && t.access == Access::Delete);
            let rekeys = facts.kind == StatementKind::Update
                && facts.written_columns.iter().any(|c| {
                    c.table == key.references && key.referenced_columns.contains(&c.column)
                });
            deletes || rekeys
        })
        .filter_map(|(id, _)| Some((*id, context.profile.queries.get(id)?.calls)))
        .filter(|(_, calls)| *calls > 0)
        .collect();
    writes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    writes
}
