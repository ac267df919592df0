//! Inputs: turning logs, pg_stat_statements exports, `.sql` workloads and saved profiles
//! into a workload profile. The only part of the pipeline that reads files.

pub mod azure;
pub mod bytes;
pub mod carried;
pub mod cloudlog;
pub mod cnpg;
pub mod csvlog;
pub mod detect;
pub mod events;
pub mod hosted;
pub mod ingest;
pub mod json_objects;
pub mod json_scan;
pub mod jsonlog;
pub mod nothing_read;
pub mod pgss;
pub mod plans;
pub mod prefix;
pub mod prefix_guess;
pub mod record;
pub mod schema;
pub mod source;
pub mod sqlfile;
pub mod stderr;
pub mod syslog;

use crate::model::diagnostics::{Example, Kind};
use crate::model::workload::{PROFILE_VERSION, Profile};
pub use detect::detect;
use ingest::{BlockReader, StreamFormat};
use prefix::LinePrefix;
use source::InputPath;
use std::io::Read;

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    // The I/O error is part of the message and deliberately not its `source`: chained
    // as well, it would be printed twice (`cannot open x: is a directory: is a directory`).
    #[error("cannot open {path}: {error}")]
    Open { path: String, error: std::io::Error },
    #[error("cannot read {path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("{}", prefix::unknown_prefix_message(example, guess.as_deref()))]
    UnknownPrefix {
        example: String,
        guess: Option<String>,
    },
    #[error("{path}: {reason}")]
    Malformed { path: String, reason: String },
    #[error("no file matches {pattern}")]
    NoMatch { pattern: String },
    #[error("{path}: no statement read: {reason}")]
    NothingRead { path: String, reason: String },
}

/// The formats `--log-format` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Guess from the file's name and first bytes.
    Auto,
    Stderr,
    Csvlog,
    Jsonlog,
    /// stderr with RDS and Aurora's prefix `%t:%r:%u@%d:[%p]:`.
    Rds,
    /// stderr with Azure's default prefix `%t-%c-`.
    Azure,
    /// syslog or rsyslog files, `journalctl` short output.
    #[value(alias = "rsyslog")]
    Syslog,
    /// Heroku logplex (`app[postgres.N]: [COLOR] [n-1] …`).
    #[value(alias = "heroku")]
    Logplex,
    /// Google Cloud SQL through Cloud Logging: JSON lines or a JSON array of entries.
    #[value(alias = "cloud-sql")]
    Cloudsql,
    /// CloudNativePG's JSON lines.
    #[value(alias = "cloudnativepg")]
    Cnpg,
    /// `journalctl -o json`.
    Journald,
    /// Azure's diagnostic-settings export (`PostgreSQLLogs` records: JSON lines, or
    /// `{"records": […]}`).
    AzureJson,
    /// A pg_stat_statements export (CSV with a header, or a JSON array).
    Pgss,
    /// A plain SQL workload: each statement counted once.
    Sql,
    /// A profile saved with --save-profile.
    Profile,
}

pub struct ReadOptions {
    pub format: LogFormat,
    pub prefix: Option<LinePrefix>,
    pub threads: usize,
    pub progress: bool,
    /// Bytes per parsing block (`ingest::BLOCK_SIZE` unless testing cuts).
    pub block_size: usize,
}

/// Inputs at least this large get a progress bar (when stderr is a terminal).
const PROGRESS_THRESHOLD: u64 = 64 << 20;

/// Reads every input in order into one profile (not yet `finish`ed).
pub fn read_inputs(paths: &[InputPath], options: &ReadOptions) -> Result<Profile, InputError> {
    let mut total = Profile::default();
    let mut silent = Vec::new();
    for path in paths {
        let (profile, nothing) = read_input(path, options)?;
        total.merge(profile);
        silent.extend(nothing);
    }
    for nothing in silent {
        if nothing.misread || total.summary.statements == 0 {
            return Err(nothing.into_error());
        }
        total.diagnostics.report(Kind::NoStatements, || Example {
            file: nothing.path,
            line: 0,
            reason: nothing.reason,
        });
    }
    Ok(total)
}

/// One input's profile, and why it gave no statement when it gave none.
type ReadInput = (Profile, Option<nothing_read::NothingRead>);

fn read_input(path: &InputPath, options: &ReadOptions) -> Result<ReadInput, InputError> {
    let name = path.display_name();
    let opened = source::open(path)?;
    let damage = std::sync::Arc::clone(&opened.damage);
    let (mut profile, nothing) = read_opened(opened, path, options)?;
    if let Some(damage) = damage.get() {
        profile.diagnostics.report(Kind::DamagedInput, || Example {
            file: name,
            line: 0,
            reason: damage.to_string(),
        });
    }
    Ok((profile, nothing))
}

fn read_opened(
    opened: source::Opened,
    path: &InputPath,
    options: &ReadOptions,
) -> Result<ReadInput, InputError> {
    let name = path.display_name();
    let progress = (options.progress
        && opened
            .plain_size
            .is_none_or(|size| size >= PROGRESS_THRESHOLD))
    .then(|| progress_bar(opened.plain_size, &name));
    let mut blocks = BlockReader::new(opened.reader, progress.clone(), options.block_size);
    let read_error = |error| InputError::Read {
        path: name.clone(),
        error,
    };
    let sample = blocks.peek(64 << 10).map_err(read_error)?.to_vec();
    let looks = detect(&path.logical_name(), &sample);
    let format = match options.format {
        LogFormat::Auto => looks,
        chosen => chosen,
    };
    let stream = match format {
        LogFormat::Stderr => StreamFormat::Stderr(match &options.prefix {
            Some(prefix) => prefix.clone(),
            None => LinePrefix::detect(&sample)?,
        }),
        LogFormat::Rds => StreamFormat::Stderr(LinePrefix::compile(hosted::RDS_PREFIX)),
        LogFormat::Azure => StreamFormat::Stderr(LinePrefix::compile(hosted::AZURE_PREFIX)),
        LogFormat::Csvlog => StreamFormat::Csvlog,
        LogFormat::Jsonlog => StreamFormat::Jsonlog,
        hosted if let Some(opened) = hosted::open(hosted, &sample, options.prefix.as_ref()) => {
            StreamFormat::Hosted(opened?)
        }
        whole_file => {
            let text = read_whole(blocks).map_err(read_error)?;
            return Ok((parse_whole(whole_file, &text, &name)?, None));
        }
    };
    let profile = ingest::ingest(blocks, &stream, &name, options.threads)?;
    if let Some(progress) = progress {
        progress.finish_and_clear();
    }
    let prefix = match &stream {
        StreamFormat::Stderr(prefix) => Some(prefix),
        _ => None,
    };
    let nothing = nothing_read::check(&name, &profile, (format, looks), prefix, &sample);
    Ok((profile, nothing))
}

fn read_whole(mut blocks: BlockReader) -> std::io::Result<String> {
    let mut bytes = blocks.peek(0)?.to_vec();
    blocks.into_reader().read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn parse_whole(format: LogFormat, text: &str, name: &str) -> Result<Profile, InputError> {
    match format {
        LogFormat::Pgss => pgss::parse(text, name),
        LogFormat::Profile => load_profile(text, name),
        _ => Ok(sqlfile::parse(text, name)),
    }
}

fn load_profile(text: &str, name: &str) -> Result<Profile, InputError> {
    let profile: Profile = serde_json::from_str(text).map_err(|e| InputError::Malformed {
        path: name.to_string(),
        reason: format!("not a planwise profile: {e}"),
    })?;
    if profile.profile_version != PROFILE_VERSION {
        return Err(InputError::Malformed {
            path: name.to_string(),
            reason: format!(
                "profile version {} (this planwise reads version {PROFILE_VERSION})",
                profile.profile_version
            ),
        });
    }
    Ok(profile)
}

fn progress_bar(size: Option<u64>, name: &str) -> indicatif::ProgressBar {
    let bar = match size {
        Some(size) => indicatif::ProgressBar::new(size).with_style(
            indicatif::ProgressStyle::with_template(
                "{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        ),
        None => indicatif::ProgressBar::new_spinner().with_style(
            indicatif::ProgressStyle::with_template("{msg} {spinner} {bytes} {bytes_per_sec}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        ),
    };
    bar.with_message(name.to_string())
}
