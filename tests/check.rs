//! `planwise check` end to end: the migration history under `fixtures/check/` on the shop
//! schema and its logged workload — findings, severities from table sizes, suppressions,
//! bad input, exit codes, `planwise.toml`, and every output format (SARIF validated against
//! the SARIF 2.1.0 schema).

mod common;

use common::findings_of;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const MIGRATIONS: &str = "fixtures/check/migrations";
const SIZES: &str = "orders=2e6,users=3e5,order_items=6e6";

fn planwise(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_planwise"))
        .current_dir(dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
}

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The fixture history checked with the shop schema, its log and table sizes.
fn check(format: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "check",
        MIGRATIONS,
        "--schema",
        "fixtures/schema/shop.dump.sql",
        "--log",
        "fixtures/logs/shop.log",
        "--table-rows",
        SIZES,
        "--format",
        format,
    ];
    args.extend(extra);
    planwise(&args, crate_dir())
}

/// `migrations` checked from `dir` as JSON, with the shop schema and table sizes.
fn check_in(dir: &Path, migrations: &str) -> Output {
    let schema = crate_dir().join("fixtures/schema/shop.dump.sql");
    let args = [
        "check",
        migrations,
        "--schema",
        schema.to_str().unwrap(),
        "--table-rows",
        SIZES,
        "--format",
        "json",
    ];
    planwise(&args, dir)
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn rules_of(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_fixture_history_reports_what_blocks_and_what_rewrites() {
    let report: Value = serde_json::from_str(&stdout(&check("json", &[]))).unwrap();
    let found = rules_of(&report);
    let has = |rule: &str, severity: &str| found.iter().any(|(r, s)| r == rule && s == severity);
    // A plain index build on a 2M-row table that the logs show busy: an error.
    assert!(has("MIG001", "error"), "{found:?}");
    // A volatile default rewrites orders.
    assert!(has("MIG008", "error"), "{found:?}");
    // text -> varchar(320) rewrites users, smaller: a warning.
    assert!(has("MIG009", "warning"), "{found:?}");
    // The CHECK without NOT VALID is suppressed by its comment, and counted.
    assert!(findings_of(&report, "MIG005").is_empty());
    assert_eq!(report["summary"]["suppressed"], 1);
    // The new shipments table is empty: its index and foreign key are not blocking.
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["table"] != "public.shipments"),
        "{:#}",
        report["findings"]
    );
    // The concurrent build in 0001 is fine; lock_timeout is set there.
    assert!(
        findings_of(&report, "MIG011")
            .iter()
            .all(|f| f["location"]["file"] != format!("{MIGRATIONS}/0001_order_history_index.sql"))
    );
    // 0003's CREATE TABLE shipments takes SHARE ROW EXCLUSIVE on the busy orders for its
    // foreign key, with no lock_timeout (MIG011).
    assert_eq!(report["summary"]["files"], 4);
    assert_eq!(report["summary"]["files_flagged"], 3);
}

#[test]
fn bad_input_is_reported_with_its_place_and_the_rest_is_checked() {
    let report: Value = serde_json::from_str(&stdout(&check("json", &[]))).unwrap();
    let kinds = &report["diagnostics"]["kinds"];
    let unparsed = &kinds["unparsed_ddl"]["examples"][0];
    assert_eq!(
        unparsed["file"],
        format!("{MIGRATIONS}/0003_shipments.sql"),
        "{kinds:#}"
    );
    assert_eq!(unparsed["line"], 2);
    assert!(
        unparsed["reason"]
            .as_str()
            .unwrap()
            .contains("{{ index_name }}")
    );
    let unknown = &kinds["unknown_rule"]["examples"][0];
    assert!(unknown["reason"].as_str().unwrap().contains("MIG999"));
    assert_eq!(report["summary"]["unparsed"], 1);
    // Statements after the broken one were still read: the shipments table exists for
    // its index, so nothing complains about a missing relation.
    assert!(kinds.get("ddl_missing_object").is_none(), "{kinds:#}");
}

#[test]
fn sizes_decide_severity() {
    let small = planwise(
        &[
            "check",
            MIGRATIONS,
            "--schema",
            "fixtures/schema/shop.dump.sql",
            "--table-rows",
            "orders=500,users=300,order_items=900",
            "--format",
            "json",
        ],
        crate_dir(),
    );
    let report: Value = serde_json::from_slice(&small.stdout).unwrap();
    let found = rules_of(&report);
    assert!(
        found.iter().all(|(_, severity)| severity == "info"),
        "tiny tables, no traffic: {found:?}"
    );
    assert_eq!(small.status.code(), Some(0));
    // Unknown sizes: an index build blocking writes is an error (it may take hours), and the
    // message says what to give.
    let unknown = planwise(
        &[
            "check",
            MIGRATIONS,
            "--schema",
            "fixtures/schema/shop.dump.sql",
            "--format",
            "json",
        ],
        crate_dir(),
    );
    let report: Value = serde_json::from_slice(&unknown.stdout).unwrap();
    let index = &findings_of(&report, "MIG001")[0];
    assert_eq!(index["severity"], "error");
    assert!(index["message"].as_str().unwrap().contains("--table-rows"));
}

#[test]
fn exit_status_follows_fail_on() {
    assert_eq!(
        check("json", &[]).status.code(),
        Some(1),
        "errors fail by default"
    );
    assert_eq!(
        check("json", &["--fail-on", "error"]).status.code(),
        Some(1)
    );
    let quiet = planwise(
        &[
            "check",
            &format!("{MIGRATIONS}/0004_empty.sql"),
            "--fail-on",
            "info",
        ],
        crate_dir(),
    );
    assert_eq!(quiet.status.code(), Some(0));
    let missing = planwise(&["check", "no/such/migration.sql"], crate_dir());
    assert_eq!(missing.status.code(), Some(2));
    let error = String::from_utf8_lossy(&missing.stderr);
    assert!(error.contains("no/such/migration.sql"), "{error}");
}

#[test]
fn planwise_toml_is_found_walking_up_and_selects_rules() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(
        root.path().join("planwise.toml"),
        "[rules]\nignore = [\"MIG001\", \"not-a-rule\"]\nseverity = { rewriting-add-column = \"warning\" }\n\
         [check]\nfail_on = \"error\"\n",
    )
    .unwrap();
    let nested = root.path().join("db/migrate");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::copy(
        crate_dir()
            .join(MIGRATIONS)
            .join("0002_orders_currency.sql"),
        nested.join("0002.sql"),
    )
    .unwrap();
    std::fs::copy(
        crate_dir()
            .join(MIGRATIONS)
            .join("0001_order_history_index.sql"),
        nested.join("0001.sql"),
    )
    .unwrap();
    let output = check_in(&nested, ".");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let found = rules_of(&report);
    assert!(found.iter().all(|(rule, _)| rule != "MIG001"), "{found:?}");
    assert!(
        found.contains(&("MIG008".into(), "warning".into())),
        "{found:?}"
    );
    // No error left: fail_on = error passes.
    assert_eq!(output.status.code(), Some(0), "{found:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not-a-rule"), "{stderr}");
    // A malformed config is an error that names the file.
    std::fs::write(root.path().join("planwise.toml"), "[check]\nfail_one = 1\n").unwrap();
    let output = planwise(&["check", "."], &nested);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("planwise.toml"));
}

/// The rules and severities of `planwise analyze` on the shop's log and schema, run in `dir`
/// with `extra` arguments.
fn analyze_rules(dir: &Path, extra: &[&str]) -> Vec<(String, String)> {
    let log = crate_dir().join("fixtures/logs/shop.log");
    let schema = crate_dir().join("fixtures/schema/shop.dump.sql");
    let mut args = vec![
        "analyze",
        "--format",
        "json",
        "--log",
        log.to_str().unwrap(),
        "--schema",
        schema.to_str().unwrap(),
    ];
    args.extend(extra);
    let output = planwise(&args, dir);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    rules_of(&serde_json::from_slice(&output.stdout).unwrap())
}

#[test]
fn planwise_toml_and_the_rule_flags_mean_the_same_in_analyze() {
    let root = tempfile::tempdir().unwrap();
    let without = analyze_rules(root.path(), &[]);
    assert!(without.contains(&("BAT001".into(), "warning".into())));
    assert!(without.iter().any(|(rule, _)| rule == "RW001"));
    assert!(without.iter().any(|(rule, _)| rule == "DT004"));
    std::fs::write(
        root.path().join("planwise.toml"),
        "[rules]\nignore = [\"RW\"]\nseverity = { n-plus-one = \"error\" }\n",
    )
    .unwrap();
    let configured = analyze_rules(root.path(), &[]);
    assert!(configured.iter().all(|(rule, _)| !rule.starts_with("RW")));
    assert!(configured.contains(&("BAT001".into(), "error".into())));
    // The command line selects over the file, as for check.
    let selected = analyze_rules(
        root.path(),
        &["--select", "DT004", "--extend-select", "RW001"],
    );
    let mut rules: Vec<_> = selected.iter().map(|(rule, _)| rule.as_str()).collect();
    rules.sort();
    rules.dedup();
    assert_eq!(rules, ["DT004", "RW001"], "{selected:?}");
    let typo = planwise(
        &["analyze", "--log", "x.log", "--ignore", "RW9"],
        root.path(),
    );
    assert_eq!(typo.status.code(), Some(2));
}

#[test]
fn a_statement_read_by_its_words_keeps_quoted_names() {
    // REINDEX is read by its words, not by sqlparser: the name must keep its case, or
    // "Orders" becomes orders, a table the schema does not have.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("schema.sql"),
        "CREATE TABLE \"Orders\" (id bigint PRIMARY KEY);\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("m.sql"), "REINDEX TABLE \"Orders\";\n").unwrap();
    let output = planwise(
        &[
            "check",
            "m.sql",
            "--schema",
            "schema.sql",
            "--format",
            "json",
        ],
        dir.path(),
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let tables: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["table"].as_str().unwrap())
        .collect();
    assert!(
        !tables.is_empty() && tables.iter().all(|t| *t == "public.Orders"),
        "{report}"
    );
    assert!(
        report["diagnostics"]["kinds"]
            .get("table_not_in_schema")
            .is_none(),
        "{report}"
    );
}

#[test]
fn assume_in_transaction_makes_concurrently_fail() {
    let output = planwise(
        &[
            "check",
            &format!("{MIGRATIONS}/0001_order_history_index.sql"),
            "--schema",
            "fixtures/schema/shop.dump.sql",
            "--assume-in-transaction",
            "--format",
            "json",
        ],
        crate_dir(),
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let failing = findings_of(&report, "MIG004");
    assert_eq!(failing.len(), 1, "{:#}", report["findings"]);
    assert_eq!(failing[0]["location"]["line"], 4);
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let sarif: Value = serde_json::from_str(&stdout(&check("sarif", &[]))).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(crate_dir().join("tests/data/sarif-2.1.0-rtm.5.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator does reject what SARIF forbids.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let json: Value = serde_json::from_str(&stdout(&check("json", &[]))).unwrap();
    assert_eq!(results.len(), json["findings"].as_array().unwrap().len());
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn every_format_renders_the_same_findings() {
    let json: Value = serde_json::from_str(&stdout(&check("json", &[]))).unwrap();
    insta::assert_json_snapshot!("check_json", json);
    let text = stdout(&check("text", &[]));
    assert!(text.contains(&format!(
        "{MIGRATIONS}/0001_order_history_index.sql:3:1: error[MIG001 non-concurrent-index]"
    )));
    insta::assert_snapshot!("check_text", text);
    let github = stdout(&check("github", &[]));
    assert_eq!(
        github.lines().count(),
        json["findings"].as_array().unwrap().len()
    );
    assert!(github.starts_with(&format!(
        "::error file={MIGRATIONS}/0001_order_history_index.sql,line=3,endLine=3,col=1,title=MIG001 non-concurrent-index::"
    )));
    insta::assert_snapshot!("check_github", github);
    let markdown = stdout(&check("md", &[]));
    assert!(markdown.contains("needs changes before it ships"));
    insta::assert_snapshot!("check_markdown", markdown);
}

/// Issue 14: a CHECK of 20,000 conditions aborted `check`. Now it is a diagnostic at its line
/// and the statements after it are checked.
#[test]
fn a_statement_too_deep_is_reported_and_the_rest_is_checked() {
    let conditions = (0..20_000).map(|i| format!("a <> {i}")).collect::<Vec<_>>();
    let migration = format!(
        "CREATE TABLE fresh (id bigint PRIMARY KEY);\n\
         CREATE TABLE deep (a int CHECK ({}));\n\
         CREATE INDEX orders_placed_idx ON orders (created_at);\n",
        conditions.join(" AND ")
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("0001_deep.sql"), migration).unwrap();
    let output = check_in(dir.path(), "0001_deep.sql");
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let unparsed = &report["diagnostics"]["kinds"]["unparsed_ddl"];
    assert_eq!(unparsed["count"], 1, "{report:#}");
    assert_eq!(unparsed["examples"][0]["line"], 2);
    let reason = unparsed["examples"][0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("statement too deeply nested: "),
        "{reason}"
    );
    let lines_found: Vec<u64> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["line"].as_u64().unwrap())
        .collect();
    assert!(
        lines_found.contains(&3),
        "the index after it is checked: {report:#}"
    );
}

/// Issue 18, part 1: `planwise check FILE` alone — no schema, no database, no logs. The
/// tables the file does not create are existing tables of unknown size: each dangerous form
/// is reported, saying so — an error when it builds, scans or rewrites while writes wait
/// (part 4), else at its rule's default severity; the table the file creates first stays
/// quiet, and so do the safe forms.
#[test]
fn without_a_schema_tables_not_created_are_existing_ones_of_unknown_size() {
    let file = "fixtures/check/no-schema/0042_accounts_region.sql";
    let output = planwise(&["check", file, "--format", "json"], crate_dir());
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let found: Vec<(u64, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["location"]["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        (22, "MIG007", "error"),   // ADD COLUMN … NOT NULL, no default
        (22, "MIG011", "warning"), // the first lock on an existing table, no lock_timeout
        // Builds, scans and rewrites that block writes on a table of unknown size: errors.
        (23, "MIG001", "error"),   // CREATE INDEX without CONCURRENTLY
        (24, "MIG009", "error"),   // ALTER COLUMN … TYPE
        (25, "MIG015", "warning"), // DROP COLUMN
        (26, "MIG006", "error"),   // SET NOT NULL
        (27, "MIG005", "error"),   // ADD FOREIGN KEY without NOT VALID
        (29, "MIG002", "warning"), // DROP INDEX without CONCURRENTLY: a catalog change
    ];
    let expected: Vec<(u64, String, String)> = expected
        .iter()
        .map(|(line, rule, severity)| (*line, rule.to_string(), severity.to_string()))
        .collect();
    // Lines 4-19 work on the table the file creates, 31-38 use the safe forms.
    assert_eq!(found, expected);
    for finding in report["findings"].as_array().unwrap() {
        let message = finding["message"].as_str().unwrap();
        let says_unknown = message.contains("unknown size and traffic")
            || message.contains("size and traffic are unknown")
            || finding["rule"] == "MIG015" && message.contains("--log names the statements");
        assert!(says_unknown, "{message}");
    }
    let type_change = &findings_of(&report, "MIG009")[0];
    assert!(
        type_change["message"]
            .as_str()
            .unwrap()
            .contains("unless the old type, which the schema does not give, is binary-compatible"),
        "{type_change}"
    );
    // The default --fail-on error: the NOT NULL column without a default fails the check.
    assert_eq!(output.status.code(), Some(1));
    let assumed = &report["diagnostics"]["kinds"]["table_not_in_schema"];
    assert_eq!(assumed["count"], 2, "{assumed}");
    let text = stdout(&planwise(&["check", file], crate_dir()));
    insta::assert_snapshot!("check_no_schema_text", text);
    // Row counts alone size them: a large table's index build is an error, a small table's
    // foreign key an info.
    let sized = planwise(
        &[
            "check",
            file,
            "--table-rows",
            "accounts=2e6,invoices=500",
            "--format",
            "json",
        ],
        crate_dir(),
    );
    let sized: Value = serde_json::from_str(&stdout(&sized)).unwrap();
    assert_eq!(findings_of(&sized, "MIG001")[0]["severity"], "error");
    assert_eq!(findings_of(&sized, "MIG005")[0]["severity"], "info");
}

/// A `CREATE TABLE` sqlparser cannot read still makes its table new: the statements after it
/// on that table are not taken for changes to an existing one.
#[test]
fn a_new_table_sqlparser_cannot_read_stays_new() {
    let file = "fixtures/check/no-schema/0043_unreadable_new_table.sql";
    let output = planwise(&["check", file, "--format", "json"], crate_dir());
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["findings"], serde_json::json!([]), "{report}");
    assert_eq!(report["summary"]["unparsed"], 1);
    assert_eq!(output.status.code(), Some(0));
}

/// The rules the no-schema fixture reports, checked in `dir` with `args` after the file.
fn no_schema_rules(dir: &Path, args: &[&str]) -> Vec<String> {
    let file = crate_dir().join("fixtures/check/no-schema/0042_accounts_region.sql");
    let mut all = vec!["check", file.to_str().unwrap(), "--format", "json"];
    all.extend(args);
    let output = planwise(&all, dir);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    rules_of(&report)
        .into_iter()
        .map(|(rule, _)| rule)
        .collect()
}

/// Issue 18, part 5: ruff's `--select`, `--extend-select` and `--ignore`, over
/// planwise.toml's `[rules]`, which takes `extend_select` too.
#[test]
fn select_extend_select_and_ignore_on_the_command_line_override_planwise_toml() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(
        root.path().join("planwise.toml"),
        "[rules]\nselect = [\"MIG00\"]\nextend-select = [\"MIG015\"]\nignore = [\"MIG006\"]\n",
    )
    .unwrap();
    let dir = root.path();
    let unique = |mut rules: Vec<String>| {
        rules.sort();
        rules.dedup();
        rules
    };
    // The file alone: MIG001-MIG009 but MIG006, and MIG015.
    assert_eq!(
        unique(no_schema_rules(dir, &[])),
        ["MIG001", "MIG002", "MIG005", "MIG007", "MIG009", "MIG015"]
    );
    // --extend-select and --ignore add to the file's.
    assert_eq!(
        unique(no_schema_rules(
            dir,
            &[
                "--extend-select",
                "missing-lock-timeout,MIG006",
                "--ignore",
                "MIG00"
            ]
        )),
        ["MIG006", "MIG011", "MIG015"]
    );
    // --select replaces the file's selection; the more specific pattern wins.
    assert_eq!(
        unique(no_schema_rules(
            dir,
            &["--select", "MIG,MIG007", "--ignore", "MIG0"]
        )),
        ["MIG007"]
    );
    // A pattern naming no rule is an error on the command line.
    let file = crate_dir().join("fixtures/check/no-schema/0042_accounts_region.sql");
    let typo = planwise(&["check", file.to_str().unwrap(), "--ignore", "MIG9"], dir);
    assert_eq!(typo.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&typo.stderr).contains("MIG9"));
}

/// Issue 18, part 5: `check -` reads the migration from stdin, reported as `<stdin>`.
#[test]
fn a_migration_can_come_from_stdin() {
    use std::io::Write;
    let file = crate_dir().join("fixtures/check/no-schema/0042_accounts_region.sql");
    let mut child = Command::new(env!("CARGO_BIN_EXE_planwise"))
        .current_dir(crate_dir())
        .args(["check", "-", "--format", "json"])
        .env_remove("DATABASE_URL")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let text = std::fs::read(&file).unwrap();
    child.stdin.take().unwrap().write_all(&text).unwrap();
    let output = child.wait_with_output().unwrap();
    let from_stdin: Value = serde_json::from_slice(&output.stdout).unwrap();
    let from_file = planwise(
        &["check", file.to_str().unwrap(), "--format", "json"],
        crate_dir(),
    );
    let from_file: Value = serde_json::from_slice(&from_file.stdout).unwrap();
    assert_eq!(rules_of(&from_stdin), rules_of(&from_file));
    assert_eq!(from_stdin["findings"][0]["location"]["file"], "<stdin>");
    assert_eq!(output.status.code(), Some(1));
}

/// The forms real histories hold that sqlparser cannot read (#18): each is read — by its
/// words, or parsed once adjacent literals are joined — and none is reported unparsed; a DO
/// block that runs DDL is reported as not checked.
#[test]
fn what_sqlparser_cannot_read_is_read_and_a_do_block_with_ddl_is_not_checked() {
    let dir = tempfile::tempdir().unwrap();
    let migration = dir.path().join("0001.sql");
    std::fs::write(
        &migration,
        "CREATE DOMAIN positive AS int NOT NULL CHECK (VALUE > 0);\n\
         ALTER DOMAIN positive ADD CONSTRAINT small CHECK (VALUE < 10) NOT VALID;\n\
         ALTER DOMAIN positive DROP CONSTRAINT small;\n\
         CREATE TABLE t (id int PRIMARY KEY, amount positive, note text);\n\
         CREATE TRIGGER t_audit AFTER UPDATE ON t FOR EACH ROW EXECUTE PROCEDURE audit('t', 'id');\n\
         COMMENT ON FUNCTION audit() IS $$who changed what$$;\n\
         COMMENT ON TABLE t IS 'a' \n 'b';\n\
         INSERT INTO t (id, note) VALUES (1, 'x'\n 'y');\n\
         ALTER TABLE t ALTER COLUMN note SET (n_distinct = 100);\n\
         ALTER SEQUENCE s AS integer;\n\
         CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION f();\n\
         CREATE PUBLICATION p FOR TABLE t;\n\
         CREATE USER u WITH PASSWORD 'x' LOGIN;\n\
         DO $$ BEGIN EXECUTE 'ALTER TABLE t ADD COLUMN x int'; END $$;\n",
    )
    .unwrap();
    let output = planwise(
        &["check", migration.to_str().unwrap(), "--format", "json"],
        crate_dir(),
    );
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["summary"]["unparsed"], 0, "{report}");
    let rules = rules_of(&report);
    assert!(
        rules.contains(&("MIG030".to_string(), "warning".to_string())),
        "{rules:?}"
    );
}
