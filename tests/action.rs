//! The GitHub Action (action.yml) without GitHub: its check script run as the action runs
//! it — every input in an environment variable — on migrations whose names hold spaces and
//! shell text, against the planwise built here, in a real git repository for `added-since`;
//! its install script handed an installed planwise; and action.yml and the README's workflow
//! checked for `${{ … }}` inside shell text (GitHub's script-injection pattern).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `scripts/action-check.sh` in `dir` with these inputs (and no others from the environment).
fn action_check(dir: &Path, inputs: &[(&str, &str)]) -> Output {
    let mut command = Command::new("bash");
    command
        .arg(crate_dir().join("scripts/action-check.sh"))
        .current_dir(dir)
        .env("PLANWISE_BIN", env!("CARGO_BIN_EXE_planwise"))
        .env_remove("DATABASE_URL");
    for input in [
        "MIGRATIONS",
        "ADDED_SINCE",
        "SCHEMA",
        "FORMAT",
        "FAIL_ON",
        "OUTPUT",
        "SARIF",
    ] {
        command.env_remove(format!("INPUT_{input}"));
    }
    command
        .envs(inputs.iter().copied())
        .output()
        .expect("bash runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A workspace with the shop schema and a migration that builds an index without
/// CONCURRENTLY (MIG001: an error on a table of unknown size, which the workspace's
/// `planwise.toml` makes a warning so that `fail-on` decides), spaces in every name.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let migrate = dir.path().join("db/migrate");
    std::fs::create_dir_all(&migrate).unwrap();
    std::fs::copy(
        crate_dir().join("fixtures/schema/shop.dump.sql"),
        dir.path().join("db/shop schema.sql"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("planwise.toml"),
        "[rules]\nseverity = { MIG001 = \"warning\" }\n",
    )
    .unwrap();
    std::fs::copy(
        crate_dir().join("fixtures/check/migrations/0001_order_history_index.sql"),
        migrate.join("0001 order history index.sql"),
    )
    .unwrap();
    dir
}

const MIGRATION: &str = "db/migrate/0001 order history index.sql";

#[test]
fn names_with_spaces_are_checked_whole_and_fail_on_decides_the_exit_status() {
    let dir = workspace();
    let inputs = [
        (
            "INPUT_MIGRATIONS",
            "  db/migrate/0001 order history index.sql  \n\n",
        ),
        ("INPUT_SCHEMA", "db/shop schema.sql"),
        ("INPUT_FORMAT", "text"),
    ];
    let warning = action_check(
        dir.path(),
        &[&inputs[..], &[("INPUT_FAIL_ON", "warning")]].concat(),
    );
    let stdout = text(&warning.stdout);
    assert_eq!(
        warning.status.code(),
        Some(1),
        "{stdout}{}",
        text(&warning.stderr)
    );
    assert!(
        stdout.contains(&format!("{MIGRATION}:3:1: warning[MIG001")),
        "{stdout}"
    );
    // The schema was read: the table is known, not "taken to exist".
    assert!(!stdout.contains("table_not_in_schema"), "{stdout}");

    let error = action_check(
        dir.path(),
        &[&inputs[..], &[("INPUT_FAIL_ON", "error")]].concat(),
    );
    assert_eq!(error.status.code(), Some(0), "{}", text(&error.stderr));
    assert_eq!(text(&error.stdout), stdout);
}

#[test]
fn shell_text_in_names_and_inputs_is_never_run() {
    let dir = workspace();
    let hostile = "db/migrate/0002 $(touch ran-1) `touch ran-2`; touch ran-3 'x\".sql";
    std::fs::write(
        dir.path().join(hostile),
        "CREATE INDEX orders_status_idx ON orders (status);\n",
    )
    .unwrap();
    let output = action_check(
        dir.path(),
        &[
            ("INPUT_MIGRATIONS", &format!("{MIGRATION}\n{hostile}")),
            ("INPUT_FORMAT", "github"),
            ("INPUT_FAIL_ON", "error; touch ran-4"),
        ],
    );
    // The fail-on value is passed to planwise as one argument, which refuses it.
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("error; touch ran-4"),
        "{}",
        text(&output.stderr)
    );

    let output = action_check(
        dir.path(),
        &[
            ("INPUT_MIGRATIONS", &format!("{MIGRATION}\n{hostile}")),
            ("INPUT_FORMAT", "github"),
        ],
    );
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    // Both files checked, each annotation on its own file.
    assert!(
        stdout.contains(&format!("::warning file={MIGRATION},line=3")),
        "{stdout}"
    );
    assert!(
        stdout.contains("file=db/migrate/0002 $(touch ran-1)"),
        "{stdout}"
    );
    for n in 1..=4 {
        assert!(
            !dir.path().join(format!("ran-{n}")).exists(),
            "ran-{n} was created"
        );
    }
}

#[test]
fn sarif_is_written_beside_the_annotations_even_when_the_check_fails() {
    let dir = workspace();
    std::fs::create_dir_all(dir.path().join("out")).unwrap();
    let output = action_check(
        dir.path(),
        &[
            ("INPUT_MIGRATIONS", MIGRATION),
            ("INPUT_SARIF", "out/planwise results.sarif"),
            ("INPUT_FAIL_ON", "warning"),
        ],
    );
    // Annotations (the default format) on stdout, and that run's status.
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains(&format!("::warning file={MIGRATION},line=3")),
        "{stdout}"
    );
    let sarif: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/planwise results.sarif")).unwrap(),
    )
    .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "MIG001"), "{sarif:#}");
}

fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        text(&output.stderr)
    );
}

/// A repository whose base commit has the fixture migration, and a later commit that adds
/// two migrations (V2 creates a table, V10 indexes it), a down half and a non-SQL file.
fn repository() -> (tempfile::TempDir, PathBuf) {
    let dir = workspace();
    let root = dir.path().to_path_buf();
    git(&root, &["init", "-q", "-b", "main"]);
    git(&root, &["add", "."]);
    git(&root, &["commit", "-q", "-m", "base"]);
    git(&root, &["tag", "base"]);
    let migrate = root.join("db/migrate");
    std::fs::write(
        migrate.join("V2__ship ments.sql"),
        "CREATE TABLE shipments (id bigint PRIMARY KEY, order_id bigint);\n",
    )
    .unwrap();
    std::fs::write(
        migrate.join("V10__ship ments index.sql"),
        "CREATE INDEX shipments_order_id_idx ON shipments (order_id);\n",
    )
    .unwrap();
    std::fs::write(
        migrate.join("V10__ship ments index.down.sql"),
        "DROP TABLE orders;\n",
    )
    .unwrap();
    std::fs::write(migrate.join("notes.md"), "not SQL\n").unwrap();
    git(&root, &["add", "."]);
    git(&root, &["commit", "-q", "-m", "pull request"]);
    (dir, root)
}

#[test]
fn added_since_checks_the_new_migrations_only_in_migration_order() {
    let (_dir, root) = repository();
    let output = action_check(
        &root,
        &[
            ("INPUT_MIGRATIONS", "db/migrate"),
            ("INPUT_ADDED_SINCE", "base"),
            ("INPUT_SCHEMA", "db/shop schema.sql"),
            ("INPUT_FORMAT", "json"),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["files"], 2, "{report:#}");
    let files: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["location"]["file"].as_str())
        .collect();
    // The base's migration (its MIG001) is not checked again; the down half is not checked.
    assert!(!files.iter().any(|f| f.contains("0001")), "{files:?}");
    assert!(!files.iter().any(|f| f.contains(".down.")), "{files:?}");
    assert!(
        files.contains(&"db/migrate/V10__ship ments index.sql"),
        "{files:?}"
    );
    // V2 ran before V10 (numbers by value): the table V10 indexes was created before it,
    // not "taken to exist".
    let diagnostics = report["diagnostics"].to_string();
    assert!(
        !diagnostics.contains("table_not_in_schema"),
        "{diagnostics}"
    );
}

#[test]
fn added_since_with_nothing_added_checks_nothing_and_a_bad_ref_is_an_error() {
    let (_dir, root) = repository();
    let nothing = action_check(
        &root,
        &[
            ("INPUT_MIGRATIONS", "db/migrate"),
            ("INPUT_ADDED_SINCE", "HEAD"),
        ],
    );
    assert_eq!(nothing.status.code(), Some(0), "{}", text(&nothing.stderr));
    assert!(
        text(&nothing.stdout).contains("nothing to check"),
        "{}",
        text(&nothing.stdout)
    );

    for bad in ["no-such-branch", "--output=/tmp/x"] {
        let output = action_check(
            &root,
            &[
                ("INPUT_MIGRATIONS", "db/migrate"),
                ("INPUT_ADDED_SINCE", bad),
            ],
        );
        assert_eq!(
            output.status.code(),
            Some(2),
            "{bad}: {}",
            text(&output.stdout)
        );
        assert!(
            text(&output.stderr).contains("is not a commit"),
            "{}",
            text(&output.stderr)
        );
    }
}

#[test]
fn no_migrations_is_an_error() {
    let dir = workspace();
    let output = action_check(dir.path(), &[("INPUT_MIGRATIONS", " \n ")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("names no file or folder"));
}

#[test]
fn the_install_step_uses_an_installed_planwise_when_given_one() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = dir.path().join("github output");
    let output = Command::new("bash")
        .arg(crate_dir().join("scripts/action-install.sh"))
        .env("GITHUB_ACTION_PATH", crate_dir())
        .env("GITHUB_OUTPUT", &outputs)
        .env("INPUT_PLANWISE", env!("CARGO_BIN_EXE_planwise"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        std::fs::read_to_string(&outputs).unwrap(),
        format!("path={}\n", env!("CARGO_BIN_EXE_planwise"))
    );
}

/// The action as a release would ship it, its repository a local folder (`file://`) holding a
/// release of the version in Cargo.toml, packed as scripts/build-release.sh packs it, with its
/// .sha256. The packed `planwise` is a script that answers `--version` as planwise does: the
/// debug binary is 300 MB, and what is under test is how the archive is fetched and checked.
fn action_with_a_release(dir: &Path) -> (PathBuf, PathBuf) {
    let action = dir.join("action");
    std::fs::create_dir_all(action.join("scripts")).unwrap();
    std::fs::copy(
        crate_dir().join("scripts/action-install.sh"),
        action.join("scripts/action-install.sh"),
    )
    .unwrap();
    let manifest = std::fs::read_to_string(crate_dir().join("Cargo.toml")).unwrap();
    let repository = format!("file://{}", dir.join("releases").display());
    let manifest: String = manifest
        .lines()
        .map(|l| match l.starts_with("repository = ") {
            true => format!("repository = \"{repository}\"\n"),
            false => format!("{l}\n"),
        })
        .collect();
    std::fs::write(action.join("Cargo.toml"), manifest).unwrap();

    let version = env!("CARGO_PKG_VERSION");
    let release = dir.join(format!("releases/releases/download/v{version}"));
    std::fs::create_dir_all(&release).unwrap();
    let staged = dir.join("staged");
    std::fs::create_dir_all(&staged).unwrap();
    let stand_in = staged.join("planwise");
    std::fs::write(&stand_in, format!("#!/bin/sh\necho 'planwise {version}'\n")).unwrap();
    let made_executable = Command::new("chmod")
        .arg("+x")
        .arg(&stand_in)
        .status()
        .unwrap();
    assert!(made_executable.success());
    let archive = format!("planwise-v{version}-x86_64-unknown-linux-musl.tar.gz");
    let packed = Command::new("tar")
        .arg("-czf")
        .arg(release.join(&archive))
        .arg("-C")
        .arg(&staged)
        .arg("planwise")
        .status()
        .unwrap();
    assert!(packed.success());
    let sum = Command::new("sha256sum")
        .arg(&archive)
        .current_dir(&release)
        .output()
        .unwrap();
    std::fs::write(release.join(format!("{archive}.sha256")), sum.stdout).unwrap();
    (action, release.join(archive))
}

fn install(action: &Path, runner_temp: &Path, outputs: &Path) -> Output {
    Command::new("bash")
        .arg(action.join("scripts/action-install.sh"))
        .env("GITHUB_ACTION_PATH", action)
        .env("GITHUB_OUTPUT", outputs)
        .env("RUNNER_TEMP", runner_temp)
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env_remove("INPUT_PLANWISE")
        .output()
        .unwrap()
}

#[test]
fn the_install_step_downloads_the_release_of_its_version_and_checks_its_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let (action, archive) = action_with_a_release(dir.path());
    let temp = dir.path().join("runner temp");
    let outputs = dir.path().join("outputs");
    let output = install(&action, &temp, &outputs);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let installed = temp.join("planwise/bin/planwise");
    assert_eq!(
        std::fs::read_to_string(&outputs).unwrap(),
        format!("path={}\n", installed.display())
    );
    let version = Command::new(&installed).arg("--version").output().unwrap();
    assert_eq!(
        text(&version.stdout),
        format!("planwise {}\n", env!("CARGO_PKG_VERSION"))
    );

    // An archive that is not the one its .sha256 names is refused, and nothing is built.
    let mut bytes = std::fs::read(&archive).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&archive, bytes).unwrap();
    std::fs::remove_dir_all(&temp).unwrap();
    let output = install(&action, &temp, &dir.path().join("outputs 2"));
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stdout));
    assert!(
        text(&output.stderr).contains("does not match its .sha256"),
        "{}",
        text(&output.stderr)
    );
    assert!(!temp.join("planwise/bin/planwise").exists());
}

/// The shell text of every `run:` in a workflow or action file: one-line values and blocks.
fn run_scripts(yaml: &str) -> Vec<String> {
    let mut scripts = Vec::new();
    let mut lines = yaml.lines().peekable();
    while let Some(line) = lines.next() {
        let key = line.trim_start().trim_start_matches("- ");
        let Some(value) = key.strip_prefix("run:") else {
            continue;
        };
        let value = value.trim();
        if value.starts_with('|') || value.starts_with('>') {
            let indent = line.len() - line.trim_start().len();
            let mut block = String::new();
            while let Some(next) =
                lines.next_if(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
            {
                block.push_str(next);
                block.push('\n');
            }
            scripts.push(block);
        } else {
            scripts.push(value.to_string());
        }
    }
    scripts
}

#[test]
fn action_yml_passes_inputs_through_env_only_and_asks_for_no_permission() {
    let action = std::fs::read_to_string(crate_dir().join("action.yml")).unwrap();
    let scripts = run_scripts(&action);
    assert_eq!(scripts.len(), 2, "{scripts:?}");
    for script in &scripts {
        assert!(
            !script.contains("${{"),
            "expression in shell text: {script}"
        );
    }
    // Every expression is an env value or the action's output, nothing else.
    for line in action.lines().filter(|l| l.contains("${{")) {
        let (key, value) = line.trim().split_once(": ").unwrap();
        assert!(
            key.chars().all(|c| c.is_ascii_uppercase() || c == '_') || key == "value",
            "{line}"
        );
        assert!(
            value.starts_with("${{ ") && value.ends_with(" }}"),
            "{line}"
        );
    }
    assert!(
        !action
            .lines()
            .any(|l| l.trim_start().starts_with("permissions:")),
        "{action}"
    );
    // Each input reaches the check script.
    let check = std::fs::read_to_string(crate_dir().join("scripts/action-check.sh")).unwrap();
    for input in [
        "migrations",
        "added-since",
        "schema",
        "format",
        "fail-on",
        "output",
        "sarif",
    ] {
        let variable = format!("INPUT_{}", input.to_uppercase().replace('-', "_"));
        assert!(
            action.contains(&format!("{variable}: ${{{{ inputs.{input} }}}}")),
            "{input}"
        );
        assert!(check.contains(&variable), "{variable}");
    }
}

#[test]
fn the_readme_workflow_uses_the_action_without_expressions_in_shell_text() {
    let readme = std::fs::read_to_string(crate_dir().join("README.md")).unwrap();
    let start = readme
        .find("In a GitHub Actions workflow")
        .expect("the workflow example");
    let block = &readme[start..];
    let block = &block[block.find("```yaml").unwrap()..];
    let block = &block[..block[3..].find("```").unwrap() + 3];
    assert!(block.contains("uses: "), "{block}");
    assert!(block.contains("added-since:"), "{block}");
    for script in run_scripts(block) {
        assert!(
            !script.contains("${{"),
            "expression in shell text: {script}"
        );
    }
    assert!(!block.contains("PLANWISE_REPOSITORY"), "{block}");
    // Only what the job uses: reading the code, uploading SARIF.
    assert!(block.contains("contents: read"), "{block}");
    assert!(block.contains("security-events: write"), "{block}");
    assert!(!block.contains("pull-requests"), "{block}");
}
