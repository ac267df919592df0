//! Every rule's fixtures (`fixtures/rules/<ID>/{positive,negative}`): `planwise analyze`
//! offline on the case's schema and workload — or, for migration rules, `planwise check` on
//! its `migration.sql` — ; the positive case must report the rule and its findings are
//! snapshotted, the negative case (and any `negative-<what>` case) must not report it.
//!
//! A case's workload is `workload.sql`, or `workload.log` (a PostgreSQL stderr log) for
//! rules that need what only a log has: sessions, loops, durations. Its schema is
//! `schema.sql`, or `schema.json` (a catalog saved with `--save-catalog`, statistics
//! included) for rules that need what only a live server knows — or both, the DDL applied
//! on top of the saved catalog. A case with `setup.sql` instead is live: the script fills a
//! database of the test's own, and planwise reads it with `--db … --analyze`, for rules that
//! need plans measured on real data.

mod common;

use common::live::{self, Need, admin, runtime};
use common::{analyze_json, check_json, findings_of};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The case's workload: `workload.log` when there is one, else `workload.sql`.
fn workload(case: &Path) -> PathBuf {
    let log = case.join("workload.log");
    if log.is_file() {
        log
    } else {
        case.join("workload.sql")
    }
}

/// The case's `--schema` paths: the saved catalog first, as planwise requires.
fn schemas(case: &Path) -> Vec<PathBuf> {
    let of = |dir: &Path| -> Vec<PathBuf> {
        ["schema.json", "schema.sql"]
            .iter()
            .map(|file| dir.join(file))
            .filter(|path| path.is_file())
            .collect()
    };
    // Cases of one rule that share a schema keep it once, in the rule's folder.
    match of(case) {
        own if own.is_empty() => case.parent().map(of).unwrap_or_default(),
        own => own,
    }
}

/// A live case's script, when the case is live.
fn setup(case: &Path) -> Option<PathBuf> {
    Some(case.join("setup.sql")).filter(|path| path.is_file())
}

/// `planwise analyze` on the case; `None` when it is live and the live tests are skipped.
fn analyze(case: &Path) -> Option<Value> {
    let mut args: Vec<std::ffi::OsString> = vec!["--log".into(), workload(case).into()];
    // Kept until planwise is done: the database is dropped with it.
    let mut database = None;
    match setup(case) {
        Some(script) => {
            let script = std::fs::read_to_string(script).unwrap();
            // A case that creates HypoPG needs it on the server: skipped (or failed, when
            // live tests are required) with that reason, never a panic in its script.
            let needs: &[Need] = if script.contains("CREATE EXTENSION hypopg") {
                &[Need::Extension("hypopg")]
            } else {
                &[]
            };
            let live = live::database("rule", needs)?;
            runtime().block_on(async {
                admin(&live.name)
                    .await
                    .batch_execute(&script)
                    .await
                    .unwrap();
            });
            args.extend(["--db".into(), live.url("").into()]);
            args.push("--analyze".into());
            database = Some(live);
        }
        None => {
            args.push("--schema".into());
            args.extend(schemas(case).into_iter().map(Into::into));
        }
    }
    args.extend(extra_args(case));
    let report = analyze_json(args);
    drop(database);
    Some(report)
}

fn extra_args(case: &Path) -> Vec<std::ffi::OsString> {
    std::fs::read_to_string(case.join("args"))
        .map(|extra| extra.split_whitespace().map(Into::into).collect())
        .unwrap_or_default()
}

/// A migration rule's case: `migration.sql`.
fn migration(case: &Path) -> PathBuf {
    case.join("migration.sql")
}

/// `planwise check` on the case's migration, with its schema and workload when it has them.
fn check(case: &Path) -> Value {
    // Relative to the crate's folder, where planwise runs: snapshots hold no absolute path.
    let case = case
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(case);
    let mut args: Vec<std::ffi::OsString> = vec![migration(case).into()];
    // `schema.json`: a catalog saved with `--save-catalog`, for cases that need statistics.
    for schema in ["schema.sql", "schema.json"] {
        if case.join(schema).is_file() {
            args.extend(["--schema".into(), case.join(schema).into()]);
        }
    }
    if workload(case).is_file() {
        args.extend(["--log".into(), workload(case).into()]);
    }
    args.extend(extra_args(case));
    check_json(args)
}

/// The report of the case: `check` for a migration case, `analyze` otherwise; `None` when
/// it is skipped.
fn run(case: &Path) -> Option<Value> {
    if migration(case).is_file() {
        Some(check(case))
    } else {
        analyze(case)
    }
}

fn cases() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    let mut rules: Vec<(String, PathBuf)> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    rules.sort();
    rules
}

#[test]
fn every_fixture_folder_is_a_known_rule_with_both_cases() {
    for (id, dir) in cases() {
        assert!(
            planwise::rules::find(&id).is_some(),
            "fixtures for unknown rule {id}"
        );
        assert!(
            dir.join("positive").is_dir() && dir.join("negative").is_dir(),
            "{id}: a positive and a negative case are required"
        );
        for case_dir in std::iter::once(dir.join("positive")).chain(negative_cases(&dir)) {
            let case = case_dir.file_name().unwrap().to_string_lossy().into_owned();
            if migration(&case_dir).is_file() {
                continue;
            }
            assert!(
                !schemas(&case_dir).is_empty() || setup(&case_dir).is_some(),
                "{id}/{case}: neither schema.sql, schema.json nor setup.sql"
            );
            assert!(
                workload(&case_dir).is_file(),
                "{id}/{case}: neither migration.sql, workload.sql nor workload.log"
            );
        }
    }
}

/// The rule's positive case reports it (its findings snapshotted), its negative cases do not.
fn positive_reports_and_negatives_stay_quiet(id: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/rules")
        .join(id);
    let Some(report) = run(&dir.join("positive")) else {
        return;
    };
    let positive = findings_of(&report, id);
    assert!(
        !positive.is_empty(),
        "{id}: the positive case reports nothing"
    );
    insta::assert_json_snapshot!(format!("{id}_positive"), positive);
    for case in negative_cases(&dir) {
        let Some(report) = run(&case) else {
            continue;
        };
        let negative = findings_of(&report, id);
        assert!(
            negative.is_empty(),
            "{id}: {} reports {negative:#?}",
            case.display()
        );
    }
}

/// One test per fixture folder, named by its rule, so that `cargo test MIG012` runs one
/// rule's cases (`scripts/new-rule.sh` adds a rule here).
macro_rules! rule_cases {
    ($($id:ident)*) => {
        $(
            #[test]
            #[allow(non_snake_case)]
            fn $id() {
                positive_reports_and_negatives_stay_quiet(stringify!($id));
            }
        )*
        /// The rules with a test above.
        const TESTED: &[&str] = &[$(stringify!($id)),*];
    };
}

rule_cases! {
    BAT001
    BAT002
    BAT003
    CACHE001
    DT001
    DT002
    DT003
    DT004
    DT005
    DT006
    DT007
    DT008
    DT009
    IDX001
    IDX002
    IDX003
    IDX004
    IDX005
    IDX006
    IDX007
    IDX008
    LOCK001
    LOCK002
    LOCK003
    MAINT001
    MAINT002
    MAINT003
    MIG001
    MIG002
    MIG003
    MIG004
    MIG005
    MIG006
    MIG007
    MIG008
    MIG009
    MIG010
    MIG011
    MIG012
    MIG013
    MIG014
    MIG015
    MIG016
    MIG017
    MIG018
    MIG019
    MIG020
    MIG021
    MIG022
    MIG023
    MIG024
    MIG025
    MIG026
    MIG027
    MIG028
    MIG029
    MIG030
    PART001
    PART002
    PLAN001
    PLAN002
    PLAN003
    PLAN004
    PLAN005
    PLAN006
    PLAN007
    RW001
    RW002
    RW003
    RW004
    RW005
    RW006
    RW007
    SHARD001
    SPILL001
    STAT001
    STAT002
    STAT003
}

#[test]
fn every_fixture_folder_has_its_test() {
    let folders: Vec<String> = cases().into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        folders, TESTED,
        "rule_cases! lists one rule per fixture folder, in order"
    );
}

/// `negative`, and `negative-<what>` for each further situation a rule must stay quiet in
/// that one schema and workload cannot hold together.
fn negative_cases(rule_dir: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(rule_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            p.is_dir() && (name == "negative" || name.starts_with("negative-"))
        })
        .collect();
    cases.sort();
    cases
}

#[test]
fn a_recommended_index_that_covers_an_existing_one_comes_with_its_drop() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.sql");
    std::fs::write(
        &schema,
        "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL,
                              created_at timestamptz NOT NULL, total numeric NOT NULL);
         CREATE INDEX orders_customer_idx ON orders (customer_id);",
    )
    .unwrap();
    let workload = dir.path().join("workload.sql");
    std::fs::write(
        &workload,
        "SELECT id, total FROM orders WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 20;",
    )
    .unwrap();
    std::fs::write(dir.path().join("args"), "--table-rows orders=2000000").unwrap();
    let report = analyze(dir.path()).expect("an offline case");
    let created = findings_of(&report, "IDX001");
    assert_eq!(created.len(), 1, "{:#}", report["findings"]);
    assert!(
        created[0]["sql"]
            .as_str()
            .unwrap()
            .contains("(customer_id, created_at DESC)")
    );
    let dropped = findings_of(&report, "IDX004");
    assert_eq!(dropped.len(), 1, "{:#}", report["findings"]);
    assert_eq!(
        dropped[0]["sql"],
        "DROP INDEX CONCURRENTLY public.orders_customer_idx;"
    );
    assert!(
        dropped[0]["message"]
            .as_str()
            .unwrap()
            .contains("the recommended")
    );
}

#[test]
fn every_migration_rule_has_both_migration_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    for rule in planwise::rules::RULES {
        if !matches!(rule.check, planwise::rules::Check::Migration(_)) {
            continue;
        }
        for case in ["positive", "negative"] {
            assert!(
                root.join(rule.id)
                    .join(case)
                    .join("migration.sql")
                    .is_file(),
                "{}/{case}/migration.sql missing",
                rule.id
            );
        }
    }
}

/// The SQL a migration finding suggests is SQL: it parses again. (sqlparser reads neither
/// `DROP INDEX CONCURRENTLY`, `REINDEX` nor `ALTER DOMAIN`; those are left to PostgreSQL,
/// and `tests/migration_judge.rs` runs the fixtures there.)
#[test]
fn suggested_migration_sql_parses() {
    for (id, dir) in cases() {
        let positive = dir.join("positive");
        if !migration(&positive).is_file() {
            continue;
        }
        for finding in findings_of(&check(&positive), &id) {
            let Some(sql) = finding["sql"].as_str() else {
                continue;
            };
            let unreadable = ["DROP INDEX CONCURRENTLY", "REINDEX", "ALTER DOMAIN"];
            if unreadable.iter().any(|start| sql.starts_with(start)) {
                continue;
            }
            assert!(
                planwise::sql::parse::parse_sql(sql).is_ok(),
                "{id}: suggested SQL does not parse: {sql}"
            );
        }
    }
}

#[test]
fn without_logs_the_workload_rules_stay_quiet_but_a_new_foreign_key_is_still_worth_an_info() {
    for (id, severity) in [("MIG025", None), ("MIG026", Some("info")), ("MIG028", None)] {
        let case = Path::new("fixtures/rules").join(id).join("positive");
        let mut args: Vec<std::ffi::OsString> = vec![
            migration(&case).into(),
            "--schema".into(),
            case.join("schema.sql").into(),
        ];
        args.extend(extra_args(&case));
        let findings = findings_of(&check_json(args), id);
        match severity {
            None => assert!(findings.is_empty(), "{id}: {findings:#?}"),
            Some(severity) => {
                assert!(!findings.is_empty(), "{id} reports nothing without logs");
                assert!(
                    findings.iter().all(|f| f["severity"] == severity),
                    "{findings:#?}"
                );
            }
        }
    }
}

/// A hot lookup repeated inside loops: BAT003 reports the repeats, and CACHE001 counts only
/// the calls left once they are hoisted, so the two never claim the same calls.
#[test]
fn a_cache_is_not_credited_with_the_repeats_hoisting_removes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("schema.sql"),
        "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL);
         CREATE TABLE products (id integer PRIMARY KEY, name text NOT NULL, price numeric NOT NULL);",
    )
    .unwrap();
    // 40 requests, each a user lookup then the same product asked 5 times: 10 products.
    let mut log = String::new();
    for request in 0..40u32 {
        let pid = 7000 + request;
        let mut line = |n: u32, sql: String| {
            log.push_str(&format!(
                "2026-11-26 10:{:02}:{:02}.{:03} UTC [{pid}] app@shop/web LOG:  duration: 0.500 ms  statement: {sql}\n",
                request, n, n
            ));
        };
        line(
            0,
            format!("SELECT id, name FROM users WHERE id = {request};"),
        );
        for n in 1..=5 {
            line(
                n,
                format!(
                    "SELECT id, name, price FROM products WHERE id = {};",
                    request % 10
                ),
            );
        }
    }
    std::fs::write(dir.path().join("workload.log"), log).unwrap();
    let report = analyze(dir.path()).expect("an offline case");
    let repeats = findings_of(&report, "BAT003");
    assert_eq!(repeats.len(), 1, "{:#}", report["findings"]);
    assert!(
        repeats[0]["message"]
            .as_str()
            .unwrap()
            .contains("saves 160 calls"),
        "{:#}",
        repeats[0]
    );
    let cached = findings_of(&report, "CACHE001");
    let products: Vec<&Value> = cached
        .iter()
        .filter(|f| f["table"] == "public.products")
        .collect();
    assert_eq!(products.len(), 1, "{:#}", report["findings"]);
    let message = products[0]["message"].as_str().unwrap();
    // 200 calls, 160 of them repeats in loops; of the 40 left, 10 distinct ids miss.
    assert!(
        message.contains("160 repeats inside loops left out"),
        "{message}"
    );
    assert!(message.contains("about 75 % of the calls"), "{message}");
    assert!(message.contains("about 30 calls"), "{message}");
}
