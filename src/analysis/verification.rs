//! What `planwise verify` measured on a scratch copy, set against what planwise estimated.
//! Pure figures: the timings come from `db::verify`, the estimates from the index plan.

use serde::Serialize;

/// How much slower than before a statement may run with an index before it counts as a
/// regression (`--fail-on-regression`), by default: timings on a shared server wobble.
pub const DEFAULT_REGRESSION_MARGIN: f64 = 0.2;

/// A change smaller than this share of the time before is no change at all.
const NOISE: f64 = 0.1;

/// Nor is a change of less than this a call (ms): sub-millisecond timings jitter by more.
const NOISE_FLOOR_MS: f64 = 0.5;

/// Whether `after` is slower than `before` by more than `margin` (a share) and the noise
/// floor; a negative margin demands a speedup of that share, floor or not.
pub fn slower_by(before: f64, after: f64, margin: f64) -> bool {
    after > before * (1.0 + margin) && (margin < 0.0 || after - before > NOISE_FLOOR_MS)
}

/// Whether `after` is faster than `before` beyond noise.
fn faster_beyond_noise(before: f64, after: f64) -> bool {
    after < before * (1.0 - NOISE) && before - after > NOISE_FLOOR_MS
}

/// The timed runs of one statement: the execution time `EXPLAIN (ANALYZE)` reported for each
/// run after the first (which is discarded: it warms the cache), and the pages read.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    pub runs_ms: Vec<f64>,
    /// Pages found in shared buffers and pages read from the OS over the kept runs.
    pub shared_hit: u64,
    pub shared_read: u64,
    /// Indexes the plan of the last run scanned.
    pub indexes_used: Vec<String>,
}

impl Timing {
    /// The median run; with an even count, the mean of the two middle ones.
    pub fn median_ms(&self) -> f64 {
        median(&self.runs_ms)
    }

    /// The share of pages found in shared buffers: 1.0 is a warm cache.
    pub fn hit_ratio(&self) -> Option<f64> {
        let total = self.shared_hit + self.shared_read;
        (total > 0).then(|| self.shared_hit as f64 / total as f64)
    }

    /// The cache state, for people: `warm (100 % of pages in shared buffers)`. Pages not in
    /// shared buffers were read from the OS, whose cache may well have held them: PostgreSQL
    /// cannot tell, so neither can this.
    pub fn cache_state(&self) -> String {
        match self.hit_ratio() {
            None => "no pages read".to_string(),
            Some(ratio) if ratio >= 0.99 => {
                format!("warm ({:.0} % of pages in shared buffers)", ratio * 100.0)
            }
            Some(ratio) => format!(
                "{:.0} % of pages in shared buffers, the rest read from the OS (its cache or disk)",
                ratio * 100.0
            ),
        }
    }
}

pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[middle]
    } else {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    }
}

/// What an index did to the statements it was meant to serve, measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The statements ran faster with it, beyond noise.
    Faster,
    /// No statement's plan used it, or the time did not change beyond noise.
    NoGain,
    /// A statement ran slower with it, beyond the regression margin.
    Slower,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Faster => "faster",
            Verdict::NoGain => "no gain",
            Verdict::Slower => "slower",
        }
    }
}

/// One served statement timed before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementMeasure {
    pub fingerprint: String,
    /// Calls in the workload as logged.
    pub calls: u64,
    /// Median execution time of one call (ms), without and with the index.
    pub before_ms: f64,
    pub after_ms: f64,
    /// Whether the plan with the index scanned it.
    pub uses_index: bool,
    /// A statement that writes the index's table (`--include-writes`): what the index costs
    /// it, not what it saves.
    pub write: bool,
    /// The planner's (or the offline model's) cost a call, without and with the index
    /// (none for a write: its upkeep is estimated for the index, not per statement).
    pub estimated_cost_before: Option<f64>,
    pub estimated_cost_after: Option<f64>,
}

impl StatementMeasure {
    /// How many times faster it ran (2.0: half the time).
    pub fn measured_speedup(&self) -> f64 {
        self.before_ms / self.after_ms.max(1e-3)
    }

    pub fn estimated_speedup(&self) -> Option<f64> {
        Some(self.estimated_cost_before? / self.estimated_cost_after?.max(1e-3))
    }

    /// Whether the estimate of its speedup held within a factor of two of the measurement.
    pub fn estimate_held(&self) -> Option<bool> {
        let estimated = self.estimated_speedup()?;
        Some(within_factor(estimated, self.measured_speedup(), 2.0))
    }

    /// Slower beyond `margin`, where the index can be the cause: its plan used the index, or
    /// it writes the table (upkeep). Any other plan is the planner's choice without the index
    /// too, so a change in its time is noise.
    fn slower_by_more_than(&self, margin: f64) -> bool {
        (self.uses_index || self.write) && slower_by(self.before_ms, self.after_ms, margin)
    }
}

pub fn within_factor(a: f64, b: f64, factor: f64) -> bool {
    a > 0.0 && b > 0.0 && a / b <= factor && b / a <= factor
}

/// The verdict on an index from its statements' measures.
pub fn verdict(statements: &[StatementMeasure], margin: f64) -> Verdict {
    if statements.iter().any(|s| s.slower_by_more_than(margin)) {
        return Verdict::Slower;
    }
    let faster = statements
        .iter()
        .any(|s| s.uses_index && faster_beyond_noise(s.before_ms, s.after_ms));
    if faster {
        Verdict::Faster
    } else {
        Verdict::NoGain
    }
}

/// Σ calls × time a call, over the statements: the workload's time as the log counted its
/// calls, at the measured speed.
pub fn workload_ms(statements: &[StatementMeasure], after: bool) -> f64 {
    statements
        .iter()
        .map(|s| s.calls as f64 * if after { s.after_ms } else { s.before_ms })
        .sum()
}

/// A served statement verify could not time, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotTimed {
    pub fingerprint: String,
    pub reason: String,
}

/// What verify found for one recommended index: the `verified` object of its finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexVerified {
    /// The name it was built under on the scratch copy (dropped since).
    pub built_as: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// Why it was not verified; there are no figures then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_verified: Option<String>,
    /// One call of each statement timed, summed: the medians without and with the index.
    pub before_ms: Option<f64>,
    pub after_ms: Option<f64>,
    pub runs: usize,
    pub real_size_bytes: Option<i64>,
    pub estimated_size_bytes: f64,
    pub build_ms: Option<f64>,
    /// The cache state of the runs with the index.
    pub cache: Option<String>,
    pub statements: Vec<StatementMeasure>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_timed: Vec<NotTimed>,
}

/// What a build gave: the index's real size and how long it took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuildFigures {
    pub size_bytes: i64,
    pub build_ms: f64,
}

impl IndexVerified {
    /// An index that could not be verified at all.
    pub fn unverified(built_as: String, runs: usize, estimated_size: f64, reason: String) -> Self {
        IndexVerified {
            built_as,
            verdict: None,
            not_verified: Some(reason),
            before_ms: None,
            after_ms: None,
            runs,
            real_size_bytes: None,
            estimated_size_bytes: estimated_size,
            build_ms: None,
            cache: None,
            statements: Vec::new(),
            not_timed: Vec::new(),
        }
    }

    /// An index built and its statements timed; without a statement timed, not verified.
    pub fn measured(
        unverified: IndexVerified,
        built: BuildFigures,
        statements: Vec<StatementMeasure>,
        cache: Option<String>,
        margin: f64,
    ) -> Self {
        let timed = !statements.is_empty();
        IndexVerified {
            verdict: timed.then(|| verdict(&statements, margin)),
            not_verified: (!timed).then(|| "no statement it serves could be timed".to_string()),
            before_ms: timed.then(|| statements.iter().map(|s| s.before_ms).sum()),
            after_ms: timed.then(|| statements.iter().map(|s| s.after_ms).sum()),
            real_size_bytes: Some(built.size_bytes),
            build_ms: Some(built.build_ms),
            cache,
            statements,
            ..unverified
        }
    }

    /// Whether the size estimate held within a factor of two of the real size.
    pub fn size_estimate_held(&self) -> Option<bool> {
        let real = self.real_size_bytes? as f64;
        Some(within_factor(
            self.estimated_size_bytes,
            real.max(8192.0),
            2.0,
        ))
    }
}

/// What verify found for one query rewrite: the `verified` object of its finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RewriteVerified {
    /// Whether both return the same rows (compared as multisets, `EXCEPT ALL` both ways).
    pub same_rows: Option<bool>,
    /// Rows one returns and the other does not.
    pub differing_rows: Option<u64>,
    /// Median time a call (ms) of the statement as logged and of the rewrite.
    pub original_ms: Option<f64>,
    pub rewrite_ms: Option<f64>,
    pub runs: usize,
    /// Why it was not verified (in part or at all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_verified: Option<String>,
}

impl RewriteVerified {
    /// Whether it is proven safe and faster.
    pub fn faster(&self) -> bool {
        match (self.same_rows, self.original_ms, self.rewrite_ms) {
            (Some(true), Some(original), Some(rewrite)) => faster_beyond_noise(original, rewrite),
            _ => false,
        }
    }
}

/// A statement on a table timed with an existing index and without it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DropMeasure {
    pub fingerprint: String,
    pub calls: u64,
    /// Median time a call (ms) with the index, and with it dropped.
    pub with_ms: f64,
    pub without_ms: f64,
    /// Whether its plan used the index.
    pub used_index: bool,
}

/// What verify found for dropping an index: the `verified` object of its finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DropVerified {
    /// No statement timed ran slower without it beyond the margin.
    pub safe_to_drop: Option<bool>,
    pub runs: usize,
    pub statements: Vec<DropMeasure>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_timed: Vec<NotTimed>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_verified: Option<String>,
}

impl DropVerified {
    /// Safe when some statements were timed and none whose plan used the index got slower
    /// beyond `margin`. A plan that did not use it is the planner's best without it too, so
    /// any change in its time is noise.
    pub fn judge(&mut self, margin: f64) {
        let slower = |s: &DropMeasure| s.used_index && slower_by(s.with_ms, s.without_ms, margin);
        self.safe_to_drop = match self.statements.as_slice() {
            [] => None,
            statements => Some(!statements.iter().any(slower)),
        };
    }

    /// The statement that needs the index most: the one slowed most without it.
    pub fn most_slowed(&self) -> Option<&DropMeasure> {
        self.statements
            .iter()
            .filter(|s| s.used_index)
            .max_by(|a, b| (a.without_ms / a.with_ms).total_cmp(&(b.without_ms / b.with_ms)))
    }
}

/// What verify measured of a finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Verified {
    Index(IndexVerified),
    Rewrite(RewriteVerified),
    Drop(DropVerified),
}

/// How often estimates held within 2×.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Held {
    pub held: usize,
    pub of: usize,
}

impl Held {
    fn count(outcomes: impl Iterator<Item = bool>) -> Self {
        outcomes.fold(Held::default(), |h, held| Held {
            held: h.held + usize::from(held),
            of: h.of + 1,
        })
    }
}

/// All the verified indexes in place at once, over the statements they serve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TogetherMeasure {
    pub indexes: usize,
    pub statements: usize,
    /// Σ logged calls × median time a call, without and with the indexes.
    pub workload_before_ms: f64,
    pub workload_after_ms: f64,
}

/// The `verification` object of the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Where it ran (host:port/database).
    pub scratch: String,
    pub runs: usize,
    pub faster: usize,
    pub no_gain: usize,
    pub slower: usize,
    pub not_verified: usize,
    /// Served statements whose estimated speedup held within 2× of the measured one.
    pub speedup_estimates: Held,
    /// Indexes whose estimated size held within 2× of the real size.
    pub size_estimates: Held,
    /// Rewrites proven to return the same rows, and faster; the same rows, not faster;
    /// other rows (not safe); not compared.
    pub rewrites_faster: usize,
    pub rewrites_not_faster: usize,
    pub rewrites_differ: usize,
    pub rewrites_not_verified: usize,
    /// Drops no timed statement missed; drops a statement needs; drops not measured.
    pub drops_safe: usize,
    pub drops_needed: usize,
    pub drops_not_verified: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub together: Option<TogetherMeasure>,
    /// Whether --verify-budget ran out before everything was measured.
    pub budget_ran_out: bool,
    /// The signal that stopped the run, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<String>,
    /// Indexes an earlier interrupted run left, dropped before this run.
    pub leftovers_dropped: Vec<String>,
    /// Indexes this run could not drop (the next run drops them).
    pub left_behind: Vec<String>,
}

impl Summary {
    /// Counts the verdicts and the estimates that held.
    pub fn count(&mut self, indexes: &[IndexVerified]) {
        for index in indexes {
            match index.verdict {
                Some(Verdict::Faster) => self.faster += 1,
                Some(Verdict::NoGain) => self.no_gain += 1,
                Some(Verdict::Slower) => self.slower += 1,
                None => self.not_verified += 1,
            }
        }
        let statements = indexes.iter().flat_map(|i| &i.statements);
        self.speedup_estimates =
            Held::count(statements.filter_map(StatementMeasure::estimate_held));
        let sizes = indexes.iter().filter_map(IndexVerified::size_estimate_held);
        self.size_estimates = Held::count(sizes);
    }

    /// Counts what the drops came to.
    pub fn count_drops<'d>(&mut self, drops: impl Iterator<Item = &'d DropVerified>) {
        for drop in drops {
            match drop.safe_to_drop {
                Some(true) => self.drops_safe += 1,
                Some(false) => self.drops_needed += 1,
                None => self.drops_not_verified += 1,
            }
        }
    }

    /// Counts what the rewrites came to.
    pub fn count_rewrites<'r>(&mut self, rewrites: impl Iterator<Item = &'r RewriteVerified>) {
        for rewrite in rewrites {
            match rewrite.same_rows {
                Some(false) => self.rewrites_differ += 1,
                None => self.rewrites_not_verified += 1,
                Some(true) if rewrite.faster() => self.rewrites_faster += 1,
                Some(true) => self.rewrites_not_faster += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure(before_ms: f64, after_ms: f64, uses_index: bool) -> StatementMeasure {
        StatementMeasure {
            fingerprint: "f".into(),
            calls: 10,
            before_ms,
            after_ms,
            uses_index,
            write: false,
            estimated_cost_before: Some(1000.0),
            estimated_cost_after: Some(10.0),
        }
    }

    #[test]
    fn the_median_ignores_one_slow_run() {
        assert_eq!(median(&[3.0, 1.0, 90.0]), 3.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 90.0]), 3.0);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn an_index_is_faster_only_when_a_plan_uses_it_beyond_noise() {
        assert_eq!(verdict(&[measure(50.0, 1.0, true)], 0.2), Verdict::Faster);
        assert_eq!(verdict(&[measure(50.0, 1.0, false)], 0.2), Verdict::NoGain);
        assert_eq!(verdict(&[measure(50.0, 47.0, true)], 0.2), Verdict::NoGain);
        let mixed = [measure(50.0, 1.0, true), measure(10.0, 13.0, true)];
        assert_eq!(verdict(&mixed, 0.2), Verdict::Slower);
        assert_eq!(verdict(&mixed, 0.5), Verdict::Faster);
        // A plan that does not use the index is not slowed by it: noise.
        let unused = [measure(50.0, 1.0, true), measure(10.0, 13.0, false)];
        assert_eq!(verdict(&unused, 0.2), Verdict::Faster);
    }

    #[test]
    fn only_a_statement_using_an_index_can_need_it() {
        let measure = |used_index, without_ms| DropMeasure {
            fingerprint: "f".into(),
            calls: 1,
            with_ms: 5.0,
            without_ms,
            used_index,
        };
        let mut drop = DropVerified {
            safe_to_drop: None,
            runs: 3,
            statements: vec![measure(false, 20.0), measure(true, 5.5)],
            not_timed: Vec::new(),
            not_verified: None,
        };
        drop.judge(0.2);
        assert_eq!(drop.safe_to_drop, Some(true));
        drop.statements.push(measure(true, 40.0));
        drop.judge(0.2);
        assert_eq!(drop.safe_to_drop, Some(false));
        assert_eq!(drop.most_slowed().unwrap().without_ms, 40.0);
    }

    #[test]
    fn sub_millisecond_changes_are_noise() {
        assert!(!slower_by(0.028, 0.035, 0.2));
        assert!(slower_by(10.0, 13.0, 0.2));
        assert!(slower_by(10.0, 1.0, -1.0));
        assert!(!faster_beyond_noise(0.3, 0.1));
        assert!(faster_beyond_noise(30.0, 1.0));
    }

    #[test]
    fn an_estimate_holds_within_a_factor_of_two() {
        let s = measure(50.0, 1.0, true);
        assert_eq!(s.measured_speedup(), 50.0);
        assert_eq!(s.estimated_speedup(), Some(100.0));
        assert_eq!(s.estimate_held(), Some(true));
        assert_eq!(measure(50.0, 10.0, true).estimate_held(), Some(false));
    }

    #[test]
    fn cache_state_reads_the_pages() {
        let timing = |hit, read| Timing {
            runs_ms: vec![1.0],
            shared_hit: hit,
            shared_read: read,
            indexes_used: Vec::new(),
        };
        assert!(timing(100, 0).cache_state().starts_with("warm (100 %"));
        assert!(
            timing(50, 50)
                .cache_state()
                .starts_with("50 % of pages in shared buffers, the rest read from the OS")
        );
        assert_eq!(timing(0, 0).cache_state(), "no pages read");
    }
}
