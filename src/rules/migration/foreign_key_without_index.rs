//! ## What it finds
//! A new foreign key — `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY`, `ADD COLUMN …
//! REFERENCES`, or one in `CREATE TABLE` — whose columns lead no index of the referencing
//! table: none exists, and no later statement of the same file builds one.
//!
//! ## Why it matters
//! PostgreSQL indexes the referenced key, never the referencing columns. Every DELETE of a
//! parent row (and every update of its key) looks for child rows still pointing at it: without
//! an index that is a scan of the whole child table per parent row, run in a trigger that no
//! EXPLAIN of the DELETE shows. Joins from parent to children scan the child table too.
//!
//! ## Example
//! ```sql
//! ALTER TABLE order_items ADD CONSTRAINT order_items_order_id_fkey
//!   FOREIGN KEY (order_id) REFERENCES orders (id);
//! -- while the logs show: DELETE FROM orders WHERE id = $1 (5,000 calls)
//! ```
//!
//! ## Instead
//! ```sql
//! CREATE INDEX CONCURRENTLY order_items_order_id_idx ON order_items (order_id);
//! ```
//! in the same migration file (or a plain `CREATE INDEX` for a table the file creates).
//!
//! ## How severity is decided
//! Warning when the logs show statements that filter, join or sort on the key's columns or
//! delete from the referenced table (with their counts); info without logs, since any parent
//! delete will pay; quiet when logs were given and show neither.

use crate::analysis::index::definition::IndexDef;
use crate::analysis::migration::StatementContext;
use crate::analysis::migration::usage::{QueryUse, WorkloadUsage, describe};
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::{Catalog, QualifiedName};
use crate::model::ddl::identifier;
use crate::rules::{Check, Rule};
use crate::sql::fingerprint::format_id;
use sqlparser::ast::{
    AlterTableOperation, ColumnDef, ColumnOption, ForeignKeyConstraint, Statement, TableConstraint,
};

pub static RULE: Rule = Rule {
    id: "MIG026",
    name: "foreign-key-without-index",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("foreign_key_without_index.rs"),
    check: Check::Migration(check),
};

/// A foreign key the statement adds.
struct NewForeignKey {
    child: QualifiedName,
    columns: Vec<String>,
    parent: QualifiedName,
}

fn check(context: &StatementContext<'_>, _: &mut Vec<Finding>) {
    let (foreign_keys, creates_table) = new_foreign_keys(context);
    for key in foreign_keys {
        let columns = key.columns.join(", ");
        let problem = format!(
            "the new foreign key {} ({columns}) → {} has no index leading with its columns, \
             and this file builds none",
            key.child, key.parent
        );
        let (severity, evidence, queries) = match context.environment.usage {
            None => (
                Severity::Info,
                format!(
                    "every DELETE from {} will scan {} for rows still referencing it (give \
                     the logs with --log to see whether the workload does that)",
                    key.parent, key.child
                ),
                Vec::new(),
            ),
            Some(usage) => {
                let searches = searches(usage, &key);
                let deletes: Vec<&QueryUse> = usage
                    .table(&key.parent)
                    .map(|t| t.delete_queries.iter().collect())
                    .unwrap_or_default();
                if searches.is_empty() && deletes.is_empty() {
                    continue;
                }
                let mut evidence = Vec::new();
                if !searches.is_empty() {
                    evidence.push(format!(
                        "the logs filter, join or sort on {} ({columns}) in {}",
                        key.child,
                        describe(&searches)
                    ));
                }
                if !deletes.is_empty() {
                    evidence.push(format!(
                        "the logs delete from {} in {}, and each deleted row scans {} for \
                         rows still referencing it",
                        key.parent,
                        describe(&deletes),
                        key.child
                    ));
                }
                let mut queries: Vec<String> = Vec::new();
                for query in searches.iter().chain(&deletes) {
                    let id = format_id(query.fingerprint);
                    if !queries.contains(&id) {
                        queries.push(id);
                    }
                }
                (Severity::Warning, evidence.join("; "), queries)
            }
        };
        // A table this file creates is empty and held by this transaction: a plain build.
        let concurrently = !creates_table && !context.is_new(&key.child);
        let column_names: Vec<&str> = key.columns.iter().map(String::as_str).collect();
        let index = IndexDef::btree(&key.child, &column_names);
        let finding = Finding {
            severity,
            message: format!("{problem}: {evidence}"),
            table: Some(key.child.clone()),
            columns: key.columns.clone(),
            sql: Some(format!("{};", index.create_sql(concurrently))),
            queries,
            ..RULE.finding_at(context)
        };
        context
            .at_file_end(move |file_end| (!indexed_at_file_end(file_end, &key)).then_some(finding));
    }
}

/// The foreign keys the statement adds, and whether it is the `CREATE TABLE` of their table.
fn new_foreign_keys(context: &StatementContext<'_>) -> (Vec<NewForeignKey>, bool) {
    let mut found = Vec::new();
    let mut add = |child: &QualifiedName, columns: Vec<String>, key: &ForeignKeyConstraint| {
        // A table referencing itself from its own CREATE TABLE does not exist yet.
        let parent = context.declared_table_name(&key.foreign_table);
        found.push(NewForeignKey {
            child: child.clone(),
            columns,
            parent,
        });
    };
    match context.ast {
        Some(Statement::CreateTable(create)) => {
            let child = context.declared_table_name(&create.name);
            let keys = create
                .columns
                .iter()
                .flat_map(column_keys)
                .chain(create.constraints.iter().filter_map(table_key));
            for (columns, key) in keys {
                add(&child, columns, key);
            }
            (found, true)
        }
        Some(Statement::AlterTable(alter)) => {
            let Some(child) = context.table_name(&alter.name) else {
                return (found, false);
            };
            for operation in &alter.operations {
                let keys = match operation {
                    AlterTableOperation::AddConstraint { constraint, .. } => {
                        table_key(constraint).into_iter().collect()
                    }
                    AlterTableOperation::AddColumn { column_def, .. } => column_keys(column_def),
                    _ => Vec::new(),
                };
                for (columns, key) in keys {
                    add(&child, columns, key);
                }
            }
            (found, false)
        }
        _ => (found, false),
    }
}

/// The `REFERENCES` of a column definition, with the column.
fn column_keys(column: &ColumnDef) -> Vec<(Vec<String>, &ForeignKeyConstraint)> {
    column
        .options
        .iter()
        .filter_map(|option| match &option.option {
            ColumnOption::ForeignKey(key) => Some((vec![identifier(&column.name)], key)),
            _ => None,
        })
        .collect()
}

/// A `FOREIGN KEY (…)` table constraint, with its columns.
fn table_key(constraint: &TableConstraint) -> Option<(Vec<String>, &ForeignKeyConstraint)> {
    match constraint {
        TableConstraint::ForeignKey(key) => {
            Some((key.columns.iter().map(identifier).collect(), key))
        }
        _ => None,
    }
}

/// Whether, once the file has run, an index of the child table leads with the key's columns
/// (an existing one, or one a later statement builds).
fn indexed_at_file_end(file_end: &Catalog, key: &NewForeignKey) -> bool {
    file_end
        .indexes
        .values()
        .filter(|index| index.table == key.child)
        .filter_map(IndexDef::of_existing)
        .any(|index| index.leads_with(&key.columns))
}

/// The logged statements that filter, join or sort on any of the key's columns, most calls
/// first, each once.
fn searches<'u>(usage: &'u WorkloadUsage, key: &NewForeignKey) -> Vec<&'u QueryUse> {
    let mut found: Vec<&QueryUse> = key
        .columns
        .iter()
        .flat_map(|column| usage.searched(&key.child, column))
        .collect();
    found.sort_by(|a, b| {
        b.calls
            .cmp(&a.calls)
            .then(a.fingerprint.cmp(&b.fingerprint))
    });
    found.dedup_by_key(|u| u.fingerprint);
    found
}
