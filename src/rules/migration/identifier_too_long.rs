//! ## What it finds
//! A table, column, index, constraint or sequence name longer than 63 bytes, written in
//! `CREATE TABLE`, `CREATE INDEX`, `CREATE SEQUENCE`, `ADD COLUMN`, `ADD CONSTRAINT` or a
//! `RENAME`. Names PostgreSQL makes up itself (`orders_customer_id_fkey`) are shortened by
//! PostgreSQL with care and are not flagged.
//!
//! ## Why it matters
//! PostgreSQL cuts longer names to 63 bytes (`NAMEDATALEN - 1`) with nothing but a NOTICE.
//! The object exists under the shortened name: a later statement — in this migration, a
//! rollback script, or the application — that names it in full fails with `does not
//! exist`, and two long names that share their first 63 bytes are one name, so the second
//! statement fails with `already exists`. Multi-byte characters count as several bytes.
//!
//! ## Example
//! ```sql
//! CREATE INDEX orders_customer_id_created_at_status_shipping_country_partial_idx
//!     ON orders (customer_id, created_at) WHERE status = 'open';
//! ```
//!
//! ## Instead
//! Choose a name of at most 63 bytes, one that still says what the object is:
//! `orders_open_customer_created_idx`.
//!
//! ## How severity is decided
//! A warning: the statement succeeds, but the name is not the one written.

use crate::analysis::migration::StatementContext;
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::QualifiedName;
use crate::model::ddl::{MAX_IDENTIFIER_BYTES, folded_identifier, identifier};
use crate::rules::{Check, Rule};
use sqlparser::ast::{
    AlterIndexOperation, AlterTableOperation, ColumnDef, ColumnOption, Ident, ObjectName,
    RenameTableNameKind, Statement, TableConstraint,
};

pub static RULE: Rule = Rule {
    id: "MIG024",
    name: "identifier-too-long",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("identifier_too_long.rs"),
    check: Check::Migration(check),
};

/// A name the statement gives to an object.
struct Named<'a> {
    /// `table`, `column`, `index`, `constraint`, `sequence`.
    kind: &'static str,
    ident: &'a Ident,
    /// Whether it names a column (reported in the finding's `columns`).
    column: bool,
}

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some(statement) = context.ast else {
        return;
    };
    let (table, names) = names_given(context, statement);
    for named in names {
        let full = folded_identifier(named.ident);
        if full.len() <= MAX_IDENTIFIER_BYTES {
            continue;
        }
        let kept = identifier(named.ident);
        out.push(Finding {
            message: format!(
                "the {} name `{full}` is {} bytes: PostgreSQL cuts it to {MAX_IDENTIFIER_BYTES} \
                 (`{kept}`) with only a NOTICE, so statements that name it in full fail with \
                 `does not exist`, and another long name starting with the same \
                 {MAX_IDENTIFIER_BYTES} bytes clashes with it",
                named.kind,
                full.len(),
            ),
            table: table.clone(),
            columns: if named.column { vec![kept] } else { Vec::new() },
            ..RULE.finding_at(context)
        });
    }
}

/// The table the statement is about, and the names it gives.
fn names_given<'a>(
    context: &StatementContext<'_>,
    statement: &'a Statement,
) -> (Option<QualifiedName>, Vec<Named<'a>>) {
    let mut names = Vec::new();
    let table = match statement {
        Statement::CreateTable(create) => {
            names.extend(last_part(&create.name).map(|ident| named("table", ident)));
            for column in &create.columns {
                column_names(column, &mut names);
            }
            for constraint in &create.constraints {
                names.extend(constraint_name(constraint).map(|ident| named("constraint", ident)));
            }
            Some(context.declared_table_name(&create.name))
        }
        Statement::CreateIndex(create) => {
            let index = create.name.as_ref().and_then(last_part);
            names.extend(index.map(|ident| named("index", ident)));
            Some(context.declared_table_name(&create.table_name))
        }
        Statement::CreateSequence { name, .. } => {
            names.extend(last_part(name).map(|ident| named("sequence", ident)));
            None
        }
        Statement::AlterIndex {
            name,
            operation: AlterIndexOperation::RenameIndex { index_name },
        } => {
            names.extend(last_part(index_name).map(|ident| named("index", ident)));
            context.table_of_index(name)
        }
        Statement::AlterTable(alter) => {
            for operation in &alter.operations {
                match operation {
                    AlterTableOperation::AddColumn { column_def, .. } => {
                        column_names(column_def, &mut names);
                    }
                    AlterTableOperation::AddConstraint { constraint, .. } => names.extend(
                        constraint_name(constraint).map(|ident| named("constraint", ident)),
                    ),
                    AlterTableOperation::RenameColumn {
                        new_column_name, ..
                    } => names.push(Named {
                        column: true,
                        ..named("column", new_column_name)
                    }),
                    AlterTableOperation::RenameTable {
                        table_name: RenameTableNameKind::As(new) | RenameTableNameKind::To(new),
                    } => names.extend(last_part(new).map(|ident| named("table", ident))),
                    AlterTableOperation::RenameConstraint { new_name, .. } => {
                        names.push(named("constraint", new_name));
                    }
                    _ => {}
                }
            }
            Some(context.declared_table_name(&alter.name))
        }
        _ => None,
    };
    (table, names)
}

fn named<'a>(kind: &'static str, ident: &'a Ident) -> Named<'a> {
    Named {
        kind,
        ident,
        column: false,
    }
}

/// A column's name and the names of the constraints declared with it.
fn column_names<'a>(column: &'a ColumnDef, names: &mut Vec<Named<'a>>) {
    names.push(Named {
        column: true,
        ..named("column", &column.name)
    });
    for option in &column.options {
        let inner = match &option.option {
            ColumnOption::PrimaryKey(key) => key.name.as_ref(),
            ColumnOption::Unique(key) => key.name.as_ref(),
            ColumnOption::ForeignKey(key) => key.name.as_ref(),
            ColumnOption::Check(check) => check.name.as_ref(),
            _ => None,
        };
        names.extend(
            option
                .name
                .as_ref()
                .or(inner)
                .map(|ident| named("constraint", ident)),
        );
    }
}

fn constraint_name(constraint: &TableConstraint) -> Option<&Ident> {
    match constraint {
        TableConstraint::PrimaryKey(key) => key.name.as_ref(),
        TableConstraint::Unique(key) => key.name.as_ref(),
        TableConstraint::ForeignKey(key) => key.name.as_ref(),
        TableConstraint::Check(check) => check.name.as_ref(),
        TableConstraint::PrimaryKeyUsingIndex(key) | TableConstraint::UniqueUsingIndex(key) => {
            key.name.as_ref()
        }
        TableConstraint::Exclude(exclude) => exclude.name.as_ref(),
        _ => None,
    }
}

fn last_part(name: &ObjectName) -> Option<&Ident> {
    name.0.last().and_then(|part| part.as_ident())
}
