//! ## What it finds
//! `ALTER TABLE … ADD FOREIGN KEY` or `ADD CHECK` on an existing table without `NOT VALID`,
//! and `ADD COLUMN … REFERENCES`, whose foreign key is validated the same way; `ALTER DOMAIN
//! … ADD CONSTRAINT` without `NOT VALID`, which checks every table with a column of the
//! domain; and `VALIDATE CONSTRAINT` in the same transaction as the `NOT VALID` add, which
//! undoes it.
//!
//! ## Why it matters
//! Adding the constraint checks every row while holding the lock: SHARE ROW EXCLUSIVE on
//! both tables for a foreign key (writes wait), ACCESS EXCLUSIVE for a check (everything
//! waits), for as long as the scan takes. `ADD COLUMN … REFERENCES` holds ACCESS EXCLUSIVE
//! on its table through the check (the column's lock), SHARE ROW EXCLUSIVE on the one it
//! references. A domain's new constraint holds SHARE on each table using the domain (writes
//! wait) while it checks it — and so does its later `VALIDATE CONSTRAINT`: `NOT VALID` only
//! moves the check to a time of your choosing. The locks are the ones
//! `tests/migration_judge.rs` reads in `pg_locks`.
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
//! A new column keeps everything it was declared with but the key, which follows it:
//! ```sql
//! ALTER TABLE orders ADD COLUMN referrer_id bigint NOT NULL DEFAULT 0;
//! ALTER TABLE orders ADD CONSTRAINT orders_referrer_id_fkey
//!   FOREIGN KEY (referrer_id) REFERENCES customers (id) NOT VALID;
//! ALTER TABLE orders VALIDATE CONSTRAINT orders_referrer_id_fkey;
//! ```
//!
//! ## How severity is decided
//! By the table's size and traffic (the scan's length); nothing for a table created in the
//! same file.

use super::blocking_finding;
use crate::analysis::migration::StatementContext;
use crate::analysis::migration::locks::Work;
use crate::findings::{Category, Claim, Finding, LockMode, Severity};
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
    if context.starts_with(&["ALTER", "DOMAIN"]) {
        domain_constraint(context, out);
        return;
    }
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
                LockMode::ShareRowExclusive,
                fk.columns
                    .iter()
                    .map(crate::model::ddl::identifier)
                    .collect(),
            ),
            TableConstraint::Check(_) => ("CHECK", LockMode::AccessExclusive, Vec::new()),
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
    let impact = context.impact(
        &parent,
        LockMode::ShareRowExclusive,
        Work::Scan,
        RULE.severity,
    )?;
    Some(Finding {
        severity: impact.severity,
        message: format!(
            "ADD FOREIGN KEY without NOT VALID checks every row {table} was filled with (by \
             CREATE TABLE … AS in this file) while holding SHARE ROW EXCLUSIVE on {parent}: \
             writes to {parent} wait until the check ends; {}",
            impact.table_note
        ),
        claims: vec![Claim::TakesLock {
            table: parent.clone(),
            lock: LockMode::ShareRowExclusive,
            rewrites: false,
        }],
        table: Some(parent),
        ..RULE.finding_at(context)
    })
}

/// `ALTER DOMAIN … ADD CONSTRAINT` without `NOT VALID`: every table with a column of the
/// domain is checked under SHARE (sqlparser cannot read the statement: its words and the
/// lock model's tables say what it does).
fn domain_constraint(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let words = &context.statement.words;
    if words.find(0, &["ADD"]).is_none() || words.find(0, &["NOT", "VALID"]).is_some() {
        return;
    }
    let Some(domain) = context.object_after(&["DOMAIN"]) else {
        return;
    };
    let statement = context.statement.text.trim().trim_end_matches(';');
    for lock in context.locks() {
        let problem = format!(
            "ALTER DOMAIN {domain} ADD CONSTRAINT without NOT VALID checks every row of {} (a \
             column of the domain) while holding {}; VALIDATE CONSTRAINT later takes the same \
             lock on PostgreSQL 15, so run it when writes can wait",
            lock.table,
            lock.lock.as_str()
        );
        if let Some(mut finding) =
            blocking_finding(context, &RULE, &lock.table, lock.lock, lock.work, problem)
        {
            finding.sql = Some(format!("{statement} NOT VALID;"));
            out.push(finding);
        }
    }
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
        LockMode::AccessExclusive,
        Work::Scan,
        problem,
    ) {
        finding.sql = Some(format!(
            "COMMIT;\nALTER TABLE {table} VALIDATE CONSTRAINT {constraint};"
        ));
        finding.claims = vec![Claim::HoldsLock {
            table: table.clone(),
            lock: LockMode::AccessExclusive,
        }];
        out.push(finding);
    }
}

/// `ADD COLUMN … REFERENCES parent`: the new foreign key is validated like any other, but
/// under the ACCESS EXCLUSIVE lock the new column takes. The fix adds the column as
/// declared (type, default, NOT NULL and all) without the key, then the key `NOT VALID`,
/// then validates it.
fn new_column_reference(
    context: &StatementContext<'_>,
    table: &QualifiedName,
    column: &ColumnDef,
    out: &mut Vec<Finding>,
) {
    let Some((key, fk)) = column.options.iter().find_map(|o| match &o.option {
        ColumnOption::ForeignKey(fk) => Some((o, fk)),
        _ => None,
    }) else {
        return;
    };
    let name = identifier(&column.name);
    let parent = context.assumed_table(&fk.foreign_table);
    let parent_name = parent
        .as_ref()
        .map_or_else(|| fk.foreign_table.to_string(), ToString::to_string);
    let problem = format!(
        "ADD COLUMN {name} … REFERENCES {parent_name} validates the new foreign key over every \
         row of {table} while holding ACCESS EXCLUSIVE on {table} and SHARE ROW EXCLUSIVE on \
         {parent_name}"
    );
    let Some(mut finding) = blocking_finding(
        context,
        &RULE,
        table,
        LockMode::AccessExclusive,
        Work::Scan,
        problem,
    ) else {
        return;
    };
    if let Some(parent) = parent {
        finding.claims.push(Claim::TakesLock {
            table: parent,
            lock: LockMode::ShareRowExclusive,
            rewrites: false,
        });
    }
    let mut without_key = column.clone();
    without_key
        .options
        .retain(|o| !matches!(o.option, ColumnOption::ForeignKey(_)));
    let constraint = key.name.as_ref().map_or_else(
        || quote_identifier(&format!("{}_{name}_fkey", table.name)),
        ToString::to_string,
    );
    finding.sql = Some(format!(
        "ALTER TABLE {table} ADD COLUMN {without_key};\n\
         ALTER TABLE {table} ADD CONSTRAINT {constraint} FOREIGN KEY ({}) {} NOT VALID;\n\
         ALTER TABLE {table} VALIDATE CONSTRAINT {constraint};",
        quote_identifier(&name),
        key.option
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
