//! ## What it finds
//! Columns whose type is much wider, or much slower, than what the statistics show they
//! hold, on tables of at least a million rows (`--table-rows` or live statistics). The
//! column statistics are required — read live or from a saved catalog — so DDL alone never
//! triggers it. The range read is the sample's: the most common values and the histogram
//! bounds. Two cases:
//!
//! - `numeric` without a scale (or `numeric(p,0)`) whose sampled values are all whole
//!   numbers → `integer` when the largest of them is within 1 % of integer's range,
//!   `bigint` otherwise. Keys (primary, unique, foreign, identity, sequence defaults, `…_id`
//!   names, join columns) are only ever advised `bigint`. An unscaled `numeric` whose name
//!   says money (`price`, `total`, …) is left alone: cents may come, and an integer column
//!   rounds them silently.
//! - `bigint` whose sampled values are within 1 % of integer's range → `integer`, only when
//!   the row or a btree entry on the column really shrinks once alignment padding is
//!   counted, and never for a key of any kind (the growth DT007 warns about).
//!
//! `smallint` is never advised: its 2 bytes are nearly always padded back, and its
//! arithmetic is no faster.
//!
//! ## Why it matters
//! `numeric` stores base-10000 digits and does its arithmetic, comparisons and hashing in
//! software; for whole numbers `integer` and `bigint` do the same in one machine
//! instruction — sums, sorts, joins and index searches on the column get cheaper. For
//! `bigint` → `integer` the gain is space only, and padding often takes it back: in
//! `(id bigint, a bigint, b bigint)` making `b` an integer saves nothing, and a one-column
//! btree entry is 16 bytes for both types. Where the 4 bytes pair with another 4-byte
//! value, each row or index entry is 8 bytes smaller, and the table and its indexes read
//! fewer pages.
//!
//! ## Example
//! ```sql
//! CREATE TABLE order_lines (id bigint PRIMARY KEY, order_id bigint, qty numeric, …);
//! -- pg_stats: qty's values run from 1 to 40
//! ```
//!
//! ## Instead
//! ```sql
//! SELECT count(*) FROM public.order_lines WHERE qty <> trunc(qty);  -- must be 0
//! ALTER TABLE public.order_lines ALTER COLUMN qty TYPE integer USING qty::integer;
//! ```
//! The statistics are a sample: the cast of a value out of range fails (it does not wrap),
//! but the cast of a fraction rounds it, so check first that no row has one. Keep `numeric`
//! (or a scale) when fractions are part of what the column means. The change rewrites the
//! table and its indexes under an ACCESS EXCLUSIVE lock; on a large table add a column of
//! the new type, fill it in batches and swap it in.
//!
//! ## How the saving is estimated
//! As space, per row × rows with the value set. The row and each btree entry on the
//! column are laid out value by value with their alignment, before and after; a `numeric`
//! value counts at the statistics' average width. That is exact for `bigint`, whose
//! findings are reported only where the layout shrinks; a row holding another varlena,
//! whose width moves the padding from row to row, counts only its indexes — or, for
//! `numeric`, the least it saves: the average width less the new type's and the most
//! padding its alignment can add. When no saving can be counted the finding says so: the
//! gain is then CPU, not counted. Index entries are counted one per row: where btree deduplication
//! (PostgreSQL 13+) already packs repeated keys the index gains less.

use super::float_money::names_money;
use super::row_layout::{Slot, fixed_slot, least_saving, saving, slot, usually_set};
use super::{alter_type, foreign_key_note, name_words, rewrite_cost, statements_using};
use crate::analysis::index::definition::qualified;
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::{Catalog, Column, ColumnStats, Index, IndexMethod, Table};
use crate::model::ddl::quote_identifier;
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;
use crate::units::human_bytes;

pub static RULE: Rule = Rule {
    id: "DT008",
    name: "oversized-type",
    category: Category::DataTypes,
    severity: Severity::Info,
    source: include_str!("oversized_type.rs"),
    check: Check::Workload(check),
};

/// Tables smaller than this are left alone: 4 bytes a row is then a few MB, not worth a
/// rewrite under an exclusive lock.
const MIN_ROWS: f64 = 1_000_000.0;

/// The share of the narrower type's range the sampled values may reach: the sample misses
/// the rarest values, and columns grow.
const HEADROOM: f64 = 0.01;

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    for table in super::user_tables(catalog) {
        let Some(rows) = context.known_rows(table).filter(|rows| *rows >= MIN_ROWS) else {
            continue;
        };
        for column in &table.columns {
            let Some(stats) = &column.stats else {
                continue;
            };
            let Some(sampled) = sampled_whole_range(stats) else {
                continue;
            };
            let candidate = Candidate {
                context,
                catalog,
                table,
                column,
                stats,
                rows,
                sampled,
            };
            let finding = match declared(&column.data_type) {
                Some(Declared::Bigint) => candidate.bigint(),
                Some(Declared::Numeric {
                    whole_by_declaration,
                }) => candidate.numeric(whole_by_declaration),
                None => None,
            };
            out.extend(finding);
        }
    }
}

/// The types this rule narrows.
#[derive(Debug, PartialEq)]
enum Declared {
    Bigint,
    /// `numeric(p,0)` can hold only whole numbers; plain `numeric` holds them by chance.
    Numeric {
        whole_by_declaration: bool,
    },
}

fn declared(data_type: &str) -> Option<Declared> {
    match data_type {
        "bigint" => Some(Declared::Bigint),
        "numeric" => Some(Declared::Numeric {
            whole_by_declaration: false,
        }),
        t if t.starts_with("numeric(") && t.ends_with(",0)") => Some(Declared::Numeric {
            whole_by_declaration: true,
        }),
        _ => None,
    }
}

/// The lowest and highest values of the statistics' sample.
#[derive(Debug, PartialEq)]
struct Sampled {
    low: f64,
    high: f64,
}

impl Sampled {
    fn magnitude(&self) -> f64 {
        self.low.abs().max(self.high.abs())
    }
}

/// The range of the most common values and histogram bounds, when every one of them is a
/// whole number; `None` when one is not, or the sample holds no value.
fn sampled_whole_range(stats: &ColumnStats) -> Option<Sampled> {
    let values = stats
        .most_common
        .iter()
        .map(|(value, _)| value)
        .chain(&stats.histogram_bounds);
    let mut range: Option<Sampled> = None;
    for text in values {
        let value = whole_number(text)?;
        range = Some(match range {
            None => Sampled {
                low: value,
                high: value,
            },
            Some(range) => Sampled {
                low: range.low.min(value),
                high: range.high.max(value),
            },
        });
    }
    range
}

/// `-42` and `42.000` are 42; `4.5`, `NaN` and `Infinity` are not whole.
fn whole_number(text: &str) -> Option<f64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = whole.strip_prefix('-').unwrap_or(whole);
    let is_whole = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b == b'0');
    if is_whole { whole.parse().ok() } else { None }
}

/// The narrowest integer type the sampled values fit with headroom: keys are only ever
/// given `bigint`, which they cannot outgrow.
fn integer_type_for(magnitude: f64, key: bool) -> Option<&'static str> {
    if !key && magnitude <= HEADROOM * f64::from(i32::MAX) {
        Some("integer")
    } else if magnitude <= HEADROOM * i64::MAX as f64 {
        Some("bigint")
    } else {
        None
    }
}

/// One column of a large table, with the statistics' range of its values.
struct Candidate<'a> {
    context: &'a Context<'a>,
    catalog: &'a Catalog,
    table: &'a Table,
    column: &'a Column,
    stats: &'a ColumnStats,
    rows: f64,
    sampled: Sampled,
}

impl Candidate<'_> {
    /// `bigint` → `integer`, where the layout shows it saves bytes.
    fn bigint(&self) -> Option<Finding> {
        if self.is_key() || integer_type_for(self.sampled.magnitude(), false) != Some("integer") {
            return None;
        }
        let integer = fixed_slot("integer")?;
        let row = self.row_saving(integer).filter(|bytes| *bytes > 0.0);
        let indexes: Vec<(&Index, f64)> = self
            .btree_indexes()
            .filter_map(|index| Some((index, self.entry_saving(index, integer)?)))
            .filter(|(_, bytes)| *bytes > 0.0)
            .collect();
        if row.is_none() && indexes.is_empty() {
            return None;
        }
        let mut parts = Vec::new();
        if let Some(bytes) = row {
            parts.push(format!("each row {bytes:.0} bytes"));
        }
        for (index, bytes) in &indexes {
            parts.push(format!(
                "each entry of {} {bytes:.0} bytes",
                index.name.name
            ));
        }
        let per_row = row.unwrap_or(0.0) + indexes.iter().map(|(_, b)| b).sum::<f64>();
        Some(Finding {
            message: format!(
                "{}.{} is bigint, but the statistics' sample ranges from {:.0} to {:.0}, \
                 far inside integer's range: as integer, with alignment padding counted, \
                 {} smaller — about {} over {:.0} rows (less where btree deduplication packs \
                 repeated keys). A value out of integer's range makes the cast fail, not wrap; \
                 a counter that keeps growing belongs in bigint. {}",
                self.table.name,
                self.column.name,
                self.sampled.low,
                self.sampled.high,
                parts.join(" and "),
                human_bytes((per_row * self.rows_set()) as i64),
                self.rows,
                rewrite_cost(self.context, self.table)
            ),
            ..self.finding(alter_type(&self.table.name, &self.column.name, "integer"))
        })
    }

    /// Unscaled or scale-0 `numeric` holding whole numbers → `integer` or `bigint`.
    fn numeric(&self, whole_by_declaration: bool) -> Option<Finding> {
        if !whole_by_declaration && names_money(&self.column.name) {
            return None;
        }
        let target = integer_type_for(self.sampled.magnitude(), self.is_key())?;
        let narrower = fixed_slot(target)?;
        let average = f64::from(self.stats.avg_width);
        let row = self
            .row_saving(narrower)
            .unwrap_or_else(|| least_saving(average, narrower));
        let mut parts = Vec::new();
        if row > 0.0 {
            parts.push(format!("each row about {row:.0} bytes"));
        }
        let mut per_row = row.max(0.0);
        for index in self.btree_indexes() {
            let Some(bytes) = self.entry_saving(index, narrower).filter(|b| *b > 0.0) else {
                continue;
            };
            parts.push(format!(
                "each entry of {} about {bytes:.0} bytes",
                index.name.name
            ));
            per_row += bytes;
        }
        let space = if parts.is_empty() {
            format!(
                "; no space saving can be counted (its values take {average:.0} bytes on \
                 average as numeric, and {target}'s alignment can pad that back): the gain \
                 is CPU"
            )
        } else {
            format!(
                "; with alignment padding counted {} smaller, about {} over {:.0} rows",
                parts.join(" and "),
                human_bytes((per_row * self.rows_set()) as i64),
                self.rows
            )
        };
        let column = quote_identifier(&self.column.name);
        let trunc_check = format!(
            "SELECT count(*) FROM {} WHERE {column} <> trunc({column});",
            qualified(&self.table.name)
        );
        let proof = if whole_by_declaration {
            String::new()
        } else {
            format!(
                ". The sample does not prove every row is whole, and the cast rounds a \
                 fraction silently, now and in every later write: check that `{trunc_check}` \
                 returns 0, and change it only if the column holds whole numbers by design"
            )
        };
        let mut sql = alter_type(&self.table.name, &self.column.name, target);
        if !whole_by_declaration {
            sql = format!("{trunc_check}  -- must be 0: the cast rounds fractions\n{sql}");
        }
        Some(Finding {
            message: format!(
                "{}.{} is {} and the statistics' sample holds only whole numbers, from {:.0} \
                 to {:.0}: as {target} its sums, comparisons, sorts and index searches run on \
                 native integers instead of numeric's decimal digits{space}{proof}{}. {}",
                self.table.name,
                self.column.name,
                self.column.data_type,
                self.sampled.low,
                self.sampled.high,
                foreign_key_note(self.catalog, self.table, self.column),
                rewrite_cost(self.context, self.table)
            ),
            ..self.finding(sql)
        })
    }

    fn finding(&self, sql: String) -> Finding {
        let queries = statements_using(self.context, self.table, self.column, |_| true);
        Finding {
            table: Some(self.table.name.clone()),
            columns: vec![self.column.name.clone()],
            sql: Some(sql),
            queries: queries.into_iter().map(format_id).collect(),
            ..RULE.finding()
        }
    }

    /// Rows that hold a value: NULLs take no space to save.
    fn rows_set(&self) -> f64 {
        self.rows * (1.0 - self.stats.null_frac)
    }

    /// A key in any sense: what identifies rows, or ties or joins them to others, grows
    /// with its table and must keep its type on both sides.
    fn is_key(&self) -> bool {
        let (table, column) = (self.table, &self.column.name);
        let in_key = |columns: &[String]| columns.contains(column);
        self.column.identity
            || self
                .column
                .default
                .as_deref()
                .is_some_and(|default| default.contains("nextval("))
            || name_words(column).last().is_some_and(|word| word == "id")
            || table.primary_key.iter().any(|key| in_key(&key.columns))
            || table
                .unique_constraints
                .iter()
                .any(|key| in_key(&key.columns))
            || table.foreign_keys.iter().any(|key| in_key(&key.columns))
            || super::user_tables(self.catalog).any(|other| {
                other
                    .foreign_keys
                    .iter()
                    .any(|key| key.references == table.name && in_key(&key.referenced_columns))
            })
            || self.catalog.indexes.values().any(|index| {
                index.table == table.name
                    && index.unique
                    && index.keys.iter().any(|k| k.expression == *column)
            })
            || self.catalog.sequences.values().any(|sequence| {
                sequence
                    .owned_by
                    .as_ref()
                    .is_some_and(|(owner, owning)| *owner == table.name && owning == column)
            })
            || self.context.join_graph.edges().iter().any(|join| {
                [&join.left, &join.right]
                    .iter()
                    .any(|side| side.table == table.name && side.column == *column)
            })
    }

    /// The btree indexes holding the column, as a key or an INCLUDE column.
    fn btree_indexes(&self) -> impl Iterator<Item = &Index> {
        self.catalog.indexes.values().filter(|index| {
            index.table == self.table.name
                && index.method == IndexMethod::Btree
                && (index
                    .keys
                    .iter()
                    .any(|key| key.is_column && key.expression == self.column.name)
                    || index.include.contains(&self.column.name))
        })
    }

    /// Bytes a typical row saves, when every other value in it has a fixed width; `None`
    /// when the column is mostly NULL or the layout is not known.
    fn row_saving(&self, narrower: Slot) -> Option<f64> {
        if !usually_set(self.column) {
            return None;
        }
        let columns: Vec<&Column> = self
            .table
            .columns
            .iter()
            .filter(|c| usually_set(c))
            .collect();
        let slots: Option<Vec<Slot>> = columns.iter().map(|c| slot(c)).collect();
        let changed = columns.iter().position(|c| c.name == self.column.name)?;
        saving(&slots?, changed, narrower)
    }

    /// Bytes each entry of the index saves, when its other columns are fixed-width.
    fn entry_saving(&self, index: &Index, narrower: Slot) -> Option<f64> {
        if index.keys.iter().any(|key| !key.is_column) {
            return None;
        }
        let names: Vec<&str> = index
            .keys
            .iter()
            .map(|key| key.expression.as_str())
            .chain(index.include.iter().map(String::as_str))
            .collect();
        let slots: Option<Vec<Slot>> = names
            .iter()
            .map(|name| self.table.column(name).and_then(slot))
            .collect();
        let changed = names.iter().position(|name| *name == self.column.name)?;
        saving(&slots?, changed, narrower)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(most_common: &[&str], histogram: &[&str]) -> ColumnStats {
        ColumnStats {
            most_common: most_common.iter().map(|v| (v.to_string(), 0.1)).collect(),
            histogram_bounds: histogram.iter().map(|v| v.to_string()).collect(),
            ..ColumnStats::default()
        }
    }

    #[test]
    fn whole_numbers_as_numeric_prints_them() {
        assert_eq!(whole_number("42"), Some(42.0));
        assert_eq!(whole_number("-42"), Some(-42.0));
        assert_eq!(whole_number("42.000"), Some(42.0));
        assert_eq!(whole_number("42.5"), None);
        assert_eq!(whole_number("0.001"), None);
        assert_eq!(whole_number("NaN"), None);
        assert_eq!(whole_number("-Infinity"), None);
        assert_eq!(whole_number("-"), None);
        assert_eq!(whole_number(""), None);
    }

    #[test]
    fn the_range_spans_common_values_and_histogram() {
        assert_eq!(
            sampled_whole_range(&stats(&["7", "-3"], &["1", "20", "950"])),
            Some(Sampled {
                low: -3.0,
                high: 950.0
            })
        );
        // One fraction anywhere: the column holds fractions.
        assert_eq!(
            sampled_whole_range(&stats(&["7"], &["1", "2.5", "9"])),
            None
        );
        // No sampled value (all NULL): nothing to say.
        assert_eq!(sampled_whole_range(&stats(&[], &[])), None);
    }

    #[test]
    fn integer_only_with_headroom_and_never_for_keys() {
        assert_eq!(integer_type_for(21_000_000.0, false), Some("integer"));
        assert_eq!(integer_type_for(22_000_000.0, false), Some("bigint"));
        assert_eq!(integer_type_for(40.0, true), Some("bigint"));
        assert_eq!(integer_type_for(1e16, false), Some("bigint"));
        assert_eq!(integer_type_for(1e30, false), None);
    }

    #[test]
    fn declared_types() {
        assert_eq!(declared("bigint"), Some(Declared::Bigint));
        assert_eq!(
            declared("numeric"),
            Some(Declared::Numeric {
                whole_by_declaration: false
            })
        );
        assert_eq!(
            declared("numeric(18,0)"),
            Some(Declared::Numeric {
                whole_by_declaration: true
            })
        );
        assert_eq!(declared("numeric(12,2)"), None);
        assert_eq!(declared("numeric(10,0)[]"), None);
        assert_eq!(declared("integer"), None);
    }
}
