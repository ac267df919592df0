//! The stderr log format: `log_line_prefix`, then `SEVERITY:  message`; a message's
//! further lines start with a tab; `DETAIL:`/`STATEMENT:`/… lines that follow belong to the
//! entry before them.

use super::ingest::lines;
use super::prefix::{LastTimestamp, LinePrefix, PrefixFields};
use super::record::{LogRecord, RecordSink};
use crate::model::diagnostics::Kind;
use crate::model::time::{LastMinute, Millis};
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
    prefix
        .parse(line)
        .is_none_or(|matched| !is_attachment(matched.severity))
}

/// An entry as the prefix parser read it: the prefix's fields are slices of `printed`.
struct Parsed<'a> {
    printed: &'a str,
    fields: PrefixFields<'a>,
    severity: &'a str,
    message: &'a str,
}

/// Which part of the current record continuation lines extend.
#[derive(Clone, Copy, Default)]
enum Part {
    Message,
    Detail,
    Query,
    #[default]
    Ignored,
}

/// What a message's envelope says when the message is carried by another format (syslog,
/// journald, Cloud Logging): used where the prefix inside the message does not say it.
#[derive(Debug, Default, Clone, Copy)]
pub struct Envelope<'a> {
    pub timestamp: Option<&'a str>,
    pub at: EnvelopeTime,
    pub process: Option<&'a str>,
}

/// When a carried message was written, as its envelope says.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeTime {
    #[default]
    Unknown,
    At(Millis),
    /// The envelope's `timestamp` (`YYYY-MM-DD[T ]HH:MM:SS…`), read only when the message's
    /// own prefix has no timestamp: an export's prefix often has one (Azure's `%t`).
    OfTimestamp,
}

impl From<Option<Millis>> for EnvelopeTime {
    fn from(at: Option<Millis>) -> Self {
        at.map_or(EnvelopeTime::Unknown, EnvelopeTime::At)
    }
}

pub fn parse_block(block: &str, first_line: u64, prefix: &LinePrefix, sink: &mut RecordSink<'_>) {
    let mut reader = Reader::default();
    for (index, line) in lines(block).enumerate() {
        if line.is_empty() {
            continue;
        }
        sink.profile.summary.lines_read += 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        reader.line(
            line,
            first_line + index as u64,
            prefix,
            &Envelope::default(),
            sink,
        );
    }
    reader.finish(sink);
}

/// Reads entry lines and their continuations into records, one line at a time.
#[derive(Default)]
pub struct Reader<'a> {
    current: Option<LogRecord<'a>>,
    part: Part,
    last: LastTimestamp,
    /// The minute of the last envelope timestamp read.
    envelope_minute: LastMinute,
}

impl<'a> Reader<'a> {
    /// The record being read goes to `sink`.
    pub fn finish(&mut self, sink: &mut RecordSink<'_>) {
        if let Some(record) = self.current.take() {
            sink.apply(&record);
        }
    }

    /// A line of the message being read (its tab taken off).
    pub fn continuation(&mut self, text: &'a str, number: u64, sink: &mut RecordSink<'_>) {
        match self.current.as_mut() {
            Some(record) => append(record, self.part, text),
            None => sink.skip(number, Kind::OrphanContinuation, || {
                "continuation line with no entry before it".into()
            }),
        }
    }

    /// One line: a continuation (it starts with a tab), or an entry that `prefix` matches.
    pub fn line(
        &mut self,
        line: &'a str,
        number: u64,
        prefix: &LinePrefix,
        envelope: &Envelope<'a>,
        sink: &mut RecordSink<'_>,
    ) {
        if let Some(text) = line.strip_prefix('\t') {
            return self.continuation(text, number, sink);
        }
        let Some(matched) = prefix.parse_after(line.as_bytes(), &mut self.last) else {
            return self.unmatched(line, number, prefix, sink);
        };
        let parsed = Parsed {
            printed: line,
            fields: matched.fields,
            severity: text_in(line, matched.severity),
            message: text_in(line, matched.message),
        };
        self.entry(parsed, number, envelope, sink);
    }

    /// An entry whose envelope gives its line apart: the prefix as printed, the severity
    /// and the message's first line (Azure's export).
    pub fn parts(
        &mut self,
        [printed, severity, message]: [&'a str; 3],
        number: u64,
        prefix: &LinePrefix,
        envelope: &Envelope<'a>,
        sink: &mut RecordSink<'_>,
    ) {
        match prefix.parse_printed(printed.as_bytes(), &mut self.last) {
            Some(fields) => {
                let parsed = Parsed {
                    printed,
                    fields,
                    severity,
                    message,
                };
                self.entry(parsed, number, envelope, sink);
            }
            None => self.unmatched(
                &format!("{printed}{severity}:  {message}"),
                number,
                prefix,
                sink,
            ),
        }
    }

    /// A line the prefix does not match: reported, and the entry before it ends.
    fn unmatched(
        &mut self,
        line: &str,
        number: u64,
        prefix: &LinePrefix,
        sink: &mut RecordSink<'_>,
    ) {
        self.finish(sink);
        self.part = Part::Ignored;
        let source = prefix.source().to_string();
        let excerpt: String = line.chars().take(100).collect();
        sink.skip(number, Kind::UnrecognizedLine, || match other_format(line) {
            Some(format) => format!("`{excerpt}` is a line of another format ({format}), not of this stderr log"),
            None => format!("`{excerpt}` does not match log_line_prefix '{source}' followed by a severity; pass the server's setting with --log-line-prefix"),
        });
    }

    /// An entry the prefix matched: a new record, or a `DETAIL:`/… of the one before.
    /// Inlined: called, passing the prefix's fields cost more than the call's work.
    #[inline(always)]
    fn entry(
        &mut self,
        parsed: Parsed<'a>,
        number: u64,
        envelope: &Envelope<'a>,
        sink: &mut RecordSink<'_>,
    ) {
        let Parsed {
            printed,
            fields,
            severity,
            message,
        } = parsed;
        // The prefix parser works on bytes: its fields are slices of `printed`.
        let text = |bytes: &[u8]| text_in(printed, bytes);
        let session = session_of(&fields).map(text).or(envelope.process);
        if is_attachment(severity.as_bytes()) {
            self.attach(session, severity, message);
            return;
        }
        self.finish(sink);
        self.part = Part::Message;
        let timestamp = fields.timestamp.map(text);
        self.current = Some(LogRecord {
            line: number,
            timestamp: timestamp.or(envelope.timestamp),
            at: match (timestamp, envelope.at) {
                (Some(_), _) => fields.at,
                (None, EnvelopeTime::At(at)) => Some(at),
                (None, EnvelopeTime::OfTimestamp) => envelope
                    .timestamp
                    .and_then(|t| self.envelope_minute.parse(t.as_bytes())),
                (None, EnvelopeTime::Unknown) => None,
            },
            session,
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

    /// A `DETAIL:`/`STATEMENT:`/… line of the same session's record.
    fn attach(&mut self, session: Option<&'a str>, severity: &'a str, message: &'a str) {
        match self.current.as_mut() {
            Some(record) if record.session == session => {
                self.part = match severity {
                    "DETAIL" => Part::Detail,
                    "STATEMENT" => Part::Query,
                    _ => Part::Ignored,
                };
                match self.part {
                    Part::Detail => record.detail = Some(Cow::Borrowed(message)),
                    Part::Query => record.query = Some(Cow::Borrowed(message)),
                    _ => {}
                }
            }
            _ => self.part = Part::Ignored,
        }
    }
}

/// The format `line` is in when it is plainly not a stderr line (JSON, csvlog, syslog).
fn other_format(line: &str) -> Option<String> {
    super::detect::line_format(line.as_bytes())
        .filter(|format| *format != super::LogFormat::Stderr)
        .map(super::nothing_read::format_name)
}

fn session_of<'a>(fields: &PrefixFields<'a>) -> Option<&'a [u8]> {
    fields.session_id.or(fields.pid).filter(|s| !s.is_empty())
}

/// `part`, a slice of `line`'s bytes, as text of `line`.
fn text_in<'a>(line: &'a str, part: &[u8]) -> &'a str {
    let offset = part.as_ptr() as usize - line.as_ptr() as usize;
    &line[offset..][..part.len()]
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
