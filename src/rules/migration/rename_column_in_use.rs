//! ## What it finds
//! `ALTER TABLE … RENAME COLUMN` on a table that existed before the migration; with logs
//! (`--log`), the logged statements that still use the old name.
//!
//! ## Why it matters
//! A rename is instant, and so is the breakage: from the commit on, every statement using
//! the old name fails with `column "…" does not exist`. The code that uses the new name
//! cannot be deployed at the same instant, so one version or the other is broken for the
//! length of the deploy.
//!
//! ## Example
//! ```sql
//! ALTER TABLE customers RENAME COLUMN email TO email_address;
//! ```
//!
//! ## Instead
//! Expand and contract: add the new column, keep both filled (a trigger, or the
//! application writing both), backfill, move the reads to the new column, then drop the
//! old one once no code uses it.
//! ```sql
//! ALTER TABLE customers ADD COLUMN email_address text;
//! -- trigger or dual writes, backfill in batches, deploy the reads, then:
//! ALTER TABLE customers DROP COLUMN email;
//! ```
//!
//! ## How severity is decided
//! By what the logs show: an error when logged statements use the old name, info when logs
//! were given and none does, a warning without logs. Nothing for a table created in the
//! same file.

use super::in_use::{Breakage, in_use_finding};
use crate::analysis::migration::StatementContext;
use crate::findings::{Category, Finding, Severity};
use crate::model::ddl::identifier;
use crate::rules::{Check, Rule};
use sqlparser::ast::AlterTableOperation;

pub static RULE: Rule = Rule {
    id: "MIG016",
    name: "rename-column-in-use",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("rename_column_in_use.rs"),
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
        let AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } = operation
        else {
            continue;
        };
        let old = identifier(old_column_name);
        let new = identifier(new_column_name);
        let uses = context
            .environment
            .usage
            .map(|usage| usage.column(&table, &old));
        let breakage = Breakage {
            change: format!("RENAME COLUMN {table}.{old} TO {new}"),
            failure: format!("column \"{old}\" does not exist"),
            advice: "add the new column beside the old one, keep both filled and move the code over before dropping the old one",
            table: table.clone(),
            columns: vec![old],
        };
        out.push(in_use_finding(context, &RULE, breakage, uses));
    }
}
