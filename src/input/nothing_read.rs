//! Never a silent zero: when a log has lines but no statement came out of it, say why and
//! what to do — the lines are not in the format planwise read them as (show one and the
//! nearest prefix), or the server logs no statements (name the settings).

use super::prefix::{LinePrefix, guess, nearest_prefix};
use super::{InputError, LogFormat};
use crate::model::workload::Profile;

/// Why an input gave no statement.
#[derive(Debug)]
pub struct NothingRead {
    pub path: String,
    pub reason: String,
    /// The lines were not understood: an error whatever the other inputs give. Otherwise
    /// (a log without statements) only when no input gives any.
    pub misread: bool,
}

impl NothingRead {
    pub fn into_error(self) -> InputError {
        InputError::NothingRead {
            path: self.path,
            reason: self.reason,
        }
    }
}

/// Whether the log `profile` was read from (in `format`, with `prefix` for stderr lines)
/// gave nothing, and why; `sample` is the file's first bytes, which look like `looks`.
pub fn check(
    path: &str,
    profile: &Profile,
    (format, looks): (LogFormat, LogFormat),
    prefix: Option<&LinePrefix>,
    sample: &[u8],
) -> Option<NothingRead> {
    let summary = &profile.summary;
    let nothing = |reason: String, misread: bool| NothingRead {
        path: path.to_string(),
        reason,
        misread,
    };
    // A log of auto_explain plans alone (log_min_duration_statement off) names its
    // statements in the plans.
    if summary.statements > 0 || profile.events.plans > 0 {
        return None;
    }
    if sample.trim_ascii().is_empty() {
        // Beside logs with statements (a rotated file not written to yet) this is no error.
        return Some(nothing("the file is empty".to_string(), false));
    }
    if summary.lines_read == 0 {
        return None;
    }
    let (lines, skipped) = (summary.lines_read, summary.lines_skipped);
    let stderr_like = [LogFormat::Stderr, LogFormat::Rds, LogFormat::Azure];
    if looks != format && !(stderr_like.contains(&looks) && stderr_like.contains(&format)) {
        return Some(nothing(
            format!(
                "it was read as {} but its first lines look like {}: try --log-format {} \
                 (or leave --log-format out)",
                format_name(format),
                format_name(looks),
                format_name(looks)
            ),
            true,
        ));
    }
    if let Some(prefix) = prefix.filter(|_| skipped * 2 > lines) {
        return Some(nothing(unmatched(prefix, sample), true));
    }
    if skipped * 2 > lines {
        let example = profile
            .diagnostics
            .kinds
            .values()
            .flat_map(|kind| kind.examples.first())
            .min_by_key(|example| example.line)
            .map(|e| format!(" (line {}: {})", e.line, e.reason))
            .unwrap_or_default();
        return Some(nothing(
            format!(
                "{skipped} of its {lines} lines could not be read as {}{example}; \
                 if that is not its format, name it with --log-format",
                format_name(format)
            ),
            true,
        ));
    }
    Some(nothing(
        format!(
            "its {lines} lines hold no statement: the server does not log them. Set \
             log_min_duration_statement = 0 (every statement with its duration; or a threshold \
             in ms, e.g. 100), or log_statement = 'all' with log_duration = on, then reload \
             the server (SELECT pg_reload_conf()); on a hosted platform the setting is in the \
             instance's parameter group or flags (README: Configure PostgreSQL logging)"
        ),
        false,
    ))
}

/// The first line of `sample` that `prefix` does not match, and the nearest guess.
fn unmatched(prefix: &LinePrefix, sample: &[u8]) -> String {
    let line = sample
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .find(|line| !line.is_empty() && line[0] != b'\t' && prefix.parse(line).is_none())
        .unwrap_or_default();
    let example = String::from_utf8_lossy(&line[..line.len().min(120)]).into_owned();
    format!(
        "its lines do not match log_line_prefix '{}' ({})",
        prefix.source(),
        nearest_prefix(&example, guess(line).as_deref())
    )
}

pub fn format_name(format: LogFormat) -> String {
    use clap::ValueEnum;
    format
        .to_possible_value()
        .map_or_else(|| format!("{format:?}"), |v| v.get_name().to_string())
}
