//! Command-line arguments (clap derive; the doc comments are the `--help` text).

use crate::input::LogFormat;
use crate::report::OutputFormat;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Tells a PostgreSQL team what to change to make their database fast, and proves it with
/// numbers.
///
/// Exit status: 0 when the run succeeded, 1 when findings reach --fail-on, 2 on an error
/// (an input that cannot be read, a bad argument).
#[derive(Debug, Parser)]
#[command(name = "planwise", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Profile the workload in logs: calls, total time and latency percentiles per query
    /// fingerprint, like pgbadger or pt-query-digest.
    ///
    /// Example: planwise workload --log /var/log/postgresql/postgresql-15-main.log --top 10
    Workload(WorkloadArgs),
    /// The full report: the workload profile, findings and diagnostics.
    ///
    /// Example: planwise analyze --log fixtures/logs/shop.log --format md -o report.md
    Analyze(AnalyzeArgs),
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// Log files or globs to read, `-` for stdin; `.gz` and `.zst` are decompressed.
    /// stderr, csvlog, jsonlog, pg_stat_statements exports (CSV/JSON), `.sql` workloads and
    /// saved profiles are recognised. Repeat the flag or list several after it.
    #[arg(long = "log", value_name = "FILE", num_args = 1..)]
    pub logs: Vec<String>,

    /// A database to read pg_stat_statements from (libpq URL or `key=value` string), in a
    /// read-only session. Example: postgres://app@db.internal:5432/shop
    #[arg(long, value_name = "URL", env = "DATABASE_URL", hide_env_values = true)]
    pub db: Option<String>,

    /// The format of the inputs, when guessing is not wanted.
    #[arg(long, value_enum, default_value_t = LogFormat::Auto)]
    pub log_format: LogFormat,

    /// The server's `log_line_prefix` (SHOW log_line_prefix), for stderr logs whose prefix
    /// is not one of the common ones, e.g. '%m [%p] %q%u@%d '.
    #[arg(long, value_name = "PREFIX")]
    pub log_line_prefix: Option<String>,

    /// Threads that parse logs (default: every core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Also save the workload profile to FILE; saved profiles are accepted by --log and
    /// merge exactly as if their logs had been read together.
    #[arg(long, value_name = "FILE")]
    pub save_profile: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Write the report to FILE instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// How many queries the table and Markdown show.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub top: usize,
}

#[derive(Debug, Args)]
pub struct WorkloadArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Md)]
    pub format: OutputFormat,

    /// The schema: `.sql` files (pg_dump output is fine) and migration folders, applied in
    /// file-name order. Example: --schema db/structure.sql or --schema migrations/
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub schema: Vec<PathBuf>,

    /// Also write the join graph as Graphviz DOT to FILE (`dot -Tsvg FILE`).
    #[arg(long, value_name = "FILE")]
    pub graph: Option<PathBuf>,
}
