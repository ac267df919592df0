//! Log formats on real PostgreSQL 15 output (fixtures/logs, made by scripts/make-fixtures.sh).

mod common;

use common::{assert_same, comparable, fixture, only_sample, options, read, read_with};
use std::collections::BTreeMap;

/// Counts from the raw text, independent of planwise's parser: executions are the
/// `duration:` lines of a `statement:` or an `execute …:` (parse/bind are phases).
fn counted_executions(log: &str) -> u64 {
    log.lines()
        .filter(|line| line.contains("LOG:  duration: "))
        .filter(|line| line.contains(" ms  statement: ") || line.contains(" ms  execute "))
        .count() as u64
}

#[test]
fn stderr_counts_match_the_raw_log() {
    let text = std::fs::read_to_string(fixture("shop.log")).unwrap();
    let profile = read("shop.log");
    assert_eq!(profile.summary.statements, counted_executions(&text));
    assert_eq!(
        profile.summary.errors,
        text.lines().filter(|l| l.contains(" ERROR:  ")).count() as u64
    );
    assert_eq!(profile.summary.lines_read, text.lines().count() as u64);
    assert_eq!(profile.summary.lines_skipped, 0);
    assert!(profile.diagnostics.is_empty(), "{:?}", profile.diagnostics);
    // Every execution of this log carries its duration.
    let timed: u64 = profile.queries.values().map(|q| q.timed_calls).sum();
    assert_eq!(timed, profile.summary.statements);
}

#[test]
fn stderr_csvlog_and_jsonlog_of_one_run_agree() {
    let stderr = comparable(&read("shop.log"));
    assert_same(&stderr, &comparable(&read("shop.csv")), "csvlog vs stderr");
    assert_same(
        &stderr,
        &comparable(&read("shop.json")),
        "jsonlog vs stderr",
    );
}

#[test]
fn extended_protocol_executes_keep_their_parameters() {
    // The first `execute <unnamed>` of the real log and the DETAIL line after it.
    let text = std::fs::read_to_string(fixture("shop.log")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("  execute <unnamed>: "))
        .unwrap();
    let detail = lines[at + 1];
    assert!(detail.contains(" DETAIL:  parameters: "), "{detail}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("execute.log");
    std::fs::write(&path, format!("{}\n{}\n", lines[at], detail)).unwrap();
    let profile = read_with(&[path], &options(1 << 20, 1));
    let sample = only_sample(&profile);
    let expected = detail.split_once("parameters: ").unwrap().1;
    assert_eq!(sample.parameters.as_deref(), Some(expected));
    assert!(sample.statement.contains("$1"), "{}", sample.statement);
}

#[test]
fn statements_and_separate_durations_pair_per_process() {
    // log_statement = all + log_duration: each statement line is followed (in its own
    // process) by a bare `duration:` line; parse/bind durations come unpaired.
    let text = std::fs::read_to_string(fixture("pgbadger_prefix.log")).unwrap();
    let profile = read("pgbadger_prefix.log");
    let statements = text
        .lines()
        .filter(|l| l.contains(" LOG:  statement: ") || l.contains(" LOG:  execute "))
        .count() as u64;
    let durations = text
        .lines()
        .filter(|l| l.contains(" LOG:  duration: "))
        .count() as u64;
    assert_eq!(profile.summary.statements, statements);
    let timed: u64 = profile.queries.values().map(|q| q.timed_calls).sum();
    // Every duration is either paired with a statement or counted as unpaired.
    assert_eq!(timed + profile.summary.unpaired_durations, durations);
    // Only the statements that failed went without a duration.
    assert!(
        statements - timed <= profile.summary.errors,
        "{statements} {timed}"
    );
    assert_eq!(profile.summary.lines_skipped, 0);
}

#[test]
fn session_id_prefix_gives_sqlstates_per_error() {
    let profile = read("session_id.log");
    let expected: BTreeMap<String, u64> = [
        ("22012", 2),
        ("23505", 2),
        ("25P02", 1),
        ("42601", 1),
        ("42703", 1),
        ("42P01", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(profile.summary.errors_by_sqlstate, expected);
}

#[test]
fn pg_stat_statements_exports_csv_and_json_agree() {
    let csv = read("pgss.csv");
    let json = read("pgss.json");
    assert_same(&comparable(&csv), &comparable(&json), "pgss csv vs json");
    // 572 calls over 46 rows in the export (fixtures/logs/README.md).
    assert_eq!(csv.summary.statements, 572);
    // Rows that differ only in constants or list lengths share a fingerprint.
    assert!(csv.queries.len() < 46, "{}", csv.queries.len());
}

#[test]
fn pg_stat_statements_and_the_log_name_queries_alike() {
    let log = read("shop.log");
    let pgss = read("pgss.csv");
    let shared = pgss
        .queries
        .keys()
        .filter(|id| log.queries.contains_key(id))
        .count();
    // The log's fingerprints are pg_stat_statements' (bar its internal FK checks).
    assert!(
        shared * 10 >= pgss.queries.len() * 7,
        "{shared} of {}",
        pgss.queries.len()
    );
}

#[test]
fn cutting_the_log_into_blocks_loses_and_doubles_nothing() {
    for name in ["shop.log", "pgbadger_prefix.log", "shop.csv", "shop.json"] {
        let whole = comparable(&read_with(&[fixture(name)], &options(1 << 30, 1)));
        for (block_size, threads) in [(512, 2), (4096, 1), (10_000, 2)] {
            let cut = comparable(&read_with(&[fixture(name)], &options(block_size, threads)));
            assert_same(&whole, &cut, &format!("{name} in blocks of {block_size}"));
        }
    }
}

#[test]
fn sessions_seen_to_end_are_closed_while_reading() {
    use planwise::input::read_inputs;
    use planwise::input::source::InputPath;
    // shop.log logs connections and disconnections: only the sessions still open at the end
    // of the log stay in memory.
    let open = |name: &str| {
        let profile = read_inputs(&[InputPath::File(fixture(name))], &options(4096, 2)).unwrap();
        profile.sessions.len()
    };
    let text = std::fs::read_to_string(fixture("shop.log")).unwrap();
    let pids: std::collections::BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.split_once(" [")?.1.split_once(']').map(|(pid, _)| pid))
        .collect();
    assert!(open("shop.log") <= pids.len() - text.matches("disconnection:").count());
    // session_id.log has no connection lines: every session that ran a statement stays open
    // until the end. Its prefix is '%m %c %x %e ': the session id is the fourth field.
    let text = std::fs::read_to_string(fixture("session_id.log")).unwrap();
    let with_statements: std::collections::BTreeSet<&str> = text
        .lines()
        .filter(|l| l.contains(" ms  statement: ") || l.contains(" ms  execute "))
        .filter_map(|l| l.split(' ').nth(3))
        .collect();
    assert_eq!(open("session_id.log"), with_statements.len());
}

#[test]
fn reused_session_keys_stitch_and_close_the_same_whatever_the_cuts() {
    // The same real log twice in a row: every pid is reused by a new connection.
    let text = std::fs::read_to_string(fixture("shop.log")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("twice.log");
    std::fs::write(&path, format!("{text}{text}")).unwrap();
    let whole = comparable(&read_with(
        std::slice::from_ref(&path),
        &options(1 << 30, 1),
    ));
    for block_size in [700, 4096, 30_000] {
        let cut = comparable(&read_with(
            std::slice::from_ref(&path),
            &options(block_size, 2),
        ));
        assert_same(
            &whole,
            &cut,
            &format!("twice.log in blocks of {block_size}"),
        );
    }
    // A session that a cut splits, ended and followed by a new connection on the same pid
    // within the next block.
    let line = |ms: u32, message: &str| {
        format!("2026-01-01 00:00:00.{ms:03} UTC [7] app@shop/web LOG:  {message}\n")
    };
    let mut log = line(0, "connection received: host=[local]");
    log += &line(
        1,
        "duration: 1.000 ms  statement: SELECT id FROM orders WHERE user_id = 1",
    );
    for i in 0..6 {
        log += &line(
            2 + i,
            &format!("duration: 1.000 ms  statement: SELECT * FROM items WHERE order_id = {i}"),
        );
    }
    log += &line(
        10,
        "disconnection: session time: 0:00:00.010 user=app database=shop host=[local]",
    );
    log += &line(11, "connection received: host=[local]");
    for i in 0..3 {
        log += &line(
            12 + i,
            &format!("duration: 1.000 ms  statement: SELECT * FROM items WHERE order_id = {i}"),
        );
    }
    std::fs::write(&path, &log).unwrap();
    let whole = comparable(&read_with(
        std::slice::from_ref(&path),
        &options(1 << 30, 1),
    ));
    assert_eq!(
        whole["loops"].as_array().unwrap().len(),
        2,
        "{}",
        whole["loops"]
    );
    for block_size in (60..log.len()).step_by(37) {
        let cut = comparable(&read_with(
            std::slice::from_ref(&path),
            &options(block_size, 2),
        ));
        assert_same(
            &whole,
            &cut,
            &format!("twice.log in blocks of {block_size}"),
        );
    }
}
