//! ## What it finds
//! `ALTER TABLE … ADD COLUMN` that rewrites an existing table: a volatile default
//! (`gen_random_uuid()`, `clock_timestamp()`, `random()`, a `serial` type's `nextval`, a
//! function of the schema's own), a stored generated or identity column, a column of a
//! domain with a constraint (every row's value is checked, even without a default), or — on
//! PostgreSQL 10 and older (`--pg-version`) — any default. Volatility is `pg_proc`'s: a
//! default calling only immutable or stable functions (`tstzrange(now(), NULL)`) is
//! evaluated once and stored in the catalog.
//!
//! ## Why it matters
//! The table and all its indexes are written anew under an ACCESS EXCLUSIVE lock: no reads,
//! no writes, for as long as copying the table takes, and twice its disk space meanwhile. A
//! constant default (`DEFAULT 0`, `DEFAULT now()`, which is stable) is free since 11.
//!
//! ## Example
//! ```sql
//! ALTER TABLE orders ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();
//! ```
//!
//! ## Instead
//! Add the column without the volatile default, set the default for new rows, backfill old
//! rows in batches, then add the constraint:
//! ```sql
//! ALTER TABLE orders ADD COLUMN public_id uuid;
//! ALTER TABLE orders ALTER COLUMN public_id SET DEFAULT gen_random_uuid();
//! UPDATE orders SET public_id = gen_random_uuid() WHERE id BETWEEN … AND …;  -- in batches
//! ```
//!
//! ## How severity is decided
//! By the table's size and traffic (the rewrite's length).

use super::blocking_finding;
use crate::analysis::migration::StatementContext;
use crate::analysis::migration::locks::{Work, column_rewrites_table};
use crate::findings::{Category, Finding, LockMode, Severity};
use crate::model::ddl::{format_type, identifier};
use crate::rules::{Check, Rule};
use sqlparser::ast::AlterTableOperation;

pub static RULE: Rule = Rule {
    id: "MIG008",
    name: "rewriting-add-column",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("rewriting_add_column.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some((table, operations)) = context.altered_table() else {
        return;
    };
    for operation in operations {
        let AlterTableOperation::AddColumn { column_def, .. } = operation else {
            continue;
        };
        if !column_rewrites_table(column_def, context) {
            continue;
        }
        let column = identifier(&column_def.name);
        let checked_domain = context
            .catalog
            .domain_of_type(&format_type(&column_def.data_type))
            .is_some_and(|domain| domain.has_constraints());
        let why = if checked_domain {
            ": every row's value is checked against the domain's constraints"
        } else {
            ""
        };
        let problem = format!(
            "ADD COLUMN {column} ({}) rewrites {table} and its indexes{why}",
            column_def
                .to_string()
                .split_once(' ')
                .map_or("", |(_, definition)| definition)
        );
        if let Some(mut finding) = blocking_finding(
            context,
            &RULE,
            &table,
            LockMode::AccessExclusive,
            Work::Rewrite,
            problem,
        ) {
            finding.columns = vec![column];
            out.push(finding);
        }
    }
}
