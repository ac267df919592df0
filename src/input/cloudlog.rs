//! Log entries exported as JSON objects that carry a server message as text: Google Cloud
//! SQL through Cloud Logging (`textPayload`, `timestamp`), journald (`journalctl -o
//! json`: `MESSAGE`, `_PID`, `__REALTIME_TIMESTAMP` in microseconds) and Azure's
//! diagnostic settings ([`azure`](super::azure)).
//!
//! The message keeps the server's prefix (Cloud SQL's is `[%p]: [%l-1] db=%d,user=%u `
//! without its timestamp); [`carried`](super::carried) reads it.

use super::azure::{self, Found, Read};
use super::carried::{Carried, Messages};
use super::json_objects::{Opening, Pieces, Text, read_pieces, text_of};
use super::json_scan::{self, KeyOrder, fields_at};
use super::record::RecordSink;
use super::stderr::{Envelope, EnvelopeTime};
use super::syslog::sequence;
use crate::model::diagnostics::Kind;
use serde::Deserialize;
use std::borrow::Cow;

/// Which export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    CloudSql,
    Journald,
    Azure,
}

#[derive(Deserialize)]
struct CloudEntry<'a> {
    #[serde(borrow, rename = "textPayload")]
    text_payload: Option<Text<'a>>,
    #[serde(borrow)]
    timestamp: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct JournalEntry<'a> {
    #[serde(borrow)]
    MESSAGE: Option<JournalText<'a>>,
    #[serde(borrow)]
    _PID: Option<Text<'a>>,
    #[serde(borrow)]
    __REALTIME_TIMESTAMP: Option<Text<'a>>,
    #[serde(borrow)]
    SYSLOG_IDENTIFIER: Option<Text<'a>>,
}

/// journald writes a message that is not valid UTF-8 as an array of its bytes.
#[derive(Deserialize)]
#[serde(untagged)]
enum JournalText<'a> {
    #[serde(borrow)]
    Text(Text<'a>),
    Bytes(Vec<u8>),
}

/// The message of the entry on `line`, when the line holds one whole.
pub fn message_of(export: Export, line: &str) -> Option<Cow<'_, str>> {
    let line = line
        .trim_start_matches([' ', '[', ','])
        .trim_end_matches([',', ']']);
    first_message(read(export, line, 0).ok()?)
}

/// The first message an object holds (of a wrapper read whole, its first record's).
fn first_message(found: Found<'_>) -> Option<Cow<'_, str>> {
    match found {
        Found::Message(message) => Some(message?.text),
        Found::Parts(_, parts) => Some(Cow::Owned(parts.line())),
        Found::Read(records) => first_message(records.into_iter().next()?.1.ok()?),
        _ => None,
    }
}

/// Takes the messages out of `block`'s entries.
pub fn collect<'a>(
    export: Export,
    block: &'a str,
    first_line: u64,
    messages: &mut Messages<'a>,
    sink: &mut RecordSink<'_>,
) {
    let mut reader = Reader {
        export,
        order: KeyOrder::default(),
        messages,
        sink,
    };
    let lines_with_text = read_pieces(block, first_line, &mut reader);
    reader.sink.profile.summary.lines_read += lines_with_text;
}

/// Hands the messages of an export's entries on, each as its object is cut.
struct Reader<'m, 's, 'r, 'a> {
    export: Export,
    order: KeyOrder,
    messages: &'m mut Messages<'a>,
    sink: &'s mut RecordSink<'r>,
}

impl<'a> Pieces<'a> for Reader<'_, '_, '_, 'a> {
    fn read(&mut self, at: Opening<'a>) -> Option<usize> {
        let (found, end) = scan(self.export, at, &mut self.order)?;
        self.deliver(found, at.line);
        Some(end)
    }

    fn object(&mut self, object: &'a str, line: u64) {
        let found = read(self.export, object, line);
        self.deliver(found, line);
    }

    fn stray(&mut self, text: &'a str, line: u64) {
        let excerpt: String = text.chars().take(100).collect();
        self.sink.skip(line, Kind::NotJsonObject, || {
            format!("`{excerpt}` is not a JSON object of the export")
        });
    }
}

impl<'a> Reader<'_, '_, '_, 'a> {
    /// Hands what an object holds to the messages, or reports it.
    fn deliver(&mut self, found: Read<'a>, line: u64) {
        match found {
            Ok(Found::Message(message)) => {
                if let Some(carried) = message {
                    self.messages.push(carried, self.sink);
                }
            }
            Ok(Found::Parts(envelope, parts)) => self.messages.push_parts(line, envelope, parts),
            Ok(Found::Records(records, starts_on)) => {
                let mut records_reader = Reader {
                    export: self.export,
                    order: KeyOrder::default(),
                    messages: &mut *self.messages,
                    sink: &mut *self.sink,
                };
                // The lines of the records were counted with the object that holds them.
                read_pieces(records, starts_on, &mut records_reader);
            }
            Ok(Found::Read(records)) => {
                for (line, found) in records {
                    self.deliver(found, line);
                }
            }
            Ok(Found::Other(category)) => self.sink.diagnose(line, Kind::OtherProgram, || {
                format!("a record of category `{category}`, not a server log line; ignored")
            }),
            Err(reason) => self.sink.skip(line, Kind::BadJsonRecord, || reason),
        }
    }
}

/// Reads the object that opens `at` in the pass that finds its end; `None` for one the
/// scan does not answer, read apart by [`read`].
fn scan<'a>(export: Export, at: Opening<'a>, order: &mut KeyOrder) -> Option<(Read<'a>, usize)> {
    let (text, start, line) = (at.within, at.start, at.line);
    match export {
        Export::CloudSql => {
            let (found, end) = fields_at(text, start, ["textPayload", "timestamp"], order)?;
            let [payload, timestamp] = found.map(json_scan::text);
            Some((cloud_sql(payload?, timestamp?, line), end))
        }
        Export::Journald => {
            let keys = [
                "MESSAGE",
                "_PID",
                "__REALTIME_TIMESTAMP",
                "SYSLOG_IDENTIFIER",
            ];
            let (found, end) = fields_at(text, start, keys, order)?;
            // A message that is not UTF-8 is an array of bytes: serde_json's to read.
            let [message, pid, time, program] = found.map(json_scan::text);
            Some((journal([message?, pid?, time?, program?], line), end))
        }
        Export::Azure => azure::read_at(at, order),
    }
}

/// Reads one object with serde_json (Azure's: with the scan, which says why it refuses).
fn read(export: Export, object: &str, line: u64) -> Read<'_> {
    match export {
        Export::CloudSql => {
            let entry: CloudEntry<'_> = serde_json::from_str(object).map_err(|e| e.to_string())?;
            cloud_sql(text_of(entry.text_payload), text_of(entry.timestamp), line)
        }
        Export::Journald => {
            let entry: JournalEntry<'_> =
                serde_json::from_str(object).map_err(|e| e.to_string())?;
            let message = entry.MESSAGE.map(|message| match message {
                JournalText::Text(text) => text.0,
                JournalText::Bytes(bytes) => {
                    Cow::Owned(String::from_utf8_lossy(&bytes).into_owned())
                }
            });
            let fields = [
                message,
                text_of(entry._PID),
                text_of(entry.__REALTIME_TIMESTAMP),
                text_of(entry.SYSLOG_IDENTIFIER),
            ];
            journal(fields, line)
        }
        Export::Azure => azure::read(object, line),
    }
}

/// The text of a borrowed value: the envelope keeps only text of the block.
fn borrowed<'a>(value: &Option<Cow<'a, str>>) -> Option<&'a str> {
    match value {
        Some(Cow::Borrowed(text)) => Some(text),
        _ => None,
    }
}

fn cloud_sql<'a>(
    payload: Option<Cow<'a, str>>,
    timestamp: Option<Cow<'a, str>>,
    line: u64,
) -> Read<'a> {
    let text = payload.ok_or("a Cloud Logging entry without textPayload")?;
    Ok(Found::Message(Some(Carried {
        line,
        envelope: Envelope {
            timestamp: borrowed(&timestamp),
            at: EnvelopeTime::OfTimestamp,
            process: None,
        },
        chunk: None,
        text,
    })))
}

/// A journal entry from its `MESSAGE`, `_PID`, `__REALTIME_TIMESTAMP` and
/// `SYSLOG_IDENTIFIER`.
fn journal<'a>([message, pid, time, program]: [Option<Cow<'a, str>>; 4], line: u64) -> Read<'a> {
    if program.is_some_and(|program| !program.contains("postgres")) {
        return Ok(Found::Message(None));
    }
    let text = message.ok_or("a journal entry without MESSAGE")?;
    let at = time
        .and_then(|us| us.parse::<i64>().ok())
        .map(|us| us / 1000);
    let process = borrowed(&pid);
    let (chunk, text) = match text {
        Cow::Borrowed(text) => match sequence(text) {
            Some((chunk, rest)) => (Some(chunk), Cow::Borrowed(rest)),
            None => (None, Cow::Borrowed(text)),
        },
        Cow::Owned(text) => match sequence(&text) {
            Some((chunk, rest)) => (Some(chunk), Cow::Owned(rest.to_string())),
            None => (None, Cow::Owned(text)),
        },
    };
    Ok(Found::Message(Some(Carried {
        line,
        envelope: Envelope {
            timestamp: None,
            at: at.into(),
            process,
        },
        chunk,
        text,
    })))
}
