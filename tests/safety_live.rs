//! A hostile log against a real server: statements with effects that a read-only, rolled-back
//! transaction does not undo (killing a session, writing through dblink, writing a server
//! file, taking an advisory lock, resetting pg_stat_statements, a user function that writes
//! when the planner folds it), plus every kind of write. `analyze` with and without
//! `--analyze` must leave the database byte-identical, write no file, kill no session, hold
//! no lock, and report each statement it kept from the server with the reason.

mod common;

use common::live::{Need, TestDatabase, admin, runtime};
use std::path::{Path, PathBuf};
use std::process::Command;

const SETUP: &str = "
    CREATE EXTENSION dblink;
    CREATE EXTENSION pg_stat_statements;
    CREATE EXTENSION hypopg;
    CREATE TABLE orders (id int PRIMARY KEY, total numeric NOT NULL);
    INSERT INTO orders SELECT g, g % 100 FROM generate_series(1, 5000) g;
    CREATE TABLE victims (id int);
    CREATE SEQUENCE tickets;
    ANALYZE orders;
";

/// A user function that writes through a second connection, marked IMMUTABLE so the planner
/// runs it while folding constants — plain `EXPLAIN` is enough to trigger it.
fn evil_function(dblink: &str) -> String {
    format!(
        "CREATE FUNCTION evil(i int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
         BEGIN PERFORM dblink_exec('{dblink}', 'INSERT INTO victims VALUES (1)'); RETURN i; END $$;
         CREATE VIEW evil_orders AS SELECT * FROM orders WHERE id = evil(2);"
    )
}

/// The hostile statements, one per log entry.
fn hostile_statements(dblink: &str, large_object: u32, file: &Path) -> Vec<String> {
    let file = file.display();
    vec![
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'victim'"
            .into(),
        format!("SELECT dblink_exec('{dblink}', 'DELETE FROM orders')"),
        format!(
            "SELECT * FROM dblink('{dblink}', 'INSERT INTO victims VALUES (2) RETURNING id') \
             AS t(id int)"
        ),
        format!("SELECT lo_export({large_object}, '{file}')"),
        "SELECT pg_advisory_lock(4242)".into(),
        "SELECT pg_stat_statements_reset()".into(),
        "SELECT * FROM orders WHERE id = evil(1)".into(),
        "SELECT * FROM evil_orders".into(),
        "SELECT nextval('tickets'), setval('tickets', 1000)".into(),
        "SELECT set_config('work_mem', '1GB', false)".into(),
        "SELECT pg_notify('channel', 'payload')".into(),
        "SELECT lo_unlink(lo_creat(-1))".into(),
        "DELETE FROM orders WHERE id > 10".into(),
        "UPDATE orders SET total = 0 WHERE id = 3".into(),
        "INSERT INTO orders VALUES (99999, 1)".into(),
        "DROP TABLE victims".into(),
        "TRUNCATE orders".into(),
        format!("COPY orders TO PROGRAM 'touch {file}.copy'"),
        "WITH gone AS (DELETE FROM orders WHERE id < 5 RETURNING *) SELECT count(*) FROM gone"
            .into(),
        "DO $$ BEGIN DELETE FROM orders; END $$".into(),
        "SELECT 1; DELETE FROM orders".into(),
        // A harmless statement, so the run has something to measure.
        "SELECT * FROM orders WHERE total = 42".into(),
    ]
}

fn write_log(statements: &[String], path: &Path) {
    let lines: String = statements
        .iter()
        .enumerate()
        .map(|(i, statement)| {
            format!(
                "2026-11-26 00:41:{:02}.000 UTC [{}] LOG:  duration: 120.5 ms  statement: {statement}\n",
                i % 60,
                1000 + i
            )
        })
        .collect();
    std::fs::write(path, lines).unwrap();
}

/// Everything the statements could have changed, as text to compare.
async fn state(client: &tokio_postgres::Client) -> Vec<String> {
    let mut state = Vec::new();
    for query in [
        "SELECT string_agg(relname || ':' || relkind::text, ',' ORDER BY relname) FROM pg_class
         WHERE relnamespace = 'public'::regnamespace",
        "SELECT md5(string_agg(o::text, ',' ORDER BY o.id)) FROM orders o",
        "SELECT count(*)::text FROM victims",
        "SELECT last_value || ':' || is_called FROM tickets",
        "SELECT string_agg(oid || ':' || md5(lo_get(oid)), ',' ORDER BY oid)
         FROM pg_largeobject_metadata",
        "SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242",
        "SELECT current_setting('work_mem')",
    ] {
        let row = client.query_one(query, &[]).await.unwrap();
        state.push(row.get::<_, Option<String>>(0).unwrap_or_default());
    }
    // pg_stat_statements_reset(): its info view says when, where the library is preloaded.
    let preloaded = client
        .query_one("SHOW shared_preload_libraries", &[])
        .await
        .unwrap()
        .get::<_, String>(0)
        .contains("pg_stat_statements");
    if preloaded {
        let row = client
            .query_one("SELECT stats_reset::text FROM pg_stat_statements_info", &[])
            .await
            .unwrap();
        state.push(row.get(0));
    }
    state
}

fn planwise(args: &[&str]) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_planwise"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The diagnostic of `kind` in a report (`null` when there is none).
fn diagnostic<'a>(report: &'a serde_json::Value, kind: &str) -> &'a serde_json::Value {
    report["diagnostics"]
        .as_array()
        .and_then(|all| all.iter().find(|d| d["kind"] == kind))
        .unwrap_or(&serde_json::Value::Null)
}

/// The reasons given for the statements kept from the server, under `kind`.
fn reasons(report: &serde_json::Value, kind: &str) -> Vec<String> {
    diagnostic(report, kind)["examples"]
        .as_array()
        .map(|examples| {
            examples
                .iter()
                .map(|e| e["reason"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

struct Scene {
    database: TestDatabase,
    log: PathBuf,
    file: PathBuf,
    dir: tempfile::TempDir,
}

/// The extensions the hostile statements call.
const NEEDS: &[Need] = &[
    Need::Extension("dblink"),
    Need::Extension("hypopg"),
    Need::Extension("pg_stat_statements"),
];

fn scene(tag: &str) -> Option<Scene> {
    let database = common::live::database(tag, NEEDS)?;
    let dblink = database.url("");
    let dir = tempfile::tempdir().unwrap();
    let file = std::env::temp_dir().join(format!("planwise_pwned_{}", database.name));
    let large_object: u32 = runtime().block_on(async {
        let client = admin(&database.name).await;
        client.batch_execute(SETUP).await.unwrap();
        client.batch_execute(&evil_function(&dblink)).await.unwrap();
        let row = client
            .query_one("SELECT lo_from_bytea(0, 'secret')", &[])
            .await
            .unwrap();
        row.get(0)
    });
    let log = dir.path().join("hostile.log");
    write_log(&hostile_statements(&dblink, large_object, &file), &log);
    Some(Scene {
        database,
        log,
        file,
        dir,
    })
}

fn analyze(scene: &Scene, extra: &[&str]) -> serde_json::Value {
    let url = scene.database.url("");
    let log = scene.log.to_str().unwrap();
    let mut args = vec!["analyze", "--log", log, "--db", &url, "--format", "json"];
    args.extend_from_slice(extra);
    planwise(&args)
}

#[test]
fn a_hostile_log_leaves_the_server_untouched_with_and_without_analyze() {
    let Some(scene) = scene("hostile") else {
        return;
    };
    runtime().block_on(async {
        let client = admin(&scene.database.name).await;
        let (victim, connection) = tokio_postgres::connect(
            &scene.database.url("?application_name=victim"),
            tokio_postgres::NoTls,
        )
        .await
        .unwrap();
        tokio::spawn(connection);
        let before = state(&client).await;

        let planned = analyze(&scene, &[]);
        let measured = analyze(&scene, &["--analyze"]);

        assert_eq!(state(&client).await, before, "the database changed");
        victim
            .simple_query("SELECT 1")
            .await
            .expect("the other session is alive");
        assert!(!scene.file.exists(), "lo_export wrote a server file");
        assert!(!Path::new(&format!("{}.copy", scene.file.display())).exists());

        let not_planned = reasons(&planned, "whatif_refused").join("\n");
        assert!(not_planned.contains("public.evil"), "{not_planned}");
        assert!(not_planned.contains("dblink"), "{not_planned}");
        // Twelve of the SELECTs call something that acts outside the transaction.
        let not_run = reasons(&measured, "measure_refused");
        let refused = diagnostic(&measured, "measure_refused")["count"].as_u64();
        assert!(refused >= Some(12), "{refused:?} refused: {not_run:?}");
        assert!(
            not_run.iter().all(|r| r.starts_with("not measured: it ")),
            "{not_run:?}"
        );
    });
    drop(scene.dir);
}

/// The control: the hazard the gate guards against is real. Trusted, the user function is
/// planned, and planning alone runs it (it writes through dblink); it is never measured.
#[test]
fn trusted_functions_are_planned_and_planning_alone_runs_them() {
    let Some(scene) = scene("trusted") else {
        return;
    };
    let report = analyze(&scene, &["--trust-functions", "--analyze"]);
    let written: i64 = runtime().block_on(async {
        let client = admin(&scene.database.name).await;
        let row = client
            .query_one("SELECT count(*) FROM victims", &[])
            .await
            .unwrap();
        row.get(0)
    });
    assert!(
        written > 0,
        "the folded function did not run: the test proves nothing"
    );
    let not_run = reasons(&report, "measure_refused").join("\n");
    assert!(not_run.contains("public.evil"), "{not_run}");
}

/// HypoPG refuses an index whose condition calls a volatile function: `whatif` says so and
/// fails, instead of costing the workload with an index of infinite size.
#[test]
fn an_index_hypopg_refuses_is_an_error_not_a_number() {
    let Some(scene) = scene("whatif") else {
        return;
    };
    let url = scene.database.url("");
    let output = Command::new(env!("CARGO_BIN_EXE_planwise"))
        .args(["whatif", "--db", &url, "--log", scene.log.to_str().unwrap()])
        .args([
            "--index",
            "CREATE INDEX ON orders (total) WHERE random() > 0.5",
        ])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot be simulated"), "{stderr}");
    assert!(stderr.contains("IMMUTABLE"), "{stderr}");
}
