//! How much of real migration histories and schemas planwise reads: for each corpus, the
//! statements `planwise check` reports as not understood (`unparsed_statement`,
//! `unparsed_ddl`) out of all it read, and the same for `analyze --schema`, grouped by the
//! statements' leading keywords. Run by scripts/parse-share.sh with the corpora's paths in
//! PLANWISE_PARSE_SHARE (`name=path` pairs separated by `;`); `PLANWISE_PARSE_SHARE_DETAILS`
//! set: every statement not understood, with its place and first line, on stderr.

use planwise::analysis::migration::impact::Thresholds;
use planwise::analysis::migration::script::MigrationFile;
use planwise::analysis::migration::{
    Environment, MigrationScript, StatementChecks, StatementContext, walk_migrations,
};
use planwise::input::schema::{load_schema, schema_files};
use planwise::model::catalog::Catalog;
use planwise::model::ddl::loader::{Skip, SkippedStatement};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Checks nothing: only what the walk reads counts here.
struct NoChecks;

impl StatementChecks for NoChecks {
    fn start_file(&mut self, _: &MigrationScript, _: &MigrationFile<'_>) {}
    fn statement(&mut self, _: &StatementContext<'_>) {}
    fn end_file(&mut self, _: &Catalog) {}
}

fn main() {
    let Ok(corpora) = std::env::var("PLANWISE_PARSE_SHARE") else {
        eprintln!("PLANWISE_PARSE_SHARE is not set");
        std::process::exit(2);
    };
    let details = std::env::var_os("PLANWISE_PARSE_SHARE_DETAILS").is_some();
    println!(
        "| corpus | files | check: statements | not understood | read | --schema: statements | not understood | not modelled |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut groups = Vec::new();
    for corpus in corpora.split(';').filter(|c| !c.is_empty()) {
        let (name, path) = corpus.split_once('=').unwrap_or((corpus, corpus));
        let path = PathBuf::from(path);
        let scripts = scripts(&path);
        let table_rows = BTreeMap::new();
        let environment = Environment {
            pg_version: 15,
            table_rows: &table_rows,
            usage: None,
            thresholds: Thresholds::default(),
            assume_in_transaction: false,
        };
        let walk = walk_migrations(&scripts, Catalog::default(), &environment, &mut NoChecks);
        let load = load_schema(std::slice::from_ref(&path)).expect("the corpus loads");
        let unparsed = walk.unparsed.len() as u64;
        println!(
            "| {name} | {} | {} | {} | {:.1} % | {} | {} | {} |",
            walk.files,
            walk.statements,
            unparsed,
            100.0 * (1.0 - unparsed as f64 / walk.statements.max(1) as f64),
            load.statements,
            load.failed,
            load.ignored,
        );
        if details {
            print_details(name, &scripts, &walk.unparsed);
        }
        groups.push((name.to_string(), walk.unparsed, load.skipped));
    }
    for (name, unparsed, skipped) in &groups {
        println!("\n{name}, not understood by check: {}", by_head(unparsed));
        let schema_unparsed: Vec<_> = skipped
            .iter()
            .filter(|s| s.skip == Skip::Unparsed)
            .cloned()
            .collect();
        println!(
            "{name}, not understood by --schema: {}",
            by_head(&schema_unparsed)
        );
    }
}

/// A corpus's files in migration order, as `check` and `--schema` read them.
fn scripts(path: &Path) -> Vec<MigrationScript> {
    schema_files(path)
        .expect("the corpus exists")
        .into_iter()
        .map(|file| MigrationScript {
            text: String::from_utf8_lossy(&std::fs::read(&file).expect("readable")).into_owned(),
            file: file.display().to_string(),
        })
        .collect()
}

/// `ALTER DOMAIN 3, DO 2, …`: counts by leading keywords, largest first.
fn by_head(statements: &[SkippedStatement]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for statement in statements {
        *counts.entry(&statement.head).or_default() += 1;
    }
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if counts.is_empty() {
        return "none".into();
    }
    counts
        .iter()
        .map(|(head, count)| format!("{head} {count}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_details(name: &str, scripts: &[MigrationScript], unparsed: &[SkippedStatement]) {
    for statement in unparsed {
        let text = scripts
            .iter()
            .find(|s| s.file == statement.file)
            .and_then(|s| s.text.lines().nth(statement.line as usize - 1))
            .unwrap_or("")
            .trim();
        let short: String = text.chars().take(110).collect();
        eprintln!("{name}: {}:{} {short}", statement.file, statement.line);
    }
}
