//! `planwise check`: reads the migration files, the base schema (DDL, saved catalog or live),
//! the logs and `planwise.toml`, runs the migration checks and renders the report.

use super::{Analysed, read_and_analyse, settings, terminal_style, write_output_to};
use crate::analysis::migration::usage::WorkloadUsage;
use crate::analysis::migration::{Environment, MigrationScript};
use crate::cli::{CheckArgs, CheckFormat};
use crate::findings::Severity;
use crate::input::schema::schema_files;
use crate::model::catalog::Catalog;
use crate::model::diagnostics::{Diagnostics, Kind};
use crate::model::workload::Profile;
use crate::report::check::{CheckReport, github, json, markdown, sarif, text};
use crate::rules::engine::check_migrations;
use anyhow::Context;
use std::io::Read;
use std::path::PathBuf;

/// The server version assumed when neither the flags, the config nor a live server say.
const DEFAULT_PG_VERSION: u32 = 15;
/// The name a migration read from stdin goes by in the report.
const STDIN_NAME: &str = "<stdin>";

/// Runs the check; the exit status (1 when findings reach the fail-on severity).
pub fn run(args: &CheckArgs) -> anyhow::Result<u8> {
    let mut diagnostics = Diagnostics::default();
    let config = settings::load(args.config.as_deref(), &args.rules, &mut diagnostics)?;
    let scripts = read_migrations(&args.migrations)?;
    let has_base =
        !args.schema.is_empty() || args.input.db.is_some() || !args.input.logs.is_empty();
    let (catalog, usage) = if has_base {
        let Analysed {
            profile,
            catalog,
            statements,
            ..
        } = read_and_analyse(&args.input, &args.schema)?;
        diagnostics.merge(profile.diagnostics.clone());
        let usage = workload_was_read(args, &profile)
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
        CheckFormat::Text => text::render(
            &report,
            terminal_style(args.color.color, args.output.as_deref()),
        ),
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

/// Whether a workload was read: logs, or pg_stat_statements from `--db`. Without one, no
/// table can be shown unused (a database without pg_stat_statements says nothing of its
/// traffic), so severities are not lowered for want of traffic.
fn workload_was_read(args: &CheckArgs, profile: &Profile) -> bool {
    let unread = [
        Kind::DatabaseUnreachable,
        Kind::DatabaseLost,
        Kind::PgStatStatementsUnavailable,
    ];
    let live_read = |kind: &Kind| !profile.diagnostics.kinds.contains_key(kind);
    !args.input.logs.is_empty() || (args.input.db.is_some() && unread.iter().all(live_read))
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
