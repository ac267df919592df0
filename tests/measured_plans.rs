//! `analyze --analyze` on the live tests' server (`common::live`): logged SELECTs are
//! measured with their logged values, a failure is reported and the rest still measured, and
//! nothing a log holds can change the database (writes, DDL, data-modifying CTEs).

mod common;

use common::live::{self, TestDatabase, admin, runtime};
use common::{analyze_json, findings_of};
use serde_json::Value;

/// 20,000 addresses whose zip determines their city (see fixtures/rules/STAT002).
const SETUP: &str = "
    BEGIN;
    CREATE TABLE addresses (id bigint PRIMARY KEY, city integer NOT NULL,
                            zip integer NOT NULL, street text NOT NULL)
        WITH (autovacuum_enabled = false);
    INSERT INTO addresses
    SELECT i, i % 100, i % 100, 'street ' || i FROM generate_series(1, 20000) AS i;
    COMMIT;
    ANALYZE addresses;";

/// The addresses in a database of the test's own; `None` when the test is skipped.
fn database() -> Option<TestDatabase> {
    let database = live::database("measure", &[])?;
    runtime().block_on(async {
        admin(&database.name)
            .await
            .batch_execute(SETUP)
            .await
            .unwrap()
    });
    Some(database)
}

fn analyze(database: &TestDatabase, log: &str, name: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, log).unwrap();
    analyze_json([
        "--log".as_ref(),
        path.as_os_str(),
        "--db".as_ref(),
        database.url("").as_ref(),
        "--analyze".as_ref(),
    ])
}

/// The reasons of the `measure_failed` diagnostics.
fn failures(report: &Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "measure_failed")
        .flat_map(|d| d["examples"].as_array().unwrap().clone())
        .map(|example| example["reason"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn nothing_a_log_holds_changes_the_database() {
    let Some(database) = database() else {
        return;
    };
    let log = "
        DELETE FROM addresses;
        WITH gone AS (DELETE FROM addresses RETURNING id) SELECT count(*) FROM gone;
        SELECT id FROM addresses WHERE city = 3 FOR UPDATE;
        SELECT nextval('no_such_sequence');
        DROP TABLE addresses;
        SELECT id, street FROM addresses WHERE city = 7 AND zip = 7;";
    let report = analyze(&database, log, "workload.sql");
    let rows: i64 = runtime().block_on(async {
        admin(&database.name)
            .await
            .query_one("SELECT count(*) FROM addresses", &[])
            .await
            .unwrap()
            .get(0)
    });
    assert_eq!(rows, 20_000);
    // The one harmless SELECT was measured all the same.
    let findings = findings_of(&report, "STAT002");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["columns"], serde_json::json!(["city", "zip"]));
}

#[test]
fn logged_values_are_used_and_a_failure_does_not_stop_the_rest() {
    let Some(database) = database() else {
        return;
    };
    // Most time first: the division by zero fails inside its prepared statement, the
    // statement without logged values is left out, the last is measured with its values.
    let line = |ms: &str, text: &str| {
        format!(
            "2026-11-26 10:00:00.000 UTC [7] LOG:  duration: {ms} ms  execute <unnamed>: {text}\n"
        )
    };
    let values =
        |text: &str| format!("2026-11-26 10:00:00.000 UTC [7] DETAIL:  parameters: {text}\n");
    let log = [
        line("90.0", "SELECT id FROM addresses WHERE city = 1 / $1::int"),
        values("$1 = '0'"),
        line("80.0", "SELECT street FROM addresses WHERE id = $1"),
        line(
            "70.0",
            "SELECT id, street FROM addresses WHERE city = $1 AND zip = $2",
        ),
        values("$1 = '7', $2 = '7'"),
    ]
    .concat();
    let report = analyze(&database, &log, "postgresql.log");
    let failures = failures(&report);
    assert_eq!(failures.len(), 2, "{failures:#?}");
    assert!(failures.iter().any(|f| f.contains("division by zero")));
    assert!(failures.iter().any(|f| f.contains("recorded no values")));
    let findings = findings_of(&report, "STAT002");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let message = findings[0]["message"].as_str().unwrap();
    assert!(message.contains("expected 2 rows and got 200"), "{message}");
    assert!(message.contains("70.0 ms of logged time"), "{message}");
}
