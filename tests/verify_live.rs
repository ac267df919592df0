//! `planwise verify` against the real server with real HypoPG: a scratch database with a
//! known good index to find (a selective filter) and a known useless one (a filter whose
//! statistics are stale: the planner believes it selective, it matches every row). The
//! good one must be measured faster, the useless one not; the database's indexes must be the
//! same after every run, interrupted or not; the gate must refuse a database someone else
//! is writing to.

mod common;

use common::live::{Need, TestDatabase, admin, runtime};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const ROWS: u32 = 200_000;

/// Held by the tests whose assertions are timings: two verify runs timing at once slow each
/// other down by more than the noise floor, as they would on a shared scratch copy.
static TIMING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn timing_alone() -> std::sync::MutexGuard<'static, ()> {
    TIMING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The scratch database: `events` with 40 rows an account, and `score` analysed while it
/// ran from 0 to 999, then set above 1,000 everywhere, in an order unrelated to the rows'
/// places, and the table rewritten compact (autovacuum off, so the statistics stay stale:
/// the planner expects a few hundred rows of `score > 998`, gets all, each from another
/// page).
fn scratch(tag: &str) -> Option<TestDatabase> {
    let database = common::live::database(tag, &[Need::Extension("hypopg")])?;
    runtime().block_on(async {
        admin(&database.name)
            .await
            .batch_execute(&format!(
                "CREATE EXTENSION hypopg;
                 CREATE TABLE events (id bigint PRIMARY KEY, account_id int NOT NULL,
                     kind text NOT NULL, score int NOT NULL, payload text)
                     WITH (autovacuum_enabled = off);
                 INSERT INTO events SELECT g, g % 5000, 'k' || (g % 1000), g % 1000, md5(g::text)
                     FROM generate_series(1, {ROWS}) g;
                 ANALYZE events;
                 UPDATE events SET score = 1000 + (id * 7919) % 200003;
                 CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL);
                 INSERT INTO accounts SELECT g, 'a' || g FROM generate_series(1, 6000) g;
                 CREATE TABLE notes (id int PRIMARY KEY, account_ref int);
                 INSERT INTO notes SELECT g, CASE WHEN g = 7 THEN NULL ELSE g % 4000 END
                     FROM generate_series(1, 20000) g;
                 CREATE INDEX notes_ref_idx ON notes (account_ref);
                 CREATE INDEX notes_ref_id_idx ON notes (account_ref, id);
                 ANALYZE accounts;
                 ANALYZE notes;"
            ))
            .await
            .unwrap();
        let client = admin(&database.name).await;
        client.batch_execute("VACUUM FULL events").await.unwrap();
    });
    Some(database)
}

/// A stderr log of the two statements, timed, with their parameters, and two `NOT IN`
/// statements planwise offers `NOT EXISTS` rewrites for: over a `NOT NULL` column (the same
/// rows) and over a column holding a NULL (where `NOT IN` returns nothing: other rows).
fn log() -> tempfile::NamedTempFile {
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!(
            "2026-12-01 10:00:{i:02}.000 UTC [4242] LOG:  duration: 21.5 ms  execute <unnamed>: \
             SELECT id, kind FROM events WHERE account_id = $1\n\
             2026-12-01 10:00:{i:02}.000 UTC [4242] DETAIL:  parameters: $1 = '{}'\n\
             2026-12-01 10:00:{i:02}.500 UTC [4243] LOG:  duration: 40.2 ms  execute <unnamed>: \
             SELECT payload FROM events WHERE score > $1\n\
             2026-12-01 10:00:{i:02}.500 UTC [4243] DETAIL:  parameters: $1 = '998'\n",
            i * 7
        ));
    }
    for i in 0..10 {
        text.push_str(&format!(
            "2026-12-01 10:01:{i:02}.000 UTC [4250] LOG:  duration: 30.5 ms  statement: \
             SELECT a.id FROM accounts a WHERE a.id NOT IN \
             (SELECT e.account_id FROM events e WHERE e.id < 1000)\n\
             2026-12-01 10:01:{i:02}.500 UTC [4251] LOG:  duration: 12.5 ms  statement: \
             SELECT a.id FROM accounts a WHERE a.id NOT IN (SELECT n.account_ref FROM notes n)\n\
             2026-12-01 10:02:{i:02}.000 UTC [4252] LOG:  duration: 0.5 ms  statement: \
             SELECT id FROM notes WHERE account_ref = {}\n",
            i * 3
        ));
    }
    let file = tempfile::Builder::new().suffix(".log").tempfile().unwrap();
    std::fs::write(file.path(), text).unwrap();
    file
}

fn verify_command(
    database: &TestDatabase,
    log: &tempfile::NamedTempFile,
    extra: &[&str],
) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_planwise"));
    command
        .args(["verify", "--scratch", "--db", &database.url(""), "--log"])
        .arg(log.path())
        .args(["--format", "json"])
        .args(extra)
        .env_remove("DATABASE_URL");
    command
}

fn indexes(database: &TestDatabase) -> Vec<String> {
    runtime().block_on(async {
        admin(&database.name)
            .await
            .query(
                "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect()
    })
}

fn report(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The `verified` object of the finding recommending `index`.
fn verified<'r>(report: &'r serde_json::Value, index: &str) -> &'r serde_json::Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["index"]["index"] == index)
        .unwrap_or_else(|| panic!("no finding recommends {index}: {report:#}"))
        .get("verified")
        .unwrap_or_else(|| panic!("{index} was not verified"))
}

/// The stale statistics made the index look selective: the plan uses it, and reads every
/// row through it — a bitmap scan of the whole table, about what the sequential scan took
/// (from 14 % faster to 2× slower here, with the machine's load: never the speedup of an
/// index that finds a few rows).
fn assert_gains_little(useless: &serde_json::Value) {
    let statement = &useless["statements"][0];
    assert_eq!(statement["uses_index"], true, "{useless:#}");
    let speedup =
        statement["before_ms"].as_f64().unwrap() / statement["after_ms"].as_f64().unwrap();
    assert!(speedup < 1.5, "{useless:#}");
}

#[test]
fn the_good_index_is_faster_the_useless_one_is_not_and_nothing_is_left() {
    let Some(database) = scratch("verify") else {
        return;
    };
    let before = indexes(&database);
    let log = log();
    let _alone = timing_alone();
    let report = report(&verify_command(&database, &log, &[]).output().unwrap());
    let good = verified(&report, "events(account_id)");
    assert_eq!(good["verdict"], "faster", "{good:#}");
    let (was, is) = (
        good["before_ms"].as_f64().unwrap(),
        good["after_ms"].as_f64().unwrap(),
    );
    assert!(is * 5.0 < was, "{good:#}");
    assert!(good["real_size_bytes"].as_i64().unwrap() > 8192, "{good:#}");
    assert!(good["build_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(good["statements"][0]["uses_index"], true);
    assert_gains_little(verified(&report, "events(score)"));
    let summary = &report["verification"];
    assert_eq!(summary["together"]["indexes"], 2, "{summary:#}");
    assert_eq!(summary["speedup_estimates"]["of"], 2, "{summary:#}");
    assert_eq!(indexes(&database), before);
}

#[test]
fn a_rewrite_returning_other_rows_is_caught() {
    let Some(database) = scratch("verify_rewrite") else {
        return;
    };
    let log = log();
    let report = report(
        &verify_command(&database, &log, &["--runs", "1"])
            .output()
            .unwrap(),
    );
    let rewrites: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "RW002")
        .collect();
    let of = |table: &str| {
        rewrites
            .iter()
            .find(|f| f["sql"].as_str().unwrap().contains(table))
            .and_then(|f| f.get("verified"))
            .unwrap_or_else(|| panic!("no verified rewrite over {table}: {rewrites:#?}"))
    };
    let safe = of("events");
    assert_eq!(safe["same_rows"], true, "{safe:#}");
    assert!(safe["original_ms"].as_f64().unwrap() > 0.0);
    let unsafe_rewrite = of("notes");
    assert_eq!(unsafe_rewrite["same_rows"], false, "{unsafe_rewrite:#}");
    // NOT IN over a NULL returns nothing; NOT EXISTS returns every account without a note.
    let without_notes = 6000 - 3999;
    assert_eq!(
        unsafe_rewrite["differing_rows"], without_notes,
        "{unsafe_rewrite:#}"
    );
    assert_eq!(report["verification"]["rewrites_differ"], 1);
}

#[test]
fn a_redundant_index_is_timed_without_it_and_kept() {
    let Some(database) = scratch("verify_drop") else {
        return;
    };
    let before = indexes(&database);
    let log = log();
    let report = report(
        &verify_command(&database, &log, &["--runs", "1"])
            .output()
            .unwrap(),
    );
    let drop = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["sql"] == "DROP INDEX CONCURRENTLY public.notes_ref_idx;")
        .unwrap_or_else(|| panic!("no drop of notes_ref_idx: {report:#}"));
    let verified = &drop["verified"];
    // notes(account_ref, id) serves its lookups: no statement needs it.
    assert_eq!(verified["safe_to_drop"], true, "{verified:#}");
    let timed = verified["statements"].as_array().unwrap();
    assert!(
        timed
            .iter()
            .any(|s| s["without_ms"].as_f64().unwrap() > 0.0),
        "{verified:#}"
    );
    assert_eq!(report["verification"]["drops_safe"], 1);
    // Dropped only inside a transaction that was rolled back.
    assert_eq!(indexes(&database), before);
}

#[test]
fn an_index_calling_a_function_of_the_database_is_never_built() {
    let Some(database) = common::live::database("verify_function", &[]) else {
        return;
    };
    runtime().block_on(async {
        admin(&database.name)
            .await
            .batch_execute(
                "CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL);
                 CREATE FUNCTION planwise_test_norm(text) RETURNS text LANGUAGE plpgsql
                     IMMUTABLE AS 'BEGIN RETURN lower($1); END'",
            )
            .await
            .unwrap();
        let session = planwise::db::connect(&database.url("")).await.unwrap();
        // Building calls the index's functions on every row: the database's own never.
        let own = "CREATE INDEX CONCURRENTLY planwise_verify_1_accounts ON public.accounts \
                   USING btree ((planwise_test_norm(name)))";
        let refusal = session.refusal_to_build(own).await.unwrap().unwrap();
        assert!(refusal.contains("public.planwise_test_norm"), "{refusal}");
        let built_in = "CREATE INDEX CONCURRENTLY planwise_verify_1_accounts ON public.accounts \
                        USING btree ((lower(name))) WHERE name <> ''";
        assert_eq!(session.refusal_to_build(built_in).await.unwrap(), None);
    });
}

#[test]
fn writes_are_timed_only_when_asked_and_always_rolled_back() {
    let Some(database) = scratch("verify_writes") else {
        return;
    };
    runtime().block_on(async {
        admin(&database.name)
            .await
            .batch_execute(
                "CREATE FUNCTION planwise_test_audit() RETURNS trigger LANGUAGE plpgsql
                     AS 'BEGIN RETURN NEW; END';
                 CREATE TRIGGER audit BEFORE UPDATE ON accounts
                     FOR EACH ROW EXECUTE FUNCTION planwise_test_audit()",
            )
            .await
            .unwrap();
    });
    let log = log();
    let mut text = std::fs::read_to_string(log.path()).unwrap();
    for i in 0..10 {
        text.push_str(&format!(
            "2026-12-01 10:03:{i:02}.000 UTC [4260] LOG:  duration: 30.5 ms  statement: \
             UPDATE events SET payload = 'planwise-x' WHERE score > 998 AND id = {i}\n\
             2026-12-01 10:03:{i:02}.500 UTC [4261] LOG:  duration: 1.5 ms  statement: \
             UPDATE accounts SET name = 'planwise-x' WHERE id = {i}\n\
             2026-12-01 10:03:{i:02}.700 UTC [4262] LOG:  duration: 9.5 ms  statement: \
             SELECT id FROM accounts WHERE name = 'a{i}7'\n"
        ));
    }
    std::fs::write(log.path(), text).unwrap();
    let changed = || {
        runtime().block_on(async {
            let client = admin(&database.name).await;
            let sql = "SELECT (SELECT count(*) FROM events WHERE payload = 'planwise-x')
                            + (SELECT count(*) FROM accounts WHERE name = 'planwise-x')";
            client.query_one(sql, &[]).await.unwrap().get::<_, i64>(0)
        })
    };
    let written = |report: &serde_json::Value| -> Vec<serde_json::Value> {
        let score = verified(report, "events(score)");
        let timed = score["statements"].as_array().unwrap().iter();
        timed.filter(|s| s["write"] == true).cloned().collect()
    };
    let without = report(
        &verify_command(&database, &log, &["--runs", "1"])
            .output()
            .unwrap(),
    );
    assert!(written(&without).is_empty());
    let output = verify_command(&database, &log, &["--runs", "1", "--include-writes"])
        .output()
        .unwrap();
    let with = report(&output);
    // The UPDATE of events ran (and an index on score is upkeep for it); nothing it wrote stayed.
    assert_eq!(
        written(&with).len(),
        1,
        "{:#}",
        verified(&with, "events(score)")
    );
    assert_eq!(changed(), 0);
    // The accounts UPDATE (a write on the table of the index for the name lookups) fires a
    // trigger of the database's own: never run.
    let refused = with["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "verify_refused")
        .unwrap_or_else(|| panic!("nothing refused: {:#}", with["diagnostics"]));
    let reason = refused["examples"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("planwise_test_audit"), "{reason}");
}

#[test]
fn a_hostile_statement_an_index_would_serve_is_never_run() {
    let Some(database) = scratch("verify_hostile") else {
        return;
    };
    let log = log();
    let mut text = std::fs::read_to_string(log.path()).unwrap();
    for i in 0..20 {
        text.push_str(&format!(
            "2026-12-01 10:04:{i:02}.000 UTC [4270] LOG:  duration: 25.0 ms  statement: \
             SELECT id FROM events WHERE account_id = {i} \
             AND pg_terminate_backend(pg_backend_pid() + 1) IS NOT NULL\n"
        ));
    }
    std::fs::write(log.path(), text).unwrap();
    let report = report(
        &verify_command(&database, &log, &["--runs", "1"])
            .output()
            .unwrap(),
    );
    let refused = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "verify_refused")
        .unwrap_or_else(|| panic!("nothing refused: {:#}", report["diagnostics"]));
    let reason = refused["examples"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("pg_terminate_backend"), "{reason}");
    // The index it would have served is still verified on the other statements.
    let good = verified(&report, "events(account_id)");
    assert_eq!(good["verdict"], "faster", "{good:#}");
}

#[test]
fn fail_on_regression_fails_only_when_a_statement_got_slower() {
    let Some(database) = scratch("verify_regress") else {
        return;
    };
    let log = log();
    let output = verify_command(
        &database,
        &log,
        &["--fail-on-regression", "--regression-margin", "1000"],
    )
    .output()
    .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // A margin of -100 % demands that every statement take no time at all with its index:
    // both indexes fail it.
    let output = verify_command(
        &database,
        &log,
        &["--fail-on-regression", "--regression-margin=-100"],
    )
    .output()
    .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report["verification"]["slower"], 2,
        "{:#}",
        report["verification"]
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_run_stopped_by_sigterm_drops_what_it_built() {
    let Some(database) = scratch("verify_term") else {
        return;
    };
    let before = indexes(&database);
    let log = log();
    let mut child = verify_command(&database, &log, &["--runs", "30"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !indexes(&database)
        .iter()
        .any(|i| i.starts_with("planwise_verify_"))
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no index was ever built"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "verify ended before it built an index"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(143),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("interrupted (SIGTERM)"), "{stderr}");
    assert_eq!(indexes(&database), before);
}

#[test]
fn a_later_run_drops_what_a_killed_run_left() {
    let Some(database) = scratch("verify_left") else {
        return;
    };
    let before = indexes(&database);
    // What a run killed with SIGKILL in the middle of a build leaves: an index of its name.
    runtime().block_on(async {
        admin(&database.name)
            .await
            .batch_execute("CREATE INDEX planwise_verify_9_events ON events (payload)")
            .await
            .unwrap();
    });
    let log = log();
    let output = verify_command(&database, &log, &["--runs", "1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let report = report(&output);
    assert!(
        stderr.contains("dropped public.planwise_verify_9_events"),
        "{stderr}"
    );
    assert_eq!(
        report["verification"]["leftovers_dropped"][0],
        "public.planwise_verify_9_events"
    );
    assert_eq!(indexes(&database), before);
}

#[test]
fn the_gate_refuses_a_database_another_session_writes_to_and_a_missing_scratch_flag() {
    let Some(database) = scratch("verify_gate") else {
        return;
    };
    let before = indexes(&database);
    let log = log();
    runtime().block_on(async {
        let writer = admin(&database.name).await;
        writer
            .batch_execute("BEGIN; INSERT INTO events VALUES (0, 0, 'k0', 0, NULL)")
            .await
            .unwrap();
        let output = verify_command(&database, &log, &[]).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("another session is writing"), "{stderr}");
        writer.batch_execute("ROLLBACK").await.unwrap();
    });
    let mut without_flag = Command::new(env!("CARGO_BIN_EXE_planwise"));
    without_flag
        .args(["verify", "--db", &database.url(""), "--log"])
        .arg(log.path());
    let output = without_flag.output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--scratch"));
    assert_eq!(indexes(&database), before);
}

/// `analyze --format json` of the log on the scratch copy, saved to a file.
fn saved_report(database: &TestDatabase, log: &tempfile::NamedTempFile) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_planwise"))
        .args(["analyze", "--db", &database.url(""), "--log"])
        .arg(log.path())
        .args(["--format", "json"])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    report(&output)
}

fn verify_from(database: &TestDatabase, saved: &serde_json::Value, runs: &str) -> Output {
    let file = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    std::fs::write(file.path(), saved.to_string()).unwrap();
    Command::new(env!("CARGO_BIN_EXE_planwise"))
        .args(["verify", "--scratch", "--db", &database.url(""), "--from"])
        .arg(file.path())
        .args(["--format", "json", "--runs", runs])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
}

#[test]
fn a_saved_report_is_verified_without_the_log() {
    let Some(database) = scratch("verify_from") else {
        return;
    };
    let before = indexes(&database);
    let saved = saved_report(&database, &log());
    let _alone = timing_alone();
    let report = report(&verify_from(&database, &saved, "3"));
    let good = verified(&report, "events(account_id)");
    assert_eq!(good["verdict"], "faster", "{good:#}");
    assert_eq!(good["statements"][0]["uses_index"], true, "{good:#}");
    assert_gains_little(verified(&report, "events(score)"));
    let summary = &report["verification"];
    assert_eq!(summary["rewrites_differ"], 1, "{summary:#}");
    assert_eq!(summary["drops_safe"], 1, "{summary:#}");
    // The report's findings come back in its order, each with what was measured.
    let rules = |r: &serde_json::Value| -> Vec<serde_json::Value> {
        let findings = r["findings"].as_array().unwrap();
        findings.iter().map(|f| f["rule"].clone()).collect()
    };
    assert_eq!(rules(&report), rules(&saved));
    assert_eq!(indexes(&database), before);
}

/// A report is text anyone can edit: its SQL is never what runs. An index is built from
/// planwise's own reading of the definition, and only from one `CREATE INDEX`; a "rewrite"
/// that writes is refused by the same gate as the log's statements.
#[test]
fn a_doctored_report_changes_nothing() {
    let Some(database) = scratch("verify_from_doctored") else {
        return;
    };
    let before = indexes(&database);
    let mut saved = saved_report(&database, &log());
    let findings = saved["findings"].as_array_mut().unwrap();
    let good = findings
        .iter_mut()
        .find(|f| f["index"]["index"] == "events(account_id)")
        .unwrap();
    good["sql"] = "CREATE INDEX ON public.events (account_id); DROP TABLE public.accounts".into();
    let rewrite = findings.iter_mut().find(|f| f["rule"] == "RW002").unwrap();
    rewrite["sql"] = "DELETE FROM notes".into();
    let report = report(&verify_from(&database, &saved, "1"));
    let left_out = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "report_entry_left_out")
        .unwrap_or_else(|| panic!("the doctored index was not left out: {report:#}"));
    assert!(left_out.to_string().contains("DROP TABLE"), "{left_out}");
    let rewrite = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["sql"] == "DELETE FROM notes")
        .unwrap();
    let why = rewrite["verified"]["not_verified"]
        .as_str()
        .unwrap_or_default();
    assert!(
        why.contains("DELETE statement is never sent"),
        "{rewrite:#}"
    );
    runtime().block_on(async {
        let client = admin(&database.name).await;
        for (table, rows) in [("notes", 20_000), ("accounts", 6_000)] {
            let sql = format!("SELECT count(*) FROM {table}");
            let row = client.query_one(&sql, &[]).await.unwrap();
            assert_eq!(row.get::<_, i64>(0), rows, "{table}");
        }
    });
    assert_eq!(indexes(&database), before);
}

#[test]
fn a_workload_report_or_other_json_is_refused_with_the_reason() {
    let Some(database) = common::live::database("verify_from_other", &[]) else {
        return;
    };
    let workload = serde_json::json!({"schema_version": 2, "queries": []});
    let output = verify_from(&database, &workload, "1");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("recommends nothing"), "{stderr}");
}
