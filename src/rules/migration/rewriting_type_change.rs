//! ## What it finds
//! `ALTER TABLE … ALTER COLUMN … TYPE` that rewrites an existing table. Changes PostgreSQL
//! makes in place are left alone: `varchar(n)` to a longer `varchar` or to `text`,
//! `numeric(p,s)` to a larger precision with the same scale or to unconstrained `numeric`,
//! `cidr` to `inet`, and between a domain and its base type (a domain stands for its base
//! type, unless the new type is a domain with a constraint: every value is then checked,
//! which rewrites).
//!
//! ## Why it matters
//! The table and every index on it are rewritten under an ACCESS EXCLUSIVE lock: nothing
//! reads or writes the table until the copy is done; it needs the table's size again in free
//! disk. Running code that sends the old type may also start failing.
//!
//! ## Example
//! ```sql
//! ALTER TABLE events ALTER COLUMN id TYPE bigint;
//! ```
//!
//! ## Instead
//! Add a new column of the new type, keep it filled (trigger or application), backfill in
//! batches, then swap the names in one short transaction. For an `integer` key running out
//! of room, that is the only way without downtime.
//!
//! When the schema does not give the old type (a table not in the schema), the change is
//! reported as one that may rewrite, naming the changes that would not.
//!
//! ## How severity is decided
//! By the table's size and traffic (the rewrite's length).

use super::blocking_finding;
use crate::analysis::migration::StatementContext;
use crate::analysis::migration::locks::{Work, type_change_rewrites};
use crate::findings::{Category, Finding, LockMode, Severity};
use crate::model::ddl::{format_type, identifier};
use crate::rules::{Check, Rule};
use sqlparser::ast::{AlterColumnOperation, AlterTableOperation};

pub static RULE: Rule = Rule {
    id: "MIG009",
    name: "rewriting-type-change",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("rewriting_type_change.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some((table, operations)) = context.altered_table() else {
        return;
    };
    for operation in operations {
        let AlterTableOperation::AlterColumn {
            column_name,
            op:
                AlterColumnOperation::SetDataType {
                    data_type, using, ..
                },
        } = operation
        else {
            continue;
        };
        let column = identifier(column_name);
        let new = format_type(data_type);
        let old = context
            .catalog
            .tables
            .get(&table)
            .and_then(|t| t.column(&column))
            .map(|c| c.data_type.clone());
        if let Some(old) = &old
            && !type_change_rewrites(context.catalog, old, &new, using.is_some())
        {
            continue;
        }
        let problem = match old {
            Some(old) => format!(
                "changing {table}.{column} from {old} to {new} rewrites the table and its indexes"
            ),
            None if using.is_some() => format!(
                "changing {table}.{column} to {new} USING an expression rewrites the table and \
                 its indexes"
            ),
            None => format!(
                "changing {table}.{column} to {new} rewrites the table and its indexes unless \
                 the old type, which the schema does not give, is binary-compatible with it \
                 (varchar to text or a longer varchar, numeric to a larger precision, cidr to \
                 inet)"
            ),
        };
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
