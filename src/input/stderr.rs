//! The stderr log format: `log_line_prefix`, then `SEVERITY:  message`; a message's
//! further lines start with a tab; `DETAIL:`/`STATEMENT:`/… lines that follow belong to the
//! entry before them.

use super::ingest::lines;
use super::prefix::{LastTimestamp, LinePrefix, PrefixFields, split_severity};
use super::record::{LogRecord, RecordSink};
use std::borrow::Cow;

/// Severities that only ever continue the entry before them.
fn is_attachment(severity: &[u8]) -> bool {
    matches!(
        severity,
        b"DETAIL" | b"HINT" | b"CONTEXT" | b"STATEMENT" | b"QUERY" | b"LOCATION"
    )
}

/// Whether a new entry starts at `line` (so a block may be cut just before it).
pub fn starts_entry(prefix: &LinePrefix, line: &[u8]) -> bool {
    if line.first() == Some(&b'\t') {
        return false;
    }
    match prefix
        .parse(line)
        .and_then(|(_, rest)| split_severity(rest))
    {
        Some((severity, _)) => !is_attachment(severity),
        None => true,
    }
}

/// Which part of the current record continuation lines extend.
#[derive(Clone, Copy)]
enum Part {
    Message,
    Detail,
    Query,
    Ignored,
}

pub fn parse_block(block: &str, first_line: u64, prefix: &LinePrefix, sink: &mut RecordSink<'_>) {
    let mut current: Option<LogRecord<'_>> = None;
    let mut part = Part::Ignored;
    let mut last = LastTimestamp::default();
    for (index, line) in lines(block).enumerate() {
        if line.is_empty() {
            continue;
        }
        sink.profile.summary.lines_read += 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        handle_line(
            line,
            first_line + index as u64,
            prefix,
            sink,
            &mut current,
            &mut part,
            &mut last,
        );
    }
    if let Some(record) = current.take() {
        sink.apply(&record);
    }
}

fn handle_line<'a>(
    line: &'a str,
    number: u64,
    prefix: &LinePrefix,
    sink: &mut RecordSink<'_>,
    current: &mut Option<LogRecord<'a>>,
    part: &mut Part,
    last: &mut LastTimestamp,
) {
    if let Some(text) = line.strip_prefix('\t') {
        match current.as_mut() {
            Some(record) => append(record, *part, text),
            None => sink.skip(number, "orphan_continuation", || {
                "continuation line with no entry before it".into()
            }),
        }
        return;
    }
    let parsed = prefix
        .parse_after(line.as_bytes(), last)
        .and_then(|(fields, rest)| Some((fields, split_severity(rest)?)));
    let Some((fields, (severity, message))) = parsed else {
        if let Some(record) = current.take() {
            sink.apply(&record);
        }
        *part = Part::Ignored;
        let source = prefix.source().to_string();
        sink.skip(number, "unrecognized_line", || {
            format!("does not match log_line_prefix '{source}' followed by a severity; pass the server's setting with --log-line-prefix")
        });
        return;
    };
    // Offsets into `line`: the prefix parser works on its bytes.
    let text = |bytes: &[u8]| -> &'a str { &line[offset_in(line, bytes)..][..bytes.len()] };
    let severity = text(severity);
    let message = text(message);
    if is_attachment(severity.as_bytes()) {
        let session = session_of(&fields).map(text);
        match current.as_mut() {
            Some(record) if record.session == session => {
                *part = match severity {
                    "DETAIL" => Part::Detail,
                    "STATEMENT" => Part::Query,
                    _ => Part::Ignored,
                };
                match part {
                    Part::Detail => record.detail = Some(Cow::Borrowed(message)),
                    Part::Query => record.query = Some(Cow::Borrowed(message)),
                    _ => {}
                }
            }
            _ => *part = Part::Ignored,
        }
        return;
    }
    if let Some(record) = current.take() {
        sink.apply(&record);
    }
    *part = Part::Message;
    *current = Some(LogRecord {
        line: number,
        timestamp: fields.timestamp.map(text),
        at: fields.at,
        session: session_of(&fields).map(text),
        user: fields.user.map(text),
        database: fields.database.map(text),
        application: fields.application.map(text),
        severity,
        sqlstate: fields.sqlstate.map(text),
        message: Cow::Borrowed(message),
        detail: None,
        query: None,
    });
}

fn session_of<'a>(fields: &PrefixFields<'a>) -> Option<&'a [u8]> {
    fields.session_id.or(fields.pid).filter(|s| !s.is_empty())
}

fn offset_in(line: &str, part: &[u8]) -> usize {
    part.as_ptr() as usize - line.as_ptr() as usize
}

fn append(record: &mut LogRecord<'_>, part: Part, text: &str) {
    let target = match part {
        Part::Message => &mut record.message,
        Part::Detail => record.detail.get_or_insert(Cow::Borrowed("")),
        Part::Query => record.query.get_or_insert(Cow::Borrowed("")),
        Part::Ignored => return,
    };
    let owned = target.to_mut();
    owned.push('\n');
    owned.push_str(text);
}
