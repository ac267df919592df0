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
