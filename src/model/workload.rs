//! The workload profile: per fingerprint, how often it ran, how long it took, where it came
//! from and a sample of it; overall, what the logs covered and what was skipped.
//!
//! A profile is a monoid: `merge` of the profiles of two consecutive pieces of a log gives
//! the profile of the whole (sessions cut at the seam are stitched, see `session`). That is
//! what lets ingestion split a log across cores, and lets saved profiles of a fleet's servers
//! be merged later. Totals are kept in integer microseconds so the merge is exact.

use super::diagnostics::Diagnostics;
use super::distinct::DistinctValues;
use super::events::{Events, QueryEvents};
use super::latency::Latency;
use super::session::{LoopKey, LoopStats, Sessions};
use super::tally::Tally;
use super::time::Millis;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BTreeMap;

/// Bumped whenever a saved profile's shape changes (3: latency kept as its values while
/// few, a sketch beyond).
pub const PROFILE_VERSION: u32 = 3;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Profile {
    pub profile_version: u32,
    pub summary: Summary,
    #[serde(with = "super::entries")]
    pub queries: BTreeMap<u64, QueryStats>,
    #[serde(with = "super::entries")]
    pub loops: BTreeMap<LoopKey, LoopStats>,
    /// Sessions whose ends are still open (see `session`); empty once `finish`ed.
    #[serde(with = "super::session::by_key")]
    pub sessions: Sessions,
    pub diagnostics: Diagnostics,
    /// What the log says besides statements (see `events`).
    #[serde(default)]
    pub events: Events,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            profile_version: PROFILE_VERSION,
            summary: Summary::default(),
            queries: BTreeMap::new(),
            loops: BTreeMap::new(),
            sessions: Sessions::default(),
            diagnostics: Diagnostics::default(),
            events: Events::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    /// Statement executions counted.
    pub statements: u64,
    pub lines_read: u64,
    pub lines_skipped: u64,
    pub errors: u64,
    pub errors_by_sqlstate: BTreeMap<String, u64>,
    #[serde(flatten)]
    pub seen: Seen,
    /// The zone label the server printed after its timestamps.
    pub timezone: Option<String>,
    pub total_us: u64,
    /// `duration:` lines with no statement to attach them to.
    pub unpaired_durations: u64,
    /// Timed executions per latency decade: under 0.1 ms, 1 ms, 10 ms, 100 ms, 1 s, 10 s,
    /// and 10 s or more.
    pub latency_decades: [u64; 7],
}

/// Upper bounds (µs) of `Summary::latency_decades` but the last.
pub const LATENCY_DECADE_BOUNDS_US: [u64; 6] = [100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

/// When something was first and last seen.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
pub struct Seen {
    pub first_seen: Option<Millis>,
    pub last_seen: Option<Millis>,
}

impl Seen {
    pub fn include(&mut self, at: Option<Millis>) {
        if let Some(at) = at {
            self.first_seen = Some(self.first_seen.map_or(at, |f| f.min(at)));
            self.last_seen = Some(self.last_seen.map_or(at, |l| l.max(at)));
        }
    }

    pub fn merge(&mut self, other: Seen) {
        self.include(other.first_seen);
        self.include(other.last_seen);
    }
}

/// Where a statement came from, as far as the log says.
#[derive(Debug, Clone, Copy, Default)]
pub struct Origin<'a> {
    pub database: Option<&'a str>,
    pub user: Option<&'a str>,
    pub application: Option<&'a str>,
}

/// One execution of a statement, borrowed from the log record it came from.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    pub fingerprint: u64,
    pub normalized: &'a [u8],
    pub statement: &'a str,
    pub parameters: Option<&'a str>,
    pub values_hash: u64,
    /// The rows its `OFFSET` skipped, when it has one that the log tells.
    pub offset: Option<u64>,
    pub duration_us: Option<u64>,
    pub at: Option<Millis>,
    pub origin: Origin<'a>,
    /// File and line it was read from.
    pub location: Option<(&'a str, u64)>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QueryStats {
    pub normalized: String,
    pub calls: u64,
    /// Calls whose duration is known (the others ran but were not timed).
    pub timed_calls: u64,
    pub total_us: u64,
    pub min_us: Option<u64>,
    pub max_us: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<Latency>,
    /// Rows returned or affected, where the source says (pg_stat_statements).
    pub rows: Option<u64>,
    pub errors: u64,
    #[serde(flatten)]
    pub seen: Seen,
    pub databases: Tally,
    pub users: Tally,
    pub applications: Tally,
    pub sample: Option<Sample>,
    /// Whether the calls all had the same constants and parameter values.
    #[serde(default)]
    pub values: ValueSets,
    /// The most rows a call's `OFFSET` skipped: the normalized text and the sample do not
    /// show how deep the pages went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deepest_offset: Option<u64>,
    /// How many distinct sets of constants and parameter values it ran with.
    #[serde(default, skip_serializing_if = "DistinctValues::is_empty")]
    pub distinct_values: DistinctValues,
    /// Temporary files, lock waits, cancellations, … it caused; `None` when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Box<QueryEvents>>,
}

/// The sets of constants and parameter values a fingerprint ran with (by `values_hash`):
/// only a statement that always ran with one set can have a partial index built on a
/// constant of its sample.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueSets {
    /// No call was seen with its values (pg_stat_statements counts only).
    #[default]
    Unknown,
    One(u64),
    Several,
}

impl ValueSets {
    fn include(self, values_hash: u64) -> Self {
        self.merge(ValueSets::One(values_hash))
    }

    fn merge(self, other: ValueSets) -> Self {
        match (self, other) {
            (ValueSets::Unknown, other) | (other, ValueSets::Unknown) => other,
            (ValueSets::One(a), ValueSets::One(b)) if a == b => ValueSets::One(a),
            _ => ValueSets::Several,
        }
    }
}

/// The slowest execution seen, with its real values: what EXPLAIN will be run on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Sample {
    pub statement: String,
    pub parameters: Option<String>,
    pub duration_us: Option<u64>,
    pub at: Option<Millis>,
    /// `file:line` it was read from.
    pub location: Option<String>,
}

impl Sample {
    /// Whether `self` is preferred to `other`: slower first; ties broken by content so the
    /// choice does not depend on the order the pieces of a log were read in.
    fn beats(&self, other: &Sample) -> bool {
        sample_rank(self.duration_us, self.at, &self.statement)
            > sample_rank(other.duration_us, other.at, &other.statement)
    }
}

impl QueryStats {
    fn new(normalized: &[u8]) -> Self {
        QueryStats {
            normalized: String::from_utf8_lossy(normalized).into_owned(),
            ..QueryStats::default()
        }
    }

    fn record(&mut self, call: &Call<'_>) {
        self.calls += 1;
        self.values = self.values.include(call.values_hash);
        self.deepest_offset = self.deepest_offset.max(call.offset);
        self.distinct_values.include(call.values_hash);
        if let Some(us) = call.duration_us {
            self.add_time(1, us, us, us);
            self.latency
                .get_or_insert_default()
                .record_ms(us as f64 / 1000.0);
        }
        self.seen.include(call.at);
        for (counts, key) in [
            (&mut self.databases, call.origin.database),
            (&mut self.users, call.origin.user),
            (&mut self.applications, call.origin.application),
        ] {
            if let Some(key) = key.filter(|k| !k.is_empty()) {
                counts.add(key, 1);
            }
        }
        let replaces = self.sample.as_ref().is_none_or(|sample| {
            sample_rank(call.duration_us, call.at, call.statement)
                > sample_rank(sample.duration_us, sample.at, &sample.statement)
        });
        if replaces {
            self.sample = Some(call_sample(call));
        }
    }

    /// Adds `calls` timed calls that took `total_us` in all.
    pub fn add_time(&mut self, calls: u64, total_us: u64, min_us: u64, max_us: u64) {
        self.timed_calls += calls;
        self.total_us = self.total_us.saturating_add(total_us);
        self.min_us = Some(self.min_us.map_or(min_us, |m| m.min(min_us)));
        self.max_us = Some(self.max_us.map_or(max_us, |m| m.max(max_us)));
    }

    fn merge(&mut self, other: QueryStats) {
        self.calls += other.calls;
        self.values = self.values.merge(other.values);
        self.deepest_offset = self.deepest_offset.max(other.deepest_offset);
        self.distinct_values.merge(&other.distinct_values);
        if other.timed_calls > 0 {
            self.add_time(
                other.timed_calls,
                other.total_us,
                other.min_us.unwrap_or(0),
                other.max_us.unwrap_or(0),
            );
        }
        match (&mut self.latency, other.latency) {
            (Some(ours), Some(theirs)) => ours.merge(&theirs),
            (ours @ None, theirs) => *ours = theirs,
            _ => {}
        }
        if let Some(rows) = other.rows {
            self.rows = Some(self.rows.unwrap_or(0) + rows);
        }
        self.errors += other.errors;
        self.seen.merge(other.seen);
        for (ours, theirs) in [
            (&mut self.databases, other.databases),
            (&mut self.users, other.users),
            (&mut self.applications, other.applications),
        ] {
            ours.merge(theirs);
        }
        if let Some(theirs) = other.events {
            self.events_mut().merge(&theirs);
        }
        if let Some(theirs) = other.sample
            && self.sample.as_ref().is_none_or(|ours| theirs.beats(ours))
        {
            self.sample = Some(theirs);
        }
    }

    /// Its events, made on first use.
    pub fn events_mut(&mut self) -> &mut QueryEvents {
        self.events.get_or_insert_default()
    }

    /// Its events (all zero when it caused none).
    pub fn events(&self) -> &QueryEvents {
        static NONE: QueryEvents = QueryEvents::NONE;
        self.events.as_deref().unwrap_or(&NONE)
    }

    pub fn mean_ms(&self) -> Option<f64> {
        (self.timed_calls > 0).then(|| self.total_us as f64 / 1000.0 / self.timed_calls as f64)
    }

    pub fn percentile_ms(&self, q: f64) -> Option<f64> {
        self.latency.as_ref().and_then(|l| l.quantile_ms(q))
    }
}

/// The longest statement (with its logged parameters) kept as a sample with its values. A
/// longer one — a bulk `INSERT` of a million rows, an `IN` list of 100k keys — is kept as
/// its normalized text (lists folded, values as `$n`), which plans generically: its values
/// would cost many times their size to parse and are no better evidence for a plan than
/// the shape.
pub const SAMPLE_LIMIT_BYTES: usize = 1 << 20;

fn call_sample(call: &Call<'_>) -> Sample {
    let size = call.statement.len() + call.parameters.map_or(0, str::len);
    let with_values = size <= SAMPLE_LIMIT_BYTES;
    Sample {
        statement: if with_values {
            call.statement.to_string()
        } else {
            String::from_utf8_lossy(call.normalized).into_owned()
        },
        parameters: call.parameters.filter(|_| with_values).map(str::to_string),
        duration_us: call.duration_us,
        at: call.at,
        location: call.location.map(|(file, line)| format!("{file}:{line}")),
    }
}

fn sample_rank(
    duration_us: Option<u64>,
    at: Option<Millis>,
    statement: &str,
) -> (Option<u64>, Reverse<Option<Millis>>, Reverse<&str>) {
    (duration_us, Reverse(at), Reverse(statement))
}

fn bump(counts: &mut BTreeMap<String, u64>, key: &str, by: u64) {
    match counts.get_mut(key) {
        Some(count) => *count += by,
        None => {
            counts.insert(key.to_string(), by);
        }
    }
}

impl Profile {
    /// Accounts one execution (not its session: see `session`).
    pub(crate) fn account(&mut self, call: &Call<'_>) {
        self.summary.statements += 1;
        if let Some(us) = call.duration_us {
            self.summary.total_us = self.summary.total_us.saturating_add(us);
            let decade = LATENCY_DECADE_BOUNDS_US
                .iter()
                .take_while(|&&bound| us >= bound)
                .count();
            self.summary.latency_decades[decade] += 1;
        }
        self.summary.seen.include(call.at);
        self.stats_for(call.fingerprint, call.normalized)
            .record(call);
    }

    /// The stats of a fingerprint, created on first sight.
    pub fn stats_for(&mut self, fingerprint: u64, normalized: &[u8]) -> &mut QueryStats {
        self.queries
            .entry(fingerprint)
            .or_insert_with(|| QueryStats::new(normalized))
    }

    /// An error the server reported; `statement` is what it was running, when logged.
    pub fn record_error(
        &mut self,
        sqlstate: Option<&str>,
        statement: Option<(u64, &[u8])>,
        at: Option<Millis>,
    ) {
        self.summary.errors += 1;
        bump(
            &mut self.summary.errors_by_sqlstate,
            sqlstate.filter(|s| !s.is_empty()).unwrap_or("unknown"),
            1,
        );
        self.summary.seen.include(at);
        if let Some((fingerprint, normalized)) = statement {
            let stats = self.stats_for(fingerprint, normalized);
            stats.errors += 1;
            stats.seen.include(at);
        }
    }

    pub fn note_timezone(&mut self, label: Option<&str>) {
        if self.summary.timezone.is_none() {
            self.summary.timezone = label.map(str::to_string);
        }
    }

    /// Adds `other`, the profile of what comes right after `self`.
    pub fn merge(&mut self, other: Profile) {
        let Profile {
            summary,
            queries,
            loops,
            sessions,
            diagnostics,
            events,
            ..
        } = other;
        let mut events = events;
        self.resolve_holders(&mut events);
        self.summary.merge(summary);
        self.events.merge(events);
        for (fingerprint, stats) in queries {
            match self.queries.get_mut(&fingerprint) {
                Some(ours) => ours.merge(stats),
                None => {
                    self.queries.insert(fingerprint, stats);
                }
            }
        }
        for (key, stats) in loops {
            self.loops.entry(key).or_default().merge(stats);
        }
        self.diagnostics.merge(diagnostics);
        for (session, edge) in super::session::in_key_order(sessions) {
            self.stitch_session(session, edge);
        }
    }

    /// Queries sorted by total time (then calls, then fingerprint): the order every output
    /// uses.
    /// The statement's normalized text ("" for a fingerprint the profile does not hold).
    pub fn normalized(&self, id: u64) -> &str {
        self.queries.get(&id).map_or("", |q| q.normalized.as_str())
    }

    pub fn queries_by_total_time(&self) -> Vec<(u64, &QueryStats)> {
        let mut queries: Vec<_> = self.queries.iter().map(|(id, q)| (*id, q)).collect();
        queries.sort_by(|(a_id, a), (b_id, b)| {
            b.total_us
                .cmp(&a.total_us)
                .then(b.calls.cmp(&a.calls))
                .then(b.errors.cmp(&a.errors))
                .then(a_id.cmp(b_id))
        });
        queries
    }
}

impl Summary {
    fn merge(&mut self, other: Summary) {
        self.statements += other.statements;
        self.lines_read += other.lines_read;
        self.lines_skipped += other.lines_skipped;
        self.errors += other.errors;
        for (state, count) in other.errors_by_sqlstate {
            *self.errors_by_sqlstate.entry(state).or_default() += count;
        }
        self.seen.merge(other.seen);
        if self.timezone.is_none() {
            self.timezone = other.timezone;
        }
        self.total_us = self.total_us.saturating_add(other.total_us);
        self.unpaired_durations += other.unpaired_durations;
        for (ours, theirs) in self.latency_decades.iter_mut().zip(other.latency_decades) {
            *ours += theirs;
        }
    }

    /// The time the log covers, in µs (`None` for a log of one instant or none).
    pub fn span_us(&self) -> Option<u64> {
        let span_ms = self.seen.last_seen? - self.seen.first_seen?;
        (span_ms > 0).then(|| span_ms as u64 * 1000)
    }

    /// Statements running at once on average (Little's law: the logged statement time over
    /// the time the log covers).
    pub fn mean_concurrency(&self) -> Option<f64> {
        Some(self.total_us as f64 / self.span_us()? as f64)
    }

    /// Statements per second over the time the log covers.
    pub fn statements_per_second(&self) -> Option<f64> {
        let span_ms = self.seen.last_seen? - self.seen.first_seen?;
        (span_ms > 0).then(|| self.statements as f64 * 1000.0 / span_ms as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(values_hash: u64) -> Call<'static> {
        Call {
            fingerprint: 1,
            normalized: b"select * from t where id = $1",
            statement: "select * from t where id = 1",
            parameters: None,
            values_hash,
            offset: None,
            duration_us: Some(100),
            at: None,
            origin: Origin::default(),
            location: None,
        }
    }

    #[test]
    fn distinct_value_sets_survive_a_split_and_a_save() {
        let (mut first, mut second, mut whole) =
            (Profile::default(), Profile::default(), Profile::default());
        for value in 0..300u64 {
            let part = if value < 150 { &mut first } else { &mut second };
            part.account(&call(value % 120));
            whole.account(&call(value % 120));
        }
        first.merge(second);
        assert_eq!(
            first.queries[&1].distinct_values,
            whole.queries[&1].distinct_values
        );
        assert_eq!(first.queries[&1].distinct_values.estimate(), Some(120.0));
        let saved = serde_json::to_value(&whole.queries[&1]).unwrap();
        let loaded: QueryStats = serde_json::from_value(saved.clone()).unwrap();
        assert_eq!(loaded.distinct_values, whole.queries[&1].distinct_values);
        // A profile saved before the count existed loads, its count unknown.
        let mut older = saved;
        older.as_object_mut().unwrap().remove("distinct_values");
        let loaded: QueryStats = serde_json::from_value(older).unwrap();
        assert_eq!(loaded.distinct_values.estimate(), None);
    }

    #[test]
    fn a_statement_over_the_sample_limit_is_kept_as_its_normalized_text() {
        let huge = format!(
            "insert into t values {}",
            vec!["(1)"; SAMPLE_LIMIT_BYTES / 3].join(", ")
        );
        let mut profile = Profile::default();
        profile.account(&Call {
            statement: &huge,
            normalized: b"insert into t values ($1)",
            parameters: Some("$1 = '1'"),
            ..call(1)
        });
        let sample = profile.queries[&1].sample.as_ref().unwrap();
        assert_eq!(sample.statement, "insert into t values ($1)");
        assert_eq!(sample.parameters, None);
        assert_eq!(sample.duration_us, Some(100));
    }
}
