//! What the binary says about itself: `--help` grouped by what the options are for, the rule
//! listing in columns.

use std::process::{Command, Output};

fn planwise(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_planwise"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("planwise runs")
}

fn stdout_of(args: &[&str]) -> String {
    let output = planwise(args);
    assert!(
        output.status.success(),
        "planwise {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The help's groups in order: each title (`Inputs`) with the options listed under it.
fn groups(help: &str) -> Vec<(&str, Vec<&str>)> {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in help.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            groups.push((line.trim_end_matches(':'), Vec::new()));
        } else if let Some((_, options)) = groups.last_mut()
            && line.trim_start().starts_with('-')
        {
            options.push(line.trim_start());
        }
    }
    groups
}

#[test]
fn analyze_help_groups_its_options_by_what_they_are_for() {
    let help = stdout_of(&["analyze", "--help"]);
    let groups = groups(&help);
    let titles: Vec<&str> = groups.iter().map(|(title, _)| *title).collect();
    assert_eq!(
        titles,
        [
            "Options",
            "Inputs",
            "Output",
            "Index advice",
            "Live database",
            "Rules"
        ],
        "{help}"
    );
    let group_of = |option: &str| {
        groups
            .iter()
            .find(|(_, options)| options.iter().any(|o| o.starts_with(option)))
            .map(|(title, _)| *title)
    };
    for (option, group) in [
        ("--log <FILE>", "Inputs"),
        ("--schema <PATH>", "Inputs"),
        ("--format <FORMAT>", "Output"),
        ("--save-catalog <FILE>", "Output"),
        ("--budget <SIZE>", "Index advice"),
        ("--table-rows <TABLE=ROWS,...>", "Index advice"),
        ("--db [<URL>]", "Live database"),
        ("--analyze", "Live database"),
        ("--select <RULE,...>", "Rules"),
        ("--fail-on <SEVERITY>", "Rules"),
    ] {
        assert_eq!(group_of(option), Some(group), "{option}:\n{help}");
    }
    // Nothing of analyze's own left ungrouped: only help and version.
    let ungrouped = &groups[0].1;
    assert!(
        ungrouped
            .iter()
            .all(|o| o.starts_with("-h,") || o.starts_with("-V,")),
        "{help}"
    );
}

#[test]
fn no_help_shows_an_empty_default() {
    for command in ["workload", "analyze", "whatif", "check", "doctor"] {
        let help = stdout_of(&[command, "--help"]);
        assert!(!help.contains("[default: ]"), "{command}:\n{help}");
        assert!(!help.contains("[default: \"\"]"), "{command}:\n{help}");
    }
}

#[test]
fn the_rule_listing_is_in_columns() {
    let list = stdout_of(&["rules"]);
    let lines: Vec<&str> = list.lines().collect();
    assert!(lines.len() > 30, "{list}");
    // The name and category columns start at the same place on every line, the longest id
    // and name included.
    let starts = |line: &str| {
        let name = line
            .find("  ")
            .map(|i| i + line[i..].len() - line[i..].trim_start().len());
        let category = name.and_then(|n| {
            let rest = &line[n..];
            rest.find("  ")
                .map(|i| n + i + rest[i..].len() - rest[i..].trim_start().len())
        });
        (name, category)
    };
    let first = starts(lines[0]);
    assert!(first.0.is_some() && first.1.is_some(), "{list}");
    for line in &lines {
        assert_eq!(starts(line), first, "misaligned: `{line}`\n{list}");
    }
    assert!(list.contains("CACHE001"), "{list}");
    assert!(list.contains("required-column-without-default"), "{list}");
}
