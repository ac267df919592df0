//! What the binary says about itself: `--help` grouped by what the options are for, the rule
//! listing in columns, shell completions (generated for each shell, valid, completing) and
//! the manual pages (their sections, rendered by `man` without a warning).

mod common;

use common::{planwise, stdout_of};
use std::path::Path;
use std::process::Command;

/// Every subcommand, as completions and the manual must name them.
const COMMANDS: [&str; 8] = [
    "workload",
    "analyze",
    "whatif",
    "check",
    "doctor",
    "rules",
    "completions",
    "man",
];

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

#[test]
fn completions_for_each_shell_name_every_command() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout_of(&["completions", shell]);
        for command in COMMANDS {
            assert!(script.contains(command), "{shell}: no `{command}`");
        }
        for option in ["fail-on", "schema", "log-line-prefix"] {
            assert!(script.contains(option), "{shell}: no `{option}`");
        }
    }
    let unknown = planwise(&["completions", "tcsh"]);
    assert_eq!(unknown.status.code(), Some(2));
}

/// What bash's completion offers for the words typed so far (the last one being completed).
fn bash_completes(script: &Path, words: &[&str]) -> Vec<String> {
    let current = words.len() - 1;
    let program = format!(
        "source \"$1\"; shift; COMP_WORDS=(\"$@\"); COMP_CWORD={current}; \
         COMP_LINE=\"$*\"; COMP_POINT=${{#COMP_LINE}}; \
         _planwise planwise \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\""
    );
    let output = Command::new("bash")
        .args(["-c", &program, "bash"])
        .arg(script)
        .args(words)
        .output()
        .expect("bash runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_bash_completion_is_valid_bash_and_completes_commands_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("planwise.bash");
    std::fs::write(&script, stdout_of(&["completions", "bash"])).unwrap();
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(syntax.status.success(), "bash -n: {syntax:?}");

    assert_eq!(
        bash_completes(&script, &["planwise", "c"]),
        ["check", "completions"]
    );
    assert_eq!(
        bash_completes(&script, &["planwise", "check", "--format", ""]),
        ["text", "json", "sarif", "github", "md"]
    );
    assert_eq!(
        bash_completes(&script, &["planwise", "completions", "f"]),
        ["fish"]
    );
}

/// `man -l PAGE` as text, when `man` is installed: None (said on stderr) when it is not.
fn rendered(page: &Path) -> Option<String> {
    let output = Command::new("man")
        .args(["--warnings", "-l"])
        .arg(page)
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .output();
    let Ok(output) = output else {
        eprintln!(
            "SKIPPED rendering {}: `man` is not installed",
            page.display()
        );
        return None;
    };
    assert!(
        output.status.success(),
        "man -l {}: {output:?}",
        page.display()
    );
    let warnings = String::from_utf8_lossy(&output.stderr);
    assert!(warnings.trim().is_empty(), "{}: {warnings}", page.display());
    Some(String::from_utf8(output.stdout).unwrap())
}

#[test]
fn the_manual_page_has_its_sections_and_renders() {
    let page = stdout_of(&["man"]);
    assert!(
        page.contains(".TH planwise 1  \"planwise 0.1.0\""),
        "{page}"
    );
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "SUBCOMMANDS",
        "VERSION",
    ] {
        assert!(
            page.contains(&format!(".SH {section}")),
            "no {section}:\n{page}"
        );
    }
    for command in COMMANDS {
        assert!(
            page.contains(&format!("planwise\\-{command}(1)")),
            "{command}:\n{page}"
        );
    }
    // No page for clap's `help` subcommand: every page has --help.
    assert!(!page.contains("planwise\\-help(1)"), "{page}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("planwise.1");
    std::fs::write(&file, &page).unwrap();
    if let Some(text) = rendered(&file) {
        assert!(text.contains("SYNOPSIS"), "{text}");
        assert!(text.contains("planwise-check(1)"), "{text}");
        // Justified: words apart by one space or more.
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words.contains("Exit status: 0 when the run succeeded"),
            "{text}"
        );
    }
}

#[test]
fn man_dir_writes_a_page_per_command_with_its_options() {
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    let output = planwise(&["man", "--dir", pages.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    assert!(pages.join("planwise.1").is_file());
    for command in COMMANDS {
        let page = pages.join(format!("planwise-{command}.1"));
        let text = std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{command}: {e}"));
        assert!(
            text.contains(&format!(".TH planwise-{command} 1  \"planwise 0.1.0\"")),
            "{text}"
        );
    }
    let check = pages.join("planwise-check.1");
    if let Some(text) = rendered(&check) {
        for expected in [
            "--fail-on",
            "--schema",
            "--assume-in-transaction",
            "\nRULES\n",
        ] {
            assert!(text.contains(expected), "no {expected}:\n{text}");
        }
    }
}
