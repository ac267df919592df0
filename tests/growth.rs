//! Advice that looks ahead at a table's growth. DT007 with a growth rate: `planwise analyze`
//! on saved catalogs whose live statistics say how many rows went in since the last vacuum
//! and how long ago it ran, or, without such a window, on a log that dates the inserts.
//! PART001 for a table below its size threshold today that the log's inserts take past it
//! within the horizon. A live server
//! cannot show a window of days inside a test, so the catalog is built from DDL and given
//! the statistics a server would have, then saved as `--save-catalog` writes it.

mod common;

use common::{analyze_json, findings_of};
use planwise::model::catalog::{QualifiedName, TableStats};
use planwise::model::ddl::loader::SchemaLoader;
use serde_json::Value;

const DAY: f64 = 86_400.0;

/// DT007's findings for an `events` table with a serial key, `rows` rows, and `inserts`
/// since a vacuum `seconds` ago.
fn findings(rows: f64, inserts: i64, seconds: f64) -> Vec<Value> {
    let stats = TableStats {
        rows: Some(rows),
        inserts_since_vacuum: inserts,
        seconds_since_vacuum: Some(seconds),
        ..TableStats::default()
    };
    findings_with(
        stats,
        "workload.sql",
        "SELECT kind FROM events WHERE id = 42;\n",
    )
}

/// DT007's findings for the `events` table with these statistics, under this workload.
fn findings_with(stats: TableStats, workload_name: &str, workload_text: &str) -> Vec<Value> {
    let mut loader = SchemaLoader::default();
    loader.load_script(
        "CREATE TABLE events (id serial PRIMARY KEY, kind text);",
        "schema.sql",
    );
    let mut catalog = loader.finish().catalog;
    let events = catalog
        .tables
        .get_mut(&QualifiedName::new("public", "events"))
        .unwrap();
    events.stats = Some(stats);
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.json");
    std::fs::write(&schema, serde_json::to_string(&catalog).unwrap()).unwrap();
    let workload = dir.path().join(workload_name);
    std::fs::write(&workload, workload_text).unwrap();
    let report = analyze_json([
        "--schema".as_ref(),
        schema.as_os_str(),
        "--log".as_ref(),
        workload.as_os_str(),
    ]);
    findings_of(&report, "DT007")
}

#[test]
fn a_key_running_out_within_a_quarter_is_an_error() {
    // 1.9 billion used, 6 million a day: about 41 days left.
    let found = findings(1.9e9, 12_000_000, 2.0 * DAY);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["severity"], "error");
    let message = found[0]["message"].as_str().unwrap();
    assert!(
        message.contains("6000000 inserts a day over the 2.0 days since its last vacuum"),
        "{message}"
    );
    assert!(message.contains("run out in about 41 days"), "{message}");
}

#[test]
fn fast_growth_is_reported_before_half_the_range_is_used() {
    // 14 % used, 4 million a day: about 462 days left.
    let found = findings(3e8, 8_000_000, 2.0 * DAY);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["severity"], "warning");
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("run out in about 462 days")
    );
}

#[test]
fn half_used_but_years_away_is_info() {
    let found = findings(1.2e9, 3_000, 3.0 * DAY);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["severity"], "info");
    assert!(found[0]["message"].as_str().unwrap().contains("years"));
}

#[test]
fn a_window_shorter_than_a_day_says_nothing_about_time() {
    // The same fast growth over an hour: no rate, and 14 % used is not reported.
    assert!(findings(3e8, 400_000, 3_600.0).is_empty());
    // Past half, the share alone still reports it, without a time.
    let found = findings(1.2e9, 400_000, 3_600.0);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["severity"], "warning");
    assert!(
        !found[0]["message"]
            .as_str()
            .unwrap()
            .contains("current rate")
    );
}

/// A stderr log of `minutes` minutes with one insert into `events` each minute.
fn one_insert_a_minute(minutes: u32) -> String {
    (0..=minutes)
        .map(|minute| {
            format!(
                "2026-11-26 {:02}:{:02}:00.000 UTC [100] LOG:  duration: 0.200 ms  statement: \
                 INSERT INTO events (kind) VALUES ('click')\n",
                minute / 60,
                minute % 60
            )
        })
        .collect()
}

#[test]
fn without_a_statistics_window_the_logs_insert_rate_says_when() {
    // 3,647 values left; the log dates 121 inserts over two hours: 1,452 a day.
    let stats = TableStats {
        rows: Some(2_147_480_000.0),
        seconds_since_vacuum: None,
        ..TableStats::default()
    };
    let found = findings_with(stats.clone(), "workload.log", &one_insert_a_minute(120));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["severity"], "error");
    let message = found[0]["message"].as_str().unwrap();
    assert!(
        message.contains(
            "1452 inserts a day over the log's 2.0 hours, one row per logged insert: a floor"
        ),
        "{message}"
    );
    assert!(message.contains("run out in about 3 days"), "{message}");

    // Half an hour of log is too short a window to mean a daily rate.
    let found = findings_with(stats, "workload.log", &one_insert_a_minute(30));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["severity"], "warning");
    let message = found[0]["message"].as_str().unwrap();
    assert!(!message.contains("current rate"), "{message}");
}

/// An hour of log: an insert into `events` every 1.5 s (2,401) and a report of the last day's
/// events every two minutes.
fn an_hour_of_events() -> String {
    let at = |second: u32| {
        format!(
            "2026-11-26 {:02}:{:02}:{:02}.000 UTC [100] LOG:  duration: 0.200 ms  statement: ",
            10 + second / 3600,
            second % 3600 / 60,
            second % 60
        )
    };
    let mut log = String::new();
    for tick in 0..=2_400u32 {
        let second = tick * 3 / 2;
        log.push_str(&at(second));
        log.push_str("INSERT INTO events (created_at, kind) VALUES (now(), 'click')\n");
        if tick % 80 == 0 {
            log.push_str(&at(second));
            log.push_str(
                "SELECT kind, count(*) FROM events WHERE created_at >= '2026-11-25' \
                 GROUP BY kind\n",
            );
        }
    }
    log
}

/// PART001's findings for `events` at `rows` rows under an hour of logged inserts.
fn partition_findings(rows: u64) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.sql");
    std::fs::write(
        &schema,
        "CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
         created_at timestamptz NOT NULL, kind text NOT NULL);",
    )
    .unwrap();
    let log = dir.path().join("events.log");
    std::fs::write(&log, an_hour_of_events()).unwrap();
    let report = analyze_json([
        "--schema".as_ref(),
        schema.as_os_str(),
        "--log".as_ref(),
        log.as_os_str(),
        "--table-rows".as_ref(),
        format!("events={rows}").as_ref(),
    ]);
    findings_of(&report, "PART001")
}

#[test]
fn a_table_the_log_fills_past_the_threshold_within_the_horizon_is_partitioned_now() {
    // 57,624 inserts a day: 5.2 million more within 90 days.
    let found = partition_findings(5_000_000);
    assert_eq!(found.len(), 1, "{found:?}");
    let message = found[0]["message"].as_str().unwrap();
    assert!(
        message.contains(
            "5,000,000 rows today and about 10,186,160 within 90 days (57,624 inserts a day \
             over the log's 1.0 hours"
        ),
        "{message}"
    );
    // A million rows do not get there: nothing to plan yet.
    assert!(partition_findings(1_000_000).is_empty());
}
