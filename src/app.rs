//! The one place that wires inputs → model → analysis → report for each command.

use crate::analysis::join_graph::JoinGraph;
use crate::analysis::statements::analyze_statements;
use crate::cli::{Cli, Command, InputArgs, OutputArgs};
use crate::input::prefix::LinePrefix;
use crate::input::source::InputPath;
use crate::input::{InputError, ReadOptions, read_inputs};
use crate::model::workload::Profile;
use crate::report::{Analysis, OutputFormat, Report, json, markdown, table};
use anyhow::Context;
use std::io::IsTerminal;

/// Runs a command; the exit status (0 ok, 1 findings at --fail-on) or an error (status 2).
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Workload(args) => {
            let profile = load_profile(&args.input)?;
            let report = Report::new(&profile, None);
            emit(&report, args.format, &args.output, "planwise workload")?;
        }
        Command::Analyze(args) => {
            let mut profile = load_profile(&args.input)?;
            let statements = analyze_statements(&profile, None, &[]);
            statements.report_failures(&mut profile.diagnostics);
            let join_graph = JoinGraph::build(&statements.facts, &profile, None);
            if let Some(path) = &args.graph {
                std::fs::write(path, join_graph.to_dot())
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            let analysis = Analysis {
                facts: &statements.facts,
                join_graph: &join_graph,
                catalog: None,
            };
            let report = Report::new(&profile, Some(analysis));
            emit(&report, args.format, &args.output, "planwise analysis")?;
        }
    }
    Ok(0)
}

fn load_profile(args: &InputArgs) -> anyhow::Result<Profile> {
    let paths = expand_paths(&args.logs)?;
    let options = ReadOptions {
        format: args.log_format,
        prefix: args.log_line_prefix.as_deref().map(LinePrefix::compile),
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        progress: std::io::stderr().is_terminal(),
        block_size: crate::input::ingest::BLOCK_SIZE,
    };
    let mut profile = read_inputs(&paths, &options)?;
    if let Some(url) = &args.db {
        profile.merge(read_live_statements(url)?);
    }
    if let Some(path) = &args.save_profile {
        let text = serde_json::to_string(&profile).context("serialising the profile")?;
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    profile.finish();
    Ok(profile)
}

fn read_live_statements(url: &str) -> anyhow::Result<Profile> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the database client")?;
    Ok(runtime.block_on(async {
        let session = crate::db::connect(url).await?;
        crate::db::pgss::read(&session).await
    })?)
}

/// Resolves `-`, plain paths and globs (sorted) into inputs, failing on a glob that matches
/// nothing.
pub fn expand_paths(args: &[String]) -> Result<Vec<InputPath>, InputError> {
    let mut paths = Vec::new();
    for arg in args {
        if arg == "-" {
            paths.push(InputPath::Stdin);
            continue;
        }
        let is_pattern = arg.contains(['*', '?', '[']) && !std::path::Path::new(arg).exists();
        if !is_pattern {
            paths.push(InputPath::File(arg.into()));
            continue;
        }
        let mut matched: Vec<_> = glob::glob(arg)
            .map_err(|_| InputError::NoMatch {
                pattern: arg.clone(),
            })?
            .filter_map(Result::ok)
            .collect();
        if matched.is_empty() {
            return Err(InputError::NoMatch {
                pattern: arg.clone(),
            });
        }
        matched.sort();
        paths.extend(matched.into_iter().map(InputPath::File));
    }
    Ok(paths)
}

fn emit(
    report: &Report,
    format: OutputFormat,
    output: &OutputArgs,
    title: &str,
) -> anyhow::Result<()> {
    let text = match format {
        OutputFormat::Json => json::render(report),
        OutputFormat::Table => table::render(report, output.top),
        OutputFormat::Md => markdown::render(report, output.top, title),
    };
    match &output.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            match stdout.write_all(text.as_bytes()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("writing the report"),
            }
        }
    }
}
