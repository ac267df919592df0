//! ## What it finds
//! A large table that is not partitioned — at least 10 million rows or 10 GB, by
//! `--table-rows` or the live statistics, or with that many rows within 90 days at its
//! insert rate (the statistics' window of a day or more since the last vacuum, else the
//! inserts the log dated over an hour or more: the message says which); a table whose size
//! is not known is never reported — whose logged statements mostly (60 % or more of the calls that read, update or delete
//! from it) narrow it the same way:
//! - by a range (`>=`, `<`, `BETWEEN`) of one time column (`timestamp`, `timestamptz`,
//!   `date`): RANGE partitioning on it, by month, week or day so that a partition holds at
//!   most about 50 million rows over the span the column's statistics show;
//! - or else by equality on a tenant-like key (`tenant_id`, `account_id`, `org_id`,
//!   `customer_id`, …) that is not the table's own key: LIST partitioning when the
//!   statistics count few distinct values, HASH otherwise.
//!
//! Inserts are not counted: a new row goes to one partition whatever the reads filter by.
//!
//! ## Why it matters
//! On a table this size every statement's range is found in large indexes, and removing old
//! rows is a `DELETE` that bloats the table and its indexes. Partitioned by the column the
//! statements filter on, the planner skips every partition outside the range (partition
//! pruning), each partition's indexes stay small enough to be cached, and old data goes with
//! `DETACH PARTITION` / `DROP TABLE` in a moment instead of a long `DELETE` and vacuum.
//!
//! ## Example
//! ```sql
//! -- public.events: 40 million rows
//! SELECT count(*) FROM events WHERE created_at >= '2024-06-01' AND created_at < '2024-07-01';
//! ```
//!
//! ## Instead
//! ```sql
//! CREATE TABLE public.events_partitioned (LIKE public.events INCLUDING DEFAULTS) PARTITION BY RANGE (created_at);
//! CREATE TABLE public.events_2024_06 PARTITION OF public.events_partitioned FOR VALUES FROM ('2024-06-01') TO ('2024-07-01');
//! ```
//! then the other partitions, the indexes and CHECK constraints on the partitioned table,
//! the rows copied over in batches and the names swapped in one short transaction. A primary key or unique
//! constraint of a partitioned table must contain the partition key, so `PRIMARY KEY (id)`
//! becomes `PRIMARY KEY (id, created_at)`, and foreign keys that reference the table follow.
//!
//! ## How the saving is estimated
//! Not as cost. The finding gives the share of the partitions a typical logged statement
//! would still read: from the bounds it ran with (its constants, or the parameter values the
//! log recorded) against the span of the column's statistics, weighted by calls. Bounds that
//! are expressions (`now() - interval '1 day'`) or unlogged parameters are not guessed: those
//! statements are left out of the estimate, and without statistics only the number of
//! partitions a statement's range covers is given.

use super::{MOSTLY, Reader, fingerprints, named, operand_text, readers, some_of, total_calls};
use crate::analysis::facts::{Operand, Operator};
use crate::analysis::growth::{Growth, HORIZON_DAYS};
use crate::analysis::index::definition::qualified;
use crate::analysis::tenancy::is_tenant_like;
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::{Column, QualifiedName, Table};
use crate::model::ddl::quote_identifier;
use crate::model::time::{Millis, civil_date, date_millis, format_date, parse_date_or_timestamp};
use crate::rules::{Check, Context, Rule};
use crate::units::{human_bytes, thousands};

pub static RULE: Rule = Rule {
    id: "PART001",
    name: "partition-large-table",
    category: Category::Partitioning,
    severity: Severity::Warning,
    source: include_str!("partition_large_table.rs"),
    check: Check::Workload(check),
};

/// From this many rows a table is large enough for partitioning to pay for its complexity.
const LARGE_ROWS: f64 = 10_000_000.0;
/// …or from this size on disk (table, indexes and TOAST).
const LARGE_BYTES: i64 = 10_000_000_000;
/// Most rows one partition should hold: its indexes stay small enough to cache.
const PARTITION_ROWS: f64 = 50_000_000.0;
/// The same, in bytes, when only the size on disk is known.
const PARTITION_BYTES: f64 = 20e9;
/// Hash partitions: a power of two between these.
const HASH_PARTITIONS: (u64, u64) = (4, 64);
/// A key with at most this many distinct values can have a partition per value (LIST).
const LIST_VALUES: f64 = 100.0;
/// A retention policy is suggested when no logged statement reads at least this share of
/// the column's span (the oldest part).
const UNREAD_SHARE: f64 = 0.5;
const DAY_MS: Millis = 86_400_000;

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    let plain_tables = catalog.tables.values().filter(|table| {
        !table.name.is_system() && table.partition_of.is_none() && table.partitioning.is_none()
    });
    for table in plain_tables {
        let Some(size) = Size::of_large(context, table) else {
            continue;
        };
        let readers = readers(context, table);
        let all: Vec<&Reader<'_>> = readers.iter().collect();
        if total_calls(&all) == 0 {
            continue;
        }
        let finding = by_time_range(context, table, &size, &all)
            .or_else(|| by_tenant_key(table, &size, &all));
        out.extend(finding);
    }
}

/// What is known of a table's size.
struct Size {
    rows: Option<f64>,
    bytes: Option<i64>,
    /// The rate it grows at, when it is large only by the rows it will have within the
    /// horizon.
    growth: Option<Growth>,
}

impl Size {
    /// The table's size, when it is known and large, today or within `HORIZON_DAYS` at its
    /// insert rate (statistics, else the log).
    fn of_large(context: &Context<'_>, table: &Table) -> Option<Size> {
        let mut size = Size {
            rows: context.known_rows(table),
            bytes: table
                .stats
                .as_ref()
                .map(|s| s.total_bytes)
                .filter(|b| *b > 0),
            growth: None,
        };
        let large = size.rows.is_some_and(|rows| rows >= LARGE_ROWS)
            || size.bytes.is_some_and(|bytes| bytes >= LARGE_BYTES);
        if large {
            return Some(size);
        }
        let growth = table
            .stats
            .as_ref()
            .and_then(Growth::from_statistics)
            .or_else(|| Growth::from_log(context.profile, context.facts, &table.name))?;
        let soon = size.rows? + growth.rows_within_horizon();
        size.growth = Some(growth);
        (soon >= LARGE_ROWS).then_some(size)
    }

    /// The rows to plan for: today's, plus the horizon's when the table is large only by
    /// them.
    fn planned_rows(&self) -> Option<f64> {
        let grown = self
            .growth
            .as_ref()
            .map_or(0.0, Growth::rows_within_horizon);
        self.rows.map(|rows| rows + grown)
    }

    /// `40,000,000 rows`, or `12.0 GB` when only the size on disk is known (rows given on
    /// the command line may not match the statistics' bytes, so the two are not mixed), or
    /// `2,000,000 rows today and about 11,000,000 within 90 days (100,000 inserts a day over
    /// …)` when the table is large by its growth.
    fn describe(&self) -> String {
        match (self.rows, self.bytes, &self.growth) {
            (Some(rows), _, Some(growth)) => format!(
                "{} rows today and about {} within {HORIZON_DAYS:.0} days ({} inserts a day \
                 over {})",
                thousands(rows),
                thousands(self.planned_rows().unwrap_or(rows)),
                thousands(growth.per_day),
                growth.window()
            ),
            (Some(rows), _, None) => format!("{} rows", thousands(rows)),
            (None, Some(bytes), _) => human_bytes(bytes),
            (None, None, _) => "size unknown".into(),
        }
    }

    /// Whether a partition holding `share` of the table stays a sensible size.
    fn fits(&self, share: f64) -> bool {
        match (self.planned_rows(), self.bytes) {
            (Some(rows), _) => rows * share <= PARTITION_ROWS,
            (None, Some(bytes)) => bytes as f64 * share <= PARTITION_BYTES,
            (None, None) => true,
        }
    }
}

/// `(calls of the statements that …) / (calls of every statement reading the table)`.
fn share_of_calls(using: &[&Reader<'_>], all: &[&Reader<'_>]) -> f64 {
    total_calls(using) as f64 / total_calls(all).max(1) as f64
}

fn is_time(column: &Column) -> bool {
    column.data_type.starts_with("timestamp") || column.data_type == "date"
}

fn is_range(operator: &Operator) -> bool {
    matches!(
        operator,
        Operator::Lt | Operator::LtEq | Operator::Gt | Operator::GtEq | Operator::Between
    )
}

/// The time column most calls filter by a range, when that is most of the calls.
fn by_time_range(
    context: &Context<'_>,
    table: &Table,
    size: &Size,
    all: &[&Reader<'_>],
) -> Option<Finding> {
    let (column, using) = most_ranged_time_column(table, all)?;
    let share = share_of_calls(&using, all);
    if using.is_empty() || share < MOSTLY {
        return None;
    }
    let span = data_span(column);
    let granularity = Granularity::for_table(span, size);
    let ranges: Vec<(LoggedRange, u64)> = using
        .iter()
        .map(|r| (LoggedRange::of(r, table, column), r.calls))
        .collect();
    let newest = span
        .map(|(_, max)| max)
        .or_else(|| newest_bound(&ranges).or(context.profile.summary.seen.last_seen));
    let partitioned = partitioned_name(table);
    let by = format!("RANGE ({})", quote_identifier(&column.name));
    let mut sql = vec![create_partitioned(table, &partitioned, &by)];
    sql.extend(newest.map(|newest| partition_holding(table, &partitioned, granularity, newest)));
    Some(Finding {
        message: format!(
            "{}: {}, and {} reading it ({:.0} % of their {} calls) filter {} by a range: {}. \
             Partition it by RANGE ({}), {}. {}{}{}",
            table.name,
            size.describe(),
            some_of(using.len(), all.len()),
            share * 100.0,
            thousands(total_calls(all) as f64),
            column.name,
            named(&using, 3),
            column.name,
            sizing(granularity, span),
            pruning(&ranges, span, granularity),
            key_note(table, &column.name),
            retention(&ranges, span)
        ),
        table: Some(table.name.clone()),
        columns: vec![column.name.clone()],
        sql: Some(sql.join("\n")),
        queries: fingerprints(&using),
        ..RULE.finding()
    })
}

/// The time column the most calls filter by a range, with the statements that do (ties go
/// to the first name, so the choice does not depend on the column order).
fn most_ranged_time_column<'t, 'r, 'a>(
    table: &'t Table,
    all: &[&'r Reader<'a>],
) -> Option<(&'t Column, Vec<&'r Reader<'a>>)> {
    table
        .columns
        .iter()
        .filter(|column| is_time(column))
        .map(|column| {
            let using: Vec<&Reader<'_>> = all
                .iter()
                .copied()
                .filter(|r| {
                    r.predicates_on(table)
                        .any(|p| p.column.column == column.name && is_range(&p.operator))
                })
                .collect();
            (column, using)
        })
        .max_by(|(a, a_using), (b, b_using)| {
            total_calls(a_using)
                .cmp(&total_calls(b_using))
                .then_with(|| b.name.cmp(&a.name))
        })
}

/// The newest bound a logged range ran with: where the data reaches when the column has no
/// statistics to say.
fn newest_bound(ranges: &[(LoggedRange, u64)]) -> Option<Millis> {
    ranges
        .iter()
        .flat_map(|(range, _)| [range.lower.at(), range.upper.at()])
        .flatten()
        .max()
}

/// The partition holding `at` (the newest data), written out as the example the others
/// follow.
fn partition_holding(
    table: &Table,
    partitioned: &QualifiedName,
    granularity: Granularity,
    at: Millis,
) -> String {
    let (from, to) = (granularity.start(at), granularity.end(at));
    format!(
        "CREATE TABLE {} PARTITION OF {} FOR VALUES FROM ('{}') TO ('{}');",
        partition_name(table, &granularity.suffix(from)),
        qualified(partitioned),
        format_date(from),
        format_date(to)
    )
}

/// How the partitions are sized: how many the statistics' span makes, or the unit to start
/// with when there are no statistics.
fn sizing(granularity: Granularity, span: Option<(Millis, Millis)>) -> String {
    match span {
        Some((min, max)) => format!(
            "{} — about {} partitions for the span of its statistics ({} to {})",
            granularity.word(),
            granularity.index(max) - granularity.index(min) + 1,
            format_date(min),
            format_date(max)
        ),
        None => format!(
            "{} to start with (without the column's statistics the partitions are not sized \
             from the data)",
            granularity.word()
        ),
    }
}

/// The oldest and newest values the column's histogram holds.
fn data_span(column: &Column) -> Option<(Millis, Millis)> {
    let bounds = &column.stats.as_ref()?.histogram_bounds;
    let min = parse_date_or_timestamp(bounds.first()?)?;
    let max = parse_date_or_timestamp(bounds.last()?)?;
    (max > min).then_some((min, max))
}

/// How long one partition's range is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Granularity {
    Month,
    Week,
    Day,
}

impl Granularity {
    /// The coarsest whose partitions stay a sensible size over the data's span; monthly
    /// when the span is not known.
    fn for_table(span: Option<(Millis, Millis)>, size: &Size) -> Granularity {
        let Some((min, max)) = span else {
            return Granularity::Month;
        };
        let span_days = (max - min) as f64 / DAY_MS as f64;
        [Granularity::Month, Granularity::Week]
            .into_iter()
            .find(|g| size.fits((g.days() / span_days).min(1.0)))
            .unwrap_or(Granularity::Day)
    }

    fn days(self) -> f64 {
        match self {
            Granularity::Month => 30.44,
            Granularity::Week => 7.0,
            Granularity::Day => 1.0,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Granularity::Month => "monthly",
            Granularity::Week => "weekly",
            Granularity::Day => "daily",
        }
    }

    /// The number of the partition `at` falls in (weeks start on Monday).
    fn index(self, at: Millis) -> i64 {
        let day = at.div_euclid(DAY_MS);
        match self {
            Granularity::Month => {
                let (year, month, _) = civil_date(at);
                year * 12 + month - 1
            }
            // 1970-01-01 was a Thursday.
            Granularity::Week => (day + 3).div_euclid(7),
            Granularity::Day => day,
        }
    }

    /// Where the partition holding `at` starts.
    fn start(self, at: Millis) -> Millis {
        match self {
            Granularity::Month => {
                let (year, month, _) = civil_date(at);
                date_millis(year, month, 1)
            }
            Granularity::Week => (self.index(at) * 7 - 3) * DAY_MS,
            Granularity::Day => at.div_euclid(DAY_MS) * DAY_MS,
        }
    }

    /// Where the partition holding `at` ends (the next one's start).
    fn end(self, at: Millis) -> Millis {
        match self {
            Granularity::Month => {
                let (year, month, _) = civil_date(at);
                if month == 12 {
                    date_millis(year + 1, 1, 1)
                } else {
                    date_millis(year, month + 1, 1)
                }
            }
            Granularity::Week => self.start(at) + 7 * DAY_MS,
            Granularity::Day => self.start(at) + DAY_MS,
        }
    }

    /// The partition's name after the table's: `2024_06`, or `2024_06_10` for the week or
    /// day starting then.
    fn suffix(self, start: Millis) -> String {
        let (year, month, day) = civil_date(start);
        match self {
            Granularity::Month => format!("{year:04}_{month:02}"),
            Granularity::Week | Granularity::Day => format!("{year:04}_{month:02}_{day:02}"),
        }
    }
}

/// The partitions a statement reads, and of how many when the data's span is known.
type Partitions = (i64, Option<i64>);

/// One end of a statement's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The statement does not bound this end.
    Open,
    /// Bounded by a value not known offline (an expression, an unlogged parameter).
    Unknown,
    At(Millis),
}

impl End {
    fn at(self) -> Option<Millis> {
        match self {
            End::At(at) => Some(at),
            _ => None,
        }
    }

    /// Just before the bound, for an exclusive upper bound.
    fn before(self) -> End {
        match self {
            End::At(at) => End::At(at - 1),
            end => end,
        }
    }

    /// The tighter of two bounds on the same end (`tighter` picks between two values).
    fn and(self, other: End, tighter: fn(Millis, Millis) -> Millis) -> End {
        match (self, other) {
            (End::Open, end) | (end, End::Open) => end,
            (End::At(a), End::At(b)) => End::At(tighter(a, b)),
            _ => End::Unknown,
        }
    }
}

/// The range of the column a statement ran with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LoggedRange {
    lower: End,
    upper: End,
}

impl LoggedRange {
    fn of(reader: &Reader<'_>, table: &Table, column: &Column) -> LoggedRange {
        let value = |operand: &Operand| {
            operand_text(operand)
                .and_then(parse_date_or_timestamp)
                .map_or(End::Unknown, End::At)
        };
        let mut range = LoggedRange {
            lower: End::Open,
            upper: End::Open,
        };
        for predicate in reader.predicates_on(table) {
            if predicate.column.column != column.name {
                continue;
            }
            let (lower, upper) = match predicate.operator {
                Operator::Gt | Operator::GtEq => (value(&predicate.value), End::Open),
                Operator::LtEq => (End::Open, value(&predicate.value)),
                // `< '2024-12-01'` ends in November: the partition starting then is not read.
                Operator::Lt => (End::Open, value(&predicate.value).before()),
                Operator::Between => (
                    value(&predicate.value),
                    predicate.upper.as_ref().map_or(End::Unknown, value),
                ),
                _ => continue,
            };
            range.lower = range.lower.and(lower, Millis::max);
            range.upper = range.upper.and(upper, Millis::min);
        }
        range
    }

    /// The partitions the range reads, and of how many when the data's span is known.
    fn partitions(
        self,
        span: Option<(Millis, Millis)>,
        granularity: Granularity,
    ) -> Option<Partitions> {
        let end = |end: End, open: Option<Millis>| match end {
            End::At(at) => Some(at),
            End::Open => open,
            End::Unknown => None,
        };
        let from = end(self.lower, span.map(|(min, _)| min))?;
        let to = end(self.upper, span.map(|(_, max)| max))?;
        let read = (granularity.index(to) - granularity.index(from) + 1).max(1);
        let total = span.map(|(min, max)| granularity.index(max) - granularity.index(min) + 1);
        Some(match total {
            Some(total) => (read.min(total), Some(total)),
            None => (read, None),
        })
    }
}

/// What partition pruning would leave a typical statement to read, weighted by calls.
fn pruning(
    ranges: &[(LoggedRange, u64)],
    span: Option<(Millis, Millis)>,
    granularity: Granularity,
) -> String {
    let estimated: Vec<(Partitions, u64)> = ranges
        .iter()
        .filter_map(|(range, calls)| Some((range.partitions(span, granularity)?, *calls)))
        .collect();
    let calls: u64 = estimated.iter().map(|(_, calls)| calls).sum();
    if calls == 0 {
        return "The logged ranges' bounds are not known offline (expressions or unlogged \
                parameters), so the pruning is not estimated."
            .into();
    }
    let weighted = |value: &dyn Fn(&Partitions) -> f64| {
        estimated
            .iter()
            .map(|(partitions, calls)| value(partitions) * *calls as f64)
            .sum::<f64>()
            / calls as f64
    };
    let read = weighted(&|(read, _)| *read as f64);
    let unit = granularity.word();
    match span {
        Some(_) => {
            let share = weighted(&|(read, total)| *read as f64 / total.unwrap_or(1).max(1) as f64);
            format!(
                "From the values logged, a typical statement would read about {read:.1} of the \
                 {unit} partitions ({:.0} % of them) instead of the whole table.",
                share * 100.0
            )
        }
        None => format!(
            "From the values logged, a typical statement's range covers about {read:.1} \
             {unit} partitions; the rest would be skipped."
        ),
    }
}

/// A modest retention hint when every statement's range starts well after the oldest data.
fn retention(ranges: &[(LoggedRange, u64)], span: Option<(Millis, Millis)>) -> String {
    let Some((min, max)) = span else {
        return String::new();
    };
    let lowers: Option<Vec<Millis>> = ranges.iter().map(|(range, _)| range.lower.at()).collect();
    let Some(oldest) = lowers.and_then(|lowers| lowers.into_iter().min()) else {
        return String::new();
    };
    let unread = (oldest - min) as f64 / (max - min) as f64;
    if unread < UNREAD_SHARE {
        return String::new();
    }
    format!(
        " No logged statement reads before {} while the data goes back to {}: if the older \
         rows are not read elsewhere, detaching or dropping old partitions could replace \
         deleting rows (the log shows only what it recorded — check before removing data).",
        format_date(oldest),
        format_date(min)
    )
}

/// Whether the table's keys would have to grow to contain the partition key.
fn key_note(table: &Table, column: &str) -> String {
    let lacking =
        |key: &&crate::model::catalog::KeyConstraint| !key.columns.iter().any(|c| c == column);
    let keys: Vec<String> = table
        .primary_key
        .iter()
        .filter(lacking)
        .map(|key| format!("primary key ({})", key.columns.join(", ")))
        .chain(
            table
                .unique_constraints
                .iter()
                .filter(lacking)
                .map(|key| format!("unique key ({})", key.columns.join(", "))),
        )
        .collect();
    if keys.is_empty() {
        return String::new();
    }
    format!(
        " Its {} must then include {column} (PostgreSQL requires the keys of a partitioned \
         table to contain the partition key), and so must the foreign keys that reference it.",
        keys.join(" and ")
    )
}

/// The table's new name while it is filled: `events_partitioned`.
fn partitioned_name(table: &Table) -> QualifiedName {
    QualifiedName::new(
        table.name.schema.clone(),
        format!("{}_partitioned", table.name.name),
    )
}

/// A partition's name: the table's with a suffix, `events_2024_06`.
fn partition_name(table: &Table, suffix: &str) -> String {
    qualified(&QualifiedName::new(
        table.name.schema.clone(),
        format!("{}_{suffix}", table.name.name),
    ))
}

fn create_partitioned(table: &Table, partitioned: &QualifiedName, by: &str) -> String {
    format!(
        "CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS) PARTITION BY {by};",
        qualified(partitioned),
        qualified(&table.name)
    )
}

/// Whether the column alone is the table's primary key or a unique key: a lookup by it finds
/// one row, which partitioning does not make faster.
fn is_own_key(table: &Table, column: &str) -> bool {
    table
        .primary_key
        .iter()
        .chain(&table.unique_constraints)
        .any(|key| key.columns == [column])
}

/// How many values a statement compares the key with, when it compares by equality.
fn equality_values(operator: &Operator, value: &Operand) -> Option<usize> {
    if !matches!(
        value,
        Operand::Constant(_) | Operand::Parameter { .. } | Operand::List(_)
    ) {
        return None;
    }
    match operator {
        Operator::Eq => Some(1),
        Operator::In { values } => Some(*values),
        Operator::Any => Some(1),
        _ => None,
    }
}

/// The tenant-like key most calls compare by equality, when that is most of the calls.
fn by_tenant_key(table: &Table, size: &Size, all: &[&Reader<'_>]) -> Option<Finding> {
    let (column, using) = most_compared_tenant_key(table, all)?;
    let readers: Vec<&Reader<'_>> = using.iter().map(|(r, _)| *r).collect();
    let share = share_of_calls(&readers, all);
    if readers.is_empty() || share < MOSTLY {
        return None;
    }
    let (strategy, sql) = match distinct_values(column, size).filter(|d| *d <= LIST_VALUES) {
        Some(distinct) => list_partitioning(table, column, &using, distinct),
        None => hash_partitioning(table, column, &using, size),
    };
    Some(Finding {
        message: format!(
            "{}: {}, and {} reading it ({:.0} % of their {} calls) look it up by {}: {}. \
             Partition it by {strategy}.{}",
            table.name,
            size.describe(),
            some_of(readers.len(), all.len()),
            share * 100.0,
            thousands(total_calls(all) as f64),
            column.name,
            named(&readers, 3),
            key_note(table, &column.name)
        ),
        table: Some(table.name.clone()),
        columns: vec![column.name.clone()],
        sql: Some(sql.join("\n")),
        queries: fingerprints(&readers),
        ..RULE.finding()
    })
}

/// A statement comparing the tenant key by equality, and with how many values.
type KeyLookup<'r, 'a> = (&'r Reader<'a>, usize);

/// The tenant-like key (not the table's own key) the most calls compare by equality, with
/// the statements that do (ties go to the first name).
fn most_compared_tenant_key<'t, 'r, 'a>(
    table: &'t Table,
    all: &[&'r Reader<'a>],
) -> Option<(&'t Column, Vec<KeyLookup<'r, 'a>>)> {
    let calls = |using: &[KeyLookup<'_, '_>]| using.iter().map(|(r, _)| r.calls).sum::<u64>();
    table
        .columns
        .iter()
        .filter(|column| is_tenant_like(&column.name) && !is_own_key(table, &column.name))
        .map(|column| {
            let using: Vec<KeyLookup<'_, '_>> = all
                .iter()
                .copied()
                .filter_map(|r| {
                    let values = r
                        .predicates_on(table)
                        .filter(|p| p.column.column == column.name)
                        .find_map(|p| equality_values(&p.operator, &p.value))?;
                    Some((r, values))
                })
                .collect();
            (column, using)
        })
        .max_by(|(a, a_using), (b, b_using)| {
            calls(a_using)
                .cmp(&calls(b_using))
                .then_with(|| b.name.cmp(&a.name))
        })
}

/// The key's distinct values by its statistics (a negative `n_distinct` is a share of the
/// rows), when known.
fn distinct_values(column: &Column, size: &Size) -> Option<f64> {
    column
        .stats
        .as_ref()
        .and_then(|stats| match stats.n_distinct {
            n if n > 0.0 => Some(n),
            n if n < 0.0 => size.rows.map(|rows| -n * rows),
            _ => None,
        })
}

/// The share of `partitions` a typical lookup reads, weighted by calls: one per value it
/// compares with.
fn share_of_partitions(using: &[KeyLookup<'_, '_>], partitions: f64) -> f64 {
    let calls = using.iter().map(|(r, _)| r.calls).sum::<u64>() as f64;
    using
        .iter()
        .map(|(r, values)| (*values as f64).min(partitions) / partitions * r.calls as f64)
        .sum::<f64>()
        / calls
}

/// LIST partitioning for a key with few values: the strategy's words and its SQL (a first
/// partition for an example value, and a DEFAULT one).
fn list_partitioning(
    table: &Table,
    column: &Column,
    using: &[KeyLookup<'_, '_>],
    distinct: f64,
) -> (String, Vec<String>) {
    let partitioned = partitioned_name(table);
    let by = format!("LIST ({})", quote_identifier(&column.name));
    let mut sql = vec![create_partitioned(table, &partitioned, &by)];
    if let Some(value) = example_value(table, column, using) {
        sql.push(format!(
            "CREATE TABLE {} PARTITION OF {} FOR VALUES IN ({});",
            partition_name(table, "p1"),
            qualified(&partitioned),
            literal(&value)
        ));
    }
    sql.push(format!(
        "CREATE TABLE {} PARTITION OF {} DEFAULT;",
        partition_name(table, "default"),
        qualified(&partitioned)
    ));
    let strategy = format!(
        "LIST ({}): the statistics count about {distinct:.0} distinct values, so each can have \
         its own partition (or the large ones theirs and the rest a DEFAULT one); a typical \
         statement would read {:.0} % of the partitions",
        column.name,
        share_of_partitions(using, distinct.max(1.0)) * 100.0
    );
    (strategy, sql)
}

/// A value to show the first LIST partition with: the most common one, else one a
/// statement compared the key with.
fn example_value(table: &Table, column: &Column, using: &[KeyLookup<'_, '_>]) -> Option<String> {
    column
        .stats
        .as_ref()
        .and_then(|stats| stats.most_common.first().map(|(value, _)| value.clone()))
        .or_else(|| {
            using.iter().find_map(|(r, _)| {
                r.predicates_on(table)
                    .filter(|p| p.column.column == column.name)
                    .find_map(|p| operand_text(&p.value).map(str::to_string))
            })
        })
}

/// HASH partitioning for a key with many (or unknown) values: the strategy's words and its
/// SQL (the first of its partitions).
fn hash_partitioning(
    table: &Table,
    column: &Column,
    using: &[KeyLookup<'_, '_>],
    size: &Size,
) -> (String, Vec<String>) {
    let partitioned = partitioned_name(table);
    let modulus = hash_partitions(size);
    let by = format!("HASH ({})", quote_identifier(&column.name));
    let sql = vec![
        create_partitioned(table, &partitioned, &by),
        format!(
            "CREATE TABLE {} PARTITION OF {} FOR VALUES WITH (MODULUS {modulus}, REMAINDER 0);",
            partition_name(table, "p0"),
            qualified(&partitioned)
        ),
    ];
    let strategy = format!(
        "HASH ({}) into {modulus} partitions (REMAINDER 0 to {}); a typical statement would \
         read {:.0} % of them",
        column.name,
        modulus - 1,
        share_of_partitions(using, modulus as f64) * 100.0
    );
    (strategy, sql)
}

/// Hash partitions enough to keep each a sensible size: a power of two, within bounds.
fn hash_partitions(size: &Size) -> u64 {
    let needed = match (size.planned_rows(), size.bytes) {
        (Some(rows), _) => rows / PARTITION_ROWS,
        (None, Some(bytes)) => bytes as f64 / PARTITION_BYTES,
        (None, None) => 0.0,
    };
    let (fewest, most) = HASH_PARTITIONS;
    (needed.ceil().max(1.0) as u64)
        .next_power_of_two()
        .clamp(fewest, most)
}

/// A value as an SQL literal: numbers as they are, anything else quoted.
fn literal(value: &str) -> String {
    if value.parse::<f64>().is_ok() {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog::Catalog;
    use crate::model::ddl::loader::SchemaLoader;

    fn at(text: &str) -> Millis {
        parse_date_or_timestamp(text).unwrap()
    }

    #[test]
    fn granularity_keeps_partitions_a_sensible_size() {
        let two_years = Some((at("2023-01-01"), at("2025-01-01")));
        let rows = |rows| Size {
            rows: Some(rows),
            bytes: None,
            growth: None,
        };
        assert_eq!(
            Granularity::for_table(two_years, &rows(40e6)),
            Granularity::Month
        );
        assert_eq!(
            Granularity::for_table(two_years, &rows(2e9)),
            Granularity::Week
        );
        assert_eq!(
            Granularity::for_table(two_years, &rows(20e9)),
            Granularity::Day
        );
        assert_eq!(
            Granularity::for_table(None, &rows(20e9)),
            Granularity::Month
        );
    }

    #[test]
    fn partitions_start_on_the_first_of_the_month_and_on_mondays() {
        let june = at("2024-06-13 10:00:00");
        assert_eq!(format_date(Granularity::Month.start(june)), "2024-06-01");
        assert_eq!(format_date(Granularity::Month.end(june)), "2024-07-01");
        assert_eq!(
            format_date(Granularity::Month.end(at("2024-12-05"))),
            "2025-01-01"
        );
        // 2024-06-13 is a Thursday.
        assert_eq!(format_date(Granularity::Week.start(june)), "2024-06-10");
        assert_eq!(format_date(Granularity::Week.end(june)), "2024-06-17");
        assert_eq!(format_date(Granularity::Day.start(june)), "2024-06-13");
        assert_eq!(
            Granularity::Month.suffix(Granularity::Month.start(june)),
            "2024_06"
        );
    }

    #[test]
    fn a_range_reads_the_partitions_it_covers() {
        let span = Some((at("2023-01-01"), at("2024-12-31")));
        let june = LoggedRange {
            lower: End::At(at("2024-06-01")),
            upper: End::At(at("2024-06-30")),
        };
        assert_eq!(
            june.partitions(span, Granularity::Month),
            Some((1, Some(24)))
        );
        let since = LoggedRange {
            lower: End::At(at("2024-10-01")),
            upper: End::Open,
        };
        assert_eq!(
            since.partitions(span, Granularity::Month),
            Some((3, Some(24)))
        );
        assert_eq!(since.partitions(None, Granularity::Month), None);
        let unknown = LoggedRange {
            lower: End::Unknown,
            upper: End::Open,
        };
        assert_eq!(unknown.partitions(span, Granularity::Month), None);
    }

    #[test]
    fn tenant_like_keys() {
        for name in [
            "tenant_id",
            "accountId",
            "billing_account_id",
            "org",
            "customer_id",
        ] {
            assert!(is_tenant_like(name), "{name}");
        }
        for name in ["id", "user_id", "account_type", "created_at"] {
            assert!(!is_tenant_like(name), "{name}");
        }
    }

    #[test]
    fn hash_partitions_are_a_bounded_power_of_two() {
        let rows = |rows| Size {
            rows: Some(rows),
            bytes: None,
            growth: None,
        };
        assert_eq!(hash_partitions(&rows(12e6)), 4);
        assert_eq!(hash_partitions(&rows(600e6)), 16);
        assert_eq!(hash_partitions(&rows(1e12)), 64);
    }

    #[test]
    fn the_ddl_sketch_applies_to_the_schema() {
        let mut schema = SchemaLoader::new(Catalog::default());
        schema.load_script(
            "CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL);",
            "schema.sql",
        );
        let Some(table) = schema.catalog().tables.values().next().cloned() else {
            panic!("events not loaded");
        };
        let partitioned = partitioned_name(&table);
        let sketch = [
            create_partitioned(&table, &partitioned, "RANGE (created_at)"),
            format!(
                "CREATE TABLE public.events_2024_06 PARTITION OF {} FOR VALUES FROM \
                 ('2024-06-01') TO ('2024-07-01');",
                qualified(&partitioned)
            ),
        ]
        .join("\n");
        schema.load_script(&sketch, "sketch.sql");
        let load = schema.finish();
        assert_eq!(load.failed, 0, "{sketch}");
        let created = &load.catalog.tables[&partitioned];
        assert_eq!(created.columns.len(), 2);
        assert_eq!(
            created.partitioning.as_ref().map(|p| p.key.clone()),
            Some(vec!["created_at".to_string()])
        );
        let partition = &load.catalog.tables[&QualifiedName::new("public", "events_2024_06")];
        assert_eq!(
            partition.partition_of.as_ref().map(|p| &p.parent),
            Some(&partitioned)
        );
    }
}
