//! PostgreSQL is the judge of percentiles: durations logged for one statement, read by
//! planwise, give the p50/p95/p99 that `percentile_disc` computes over the same values.

mod common;

use common::live::{admin, runtime};
use std::process::Command;

#[test]
fn logged_percentiles_are_postgresql_s_percentile_disc() {
    let Some(database) = common::live::database("percentiles", &[]) else {
        return;
    };
    // 12 calls with one outlier, then sizes either side of the exact/sketch boundary.
    for calls in [1usize, 2, 4, 12, 100, 128, 129, 1000] {
        let durations: Vec<f64> = (0..calls)
            .map(|i| match i {
                11 => 111.0,
                _ => 0.05 + ((i * 7919) % 1000) as f64 / 97.0,
            })
            .collect();
        let expected: Vec<f64> = runtime().block_on(async {
            let client = admin(&database.name).await;
            let row = client
                .query_one(
                    "SELECT percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY v)
                     FROM unnest($1::float8[]) v",
                    &[&durations],
                )
                .await
                .unwrap();
            row.get(0)
        });
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("calls.log");
        let lines: String = durations
            .iter()
            .map(|ms| {
                format!(
                    "2026-11-26 00:41:30.062 UTC [1] LOG:  duration: {ms:.3} ms  statement: \
                     SELECT * FROM orders WHERE id = 1\n"
                )
            })
            .collect();
        std::fs::write(&log, lines).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_planwise"))
            .args([
                "workload",
                "--log",
                log.to_str().unwrap(),
                "--format",
                "json",
            ])
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let query = &report["queries"][0];
        for (field, expected) in ["p50_ms", "p95_ms", "p99_ms"].iter().zip(&expected) {
            let got = query[field].as_f64().unwrap();
            // The log keeps 3 decimals; beyond 128 calls the sketch is within 1 %.
            let expected = (expected * 1000.0).round() / 1000.0;
            let tolerance = if calls <= 128 {
                0.0015
            } else {
                expected * 0.0101 + 0.0015
            };
            assert!(
                (got - expected).abs() <= tolerance,
                "{calls} calls, {field}: planwise {got}, PostgreSQL {expected}"
            );
        }
    }
}
