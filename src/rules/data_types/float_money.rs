//! ## What it finds
//! Columns whose name says they hold money (`price`, `amount`, `cost`, `total`, `balance`,
//! `fee`, `salary`, `tax`, …, but not `total_count` or `tax_rate`) stored as `real` or
//! `double precision`. Every such column of the schema is reported; the finding names the
//! statements that compute with it (`sum`, `avg`, arithmetic) or compare it, where the
//! rounding errors show.
//!
//! ## Why it matters
//! Binary floating point cannot hold most decimal fractions: `0.1 + 0.2` is
//! `0.30000000000000004`, a sum of a million prices drifts by cents, and
//! `WHERE price = 19.99` misses the row that stored `19.990000000000002`. `real` keeps only
//! six significant digits: `123456.78` is stored as `123456.8`. Accounting totals that do
//! not add up are found late and are expensive to explain.
//!
//! ## Example
//! ```sql
//! CREATE TABLE orders (id bigint PRIMARY KEY, total double precision NOT NULL);
//! SELECT sum(total) FROM orders WHERE created_at >= $1;
//! ```
//!
//! ## Instead
//! ```sql
//! ALTER TABLE public.orders ALTER COLUMN total TYPE numeric(12,2) USING total::numeric(12,2);
//! ```
//! `numeric` is exact; choose the scale the currency needs (or store integer cents in a
//! `bigint`). The cast rounds to the scale and fails on values beyond the precision. It
//! rewrites the table under an ACCESS EXCLUSIVE lock.
//!
//! ## How the saving is estimated
//! It is not a speed-up (numeric arithmetic is slower than float): the finding is about
//! correct results. It names the statements that compute with or compare the column.

use super::{alter_type, fingerprints, name_words, rewrite_cost, statements, statements_using};
use crate::findings::{Category, Finding, Severity};
use crate::rules::{Check, Context, Rule};

pub static RULE: Rule = Rule {
    id: "DT002",
    name: "money-in-float",
    category: Category::DataTypes,
    severity: Severity::Warning,
    source: include_str!("float_money.rs"),
    check: Check::Workload(check),
};

/// Words that name an amount of money.
const MONEY_WORDS: &[&str] = &[
    "amount",
    "amounts",
    "balance",
    "budget",
    "commission",
    "cost",
    "costs",
    "credit",
    "debit",
    "discount",
    "expense",
    "fee",
    "fees",
    "income",
    "payment",
    "payout",
    "price",
    "prices",
    "refund",
    "revenue",
    "salary",
    "subtotal",
    "tax",
    "total",
    "totals",
    "wage",
    "wages",
];

/// Words that make a money-sounding name something else: a count, a ratio, a duration.
const NOT_MONEY_WORDS: &[&str] = &[
    "count",
    "duration",
    "hours",
    "minutes",
    "ms",
    "pct",
    "percent",
    "percentage",
    "points",
    "qty",
    "quantity",
    "rate",
    "ratio",
    "score",
    "seconds",
    "weight",
];

/// What the workload does with a column that float rounding spoils.
const COMPUTING: &[&str] = &["sum", "avg", "round", "+", "-", "*", "/"];

/// The exact type suggested: ten digits before the point, cents after.
const EXACT_TYPE: &str = "numeric(12,2)";

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    for table in super::user_tables(catalog) {
        for column in &table.columns {
            if !matches!(column.data_type.as_str(), "real" | "double precision")
                || !names_money(&column.name)
            {
                continue;
            }
            let computing = statements_using(context, table, column, |facts| {
                let this = |c: &crate::analysis::facts::ColumnRef| {
                    c.table == table.name && c.column == column.name
                };
                facts.predicates.iter().any(|p| this(&p.column))
                    || facts
                        .wrapped_columns
                        .iter()
                        .any(|w| this(&w.column) && COMPUTING.contains(&w.wrapped_in.as_str()))
            });
            let all = statements_using(context, table, column, |_| true);
            let queries: Vec<u64> = computing
                .iter()
                .chain(all.iter().filter(|id| !computing.contains(id)))
                .copied()
                .collect();
            let workload = if computing.is_empty() {
                "no logged statement computes with it or compares it yet".to_string()
            } else {
                format!(
                    "it is summed, computed with or compared in {}, whose results carry the \
                     rounding errors",
                    statements(computing.len())
                )
            };
            out.push(Finding {
                message: format!(
                    "{}.{} holds money in {}, which cannot represent most decimal fractions \
                     exactly: {workload}. Store it as {EXACT_TYPE} (or integer cents); {}",
                    table.name,
                    column.name,
                    column.data_type,
                    rewrite_cost(context, table)
                ),
                table: Some(table.name.clone()),
                columns: vec![column.name.clone()],
                sql: Some(alter_type(&table.name, &column.name, EXACT_TYPE)),
                queries: fingerprints(&queries),
                ..RULE.finding()
            });
        }
    }
}

pub(super) fn names_money(name: &str) -> bool {
    let words = name_words(name);
    words.iter().any(|w| MONEY_WORDS.contains(&w.as_str()))
        && !words.iter().any(|w| NOT_MONEY_WORDS.contains(&w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_names_and_their_look_alikes() {
        for name in [
            "price",
            "unit_price",
            "totalAmount",
            "balance",
            "shipping_fee",
        ] {
            assert!(names_money(name), "{name}");
        }
        for name in [
            "total_count",
            "tax_rate",
            "latitude",
            "cost_ms",
            "priced",
            "weight",
        ] {
            assert!(!names_money(name), "{name}");
        }
    }
}
