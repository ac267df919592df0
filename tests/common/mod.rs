//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod live;
pub mod render;

use planwise::input::ingest::BLOCK_SIZE;
use planwise::input::source::InputPath;
use planwise::input::{LogFormat, ReadOptions, read_inputs};
use planwise::model::workload::Profile;
use planwise::report::Report;
use std::path::PathBuf;
use std::process::Command;

/// The variables libpq (and planwise) read, removed so each run sets only its own.
const CONNECTION_VARIABLES: &[&str] = &[
    "DATABASE_URL",
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGUSER",
    "PGDATABASE",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGSYSCONFDIR",
    "PGSSLMODE",
    "PGSSLROOTCERT",
    "PGAPPNAME",
    "PGCONNECT_TIMEOUT",
    "PGOPTIONS",
];

/// The planwise binary, with none of the connection variables of the environment the tests
/// run in.
pub fn planwise_without_connection_env() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_planwise"));
    for variable in CONNECTION_VARIABLES {
        command.env_remove(variable);
    }
    command
}

/// `planwise ARGS…` run with the tests' working directory, never with the caller's
/// `DATABASE_URL`.
pub fn planwise(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_planwise"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("planwise runs")
}

/// What `planwise ARGS…` printed; it must succeed.
pub fn stdout_of(args: &[&str]) -> String {
    let output = planwise(args);
    assert!(
        output.status.success(),
        "planwise {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from("fixtures/logs").join(name)
}

pub fn options(block_size: usize, threads: usize) -> ReadOptions {
    ReadOptions {
        format: LogFormat::Auto,
        prefix: None,
        threads,
        progress: false,
        block_size,
    }
}

/// Reads inputs into a finished profile.
/// The sample of a profile's first query (by fingerprint), for profiles of one.
pub fn only_sample(profile: &Profile) -> planwise::model::workload::Sample {
    let query = profile.queries.values().next().unwrap();
    query.sample.clone().unwrap()
}

pub fn read_with(paths: &[PathBuf], options: &ReadOptions) -> Profile {
    let inputs: Vec<InputPath> = paths.iter().cloned().map(InputPath::File).collect();
    let mut profile = read_inputs(&inputs, options).expect("inputs read");
    profile.finish();
    profile
}

/// Each hosted-platform rendering of `entries`, written to a file and read back (1 MB blocks,
/// two threads), in `Rendering::ALL`'s order.
pub fn rendered_profiles(entries: &[render::Entry]) -> Vec<(render::Rendering, Profile)> {
    let dir = tempfile::tempdir().unwrap();
    render::Rendering::ALL
        .into_iter()
        .map(|rendering| {
            let path = dir.path().join(rendering.file_name());
            std::fs::write(&path, rendering.render(entries)).unwrap();
            let profile = read_with(std::slice::from_ref(&path), &options(1 << 20, 2));
            (rendering, profile)
        })
        .collect()
}

pub fn read(name: &str) -> Profile {
    read_with(&[fixture(name)], &options(BLOCK_SIZE, 2))
}

pub fn json_report(profile: &Profile) -> serde_json::Value {
    serde_json::to_value(Report::new(profile, None)).expect("report serialises")
}

/// The report without what legitimately differs between formats of the same events
/// (lines read, where each sample was read from).
pub fn comparable(profile: &Profile) -> serde_json::Value {
    let mut report = json_report(profile);
    report["summary"]["lines_read"] = 0.into();
    for query in report["queries"].as_array_mut().unwrap() {
        query["sample"]["location"] = serde_json::Value::Null;
    }
    report
}

/// The first path at which two JSON values differ, with both sides, or `None`.
pub fn first_difference(
    a: &serde_json::Value,
    b: &serde_json::Value,
    path: &str,
) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                let (left, right) = (
                    x.get(key).unwrap_or(&Value::Null),
                    y.get(key).unwrap_or(&Value::Null),
                );
                if let Some(found) = first_difference(left, right, &format!("{path}.{key}")) {
                    return Some(found);
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            for (index, (left, right)) in x.iter().zip(y).enumerate() {
                if let Some(found) = first_difference(left, right, &format!("{path}[{index}]")) {
                    return Some(found);
                }
            }
            (x.len() != y.len()).then(|| format!("{path}: {} items vs {}", x.len(), y.len()))
        }
        _ => (a != b).then(|| format!("{path}: {a} vs {b}")),
    }
}

#[track_caller]
pub fn assert_same(a: &serde_json::Value, b: &serde_json::Value, what: &str) {
    if let Some(difference) = first_difference(a, b, "") {
        panic!("{what}: {difference}");
    }
}

/// `planwise analyze --format json ARGS…` run from the crate's folder; it must succeed.
pub fn analyze_json<I, S>(args: I) -> serde_json::Value
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    planwise_json("analyze", args, &[0])
}

/// `planwise check --format json ARGS…` run from the crate's folder; it must succeed (exit
/// status 0, or 1 for findings at --fail-on).
pub fn check_json<I, S>(args: I) -> serde_json::Value
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    planwise_json("check", args, &[0, 1])
}

/// `planwise COMMAND --format json ARGS…` from the crate's folder, its exit status one of
/// `statuses`, its output parsed; never with the caller's `DATABASE_URL`.
fn planwise_json<I, S>(command: &str, args: I, statuses: &[i32]) -> serde_json::Value
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_planwise"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([command, "--format", "json"])
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        output
            .status
            .code()
            .is_some_and(|code| statuses.contains(&code)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The findings of one rule in a JSON report.
pub fn findings_of(report: &serde_json::Value, rule: &str) -> Vec<serde_json::Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .cloned()
        .collect()
}

/// The catalog a schema script builds (statistics to be added by the test).
pub fn catalog_of(ddl: &str) -> planwise::model::catalog::Catalog {
    let mut loader = planwise::model::ddl::loader::SchemaLoader::default();
    loader.load_script(ddl, "schema.sql");
    loader.finish().catalog
}

/// The opening of a PostgreSQL stderr log line for a statement run `second` seconds after
/// 10:00 on `day` (`2026-11-26`), logged with its duration.
pub fn stderr_statement_at(day: &str, second: u32, duration_ms: f64) -> String {
    format!(
        "{day} {:02}:{:02}:{:02}.000 UTC [100] LOG:  duration: {duration_ms:.3} ms  statement: ",
        10 + second / 3600,
        second % 3600 / 60,
        second % 60
    )
}

/// The text without the escape sequences the terminal view writes: SGR colours and OSC 8
/// links (`ESC ] 8 ; ; URL ESC \`).
pub fn without_styles(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('\x1b') {
        out.push_str(&rest[..at]);
        let sequence = &rest[at..];
        let end = if sequence.starts_with("\x1b[") {
            sequence.find('m').expect("an SGR sequence ends with m") + 1
        } else if sequence.starts_with("\x1b]8;;") {
            sequence
                .find("\x1b\\")
                .expect("an OSC 8 sequence ends with ST")
                + 2
        } else {
            panic!("an escape sequence the view does not write: {sequence:?}");
        };
        rest = &sequence[end..];
    }
    out.push_str(rest);
    out
}
