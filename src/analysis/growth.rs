//! How fast a table grows: rows inserted per day, from the server's statistics (the rows
//! inserted since its last vacuum over the time since) or, when those have no window long
//! enough, from the log (the inserts it dated, over its span). Key exhaustion and the size
//! thresholds of partitioning read it.

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
        let seen = &profile.summary.seen;
        let span_ms = seen.last_seen? - seen.first_seen?;
        let seconds = span_ms as f64 / 1000.0;
        if seconds < MIN_LOG_SECONDS {
            return None;
        }
        let inserting = facts.iter().filter(|(_, facts)| {
            facts
                .tables
                .iter()
                .any(|used| used.table == *table && used.access == Access::Insert)
        });
        let inserts: u64 = inserting
            .filter_map(|(id, _)| profile.queries.get(id))
            .map(|query| query.calls)
            .sum();
        let over_days = seconds / 86_400.0;
        Some(Growth {
            per_day: inserts as f64 / over_days,
            over_days,
            basis: GrowthBasis::Log,
        })
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
