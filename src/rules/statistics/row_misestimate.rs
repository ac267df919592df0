//! ## What it finds
//! With `--analyze` only: a scan in the measured plan of a logged SELECT whose row estimate
//! was off by 10× or more (either way) on at least 100 rows — the planner expected 2 rows
//! and 200 came, or the reverse. One finding per table and set of filtered columns, naming
//! the statements, the scan and the worst factor. Joins are not blamed: their estimates
//! follow from their inputs', and a join's own error is beyond what statistics on one table
//! fix.
//!
//! ## Why it matters
//! Every plan choice — index or sequential scan, nested loop or hash join, which table
//! first, whether a sort fits in memory — is made on row estimates. An estimate 100× too
//! low makes a nested loop that runs 100× more often than planned; 100× too high skips an
//! index that would have been fast. The usual causes: filters on columns that go together
//! (city and zip code, tenant and user) whose selectivities the planner multiplies as if
//! independent; a skewed column whose common values the default statistics sample misses;
//! statistics that have not caught up with the data.
//!
//! ## Example
//! ```sql
//! -- zip determines city: 1 % of the rows match each, and the same 1 % match both.
//! SELECT id, street FROM addresses WHERE city = 7 AND zip = 7;
//! -- Seq Scan on addresses: estimated 2 rows, actual 200
//! ```
//!
//! ## Instead
//! Filters on several columns of the table: tell the planner how they go together, then
//! gather the statistics.
//! ```sql
//! CREATE STATISTICS addresses_city_zip_stats (dependencies, mcv) ON city, zip FROM public.addresses;
//! ANALYZE public.addresses;
//! ```
//! One column (or extended statistics already there): sample it more finely with
//! `ALTER TABLE … ALTER COLUMN … SET STATISTICS 1000` and `ANALYZE`. Statistics that are
//! stale (STAT001): `ANALYZE` first.
//!
//! ## How the saving is estimated
//! Not estimated: what better estimates save depends on the plan they lead to. The finding
//! gives the statements' logged time, which is what a better plan can cut.

use super::stale_statistics::table_staleness;
use crate::analysis::estimates::Misestimate;
use crate::analysis::index::definition::qualified;
use crate::findings::{Category, Finding, Severity, shorten};
use crate::model::catalog::{QualifiedName, Table};
use crate::model::ddl::quote_identifier;
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;
use crate::units::thousands;
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    id: "STAT002",
    name: "row-misestimate",
    category: Category::Statistics,
    severity: Severity::Warning,
    source: include_str!("row_misestimate.rs"),
    check: Check::Workload(check),
};

/// The statistics target suggested for a column whose values the default (100) misses.
const FINER_STATISTICS_TARGET: u32 = 1000;
/// PostgreSQL's limit on an identifier's length, in bytes.
const MAX_IDENTIFIER_BYTES: usize = 63;

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    let mut groups: BTreeMap<Filtered, Vec<&Misestimate>> = BTreeMap::new();
    for misestimate in context.misestimates {
        if let Some(filtered) = scanned(context, misestimate) {
            groups.entry(filtered).or_default().push(misestimate);
        }
    }
    for (filtered, misestimates) in groups {
        let Filtered {
            table: name,
            columns,
            expressions,
        } = filtered;
        let Some(table) = catalog.tables.get(&name) else {
            continue;
        };
        let worst = misestimates
            .iter()
            .copied()
            .max_by(|a, b| a.factor().total_cmp(&b.factor()))
            .expect("a group has a misestimate");
        let mut queries: Vec<u64> = misestimates.iter().map(|m| m.query).collect();
        queries.sort_unstable();
        queries.dedup();
        let (remedy, sql) = match expressions.as_slice() {
            [] => remedy(table, &columns),
            _ => expression_remedy(table, &expressions),
        };
        let filtered_on: Vec<String> = columns.iter().chain(&expressions).cloned().collect();
        out.push(Finding {
            message: format!(
                "`{}` on {name} expected {} in `{}`{}{}. {remedy}",
                worst.node,
                outcome(worst),
                shorten(context.profile.normalized(worst.query), 80),
                filtering(&filtered_on),
                statements_and_time(context, &queries),
            ),
            table: Some(name.clone()),
            columns,
            sql: Some(sql),
            queries: queries.into_iter().map(format_id).collect(),
            ..RULE.finding()
        });
    }
}

/// A table a misestimated scan read, with what its statement filters it on: plain columns,
/// and expressions of columns (`lower("email")`, or the wrapper's name where planwise cannot
/// write the expression).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Filtered {
    table: QualifiedName,
    columns: Vec<String>,
    expressions: Vec<String>,
}

/// What the table a misestimated scan read is filtered on.
fn scanned(context: &Context<'_>, misestimate: &Misestimate) -> Option<Filtered> {
    let facts = context.facts.get(&misestimate.query)?;
    let table = facts
        .tables
        .iter()
        .map(|used| &used.table)
        .find(|table| table.name == misestimate.relation)?;
    let mut columns: Vec<String> = Vec::new();
    let mut expressions: Vec<String> = Vec::new();
    for predicate in facts.predicates.iter().filter(|p| &p.column.table == table) {
        let (list, item) = match &predicate.wrapped_in {
            None => (&mut columns, predicate.column.column.clone()),
            Some(wrapper) => (
                &mut expressions,
                predicate
                    .wrapped_expression()
                    .unwrap_or_else(|| format!("{wrapper} on {}", predicate.column.column)),
            ),
        };
        if !list.contains(&item) {
            list.push(item);
        }
    }
    Some(Filtered {
        table: table.clone(),
        columns,
        expressions,
    })
}

/// "312 rows and got 4 (78× fewer)", or "312 rows and got none".
fn outcome(misestimate: &Misestimate) -> String {
    let expected = thousands(misestimate.estimated);
    if misestimate.actual == 0.0 {
        return format!("{expected} rows and got none");
    }
    let direction = if misestimate.underestimated() {
        "more"
    } else {
        "fewer"
    };
    format!(
        "{expected} rows and got {} ({:.0}× {direction})",
        thousands(misestimate.actual),
        misestimate.factor()
    )
}

/// Statistics on the expressions the statement filters by: column statistics describe the
/// column, not `lower(column)`, so a finer target cannot help.
fn expression_remedy(table: &Table, expressions: &[String]) -> (String, String) {
    let name = qualified(&table.name);
    let analyze = format!("ANALYZE {name};");
    let reason = "The statement filters on an expression of its columns, and column statistics                   describe the columns, not the expression: statistics on the expression                   (PostgreSQL 14+), or an expression index (IDX003), give the planner its                   distribution.";
    let writable = expressions.iter().all(|e| !e.contains(" on "));
    if !writable {
        return (reason.to_string(), analyze);
    }
    let on: Vec<String> = expressions.iter().map(|e| format!("({e})")).collect();
    let words: Vec<String> = expressions
        .iter()
        .map(|e| {
            e.chars()
                .filter(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        })
        .collect();
    let sql = format!(
        "CREATE STATISTICS {} ON {} FROM {name};\n{analyze}",
        quote_identifier(&statistics_name(&table.name, &words)),
        on.join(", "),
    );
    (reason.to_string(), sql)
}

/// Why the estimate is off, as far as the catalog tells, and the SQL that fixes it. Stale
/// statistics are refreshed by every remedy's `ANALYZE`; alone they explain a misestimate
/// only when no pair of columns does.
fn remedy(table: &Table, columns: &[String]) -> (String, String) {
    let name = qualified(&table.name);
    let analyze = format!("ANALYZE {name};");
    let stats = table.stats.as_ref();
    let stale = table_staleness(table)
        .map(|stale| format!(" The table {stale} (STAT001)."))
        .unwrap_or_default();
    let covered = stats.is_some_and(|s| {
        s.extended_statistics
            .iter()
            .any(|set| columns.iter().all(|c| set.contains(c)))
    });
    match columns {
        [_, _, ..] if !covered => (
            format!(
                "The planner multiplies the filtered columns' selectivities as if they were \
                 independent: extended statistics tell it how they go together.{stale}"
            ),
            format!(
                "CREATE STATISTICS {} (dependencies, mcv) ON {} FROM {name};\n{analyze}",
                quote_identifier(&statistics_name(&table.name, columns)),
                quoted_list(columns),
            ),
        ),
        _ if !stale.is_empty() => (
            format!("{} Gather fresh statistics first.", stale.trim_start()),
            analyze,
        ),
        [] => (
            "No filter on the table explains it: its size estimate is off; gather fresh \
             statistics."
                .to_string(),
            analyze,
        ),
        _ => {
            let mut sql = String::new();
            for column in columns {
                sql.push_str(&format!(
                    "ALTER TABLE {name} ALTER COLUMN {} SET STATISTICS \
                     {FINER_STATISTICS_TARGET};\n",
                    quote_identifier(column)
                ));
            }
            sql.push_str(&analyze);
            (
                "The column statistics miss how the values are spread: sample them more \
                 finely."
                    .to_string(),
                sql,
            )
        }
    }
}

/// `<table>_<columns>_stats`, cut to PostgreSQL's identifier length.
fn statistics_name(table: &QualifiedName, columns: &[String]) -> String {
    let mut name = format!("{}_{}", table.name, columns.join("_"));
    let room = MAX_IDENTIFIER_BYTES - "_stats".len();
    if name.len() > room {
        let mut end = room;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name.truncate(end);
    }
    name + "_stats"
}

fn quoted_list(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| quote_identifier(c))
        .collect::<Vec<_>>()
        .join(", ")
}

fn filtering(columns: &[String]) -> String {
    if columns.is_empty() {
        String::new()
    } else {
        format!(", filtering {}", columns.join(", "))
    }
}

/// `; 2 statements, 1,234.5 ms of logged time` (the time when the log has it).
fn statements_and_time(context: &Context<'_>, queries: &[u64]) -> String {
    let statements = match queries.len() {
        1 => String::new(),
        n => format!("; {n} statements"),
    };
    let total_us: u64 = queries
        .iter()
        .filter_map(|id| context.profile.queries.get(id))
        .map(|stats| stats.total_us)
        .sum();
    let time = if total_us > 0 {
        format!(
            "{}{:.1} ms of logged time",
            if statements.is_empty() { "; " } else { ", " },
            total_us as f64 / 1000.0
        )
    } else {
        String::new()
    };
    statements + &time
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_names_fit_in_an_identifier() {
        let table = QualifiedName::new("public", "addresses");
        assert_eq!(
            statistics_name(&table, &["city".into(), "zip".into()]),
            "addresses_city_zip_stats"
        );
        let long = statistics_name(&table, &["é".repeat(40), "b".into()]);
        assert!(long.len() <= MAX_IDENTIFIER_BYTES, "{long}");
        assert!(long.ends_with("_stats"));
    }

    fn misestimate(estimated: f64, actual: f64) -> Misestimate {
        Misestimate {
            query: 1,
            node: "Seq Scan".into(),
            relation: "users".into(),
            estimated,
            actual,
            loops: 1.0,
            conditions: Vec::new(),
        }
    }

    #[test]
    fn no_rows_back_is_said_as_such_not_as_a_factor() {
        assert_eq!(outcome(&misestimate(312.0, 0.0)), "312 rows and got none");
        assert_eq!(
            outcome(&misestimate(2.0, 200.0)),
            "2 rows and got 200 (100× more)"
        );
    }

    #[test]
    fn an_expression_gets_expression_statistics_not_a_column_target() {
        let table = Table {
            name: QualifiedName::new("public", "users"),
            ..Table::default()
        };
        let (reason, sql) = expression_remedy(&table, &["lower(email)".into()]);
        assert!(reason.contains("expression"), "{reason}");
        assert_eq!(
            sql,
            "CREATE STATISTICS users_loweremail_stats ON (lower(email)) FROM public.users;\n\
             ANALYZE public.users;"
        );
        let (_, unwritable) = expression_remedy(&table, &["jsonb_path on doc".into()]);
        assert_eq!(unwritable, "ANALYZE public.users;");
    }
}
