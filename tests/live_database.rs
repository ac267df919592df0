//! Against the live tests' PostgreSQL server (`common::live`; the tests reading statements
//! need pg_stat_statements preloaded: `.ci/run` makes sure). Each test makes its own
//! database and drops it.

mod common;

use common::live::{self, Need, admin, runtime};
use std::process::Command;

/// Runs planwise, which must succeed, and parses its JSON report.
fn json_report(args: &[&str]) -> serde_json::Value {
    let output = planwise(args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn planwise(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_planwise"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
}

#[test]
fn reads_pg_stat_statements_of_the_connected_database_only() {
    let Some(database) = live::database("pgss", &[Need::PgStatStatements]) else {
        return;
    };
    runtime().block_on(async {
        let client = admin(&database.name).await;
        client
            .execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", &[])
            .await
            .unwrap();
        client
            .execute("CREATE TABLE items (id int PRIMARY KEY, v text)", &[])
            .await
            .unwrap();
        client
            .execute(
                "INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 100) g",
                &[],
            )
            .await
            .unwrap();
        for id in 1..=25i32 {
            client
                .query("SELECT v FROM items WHERE id = $1", &[&id])
                .await
                .unwrap();
        }
    });
    let report = json_report(&["workload", "--db", &database.url(""), "--format", "json"]);
    let queries = report["queries"].as_array().unwrap();
    let lookup = queries
        .iter()
        .find(|q| q["normalized"] == "select v from items where id = $1")
        .expect("the looked-up statement is in pg_stat_statements");
    assert_eq!(lookup["calls"], 25);
    assert!(lookup["total_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(lookup["databases"][&database.name], 25);
    // Only this database's statements.
    assert!(queries.iter().all(|q| {
        q["databases"]
            .as_object()
            .unwrap()
            .keys()
            .all(|d| d == &database.name)
    }));
}

#[test]
fn an_unreachable_server_is_one_line_without_the_password() {
    let output = planwise(&[
        "workload",
        "--db",
        "postgres://bob:hunter2secret@127.0.0.1:1/shop",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("hunter2secret"), "{stderr}");
    assert!(stderr.contains("127.0.0.1:1/shop"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[test]
fn the_session_refuses_to_write() {
    // planwise's session settings, applied by its own connect: a write must fail.
    let Some(database) = live::database("readonly", &[]) else {
        return;
    };
    runtime().block_on(async {
        let session = planwise::db::connect(&database.url("")).await.unwrap();
        let error = session
            .execute("CREATE TABLE t (a int)", &[])
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("read-only transaction"),
            "{error}"
        );
        let multi = session
            .query("SELECT 1; DROP DATABASE postgres", &[])
            .await
            .unwrap_err();
        assert!(multi.to_string().contains("multiple commands"), "{multi}");
    });
}

#[test]
fn analyze_reads_the_live_catalog_and_statements() {
    let Some(database) = live::database("analyze", &[Need::PgStatStatements]) else {
        return;
    };
    runtime().block_on(async {
        let client = admin(&database.name).await;
        for statement in [
            "CREATE EXTENSION IF NOT EXISTS pg_stat_statements",
            "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL)",
            "CREATE TABLE orders (id bigint PRIMARY KEY, user_id integer NOT NULL, total numeric)",
            "INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 200) g",
            "INSERT INTO orders SELECT g, g % 200 + 1, g FROM generate_series(1, 1000) g",
            "ANALYZE",
        ] {
            client.execute(statement, &[]).await.unwrap();
        }
        for id in 1..=5i64 {
            client
                .query(
                    "SELECT o.total FROM orders o JOIN users u ON u.id = o.user_id WHERE u.id = $1",
                    &[&id],
                )
                .await
                .unwrap();
        }
    });
    let report = json_report(&["analyze", "--db", &database.url(""), "--format", "json"]);
    assert_eq!(report["schema"]["tables"], 2);
    let orders = report["schema"]["largest_tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "public.orders")
        .unwrap();
    assert_eq!(orders["rows"], 1000.0);
    let edges = report["join_graph"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "{edges:?}");
    assert_eq!(edges[0]["calls"], 5);
    // orders.user_id is integer, users.id bigint: the live catalog knows.
    assert_eq!(
        edges[0]["type_mismatch"],
        serde_json::json!(["integer", "bigint"])
    );
}

#[test]
fn an_unreachable_database_is_skipped_when_there_is_a_log_to_analyse() {
    let output = planwise(&[
        "analyze",
        "--log",
        "fixtures/logs/shop.log",
        "--db",
        "postgres://bob:pw-secret@127.0.0.1:1/shop",
        "--format",
        "json",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("going on without it"), "{stderr}");
    assert!(!stderr.contains("pw-secret"));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["statements"], 394);
    let kinds: Vec<_> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].clone())
        .collect();
    assert!(
        kinds.contains(&serde_json::json!("database_unreachable")),
        "{kinds:?}"
    );
}

#[test]
fn unqualified_names_resolve_through_the_servers_search_path() {
    let Some(database) = live::database("search_path", &[Need::PgStatStatements]) else {
        return;
    };
    runtime().block_on(async {
        let client = admin(&database.name).await;
        for statement in [
            "CREATE EXTENSION IF NOT EXISTS pg_stat_statements",
            "CREATE SCHEMA app",
            "CREATE TABLE app.things (id bigint PRIMARY KEY, label text)",
            &format!(
                "ALTER DATABASE {} SET search_path = app, public",
                database.name
            ),
        ] {
            client.execute(statement, &[]).await.unwrap();
        }
    });
    runtime().block_on(async {
        // A new session sees the database's search_path.
        let client = admin(&database.name).await;
        client
            .query("SELECT label FROM things WHERE id = $1", &[&1i64])
            .await
            .unwrap();
    });
    let report = json_report(&["analyze", "--db", &database.url(""), "--format", "json"]);
    let query = report["queries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["normalized"] == "select label from things where id = $1")
        .expect("the statement is in pg_stat_statements");
    assert_eq!(query["facts"]["tables"][0]["table"], "app.things");
    assert_eq!(query["facts"]["unresolved"], serde_json::json!([]));
}

#[test]
fn planwise_own_statements_are_left_out_of_pg_stat_statements() {
    let Some(database) = live::database("own_statements", &[Need::PgStatStatements]) else {
        return;
    };
    runtime().block_on(async {
        let client = admin(&database.name).await;
        for statement in [
            "CREATE EXTENSION IF NOT EXISTS pg_stat_statements",
            "CREATE TABLE items (id int PRIMARY KEY, v text)",
        ] {
            client.execute(statement, &[]).await.unwrap();
        }
        // pg_stat_statements evicts its least-called entries when full (the server is
        // shared): a statement called often stays.
        for id in 1..=25i32 {
            client
                .query("SELECT v FROM items WHERE id = $1", &[&id])
                .await
                .unwrap();
        }
    });
    // The first run reads the catalog (and the statistics) of the database it then reads back.
    json_report(&["analyze", "--db", &database.url(""), "--format", "json"]);
    let marked: i64 = runtime().block_on(async {
        let client = admin(&database.name).await;
        let row = client
            .query_one(
                "SELECT count(*) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid \
                 WHERE d.datname = current_database() AND s.query LIKE '/* planwise */%'",
                &[],
            )
            .await
            .unwrap();
        row.get(0)
    });
    assert!(marked > 3, "the server kept {marked} marked statements");
    let report = json_report(&["workload", "--db", &database.url(""), "--format", "json"]);
    let queries = report["queries"].as_array().unwrap();
    assert!(
        queries
            .iter()
            .any(|q| q["normalized"] == "select v from items where id = $1")
    );
    for query in queries {
        let text = query["normalized"].as_str().unwrap();
        assert!(
            !text.contains("pg_catalog") && !text.contains("pg_namespace"),
            "planwise's own statement read back as workload: {text}"
        );
    }
    let left_out = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "own_statement_left_out")
        .expect("planwise's own statements are counted");
    // Not necessarily all of them: planwise's statements ran once each, the first a full
    // pg_stat_statements evicts.
    assert!(left_out["count"].as_i64().unwrap() > 0);
}
