//! The `planwise` binary end to end: outputs (snapshots beside semantic checks), inputs from
//! stdin and compressed files, saved profiles, bad input and exit codes.

mod common;

use common::{assert_same, fixture, planwise, stdout_of};
use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

fn json_of(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&stdout_of(args)).expect("JSON output")
}

/// The report's diagnostics of one kind.
fn diagnostic<'a>(report: &'a serde_json::Value, kind: &str) -> Option<&'a serde_json::Value> {
    report["diagnostics"]
        .as_array()?
        .iter()
        .find(|d| d["kind"] == kind)
}

#[test]
fn workload_json_keeps_the_documented_contract() {
    let report = json_of(&[
        "workload",
        "--log",
        "fixtures/logs/shop.log",
        "--format",
        "json",
    ]);
    assert_eq!(report["schema_version"], 2);
    for key in [
        "statements",
        "lines_read",
        "lines_skipped",
        "errors",
        "first_seen",
        "last_seen",
    ] {
        assert!(!report["summary"][key].is_null(), "summary.{key}");
    }
    for key in [
        "plans",
        "temp_files",
        "lock_waits",
        "deadlocks",
        "cancellations",
        "autovacuum",
        "checkpoints",
        "connections",
    ] {
        assert!(!report["events"][key].is_null(), "events.{key}");
    }
    let first = &report["queries"][0];
    for key in [
        "fingerprint",
        "normalized",
        "calls",
        "total_ms",
        "mean_ms",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "rows",
        "errors",
        "plans",
        "temp_files",
        "temp_bytes",
        "lock_waits",
        "sample",
    ] {
        assert!(first.get(key).is_some(), "queries[].{key}");
    }
    assert!(report.get("findings").is_none(), "workload has no findings");
    // Sorted by total time, largest first.
    let totals: Vec<f64> = report["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["total_ms"].as_f64().unwrap())
        .collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]));
    insta::assert_json_snapshot!("workload_shop_json", report);
}

#[test]
fn workload_table_shows_the_top_queries() {
    let table = stdout_of(&["workload", "--log", "fixtures/logs/shop.log", "--top", "5"]);
    assert!(table.starts_with("394 statements, 35 distinct"), "{table}");
    assert!(table.contains("(30 more; --top N shows more)"));
    insta::assert_snapshot!("workload_shop_table", table);
}

#[test]
fn analyze_markdown_report() {
    let markdown = stdout_of(&["analyze", "--log", "fixtures/logs/shop.log", "--top", "8"]);
    for heading in [
        "## Summary",
        "## Findings",
        "## Top queries by total time",
        "## Repeated back-to-back queries",
        "## Diagnostics",
    ] {
        assert!(markdown.contains(heading), "{heading}");
    }
    insta::assert_snapshot!("analyze_shop_md", markdown);
}

#[test]
fn analyze_json_adds_findings() {
    let report = json_of(&[
        "analyze",
        "--log",
        "fixtures/logs/shop.log",
        "--format",
        "json",
    ]);
    assert!(report["findings"].is_array());
    assert_eq!(report["summary"]["statements"], 394);
}

#[test]
fn n_plus_one_loop_of_the_real_log_is_seen() {
    // scripts/workload/n_plus_one.sql: one session reads a user's orders, then each order's
    // items one by one.
    let report = json_of(&[
        "workload",
        "--log",
        "fixtures/logs/shop.log",
        "--format",
        "json",
    ]);
    let items = report["queries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| {
            q["normalized"]
                .as_str()
                .unwrap()
                .starts_with("select product_id, qty, price from order_items")
        })
        .unwrap();
    let loops: Vec<_> = report["loops"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["fingerprint"] == items["fingerprint"])
        .collect();
    assert!(!loops.is_empty());
    let looped: u64 = loops.iter().map(|l| l["calls"].as_u64().unwrap()).sum();
    assert_eq!(looped, 70, "all 70 item queries ran in loops");
    assert!(
        loops.iter().all(|l| l["repeated_value_loops"] == 0),
        "different order ids"
    );
}

#[test]
fn stdin_and_compressed_inputs_read_like_the_plain_file() {
    let plain = json_of(&[
        "workload",
        "--log",
        "fixtures/logs/shop.log",
        "--format",
        "json",
    ]);
    let text = std::fs::read(fixture("shop.log")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("shop.log.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    encoder.write_all(&text).unwrap();
    encoder.finish().unwrap();
    let zst = dir.path().join("shop.log.zst");
    std::fs::write(&zst, zstd::encode_all(text.as_slice(), 3).unwrap()).unwrap();
    let bz2 = dir.path().join("shop.log.bz2");
    std::fs::write(&bz2, bzip2_of(&text)).unwrap();
    for path in [&gz, &zst, &bz2] {
        let mut report = json_of(&[
            "workload",
            "--log",
            path.to_str().unwrap(),
            "--format",
            "json",
        ]);
        strip_locations(&mut report);
        let mut expected = plain.clone();
        strip_locations(&mut expected);
        assert_same(&expected, &report, &path.display().to_string());
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_planwise"))
        .args(["workload", "--log", "-", "--format", "json"])
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&text).unwrap();
    let output = child.wait_with_output().unwrap();
    let mut report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    strip_locations(&mut report);
    let mut expected = plain;
    strip_locations(&mut expected);
    assert_same(&expected, &report, "stdin");
}

/// Statements counted and `damaged_input` diagnostics of a run over `logs`, each of which
/// must be read (exit 0) and named on stderr when damaged.
fn read_despite_damage(logs: &[&std::path::Path]) -> (u64, Vec<serde_json::Value>) {
    let mut args = vec!["workload", "--format", "json"];
    for log in logs {
        args.extend(["--log", log.to_str().unwrap()]);
    }
    let output = planwise(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let damaged: Vec<serde_json::Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "damaged_input")
        .flat_map(|d| d["examples"].as_array().unwrap().clone())
        .collect();
    for example in &damaged {
        let file = example["file"].as_str().unwrap();
        assert!(
            stderr.contains(file),
            "{file} not named on stderr: {stderr}"
        );
    }
    (report["summary"]["statements"].as_u64().unwrap(), damaged)
}

#[test]
fn damaged_compressed_inputs_keep_what_came_before_and_the_run_goes_on() {
    let text = std::fs::read(fixture("shop.log")).unwrap();
    let (whole, none) = read_despite_damage(&[&fixture("shop.log")]);
    assert!(none.is_empty());
    // Several zstd blocks (128 KiB each), so that a cut in the last leaves whole ones before
    // it: a block is decompressed whole or not at all, and the repeated text makes every
    // block after the first a few hundred bytes.
    let long: Vec<u8> = text.repeat(8);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&long).unwrap();
    let gz = gz.finish().unwrap();
    let zst = zstd::encode_all(long.as_slice(), 3).unwrap();
    // bzip2 blocks of 100 kB (level 1): about twelve of them.
    let bz2 = bzip2_of(&long);
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, Vec<u8>, bool); 6] = [
        ("cut.log.gz", gz[..gz.len() / 2].to_vec(), true),
        ("cut.log.zst", zst[..zst.len() - 16].to_vec(), true),
        ("trailing.log.gz", [&gz[..], b"not gzip\n"].concat(), false),
        (
            "trailing.log.zst",
            [&zst[..], b"not zstd\n"].concat(),
            false,
        ),
        ("cut.log.bz2", bz2[..bz2.len() / 2].to_vec(), true),
        (
            "trailing.log.bz2",
            [&bz2[..], b"not bz2!\n"].concat(),
            false,
        ),
    ];
    for (name, bytes, cut) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let (statements, damaged) = read_despite_damage(&[&path, &fixture("shop.log")]);
        assert_eq!(damaged.len(), 1, "{name}: {damaged:?}");
        assert_eq!(damaged[0]["file"], path.to_str().unwrap());
        let reason = damaged[0]["reason"].as_str().unwrap();
        let offset: usize = reason
            .split("damaged at byte ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{name}: no offset in `{reason}`"));
        let before = statements - whole;
        if cut {
            assert!(offset <= bytes.len(), "{name}: {reason}");
            assert!(
                before > 0 && before < 8 * whole,
                "{name}: {before} statements"
            );
        } else {
            assert!(offset >= bytes.len() - 9, "{name}: {reason}");
            assert_eq!(
                before,
                8 * whole,
                "{name}: every statement before the garbage"
            );
        }
    }
}

/// `bytes` compressed with bzip2 in 100 kB blocks.
fn bzip2_of(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn strip_locations(report: &mut serde_json::Value) {
    for query in report["queries"].as_array_mut().unwrap() {
        query["sample"]["location"] = serde_json::Value::Null;
    }
}

#[test]
fn saved_profiles_merge_as_if_read_together() {
    // Cut the real log in two at an entry boundary, as log rotation would.
    let text = std::fs::read_to_string(fixture("shop.log")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let cut = (lines.len() / 2..lines.len())
        .find(|&i| lines[i].contains(" LOG:  duration: ") && lines[i].contains("order_items"))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    std::fs::write(path("a.log"), lines[..cut].join("\n") + "\n").unwrap();
    std::fs::write(path("b.log"), lines[cut..].join("\n") + "\n").unwrap();
    let together = json_of(&[
        "workload",
        "--log",
        &path("a.log"),
        &path("b.log"),
        "--format",
        "json",
    ]);
    for part in ["a", "b"] {
        let output = planwise(&[
            "workload",
            "--log",
            &path(&format!("{part}.log")),
            "--save-profile",
            &path(&format!("{part}.profile.json")),
            "--format",
            "json",
        ]);
        assert!(output.status.success());
    }
    let merged = json_of(&[
        "workload",
        "--log",
        &path("a.profile.json"),
        &path("b.profile.json"),
        "--format",
        "json",
    ]);
    assert_same(&together, &merged, "merged profiles vs logs read together");
    // And the whole: the two halves are exactly the original log.
    let mut whole = json_of(&[
        "workload",
        "--log",
        "fixtures/logs/shop.log",
        "--format",
        "json",
    ]);
    let mut merged = merged;
    strip_locations(&mut whole);
    strip_locations(&mut merged);
    whole["summary"]["lines_read"] = 0.into();
    merged["summary"]["lines_read"] = 0.into();
    assert_same(&whole, &merged, "halves vs whole log");
}

#[test]
fn known_durations_give_known_percentiles() {
    // 1..=100 ms, one statement each, shuffled: p50 = 50, p95 = 95, p99 = 99 (1 % sketch error).
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("known.log");
    let mut text = String::new();
    for i in 0..100u32 {
        let ms = (i * 37) % 100 + 1;
        text.push_str(&format!(
            "2026-01-01 00:00:{:02}.{:03} UTC [{}] LOG:  duration: {ms}.000 ms  statement: SELECT * FROM t WHERE id = {i}\n",
            i / 10,
            i * 7 % 1000,
            100 + i % 3
        ));
    }
    std::fs::write(&log, text).unwrap();
    let report = json_of(&[
        "workload",
        "--log",
        log.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let query = &report["queries"][0];
    assert_eq!(query["calls"], 100);
    assert_eq!(query["total_ms"], 5050.0);
    assert_eq!(query["mean_ms"], 50.5);
    assert_eq!(query["min_ms"], 1.0);
    assert_eq!(query["max_ms"], 100.0);
    for (key, expected) in [("p50_ms", 50.0), ("p95_ms", 95.0), ("p99_ms", 99.0)] {
        let value = query[key].as_f64().unwrap();
        assert!(
            (value - expected).abs() <= expected * 0.02,
            "{key} = {value}"
        );
    }
    assert_eq!(query["sample"]["duration_ms"], 100.0);
    // 1–9 ms, 10–99 ms, and the one of 100 ms.
    assert_eq!(
        report["summary"]["latency_decades"],
        serde_json::json!([0, 0, 9, 90, 1, 0, 0])
    );
}

#[test]
fn bad_lines_are_counted_and_reported_and_the_rest_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("damaged.log");
    let good = std::fs::read(fixture("shop.log")).unwrap();
    let half = good[good.len() / 2..]
        .iter()
        .position(|&b| b == b'\n')
        .unwrap()
        + good.len() / 2
        + 1;
    let mut damaged = good[..half].to_vec();
    damaged.extend_from_slice(b"garbage that is not a log line\n\xff\xfe binary \x00 junk\n");
    damaged.extend_from_slice(
        b"2026-11-26 00:41:31.500 UTC [1] app@shop/x LOG:  duration: abc ms  statement: SELECT 1\n",
    );
    damaged.extend_from_slice(&good[half..]);
    std::fs::write(&log, &damaged).unwrap();
    let output = planwise(&[
        "analyze",
        "--log",
        log.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "bad lines are not fatal");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let kinds: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"unrecognized_line"), "{kinds:?}");
    assert!(kinds.contains(&"invalid_utf8"), "{kinds:?}");
    assert!(kinds.contains(&"bad_duration"), "{kinds:?}");
    let example = &report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "unrecognized_line")
        .unwrap()["examples"][0];
    assert!(example["file"].as_str().unwrap().ends_with("damaged.log"));
    assert!(example["line"].as_u64().unwrap() > 500);
    assert_eq!(report["summary"]["lines_skipped"], 2);
    // Everything else was still read.
    assert_eq!(report["summary"]["statements"], 394);
}

#[test]
fn unparseable_statements_are_reported_with_their_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("workload.sql");
    std::fs::write(
        &sql,
        "SELECT 1;\nSELECT * FROM t WHERE a = 1;\nREINDEX TABLE t;\nSELECT * FROM t WHERE a = 2;\n",
    )
    .unwrap();
    let report = json_of(&[
        "analyze",
        "--log",
        sql.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(report["summary"]["statements"], 4);
    assert_eq!(report["summary"]["distinct_queries"], 3);
    let unparseable =
        diagnostic(&report, "unparsed_statement").expect("REINDEX is not in sqlparser's grammar");
    assert_eq!(unparseable["count"], 1);
    assert!(
        unparseable["examples"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("workload.sql")
    );
    assert_eq!(unparseable["examples"][0]["line"], 3);
}

#[test]
fn an_unknown_prefix_says_how_to_pass_it() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("odd.log");
    std::fs::write(
        &log,
        "<<12:00>> pid=1 LOG:  duration: 1.000 ms  statement: SELECT 1\n",
    )
    .unwrap();
    let output = planwise(&["workload", "--log", log.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--log-line-prefix"), "{stderr}");
    assert!(
        stderr.contains("--log-line-prefix '<<12:00>> pid=%p '"),
        "the nearest guess: {stderr}"
    );
    // A prefix given that matches no line is an error too, with the line and the guess.
    let output = planwise(&[
        "workload",
        "--log",
        log.to_str().unwrap(),
        "--log-line-prefix",
        "<<%t>> pid=%p ",
    ]);
    assert_eq!(output.status.code(), Some(2), "%t wants a full timestamp");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("do not match log_line_prefix '<<%t>> pid=%p '"),
        "{stderr}"
    );
    assert!(stderr.contains("`<<12:00>> pid=1 LOG:"), "{stderr}");
    // Given the right prefix, the same file reads.
    let report = json_of(&[
        "workload",
        "--log",
        log.to_str().unwrap(),
        "--log-line-prefix",
        "<<12:00>> pid=%p ",
        "--format",
        "json",
    ]);
    assert_eq!(report["summary"]["statements"], 1);
    assert_eq!(report["summary"]["lines_skipped"], 0);
}

/// Writes `text` to a file of its own and runs `workload` on it.
fn workload_on(name: &str, text: &str, extra: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join(name);
    std::fs::write(&log, text).unwrap();
    let mut args = vec!["workload", "--log", log.to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = planwise(&args);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn an_empty_log_is_exit_2_saying_so() {
    for text in ["", "\n\n"] {
        let (status, stderr) = workload_on("empty.log", text, &[]);
        assert_eq!(status, Some(2), "{stderr}");
        assert!(stderr.contains("the file is empty"), "{stderr}");
    }
}

#[test]
fn a_log_without_statements_is_exit_2_naming_the_setting() {
    // The real log's lines that are not statements: connections, checkpoints, errors.
    let text = std::fs::read_to_string(fixture("shop.log")).unwrap();
    let quiet: String = text
        .lines()
        .filter(|l| !l.contains("duration: ") && !l.starts_with('\t'))
        .filter(|l| !l.contains(" ERROR:  ") && !l.contains(" STATEMENT:  "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(quiet.lines().count() > 50);
    let (status, stderr) = workload_on("quiet.log", &quiet, &[]);
    assert_eq!(status, Some(2), "{stderr}");
    assert!(stderr.contains("log_min_duration_statement"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // The same lines beside a log with statements: a diagnostic, not an error.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("quiet.log");
    std::fs::write(&path, &quiet).unwrap();
    let report = json_of(&[
        "workload",
        "--log",
        path.to_str().unwrap(),
        "--log",
        "fixtures/logs/shop.log",
        "--format",
        "json",
    ]);
    let kinds: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"no_statements"), "{kinds:?}");
}

#[test]
fn a_log_in_another_format_or_none_is_exit_2_saying_why() {
    // RDS lines read as stderr with the Debian prefix given: they do not match it.
    let rds = std::fs::read_to_string(fixture("hosted/rds.log")).unwrap();
    let (status, stderr) = workload_on("rds.log", &rds, &["--log-line-prefix", "%m [%p] "]);
    assert_eq!(status, Some(2), "{stderr}");
    assert!(
        stderr.contains("the nearest guess is --log-line-prefix '%t:"),
        "{stderr}"
    );
    // Auto-detected, they read.
    let (status, stderr) = workload_on("rds.log", &rds, &[]);
    assert_eq!(status, Some(0), "{stderr}");
    // CloudNativePG lines named as csvlog: nothing is csvlog.
    let cnpg = std::fs::read_to_string(fixture("hosted/cnpg.json")).unwrap();
    let (status, stderr) = workload_on("cnpg.log", &cnpg, &["--log-format", "csvlog"]);
    assert_eq!(status, Some(2), "{stderr}");
    assert!(
        stderr.contains("look like cnpg: try --log-format cnpg"),
        "{stderr}"
    );
    // Text that is no log at all.
    let (status, stderr) = workload_on("notes.txt", "dear diary\ntoday nothing\n", &[]);
    assert_eq!(status, Some(2), "{stderr}");
    assert!(stderr.contains("is it a PostgreSQL log?"), "{stderr}");
}

#[test]
fn a_missing_file_is_a_one_line_error_and_exit_2() {
    let output = planwise(&["workload", "--log", "no/such/file.log"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no/such/file.log"), "{stderr}");
    let output = planwise(&["workload", "--log", "no/such/*.log"]);
    assert_eq!(output.status.code(), Some(2));
}

/// Each error names its path and says its cause once (not "is a directory: is a directory").
#[test]
fn errors_say_their_cause_once_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().to_str().unwrap();
    let cases: [(&[&str], &str, &str); 4] = [
        (
            &["workload", "--log", "no/such/file.log"],
            "no/such/file.log",
            "No such file",
        ),
        (&["workload", "--log", folder], folder, "is a directory"),
        (
            &["analyze", "--schema", "no/such.sql"],
            "no/such.sql",
            "No such file",
        ),
        (
            &["check", "no/such/migrations"],
            "no/such/migrations",
            "No such file",
        ),
    ];
    for (args, path, cause) in cases {
        let output = planwise(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(path), "{args:?}: {stderr}");
        assert_eq!(stderr.matches(cause).count(), 1, "{args:?}: {stderr}");
    }
}

/// A terminal escape in a logged statement or a migration is shown, not obeyed, in every
/// text format: `\x1b]0;pwned\x07` would retitle the terminal, C1 `\u{9b}` starts a CSI.
#[test]
fn control_characters_from_inputs_are_escaped_in_every_text_format() {
    const HOSTILE: &str = "\x1b]0;pwned\x07\u{9b}2J\x7f\r";
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("hostile.log");
    std::fs::write(
        &log,
        format!(
            "2026-11-26 00:41:30.062 UTC [14370] app@shop/psql LOG:  duration: 5.033 ms  \
             statement: SELECT * FROM public.orders AS \"o{HOSTILE}\" WHERE note = '{HOSTILE}'\n"
        ),
    )
    .unwrap();
    let migration = dir.path().join("0001_hostile.sql");
    std::fs::write(
        &migration,
        format!("CREATE INDEX \"i{HOSTILE}\" ON public.orders (note);\n"),
    )
    .unwrap();
    let (log, migration) = (log.to_str().unwrap(), migration.to_str().unwrap());
    let schema = "fixtures/schema/shop.dump.sql";
    let runs: [&[&str]; 9] = [
        &["workload", "--log", log, "--format", "table"],
        &[
            "analyze", "--log", log, "--schema", schema, "--format", "text", "--color", "never",
        ],
        &[
            "analyze", "--log", log, "--schema", schema, "--format", "text", "--color", "always",
        ],
        &["workload", "--log", log, "--format", "md"],
        &[
            "analyze", "--log", log, "--schema", schema, "--format", "table",
        ],
        &[
            "analyze", "--log", log, "--schema", schema, "--format", "md",
        ],
        &["check", migration, "--schema", schema, "--format", "text"],
        &["check", migration, "--schema", schema, "--format", "github"],
        &["check", migration, "--schema", schema, "--format", "md"],
    ];
    for args in runs {
        let output = planwise(args);
        // The colours of `--color always` taken out (and any other escape sequence refused).
        let stdout = common::without_styles(&String::from_utf8(output.stdout).unwrap());
        let obeyed: Vec<char> = stdout
            .chars()
            .filter(|c| c.is_control() && !matches!(c, '\n' | '\t'))
            .collect();
        assert!(obeyed.is_empty(), "{args:?}: {obeyed:?} in\n{stdout}");
        assert!(
            stdout.contains(r"\x1b]0;pwned\x07\x9b2J\x7f"),
            "{args:?}: the statement is shown, escaped:\n{stdout}"
        );
    }
}

#[test]
fn a_config_with_impossible_settings_is_exit_2_naming_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("planwise.toml");
    std::fs::write(&config, "[check]\nsmall_table_rows = 5e6\n").unwrap();
    let migration = dir.path().join("0001.sql");
    std::fs::write(&migration, "SELECT 1;\n").unwrap();
    let (config, migration) = (config.to_str().unwrap(), migration.to_str().unwrap());
    let output = planwise(&["check", migration, "--config", config]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(config), "{stderr}");
    assert!(stderr.contains("check.small_table_rows"), "{stderr}");
    let output = planwise(&["check", migration, "--pg-version", "0"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_committed_example_report_is_fresh() {
    // README links docs/example-report.md; regenerate it with `cargo run -- analyze --log
    // fixtures/logs/shop.log --schema fixtures/schema/shop.dump.sql -o docs/example-report.md`.
    let current = stdout_of(&[
        "analyze",
        "--log",
        "fixtures/logs/shop.log",
        "--schema",
        "fixtures/schema/shop.dump.sql",
    ]);
    let committed = std::fs::read_to_string("docs/example-report.md").unwrap();
    assert!(
        current == committed,
        "docs/example-report.md is stale; regenerate it"
    );
}

/// Issue 14: a statement too deep or too wide for the stack aborted `analyze` and `whatif`.
/// Now it is a diagnostic at its line, and the statements around it are analysed.
#[test]
fn deep_and_wide_statements_are_reported_and_the_rest_is_analysed() {
    let line = |statement: String| {
        format!("2024-01-01 00:00:00 UTC [1] LOG:  duration: 1.0 ms  statement: {statement}\n")
    };
    let conditions = (0..1_200)
        .map(|i| format!("user_id = {i}"))
        .collect::<Vec<_>>();
    let log = [
        line("SELECT id FROM orders WHERE user_id = 5".into()),
        line(format!("SELECT {}", vec!["1"; 10_000].join("+"))),
        line(format!(
            "SELECT id FROM orders WHERE {}",
            conditions.join(" AND ")
        )),
        line(vec!["SELECT id FROM orders WHERE status = 'x'"; 5_000].join(" UNION ALL ")),
        line("SELECT email FROM users WHERE id = 1".into()),
    ]
    .concat();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep.log");
    std::fs::write(&path, log).unwrap();
    let path = path.to_str().unwrap();
    let schema = "fixtures/schema/shop.dump.sql";

    let report = json_of(&[
        "analyze", "--log", path, "--format", "json", "--schema", schema,
    ]);
    let diagnostic =
        diagnostic(&report, "unparsed_statement").expect("the two deepest statements are reported");
    assert_eq!(diagnostic["count"], 2, "{diagnostic:#}");
    let examples = diagnostic["examples"].as_array().unwrap();
    let lines: Vec<u64> = examples
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(
        lines.iter().copied().collect::<BTreeSet<_>>(),
        [2, 4].into()
    );
    for example in examples {
        let reason = example["reason"].as_str().unwrap();
        assert!(reason.contains("statement too deeply nested: "), "{reason}");
        assert!(example["file"].as_str().unwrap().ends_with("deep.log"));
    }
    let analysed: Vec<u64> = report["queries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| !q["facts"].is_null())
        .map(|q| {
            let location = q["sample"]["location"].as_str().unwrap();
            location.rsplit_once(':').unwrap().1.parse().unwrap()
        })
        .collect();
    assert_eq!(
        analysed.iter().copied().collect::<BTreeSet<_>>(),
        [1, 3, 5].into()
    );

    let whatif = planwise(&[
        "whatif",
        "--log",
        path,
        "--format",
        "json",
        "--index",
        "CREATE INDEX ON orders (status)",
        "--schema",
        schema,
    ]);
    assert_eq!(
        whatif.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&whatif.stderr)
    );
}

/// Issue 14: a CHECK of 20,000 conditions in `--schema` aborted schema loading.
#[test]
fn a_schema_statement_too_deep_is_reported_and_the_rest_is_loaded() {
    let conditions = (0..20_000).map(|i| format!("a <> {i}")).collect::<Vec<_>>();
    let schema = format!(
        "CREATE TABLE orders (id int PRIMARY KEY, customer_id int);\n\
         CREATE TABLE deep (a int CHECK ({}));\n\
         CREATE TABLE customers (id int PRIMARY KEY);\n\
         CREATE INDEX orders_customer_id_idx ON orders (customer_id);\n",
        conditions.join(" AND ")
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema.sql");
    std::fs::write(&path, schema).unwrap();
    let report = json_of(&[
        "analyze",
        "--log",
        "fixtures/logs/shop.log",
        "--format",
        "json",
        "--schema",
        path.to_str().unwrap(),
    ]);
    let diagnostic = diagnostic(&report, "unparsed_ddl").expect("the deep CHECK is reported");
    assert_eq!(diagnostic["count"], 1);
    assert_eq!(diagnostic["examples"][0]["line"], 2);
    let reason = diagnostic["examples"][0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("statement too deeply nested: "),
        "{reason}"
    );
    assert_eq!(report["schema"]["tables"], 2, "{:#}", report["schema"]);
    assert_eq!(report["schema"]["indexes"], 3, "{:#}", report["schema"]);
}

/// The `--db` help of each command that takes one: what the database is used for there,
/// beyond where it is found (issue 16.3).
#[test]
fn db_help_says_what_each_command_uses_the_database_for() {
    let db_help = |command: &str| -> String {
        let help = stdout_of(&[command, "--help"]);
        // The option's lines: up to the next option or group title.
        let lines: Vec<&str> = help
            .lines()
            .skip_while(|l| !l.trim_start().starts_with("--db"))
            .collect();
        assert!(!lines.is_empty(), "{command}: no --db option:\n{help}");
        let end = lines[1..]
            .iter()
            .position(|l| l.trim_start().starts_with('-') || !l.starts_with(' ') && !l.is_empty())
            .map_or(lines.len(), |i| i + 1);
        lines[..end]
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let uses = [
        (
            "analyze",
            &["catalog", "statistics", "pg_stat_statements", "HypoPG"][..],
        ),
        ("whatif", &["HypoPG", "catalog", "statistics"]),
        ("check", &["catalog", "base schema", "statistics"]),
        ("doctor", &["extensions are checked"]),
    ];
    for (command, words) in uses {
        let help = db_help(command);
        for word in words {
            assert!(
                help.contains(word),
                "{command} --db help lacks `{word}`: {help}"
            );
        }
        // Every one says how the connection is found, the same way.
        assert!(help.contains("PG* environment"), "{command}: {help}");
    }
}

#[test]
fn the_markdown_report_counts_in_the_singular_and_says_when_no_index_is_worth_adding() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.sql");
    std::fs::write(
        &schema,
        "CREATE TABLE t (id bigint PRIMARY KEY, v text);\nCREATE VIEW tv AS SELECT id FROM t;\n",
    )
    .unwrap();
    // Lookups by primary key: the existing index serves them, nothing to add.
    let log = dir.path().join("pk.log");
    std::fs::write(
        &log,
        "2024-01-01 00:00:00.000 UTC [1] LOG:  duration: 1.000 ms  statement: SELECT v FROM t WHERE id = 1\n\
         2024-01-01 00:00:01.000 UTC [1] LOG:  duration: 1.000 ms  statement: SELECT v FROM t WHERE id = 2\n",
    )
    .unwrap();
    let report = stdout_of(&[
        "analyze",
        "--log",
        log.to_str().unwrap(),
        "--schema",
        schema.to_str().unwrap(),
        "--format",
        "md",
    ]);
    assert!(report.contains("\n1 table, 1 index, 1 view.\n"), "{report}");
    assert!(
        report.contains(
            "Index advice (offline cost model): no new index to recommend (the workload's \
             cost, each statement weighted by its logged time: "
        ),
        "{report}"
    );
    assert!(!report.contains("0 new indexes"), "{report}");
}

#[test]
fn analyze_accounts_for_every_statement_of_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.sql");
    std::fs::write(
        &schema,
        "CREATE TABLE a (id int PRIMARY KEY);\n\
         CREATE FOOBAR nonsense here;\n\
         ALTER DOMAIN d ADD CONSTRAINT c PRIMARY KEY;\n\
         GRANT SELECT ON a TO PUBLIC;\n",
    )
    .unwrap();
    let report = common::analyze_json([
        "--schema".as_ref(),
        schema.as_os_str(),
        "--log".as_ref(),
        fixture("shop.log").as_os_str(),
    ]);
    assert_eq!(
        report["schema"]["statements"],
        serde_json::json!({"files": 1, "statements": 4, "applied": 1, "not_modelled": 2,
                           "unparsed": 1, "skipped": [
            {"reason": "unparsed", "statement": "ALTER DOMAIN", "count": 1,
             "at": [{"file": schema.display().to_string(), "line": 3}]},
            {"reason": "not_modelled", "statement": "CREATE", "count": 1,
             "at": [{"file": schema.display().to_string(), "line": 2}]},
            {"reason": "not_modelled", "statement": "GRANT SELECT ON", "count": 1,
             "at": [{"file": schema.display().to_string(), "line": 4}]}]})
    );
    let unparsed: Vec<_> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "unparsed_ddl")
        .collect();
    assert_eq!(unparsed.len(), 1, "{unparsed:?}");
    assert_eq!(unparsed[0]["examples"][0]["line"], 3);
}
