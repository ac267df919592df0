//! Bad and mixed input across the log formats (issue 16, "Bad input"): formats mixed across
//! files are read as one workload; within one file, lines of another format and JSON values
//! that are not entries are reported with their line, and the rest is read.

mod common;

use common::{fixture, options, read_with};
use planwise::input::{LogFormat, detect};
use planwise::model::diagnostics::Kind;
use planwise::model::workload::Profile;
use std::path::{Path, PathBuf};

/// (kind, line) of every diagnostic example.
fn reported(profile: &Profile) -> Vec<(Kind, u64)> {
    profile
        .diagnostics
        .kinds
        .iter()
        .flat_map(|(kind, found)| found.examples.iter().map(move |e| (*kind, e.line)))
        .collect()
}

fn statements(paths: &[PathBuf]) -> u64 {
    read_with(paths, &options(1 << 20, 1)).summary.statements
}

/// The first `count` lines of a fixture, with `inserted` after line `after`.
fn spliced(dir: &Path, name: &str, count: usize, after: usize, inserted: &str) -> PathBuf {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let lines: Vec<&str> = text.lines().take(count).collect();
    let mut out = lines[..after].join("\n");
    out.push('\n');
    out.push_str(inserted);
    out.push_str(&lines[after..].join("\n"));
    out.push('\n');
    let path = dir.join(Path::new(name).file_name().unwrap());
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn formats_mixed_across_files_read_as_one_workload() {
    let files = [
        fixture("shop.log"),
        fixture("shop.csv"),
        fixture("hosted/cnpg.json"),
        fixture("hosted/syslog.log"),
        fixture("hosted/cloudsql-array.json"),
    ];
    let apart: Vec<Profile> = files
        .iter()
        .map(|f| read_with(std::slice::from_ref(f), &options(1 << 20, 1)))
        .collect();
    let together = read_with(&files, &options(1 << 20, 2));
    let sum = |field: fn(&Profile) -> u64| apart.iter().map(field).sum::<u64>();
    assert!(apart.iter().all(|p| p.summary.statements > 0));
    assert_eq!(together.summary.statements, sum(|p| p.summary.statements));
    assert_eq!(
        together.summary.lines_skipped,
        sum(|p| p.summary.lines_skipped)
    );
}

#[test]
fn lines_of_another_format_in_a_stderr_log_are_reported_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let csv_line = std::fs::read_to_string(fixture("shop.csv"))
        .unwrap()
        .lines()
        .nth(2)
        .unwrap()
        .to_string();
    let inserted = format!("{csv_line}\n{{\"timestamp\":\"x\",\"message\":\"a JSON line\"}}\n");
    let mixed = spliced(dir.path(), "shop.log", 40, 20, &inserted);
    let profile = read_with(&[mixed], &options(1 << 20, 1));
    let clean = read_with(&[fixture("shop.log")], &options(1 << 20, 1));
    let lines: Vec<u64> = reported(&profile).iter().map(|(_, line)| *line).collect();
    assert_eq!(lines, [21, 22], "{:?}", reported(&profile));
    assert_eq!(profile.summary.lines_skipped, 2);
    assert!(
        profile.summary.statements > 0 && profile.summary.statements <= clean.summary.statements
    );
}

#[test]
fn jsonlog_values_that_are_not_objects_are_reported_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let damaged = spliced(
        dir.path(),
        "shop.json",
        40,
        10,
        "[1, 2]\n\"a string\"\n{\"cut\": \n",
    );
    let clean_dir = dir.path().join("clean");
    std::fs::create_dir(&clean_dir).unwrap();
    let clean = spliced(&clean_dir, "shop.json", 40, 10, "");
    let profile = read_with(&[damaged], &options(1 << 20, 1));
    assert_eq!(profile.summary.statements, statements(&[clean]));
    let lines: Vec<u64> = reported(&profile).iter().map(|(_, line)| *line).collect();
    assert_eq!(lines, [11, 12, 13], "{:?}", reported(&profile));
}

#[test]
fn jsonlog_objects_without_its_fields_are_reported_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let inserted = "{\"an\":\"object\"}\n{\"message\":\"no severity\",\"pid\":7}\n";
    let damaged = spliced(dir.path(), "shop.json", 40, 10, inserted);
    let clean_dir = dir.path().join("clean");
    std::fs::create_dir(&clean_dir).unwrap();
    let clean = spliced(&clean_dir, "shop.json", 40, 10, "");
    let profile = read_with(&[damaged], &options(1 << 20, 1));
    assert_eq!(profile.summary.statements, statements(&[clean]));
    assert_eq!(profile.summary.lines_skipped, 2);
    assert_eq!(
        reported(&profile),
        [(Kind::BadJsonRecord, 11), (Kind::BadJsonRecord, 12)]
    );
}

#[test]
fn a_json_array_export_reports_its_elements_that_are_not_entries() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("hosted/cloudsql-array.json")).unwrap();
    let mut entries: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let whole = entries.len();
    entries.splice(
        5..5,
        [1.into(), "x".into(), serde_json::json!({"no": "fields"})],
    );
    let path = dir.path().join("cloudsql-array.json");
    std::fs::write(&path, serde_json::to_string_pretty(&entries).unwrap()).unwrap();
    let profile = read_with(&[path], &options(1 << 20, 1));
    let kinds: Vec<Kind> = reported(&profile)
        .into_iter()
        .map(|(kind, _)| kind)
        .collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(kinds.contains(&Kind::NotJsonObject), "{kinds:?}");
    assert_eq!(
        profile.summary.statements,
        statements(&[fixture("hosted/cloudsql-array.json")]),
        "{whole} entries"
    );
}

/// Found by fuzzing (fuzz/regressions/log_readers): a JSON export whose last string is cut
/// right after a backslash made the object scanner index past the end of the text.
#[test]
fn a_json_export_cut_after_a_backslash_is_read_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let cut = spliced(
        dir.path(),
        "hosted/cnpg.json",
        30,
        30,
        "{\"record\":{\"message\":\"a\\",
    );
    let clean_dir = dir.path().join("clean");
    std::fs::create_dir(&clean_dir).unwrap();
    let clean = spliced(&clean_dir, "hosted/cnpg.json", 30, 30, "");
    let profile = read_with(&[cut], &options(1 << 20, 1));
    assert_eq!(profile.summary.statements, statements(&[clean]));
    let lines: Vec<u64> = reported(&profile).iter().map(|(_, line)| *line).collect();
    assert!(lines.contains(&31), "{:?}", reported(&profile));
}

/// Found by fuzzing (fuzz/regressions/log_readers): a syslog timestamp with a multi-byte
/// character where its fixed offsets cut made the reader slice inside that character.
#[test]
fn a_syslog_timestamp_with_a_multibyte_character_is_a_bad_line_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let odd = "Nov 26 00\u{200b}:41 db1 postgres[1]: [9-1] LOG:  duration: 1.000 ms  statement: SELECT 2\n";
    let path = spliced(dir.path(), "hosted/syslog.log", 30, 30, odd);
    let profile = read_with(&[path], &options(1 << 20, 1));
    assert!(profile.summary.statements > 0);
    let lines: Vec<u64> = reported(&profile).iter().map(|(_, line)| *line).collect();
    assert!(lines.contains(&31), "{:?}", reported(&profile));
}

/// The line-per-entry fixtures and the format each is detected as.
const LINE_LOGS: [(&str, LogFormat); 10] = [
    ("shop.log", LogFormat::Stderr),
    ("shop.csv", LogFormat::Csvlog),
    ("shop.json", LogFormat::Jsonlog),
    ("hosted/cnpg.json", LogFormat::Cnpg),
    ("hosted/cloudsql.json", LogFormat::Cloudsql),
    ("hosted/azure.json", LogFormat::AzureJson),
    ("hosted/journal.json", LogFormat::Journald),
    ("hosted/syslog.log", LogFormat::Syslog),
    ("hosted/rsyslog.log", LogFormat::Syslog),
    ("hosted/logplex.log", LogFormat::Logplex),
];

/// Issue 16: one line of another format among a log's first lines (here its first and its
/// fourth) does not decide the format; most of the lines do, for every pair of formats.
#[test]
fn one_line_of_another_format_does_not_decide_the_detected_format() {
    for (name, format) in LINE_LOGS {
        let text = std::fs::read_to_string(fixture(name)).unwrap();
        let lines: Vec<&str> = text.lines().take(40).collect();
        assert_eq!(detect(name, text.as_bytes()), format, "{name}");
        for (other, other_format) in LINE_LOGS.iter().filter(|(_, f)| *f != format) {
            let odd = std::fs::read_to_string(fixture(other)).unwrap();
            let odd = odd.lines().next().unwrap();
            for at in [0, 3] {
                let mut mixed = lines.clone();
                mixed.insert(at, odd);
                let mixed = mixed.join("\n");
                assert_eq!(
                    detect(name, mixed.as_bytes()),
                    format,
                    "a {other_format:?} line at {at} in {name}"
                );
            }
        }
    }
}

/// Issue 16: a CloudNativePG line in a stderr log made the file read as cnpg and the run
/// stop (exit 2, "41 of its 42 lines could not be read as cnpg").
#[test]
fn a_cnpg_line_in_a_stderr_log_is_reported_and_the_log_read_as_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let cnpg = std::fs::read_to_string(fixture("hosted/cnpg.json")).unwrap();
    let inserted = format!("{}\n", cnpg.lines().nth(5).unwrap());
    let mixed = spliced(dir.path(), "shop.log", 41, 2, &inserted);
    let clean_dir = dir.path().join("clean");
    std::fs::create_dir(&clean_dir).unwrap();
    let clean = spliced(&clean_dir, "shop.log", 41, 2, "");
    // Read whole, not stopped with "could not be read as cnpg".
    let profile = read_with(&[mixed], &options(1 << 20, 1));
    assert_eq!(profile.summary.statements, statements(&[clean]));
    assert_eq!(profile.summary.lines_skipped, 1);
    let found = &profile.diagnostics.kinds[&Kind::UnrecognizedLine].examples;
    assert_eq!(found[0].line, 3);
    assert!(found[0].reason.contains("(cnpg)"), "{}", found[0].reason);
}
