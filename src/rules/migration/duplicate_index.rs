//! ## What it finds
//! `CREATE INDEX` whose keys equal, or are a left prefix of, the keys of an index the table
//! already has — same method, same partial condition, its `INCLUDE` columns covered — and
//! that index is still there when the file ends. A unique index is only a duplicate of a
//! unique index on the same keys: it enforces what a wider index does not.
//!
//! ## Why it matters
//! The new index serves no lookup the existing one does not serve already, but it is written
//! on every INSERT and on every UPDATE of its columns (which can then no longer be HOT), it
//! takes disk and cache, and building it holds a lock on the table.
//!
//! ## Example
//! ```sql
//! -- orders_customer_id_created_at_idx ON orders (customer_id, created_at) exists
//! CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);
//! ```
//!
//! ## Instead
//! Leave the statement out: queries on `customer_id` alone use the wider index at nearly the
//! same cost. To rebuild an index, drop the old one in the same file (the rule stays quiet
//! then).
//!
//! ## How severity is decided
//! Always a warning: the cost is certain, whatever the table's size.

use crate::analysis::index::candidates::does_the_work_of;
use crate::analysis::index::definition::IndexDef;
use crate::analysis::migration::StatementContext;
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::{Index, QualifiedName};
use crate::model::ddl::{created_index, identifier};
use crate::rules::{Check, Rule};
use sqlparser::ast::Statement;

pub static RULE: Rule = Rule {
    id: "MIG027",
    name: "duplicate-index",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("duplicate_index.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, _: &mut Vec<Finding>) {
    let Some(Statement::CreateIndex(create)) = context.ast else {
        return;
    };
    let Some(table) = context.table_name(&create.table_name) else {
        return;
    };
    let name = create
        .name
        .as_ref()
        .and_then(|n| n.0.last())
        .and_then(|part| part.as_ident())
        .map(|ident| QualifiedName::new(&table.schema, identifier(ident)));
    // A name already taken makes the statement a no-op (IF NOT EXISTS) or an error: not a
    // second index.
    if name
        .as_ref()
        .is_some_and(|n| context.catalog.indexes.contains_key(n))
    {
        return;
    }
    let new = created_index(create, &table);
    let Some(new_def) = IndexDef::of_existing(&new) else {
        return;
    };
    let mut existing: Vec<Index> = context
        .catalog
        .indexes
        .values()
        .filter(|index| index.table == table)
        .filter(|index| {
            IndexDef::of_existing(index)
                .is_some_and(|def| does_the_work_of((index, &def), (&new, &new_def)))
        })
        .cloned()
        .collect();
    if existing.is_empty() {
        return;
    }
    // The closest match first: an exact duplicate before a wider index.
    existing.sort_by(|a, b| a.keys.len().cmp(&b.keys.len()).then(a.name.cmp(&b.name)));
    let finding = RULE.finding_at(context);
    // A rebuild builds the copy, drops the original and may rename the copy to the original's
    // name: a duplicate only if both are still there when the file ends.
    context.at_file_end(move |file_end| {
        let survives = |index: &QualifiedName| file_end.indexes.contains_key(index);
        if name.as_ref().is_some_and(|n| !survives(n)) {
            return None;
        }
        let existing = existing.iter().find(|index| survives(&index.name))?;
        let new_name = name.map_or_else(|| "the new index".to_string(), |n| n.name);
        let relation = if existing.keys.len() == new.keys.len() {
            "duplicates"
        } else {
            "is a left prefix of"
        };
        Some(Finding {
            message: format!(
                "{new_name} on {table} ({}) {relation} the existing {} ({}), which already \
                 serves every lookup it would: it would only add writes, disk and cache use",
                keys(&new),
                existing.name.name,
                keys(existing)
            ),
            table: Some(table),
            columns: new.keys.iter().map(|k| k.expression.clone()).collect(),
            ..finding
        })
    });
}

fn keys(index: &Index) -> String {
    let keys: Vec<&str> = index.keys.iter().map(|k| k.expression.as_str()).collect();
    keys.join(", ")
}
