//! ## What it finds
//! A hot read that an application cache would answer most of the time: a SELECT run at
//! least 100 times and for at least 1 % of the logged time or of the logged calls, that
//! locks nothing (`FOR UPDATE`), calls nothing whose result changes from call to call
//! (`now()`, `random()`, `nextval()`, …), writes nothing, and reads only tables the logged
//! workload rarely writes — `INSERT`, `UPDATE`, `DELETE`, `COPY … FROM` and `TRUNCATE` calls on
//! them at most 10 % of the query's calls. Reported when the estimated hit rate of a cache
//! keyed by the query's values is 50 % or more.
//!
//! BAT003 reports the same values asked again inside one loop of one session: those repeats
//! go away by hoisting the query out of the loop, without a cache. This rule looks across
//! sessions and requests, and leaves those repeats out of its own figures so that the two
//! findings never count the same calls.
//!
//! ## Why it matters
//! Every call asks the database a question whose answer has not changed since it was last
//! asked: a round trip, a plan and an execution, competing with the work only the database
//! can do. A read of a table that is seldom written, asked with few distinct values, is
//! the cheapest load to take off the database.
//!
//! ## Example
//! ```sql
//! -- 3,000 calls with 40 distinct ids; products written 12 times in the same hour
//! SELECT id, name, price FROM products WHERE id = $1;
//! ```
//!
//! ## Instead
//! Cache the result in the application (or a shared cache such as Redis or memcached), keyed
//! by the statement and its parameter values, and drop the entries when the tables are
//! written — from the code that writes them, or from a trigger with `NOTIFY`. Where such
//! invalidation is not possible, a time to live shorter than the interval between writes
//! bounds how stale an answer can be. The finding says how often the logged workload wrote
//! the tables.
//!
//! ## How the saving is estimated
//! Each distinct set of values misses once, and each logged write to a table the query reads
//! is assumed to invalidate one entry and cost one more miss (a write that changes many rows
//! may invalidate more: the estimate is optimistic for bulk writes). So
//! `hit rate = 1 − (distinct value sets + writes) / calls`. The distinct value sets are
//! counted from the constants and logged parameters of every call, exactly up to 256 and
//! estimated above (within a few percent). Calls saved are the hit rate times the calls, and
//! logged time saved the hit rate times the query's logged time: a hit costs no database
//! time, while the cache's own lookup is not counted. Calls that BAT003 reports as repeats in
//! loops are taken out first. Not in cost units: the finding has no `estimated_saving`, the
//! figures are in its message.

use crate::analysis::facts::{Access, Operand, QueryFacts, StatementKind};
use crate::analysis::migration::impact::duration;
use crate::findings::{Category, Finding, Severity, shorten};
use crate::model::catalog::QualifiedName;
use crate::model::workload::{QueryStats, Summary};
use crate::rules::batching::repeated_queries::repeats_in_loops;
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;
use crate::units::{format_ms, thousands};
use std::collections::{BTreeMap, BTreeSet};

pub static RULE: Rule = Rule {
    id: "CACHE001",
    name: "cacheable-hot-query",
    category: Category::Caching,
    severity: Severity::Info,
    source: include_str!("cacheable_hot_query.rs"),
    check: Check::Workload(check),
};

/// Fewer calls than this are not worth a cache, whatever their share.
const HOT_CALLS: u64 = 100;
/// The share of the logged time (or, untimed, of the calls) a query must take to be hot.
const HOT_SHARE: f64 = 0.01;
/// "Rarely written": writes to the tables read, per call of the query, at most this.
const RARE_WRITES: f64 = 0.10;
/// Below this estimated hit rate a cache costs more care than it saves.
const MIN_HIT_RATE: f64 = 0.5;

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let writes = writes_per_table(context);
    let summary = &context.profile.summary;
    for (&fingerprint, query) in &context.profile.queries {
        let Some(facts) = context.facts.get(&fingerprint) else {
            continue;
        };
        let Some(tables) = cacheable_tables(facts) else {
            continue;
        };
        if query.calls < HOT_CALLS || !is_hot(query, summary) {
            continue;
        }
        let table_writes: u64 = tables.iter().filter_map(|t| writes.get(t)).sum();
        if table_writes as f64 > RARE_WRITES * query.calls as f64 {
            continue;
        }
        let distinct_values = &query.distinct_values;
        let Some(distinct) = distinct_values.estimate() else {
            continue;
        };
        let in_loops = repeats_in_loops(context, fingerprint).min(query.calls);
        let Some(estimate) = HitRate::estimate(query.calls - in_loops, distinct, table_writes)
        else {
            continue;
        };
        if estimate.rate < MIN_HIT_RATE {
            continue;
        }
        out.push(finding(
            context,
            fingerprint,
            query,
            facts,
            &tables,
            Evidence {
                distinct,
                exact: distinct_values.is_exact(),
                writes: table_writes,
                in_loops,
                estimate,
            },
        ));
    }
}

/// The tables a statement reads, when its result could be served from a cache: a plain
/// SELECT of user tables that are all known, with no lock and nothing that changes per call.
fn cacheable_tables(facts: &QueryFacts) -> Option<BTreeSet<&QualifiedName>> {
    let plain_read = facts.kind == StatementKind::Select
        && !facts.for_update
        && facts.volatile_functions.is_empty()
        && facts.unresolved.is_empty()
        && !facts.tables.is_empty()
        && facts
            .tables
            .iter()
            .all(|t| t.access == Access::Read && !t.table.is_system());
    plain_read.then(|| facts.tables.iter().map(|t| &t.table).collect())
}

/// A hot query takes a meaningful share of the logged time, or of the calls.
fn is_hot(query: &QueryStats, summary: &Summary) -> bool {
    let share = |part: u64, whole: u64| whole > 0 && part as f64 >= HOT_SHARE * whole as f64;
    share(query.total_us, summary.total_us) || share(query.calls, summary.statements)
}

/// Logged calls that write each table: every one may change what a cached read returns.
fn writes_per_table<'a>(context: &Context<'a>) -> BTreeMap<&'a QualifiedName, u64> {
    let mut writes = BTreeMap::new();
    for (fingerprint, query) in &context.profile.queries {
        let Some(facts) = context.facts.get(fingerprint) else {
            continue;
        };
        let written: BTreeSet<&QualifiedName> = facts
            .tables
            .iter()
            .filter(|t| t.access != Access::Read)
            .map(|t| &t.table)
            .collect();
        for table in written {
            *writes.entry(table).or_default() += query.calls;
        }
    }
    writes
}

/// A cache's estimated hit rate over the calls a cache would serve.
#[derive(Debug, Clone, Copy, PartialEq)]
struct HitRate {
    calls: u64,
    rate: f64,
}

impl HitRate {
    /// Every distinct value set misses once; every write costs one more miss. `None` without
    /// calls.
    fn estimate(calls: u64, distinct: f64, writes: u64) -> Option<HitRate> {
        (calls > 0).then(|| HitRate {
            calls,
            rate: (1.0 - (distinct + writes as f64) / calls as f64).max(0.0),
        })
    }
}

/// What the finding's figures come from.
struct Evidence {
    distinct: f64,
    /// Whether `distinct` is a count rather than an estimate.
    exact: bool,
    writes: u64,
    /// Calls BAT003 reports as repeats in loops, left out of `estimate`.
    in_loops: u64,
    estimate: HitRate,
}

fn finding(
    context: &Context<'_>,
    fingerprint: u64,
    query: &QueryStats,
    facts: &QueryFacts,
    tables: &BTreeSet<&QualifiedName>,
    evidence: Evidence,
) -> Finding {
    let Evidence {
        distinct,
        exact,
        writes,
        in_loops,
        estimate,
    } = evidence;
    let key = key_columns(facts);
    let cache = if key.is_empty() {
        "A cache of its one result (the statement has no values)".to_string()
    } else {
        format!("A cache keyed by {}", key.join(", "))
    };
    let saved_calls = estimate.rate * estimate.calls as f64;
    let saved_time = query
        .mean_ms()
        .map(|mean| {
            format!(
                " and about {} ms of logged time",
                format_ms(Some(mean * saved_calls))
            )
        })
        .unwrap_or_default();
    let loops = if in_loops > 0 {
        format!(
            " ({} repeats inside loops left out: BAT003 reports them, and hoisting removes \
             them)",
            thousands(in_loops as f64)
        )
    } else {
        String::new()
    };
    let table_list = tables
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let writes_logged = match writes {
        0 => format!("no logged write to {table_list}"),
        1 => format!("1 logged write to {table_list}"),
        n => format!("{} logged writes to {table_list}", thousands(n as f64)),
    };
    Finding {
        message: format!(
            "`{}` is a hot read of rarely written tables: {} calls{}, {} distinct value \
             set{}, {writes_logged}. {cache} would answer {} of the calls{loops}: \
             about {} calls{saved_time} saved. {}.",
            shorten(&query.normalized, 80),
            thousands(query.calls as f64),
            time_share(query, &context.profile.summary),
            count_of(distinct, exact),
            if exact && distinct == 1.0 { "" } else { "s" },
            percent(estimate.rate),
            thousands(saved_calls),
            invalidation(writes, &context.profile.summary),
        ),
        table: tables.first().map(|t| (*t).clone()),
        columns: key,
        queries: vec![format_id(fingerprint)],
        ..RULE.finding()
    }
}

/// The columns the statement compares with its values: what the cache entries differ by.
fn key_columns(facts: &QueryFacts) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for predicate in &facts.predicates {
        let by_value = matches!(
            predicate.value,
            Operand::Constant(_) | Operand::Parameter { .. } | Operand::List(_)
        );
        let column = predicate.column.column.clone();
        if by_value && !columns.contains(&column) {
            columns.push(column);
        }
    }
    columns
}

/// `, 12 % of the logged time` when the calls were timed.
fn time_share(query: &QueryStats, summary: &Summary) -> String {
    if summary.total_us == 0 || query.timed_calls == 0 {
        return String::new();
    }
    format!(
        " ({:.0} % of the logged time)",
        query.total_us as f64 * 100.0 / summary.total_us as f64
    )
}

/// `about 88 %`; a rate that rounds to 100 % is not quite that.
fn percent(rate: f64) -> String {
    if rate >= 0.995 {
        "over 99 %".to_string()
    } else {
        format!("about {:.0} %", rate * 100.0)
    }
}

/// `40`, or `about 12,000` above the sketch's exact range.
fn count_of(distinct: f64, exact: bool) -> String {
    if exact {
        thousands(distinct)
    } else {
        format!("about {}", thousands(distinct))
    }
}

/// How entries should expire, from how often the tables were written over the log's span.
fn invalidation(writes: u64, summary: &Summary) -> String {
    let span_s = match (summary.seen.first_seen, summary.seen.last_seen) {
        (Some(first), Some(last)) if last > first => Some((last - first) as f64 / 1000.0),
        _ => None,
    };
    match (writes, span_s) {
        (0, Some(span)) => format!(
            "No logged statement wrote them in the log's {}: invalidate on write, or use a \
             long time to live",
            duration(span).trim_start_matches('~')
        ),
        (0, None) => "No logged statement wrote them: invalidate on write, or use a long \
                      time to live"
            .to_string(),
        (writes, Some(span)) => format!(
            "They were written about once every {}: invalidate on write, or keep the time to \
             live well under that",
            duration(span / writes as f64).trim_start_matches('~')
        ),
        (_, None) => "Invalidate on write: the log has no timestamps to tell how often the \
                      writes come"
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_value_set_and_each_write_misses_once() {
        let estimate = HitRate::estimate(1_000, 40.0, 10).unwrap();
        assert!((estimate.rate - 0.95).abs() < 1e-9);
        assert_eq!(HitRate::estimate(100, 100.0, 0).unwrap().rate, 0.0);
        assert_eq!(HitRate::estimate(100, 90.0, 30).unwrap().rate, 0.0);
        assert_eq!(HitRate::estimate(0, 1.0, 0), None);
    }

    #[test]
    fn invalidation_follows_the_writes_rate() {
        let summary = |span_ms| Summary {
            seen: crate::model::workload::Seen {
                first_seen: Some(0),
                last_seen: Some(span_ms),
            },
            ..Summary::default()
        };
        assert!(invalidation(0, &summary(3_600_000)).contains("in the log's 60 min"));
        assert!(invalidation(12, &summary(3_600_000)).contains("once every 5 min"));
        assert!(invalidation(3, &Summary::default()).contains("no timestamps"));
    }

    #[test]
    fn estimated_counts_say_so() {
        assert_eq!(percent(0.88), "about 88 %");
        assert_eq!(percent(0.9975), "over 99 %");
        assert_eq!(count_of(40.0, true), "40");
        assert_eq!(count_of(12_345.6, false), "about 12,346");
    }
}
