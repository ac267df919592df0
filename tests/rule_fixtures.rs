//! Every rule's fixtures (`fixtures/rules/<ID>/{positive,negative}`): `planwise analyze`
//! offline on the case's schema and workload; the positive case must report the rule and
//! its findings are snapshotted, the negative case must not report it.
//!
//! A case's workload is `workload.sql`, or `workload.log` (a PostgreSQL stderr log) for
//! rules that need what only a log has: sessions, loops, durations.

mod common;

use common::{analyze_json, findings_of};
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

fn analyze(case: &Path) -> Value {
    let mut args: Vec<std::ffi::OsString> = vec![
        "--log".into(),
        workload(case).into(),
        "--schema".into(),
        case.join("schema.sql").into(),
    ];
    if let Ok(extra) = std::fs::read_to_string(case.join("args")) {
        args.extend(extra.split_whitespace().map(Into::into));
    }
    analyze_json(args)
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
        for case in ["positive", "negative"] {
            let case_dir = dir.join(case);
            assert!(
                case_dir.join("schema.sql").is_file(),
                "{id}/{case}/schema.sql missing"
            );
            assert!(
                workload(&case_dir).is_file(),
                "{id}/{case}: neither workload.sql nor workload.log"
            );
        }
    }
}

#[test]
fn positive_cases_report_the_rule_and_negative_cases_stay_quiet() {
    for (id, dir) in cases() {
        let positive = findings_of(&analyze(&dir.join("positive")), &id);
        assert!(
            !positive.is_empty(),
            "{id}: the positive case reports nothing"
        );
        insta::assert_json_snapshot!(format!("{id}_positive"), positive);
        let negative = findings_of(&analyze(&dir.join("negative")), &id);
        assert!(
            negative.is_empty(),
            "{id}: the negative case reports {negative:#?}"
        );
    }
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
    let report = analyze(dir.path());
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
