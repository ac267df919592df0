//! How fast a table grows: rows inserted per day, from the server's statistics (the rows
//! inserted since its last vacuum over the time since) or, when those have no window long
//! enough, from the log (the inserts it dated, over its span). Key exhaustion and the size
//! thresholds of partitioning and BRIN read it; the index advisor also reads how fast the
//! log writes a table (inserts, updates and deletes: [`WriteRate`]).

use super::facts::{Access, QueryFacts};
use crate::model::catalog::{QualifiedName, TableStats};
use crate::model::workload::Profile;
use std::collections::BTreeMap;

/// The shortest statistics window a rate is read from: a whole day's peaks and troughs.
const MIN_STATISTICS_SECONDS: f64 = 86_400.0;
/// The shortest log a rate is read from. Shorter than the statistics' day, because the log
/// dated each insert; the message says how long it was.
const MIN_LOG_SECONDS: f64 = 3_600.0;

/// How far ahead size thresholds look: a table that will be large within a quarter at its
/// insert rate is planned for now, while the change is still cheap.
pub const HORIZON_DAYS: f64 = 90.0;

/// Where a growth rate comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GrowthBasis {
    /// `n_ins_since_vacuum` over the time since the last (auto)vacuum.
    Statistics,
    /// The `INSERT`/`COPY` executions the log dated, one row each at least, over its span.
    Log,
}

/// Rows inserted per day, over a window of `over_days`.
#[derive(Debug, Clone, PartialEq)]
pub struct Growth {
    pub per_day: f64,
    pub over_days: f64,
    pub basis: GrowthBasis,
}

impl Growth {
    /// The growth the live statistics show, when their window is long enough to mean a rate.
    pub fn from_statistics(stats: &TableStats) -> Option<Growth> {
        let seconds = stats
            .seconds_since_vacuum
            .filter(|seconds| *seconds >= MIN_STATISTICS_SECONDS)?;
        let over_days = seconds / 86_400.0;
        Some(Growth {
            per_day: stats.inserts_since_vacuum.max(0) as f64 / over_days,
            over_days,
            basis: GrowthBasis::Statistics,
        })
    }

    /// The growth the log shows: its executions that insert into `table` (each counted as
    /// one row, a floor for multi-row `VALUES` and `COPY`) over the log's span, when the log
    /// dated its entries over an hour or more.
    pub fn from_log(
        profile: &Profile,
        facts: &BTreeMap<u64, QueryFacts>,
        table: &QualifiedName,
    ) -> Option<Growth> {
        let over_days = logged_days(profile)?;
        let inserts = logged_calls(profile, facts, table, Access::Insert);
        Some(Growth {
            per_day: inserts as f64 / over_days,
            over_days,
            basis: GrowthBasis::Log,
        })
    }

    /// `logged` or `statistics`: where the rate was read, for a message.
    pub fn basis_word(&self) -> &'static str {
        match self.basis {
            GrowthBasis::Statistics => "statistics",
            GrowthBasis::Log => "logged",
        }
    }

    /// The rows inserted within `HORIZON_DAYS` at this rate.
    pub fn rows_within_horizon(&self) -> f64 {
        self.per_day * HORIZON_DAYS
    }

    /// Days until `left` more rows are inserted; infinite when nothing was inserted.
    pub fn days_until(&self, left: f64) -> f64 {
        if self.per_day > 0.0 {
            left / self.per_day
        } else {
            f64::INFINITY
        }
    }

    /// The window the rate was read over, for a message: `the 2.0 days since its last
    /// vacuum`, `the log's 3.5 hours, one row per logged insert: a floor` (multi-row inserts
    /// and those the log left out are not counted).
    pub fn window(&self) -> String {
        match self.basis {
            GrowthBasis::Statistics => {
                format!("the {:.1} days since its last vacuum", self.over_days)
            }
            GrowthBasis::Log => {
                let hours = self.over_days * 24.0;
                let span = if hours < 48.0 {
                    format!("{hours:.1} hours")
                } else {
                    format!("{:.1} days", self.over_days)
                };
                format!("the log's {span}, one row per logged insert: a floor")
            }
        }
    }
}

/// The rows the log's statements write into a table a day, by kind: each logged execution
/// of an `INSERT`/`COPY`, `UPDATE` or `DELETE` counted as one row (a floor: a statement may
/// write many), over the log's span.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteRate {
    pub inserts_per_day: f64,
    pub updates_per_day: f64,
    pub deletes_per_day: f64,
    pub over_days: f64,
}

impl WriteRate {
    /// The log's writes into each table it writes, when the log dated its entries over an
    /// hour or more (empty otherwise). One pass over the statements, whatever the schema's
    /// size.
    pub fn by_table(
        profile: &Profile,
        facts: &BTreeMap<u64, QueryFacts>,
    ) -> BTreeMap<QualifiedName, WriteRate> {
        let mut rates: BTreeMap<QualifiedName, WriteRate> = BTreeMap::new();
        let Some(over_days) = logged_days(profile) else {
            return rates;
        };
        for (id, facts) in facts {
            let Some(query) = profile.queries.get(id) else {
                continue;
            };
            let per_day = query.calls as f64 / over_days;
            let mut counted: Vec<(&QualifiedName, Access)> = Vec::new();
            for used in &facts.tables {
                let written = matches!(
                    used.access,
                    Access::Insert | Access::Update | Access::Delete
                );
                if !written || counted.contains(&(&used.table, used.access)) {
                    continue;
                }
                counted.push((&used.table, used.access));
                let rate = rates.entry(used.table.clone()).or_insert(WriteRate {
                    inserts_per_day: 0.0,
                    updates_per_day: 0.0,
                    deletes_per_day: 0.0,
                    over_days,
                });
                match used.access {
                    Access::Insert => rate.inserts_per_day += per_day,
                    Access::Update => rate.updates_per_day += per_day,
                    // A delete: reads and truncations were skipped above.
                    _ => rate.deletes_per_day += per_day,
                }
            }
        }
        rates
    }

    /// Rows written a day, all kinds together.
    pub fn per_day(&self) -> f64 {
        self.inserts_per_day + self.updates_per_day + self.deletes_per_day
    }

    /// Whether the log only ever adds rows to the table (no logged update or delete).
    pub fn is_append_only(&self) -> bool {
        self.updates_per_day == 0.0 && self.deletes_per_day == 0.0
    }
}

/// The days the log's dated entries span, when that is an hour or more.
fn logged_days(profile: &Profile) -> Option<f64> {
    let seen = &profile.summary.seen;
    let seconds = (seen.last_seen? - seen.first_seen?) as f64 / 1000.0;
    (seconds >= MIN_LOG_SECONDS).then_some(seconds / 86_400.0)
}

/// The logged executions of the statements that use `table` with `access`.
fn logged_calls(
    profile: &Profile,
    facts: &BTreeMap<u64, QueryFacts>,
    table: &QualifiedName,
    access: Access,
) -> u64 {
    facts
        .iter()
        .filter(|(_, facts)| {
            facts
                .tables
                .iter()
                .any(|used| used.table == *table && used.access == access)
        })
        .filter_map(|(id, _)| profile.queries.get(id))
        .map(|query| query.calls)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(inserts: i64, seconds: Option<f64>) -> TableStats {
        TableStats {
            inserts_since_vacuum: inserts,
            seconds_since_vacuum: seconds,
            ..TableStats::default()
        }
    }

    #[test]
    fn statistics_growth_is_read_from_a_window_of_a_day_or_more() {
        assert_eq!(Growth::from_statistics(&stats(5_000, None)), None);
        assert_eq!(Growth::from_statistics(&stats(5_000, Some(3_600.0))), None);
        let two_days = Growth::from_statistics(&stats(4_000_000, Some(172_800.0))).unwrap();
        assert_eq!(two_days.per_day, 2_000_000.0);
        assert_eq!(two_days.over_days, 2.0);
        // 100 million values left at 2 million a day.
        assert_eq!(two_days.days_until(100_000_000.0), 50.0);
        assert_eq!(
            Growth::from_statistics(&stats(0, Some(86_400.0)))
                .unwrap()
                .days_until(1.0),
            f64::INFINITY
        );
    }
}
