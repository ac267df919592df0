//! Every rule's fixtures (`fixtures/rules/<ID>/{positive,negative}`): `planwise analyze`
//! offline on the case's schema and workload; the positive case must report the rule and
//! its findings are snapshotted, the negative case must not report it.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn analyze(case: &Path) -> Value {
    let mut command = Command::new(env!("CARGO_BIN_EXE_planwise"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["analyze", "--format", "json", "--log"])
        .arg(case.join("workload.sql"))
        .arg("--schema")
        .arg(case.join("schema.sql"));
    if let Ok(args) = std::fs::read_to_string(case.join("args")) {
        command.args(args.split_whitespace());
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}: {}",
        case.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn findings_of(report: &Value, rule: &str) -> Vec<Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .cloned()
        .collect()
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
            for file in ["schema.sql", "workload.sql"] {
                assert!(
                    dir.join(case).join(file).is_file(),
                    "{id}/{case}/{file} missing"
                );
            }
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
