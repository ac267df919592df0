//! ## What it finds
//! `DROP INDEX`, or `ALTER TABLE … DROP CONSTRAINT` of a primary key or unique constraint
//! (which drops the index behind it), when logged statements filter, join or sort on the
//! index's leading column and no index left on the table once the file has run leads with
//! that column.
//!
//! ## Why it matters
//! The statements the index served do not fail: they get slower. Each lookup becomes a scan
//! of the table, on every call, from the moment the migration commits — nothing in the
//! migration's own run shows it, the application's latency does.
//!
//! ## Example
//! ```sql
//! DROP INDEX orders_customer_id_idx;
//! -- while the logs show: SELECT … FROM orders WHERE customer_id = $1 (40,000 calls)
//! ```
//!
//! ## Instead
//! Keep the index, or build its replacement first, in this file or an earlier one:
//! ```sql
//! CREATE INDEX CONCURRENTLY orders_customer_id_created_at_idx
//!   ON orders (customer_id, created_at);
//! DROP INDEX CONCURRENTLY orders_customer_id_idx;
//! ```
//! If the statements are gone from the application, deploy that first and check logs
//! recorded after it.
//!
//! ## How severity is decided
//! Error when the table is large (`large_table_rows`) or busy (`busy_table_calls_per_second`
//! in the logs), warning otherwise. Quiet without logs, when no logged statement searches the
//! column (MIG002 still covers the drop's lock), and for tables created in the same file.

use crate::analysis::migration::StatementContext;
use crate::analysis::migration::locks::Work;
use crate::analysis::migration::usage::describe;
use crate::findings::{Category, Finding, LockMode, Severity};
use crate::model::catalog::{Catalog, Index, QualifiedName};
use crate::model::ddl::identifier;
use crate::rules::{Check, Rule};
use crate::sql::fingerprint::format_id;
use sqlparser::ast::{AlterTableOperation, ObjectType, Statement};

pub static RULE: Rule = Rule {
    id: "MIG025",
    name: "drops-used-index",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("drops_used_index.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, _: &mut Vec<Finding>) {
    let Some(usage) = context.environment.usage else {
        return;
    };
    for index in dropped_indexes(context) {
        let Some(column) = index.keys.first().filter(|k| k.is_column) else {
            continue;
        };
        let column = &column.expression;
        let table = &index.table;
        let searched = usage.searched(table, column);
        if searched.is_empty() {
            continue;
        }
        // The statements will scan the table: the scan's weight on it decides, but never
        // below a warning — they run on every call, not once.
        let Some(impact) =
            context.impact(table, LockMode::AccessExclusive, Work::Scan, RULE.severity)
        else {
            continue;
        };
        let severity = impact.severity.max(Severity::Warning);
        let finding = Finding {
            severity,
            message: format!(
                "dropping {} leaves no index on {table} leading with {column}, which the logs \
                 filter, join or sort on in {}: those lookups become scans of the table; {}",
                index.name.name,
                describe(&searched),
                impact.table_note
            ),
            table: Some(table.clone()),
            columns: vec![column.clone()],
            queries: searched.iter().map(|u| format_id(u.fingerprint)).collect(),
            ..RULE.finding_at(context)
        };
        let (dropped, column) = (index.clone(), column.clone());
        context.at_file_end(move |file_end| {
            let lost =
                file_end.tables.contains_key(&dropped.table) && !kept(file_end, &dropped, &column);
            lost.then_some(finding)
        });
    }
}

/// The indexes the statement drops: named by `DROP INDEX`, or behind a dropped key
/// constraint (which shares the constraint's name).
fn dropped_indexes<'a>(context: &StatementContext<'a>) -> Vec<&'a Index> {
    let indexes = &context.catalog.indexes;
    match context.ast {
        Some(Statement::Drop {
            object_type: ObjectType::Index,
            names,
            ..
        }) => names
            .iter()
            .filter_map(|name| indexes.get(&context.index_name(name)?))
            .collect(),
        // sqlparser cannot read `DROP INDEX CONCURRENTLY`, which names a single index.
        None if context.starts_with(&["DROP", "INDEX"]) => context
            .object_after(&["DROP", "INDEX"])
            .and_then(|name| indexes.get(&context.index_name(&name)?))
            .into_iter()
            .collect(),
        Some(Statement::AlterTable(alter)) => {
            let Some(table) = context.table_name(&alter.name) else {
                return Vec::new();
            };
            alter
                .operations
                .iter()
                .filter_map(|operation| match operation {
                    AlterTableOperation::DropConstraint { name, .. } => {
                        indexes.get(&QualifiedName::new(&table.schema, identifier(name)))
                    }
                    _ => None,
                })
                .filter(|index| index.constraint && index.table == table)
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Whether, once the file has run, an index of the same kind on the table still leads with
/// the column (another one, or this one built again).
fn kept(file_end: &Catalog, dropped: &Index, column: &str) -> bool {
    file_end.indexes.values().any(|index| {
        index.table == dropped.table
            && index.method == dropped.method
            && (index.predicate.is_none() || index.predicate == dropped.predicate)
            && index
                .keys
                .first()
                .is_some_and(|k| k.is_column && k.expression == column)
    })
}
