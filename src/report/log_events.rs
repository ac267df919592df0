//! What the reports show of the log's events beyond their totals, as pgBadger does: when
//! they happened (the timeline, over the log's whole span) and the statements that spilled,
//! waited or were cancelled most, each with the findings about it. Rendered by `markdown`
//! (charts and tables) and `terminal` (sparklines).

use crate::findings::{Category, Finding};
use crate::model::events::{EventCounts, QueryEvents, Timeline};
use crate::model::time::{Millis, format_timestamp};
use crate::model::workload::Profile;
use crate::sql::fingerprint::format_id;

/// The most buckets a chart or sparkline shows.
pub const SHOWN_BUCKETS: usize = 48;
/// The statements each top list shows.
pub const TOP_STATEMENTS: usize = 10;

#[derive(Debug, Default)]
pub struct LogEventsView<'a> {
    /// The events by time, over the log's span, in at most `SHOWN_BUCKETS` buckets.
    pub timeline: Timeline,
    /// Most temporary-file bytes first.
    pub spilling: Vec<StatementEvents<'a>>,
    /// Most lock waits first.
    pub waiting: Vec<StatementEvents<'a>>,
    /// Most cancellations first.
    pub cancelled: Vec<StatementEvents<'a>>,
}

/// One statement's events, as a top list shows them.
#[derive(Debug, Clone, Copy)]
pub struct StatementEvents<'a> {
    pub id: u64,
    pub normalized: &'a str,
    pub calls: u64,
    pub events: &'a QueryEvents,
}

impl StatementEvents<'_> {
    pub fn fingerprint(&self) -> String {
        format_id(self.id)
    }
}

/// What a top list is of: its statements and the findings that speak of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopList {
    Spilling,
    Waiting,
    Cancelled,
}

impl TopList {
    pub const ALL: [TopList; 3] = [TopList::Spilling, TopList::Waiting, TopList::Cancelled];

    /// The category of the findings its statements link to.
    fn category(self) -> Category {
        match self {
            TopList::Spilling => Category::Spill,
            TopList::Waiting | TopList::Cancelled => Category::Contention,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            TopList::Spilling => "Top spilling statements",
            TopList::Waiting => "Top waiting statements",
            TopList::Cancelled => "Top cancelled statements",
        }
    }
}

impl<'a> LogEventsView<'a> {
    pub fn new(profile: &'a Profile) -> Self {
        let statements: Vec<StatementEvents> = profile
            .queries
            .iter()
            .filter_map(|(&id, stats)| {
                let events = stats.events.as_deref()?;
                Some(StatementEvents {
                    id,
                    normalized: &stats.normalized,
                    calls: stats.calls,
                    events,
                })
            })
            .collect();
        let top = |keep: fn(&QueryEvents) -> bool, rank: fn(&QueryEvents) -> (u64, u64)| {
            let mut top: Vec<StatementEvents> = (statements.iter().copied())
                .filter(|s| keep(s.events))
                .collect();
            top.sort_by(|a, b| rank(b.events).cmp(&rank(a.events)).then(a.id.cmp(&b.id)));
            top.truncate(TOP_STATEMENTS);
            top
        };
        LogEventsView {
            timeline: shown_timeline(profile),
            spilling: top(
                |e| !e.temp_files.is_empty(),
                |e| (e.temp_files.bytes, e.temp_files.count),
            ),
            waiting: top(
                |e| e.lock_waits + e.locks_acquired + e.deadlocks > 0,
                |e| (e.lock_waits + e.deadlocks, e.lock_acquired_wait_us),
            ),
            cancelled: top(
                |e| e.cancellations.total() > 0,
                |e| (e.cancellations.total(), e.cancellations.statement_timeout),
            ),
        }
    }

    pub fn list(&self, list: TopList) -> &[StatementEvents<'a>] {
        match list {
            TopList::Spilling => &self.spilling,
            TopList::Waiting => &self.waiting,
            TopList::Cancelled => &self.cancelled,
        }
    }
}

/// The profile's timeline over the span of its statements and events.
fn shown_timeline(profile: &Profile) -> Timeline {
    let timeline = &profile.events.timeline;
    if timeline.is_empty() {
        return Timeline::default();
    }
    let seen = &profile.summary.seen;
    let first = seen.first_seen.unwrap_or(timeline.start);
    let last = seen.last_seen.unwrap_or(timeline.end() - 1);
    timeline.shown(first, last, SHOWN_BUCKETS)
}

/// One kind of event over the buckets, as a chart draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub title: &'static str,
    pub unit: Unit,
    pub values: Vec<u64>,
}

/// What a series' values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Things counted, named in the plural (`files`).
    Count(&'static str),
    Bytes,
}

impl Series {
    pub fn total(&self) -> u64 {
        self.values.iter().sum()
    }

    pub fn highest(&self) -> u64 {
        self.values.iter().copied().max().unwrap_or(0)
    }
}

/// The kinds of event the timeline has, each over its buckets; the kinds the log has none
/// of are left out.
pub fn series(timeline: &Timeline) -> Vec<Series> {
    type Pick = fn(&EventCounts) -> u64;
    let count = Unit::Count;
    let kinds: [(&str, Unit, Pick); 8] = [
        ("Temporary files", count("files"), |c| c.temp_files),
        ("Temporary file bytes", Unit::Bytes, |c| c.temp_bytes),
        ("Lock waits", count("waits"), |c| c.lock_waits),
        ("Deadlocks", count("deadlocks"), |c| c.deadlocks),
        ("Cancelled statements", count("statements"), |c| {
            c.cancellations
        }),
        ("Checkpoints", count("checkpoints"), |c| c.checkpoints),
        ("Autovacuum runs", count("runs"), |c| c.autovacuum),
        ("Connections", count("connections"), |c| c.connections),
    ];
    kinds
        .into_iter()
        .map(|(title, unit, pick)| Series {
            title,
            unit,
            values: timeline.buckets.iter().map(pick).collect(),
        })
        .filter(|series| series.total() > 0)
        .collect()
}

/// The findings of the list's category that name the statement, with their places among
/// the report's findings (0: the first).
pub fn findings_about<'f>(
    findings: &'f [Finding],
    list: TopList,
    fingerprint: &str,
) -> Vec<(usize, &'f Finding)> {
    findings
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.category == list.category() && f.queries.iter().any(|q| q == fingerprint)
        })
        .collect()
}

/// What a bucket is labelled with: its start, as short as stays unambiguous over at most
/// `SHOWN_BUCKETS` buckets of its width (the chart's heading gives the dates in full) — the
/// time of day (with seconds under a minute), after the day of the month when the buckets
/// cross midnight; the month and day for buckets of a day or a week, the year too for wider
/// ones.
pub fn bucket_label(start: Millis, width_ms: i64, crosses_days: bool) -> String {
    let stamp = format_timestamp(start);
    let (day, time) = (&stamp[8..10], &stamp[11..]);
    let time = if width_ms < 60_000 {
        &time[..8]
    } else {
        &time[..5]
    };
    match width_ms {
        w if w > 604_800_000 => stamp[..10].to_string(),
        w if w >= 86_400_000 => stamp[5..10].to_string(),
        _ if crosses_days => format!("{day} {time}"),
        _ => time.to_string(),
    }
}

/// Whether the timeline's buckets fall on more than one day.
pub fn crosses_days(timeline: &Timeline) -> bool {
    let day = |at: Millis| at.div_euclid(86_400_000);
    !timeline.is_empty() && day(timeline.start) != day(timeline.end() - 1)
}

/// A bucket width as people say it: `1 s`, `5 min`, `3 h`, `7 days`.
pub fn width_phrase(width_ms: i64) -> String {
    let (value, unit) = match width_ms {
        w if w >= 86_400_000 => (w / 86_400_000, "day"),
        w if w >= 3_600_000 => (w / 3_600_000, "h"),
        w if w >= 60_000 => (w / 60_000, "min"),
        w => (w / 1_000, "s"),
    };
    match unit {
        "day" if value != 1 => format!("{value} days"),
        unit => format!("{value} {unit}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::time::parse_timestamp;

    #[test]
    fn labels_say_as_much_of_the_time_as_the_width_needs() {
        let at = parse_timestamp(b"2026-11-26 00:41:30").unwrap();
        assert_eq!(bucket_label(at, 1_000, false), "00:41:30");
        assert_eq!(bucket_label(at, 60_000, false), "00:41");
        assert_eq!(bucket_label(at, 3_600_000, true), "26 00:41");
        assert_eq!(bucket_label(at, 86_400_000, true), "11-26");
        assert_eq!(bucket_label(at, 7 * 86_400_000, true), "11-26");
        assert_eq!(bucket_label(at, 28 * 86_400_000, true), "2026-11-26");
        assert_eq!(width_phrase(5_000), "5 s");
        assert_eq!(width_phrase(1_800_000), "30 min");
        assert_eq!(width_phrase(604_800_000), "7 days");
    }

    #[test]
    fn the_labels_of_as_many_buckets_as_are_shown_never_repeat() {
        let day = 86_400_000;
        let widths = [
            1_000, 5_000, 30_000, 60_000, 600_000, 3_600_000, 43_200_000, day,
        ];
        let widths = widths.into_iter().chain([7 * day, 28 * day, 112 * day]);
        let around = parse_timestamp(b"2026-12-30 23:59:59").unwrap();
        for width in widths {
            for start in [around - 3 * width, around - 47 * width, around] {
                let start = start.div_euclid(width) * width;
                let end = start + width * SHOWN_BUCKETS as i64;
                let crosses = start.div_euclid(day) != (end - 1).div_euclid(day);
                let labels: std::collections::BTreeSet<String> = (0..SHOWN_BUCKETS as i64)
                    .map(|i| bucket_label(start + i * width, width, crosses))
                    .collect();
                assert_eq!(labels.len(), SHOWN_BUCKETS, "{width} ms from {start}");
            }
        }
    }
}
