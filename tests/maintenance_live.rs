//! MAINT002 against the live tests' server (`common::live`): a table whose live statistics
//! hold many dead rows is reported from `pg_stat_user_tables` with `planwise analyze --db`,
//! and the `ALTER TABLE … SET (autovacuum_…)` the finding suggests is accepted by
//! PostgreSQL, which then computes the same trigger (`threshold + scale_factor ×
//! reltuples`) from the table's options as the finding states; the defaults both
//! maintenance rules assume are the server's.

mod common;

use common::analyze_json;
use common::live;
use serde_json::Value;

#[test]
fn dead_rows_in_the_statistics_get_settings_the_server_accepts() {
    let Some(database) = live::database("maint", &[]) else {
        return;
    };
    // Autovacuum off for the table, so the dead rows stay until planwise reads them; the
    // statistics flushed at once (PostgreSQL 15's pg_stat_force_next_flush).
    database.execute(
        "CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL)
             WITH (autovacuum_enabled = false);
         INSERT INTO orders SELECT g, 'new' FROM generate_series(1, 400000) g;
         ANALYZE orders;
         DELETE FROM orders WHERE id % 3 = 0;
         SELECT pg_stat_force_next_flush();",
    );
    let dir = tempfile::tempdir().unwrap();
    let workload = dir.path().join("workload.sql");
    std::fs::write(&workload, "SELECT status FROM orders WHERE id = 42;\n").unwrap();
    let report = analyze_json([
        "--db".as_ref(),
        database.url("").as_ref(),
        "--log".as_ref(),
        workload.as_os_str(),
    ]);
    let finding: &Value = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "MAINT002")
        .unwrap_or_else(|| panic!("no MAINT002: {:#}", report["findings"]));
    assert_eq!(finding["table"], "public.orders", "{finding:#}");
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains("holds 133,333 dead rows next to 266,667 live ones"),
        "{message}"
    );
    let sql = finding["sql"].as_str().unwrap();
    assert!(sql.starts_with("ALTER TABLE public.orders SET ("), "{sql}");
    // The server takes the statement, and its trigger for the table's rows is the one the
    // message gives: `… + … × 266,667 = N dead rows a run instead`.
    database.execute(sql);
    let trigger: f64 = database.value(
        "SELECT (SELECT split_part(o, '=', 2)::float8 FROM unnest(reloptions) o
                  WHERE o LIKE 'autovacuum_vacuum_threshold=%')
              + (SELECT split_part(o, '=', 2)::float8 FROM unnest(reloptions) o
                  WHERE o LIKE 'autovacuum_vacuum_scale_factor=%') * 266667
         FROM pg_class WHERE relname = 'orders'",
    );
    let stated = message
        .rsplit_once(" = ")
        .and_then(|(_, rest)| rest.split(' ').next())
        .map(|figure| figure.replace(',', ""))
        .and_then(|figure| figure.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no trigger in {message}"));
    assert!(
        (trigger - stated).abs() <= 1.0,
        "{trigger} vs {stated}: {message}"
    );
}

/// The settings MAINT002 and MAINT003 assume where the log does not tell them are the
/// server's built-in defaults (`pg_settings.boot_val`), and `max_wal_size` takes effect on a
/// reload (context `sighup`), as MAINT003's `SELECT pg_reload_conf()` says.
#[test]
fn the_assumed_defaults_are_the_servers() {
    use planwise::rules::maintenance::{autovacuum_frequency, wal_checkpoints};
    let Some(database) = live::database("maint_defaults", &[]) else {
        return;
    };
    let boot = |name: &str| -> f64 {
        let value: String = database.value(&format!(
            "SELECT boot_val FROM pg_settings WHERE name = '{name}'"
        ));
        value.parse().unwrap()
    };
    assert_eq!(
        boot("autovacuum_vacuum_threshold"),
        autovacuum_frequency::DEFAULT_THRESHOLD
    );
    assert_eq!(
        boot("autovacuum_vacuum_scale_factor"),
        autovacuum_frequency::DEFAULT_SCALE_FACTOR
    );
    // checkpoint_timeout's unit is the second.
    assert_eq!(
        boot("checkpoint_timeout"),
        wal_checkpoints::CHECKPOINT_TIMEOUT_S
    );
    assert_eq!(
        boot("checkpoint_completion_target"),
        wal_checkpoints::CHECKPOINT_COMPLETION_TARGET
    );
    let context: String =
        database.value("SELECT context FROM pg_settings WHERE name = 'max_wal_size'");
    assert_eq!(context, "sighup");
}
