//! ## What it finds
//! Columns of type `timestamp without time zone` (`timestamp`, `timestamp(3)`), each once,
//! with the statements that use it.
//!
//! ## Why it matters
//! A `timestamp` is a wall-clock reading with no zone: the same instant written by a server
//! or session in another zone, or on either side of a daylight-saving change, is stored as
//! a different value, and an hour in autumn happens twice. `now()` and `timestamptz` values
//! are converted into it silently using the session's `TimeZone`, so what is stored depends
//! on a setting of whoever wrote it. `timestamp with time zone` stores the absolute instant
//! (in UTC, in the same 8 bytes) and shows it in each reader's zone; comparisons and
//! intervals between its values are always right.
//!
//! ## Example
//! ```sql
//! CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamp NOT NULL DEFAULT now());
//! ```
//!
//! ## Instead
//! ```sql
//! SET timezone = 'UTC';
//! ALTER TABLE public.events ALTER COLUMN created_at TYPE timestamp with time zone
//!     USING created_at::timestamp with time zone;
//! ```
//! In a session whose `TimeZone` is UTC, PostgreSQL 12 and later make this change without
//! rewriting the table (the stored values are read as UTC); indexes on the column are still
//! rebuilt, under an ACCESS EXCLUSIVE lock. If the values were written in another zone,
//! convert them with `USING created_at AT TIME ZONE 'Europe/Paris'` instead, which rewrites
//! the table. Applications that read the column get zone-qualified values afterwards.
//!
//! ## How the saving is estimated
//! It is not a speed-up: the finding is about correct times (`info`).

use super::{fingerprints, statements_using};
use crate::analysis::column_types::with_time_zone;
use crate::analysis::index::definition::qualified;
use crate::findings::{Category, Finding, Severity};
use crate::model::ddl::quote_identifier;
use crate::rules::{Check, Context, Rule};

pub static RULE: Rule = Rule {
    id: "DT004",
    name: "timestamp-without-time-zone",
    category: Category::DataTypes,
    severity: Severity::Info,
    source: include_str!("timestamp_without_zone.rs"),
    check: Check::Workload(check),
};

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    for table in super::user_tables(catalog) {
        for column in &table.columns {
            let Some(with_zone) = with_time_zone(&column.data_type) else {
                continue;
            };
            let indexes = catalog
                .indexes
                .values()
                .filter(|index| {
                    index.table == table.name
                        && index.keys.iter().any(|key| key.expression == column.name)
                })
                .count();
            let name = quote_identifier(&column.name);
            out.push(Finding {
                message: format!(
                    "{}.{} is {}: a wall-clock time with no zone, so values written from \
                     sessions in different zones or across daylight-saving changes do not \
                     compare or order correctly. {with_zone} stores the instant in the same 8 \
                     bytes. In a UTC session PostgreSQL 12+ changes the type without rewriting \
                     the table (the values are read as UTC){}, under an ACCESS EXCLUSIVE lock; \
                     values written in another zone need USING … AT TIME ZONE '…', which \
                     rewrites it",
                    table.name,
                    column.name,
                    column.data_type,
                    match indexes {
                        0 => String::new(),
                        1 => " but rebuilds the index on it".to_string(),
                        n => format!(" but rebuilds the {n} indexes on it"),
                    },
                ),
                table: Some(table.name.clone()),
                columns: vec![column.name.clone()],
                sql: Some(format!(
                    "SET timezone = 'UTC';\nALTER TABLE {} ALTER COLUMN {name} TYPE {with_zone} \
                     USING {name}::{with_zone};",
                    qualified(&table.name)
                )),
                queries: fingerprints(&statements_using(context, table, column, |_| true)),
                ..RULE.finding()
            });
        }
    }
}
