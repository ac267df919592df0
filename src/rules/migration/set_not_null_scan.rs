//! ## What it finds
//! `ALTER TABLE … ALTER COLUMN … SET NOT NULL` on an existing table when no validated
//! `CHECK (column IS NOT NULL)` proves the column has no NULLs.
//!
//! ## Why it matters
//! PostgreSQL scans the whole table to check for NULLs while holding an ACCESS EXCLUSIVE
//! lock: nothing reads or writes the table until the scan ends.
//!
//! ## Example
//! ```sql
//! ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;
//! ```
//!
//! ## Instead
//! On PostgreSQL 12 and later, prove it first without blocking, then set it for free:
//! ```sql
//! ALTER TABLE orders ADD CONSTRAINT orders_customer_id_not_null
//!   CHECK (customer_id IS NOT NULL) NOT VALID;
//! ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_not_null;
//! ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;  -- no scan now
//! ALTER TABLE orders DROP CONSTRAINT orders_customer_id_not_null;
//! ```
//!
//! ## How severity is decided
//! By the table's size and traffic (the scan's length).

use super::blocking_finding;
use crate::analysis::migration::StatementContext;
use crate::analysis::migration::locks::Work;
use crate::findings::{Category, Finding, LockMode, Severity};
use crate::model::ddl::{identifier, quote_identifier};
use crate::rules::{Check, Rule};
use sqlparser::ast::{AlterColumnOperation, AlterTableOperation};

pub static RULE: Rule = Rule {
    id: "MIG006",
    name: "set-not-null-scan",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("set_not_null_scan.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some((table, operations)) = context.altered_table() else {
        return;
    };
    for operation in operations {
        let AlterTableOperation::AlterColumn {
            column_name,
            op: AlterColumnOperation::SetNotNull,
        } = operation
        else {
            continue;
        };
        let column = identifier(column_name);
        if context.has_valid_not_null_check(&table, &column) {
            continue;
        }
        let problem = format!(
            "SET NOT NULL on {table}.{column} scans the whole table under an ACCESS EXCLUSIVE lock"
        );
        if let Some(mut finding) = blocking_finding(
            context,
            &RULE,
            &table,
            LockMode::AccessExclusive,
            Work::Scan,
            problem,
        ) {
            let quoted = quote_identifier(&column);
            let check = quote_identifier(&format!("{}_{column}_not_null", table.name));
            finding.sql = (context.environment.pg_version >= 12).then(|| {
                format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({quoted} IS NOT NULL) NOT VALID;\n\
                     ALTER TABLE {table} VALIDATE CONSTRAINT {check};\n\
                     ALTER TABLE {table} ALTER COLUMN {quoted} SET NOT NULL;\n\
                     ALTER TABLE {table} DROP CONSTRAINT {check};"
                )
            });
            finding.columns = vec![column];
            out.push(finding);
        }
    }
}
