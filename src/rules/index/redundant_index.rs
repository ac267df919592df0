//! ## What it finds
//! An index that another index of the same table already makes unnecessary: an exact
//! duplicate, or one whose keys are a left prefix of the other's (same method, same partial
//! condition, its `INCLUDE` columns covered) — or that an index the advisor recommends
//! would make unnecessary (create that one, then drop this one). Indexes that enforce a
//! constraint (primary key, unique) are kept.
//!
//! ## Why it matters
//! Every index is written on every INSERT, on DELETE-driven vacuum and on each UPDATE of its
//! columns (and such an UPDATE can no longer be HOT); it takes disk and cache. A redundant
//! one costs all that and serves nothing the other cannot.
//!
//! ## Example
//! ```sql
//! CREATE INDEX orders_customer_id_idx ON orders (customer_id);
//! CREATE INDEX orders_customer_id_created_at_idx ON orders (customer_id, created_at);
//! ```
//!
//! ## Instead
//! ```sql
//! DROP INDEX CONCURRENTLY public.orders_customer_id_idx;
//! ```
//! A query that filters on `customer_id` alone uses the wider index at nearly the same cost.
//!
//! ## How the saving is estimated
//! Not as cost: the finding names the index that replaces it and, with a live database, the
//! space it takes (`pg_relation_size`).

use crate::analysis::index::candidates::{does_the_work_of, serves};
use crate::analysis::index::definition::{IndexDef, qualified};
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::{Index, QualifiedName};
use crate::rules::{Check, Context, Rule};
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    id: "IDX004",
    name: "redundant-index",
    category: Category::Index,
    severity: Severity::Warning,
    source: include_str!("redundant_index.rs"),
    check: Check::Workload(check),
};

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    let indexes: Vec<(&Index, IndexDef)> = catalog
        .indexes
        .values()
        .filter_map(|index| Some((index, IndexDef::of_existing(index)?)))
        .collect();
    // Only an index of the same table can serve another: compared table by table.
    let mut by_table: BTreeMap<&QualifiedName, Vec<&(&Index, IndexDef)>> = BTreeMap::new();
    for entry in &indexes {
        by_table.entry(&entry.0.table).or_default().push(entry);
    }
    for (index, def) in &indexes {
        if index.primary || index.unique || index.constraint {
            continue;
        }
        let wider = by_table[&index.table].iter().find(|(other, other_def)| {
            other.name != index.name
                && does_the_work_of((other, other_def), (index, def))
                // Of two exact duplicates, the first by name is kept.
                && (other_def.keys.len() > def.keys.len()
                    || other.unique
                    || other.constraint
                    || other.name < index.name)
        });
        let replacement = match wider {
            Some((other, _)) => other.name.name.clone(),
            None => match context
                .index_plan
                .and_then(|plan| plan.chosen.iter().find(|c| serves(&c.def, def)))
            {
                // Consolidation: a recommended index that also does this one's work.
                Some(chosen) => format!("the recommended {}", chosen.def),
                None => continue,
            },
        };
        let size = index
            .stats
            .as_ref()
            .map(|s| format!(" ({:.1} MB)", s.bytes as f64 / 1e6))
            .unwrap_or_default();
        out.push(Finding {
            message: format!(
                "index {}{size} is redundant: {replacement} serves everything it does",
                index.name.name
            ),
            table: Some(index.table.clone()),
            columns: def.keys.iter().map(|k| k.expression.clone()).collect(),
            sql: Some(format!(
                "DROP INDEX CONCURRENTLY {};",
                qualified(&index.name)
            )),
            ..RULE.finding()
        });
    }
}
