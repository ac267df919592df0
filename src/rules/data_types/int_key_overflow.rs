//! ## What it finds
//! A one-column `integer` (or `smallint`) primary key — `serial`, identity or assigned —
//! whose table has used more than half of the type's positive range: by its row count
//! (`--table-rows`, or the live statistics) or, read live, by the highest key value in the
//! column's statistics (keys of deleted rows and sequence gaps are used up too). Without a
//! row count or statistics the rule says nothing.
//!
//! Read live, the table's insert rate says when the key runs out: the rows inserted since
//! its last (auto)vacuum over the time since, when that window is at least a day long (a
//! shorter one catches a busy or a quiet hour, not the daily rate). Without such a window
//! the log's own rate is used when it dated its entries over an hour or more: the inserts
//! into the table it logged, one row each (a floor: multi-row inserts and statements the
//! log left out are not counted), over its span, which the message states. Under 90 days
//! left it is an `error`, under two years a `warning` even with less than half the range used (a
//! key rewrite on a large table takes weeks to plan and run); half used with more than two
//! years left at the current rate is `info`. With no such window nothing is said about time.
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
//! Not as cost: the finding gives the share of the range used and the values left, and,
//! read live, the days left: values left ÷ inserts per day. Inserts are a floor of what a
//! sequence spends (failed inserts and `ON CONFLICT DO NOTHING` spend values too), and
//! growth that speeds up comes sooner: the days are an estimate, not a promise.

use super::{alter_type, rewrite_cost};
use crate::analysis::growth::Growth;
use crate::analysis::index::definition::qualified;
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::{Catalog, Column, Table};
use crate::rules::{Check, Context, Rule};

pub static RULE: Rule = Rule {
    id: "DT007",
    name: "integer-key-near-limit",
    category: Category::DataTypes,
    severity: Severity::Warning,
    source: include_str!("int_key_overflow.rs"),
    check: Check::Workload(check),
};

/// The share of the range used from which the key is reported whatever its growth.
const REPORTED_FROM: f64 = 0.5;

/// Days left under which running out is an error: one quarter to plan and widen the key.
const ERROR_WITHIN_DAYS: f64 = 90.0;

/// Days left under which the key is reported even with less than half its range used.
const WARNING_WITHIN_DAYS: f64 = 730.0;

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
        let left = (limit - used).max(0.0);
        let growth = table
            .stats
            .as_ref()
            .and_then(Growth::from_statistics)
            .or_else(|| Growth::from_log(context.profile, context.facts, &table.name));
        let days = growth.as_ref().map(|g| g.days_until(left));
        let Some(severity) = severity(share, days) else {
            continue;
        };
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
        let runway = growth.as_ref().map(|g| runway(g, left)).unwrap_or_default();
        out.push(Finding {
            severity,
            message: format!(
                "{}.{} is {} and {:.0} of its {limit:.0} positive values ({:.0} %) are used: \
                 {left:.0} are left before inserts fail{runway}. Widen it to bigint{also} \
                 while it can be planned; {}",
                table.name,
                column.name,
                column.data_type,
                used,
                share * 100.0,
                rewrite_cost(context, table)
            ),
            table: Some(table.name.clone()),
            columns: vec![column.name.clone()],
            sql: Some(sql.join("\n")),
            ..RULE.finding()
        });
    }
}

/// `; at the current rate (…) they run out in about 85 days`, for the message.
fn runway(growth: &Growth, left: f64) -> String {
    let window = growth.window();
    if growth.per_day <= 0.0 {
        return format!("; no rows were inserted in {window}");
    }
    format!(
        "; at the current rate ({:.0} inserts a day over {window}) they run out in about {}",
        growth.per_day,
        duration(growth.days_until(left))
    )
}

/// `85 days`, `3.2 years`, `2594 years`.
fn duration(days: f64) -> String {
    let years = days / 365.25;
    if days < WARNING_WITHIN_DAYS {
        format!("{days:.0} days")
    } else if years < 10.0 {
        format!("{years:.1} years")
    } else {
        format!("{years:.0} years")
    }
}

/// How urgent the key is, from the share of its range used and, when the growth rate is
/// known, the days left; `None` when it is not worth reporting.
fn severity(share: f64, days_left: Option<f64>) -> Option<Severity> {
    match days_left {
        Some(days) if days < ERROR_WITHIN_DAYS => Some(Severity::Error),
        Some(days) if days < WARNING_WITHIN_DAYS => Some(Severity::Warning),
        Some(_) if share > REPORTED_FROM => Some(Severity::Info),
        None if share > REPORTED_FROM => Some(RULE.severity),
        _ => None,
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
    use crate::analysis::growth::GrowthBasis;

    #[test]
    fn only_narrow_integers_have_a_range_to_run_out_of() {
        assert_eq!(positive_range("integer"), Some(2_147_483_647.0));
        assert_eq!(positive_range("smallint"), Some(32_767.0));
        assert_eq!(positive_range("bigint"), None);
        assert_eq!(positive_range("integer[]"), None);
    }

    #[test]
    fn the_runway_is_said_in_days_or_years() {
        let growth = Growth {
            per_day: 1_000_000.0,
            over_days: 3.5,
            basis: GrowthBasis::Statistics,
        };
        assert_eq!(
            runway(&growth, 85_000_000.0),
            "; at the current rate (1000000 inserts a day over the 3.5 days since its last \
             vacuum) they run out in about 85 days"
        );
        let idle = Growth {
            per_day: 0.0,
            ..growth
        };
        assert_eq!(
            runway(&idle, 1.0),
            "; no rows were inserted in the 3.5 days since its last vacuum"
        );
        let logged = Growth {
            per_day: 2_000.0,
            over_days: 0.25,
            basis: GrowthBasis::Log,
        };
        assert_eq!(
            runway(&logged, 2_000_000.0),
            "; at the current rate (2000 inserts a day over the log's 6.0 hours, one row per \
             logged insert: a floor) they run out in about 2.7 years"
        );
        assert_eq!(duration(1_461.0), "4.0 years");
        assert_eq!(duration(947_483.0), "2594 years");
    }

    #[test]
    fn time_left_decides_before_the_share_used() {
        // Unknown growth: half the range is the line, as before.
        assert_eq!(severity(0.4, None), None);
        assert_eq!(severity(0.6, None), Some(Severity::Warning));
        // Fast growth is reported below half the range.
        assert_eq!(severity(0.3, Some(60.0)), Some(Severity::Error));
        assert_eq!(severity(0.3, Some(400.0)), Some(Severity::Warning));
        assert_eq!(severity(0.3, Some(1_000.0)), None);
        // Past half with years to go, or no growth at all: worth knowing, not urgent.
        assert_eq!(severity(0.6, Some(5_000.0)), Some(Severity::Info));
        assert_eq!(severity(0.6, Some(f64::INFINITY)), Some(Severity::Info));
        assert_eq!(severity(0.99, Some(30.0)), Some(Severity::Error));
    }
}
