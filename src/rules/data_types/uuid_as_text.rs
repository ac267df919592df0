//! ## What it finds
//! UUIDs kept in `text`, `character varying` or `character` columns: a column the logged
//! statements compare (`=`, `<>`, `= ANY`) only with UUID-shaped values
//! (`'3f2b8c1e-9a4d-4e8b-b1f2-6c0d5e7a9b10'`, constants or logged parameters) is a `warning`;
//! a column whose name says UUID (`uuid`, `*_uuid`, `guid`, `*_guid`) with no such
//! comparison logged is `info`. A column compared with any value that is not a UUID is left
//! alone: it holds something else.
//!
//! ## Why it matters
//! As text a UUID takes 37 bytes (36 characters and a length byte) in the table and in every
//! index on it; as `uuid` it takes 16, so the indexes are less than half the size and more
//! of them stays in cache. Text comparison goes through the collation, byte by byte;
//! `uuid` compares 16 bytes as two integers. And a text column accepts values that are not
//! UUIDs, or the same UUID in upper and lower case, which then do not match.
//!
//! ## Example
//! ```sql
//! CREATE TABLE sessions (id bigint PRIMARY KEY, session_uuid varchar(36) NOT NULL UNIQUE);
//! SELECT * FROM sessions WHERE session_uuid = '3f2b8c1e-9a4d-4e8b-b1f2-6c0d5e7a9b10';
//! ```
//!
//! ## Instead
//! ```sql
//! ALTER TABLE public.sessions ALTER COLUMN session_uuid TYPE uuid USING session_uuid::uuid;
//! ```
//! The cast fails on the first value that is not a UUID: check first with
//! `SELECT … WHERE session_uuid !~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'`. A
//! column tied to another by a foreign key cannot change alone: drop the key, change both
//! columns, and add the key again. The change rewrites the table under an ACCESS EXCLUSIVE
//! lock.
//!
//! ## How the saving is estimated
//! As space: 21 bytes per row in the table and in each index on the column, times the
//! table's row count when it is known (`--table-rows` or live statistics).

use super::{
    alter_type, fingerprints, foreign_key_note, name_words, rewrite_cost, statements,
    statements_using,
};
use crate::analysis::facts::{Operand, Operator, QueryFacts};
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::{Catalog, Column, Table};
use crate::rules::{Check, Context, Rule};
use crate::units::human_bytes;

pub static RULE: Rule = Rule {
    id: "DT003",
    name: "uuid-stored-as-text",
    category: Category::DataTypes,
    severity: Severity::Warning,
    source: include_str!("uuid_as_text.rs"),
    check: Check::Workload(check),
};

/// A UUID's text form takes 36 characters and a one-byte length header; the `uuid` type 16.
const BYTES_SAVED_PER_VALUE: f64 = 37.0 - 16.0;

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    for table in super::user_tables(catalog) {
        for column in &table.columns {
            if !is_text_type(&column.data_type) {
                continue;
            }
            let compared = compared_values(context, table, column);
            if compared.values.iter().any(|value| !is_uuid(value)) {
                continue;
            }
            let confirmed = !compared.values.is_empty();
            if !confirmed && !names_uuid(&column.name) {
                continue;
            }
            let evidence = if confirmed {
                format!(
                    "it is compared only with UUIDs (in {})",
                    statements(compared.statements.len())
                )
            } else {
                "its name says it holds UUIDs (no logged comparison confirms it)".to_string()
            };
            let others: Vec<u64> = statements_using(context, table, column, |_| true)
                .into_iter()
                .filter(|id| !compared.statements.contains(id))
                .collect();
            let queries = [compared.statements, others].concat();
            out.push(Finding {
                severity: if confirmed {
                    RULE.severity
                } else {
                    Severity::Info
                },
                message: format!(
                    "{}.{} ({}): {evidence}. As uuid each value takes 16 bytes instead of 37{}; \
                     the cast fails on any value that is not a UUID{}. {}",
                    table.name,
                    column.name,
                    column.data_type,
                    space_saved(context, catalog, table, column),
                    foreign_key_note(catalog, table, column),
                    rewrite_cost(context, table)
                ),
                table: Some(table.name.clone()),
                columns: vec![column.name.clone()],
                sql: Some(alter_type(&table.name, &column.name, "uuid")),
                queries: fingerprints(&queries),
                ..RULE.finding()
            });
        }
    }
}

/// The values the workload compares the column with, and the statements that do.
#[derive(Default)]
struct Compared {
    values: Vec<String>,
    statements: Vec<u64>,
}

fn compared_values(context: &Context<'_>, table: &Table, column: &Column) -> Compared {
    let mut compared = Compared::default();
    for id in statements_using(context, table, column, |_| true) {
        let Some(facts) = context.facts.get(&id) else {
            continue;
        };
        let values = values_compared(facts, table, column);
        if !values.is_empty() {
            compared.values.extend(values);
            compared.statements.push(id);
        }
    }
    compared
}

/// The constants and logged parameter values the bare column is compared with for
/// (in)equality in one statement.
fn values_compared(facts: &QueryFacts, table: &Table, column: &Column) -> Vec<String> {
    facts
        .predicates
        .iter()
        .filter(|p| {
            p.column.table == table.name
                && p.column.column == column.name
                && p.wrapped_in.is_none()
                && matches!(p.operator, Operator::Eq | Operator::NotEq | Operator::Any)
        })
        .filter_map(|p| match &p.value {
            Operand::Constant(value)
            | Operand::Parameter {
                value: Some(value), ..
            } => Some(value.clone()),
            _ => None,
        })
        .filter(|value| value != "NULL")
        .collect()
}

fn is_text_type(data_type: &str) -> bool {
    !data_type.ends_with("[]")
        && (data_type == "text"
            || data_type.starts_with("character varying")
            || data_type.starts_with("character("))
}

/// `uuid`, `*_uuid`, `guid`, `externalGuid`.
pub(super) fn names_uuid(name: &str) -> bool {
    name_words(name)
        .iter()
        .any(|word| word == "uuid" || word == "guid")
}

/// The canonical text form: 8-4-4-4-12 hexadecimal digits.
fn is_uuid(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(at, byte)| match at {
            8 | 13 | 18 | 23 => *byte == b'-',
            _ => byte.is_ascii_hexdigit(),
        })
}

/// ` — about 42.0 MB over 2000000 rows and 2 indexes`, when the row count is known.
fn space_saved(context: &Context<'_>, catalog: &Catalog, table: &Table, column: &Column) -> String {
    let indexes = catalog
        .indexes
        .values()
        .filter(|index| {
            index.table == table.name
                && (index.keys.iter().any(|k| k.expression == column.name)
                    || index.include.contains(&column.name))
        })
        .count();
    let Some(rows) = context.known_rows(table) else {
        return String::new();
    };
    let bytes = rows * BYTES_SAVED_PER_VALUE * (1 + indexes) as f64;
    format!(
        " — about {} less over {rows:.0} rows and {indexes} index{}",
        human_bytes(bytes as i64),
        if indexes == 1 { "" } else { "es" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_canonical_text_form_is_a_uuid() {
        assert!(is_uuid("3f2b8c1e-9a4d-4e8b-b1f2-6c0d5e7a9b10"));
        assert!(is_uuid("3F2B8C1E-9A4D-4E8B-B1F2-6C0D5E7A9B10"));
        assert!(!is_uuid("3f2b8c1e9a4d4e8bb1f26c0d5e7a9b10"));
        assert!(!is_uuid("3f2b8c1e-9a4d-4e8b-b1f2-6c0d5e7a9b1g"));
        assert!(!is_uuid("ORD-2024-000001"));
    }

    #[test]
    fn uuid_names() {
        assert!(names_uuid("uuid"));
        assert!(names_uuid("session_uuid"));
        assert!(names_uuid("externalGuid"));
        assert!(!names_uuid("fluid_level"));
    }

    #[test]
    fn text_types() {
        assert!(is_text_type("text"));
        assert!(is_text_type("character varying(36)"));
        assert!(is_text_type("character(36)"));
        assert!(!is_text_type("text[]"));
        assert!(!is_text_type("uuid"));
    }
}
