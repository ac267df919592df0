//! Counters that were just reset, against the real server: they cannot call an index unused,
//! whatever the index — the run proposes no drop and says why (IDX005) — nor a table that was
//! analysed "never analysed" (STAT001).

mod common;

use common::live::{admin, runtime};

#[test]
fn freshly_reset_counters_propose_no_drop() {
    let Some(database) = common::live::database("unused", &[]) else {
        return;
    };
    runtime().block_on(async {
        let client = admin(&database.name).await;
        client
            .batch_execute(
                "CREATE TABLE orders (id bigint PRIMARY KEY, status text);
                 INSERT INTO orders SELECT g, 'x' FROM generate_series(1, 1000) g;
                 CREATE INDEX orders_status_idx ON orders (status);
                 ANALYZE orders;
                 SELECT pg_stat_reset();",
            )
            .await
            .unwrap();
    });
    let report = common::analyze_json(["--db", &database.url("")]);
    let unused: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "IDX005")
        .collect();
    assert_eq!(unused.len(), 1, "{unused:?}");
    assert!(
        unused[0]["sql"].is_null(),
        "a drop was proposed: {unused:?}"
    );
    let message = unused[0]["message"].as_str().unwrap();
    assert!(
        message.contains("days old") && message.contains("too early"),
        "{message}"
    );
}

#[test]
fn a_table_analysed_before_the_counters_were_reset_is_not_called_never_analysed() {
    let Some(database) = common::live::database("reset_analysed", &[]) else {
        return;
    };
    runtime().block_on(async {
        let client = admin(&database.name).await;
        client
            .batch_execute(
                "CREATE TABLE analysed (id bigint PRIMARY KEY, note text)
                     WITH (autovacuum_enabled = off);
                 CREATE TABLE raw (id bigint PRIMARY KEY, note text)
                     WITH (autovacuum_enabled = off);
                 INSERT INTO analysed SELECT g, 'x' FROM generate_series(1, 5000) g;
                 INSERT INTO raw SELECT g, 'x' FROM generate_series(1, 5000) g;
                 ANALYZE analysed;",
            )
            .await
            .unwrap();
        // One statement each: VACUUM refuses to run in the implicit transaction of several.
        for sql in ["VACUUM raw", "SELECT pg_stat_reset()"] {
            client.batch_execute(sql).await.unwrap();
        }
        // What the rule reads: the reset took the timestamp, not the statistics.
        let row = client
            .query_one(
                "SELECT last_analyze IS NULL,
                        (SELECT count(*) FROM pg_stats WHERE tablename = 'analysed')
                 FROM pg_stat_user_tables WHERE relname = 'analysed'",
                &[],
            )
            .await
            .unwrap();
        assert_eq!((row.get::<_, bool>(0), row.get::<_, i64>(1)), (true, 2));
    });
    let report = common::analyze_json(["--db", &database.url("")]);
    let stale: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "STAT001")
        .map(|f| f["table"].as_str().unwrap())
        .collect();
    // VACUUM counts the rows of `raw` but gathers no statistics: never analysed, rightly.
    assert_eq!(stale, ["public.raw"]);
}
