//! The reports' event sections on the real PostgreSQL 15 run of fixtures/logs/events.*
//! (scripts/make-event-fixtures.sh): the timeline puts each event in the bucket of its
//! timestamp (counted here from the log's own lines), whatever the format and however the
//! log is cut into blocks; the Markdown charts and top lists add up to what the run logged,
//! and link the findings about each statement; a log without events has no such sections.

mod common;

use common::{fixture, options, read, read_with, stdout_of};
use planwise::model::events::{EventCounts, Timeline};
use planwise::model::time::{Millis, parse_timestamp};
use serde_json::Value;
use std::collections::BTreeMap;

/// What the run logged, as `scripts/count_events.py` counted it.
fn totals() -> Value {
    let text = std::fs::read_to_string(fixture("events-facts.json")).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["log"]["totals"].clone()
}

fn total(key: &str) -> u64 {
    totals()[key].as_u64().unwrap_or(0)
}

/// The events of the stderr log by the start of their second, read from its lines: the
/// timestamp each line starts with and the message that follows the severity.
fn events_by_second() -> BTreeMap<Millis, EventCounts> {
    let text = std::fs::read_to_string(fixture("events.log")).unwrap();
    let mut seconds: BTreeMap<Millis, EventCounts> = BTreeMap::new();
    for line in text.lines() {
        let Some(at) = parse_timestamp(line.as_bytes()) else {
            continue;
        };
        let counts = seconds.entry(at.div_euclid(1000) * 1000).or_default();
        if let Some((_, size)) = line.split_once("LOG:  temporary file: ") {
            counts.temp_files += 1;
            counts.temp_bytes += size.rsplit_once("size ").unwrap().1.parse::<u64>().unwrap();
        } else if line.contains("LOG:  process ") && line.contains(" still waiting for ") {
            counts.lock_waits += 1;
        } else if line.contains("ERROR:  deadlock detected") {
            counts.deadlocks += 1;
        } else if line.contains("ERROR:  canceling statement due to ") {
            counts.cancellations += 1;
        } else if line.contains("LOG:  checkpoint complete: ") {
            counts.checkpoints += 1;
        } else if line.contains("LOG:  automatic vacuum of table ")
            || line.contains("LOG:  automatic analyze of table ")
        {
            counts.autovacuum += 1;
        } else if line.contains("LOG:  connection authorized: ") {
            counts.connections += 1;
        }
    }
    seconds
}

/// `by_second` in the timeline's buckets.
fn in_buckets(by_second: &BTreeMap<Millis, EventCounts>, timeline: &Timeline) -> Vec<EventCounts> {
    let mut buckets = vec![EventCounts::default(); timeline.buckets.len()];
    for (&second, counts) in by_second {
        if counts == &EventCounts::default() {
            continue;
        }
        let index = (second - timeline.start).div_euclid(timeline.width_ms);
        buckets[usize::try_from(index).expect("within the timeline")].merge(counts);
    }
    buckets
}

#[test]
fn the_timeline_puts_each_event_in_the_bucket_of_its_timestamp() {
    let expected = events_by_second();
    let whole = read("events.log").events.timeline;
    // The run lasted some twenty seconds: one-second buckets hold it.
    assert_eq!(whole.width_ms, 1_000);
    assert_eq!(in_buckets(&expected, &whole), whole.buckets);
    let sum = whole.total();
    assert_eq!(
        (
            sum.temp_files,
            sum.temp_bytes,
            sum.lock_waits,
            sum.deadlocks
        ),
        (
            total("temp_files"),
            total("temp_bytes"),
            total("lock_waits"),
            total("deadlocks")
        )
    );
    let cancellations = total("statement_timeout") + total("lock_timeout") + total("user_request");
    assert_eq!(
        (sum.cancellations, sum.checkpoints, sum.connections),
        (cancellations, total("checkpoints"), total("connections"))
    );
    assert_eq!(
        sum.autovacuum,
        total("autovacuum_vacuum") + total("autovacuum_analyze")
    );
    // The same run in the other formats, cut into small blocks read in parallel.
    for file in ["events.log", "events.csv", "events.json"] {
        for (block, threads) in [(2_048, 2), (16_384, 3)] {
            let timeline = read_with(&[fixture(file)], &options(block, threads))
                .events
                .timeline;
            assert_eq!(timeline, whole, "{file} in blocks of {block}");
        }
    }
}

/// The Markdown section `## title` (up to the next `## `).
fn section<'a>(markdown: &'a str, title: &str) -> Option<&'a str> {
    let start = markdown.find(&format!("\n## {title}\n"))? + 1;
    let rest = &markdown[start + 3..];
    let end = rest
        .find("\n## ")
        .map_or(markdown.len(), |at| start + 3 + at + 1);
    Some(&markdown[start..end])
}

/// Each chart of a section: its title and its bars.
fn charts(section: &str) -> Vec<(String, Vec<f64>)> {
    section
        .split("```mermaid\n")
        .skip(1)
        .map(|chart| {
            let title = chart
                .lines()
                .find_map(|l| l.trim().strip_prefix("title "))
                .unwrap();
            let bars = chart
                .lines()
                .find_map(|l| l.trim().strip_prefix("bar ["))
                .unwrap();
            let bars = (bars.trim_end_matches(']').split(", "))
                .map(|v| v.parse().unwrap())
                .collect();
            (title.trim_matches('"').to_string(), bars)
        })
        .collect()
}

#[test]
fn the_markdown_charts_add_up_to_what_the_run_logged() {
    let markdown = stdout_of(&[
        "workload",
        "--log",
        "fixtures/logs/events.log",
        "--format",
        "md",
    ]);
    let events = section(&markdown, "Events over time").expect("an events section");
    let charts = charts(events);
    let titles: Vec<&str> = charts
        .iter()
        .map(|(t, _)| t.split(" (").next().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Temporary files",
            "Temporary file bytes",
            "Lock waits",
            "Deadlocks",
            "Cancelled statements",
            "Checkpoints",
            "Autovacuum runs",
            "Connections"
        ]
    );
    let sum = |title: &str| -> f64 {
        let (_, bars) = charts.iter().find(|(t, _)| t.starts_with(title)).unwrap();
        bars.iter().sum()
    };
    assert_eq!(sum("Temporary files ("), total("temp_files") as f64);
    assert_eq!(sum("Lock waits"), total("lock_waits") as f64);
    assert_eq!(sum("Connections"), total("connections") as f64);
    // Bytes are charted in the largest unit a bucket reaches (here MB, to 0.1).
    let mb = sum("Temporary file bytes");
    assert!((mb - total("temp_bytes") as f64 / 1e6).abs() < 0.3, "{mb}");
    // Every chart has a bar per label.
    for chart in events.split("```mermaid\n").skip(1) {
        let labels = chart.lines().find(|l| l.contains("x-axis [")).unwrap();
        let (_, bars) = &charts[0];
        assert_eq!(labels.matches("\", \"").count() + 1, bars.len(), "{chart}");
    }
}

#[test]
fn the_top_lists_rank_the_statements_and_link_the_findings_about_them() {
    let markdown = stdout_of(&[
        "analyze",
        "--log",
        "fixtures/logs/events.log",
        "--format",
        "md",
    ]);
    let spilling = section(&markdown, "Top spilling statements").expect("a spilling list");
    let rows: Vec<&str> = spilling
        .lines()
        .filter(|l| l.starts_with("| [`") || l.starts_with("| `"))
        .collect();
    // Three statements wrote temporary files; the CREATE TABLE AS the most bytes (1.7 MB).
    assert_eq!(rows.len(), 3, "{spilling}");
    assert!(rows[0].contains("create table wal_filler"), "{}", rows[0]);
    assert!(rows[0].contains("| 1.7 MB |"), "{}", rows[0]);
    let waiting = section(&markdown, "Top waiting statements").expect("a waiting list");
    let cancelled = section(&markdown, "Top cancelled statements").expect("a cancelled list");
    assert!(cancelled.contains("pg_sleep"), "{cancelled}");
    // Each link names a finding of the report, of the rule it says.
    let mut links = 0;
    for list in [spilling, waiting, cancelled] {
        for (at, _) in list.match_indices("[#") {
            let (number, rest) = list[at + 2..].split_once(' ').unwrap();
            let (rule, rest) = rest.split_once("](#finding-").unwrap();
            assert!(rest.starts_with(&format!("{number})")), "{rest}");
            let anchor = format!("<a id=\"finding-{number}\"></a>\n\n### {number}. ");
            let heading = markdown
                .split(&anchor)
                .nth(1)
                .expect("the finding is in the report");
            let heading = heading.lines().next().unwrap();
            assert!(
                heading.contains(&format!("`{rule}`")),
                "{heading} is not {rule}"
            );
            links += 1;
        }
    }
    assert!(spilling.contains("SPILL001"), "{spilling}");
    assert!(links >= 2, "{links} links");
}

#[test]
fn a_log_without_events_has_no_event_sections() {
    let markdown = stdout_of(&[
        "workload",
        "--log",
        "fixtures/logs/pgss.csv",
        "--format",
        "md",
    ]);
    for title in [
        "Events over time",
        "Top spilling statements",
        "Top waiting statements",
        "Top cancelled statements",
    ] {
        assert!(section(&markdown, title).is_none(), "{title}");
    }
    let table = stdout_of(&["workload", "--log", "fixtures/logs/pgss.csv"]);
    assert!(!table.contains("events over time"), "{table}");
}

#[test]
fn the_terminal_views_draw_sparklines_and_name_the_rules() {
    let text = stdout_of(&[
        "analyze",
        "--log",
        "fixtures/logs/events.log",
        "--format",
        "text",
        "--color",
        "never",
    ]);
    let (_, events) = text
        .split_once("events over time (1 s a mark")
        .expect("the events block");
    let line = events
        .lines()
        .find(|l| l.trim_start().starts_with("temporary files "))
        .unwrap();
    let marks = line.chars().filter(|c| "·▁▂▃▄▅▆▇█".contains(*c)).count();
    let timeline = read("events.log").events.timeline;
    assert!(marks >= timeline.buckets.len(), "{line}");
    assert!(
        line.ends_with(&format!(" {} files", total("temp_files"))),
        "{line}"
    );
    let spilling = text.split_once("top spilling statements:\n").unwrap().1;
    assert!(
        spilling
            .lines()
            .next()
            .unwrap()
            .contains("create table wal_filler")
    );
    assert!(spilling.contains("→ SPILL001"), "{spilling}");
    let table = stdout_of(&["workload", "--log", "fixtures/logs/events.log"]);
    assert!(table.contains("events over time (1 s a mark"), "{table}");
}

#[test]
fn a_long_log_is_charted_in_few_buckets_labelled_with_their_day() {
    // Three days of a connection every 40 minutes, and a statement now and then.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("days.log");
    let start = parse_timestamp(b"2026-11-26 10:00:00").unwrap();
    let mut log = String::new();
    for i in 0..100 {
        let at = planwise::model::time::format_timestamp(start + i * 40 * 60_000);
        log.push_str(&format!(
            "{at} UTC [{i}] LOG:  connection authorized: user=app database=shop\n"
        ));
        log.push_str(&format!(
            "{at} UTC [{i}] LOG:  duration: 1.000 ms  statement: SELECT 1\n"
        ));
    }
    std::fs::write(&path, log).unwrap();
    let markdown = stdout_of(&[
        "workload",
        "--log",
        path.to_str().unwrap(),
        "--format",
        "md",
    ]);
    let events = section(&markdown, "Events over time").expect("an events section");
    assert!(
        events.contains("in buckets of 3 h from 2026-11-26 09:00:00"),
        "{events}"
    );
    let [(title, bars)] = &charts(events)[..] else {
        panic!("one chart: {events}")
    };
    assert_eq!(title, "Connections (100 in all)");
    assert!(bars.len() <= 24, "{} bars", bars.len());
    assert_eq!(bars.iter().sum::<f64>(), 100.0);
    let labels = events.lines().find(|l| l.contains("x-axis [")).unwrap();
    assert!(labels.contains("\"26 09:00\", \"26 12:00\""), "{labels}");
    assert!(labels.contains("\"28 21:00\""), "{labels}");
}
