//! `planwise check`: reads the migration files, the base schema (DDL, saved catalog or live),
//! the logs and `planwise.toml`, runs the migration checks and renders the report.

use super::{Analysed, read_and_analyse, write_output_to};
use crate::analysis::migration::usage::WorkloadUsage;
use crate::analysis::migration::{Environment, MigrationScript, check_migrations};
use crate::cli::{CheckArgs, CheckFormat, RuleSelectionArgs};
use crate::config::{Config, RuleLayer, names_a_rule};
use crate::findings::Severity;
use crate::input::schema::schema_files;
use crate::model::catalog::Catalog;
use crate::model::diagnostics::{Diagnostics, Example};
use crate::report::check::{CheckReport, github, json, markdown, sarif, text};
use anyhow::Context;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The server version assumed when neither the flags, the config nor a live server say.
const DEFAULT_PG_VERSION: u32 = 15;
const CONFIG_FILE: &str = "planwise.toml";
/// The name a migration read from stdin goes by in the report.
const STDIN_NAME: &str = "<stdin>";

/// Runs the check; the exit status (1 when findings reach the fail-on severity).
pub fn run(args: &CheckArgs) -> anyhow::Result<u8> {
    let (mut config, config_path) = load_config(args.config.as_deref())?;
    config.command_line = command_line_rules(&args.rules)?;
    let mut diagnostics = Diagnostics::default();
    for pattern in config.unknown_rules() {
        let file = config_path
            .as_ref()
            .map_or(CONFIG_FILE.to_string(), |p| p.display().to_string());
        eprintln!("planwise: {file}: `{pattern}` names no rule (planwise rules lists them)");
        diagnostics.report(crate::analysis::migration::UNKNOWN_RULE, || Example {
            file,
            line: 0,
            reason: format!("`{pattern}` names no rule"),
        });
    }
    let scripts = read_migrations(&args.migrations)?;
    let has_base =
        !args.schema.is_empty() || args.input.db.is_some() || !args.input.logs.is_empty();
    let (catalog, usage) = if has_base {
        let Analysed {
            profile,
            catalog,
            statements,
        } = read_and_analyse(&args.input, &args.schema)?;
        diagnostics.merge(profile.diagnostics.clone());
        let usage = (!args.input.logs.is_empty() || args.input.db.is_some())
            .then(|| WorkloadUsage::build(&profile, &statements.facts));
        (catalog.unwrap_or_default(), usage)
    } else {
        (Catalog::default(), None)
    };
    let live_version = catalog
        .server
        .as_ref()
        .map(|s| (s.version_num / 10000) as u32);
    let environment = Environment {
        pg_version: args
            .pg_version
            .or(config.check.pg_version)
            .or(live_version)
            .unwrap_or(DEFAULT_PG_VERSION),
        table_rows: &args.table_rows,
        usage: usage.as_ref(),
        thresholds: config.thresholds(),
        assume_in_transaction: args.assume_in_transaction
            || config.check.assume_in_transaction.unwrap_or(false),
    };
    let outcome = check_migrations(&scripts, catalog, &environment, &config);
    diagnostics.merge(outcome.diagnostics.clone());
    diagnostics.merge(outcome.schema.diagnostics.clone());
    let report = CheckReport::new(&outcome, &diagnostics);
    let rendered = match args.format {
        CheckFormat::Text => text::render(&report),
        CheckFormat::Json => json::render(&report),
        CheckFormat::Sarif => sarif::render(&report),
        CheckFormat::Github => github::render(&report),
        CheckFormat::Md => markdown::render(&report),
    };
    write_output_to(&rendered, args.output.as_deref())?;
    let fail_on = args
        .fail_on
        .or(config.check.fail_on)
        .unwrap_or(Severity::Error);
    Ok(u8::from(
        outcome.findings.iter().any(|f| f.severity >= fail_on),
    ))
}

/// `--select`, `--extend-select` and `--ignore`; a pattern naming no rule is an error, as a
/// typo on the command line should not pass for a selection.
fn command_line_rules(args: &RuleSelectionArgs) -> anyhow::Result<RuleLayer> {
    let layer = RuleLayer {
        select: args.select.clone(),
        extend_select: args.extend_select.clone(),
        ignore: args.ignore.clone(),
    };
    if let Some(pattern) = layer.patterns().find(|p| !names_a_rule(p)) {
        anyhow::bail!("`{pattern}` names no rule (planwise rules lists them)");
    }
    Ok(layer)
}

/// The files the arguments name, in the order given (folders in migration order); `-` is
/// one migration read from stdin.
fn read_migrations(paths: &[PathBuf]) -> anyhow::Result<Vec<MigrationScript>> {
    let mut scripts = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("cannot read the migration from stdin")?;
            scripts.push(MigrationScript {
                file: STDIN_NAME.to_string(),
                text: String::from_utf8_lossy(&bytes).into_owned(),
            });
            continue;
        }
        for file in schema_files(path)? {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            scripts.push(MigrationScript {
                file: file.display().to_string(),
                text: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
    }
    Ok(scripts)
}

/// `--config FILE`, else the first `planwise.toml` walking up from the current directory.
fn load_config(explicit: Option<&Path>) -> anyhow::Result<(Config, Option<PathBuf>)> {
    let path = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => std::env::current_dir().ok().and_then(|dir| {
            dir.ancestors()
                .map(|d| d.join(CONFIG_FILE))
                .find(|p| p.is_file())
        }),
    };
    let Some(path) = path else {
        return Ok((Config::default(), None));
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let config = Config::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok((config, Some(path)))
}
