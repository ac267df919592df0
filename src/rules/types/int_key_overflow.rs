//! ## What it finds
//! A one-column `integer` (or `smallint`) primary key — `serial`, identity or assigned —
//! whose table has used more than half of the type's positive range: by its row count
//! (`--table-rows`, or the live statistics) or, read live, by the highest key value in the
//! column's statistics (keys of deleted rows and sequence gaps are used up too). Without a
//! row count or statistics the rule says nothing.
//!
//! ## Why it matters
//! At 2,147,483,647 the sequence ends and every insert fails (`nextval: reached maximum
//! value of sequence`, or `integer out of range`): an outage, at a time set by the growth of
//! the table. Widening the key then is the slowest change there is — the table, its
//! indexes and every table whose foreign keys reference it are rewritten — and it has to
//! be done under pressure. Done early it can be planned.
//!
//! ## Example
//! ```sql
//! CREATE TABLE events (id serial PRIMARY KEY, …);   -- 1.4 billion rows
//! ```
//!
//! ## Instead
//! ```sql
//! ALTER TABLE public.events ALTER COLUMN id TYPE bigint USING id::bigint;
//! ALTER SEQUENCE public.events_id_seq AS bigint;
//! ALTER TABLE public.event_tags ALTER COLUMN event_id TYPE bigint USING event_id::bigint;
//! ```
//! A `serial`'s sequence is `integer` too and is widened with it (an identity column's
//! sequence follows the column). Each `ALTER … TYPE` rewrites its table and indexes under
//! an ACCESS EXCLUSIVE lock; on a large table add a `bigint` column, fill it in batches,
//! and swap it in with the key in one short transaction.
//!
//! ## How the saving is estimated
//! Not as cost: the finding gives the share of the range used and the values left.

use super::{alter_type, rewrite_cost};
use crate::analysis::index::definition::qualified;
use crate::findings::{Finding, Severity};
use crate::model::catalog::{Catalog, Column, Table};
use crate::rules::{Check, Context, Rule};

pub static RULE: Rule = Rule {
    id: "DT007",
    name: "integer-key-near-limit",
    category: "data_type",
    severity: Severity::Warning,
    source: include_str!("int_key_overflow.rs"),
    check: Check::Workload(check),
};

/// The share of the range used from which the key is reported.
const REPORTED_FROM: f64 = 0.5;

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    for table in super::user_tables(catalog) {
        let Some([key]) = table.primary_key.as_ref().map(|k| k.columns.as_slice()) else {
            continue;
        };
        let Some(column) = table.column(key) else {
            continue;
        };
        let Some(limit) = positive_range(&column.data_type) else {
            continue;
        };
        let Some(used) = values_used(context, table, column) else {
            continue;
        };
        let share = used / limit;
        if share <= REPORTED_FROM {
            continue;
        }
        let mut sql = vec![alter_type(&table.name, &column.name, "bigint")];
        if let Some(sequence) = serial_sequence(catalog, table, column) {
            sql.push(format!("ALTER SEQUENCE {sequence} AS bigint;"));
        }
        let referencing = referencing_columns(catalog, table, column);
        for (other, other_column) in &referencing {
            sql.push(alter_type(&other.name, &other_column.name, "bigint"));
        }
        let also = if referencing.is_empty() {
            String::new()
        } else {
            format!(
                " and the columns that reference it ({}) with it",
                referencing
                    .iter()
                    .map(|(t, c)| format!("{}.{}", t.name, c.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        out.push(Finding {
            message: format!(
                "{}.{} is {} and {:.0} of its {limit:.0} positive values ({:.0} %) are used: \
                 {:.0} are left before inserts fail. Widen it to bigint{also} while it can be \
                 planned; {}",
                table.name,
                column.name,
                column.data_type,
                used,
                share * 100.0,
                (limit - used).max(0.0),
                rewrite_cost(context, table)
            ),
            table: Some(table.name.clone()),
            columns: vec![column.name.clone()],
            sql: Some(sql.join("\n")),
            ..RULE.finding()
        });
    }
}

/// The largest value of the key's type.
fn positive_range(data_type: &str) -> Option<f64> {
    match data_type {
        "integer" => Some(i32::MAX as f64),
        "smallint" => Some(i16::MAX as f64),
        _ => None,
    }
}

/// How many key values are spent: the row count, or the highest value the column's
/// statistics saw when that is larger.
fn values_used(context: &Context<'_>, table: &Table, column: &Column) -> Option<f64> {
    let highest = column.stats.as_ref().and_then(|stats| {
        stats
            .histogram_bounds
            .iter()
            .chain(stats.most_common.iter().map(|(value, _)| value))
            .filter_map(|value| value.parse::<f64>().ok())
            .reduce(f64::max)
    });
    match (context.known_rows(table), highest) {
        (Some(rows), Some(highest)) => Some(rows.max(highest)),
        (rows, highest) => rows.or(highest),
    }
}

/// The `serial` sequence behind the key: owned by the column, which is not an identity
/// (an identity's sequence changes type with its column).
fn serial_sequence(catalog: &Catalog, table: &Table, column: &Column) -> Option<String> {
    if column.identity {
        return None;
    }
    catalog
        .sequences
        .values()
        .find(|sequence| {
            sequence
                .owned_by
                .as_ref()
                .is_some_and(|(owner, owning)| *owner == table.name && *owning == column.name)
        })
        .map(|sequence| qualified(&sequence.name))
}

/// The narrower columns whose foreign keys reference the key: they overflow with it.
fn referencing_columns<'c>(
    catalog: &'c Catalog,
    table: &Table,
    column: &Column,
) -> Vec<(&'c Table, &'c Column)> {
    let mut referencing = Vec::new();
    for other in super::user_tables(catalog) {
        for key in &other.foreign_keys {
            if key.references != table.name || key.referenced_columns != [column.name.clone()] {
                continue;
            }
            let Some(other_column) = key.columns.first().and_then(|c| other.column(c)) else {
                continue;
            };
            if positive_range(&other_column.data_type).is_some() {
                referencing.push((other, other_column));
            }
        }
    }
    referencing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_narrow_integers_have_a_range_to_run_out_of() {
        assert_eq!(positive_range("integer"), Some(2_147_483_647.0));
        assert_eq!(positive_range("smallint"), Some(32_767.0));
        assert_eq!(positive_range("bigint"), None);
        assert_eq!(positive_range("integer[]"), None);
    }
}
