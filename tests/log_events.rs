//! The events of a real PostgreSQL 15 run (fixtures/logs/events.*, made by
//! scripts/make-event-fixtures.sh): what planwise reads from the stderr, csvlog and jsonlog
//! files must be what scripts/count_events.py counted in them (events-facts.json) — totals,
//! the statement each event belongs to, tables, checkpoints — whatever the format, the
//! blocks the log is cut into, or the hosted platform it is rendered for.

mod common;

use common::render::read_csvlog;
use common::{assert_same, fixture, json_report, options, read, read_with, rendered_profiles};
use planwise::model::events::{QueryEvents, TempFiles};
use planwise::model::workload::Profile;
use planwise::sql::fingerprint::Fingerprinter;
use serde_json::Value;
use std::collections::BTreeMap;

fn facts() -> Value {
    let text = std::fs::read_to_string(fixture("events-facts.json")).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["log"].clone()
}

fn count(value: &Value, key: &str) -> u64 {
    value.get(key).and_then(Value::as_u64).unwrap_or(0)
}

#[test]
fn the_events_object_counts_what_the_run_logged() {
    let facts = facts();
    let totals = &facts["totals"];
    for file in ["events.log", "events.csv", "events.json"] {
        let report = json_report(&read(file));
        let expected = serde_json::json!({
            "plans": 0,
            "temp_files": {"count": count(totals, "temp_files"), "bytes": count(totals, "temp_bytes")},
            "lock_waits": count(totals, "lock_waits"),
            "deadlocks": count(totals, "deadlocks"),
            "cancellations": {
                "statement_timeout": count(totals, "statement_timeout"),
                "lock_timeout": count(totals, "lock_timeout"),
                "user_request": count(totals, "user_request"),
            },
            "autovacuum": {
                "vacuum": count(totals, "autovacuum_vacuum"),
                "analyze": count(totals, "autovacuum_analyze"),
            },
            "checkpoints": count(totals, "checkpoints"),
            "connections": count(totals, "connections"),
        });
        assert_eq!(report["events"], expected, "{file}");
        assert_eq!(report["summary"]["lines_skipped"], 0, "{file}");
    }
    // What the driver did is in there: one deadlock, one of each cancellation.
    assert_eq!(count(totals, "deadlocks"), 1);
    assert_eq!(count(totals, "statement_timeout"), 1);
    assert!(count(totals, "temp_files") >= 8);
}

/// The facts per statement, added up by fingerprint (statements that differ in constants
/// only are one fingerprint).
fn facts_by_fingerprint(facts: &Value) -> BTreeMap<u64, QueryEvents> {
    let mut fingerprinter = Fingerprinter::new();
    let mut expected: BTreeMap<u64, QueryEvents> = BTreeMap::new();
    for (statement, counts) in facts["by_statement"].as_object().unwrap() {
        let id = fingerprinter.fingerprint(statement.as_bytes()).id;
        let events = expected.entry(id).or_default();
        events.temp_files.merge(TempFiles {
            count: count(counts, "temp_files"),
            bytes: count(counts, "temp_bytes"),
            largest: 0,
        });
        events.lock_waits += count(counts, "lock_waits");
        events.locks_acquired += count(counts, "locks_acquired_after_wait");
        events.cancellations.statement_timeout += count(counts, "statement_timeout");
        events.cancellations.lock_timeout += count(counts, "lock_timeout");
        events.cancellations.user_request += count(counts, "user_request");
    }
    expected
}

/// A profile's events per fingerprint, in the shape of the facts (no wait times, no
/// largest file, no deadlocks: the facts count those elsewhere).
fn events_by_fingerprint(profile: &Profile) -> BTreeMap<u64, QueryEvents> {
    profile
        .queries
        .iter()
        .filter_map(|(id, stats)| {
            let mut events = stats.events.as_deref()?.clone();
            events.temp_files.largest = 0;
            events.lock_acquired_wait_us = 0;
            events.deadlocks = 0;
            (events != QueryEvents::default()).then_some((*id, events))
        })
        .collect()
}

#[test]
fn each_event_is_attributed_to_its_statement() {
    let facts = facts();
    assert_eq!(facts["unattributed"], serde_json::json!({}));
    let expected = facts_by_fingerprint(&facts);
    for file in ["events.log", "events.csv", "events.json"] {
        let profile = read(file);
        assert_eq!(events_by_fingerprint(&profile), expected, "{file}");
        assert_eq!(profile.events.unattributed_temp_files, TempFiles::default());
        // The sort's files were logged after its execute, without a STATEMENT line: they
        // are its session's last statement's.
        let sort = Fingerprinter::new()
            .fingerprint(
                b"SELECT id, order_id, product_id, price FROM order_items ORDER BY price DESC, id",
            )
            .id;
        let sort = profile.queries[&sort].events();
        assert_eq!(sort.temp_files.count, 6, "{file}");
        assert_eq!(sort.temp_files.largest, sort.temp_files.bytes / 6, "{file}");
    }
}

#[test]
fn deadlocks_tables_checkpoints_and_sessions_are_read() {
    let facts = facts();
    let profile = read("events.log");
    let events = &profile.events;
    let mut fingerprinter = Fingerprinter::new();
    let pairs: Vec<(u64, u64)> = facts["deadlock_statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            let mut ids: Vec<u64> = pair
                .as_array()
                .unwrap()
                .iter()
                .map(|s| fingerprinter.fingerprint(s.as_str().unwrap().as_bytes()).id)
                .collect();
            ids.sort();
            (ids[0], ids[1])
        })
        .collect();
    assert_eq!(
        events.deadlock_pairs.keys().copied().collect::<Vec<_>>(),
        pairs
    );
    let tables: BTreeMap<String, (u64, u64)> = facts["autovacuum_by_table"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(table, c)| (table.clone(), (count(c, "vacuum"), count(c, "analyze"))))
        .collect();
    let read_tables: BTreeMap<String, (u64, u64)> = events
        .autovacuum
        .iter()
        .map(|(table, runs)| (table.clone(), (runs.vacuums, runs.analyzes)))
        .collect();
    assert_eq!(read_tables, tables);
    let order_items = &events.autovacuum["shop.public.order_items"];
    assert!(order_items.tuples_removed >= 1000, "{order_items:?}");
    assert!(order_items.tuples_remaining.is_some());
    let reasons = facts["checkpoint_reasons"].as_object().unwrap();
    let with = |flag: &str| -> u64 {
        reasons
            .iter()
            .filter(|(reason, _)| reason.split(' ').any(|f| f == flag))
            .map(|(_, n)| n.as_u64().unwrap())
            .sum()
    };
    let checkpoints = &events.checkpoints;
    assert_eq!(checkpoints.wal, with("wal"));
    assert_eq!(checkpoints.shutdown, with("shutdown"));
    assert_eq!(
        checkpoints.timed + checkpoints.wal + checkpoints.shutdown + checkpoints.requested,
        reasons.values().map(|n| n.as_u64().unwrap()).sum::<u64>()
    );
    assert!(checkpoints.distance_kb > 0 && checkpoints.too_frequent > 0);
    let connections = &events.connections;
    assert_eq!(
        connections.disconnections,
        count(&facts["totals"], "disconnections")
    );
    // pgbench -C: a connection per transaction, each well under a second.
    assert!(connections.session_lengths[0] >= 12, "{connections:?}");
}

#[test]
fn cutting_the_log_into_blocks_changes_no_event() {
    for file in ["events.log", "events.csv", "events.json"] {
        let whole = read_with(&[fixture(file)], &options(1 << 30, 1));
        for block_size in [1024, 4096, 30_000] {
            let cut = read_with(&[fixture(file)], &options(block_size, 2));
            assert_eq!(cut.events, whole.events, "{file} in blocks of {block_size}");
            assert_eq!(
                events_by_fingerprint(&cut),
                events_by_fingerprint(&whole),
                "{file} in blocks of {block_size}"
            );
        }
    }
}

fn fingerprint_of(statement: &str) -> u64 {
    Fingerprinter::new().fingerprint(statement.as_bytes()).id
}

/// What the driver did: every logged wait was an UPDATE of a product (wait_product.sql,
/// lock_timeout.sql) behind hold_product.sql, whose session had last logged its own UPDATE
/// of the row (its `pg_sleep` is logged when it ends, after the wait). The `DETAIL` names
/// the holder by pid; csvlog and jsonlog key sessions by `%c`, stderr by pid; the cuts put
/// the holder's statement and the wait in different blocks.
#[test]
fn each_lock_wait_names_the_statement_the_holder_ran() {
    let waits = count(&facts()["totals"], "lock_waits");
    let waiter = fingerprint_of("UPDATE products SET stock = stock + 1 WHERE id = 1");
    let holder = fingerprint_of("UPDATE products SET stock = stock - 1 WHERE id = 1");
    for file in ["events.log", "events.csv", "events.json"] {
        for block_size in std::iter::once(1 << 30).chain((400..4000).step_by(151)) {
            let profile = read_with(&[fixture(file)], &options(block_size, 2));
            let blocked = &profile.events.blocked_by;
            let context = format!("{file} in blocks of {block_size}: {blocked:?}");
            assert_eq!(
                blocked.keys().copied().collect::<Vec<_>>(),
                [(waiter, Some(holder))],
                "{context}"
            );
            let by = &blocked[&(waiter, Some(holder))];
            assert_eq!(by.waits, waits, "{context}");
            assert_eq!(
                by.locks.keys().collect::<Vec<_>>(),
                ["ShareLock on transaction"],
                "{context}"
            );
            assert!(
                profile.events.unresolved_holders.is_empty(),
                "{file} in blocks of {block_size}: {:?}",
                profile.events.unresolved_holders
            );
        }
    }
}

/// Two processes hold a lock: one whose session the log shows (by `%c` session id, its pid
/// in hex after the dot), one it shows nothing of.
#[test]
fn a_holder_the_log_shows_nothing_of_is_counted_as_such() {
    let log = "\
2026-12-06 10:00:00.000 UTC 6391f0a0.1f40 LOG:  duration: 1.000 ms  statement: LOCK TABLE accounts IN SHARE MODE;
2026-12-06 10:00:01.000 UTC 6391f0a1.1f41 LOG:  process 8001 still waiting for RowExclusiveLock on relation 16397 of database 16384 after 1000.123 ms
2026-12-06 10:00:01.000 UTC 6391f0a1.1f41 DETAIL:  Processes holding the lock: 8000, 8002. Wait queue: 8001.
2026-12-06 10:00:01.000 UTC 6391f0a1.1f41 STATEMENT:  UPDATE accounts SET balance = 0 WHERE id = 1;
";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("holders.log");
    std::fs::write(&path, log).unwrap();
    let mut options = options(1 << 20, 1);
    options.prefix = Some(planwise::input::prefix::LinePrefix::compile("%m %c "));
    let profile = read_with(std::slice::from_ref(&path), &options);
    let waiter = fingerprint_of("UPDATE accounts SET balance = 0 WHERE id = 1");
    let holder = fingerprint_of("LOCK TABLE accounts IN SHARE MODE");
    let events = &profile.events;
    assert_eq!(
        events.blocked_by.keys().copied().collect::<Vec<_>>(),
        [(waiter, Some(holder))]
    );
    assert_eq!(
        events.blocked_by[&(waiter, Some(holder))]
            .locks
            .keys()
            .collect::<Vec<_>>(),
        ["RowExclusiveLock on relation 16397"]
    );
    assert_eq!(events.unresolved_holders.len(), 1);
    assert_eq!(events.unresolved_holders[0].holder_pid, 8002);
    // LOCK001 names both: the statement, and the holder the log shows nothing of.
    let report = common::analyze_json([
        "--log".as_ref(),
        path.as_os_str(),
        "--log-line-prefix".as_ref(),
        "%m %c ".as_ref(),
    ]);
    let message = common::findings_of(&report, "LOCK001")[0]["message"].to_string();
    assert!(
        message.contains("had last run `lock table accounts in share mode` (1 wait for RowExclusiveLock on relation 16397), a session whose statement the log does not show (1 wait for RowExclusiveLock on relation 16397)"),
        "{message}"
    );
}

/// The events part of a report: the `events` object and each query's event fields.
fn events_part(report: &Value) -> Value {
    let queries: Vec<Value> = report["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            serde_json::json!([
                q["fingerprint"],
                q["plans"],
                q["temp_files"],
                q["temp_bytes"],
                q["lock_waits"]
            ])
        })
        .collect();
    serde_json::json!({"events": report["events"], "queries": queries})
}

#[test]
fn hosted_renderings_of_the_run_read_the_same_events() {
    let entries = read_csvlog(&fixture("events.csv"));
    let stderr_profile = read("events.log");
    let stderr = events_part(&json_report(&stderr_profile));
    for (rendering, profile) in rendered_profiles(&entries) {
        assert_same(
            &stderr,
            &events_part(&json_report(&profile)),
            &format!("{rendering:?} vs stderr"),
        );
        // Who blocked whom, found through each platform's session keys.
        assert_eq!(
            profile.events.blocked_by, stderr_profile.events.blocked_by,
            "{rendering:?} vs stderr"
        );
    }
}

/// The rows of the events run: scripts/workload/setup.sql from its tables to its grants
/// (deterministic: the same rows, so the same sorts and hashes).
fn shop_rows() -> String {
    let setup = std::fs::read_to_string("scripts/workload/setup.sql").unwrap();
    let start = setup.find("CREATE TABLE users").unwrap();
    let end = setup.find("GRANT ").unwrap();
    setup[start..end].to_string()
}

/// The plan node of `node_type` in an `EXPLAIN (FORMAT JSON)` plan, depth first.
fn plan_node<'a>(plan: &'a Value, node_type: &str) -> Option<&'a Value> {
    if plan["Node Type"] == node_type {
        return Some(plan);
    }
    plan["Plans"]
        .as_array()?
        .iter()
        .find_map(|child| plan_node(child, node_type))
}

/// Whether the node ran in memory: a sort's space type, a hash aggregate's batches.
fn in_memory(node: &Value) -> bool {
    match node["Node Type"].as_str() {
        Some("Sort") => node["Sort Space Type"] == "Memory",
        _ => node["HashAgg Batches"] == 1,
    }
}

/// SPILL001's claim, checked against the server: the events run's sort and hash aggregate,
/// on the same rows, spill at the run's `work_mem` (64kB) and run in memory with the
/// `work_mem` suggested from the temporary files the run logged for them.
#[test]
fn the_suggested_work_mem_keeps_the_logged_spills_in_memory() {
    use planwise::rules::spill::temp_file_spill::work_mem_mb_for;
    let Some(database) = common::live::database("spill", &[]) else {
        return;
    };
    let profile = read("events.log");
    let mut fingerprinter = Fingerprinter::new();
    let cases = [
        (
            "SELECT id, order_id, product_id, price FROM order_items ORDER BY price DESC, id",
            "Sort",
        ),
        (
            "SELECT o.user_id, count(*), sum(i.qty * i.price) FROM orders o JOIN order_items i ON i.order_id = o.id GROUP BY o.user_id ORDER BY 3 DESC",
            "Aggregate",
        ),
    ];
    common::live::runtime().block_on(async {
        let client = common::live::admin(&database.name).await;
        client.batch_execute(&shop_rows()).await.unwrap();
        client
            .batch_execute("ANALYZE; SET max_parallel_workers_per_gather = 0")
            .await
            .unwrap();
        for (statement, node_type) in cases {
            let id = fingerprinter.fingerprint(statement.as_bytes()).id;
            let largest = profile.queries[&id].events().temp_files.largest;
            let suggested = format!("{}MB", work_mem_mb_for(largest));
            for (work_mem, expect_in_memory) in [("64kB", false), (suggested.as_str(), true)] {
                client
                    .batch_execute(&format!("SET work_mem = '{work_mem}'"))
                    .await
                    .unwrap();
                let row = client
                    .query_one(&format!("EXPLAIN (ANALYZE, FORMAT JSON) {statement}"), &[])
                    .await
                    .unwrap();
                let explained: Value = row.get(0);
                let node = plan_node(&explained[0]["Plan"], node_type).unwrap();
                assert_eq!(
                    in_memory(node),
                    expect_in_memory,
                    "{statement} at work_mem {work_mem} (largest file {largest} B): {node}"
                );
            }
        }
    });
}

/// A cancelled statement's temporary file is logged after its `ERROR`, without a
/// `STATEMENT:` line (PostgreSQL 15, the events run of an earlier generation): it is the
/// cancelled statement's, not the statement the session ran before it.
#[test]
fn a_cancelled_statements_file_is_its_own() {
    let log = "\
2026-12-06 19:27:13.847 UTC [23822] app@shop/timeout-victim LOG:  duration: 0.127 ms  statement: SET statement_timeout = '100ms';
2026-12-06 19:27:13.948 UTC [23822] app@shop/timeout-victim ERROR:  canceling statement due to statement timeout
2026-12-06 19:27:13.948 UTC [23822] app@shop/timeout-victim STATEMENT:  SELECT count(*) FROM order_items a CROSS JOIN order_items b CROSS JOIN generate_series(1, 10) g;
2026-12-06 19:27:13.948 UTC [23822] app@shop/timeout-victim LOG:  temporary file: path \"base/pgsql_tmp/pgsql_tmp23822.0\", size 40890
2026-12-06 19:27:13.950 UTC [23822] app@shop/timeout-victim LOG:  disconnection: session time: 0:00:00.110 user=app database=shop host=127.0.0.1 port=33482
";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cancelled.log");
    std::fs::write(&path, log).unwrap();
    let profile = read_with(&[path], &options(1 << 20, 1));
    let cancelled = Fingerprinter::new()
        .fingerprint(b"SELECT count(*) FROM order_items a CROSS JOIN order_items b CROSS JOIN generate_series(1, 10) g")
        .id;
    let events = profile.queries[&cancelled].events();
    assert_eq!(events.temp_files.bytes, 40_890);
    assert_eq!(events.cancellations.statement_timeout, 1);
    assert_eq!(profile.events.unattributed_temp_files, TempFiles::default());
}
