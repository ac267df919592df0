//! The one place that wires inputs → model → analysis → report for each command.

mod check;
mod doctor;
mod index_advice;
mod install_files;
mod measure;
mod progress;
mod settings;
mod verify;

use crate::analysis::estimates::Misestimate;
use crate::analysis::index::selection::Plan;
use crate::analysis::join_graph::JoinGraph;
use crate::analysis::statements::{StatementAnalysis, analyze_statements};
use crate::cli::{AnalyzeArgs, Cli, Command, InputArgs, OutputArgs, WhatifArgs, WorkloadArgs};
use crate::findings::Finding;
use crate::input::prefix::LinePrefix;
use crate::input::schema::load_schema;
use crate::input::source::InputPath;
use crate::input::{InputError, ReadOptions, read_inputs};
use crate::model::catalog::Catalog;
use crate::model::ddl::loader::SchemaCounts;
use crate::model::diagnostics::{Diagnostics, Kind};
use crate::model::workload::Profile;
use crate::report::terminal::{ColorChoice, Style};
use crate::report::{
    Analysis, AnalyzeFormat, OutputFormat, Report, Verification, WorkloadFormat, escape_controls,
    json, markdown, openmetrics, table, text, whatif as whatif_report,
};
use crate::rules;
use anyhow::Context;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Runs a command; the exit status (0 ok, 1 findings at --fail-on) or an error (status 2).
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Workload(args) => workload(&args)?,
        Command::Analyze(args) => return analyze(&args),
        Command::Whatif(args) => whatif(&args)?,
        Command::Verify(args) => return verify::run(&args),
        Command::Check(args) => return check::run(&args),
        Command::Doctor(args) => doctor::run(&args)?,
        Command::Rules(args) => print_rules(args.rule.as_deref())?,
        Command::Completions(args) => install_files::completions(args.shell)?,
        Command::Man(args) => install_files::man(args.dir.as_deref())?,
    }
    Ok(0)
}

fn workload(args: &WorkloadArgs) -> anyhow::Result<()> {
    require_input(!args.input.logs.is_empty() || args.input.db.is_some())?;
    let live = read_live(
        &args.input,
        LiveRead::Statements,
        !args.input.logs.is_empty(),
    )?;
    let mut profile = load_profile(&args.input, live.statements)?;
    live.problems.report(&mut profile);
    let report = Report::new(&profile, None);
    let format = match args.format {
        WorkloadFormat::Table => OutputFormat::Table,
        WorkloadFormat::Json => OutputFormat::Json,
        WorkloadFormat::Md => OutputFormat::Md,
        WorkloadFormat::Openmetrics => {
            return write_output(&openmetrics::render(&report, args.output.top), &args.output);
        }
    };
    emit(&report, format, &args.output, "planwise workload")
}

/// `analyze`: the exit status is 1 when a finding is at `--fail-on` or above.
fn analyze(args: &AnalyzeArgs) -> anyhow::Result<u8> {
    let mut run = run_analysis(args)?;
    let failed = args
        .fail_on
        .is_some_and(|level| run.findings.iter().any(|f| f.severity >= level));
    let findings = std::mem::take(&mut run.findings);
    let report = Report::new(&run.profile, Some(run.analysis(findings, None)));
    emit_analysis(&report, args.format, args.color.color, &args.output)?;
    Ok(u8::from(failed))
}

/// What `analyze` works out before it reports: what `verify` measures too.
struct AnalyzeRun {
    profile: Profile,
    catalog: Option<Catalog>,
    schema_counts: Option<SchemaCounts>,
    statements: StatementAnalysis,
    join_graph: JoinGraph,
    index_plan: Option<Plan>,
    findings: Vec<Finding>,
    suppressed: u64,
}

impl AnalyzeRun {
    fn analysis(&self, findings: Vec<Finding>, verification: Option<Verification>) -> Analysis<'_> {
        Analysis {
            facts: &self.statements.facts,
            join_graph: &self.join_graph,
            catalog: self.catalog.as_ref(),
            schema_counts: self.schema_counts.clone(),
            findings,
            suppressed: self.suppressed,
            index_plan: self.index_plan.as_ref(),
            verification,
        }
    }
}

fn run_analysis(args: &AnalyzeArgs) -> anyhow::Result<AnalyzeRun> {
    let mut config_problems = Diagnostics::default();
    let config = settings::load(args.config.as_deref(), &args.rules, &mut config_problems)?;
    let Analysed {
        mut profile,
        catalog,
        schema_counts,
        statements,
    } = read_and_analyse(&args.input, &args.schema)?;
    profile.diagnostics.merge(config_problems);
    if let (Some(path), Some(catalog)) = (&args.save_catalog, &catalog) {
        let text = serde_json::to_string(catalog).context("serialising the catalog")?;
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let join_graph = JoinGraph::build(&statements.facts, &profile, catalog.as_ref());
    if let Some(path) = &args.graph {
        std::fs::write(path, join_graph.to_dot())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let index_plan = catalog.as_ref().and_then(|catalog| {
        progress::while_doing("index advice: costing candidates", || {
            index_advice::advise(
                &args.input,
                &args.index,
                &mut profile,
                &statements.facts,
                catalog,
            )
        })
    });
    let misestimates = misestimates(args, &mut profile, &statements, catalog.as_ref());
    let context = rules::Context {
        profile: &profile,
        facts: &statements.facts,
        catalog: catalog.as_ref(),
        index_plan: index_plan.as_ref(),
        table_rows: &args.index.cost.table_rows,
        join_graph: &join_graph,
        misestimates: &misestimates,
    };
    let rules::engine::WorkloadFindings {
        findings,
        suppressed,
    } = rules::engine::run(&context, &config);
    Ok(AnalyzeRun {
        profile,
        catalog,
        schema_counts,
        statements,
        join_graph,
        index_plan,
        findings,
        suppressed,
    })
}

/// `--analyze`'s measured misestimates, only when the catalog came from the server: one that
/// could not be read is not tried again.
fn misestimates(
    args: &AnalyzeArgs,
    profile: &mut Profile,
    statements: &StatementAnalysis,
    catalog: Option<&Catalog>,
) -> Vec<Misestimate> {
    match (&args.input.db, catalog) {
        (Some(url), Some(catalog)) if args.analyze && catalog.server.is_some() => {
            progress::while_doing("--analyze: measuring the slowest SELECTs", || {
                measure::misestimated_scans(
                    url,
                    args.index.cost.trust_functions,
                    profile,
                    &statements.facts,
                    catalog,
                )
            })
        }
        _ => Vec::new(),
    }
}

fn whatif(args: &WhatifArgs) -> anyhow::Result<()> {
    let Analysed {
        mut profile,
        catalog,
        statements,
        ..
    } = read_and_analyse(&args.input, &args.schema)?;
    let catalog = catalog.context("what-if needs the schema: give --db URL or --schema PATH")?;
    let comparison = progress::while_doing("costing the proposed indexes", || {
        index_advice::compare(args, &mut profile, &statements.facts, &catalog)
    })?;
    let text = match args.format {
        OutputFormat::Json => whatif_report::json(&comparison),
        OutputFormat::Table => whatif_report::table(&comparison, args.output.top),
        OutputFormat::Md => whatif_report::markdown(&comparison, args.output.top),
    };
    write_output(&text, &args.output)
}

fn print_rules(id: Option<&str>) -> anyhow::Result<()> {
    let text = match id {
        Some(id) => rules::find(id)
            .with_context(|| format!("no rule `{id}` (planwise rules lists them)"))?
            .page(),
        None => {
            // Columns as wide as their longest entry (CACHE001, required-column-without-default).
            let id_width = rules::RULES.iter().map(|r| r.id.len()).max().unwrap_or(0);
            let name_width = rules::RULES.iter().map(|r| r.name.len()).max().unwrap_or(0);
            rules::RULES
                .iter()
                .map(|r| {
                    format!(
                        "{:<id_width$}  {:<name_width$}  {}\n",
                        r.id,
                        r.name,
                        r.category.as_str()
                    )
                })
                .collect()
        }
    };
    print!("{text}");
    Ok(())
}

/// The inputs read and each distinct statement's facts: what `analyze` and `whatif` share.
struct Analysed {
    profile: Profile,
    catalog: Option<Catalog>,
    /// What became of the `--schema` files' statements, when the catalog came from them.
    schema_counts: Option<SchemaCounts>,
    statements: StatementAnalysis,
}

fn read_and_analyse(input: &InputArgs, schema: &[PathBuf]) -> anyhow::Result<Analysed> {
    let offline = !input.logs.is_empty() || !schema.is_empty();
    require_input(offline || input.db.is_some())?;
    let live = read_live(input, LiveRead::StatementsAndCatalog, offline)?;
    let mut profile = load_profile(input, live.statements)?;
    live.problems.report(&mut profile);
    let (catalog, schema_counts) = match live.catalog {
        Some(catalog) => (Some(catalog), None),
        None if !schema.is_empty() => {
            let schema = progress::while_doing("reading the schema", || load_schema(schema))?;
            let counts = schema.counts();
            profile.diagnostics.merge(schema.diagnostics);
            (Some(schema.catalog), Some(counts))
        }
        None => (None, None),
    };
    let search_path = catalog
        .as_ref()
        .map(Catalog::search_path)
        .unwrap_or_default();
    let statements = analyze_statements(&profile, catalog.as_ref(), &search_path);
    statements.report_failures(&mut profile.diagnostics);
    Ok(Analysed {
        profile,
        catalog,
        schema_counts,
        statements,
    })
}

fn require_input(present: bool) -> anyhow::Result<()> {
    anyhow::ensure!(
        present,
        "nothing to read: give --log FILE (or --db URL, or --schema PATH for analyze)"
    );
    Ok(())
}

fn load_profile(args: &InputArgs, live_statements: Option<Profile>) -> anyhow::Result<Profile> {
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
    warn_of_damage(&profile);
    if let Some(statements) = live_statements {
        profile.merge(statements);
    }
    if let Some(path) = &args.save_profile {
        let text = serde_json::to_string(&profile).context("serialising the profile")?;
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    profile.finish();
    Ok(profile)
}

/// A log cut short is read as far as it goes; the report says so, and so does stderr, since
/// the figures then cover less than the user gave.
fn warn_of_damage(profile: &Profile) {
    let Some(damaged) = profile.diagnostics.kinds.get(&Kind::DamagedInput) else {
        return;
    };
    for example in &damaged.examples {
        let line = format!("{}: {}", example.file, example.reason);
        eprintln!("planwise: {}", escape_controls(line));
    }
    let unshown = damaged.count - damaged.examples.len() as u64;
    if unshown > 0 {
        eprintln!("planwise: and {unshown} more damaged inputs");
    }
}

/// What was read from `--db`, and what could not be.
#[derive(Default)]
struct Live {
    statements: Option<Profile>,
    catalog: Option<Catalog>,
    problems: LiveProblems,
}

/// Problems with the live database that the run survives (it goes on offline).
#[derive(Default)]
struct LiveProblems(Diagnostics);

impl LiveProblems {
    fn note(&mut self, kind: Kind, target: &str, reason: String) {
        eprintln!("planwise: {reason}; going on without it");
        self.0.note(kind, target, reason);
    }

    fn report(self, profile: &mut Profile) {
        profile.diagnostics.merge(self.0);
    }
}

/// What to read from `--db`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LiveRead {
    /// pg_stat_statements (`workload`).
    Statements,
    /// pg_stat_statements and the catalog (`analyze`).
    StatementsAndCatalog,
    /// The catalog alone (`verify --from`: the statements come from the saved report).
    Catalog,
}

/// Reads pg_stat_statements and the catalog from `--db`, as `wanted` says. A database that
/// cannot be reached is an error only when there is nothing else to analyse.
fn read_live(args: &InputArgs, wanted: LiveRead, has_other_inputs: bool) -> anyhow::Result<Live> {
    let want_catalog = wanted != LiveRead::Statements;
    let Some(url) = &args.db else {
        return Ok(Live::default());
    };
    let runtime = crate::db::runtime()?;
    progress::while_doing("reading the database", || {
        runtime.block_on(async {
        let mut live = Live::default();
        let session = match crate::db::connect(url).await {
            Ok(session) => session,
            Err(error) if has_other_inputs => {
                live.problems
                    .note(Kind::DatabaseUnreachable, "--db", error.to_string());
                return Ok(live);
            }
            Err(error) => return Err(error.into()),
        };
        let statements = match wanted {
            LiveRead::Catalog => None,
            _ => Some(crate::db::pgss::read(&session).await),
        };
        match statements {
            None => {}
            Some(Ok(statements)) => live.statements = Some(statements),
            Some(Err(error)) if error.is_lost() && has_other_inputs => {
                live.problems
                    .note(Kind::DatabaseLost, &session.target, error.to_string());
                return Ok(live);
            }
            Some(Err(error)) if !error.is_lost() && (want_catalog || has_other_inputs) => {
                live.problems.note(
                    Kind::PgStatStatementsUnavailable,
                    &session.target,
                    error.to_string(),
                );
            }
            Some(Err(error)) => return Err(error.into()),
        }
        if want_catalog {
            match crate::db::read_catalog(&session).await {
                Ok(read) => {
                    for locked in read.locked {
                        live.problems.note(
                            Kind::CatalogRelationLocked,
                            &session.target,
                            format!(
                                "{} is locked by another session (pid {}), so it is left out of the catalog",
                                locked.relation, locked.pid
                            ),
                        );
                    }
                    live.catalog = Some(read.catalog);
                }
                Err(error) if has_other_inputs => {
                    live.problems
                        .note(Kind::CatalogUnavailable, &session.target, error.to_string());
                }
                Err(error) => return Err(error.into()),
            }
        }
        Ok(live)
    })
    })
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
        // Streamed: a report of many distinct statements is not also held as one string.
        OutputFormat::Json => {
            return write_output_with(output.output.as_deref(), |out| json::write(report, out));
        }
        OutputFormat::Table => table::render(report, output.top),
        OutputFormat::Md => markdown::render(report, output.top, title),
    };
    write_output(&text, output)
}

/// `analyze`'s report: the terminal view when asked, or by default on a terminal; else as
/// `workload`'s formats are written (Markdown by default, into a file or a pipe).
fn emit_analysis(
    report: &Report,
    format: Option<AnalyzeFormat>,
    color: ColorChoice,
    output: &OutputArgs,
) -> anyhow::Result<()> {
    let on_terminal = output.output.is_none() && std::io::stdout().is_terminal();
    let format = format.unwrap_or(if on_terminal {
        AnalyzeFormat::Text
    } else {
        AnalyzeFormat::Md
    });
    let format = match format {
        AnalyzeFormat::Text => {
            let style = terminal_style(color, output.output.as_deref());
            return write_output(&text::render(report, style), output);
        }
        AnalyzeFormat::Table => OutputFormat::Table,
        AnalyzeFormat::Json => OutputFormat::Json,
        AnalyzeFormat::Md => OutputFormat::Md,
    };
    emit(report, format, output, "planwise analysis")
}

/// How the terminal views are styled: `--color`, whether the output is a terminal, and the
/// environment's `NO_COLOR`, `CLICOLOR_FORCE`, `TERM` and hyperlink hints.
fn terminal_style(color: ColorChoice, output: Option<&std::path::Path>) -> Style {
    let to_terminal = output.is_none() && std::io::stdout().is_terminal();
    Style::resolve(color, to_terminal, |name| std::env::var(name).ok())
}

fn write_output(text: &str, output: &OutputArgs) -> anyhow::Result<()> {
    write_output_to(text, output.output.as_deref())
}

/// Writes to the file, or to stdout without one.
fn write_output_to(text: &str, output: Option<&std::path::Path>) -> anyhow::Result<()> {
    write_output_with(output, |out| out.write_all(text.as_bytes()))
}

/// Lets `write` write to the file, or to stdout without one, buffered.
fn write_output_with(
    output: Option<&std::path::Path>,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    use std::io::{BufWriter, Write};
    match output {
        Some(path) => {
            let cannot = || format!("cannot write {}", path.display());
            let mut file = BufWriter::new(std::fs::File::create(path).with_context(cannot)?);
            write(&mut file)
                .and_then(|()| file.flush())
                .with_context(cannot)
        }
        None => {
            let mut stdout = BufWriter::new(std::io::stdout().lock());
            // A closed pipe (`| head`) is not an error worth reporting.
            match write(&mut stdout).and_then(|()| stdout.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("writing the report"),
            }
        }
    }
}
