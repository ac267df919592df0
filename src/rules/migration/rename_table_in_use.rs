//! ## What it finds
//! `ALTER TABLE … RENAME TO` of a table that existed before the migration; with logs
//! (`--log`), the logged statements that still use the old name.
//!
//! ## Why it matters
//! From the commit on, every statement using the old name fails with `relation "…" does
//! not exist`. The code that uses the new name cannot be deployed at the same instant, so
//! one version or the other is broken for the length of the deploy.
//!
//! ## Example
//! ```sql
//! ALTER TABLE orders RENAME TO purchases;
//! ```
//!
//! ## Instead
//! Rename, and leave a view under the old name in the same transaction: a view over one
//! table is automatically updatable, so old code keeps reading and writing through it until
//! the new code is deployed; then drop the view.
//! ```sql
//! ALTER TABLE public.orders RENAME TO purchases;
//! CREATE VIEW public.orders AS SELECT * FROM public.purchases;
//! ```
//!
//! ## How severity is decided
//! By what the logs show: an error when logged statements use the table, info when logs
//! were given and none does, a warning without logs. Nothing for a table created in the
//! same file.

use super::in_use::{Breakage, in_use_finding};
use crate::analysis::index::definition::qualified;
use crate::analysis::migration::StatementContext;
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::QualifiedName;
use crate::model::ddl::{identifier, quote_identifier};
use crate::rules::{Check, Rule};
use sqlparser::ast::{AlterTableOperation, RenameTableNameKind};

pub static RULE: Rule = Rule {
    id: "MIG018",
    name: "rename-table-in-use",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("rename_table_in_use.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some((table, operations)) = context.altered_table() else {
        return;
    };
    if context.is_new(&table) {
        return;
    }
    for operation in operations {
        let AlterTableOperation::RenameTable {
            table_name: RenameTableNameKind::As(new) | RenameTableNameKind::To(new),
        } = operation
        else {
            continue;
        };
        // RENAME TO keeps the schema; only the last part of the new name counts.
        let Some(new) = new
            .0
            .last()
            .and_then(|part| part.as_ident())
            .map(identifier)
        else {
            continue;
        };
        let renamed = QualifiedName::new(table.schema.clone(), new.clone());
        let uses = context.environment.usage.map(|usage| {
            usage
                .table(&table)
                .map_or(&[][..], |usage| usage.queries.as_slice())
        });
        let breakage = Breakage {
            change: format!("RENAME {table} TO {new}"),
            failure: format!("relation \"{}\" does not exist", table.name),
            advice: "leave a view under the old name until the code uses the new one",
            table: table.clone(),
            columns: Vec::new(),
        };
        let mut finding = in_use_finding(context, &RULE, breakage, uses);
        finding.sql = Some(format!(
            "ALTER TABLE {old} RENAME TO {};\nCREATE VIEW {old} AS SELECT * FROM {};",
            quote_identifier(&new),
            qualified(&renamed),
            old = qualified(&table),
        ));
        out.push(finding);
    }
}
