//! Guessing a log's format from its name and first bytes. A log of one entry per line is
//! known by what most of its first lines are: one line of another format (a CloudNativePG
//! object in a stderr log) is then reported on its line instead of deciding how the whole
//! file is read.

use super::{LogFormat, azure, csvlog, pgss, syslog};

/// How many of a sample's first lines vote on its format.
const VOTERS: usize = 50;

/// Guesses the format from the name and the first bytes.
pub fn detect(name: &str, sample: &[u8]) -> LogFormat {
    if is_saved_profile(sample) {
        LogFormat::Profile
    } else if name.ends_with(".sql") {
        LogFormat::Sql
    } else if pgss::looks_like(sample) {
        LogFormat::Pgss
    } else if let Some(format) = json_document(sample) {
        format
    } else {
        by_lines(sample)
    }
}

/// Whether `sample` opens a profile saved with --save-profile: a JSON object whose first
/// key is `profile_version`, a number (planwise writes it first; a pretty-printer keeps
/// it there). The key elsewhere — in a statement of a JSON log — says nothing.
fn is_saved_profile(sample: &[u8]) -> bool {
    fn after<'a>(text: &'a [u8], token: &[u8]) -> Option<&'a [u8]> {
        text.trim_ascii_start().strip_prefix(token)
    }
    after(sample, b"{")
        .and_then(|rest| after(rest, b"\"profile_version\""))
        .and_then(|rest| after(rest, b":"))
        .is_some_and(|rest| {
            rest.trim_ascii_start()
                .first()
                .is_some_and(u8::is_ascii_digit)
        })
}

/// The format of a line that starts an entry; `None` for a line that continues one.
pub fn line_format(line: &[u8]) -> Option<LogFormat> {
    if line.first().is_some_and(|b| matches!(b, b' ' | b'\t')) {
        return None;
    }
    if line.starts_with(b"{") {
        return Some(json_format(line));
    }
    Some(match syslog::program_of(&String::from_utf8_lossy(line)) {
        Some("app") => LogFormat::Logplex,
        Some(_) => LogFormat::Syslog,
        None if csvlog::starts_entry(line) => LogFormat::Csvlog,
        None => LogFormat::Stderr,
    })
}

/// A JSON document whose entries span lines (an array, a pretty-printed or very long
/// `{"records": […]}`): its lines cannot vote, its first bytes tell.
fn json_document(sample: &[u8]) -> Option<LogFormat> {
    let text = sample.trim_ascii_start();
    let first = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let first = first.trim_ascii_end();
    let spans_lines = text.starts_with(b"[") || first.starts_with(b"{") && !first.ends_with(b"}");
    spans_lines.then(|| json_format(&text[..text.len().min(8192)]))
}

/// The JSON format whose fields `json` (a line, or a document's first bytes) holds.
fn json_format(json: &[u8]) -> LogFormat {
    let has = |key: &[u8]| memchr::memmem::find(json, key).is_some();
    if has(b"\"logging_pod\"") || has(b"\"logger\":\"postgres\"") {
        LogFormat::Cnpg
    } else if has(b"\"textPayload\"") {
        LogFormat::Cloudsql
    } else if azure::looks_like(json) {
        LogFormat::AzureJson
    } else if has(b"\"__REALTIME_TIMESTAMP\"") && has(b"\"MESSAGE\"") {
        LogFormat::Journald
    } else {
        LogFormat::Jsonlog
    }
}

/// The format most of the first entries' lines are in (the first one's on a tie).
fn by_lines(sample: &[u8]) -> LogFormat {
    let mut votes: Vec<(LogFormat, usize)> = Vec::new();
    // Inside a csvlog field that spans lines (a query's text): not a line of its own.
    let mut in_quotes = false;
    let lines = sample
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    for line in lines.filter(|line| !line.is_empty()) {
        let odd_quotes = memchr::memchr_iter(b'"', line).count() % 2 == 1;
        if in_quotes {
            in_quotes ^= odd_quotes;
            continue;
        }
        let Some(format) = line_format(line) else {
            continue;
        };
        in_quotes = format == LogFormat::Csvlog && odd_quotes;
        match votes.iter_mut().find(|(voted, _)| *voted == format) {
            Some((_, count)) => *count += 1,
            None => votes.push((format, 1)),
        }
        if votes.iter().map(|(_, count)| count).sum::<usize>() == VOTERS {
            break;
        }
    }
    let most = votes.iter().map(|(_, count)| *count).max().unwrap_or(0);
    votes
        .iter()
        .find(|(_, count)| *count == most)
        .map_or(LogFormat::Stderr, |(format, _)| *format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_is_known_by_its_shape_not_by_a_word_in_it() {
        for profile in [
            &b"{\"profile_version\":3,\"summary\":{}}"[..],
            b"  {\n  \"profile_version\": 3,\n  \"summary\": {}",
        ] {
            assert_eq!(detect("p.json", profile), LogFormat::Profile);
        }
        let jsonlog = br#"{"timestamp":"2026-11-26 00:41:28.974 UTC","pid":7,"error_severity":"LOG","message":"statement: SELECT '\"profile_version\"'"}"#;
        assert_eq!(detect("log.json", jsonlog), LogFormat::Jsonlog);
        let stderr =
            b"2026-11-26 00:41:28.974 UTC [7] LOG:  statement: SELECT \"profile_version\" FROM t\n";
        assert_eq!(detect("log", stderr), LogFormat::Stderr);
        assert_eq!(
            detect("p.json", b"{\"profile_version\":\"3\"}"),
            LogFormat::Jsonlog
        );
    }
}
