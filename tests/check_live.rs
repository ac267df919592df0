//! `planwise check --db` against the live tests' server (`common::live`): table sizes come
//! from the live statistics (a 200k-row table is no longer "unknown"), and checking a
//! migration full of destructive DDL changes nothing in the database — planwise only reads it.

mod common;

use common::check_json;
use common::live::{self, TestDatabase, admin, runtime};
use serde_json::Value;

fn execute(database: &TestDatabase, sql: &str) {
    runtime().block_on(async {
        admin(&database.name)
            .await
            .batch_execute(sql)
            .await
            .unwrap();
    });
}

fn count(database: &TestDatabase, sql: &str) -> i64 {
    runtime().block_on(async {
        admin(&database.name)
            .await
            .query_one(sql, &[])
            .await
            .unwrap()
            .get(0)
    })
}

#[test]
fn live_sizes_decide_severity_and_the_database_is_left_as_it_was() {
    let Some(database) = live::database("check", &[]) else {
        return;
    };
    execute(
        &database,
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);
         CREATE TABLE events (id bigint PRIMARY KEY, account_id bigint NOT NULL, kind text);
         INSERT INTO accounts SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 200) g;
         INSERT INTO events SELECT g, 1 + g % 200, 'kind ' || (g % 5) FROM generate_series(1, 200000) g;",
    );
    execute(&database, "VACUUM ANALYZE accounts");
    execute(&database, "VACUUM ANALYZE events");
    let dir = tempfile::tempdir().unwrap();
    let migration = dir.path().join("0007_events.sql");
    std::fs::write(
        &migration,
        "CREATE INDEX events_kind_idx ON events (kind);
         CREATE INDEX accounts_email_idx ON accounts (email);
         ALTER TABLE events ADD COLUMN token uuid DEFAULT gen_random_uuid();
         DROP TABLE accounts CASCADE;
         TRUNCATE events;",
    )
    .unwrap();
    let report = check_json([
        migration.as_os_str(),
        "--db".as_ref(),
        database.url("").as_ref(),
    ]);
    let index_findings: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "MIG001")
        .collect();
    let on = |table: &str| {
        index_findings
            .iter()
            .find(|f| f["table"] == table)
            .unwrap_or_else(|| panic!("no MIG001 on {table}: {:#}", report["findings"]))
    };
    // 200k rows: a warning with an estimate; 200 rows: info.
    let events = on("public.events");
    assert_eq!(events["severity"], "warning", "{events:#}");
    assert!(
        events["message"].as_str().unwrap().contains("~200k rows"),
        "{events:#}"
    );
    assert_eq!(on("public.accounts")["severity"], "info");
    // Nothing ran: the tables, their rows and the indexes are as they were.
    assert_eq!(count(&database, "SELECT count(*) FROM accounts"), 200);
    assert_eq!(count(&database, "SELECT count(*) FROM events"), 200_000);
    assert_eq!(
        count(
            &database,
            "SELECT count(*) FROM pg_indexes WHERE indexname IN ('events_kind_idx', 'accounts_email_idx')"
        ),
        0
    );
    assert_eq!(
        count(
            &database,
            "SELECT count(*) FROM information_schema.columns WHERE column_name = 'token'"
        ),
        0
    );
}

/// MIG015 on a column the logs read only through `SELECT *`: PostgreSQL runs a plain
/// `SELECT *` after the drop and fails a statement prepared before it with `cached plan
/// must not change result type`; planwise says exactly that, as a warning, instead of
/// "fails with column does not exist".
#[test]
fn a_column_read_only_through_star_is_dropped_with_the_prepared_statements_warning() {
    let Some(database) = live::database("drop_star", &[]) else {
        return;
    };
    execute(
        &database,
        "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, note text);
         INSERT INTO orders VALUES (1, 10, 'gift');",
    );
    let (plain, prepared) = runtime().block_on(async {
        let client = admin(&database.name).await;
        let statement = client.prepare("SELECT * FROM orders").await.unwrap();
        client
            .batch_execute("ALTER TABLE orders DROP COLUMN note")
            .await
            .unwrap();
        let plain = client.simple_query("SELECT * FROM orders").await;
        let prepared = client.query(&statement, &[]).await;
        (plain, prepared)
    });
    assert!(plain.is_ok(), "{plain:?}");
    let error = prepared.expect_err("the prepared statement's row type changed");
    let message = error.as_db_error().map(|e| e.message().to_string());
    assert_eq!(
        message.as_deref(),
        Some("cached plan must not change result type")
    );

    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let schema = file(
        "schema.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, note text);",
    );
    let migration = file("0002.sql", "ALTER TABLE orders DROP COLUMN note;");
    let star = file("star.sql", "SELECT * FROM orders WHERE id = 1;\n");
    let named = file("named.sql", "SELECT id, note FROM orders WHERE id = 1;\n");
    let finding = |log: &str| -> Value {
        let report = check_json([&migration, "--schema", &schema, "--log", log]);
        common::findings_of(&report, "MIG015").remove(0)
    };
    let through_star = finding(&star);
    assert_eq!(through_star["severity"], "warning");
    let text = through_star["message"].as_str().unwrap();
    assert!(
        text.contains("only through `*`")
            && text.contains("cached plan must not change result type"),
        "{text}"
    );
    let by_name = finding(&named);
    assert_eq!(by_name["severity"], "error");
    assert!(
        by_name["message"]
            .as_str()
            .unwrap()
            .contains("column \"note\" does not exist"),
        "{by_name}"
    );
}

#[test]
fn a_database_without_pg_stat_statements_does_not_show_a_table_unused() {
    // The test databases have no pg_stat_statements view: the traffic is unknown, so a
    // table of unknown size keeps its error instead of being lowered as unused.
    let Some(database) = live::database("check_no_pgss", &[]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let migration = dir.path().join("0001_index.sql");
    std::fs::write(
        &migration,
        "CREATE INDEX orders_user_idx ON orders (user_id);",
    )
    .unwrap();
    let report = check_json([
        migration.as_os_str(),
        "--db".as_ref(),
        database.url("").as_ref(),
    ]);
    let findings = report["findings"].as_array().unwrap();
    let index = findings
        .iter()
        .find(|f| f["rule"] == "MIG001")
        .unwrap_or_else(|| panic!("no MIG001: {findings:#?}"));
    assert_eq!(index["severity"], "error", "{index:#}");
    let message = index["message"].as_str().unwrap();
    assert!(!message.contains("no logged statement"), "{message}");
}
