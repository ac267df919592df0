//! IDX005 against the real server: counters that were just reset cannot call an index unused,
//! whatever the index — the run proposes no drop and says why.

mod common;

use common::live::{admin, runtime};
use std::process::Command;

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
    let output = Command::new(env!("CARGO_BIN_EXE_planwise"))
        .args(["analyze", "--db", &database.url(""), "--format", "json"])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
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
