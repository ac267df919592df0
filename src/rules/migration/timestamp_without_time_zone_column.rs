//! ## What it finds
//! New columns of type `timestamp` (without time zone): in `CREATE TABLE`, `ADD COLUMN`, or
//! `ALTER COLUMN … TYPE`.
//!
//! ## Why it matters
//! `timestamp` stores a wall-clock reading with no zone. The same instant is stored
//! differently by sessions with different `TimeZone` settings, comparing it with `now()`
//! (a `timestamptz`) converts through the session's zone, and readings in the hour that
//! daylight saving time repeats are ambiguous. `timestamptz` stores the instant itself, in
//! the same 8 bytes, and shows it in the reader's zone. Converting a filled column later
//! rewrites the table and means deciding which zone the old values were in.
//!
//! ## Example
//! ```sql
//! ALTER TABLE orders ADD COLUMN shipped_at timestamp;
//! ```
//!
//! ## Instead
//! ```sql
//! ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
//! ```
//! Keep `timestamp` for readings that are meant to be local wherever they are read (a
//! shop's opening hour), not for moments something happened.
//!
//! ## How severity is decided
//! Info: nothing fails; it is a design choice that is costly to undo.

use super::new_columns::declarations;
use crate::analysis::column_types;
use crate::analysis::migration::StatementContext;
use crate::findings::{Category, Finding, Severity};
use crate::rules::{Check, Rule};
use sqlparser::ast::{DataType, Ident, ObjectName, TimezoneInfo};

pub static RULE: Rule = Rule {
    id: "MIG020",
    name: "timestamp-without-time-zone-column",
    category: Category::Migration,
    severity: Severity::Info,
    source: include_str!("timestamp_without_time_zone_column.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some(declared) = declarations(context) else {
        return;
    };
    let columns = declared.typed(|t| column_types::with_time_zone(t).is_some());
    if columns.is_empty() {
        return;
    }
    let sql = declared.rewritten(&columns, |_, data_type, _| with_time_zone(data_type));
    out.push(Finding {
        message: format!(
            "{} {} timestamp without time zone: the values carry no zone, so sessions with \
             different TimeZone settings store the same instant differently and comparisons \
             with now() shift with the setting; timestamptz stores the instant itself in the \
             same 8 bytes",
            declared.describe(&columns),
            if columns.len() == 1 { "is" } else { "are" },
        ),
        table: Some(declared.table.clone()),
        columns,
        sql: Some(sql),
        ..RULE.finding_at(context)
    });
}

/// The same type with time zone, keeping its precision.
fn with_time_zone(data_type: &mut DataType) {
    match data_type {
        DataType::Timestamp(_, zone) => *zone = TimezoneInfo::WithTimeZone,
        // `"timestamp"(3)` or `pg_catalog.timestamp`: sqlparser keeps those as named types.
        DataType::Custom(name, _) => *name = ObjectName::from(vec![Ident::new("timestamptz")]),
        _ => {}
    }
}
