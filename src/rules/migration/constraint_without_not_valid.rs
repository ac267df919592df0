//! ## What it finds
//! `ALTER TABLE … ADD FOREIGN KEY` or `ADD CHECK` on an existing table without `NOT VALID`,
//! and `ADD COLUMN … REFERENCES`, whose foreign key is validated the same way; and
//! `VALIDATE CONSTRAINT` in the same transaction as the `NOT VALID` add, which undoes it.
//!
//! ## Why it matters
//! Adding the constraint checks every row while holding the lock: SHARE ROW EXCLUSIVE on
//! both tables for a foreign key (writes wait), ACCESS EXCLUSIVE for a check (everything
//! waits), for as long as the scan takes.
//!
//! ## Example
//! ```sql
//! ALTER TABLE orders ADD CONSTRAINT orders_customer_fk
//!   FOREIGN KEY (customer_id) REFERENCES customers (id);
//! ```
//!
//! ## Instead
//! ```sql
//! ALTER TABLE orders ADD CONSTRAINT orders_customer_fk
//!   FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
//! -- in a later transaction: only SHARE UPDATE EXCLUSIVE, reads and writes go on
//! ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;
//! ```
//!
//! ## How severity is decided
//! By the table's size and traffic (the scan's length); nothing for a table created in the
//! same file.

use super::blocking_finding;
use crate::analysis::migration::StatementContext;
use crate::analysis::migration::locks::{Lock, Work};
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::QualifiedName;
use crate::model::ddl::{identifier, quote_identifier};
use crate::rules::{Check, Rule};
use sqlparser::ast::{AlterTableOperation, ColumnDef, ColumnOption, TableConstraint};

pub static RULE: Rule = Rule {
    id: "MIG005",
    name: "constraint-without-not-valid",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("constraint_without_not_valid.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some((table, operations)) = context.altered_table() else {
        return;
    };
    for operation in operations {
        if let AlterTableOperation::AddColumn { column_def, .. } = operation {
            new_column_reference(context, &table, column_def, out);
            continue;
        }
        if let AlterTableOperation::ValidateConstraint { name } = operation {
            validated_too_soon(context, &table, &identifier(name), out);
            continue;
        }
        let AlterTableOperation::AddConstraint {
            constraint,
            not_valid: false,
        } = operation
        else {
            continue;
        };
        let (kind, lock, columns) = match constraint {
            TableConstraint::ForeignKey(fk) => (
                "FOREIGN KEY",
                Lock::ShareRowExclusive,
                fk.columns
                    .iter()
                    .map(crate::model::ddl::identifier)
                    .collect(),
            ),
            TableConstraint::Check(_) => ("CHECK", Lock::AccessExclusive, Vec::new()),
            _ => continue,
        };
        let problem = format!(
            "ADD {kind} without NOT VALID checks every row of {table} while holding {}",
            lock.as_str()
        );
        let found = blocking_finding(context, &RULE, &table, lock, Work::Scan, problem)
            .or_else(|| filled_table_reference(context, &table, constraint));
        if let Some(mut finding) = found {
            let name = constraint_name(constraint).unwrap_or_else(|| "<constraint>".into());
            finding.sql = Some(format!(
                "ALTER TABLE {table} ADD {constraint} NOT VALID;\nALTER TABLE {table} VALIDATE CONSTRAINT {name};"
            ));
            finding.columns = columns;
            out.push(finding);
        }
    }
}

/// A foreign key from a table this file filled with `CREATE TABLE … AS`: the new table
/// is nobody else's yet, but the referenced one is — writes to it wait while every copied
/// row is checked.
fn filled_table_reference(
    context: &StatementContext<'_>,
    table: &QualifiedName,
    constraint: &TableConstraint,
) -> Option<Finding> {
    let TableConstraint::ForeignKey(fk) = constraint else {
        return None;
    };
    if !context.session.created_from_query.contains(table) {
        return None;
    }
    let parent = context.table_name(&fk.foreign_table)?;
    let impact = context.impact(&parent, Lock::ShareRowExclusive, Work::Scan, RULE.severity)?;
    Some(Finding {
        severity: impact.severity,
        message: format!(
            "ADD FOREIGN KEY without NOT VALID checks every row {table} was filled with (by \
             CREATE TABLE … AS in this file) while holding SHARE ROW EXCLUSIVE on {parent}: \
             writes to {parent} wait until the check ends; {}",
            impact.table_note
        ),
        table: Some(parent),
        ..RULE.finding_at(context)
    })
}

/// `VALIDATE CONSTRAINT` in the transaction that added it `NOT VALID`: the ADD's lock is
/// still held, so the scan blocks as if `NOT VALID` had not been written.
fn validated_too_soon(
    context: &StatementContext<'_>,
    table: &QualifiedName,
    constraint: &str,
    out: &mut Vec<Finding>,
) {
    if !context.session.added_not_valid.contains(constraint) {
        return;
    }
    let problem = format!(
        "VALIDATE CONSTRAINT {constraint} runs in the transaction that added it NOT VALID: the \
         ADD's lock on {table} is held through the validation scan"
    );
    if let Some(mut finding) = blocking_finding(
        context,
        &RULE,
        table,
        Lock::AccessExclusive,
        Work::Scan,
        problem,
    ) {
        finding.sql = Some(format!(
            "COMMIT;\nALTER TABLE {table} VALIDATE CONSTRAINT {constraint};"
        ));
        out.push(finding);
    }
}

/// `ADD COLUMN … REFERENCES parent`: the new foreign key is validated like any other.
fn new_column_reference(
    context: &StatementContext<'_>,
    table: &QualifiedName,
    column: &ColumnDef,
    out: &mut Vec<Finding>,
) {
    let Some(fk) = column.options.iter().find_map(|o| match &o.option {
        ColumnOption::ForeignKey(fk) => Some(fk),
        _ => None,
    }) else {
        return;
    };
    let name = identifier(&column.name);
    let problem = format!(
        "ADD COLUMN {name} … REFERENCES {} validates the new foreign key over every row of \
         {table} while holding SHARE ROW EXCLUSIVE on both tables",
        fk.foreign_table
    );
    let Some(mut finding) = blocking_finding(
        context,
        &RULE,
        table,
        Lock::ShareRowExclusive,
        Work::Scan,
        problem,
    ) else {
        return;
    };
    let constraint = quote_identifier(&format!("{}_{name}_fkey", table.name));
    let referenced = if fk.referred_columns.is_empty() {
        String::new()
    } else {
        format!(
            " ({})",
            fk.referred_columns
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let quoted = quote_identifier(&name);
    finding.sql = Some(format!(
        "ALTER TABLE {table} ADD COLUMN {quoted} {};\n\
         ALTER TABLE {table} ADD CONSTRAINT {constraint} FOREIGN KEY ({quoted}) REFERENCES {}{referenced} NOT VALID;\n\
         ALTER TABLE {table} VALIDATE CONSTRAINT {constraint};",
        column.data_type, fk.foreign_table
    ));
    finding.columns = vec![name];
    out.push(finding);
}

fn constraint_name(constraint: &TableConstraint) -> Option<String> {
    let name = match constraint {
        TableConstraint::ForeignKey(fk) => fk.name.as_ref(),
        TableConstraint::Check(check) => check.name.as_ref(),
        _ => None,
    };
    name.map(|n| n.to_string())
}
