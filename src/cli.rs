//! Command-line arguments (clap derive; the doc comments are the `--help` text).

use crate::findings::Severity;
use crate::input::LogFormat;
use crate::model::catalog::QualifiedName;
use crate::report::terminal::ColorChoice;
use crate::report::{AnalyzeFormat, OutputFormat, WorkloadFormat};
use clap::{Args, Parser, Subcommand};
use std::collections::BTreeMap;
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

/// The groups `--help` shows the options in (clap's help headings).
mod heading {
    pub const INPUTS: &str = "Inputs";
    pub const LIVE: &str = "Live database";
    pub const INDEX_ADVICE: &str = "Index advice";
    pub const RULES: &str = "Rules";
    pub const OUTPUT: &str = "Output";
}

/// The `--db` help of a command: what the database is used for there, then how it is found.
macro_rules! db_help {
    ($used_for:literal, $example:literal) => {
        concat!(
            $used_for,
            " A libpq URL or `key=value` string; what it leaves out comes from the PG* \
             environment (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGSERVICE, …), \
             ~/.pgpass and pg_service.conf, as in psql; `--db` alone takes everything from \
             there. Read-only session; connect_timeout defaults to 10 s. Example: --db ",
            $example
        )
    };
}

const ANALYZE_DB_HELP: &str = db_help!(
    "The live database: its catalog (tables, indexes, constraints, views), statistics \
     (pg_stats, sizes, scan and write counters) and pg_stat_statements are read; index \
     candidates are costed by its planner with HypoPG when the extension is installed \
     there, and --analyze measures plans on it.",
    "postgres://app@db.internal:5432/shop"
);

const WHATIF_DB_HELP: &str = db_help!(
    "The live database: its planner costs the statements with and without the proposed \
     indexes through HypoPG (which must be installed there), its catalog and statistics \
     are read, and its pg_stat_statements adds to the workload.",
    "postgres:///shop"
);

const CHECK_DB_HELP: &str = db_help!(
    "A live database to check the migrations against: its catalog is the base schema, its \
     statistics give table sizes and traffic, and its pg_stat_statements is the workload \
     (instead of --schema and --log).",
    "postgres://app@db.internal/shop"
);

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
    /// The workload's estimated cost without and with indexes you propose, per query and in
    /// total (HypoPG on --db, else the offline model with --schema).
    ///
    /// Example: planwise whatif --db postgres:///shop --log app.log --index "CREATE INDEX ON orders (customer_id)"
    Whatif(WhatifArgs),
    /// Prove the savings on a scratch copy of the database: the recommended indexes are
    /// built for real (named planwise_verify_*, CONCURRENTLY, dropped again at the end, also
    /// on Ctrl-C), and the statements they serve are timed with their logged values before
    /// and after, beside the estimates.
    ///
    /// Example: planwise verify --scratch --db postgres:///shop_copy --log app.log
    Verify(VerifyArgs),
    /// Check migrations before they ship: locks that block reads or writes, table rewrites,
    /// statements that fail, changes that break running queries — judged by the size and
    /// traffic of the tables they touch (from --db, a saved catalog, --table-rows, --log).
    ///
    /// Example: planwise check migrations/ --schema db/structure.sql --log app.log --format github
    Check(CheckArgs),
    /// Check a server's setup: setting by setting, what planwise will and will not be able
    /// to see (durations logged, the log_line_prefix, pg_stat_statements, HypoPG, the
    /// role's privileges) and what to change. Reads settings only, in a read-only session.
    ///
    /// Example: planwise doctor --db postgres://app@db.internal/shop
    Doctor(DoctorArgs),
    /// List the rules, or print one rule's documentation.
    ///
    /// Example: planwise rules IDX001
    Rules(RulesArgs),
    /// Print the completion script of a shell.
    ///
    /// Example: planwise completions bash > ~/.local/share/bash-completion/completions/planwise
    Completions(CompletionsArgs),
    /// Print the manual page (roff), or write one page per command into a folder.
    ///
    /// Example: planwise man --dir ~/.local/share/man/man1
    Man(ManArgs),
}

#[derive(Debug, Args)]
#[command(mut_arg("db", |db| db.help(CHECK_DB_HELP)))]
pub struct CheckArgs {
    /// Migration files, or folders whose `.sql` files are read in migration order (numbers
    /// compared as numbers; `down.sql` halves skipped), `-` for one read from stdin. Each is
    /// checked on top of the ones before it.
    #[arg(required = true, value_name = "MIGRATION")]
    pub migrations: Vec<PathBuf>,

    /// The schema the migrations apply to: DDL files or folders, a catalog saved with
    /// `analyze --save-catalog` first (its statistics give table sizes). Without it (or
    /// --db), a table the migrations do not create is taken to exist, its size and traffic
    /// unknown.
    #[arg(long, value_name = "PATH", num_args = 1.., help_heading = heading::INPUTS)]
    pub schema: Vec<PathBuf>,

    #[command(flatten)]
    pub input: InputArgs,

    /// Major version of the server the migrations run on (default: from planwise.toml, the
    /// live server, else 15).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(9..=99))]
    pub pg_version: Option<u32>,

    /// The migration tool runs each file in a transaction (Rails, Django, Diesel, Flyway
    /// do): `CONCURRENTLY` then fails and locks last until the file ends.
    #[arg(long)]
    pub assume_in_transaction: bool,

    /// Row counts of tables, where no statistics say, e.g. `--table-rows orders=2e7`;
    /// `*=N` for every table not named (`--table-rows '*=5000,orders=2e7'`).
    #[arg(long, value_name = "TABLE=ROWS,...", value_parser = parse_table_rows, default_value = "", hide_default_value = true)]
    pub table_rows: BTreeMap<QualifiedName, f64>,

    /// Output format: `text` for people, `github` for Actions annotations, `sarif` for code
    /// scanning, `md` for a pull-request comment.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text, help_heading = heading::OUTPUT)]
    pub format: CheckFormat,

    /// Write the report to FILE instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE", help_heading = heading::OUTPUT)]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub color: ColorArgs,

    /// Exit with status 1 when a finding has at least this severity (default: from
    /// planwise.toml, else error).
    #[arg(long, value_enum, value_name = "SEVERITY", help_heading = heading::RULES)]
    pub fail_on: Option<Severity>,

    /// The configuration file (default: the first planwise.toml found walking up from the
    /// current directory).
    #[arg(long, value_name = "FILE", help_heading = heading::RULES)]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub rules: RuleSelectionArgs,
}

/// Which rules run, over planwise.toml's `[rules]` (ruff's flags and their meaning).
#[derive(Debug, Args)]
pub struct RuleSelectionArgs {
    /// The rules to run, in place of planwise.toml's `select`: ids, id prefixes, names or
    /// `ALL`, comma-separated, e.g. `--select MIG001,MIG002`.
    #[arg(long, value_name = "RULE,...", value_delimiter = ',', help_heading = heading::RULES)]
    pub select: Option<Vec<String>>,

    /// Rules to run on top of the selection, e.g. `--extend-select missing-lock-timeout`.
    #[arg(long, value_name = "RULE,...", value_delimiter = ',', help_heading = heading::RULES)]
    pub extend_select: Vec<String>,

    /// Rules not to run, e.g. `--ignore MIG011`; the most specific pattern naming a rule
    /// decides (`--select MIG001 --ignore MIG` runs MIG001).
    #[arg(long, value_name = "RULE,...", value_delimiter = ',', help_heading = heading::RULES)]
    pub ignore: Vec<String>,
}

/// `--color`, for the commands with a terminal view.
#[derive(Debug, Args)]
pub struct ColorArgs {
    /// When the text output is coloured: `auto` when stdout is a terminal and `NO_COLOR`
    /// is not set (`CLICOLOR_FORCE=1` forces it), `always`, or `never`. Rule ids link to
    /// their pages in terminals known to take links.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, help_heading = heading::OUTPUT)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
    Sarif,
    Github,
    #[value(alias = "markdown")]
    Md,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The server to check, and the database whose extensions are checked. A libpq URL or
    /// `key=value` string; what it leaves out comes from the PG* environment (PGHOST,
    /// PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGSERVICE, …), ~/.pgpass and
    /// pg_service.conf, as in psql; without `--db` (or with `--db` alone) everything comes
    /// from there. Read-only session; connect_timeout defaults to 10 s. Example: --db
    /// postgres:///shop
    #[arg(
        long,
        value_name = "URL",
        env = "DATABASE_URL",
        hide_env_values = true,
        num_args = 0..=1,
        default_missing_value = ""
    )]
    pub db: Option<String>,

    /// Output format: `table` for people, `json` for scripts.
    #[arg(long, value_enum, default_value_t = DoctorFormat::Table)]
    pub format: DoctorFormat,

    /// Write the report to FILE instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DoctorFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A rule id (`IDX001`) or name (`missing-index`); without one, every rule is listed.
    pub rule: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete planwise's commands and options in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write planwise.1 and a page per command (planwise-check.1, …) into DIR instead of
    /// printing planwise.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// Log files or globs to read, `-` for stdin; `.gz`, `.zst` and `.bz2` are decompressed.
    /// stderr, csvlog, jsonlog, pg_stat_statements exports (CSV/JSON), `.sql` workloads and
    /// saved profiles are recognised. Repeat the flag or list several after it.
    #[arg(long = "log", value_name = "FILE", num_args = 1.., help_heading = heading::INPUTS)]
    pub logs: Vec<String>,

    /// A database to read pg_stat_statements from, in a read-only session. A libpq URL or
    /// `key=value` string; what it leaves out comes from the PG* environment (PGHOST,
    /// PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGSERVICE, …), ~/.pgpass and pg_service.conf,
    /// as in psql; `--db` alone takes everything from there. connect_timeout defaults to
    /// 10 s. Example: postgres://app@db.internal:5432/shop, postgres:///shop (Unix socket)
    #[arg(
        long,
        value_name = "URL",
        env = "DATABASE_URL",
        hide_env_values = true,
        num_args = 0..=1,
        default_missing_value = "",
        help_heading = heading::LIVE
    )]
    pub db: Option<String>,

    /// The format of the inputs, when guessing is not wanted.
    #[arg(long, value_enum, default_value_t = LogFormat::Auto, help_heading = heading::INPUTS)]
    pub log_format: LogFormat,

    /// The server's `log_line_prefix` (SHOW log_line_prefix), for stderr logs whose prefix
    /// is not one of the common ones, e.g. '%m [%p] %q%u@%d '.
    #[arg(long, value_name = "PREFIX", help_heading = heading::INPUTS)]
    pub log_line_prefix: Option<String>,

    /// Threads that parse logs (default: every core).
    #[arg(long, value_name = "N", help_heading = heading::INPUTS)]
    pub threads: Option<usize>,

    /// Also save the workload profile to FILE; saved profiles are accepted by --log and
    /// merge exactly as if their logs had been read together.
    #[arg(long, value_name = "FILE", help_heading = heading::OUTPUT)]
    pub save_profile: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Write the report to FILE instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE", help_heading = heading::OUTPUT)]
    pub output: Option<PathBuf>,

    /// How many queries the table and Markdown show.
    #[arg(long, default_value_t = 20, value_name = "N", help_heading = heading::OUTPUT)]
    pub top: usize,
}

#[derive(Debug, Args)]
pub struct WorkloadArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Output format: `table` for people, `json` for scripts, `md` (or `markdown`) to share,
    /// `openmetrics` for Prometheus (the totals and the --top statements).
    #[arg(long, value_enum, default_value_t = WorkloadFormat::Table, help_heading = heading::OUTPUT)]
    pub format: WorkloadFormat,
}

#[derive(Debug, Args)]
#[command(mut_arg("db", |db| db.help(ANALYZE_DB_HELP)))]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Output format: `text` shows the findings for a terminal, `table` the top queries,
    /// `md` (or `markdown`) the report to share, `json` everything for scripts. Default:
    /// `text` when stdout is a terminal, else `md` (into a file or a pipe).
    #[arg(long, value_enum, help_heading = heading::OUTPUT)]
    pub format: Option<AnalyzeFormat>,

    #[command(flatten)]
    pub color: ColorArgs,

    /// The schema: `.sql` files (pg_dump output is fine) and migration folders, applied in
    /// file-name order. Example: --schema db/structure.sql or --schema migrations/
    #[arg(long, value_name = "PATH", num_args = 1.., help_heading = heading::INPUTS)]
    pub schema: Vec<PathBuf>,

    /// Also write the join graph as Graphviz DOT to FILE (`dot -Tsvg FILE`).
    #[arg(long, value_name = "FILE", help_heading = heading::OUTPUT)]
    pub graph: Option<PathBuf>,

    /// Also save the catalog — with the live statistics when read with --db — as JSON to
    /// FILE; give it back as the first --schema path to analyse offline (in CI) with the
    /// production statistics.
    #[arg(long, value_name = "FILE", help_heading = heading::OUTPUT)]
    pub save_catalog: Option<PathBuf>,

    #[command(flatten)]
    pub index: IndexArgs,

    /// Also measure the logged SELECTs that take the most time (at most 20) on --db with
    /// `EXPLAIN (ANALYZE)`, to set the planner's row estimates against the rows really
    /// produced (rule STAT002). This runs them: each alone, in a read-only transaction that
    /// is rolled back, cancelled after 10 s; statements logged without their parameters'
    /// values are left out. Example: planwise analyze --log pg.log --db $URL --analyze
    #[arg(long, requires = "db", help_heading = heading::LIVE)]
    pub analyze: bool,

    /// Exit with status 1 when a finding has at least this severity.
    #[arg(long, value_enum, value_name = "SEVERITY", help_heading = heading::RULES)]
    pub fail_on: Option<Severity>,

    /// The configuration file, whose `[rules]` select rules and set their severity as for
    /// `check` (default: the first planwise.toml found walking up from the current
    /// directory).
    #[arg(long, value_name = "FILE", help_heading = heading::RULES)]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub rules: RuleSelectionArgs,
}

const VERIFY_DB_HELP: &str = db_help!(
    "The scratch copy to verify on (a restored backup, a staging clone, a `CREATE DATABASE … \
     TEMPLATE` copy): analysed as by `analyze --db`, then indexes are built on it. Refused \
     when it is a replica or another session is writing to it.",
    "postgres:///shop_copy"
);

#[derive(Debug, Args)]
#[command(mut_arg("db", |db| db.help(VERIFY_DB_HELP).required(true)))]
pub struct VerifyArgs {
    #[command(flatten)]
    pub analyze: AnalyzeArgs,

    /// Confirms that --db is a scratch copy planwise may build indexes on (required).
    #[arg(long, required = true, help_heading = heading::LIVE)]
    pub scratch: bool,

    /// Verify the recommendations of a saved `analyze --format json` report instead of
    /// analysing inputs: its statements (with their logged values) are timed, the schema is
    /// the scratch copy's. Each index is timed on the statements the report lists for it
    /// (its five most served).
    #[arg(long, value_name = "REPORT.json", conflicts_with_all = ["logs", "schema"], help_heading = heading::INPUTS)]
    pub from: Option<PathBuf>,

    /// How long verification may take before it stops starting new measurements (the
    /// most valuable findings come first; the report says what was left), e.g. 10m, 90s.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration, help_heading = heading::LIVE)]
    pub verify_budget: std::time::Duration,

    /// Timed runs per statement and index state (after one run that warms the cache); the
    /// median is kept.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=100), help_heading = heading::LIVE)]
    pub runs: u16,

    /// How long one timed run may take before it is cancelled (at most 30s).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_statement_timeout, help_heading = heading::LIVE)]
    pub statement_timeout: std::time::Duration,

    /// Also time the logged INSERT/UPDATE/DELETE statements on each index's table, without
    /// and with it (what the index costs them): each run in a read-write transaction that is
    /// rolled back, and only when the safety gate finds nothing it could call that acts
    /// outside it — the table's triggers included (a default calling nextval() is volatile:
    /// such an INSERT is refused).
    #[arg(long, help_heading = heading::LIVE)]
    pub include_writes: bool,

    /// Exit with status 1 when an index made a statement it serves slower by more than
    /// --regression-margin: a CI gate for index changes on a staging copy.
    #[arg(long, help_heading = heading::RULES)]
    pub fail_on_regression: bool,

    /// How much slower, in percent, counts as a regression; a negative margin demands a
    /// speedup (`--regression-margin=-10`: every statement at least 10 % faster).
    #[arg(long, value_name = "PERCENT", default_value_t = 20.0, value_parser = parse_margin, allow_hyphen_values = true, help_heading = heading::RULES)]
    pub regression_margin: f64,
}

/// `10m`, `90s`, `1h`, `500ms` → a duration.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let (text, number, unit) = number_and_unit(text);
    let number: f64 = number
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n > 0.0)
        .ok_or_else(|| format!("`{text}` is not a duration like 10m or 90s"))?;
    let seconds = match unit.trim() {
        "ms" => number / 1000.0,
        "" | "s" => number,
        "m" | "min" => number * 60.0,
        "h" => number * 3600.0,
        other => return Err(format!("unknown duration unit `{other}` (use ms, s, m, h)")),
    };
    Ok(std::time::Duration::from_secs_f64(seconds))
}

fn parse_margin(text: &str) -> Result<f64, String> {
    let margin: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a percentage"))?;
    if !(-100.0..=1000.0).contains(&margin) {
        return Err("a margin from -100 to 1000 (percent)".into());
    }
    Ok(margin)
}

fn parse_statement_timeout(text: &str) -> Result<std::time::Duration, String> {
    let duration = parse_duration(text)?;
    if duration > std::time::Duration::from_secs(30) {
        return Err("at most 30s: planwise's sessions give up on a statement after that".into());
    }
    Ok(duration)
}

#[derive(Debug, Args)]
#[command(mut_arg("db", |db| db.help(WHATIF_DB_HELP)))]
pub struct WhatifArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table, help_heading = heading::OUTPUT)]
    pub format: OutputFormat,
    /// The schema, when there is no --db (see `analyze --schema`).
    #[arg(long, value_name = "PATH", num_args = 1.., help_heading = heading::INPUTS)]
    pub schema: Vec<PathBuf>,
    /// A proposed index: one `CREATE INDEX …` statement. Repeat for several.
    #[arg(long = "index", value_name = "SQL", required = true)]
    pub indexes: Vec<String>,
    #[command(flatten)]
    pub cost: CostArgs,
}

/// How the index advisor may spend.
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Disk the recommended indexes may take in all, e.g. 500MB, 2GB (units: B, kB, MB,
    /// GB, TB, powers of 1000; MiB, GiB powers of 1024). Default: no limit.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = heading::INDEX_ADVICE)]
    pub budget: Option<f64>,

    /// Recommend at most N new indexes.
    #[arg(long, value_name = "N", help_heading = heading::INDEX_ADVICE)]
    pub max_indexes: Option<usize>,

    /// Advise for the N statements that take the most logged time (else run most often);
    /// the rest are left out (the report says how many), except those whose logged plans
    /// read a table to throw most of it away.
    #[arg(long, value_name = "N", default_value_t = 100, help_heading = heading::INDEX_ADVICE)]
    pub advise_top: usize,

    /// The least an index must save, in percent of the workload's estimated cost.
    #[arg(long, value_name = "PERCENT", default_value_t = 0.1, help_heading = heading::INDEX_ADVICE)]
    pub min_saving: f64,

    #[command(flatten)]
    pub cost: CostArgs,
}

/// How index costs are estimated.
#[derive(Debug, Args)]
pub struct CostArgs {
    /// Sessions that plan statements in parallel for what-if costing with --db.
    #[arg(long, value_name = "N", default_value_t = 2, help_heading = heading::LIVE)]
    pub whatif_connections: usize,

    /// How index candidates are costed: `whatif` plans them on --db with HypoPG, `offline`
    /// uses planwise's model of PostgreSQL's costs, `auto` the first that is available.
    #[arg(long, value_enum, default_value_t = CostModelChoice::Auto, help_heading = heading::INDEX_ADVICE)]
    pub cost_model: CostModelChoice,

    /// Row counts for the offline model where no statistics say, e.g.
    /// `--table-rows orders=600000,public.users=2e6` (unqualified names are in `public`).
    #[arg(long, value_name = "TABLE=ROWS,...", value_parser = parse_table_rows, default_value = "", hide_default_value = true, help_heading = heading::INDEX_ADVICE)]
    pub table_rows: BTreeMap<QualifiedName, f64>,

    /// Plan (never run) logged statements that call the database's own functions. Planning
    /// alone runs code: PostgreSQL folds immutable and stable functions called with constant
    /// arguments. Without this flag such statements are not planned and are reported.
    #[arg(long, help_heading = heading::LIVE)]
    pub trust_functions: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CostModelChoice {
    Auto,
    Whatif,
    Offline,
}

/// `orders=600000,shop.users=2e6` → row counts by table.
pub fn parse_table_rows(text: &str) -> Result<BTreeMap<QualifiedName, f64>, String> {
    let mut rows = BTreeMap::new();
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (table, count) = item
            .split_once('=')
            .ok_or_else(|| format!("`{item}` is not TABLE=ROWS"))?;
        let count: f64 = count
            .trim()
            .parse()
            .ok()
            .filter(|c: &f64| c.is_finite() && *c >= 0.0)
            .ok_or_else(|| format!("`{count}` is not a row count"))?;
        let name = match table.trim().split_once('.') {
            None if table.trim() == "*" => QualifiedName::new("*", "*"),
            Some((schema, name)) => QualifiedName::new(schema, name),
            None => QualifiedName::new("public", table.trim()),
        };
        rows.insert(name, count);
    }
    Ok(rows)
}

/// `500MB` → (`500MB`, `500`, `MB`): the text trimmed, its number and its unit.
fn number_and_unit(text: &str) -> (&str, &str, &str) {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    (text, number, unit)
}

/// `500MB` → 5e8 bytes.
pub fn parse_size(text: &str) -> Result<f64, String> {
    let (text, number, unit) = number_and_unit(text);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size like 500MB"))?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "tb" | "t" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => return Err(format!("unknown size unit `{other}` (use kB, MB, GB, TB)")),
    };
    Ok(number * factor)
}
