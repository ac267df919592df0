//! `analyze` in a terminal (issue 19): the findings view with and without colour, which
//! format is chosen when none is asked for, `--format table` listing the findings, and
//! `[[suppress]]` entries of planwise.toml leaving workload findings out and counting them.

mod common;

use common::without_styles;
use std::process::{Command, Output};

const LOG: &str = "fixtures/logs/shop.log";
const SCHEMA: &str = "fixtures/schema/shop.dump.sql";

/// planwise with `args`, in an environment without the variables that change colours and
/// links, plus `vars`.
fn planwise_with(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_planwise"));
    command.args(args).env_remove("DATABASE_URL");
    for name in [
        "NO_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "FORCE_HYPERLINK",
        "TERM_PROGRAM",
        "VTE_VERSION",
        "WT_SESSION",
        "KONSOLE_VERSION",
        "DOMTERM",
        "CI",
    ] {
        command.env_remove(name);
    }
    command.envs(vars.iter().copied());
    let output = command.output().expect("planwise runs");
    assert!(
        output.status.success(),
        "planwise {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(args: &[&str], vars: &[(&str, &str)]) -> String {
    String::from_utf8(planwise_with(args, vars).stdout).unwrap()
}

fn analyze(extra: &[&str], vars: &[(&str, &str)]) -> String {
    let mut args = vec!["analyze", "--log", LOG, "--schema", SCHEMA];
    args.extend_from_slice(extra);
    stdout(&args, vars)
}

#[test]
fn the_terminal_view_shows_each_finding_with_its_saving_fix_and_statements() {
    let text = analyze(&["--format", "text", "--color", "never"], &[]);
    assert!(!text.contains('\x1b'), "no colour when asked for none");
    // One block per finding, in the engine's order; the index advice and a summary last.
    assert!(text.starts_with(
        "public.order_items(order_id): warning[BAT001 n-plus-one] `select product_id"
    ));
    assert!(text.contains(
        "  = saving: 0.9 % of the workload's logged time (offline cost model, low confidence; \
         upkeep 52 cost units)\n"
    ));
    assert!(text.contains(
        "  = instead: CREATE INDEX CONCURRENTLY orders_user_id_created_at_idx ON public.orders"
    ));
    assert!(text.contains(
        "  = serves: e89ac3e320224cd6 select id, status, total from orders where user_id = $1"
    ));
    assert!(text.ends_with(
        "394 statements (35 distinct), 89.9 ms logged\n9 findings: 0 errors, 2 warnings, 7 info\n"
    ));
    insta::assert_snapshot!("analyze_shop_text", text);
}

#[test]
fn the_coloured_view_is_the_plain_one_with_colours_and_links_to_rule_pages() {
    let plain = analyze(&["--format", "text", "--color", "never"], &[]);
    // `always` wins over NO_COLOR; FORCE_HYPERLINK stands for a terminal that takes links.
    let vars = [("NO_COLOR", "1"), ("FORCE_HYPERLINK", "1")];
    let coloured = analyze(&["--format", "text", "--color", "always"], &vars);
    assert_eq!(without_styles(&coloured), plain);
    assert!(coloured.contains(
        "\x1b[1;33mwarning\x1b[0m[\x1b[1m\x1b]8;;https://github.com/planwise/planwise/blob/main/rules/BAT001.md\x1b\\BAT001\x1b]8;;\x1b\\\x1b[0m n-plus-one]"
    ));
    insta::assert_snapshot!("analyze_shop_text_colour", coloured.replace('\x1b', "\\e"));
    // Without a terminal that announces links, colours only.
    let no_links = analyze(&["--format", "text", "--color", "always"], &[]);
    assert!(no_links.contains("\x1b[1;33mwarning") && !no_links.contains("\x1b]8;;"));
    // auto: a pipe is not coloured, unless CLICOLOR_FORCE says so and NO_COLOR does not.
    assert_eq!(analyze(&["--format", "text"], &[]), plain);
    let forced = analyze(&["--format", "text"], &[("CLICOLOR_FORCE", "1")]);
    assert_eq!(without_styles(&forced), plain);
    assert_ne!(forced, plain);
    let vetoed = [("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")];
    assert_eq!(analyze(&["--format", "text"], &vetoed), plain);
}

/// Decided in issue 19: without `--format`, a pipe or a file gets the Markdown report as
/// before (scripts that redirect `analyze` keep working); only a terminal gets the view.
#[test]
fn piped_or_written_output_stays_markdown_and_a_terminal_gets_the_view() {
    let markdown = analyze(&["--format", "md"], &[]);
    assert!(markdown.starts_with("# planwise analysis\n"));
    assert_eq!(analyze(&[], &[]), markdown);
    assert_eq!(analyze(&["--format", "markdown"], &[]), markdown);
    let dir = tempfile::tempdir().unwrap();
    for name in ["report.md", "report.txt"] {
        let path = dir.path().join(name);
        analyze(&["-o", path.to_str().unwrap()], &[]);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), markdown, "{name}");
    }
    // A pseudo-terminal from util-linux's script(1), where it is installed.
    let binary = env!("CARGO_BIN_EXE_planwise");
    let command = format!("{binary} analyze --log {LOG} --schema {SCHEMA} --color never");
    let Ok(output) = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("TERM", "xterm")
        .output()
    else {
        eprintln!("SKIPPED the terminal half: script(1) is not installed");
        return;
    };
    let on_terminal = String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n");
    assert!(
        on_terminal.contains("warning[BAT001 n-plus-one]"),
        "{on_terminal}"
    );
    assert!(!on_terminal.contains("## Summary"), "{on_terminal}");
}

#[test]
fn the_table_lists_the_findings_instead_of_dropping_them() {
    let table = analyze(&["--format", "table"], &[]);
    assert!(
        table.contains("│ 1  │ 26d1ae66ac1415aa │"),
        "the workload table stays"
    );
    assert!(table.contains("\npublic.order_items(order_id): warning[BAT001 n-plus-one] "));
    assert!(table.contains(
        "\n9 findings: 0 errors, 2 warnings, 7 info (--format text shows each with its fix"
    ));
    // One line each, the message shortened.
    let findings: Vec<&str> = table.lines().filter(|l| l.contains("info[DT")).collect();
    assert_eq!(findings.len(), 3, "{table}");
    assert!(findings.iter().all(|l| l.ends_with('…')), "{findings:?}");
}

#[test]
fn suppressions_leave_out_findings_by_table_fingerprint_and_statement_and_count_them() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("planwise.toml");
    std::fs::write(
        &config,
        r#"
[[suppress]]
rule = "DT004"
table = "reviews"
reason = "written in UTC only"

[[suppress]]
rule = "offset-pagination"
statement = "select * from order_items order by id limit $1 offset $2"

[[suppress]]
rule = "IDX001"
fingerprint = "43f947b0eb88e693"

# BAT001's finding names two statements: matching one of them is not enough.
[[suppress]]
rule = "BAT001"
fingerprint = "26d1ae66ac1415aa"
"#,
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&analyze(&["--format", "json", "--config", config], &[])).unwrap();
    assert_eq!(json["summary"]["suppressed_findings"], 3);
    let findings = json["findings"].as_array().unwrap();
    let of = |rule: &str| findings.iter().filter(|f| f["rule"] == rule).count();
    assert_eq!(
        (of("DT004"), of("RW001"), of("IDX001"), of("BAT001")),
        (1, 0, 1, 1)
    );
    assert!(findings.iter().all(|f| f["table"] != "public.reviews"));
    let text = analyze(&["--format", "text", "--config", config], &[]);
    assert!(
        text.ends_with("6 findings: 0 errors, 1 warning, 5 info (3 suppressed)\n"),
        "{text}"
    );
    let markdown = analyze(&["--format", "md", "--config", config], &[]);
    assert!(markdown.contains("| Findings suppressed | 3 (`[[suppress]]` in planwise.toml) |"));
    // Without the file, nothing is suppressed and the JSON says 0.
    let json: serde_json::Value =
        serde_json::from_str(&analyze(&["--format", "json"], &[])).unwrap();
    assert_eq!(json["summary"]["suppressed_findings"], 0);
}

#[test]
fn a_suppression_that_names_nothing_to_suppress_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("planwise.toml");
    std::fs::write(&config, "[[suppress]]\nrule = \"IDX001\"\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_planwise"))
        .args([
            "analyze",
            "--log",
            LOG,
            "--config",
            config.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("names no table, fingerprint or statement"),
        "{stderr}"
    );
}

/// A log of lookups on ten unindexed columns, the busiest taking the most time: nine
/// indexes are worth creating, the first few most of all.
fn many_lookups_log(dir: &std::path::Path) -> std::path::PathBuf {
    let lookups = [
        ("SELECT id FROM orders WHERE status = 'x{}'", 40, 90.0),
        ("SELECT id FROM orders WHERE invoice_number = {}", 30, 60.0),
        (
            "SELECT id FROM orders WHERE shipped_on = '2024-01-{:02}'",
            20,
            40.0,
        ),
        ("SELECT id FROM orders WHERE note = 'n{}'", 10, 20.0),
        ("SELECT id FROM events WHERE kind = 'k{}'", 8, 15.0),
        ("SELECT id FROM audit.log WHERE changed_by = {}", 6, 10.0),
        ("SELECT id FROM audit.log WHERE table_name = 't{}'", 5, 8.0),
        ("SELECT id FROM orders WHERE total = {}", 2, 3.0),
        (
            "SELECT id FROM audit.log WHERE changed_at = '2024-01-01 00:00:{:02}'",
            2,
            2.0,
        ),
    ];
    let mut log = String::new();
    let mut second = 0;
    for (sql, calls, ms) in lookups {
        for call in 1..=calls {
            second += 1;
            let statement = if sql.contains("{:02}") {
                sql.replace("{:02}", &format!("{call:02}"))
            } else {
                sql.replace("{}", &call.to_string())
            };
            log.push_str(&format!(
                "2024-01-01 10:{:02}:{:02}.000 UTC [{call}] LOG:  duration: {ms:.3} ms  statement: {statement}\n",
                second / 60,
                second % 60
            ));
        }
    }
    let path = dir.join("lookups.log");
    std::fs::write(&path, log).unwrap();
    path
}

#[test]
fn the_markdown_report_ranks_the_indexes_with_running_totals_and_folds_the_tail() {
    let dir = tempfile::tempdir().unwrap();
    let log = many_lookups_log(dir.path());
    let args = [
        "analyze",
        "--log",
        log.to_str().unwrap(),
        "--schema",
        SCHEMA,
        "--min-saving",
        "0",
        "--format",
        "md",
    ];
    let report = stdout(&args, &[]);
    let rows: Vec<&str> = report
        .lines()
        .skip_while(|l| !l.starts_with("| # | Index | Size | Adds | Running total |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert_eq!(rows.len(), 9, "{report}");
    let percent = |cell: &str| cell.trim().trim_end_matches(" %").parse::<f64>().unwrap();
    let running: Vec<f64> = rows
        .iter()
        .map(|r| percent(r.split('|').nth(5).unwrap()))
        .collect();
    assert!(running.windows(2).all(|w| w[0] <= w[1]), "{running:?}");
    // The running total of all of them is what the advice saves in all.
    let advice = report
        .lines()
        .find(|l| l.starts_with("Index advice"))
        .unwrap();
    let less = advice
        .split("(**")
        .nth(1)
        .unwrap()
        .split(" % less")
        .next()
        .unwrap();
    assert_eq!(format!("{:.1}", running[8]), less, "{advice}");
    assert!(report.contains("\nThe first 3 give "), "{report}");
    assert!(report.contains("<details><summary>6 more indexes (ranked 4 to 9), together "));
    // The folded findings come after the others: the first index finding, ranked 1, leads.
    let fold = report.find("<details><summary>6 more indexes").unwrap();
    let rank_one = report
        .find("CREATE INDEX CONCURRENTLY orders_status_idx")
        .unwrap();
    let rank_nine = report
        .find("CREATE INDEX CONCURRENTLY log_changed_at_idx")
        .unwrap();
    assert!(rank_one < fold && fold < rank_nine);
}
