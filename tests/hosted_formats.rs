//! Hosted-platform and system-logger formats: one real PostgreSQL 15 run (the csvlog of
//! fixtures/logs/shop.*) rendered into each (tests/common/render.rs) must give the same
//! statements, durations, users, databases and parameters as the real stderr and csvlog.

mod common;

use common::render::{Entry, Rendering, messages, read_csvlog};
use common::{assert_same, comparable, fixture, only_sample, options, read, read_with};
use planwise::input::{LogFormat, detect};
use planwise::model::diagnostics::Kind;
use std::path::{Path, PathBuf};

fn entries() -> Vec<Entry> {
    read_csvlog(&fixture("shop.csv"))
}

fn write(dir: &Path, rendering: Rendering, entries: &[Entry]) -> PathBuf {
    let path = dir.join(rendering.file_name());
    std::fs::write(&path, rendering.render(entries)).unwrap();
    path
}

/// The report without what a rendering cannot keep: the zone label always (`+00:00` is
/// `UTC`), times when it prints seconds only, users, databases and applications when its
/// prefix has none.
fn kept_by(rendering: Rendering, report: &serde_json::Value) -> serde_json::Value {
    let mut report = report.clone();
    report["diagnostics"]
        .as_array_mut()
        .unwrap()
        .retain(|d| d["kind"] != "other_program");
    let summary = &mut report["summary"];
    summary["timezone"] = serde_json::Value::Null;
    if !rendering.keeps_milliseconds() {
        for key in ["first_seen", "last_seen", "statements_per_second"] {
            summary[key] = serde_json::Value::Null;
        }
        for loop_ in report["loops"].as_array_mut().unwrap() {
            loop_["span_ms"] = serde_json::Value::Null;
        }
    }
    for query in report["queries"].as_array_mut().unwrap() {
        if !rendering.keeps_milliseconds() {
            for key in ["first_seen", "last_seen"] {
                query[key] = serde_json::Value::Null;
            }
            query["sample"]["at"] = serde_json::Value::Null;
        }
        if !rendering.keeps_origin() {
            for key in ["users", "databases"] {
                query[key] = serde_json::Value::Null;
            }
        }
        if !rendering.keeps_application() {
            query["applications"] = serde_json::Value::Null;
        }
    }
    report
}

/// Diagnostics other than the operator lines CloudNativePG interleaves on purpose.
fn unexpected_diagnostics(profile: &planwise::model::workload::Profile) -> Vec<String> {
    profile
        .diagnostics
        .kinds
        .iter()
        .filter(|(kind, _)| kind.as_str() != "other_program")
        .map(|(kind, found)| format!("{kind}: {:?}", found.examples))
        .collect()
}

#[test]
fn every_rendering_of_the_run_reads_like_its_stderr_and_csvlog() {
    let entries = entries();
    let dir = tempfile::tempdir().unwrap();
    let stderr = comparable(&read("shop.log"));
    assert_same(&stderr, &comparable(&read("shop.csv")), "csvlog vs stderr");
    assert!(stderr["summary"]["statements"].as_u64().unwrap() > 300);
    for rendering in Rendering::ALL {
        let path = write(dir.path(), rendering, &entries);
        let profile = read_with(std::slice::from_ref(&path), &options(1 << 20, 2));
        assert!(
            unexpected_diagnostics(&profile).is_empty(),
            "{rendering:?}: {:?}",
            unexpected_diagnostics(&profile)
        );
        assert_eq!(profile.summary.lines_skipped, 0, "{rendering:?}");
        assert_same(
            &kept_by(rendering, &stderr),
            &kept_by(rendering, &comparable(&profile)),
            &format!("{rendering:?} vs stderr"),
        );
    }
}

#[test]
fn cutting_each_rendering_into_blocks_loses_and_doubles_nothing() {
    let entries = entries();
    let dir = tempfile::tempdir().unwrap();
    for rendering in Rendering::ALL {
        let path = write(dir.path(), rendering, &entries);
        let whole = comparable(&read_with(
            std::slice::from_ref(&path),
            &options(1 << 30, 1),
        ));
        for block_size in [2048, 30_000] {
            let cut = comparable(&read_with(
                std::slice::from_ref(&path),
                &options(block_size, 2),
            ));
            assert_same(
                &whole,
                &cut,
                &format!(
                    "{rendering:?} in blocks of {block_size}: {}",
                    cut["diagnostics"]
                ),
            );
        }
    }
}

/// The committed samples (fixtures/logs/hosted/) are what the renderer gives for the
/// run's first entries and its errors; `PLANWISE_BLESS=1` rewrites them.
fn sample_entries() -> Vec<Entry> {
    let entries = entries();
    let errors = entries.iter().filter(|e| e.severity == "ERROR").cloned();
    entries.iter().take(40).cloned().chain(errors).collect()
}

fn hosted_fixture(rendering: Rendering) -> PathBuf {
    fixture("hosted").join(rendering.file_name())
}

#[test]
fn the_committed_samples_are_fresh() {
    let entries = sample_entries();
    for rendering in Rendering::ALL {
        let rendered = rendering.render(&entries);
        let path = hosted_fixture(rendering);
        if std::env::var_os("PLANWISE_BLESS").is_some() {
            std::fs::write(&path, &rendered).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == rendered,
            "{} is stale: PLANWISE_BLESS=1 cargo test --test hosted_formats the_committed_samples_are_fresh",
            path.display()
        );
    }
}

#[test]
fn each_format_is_detected_from_its_first_lines_and_has_a_name() {
    let expected = |rendering: Rendering| match rendering {
        Rendering::Rds | Rendering::Azure => LogFormat::Stderr,
        Rendering::SyslogBsd | Rendering::SyslogRfc3339 => LogFormat::Syslog,
        Rendering::Logplex => LogFormat::Logplex,
        Rendering::CloudSqlLines | Rendering::CloudSqlArray => LogFormat::Cloudsql,
        Rendering::Cnpg => LogFormat::Cnpg,
        Rendering::Journald => LogFormat::Journald,
        Rendering::AzureJsonLines | Rendering::AzureJsonRecords => LogFormat::AzureJson,
        Rendering::CsvlogQuoted => LogFormat::Csvlog,
    };
    let named = |rendering: Rendering| match rendering {
        Rendering::Rds => LogFormat::Rds,
        Rendering::Azure => LogFormat::Azure,
        other => expected(other),
    };
    let samples = sample_entries();
    for rendering in Rendering::ALL {
        let path = hosted_fixture(rendering);
        let sample = std::fs::read(&path).unwrap();
        assert_eq!(
            detect(rendering.file_name(), &sample[..sample.len().min(4096)]),
            expected(rendering),
            "{rendering:?}"
        );
        // Named, the format reads the same as detected.
        let auto = comparable(&read_with(
            std::slice::from_ref(&path),
            &options(1 << 20, 1),
        ));
        let mut named_options = options(1 << 20, 1);
        named_options.format = named(rendering);
        let named = comparable(&read_with(std::slice::from_ref(&path), &named_options));
        assert_same(&auto, &named, &format!("{rendering:?} named"));
        let errors = samples.iter().filter(|e| e.severity == "ERROR").count() as u64;
        assert_eq!(auto["summary"]["errors"], errors, "{rendering:?}");
    }
}

#[test]
fn long_syslog_messages_are_joined_from_their_chunks() {
    // A statement longer than syslog's 900 bytes, on several lines, with a tab: PostgreSQL
    // sends it as [n-1], [n-2], … records, cut at newlines and at spaces.
    let columns: Vec<String> = (0..120).map(|i| format!("column_number_{i}")).collect();
    let statement = format!("SELECT {}\nFROM\twide\nWHERE id = 1", columns.join(", "));
    let mut entry = entries()
        .into_iter()
        .find(|e| e.message.starts_with("duration: ") && !e.user.is_empty())
        .unwrap();
    entry.message = format!("duration: 1.500 ms  statement: {statement}");
    let dir = tempfile::tempdir().unwrap();
    for rendering in [
        Rendering::SyslogBsd,
        Rendering::Logplex,
        Rendering::Journald,
    ] {
        let path = write(dir.path(), rendering, std::slice::from_ref(&entry));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("-3] "), "{rendering:?} cut it: {text}");
        let profile = read_with(std::slice::from_ref(&path), &options(1 << 20, 1));
        assert_eq!(profile.summary.statements, 1, "{rendering:?}");
        let sample = only_sample(&profile);
        assert_eq!(sample.statement, statement, "{rendering:?}");
    }
}

#[test]
fn json_lines_that_are_not_entries_are_reported_and_the_rest_is_read() {
    let entries = sample_entries();
    let dir = tempfile::tempdir().unwrap();
    for rendering in [
        Rendering::Cnpg,
        Rendering::CloudSqlLines,
        Rendering::Journald,
        Rendering::AzureJsonLines,
    ] {
        let good = rendering.render(&entries);
        let lines: Vec<&str> = good.lines().collect();
        let mut damaged = lines[..10].join("\n");
        damaged.push_str(
            "\n[1, 2]\n\"a string\"\n{\"an\": \"object without the fields\"}\n{\"cut\": \n",
        );
        damaged.push_str("2026-11-26 00:41:31.500 UTC [1] app@shop/x LOG:  duration: 1.000 ms  statement: SELECT 1\n");
        damaged.push_str(&lines[10..].join("\n"));
        let path = dir.path().join(rendering.file_name());
        std::fs::write(&path, &damaged).unwrap();
        let profile = read_with(std::slice::from_ref(&path), &options(1 << 20, 1));
        let clean_dir = dir.path().join("clean");
        std::fs::create_dir_all(&clean_dir).unwrap();
        let clean = read_with(
            &[write(&clean_dir, rendering, &entries)],
            &options(1 << 20, 1),
        );
        assert_eq!(
            profile.summary.statements, clean.summary.statements,
            "{rendering:?}"
        );
        let examples: Vec<(Kind, u64)> = profile
            .diagnostics
            .kinds
            .iter()
            .filter(|(kind, _)| **kind != Kind::OtherProgram)
            .flat_map(|(kind, found)| found.examples.iter().map(move |e| (*kind, e.line)))
            .collect();
        // The stray lines are 11 to 15; the stderr line is counted with them.
        let lines: Vec<u64> = examples.iter().map(|(_, line)| *line).collect();
        for line in 11..=15 {
            assert!(
                lines.contains(&line),
                "{rendering:?}: line {line} in {examples:?}"
            );
        }
        assert!(profile.summary.lines_skipped >= 4, "{rendering:?}");
    }
}

#[test]
fn azure_records_without_the_fields_are_reported_at_their_lines() {
    let entries = sample_entries();
    let good = Rendering::AzureJsonLines.render(&entries);
    let lines: Vec<&str> = good.lines().collect();
    let bad = [
        // No message; a message that is not text; properties that are not an object.
        r#"{"category":"PostgreSQLLogs","properties":{"prefix":"x-","errorLevel":"LOG"}}"#,
        r#"{"category":"PostgreSQLLogs","properties":{"message":12,"errorLevel":"LOG"}}"#,
        r#"{"category":"PostgreSQLLogs","properties":"LOG:  x"}"#,
        // Another category of the same diagnostic setting: noted, not a bad line.
        r#"{"category":"PostgreSQLFlexSessions","properties":{"sessions":3}}"#,
        // A wrapper holding a record without properties and a number.
        r#"{"records":[{"category":"PostgreSQLLogs"}, 7]}"#,
    ];
    let damaged = [&lines[..10], &bad[..], &lines[10..]].concat().join("\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("azure.json");
    std::fs::write(&path, damaged).unwrap();
    let profile = read_with(std::slice::from_ref(&path), &options(1 << 20, 1));
    let clean = read_with(
        &[write(dir.path(), Rendering::AzureJsonRecords, &entries)],
        &options(1 << 20, 1),
    );
    assert_eq!(profile.summary.statements, clean.summary.statements);
    let at = |kind: Kind| -> Vec<u64> {
        let found = profile.diagnostics.kinds.get(&kind);
        found.map_or(vec![], |f| f.examples.iter().map(|e| e.line).collect())
    };
    assert_eq!(at(Kind::BadJsonRecord), [11, 12, 13, 15]);
    assert_eq!(at(Kind::NotJsonObject), [15]);
    assert_eq!(at(Kind::OtherProgram), [14]);
    assert_eq!(profile.summary.lines_skipped, 5);
}

/// A `{"records": […]}` wrapper is read record by record, pretty-printed or not, empty, or
/// with another member (read the slow way); a bad record is reported at its own line.
#[test]
fn azure_wrappers_of_any_layout_are_read_as_their_records() {
    let entries = sample_entries();
    let one_a_line = Rendering::AzureJsonLines.render(&entries);
    let records: Vec<&str> = one_a_line.lines().collect();
    let (head, tail) = records.split_at(records.len() / 2);
    let bad = r#"{"category":"PostgreSQLLogs","properties":"LOG:  x"}"#;
    let wrapped = format!(
        "{{\n  \"records\": [\n    {},\n    {bad}\n  ]\n}}\n{{\"records\":[]}}\n{{\"records\":[{}],\"extra\":1}}\n",
        head.join(",\n    "),
        tail.join(","),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("azure.json");
    std::fs::write(&path, wrapped).unwrap();
    let profile = read_with(std::slice::from_ref(&path), &options(1 << 20, 1));
    let clean = read_with(
        &[write(dir.path(), Rendering::AzureJsonLines, &entries)],
        &options(1 << 20, 1),
    );
    // The bad record is what the wrapped form has more.
    let without_diagnostics = |profile: &planwise::model::workload::Profile| {
        let mut value = comparable(profile);
        value["diagnostics"].take();
        value["summary"]["lines_skipped"].take();
        value
    };
    assert_same(
        &without_diagnostics(&clean),
        &without_diagnostics(&profile),
        "records wrapped vs one a line",
    );
    let bad_at = profile.diagnostics.kinds.get(&Kind::BadJsonRecord);
    let lines: Vec<u64> = bad_at.map_or(vec![], |f| f.examples.iter().map(|e| e.line).collect());
    assert_eq!(lines, [head.len() as u64 + 3]);
    assert_eq!(profile.summary.lines_skipped, 1);
}

/// `planwise doctor` recommends `%m [%p] %e %q%u@%d/%a `: a log written with it is read
/// without --log-line-prefix, every field kept (the SQLSTATE too, as csvlog has it).
#[test]
fn the_prefix_doctor_recommends_is_detected() {
    use std::fmt::Write;
    let mut log = String::new();
    for entry in entries() {
        let mut prefix = format!("{} [{}] {} ", entry.log_time, entry.pid, entry.sqlstate);
        // `%q`: a background process prints nothing after it.
        if !entry.user.is_empty() {
            let (user, database, app) = (&entry.user, &entry.database, &entry.application);
            write!(prefix, "{user}@{database}/{app} ").unwrap();
        }
        for (severity, text) in messages(&entry) {
            writeln!(log, "{prefix}{severity}:  {}", text.replace('\n', "\n\t")).unwrap();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("postgresql.log");
    std::fs::write(&path, &log).unwrap();
    let detected = planwise::input::prefix::LinePrefix::detect(log.as_bytes()).unwrap();
    assert_eq!(detected.source(), "%m [%p] %e %q%u@%d/%a ");
    let profile = read_with(std::slice::from_ref(&path), &options(1 << 20, 2));
    assert_eq!(profile.summary.lines_skipped, 0);
    let csvlog = comparable(&read("shop.csv"));
    assert_same(
        &csvlog,
        &comparable(&profile),
        "recommended prefix vs csvlog",
    );
}
