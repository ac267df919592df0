//! Log entries exported as JSON objects that carry a server message as text: Google Cloud
//! SQL through Cloud Logging (`textPayload`, `timestamp`), journald (`journalctl -o
//! json`: `MESSAGE`, `_PID`, `__REALTIME_TIMESTAMP` in microseconds) and Azure's
//! diagnostic settings ([`azure`](super::azure)).
//!
//! The message keeps the server's prefix (Cloud SQL's is `[%p]: [%l-1] db=%d,user=%u `
//! without its timestamp); [`carried`](super::carried) reads it.

use super::azure::{self, Found};
use super::carried::{Carried, Messages};
use super::json_objects::{Piece, Text, pieces};
use super::record::RecordSink;
use super::stderr::Envelope;
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
    let carried = match export {
        Export::CloudSql => cloud_sql(line, 0),
        Export::Journald => journal(line, 0),
        Export::Azure => match azure::read(line, 0).ok()? {
            Found::Lines([first, _]) => Ok(first),
            _ => return None,
        },
    };
    Some(carried.ok()??.text)
}

/// Takes the messages out of `block`'s entries.
pub fn collect<'a>(
    export: Export,
    block: &'a str,
    first_line: u64,
    messages: &mut Messages<'a>,
    sink: &mut RecordSink<'_>,
) {
    for (line, piece) in pieces(block, first_line) {
        let object = match piece {
            Piece::Object(object) => object,
            Piece::Stray(text) => {
                stray(text, line, sink);
                continue;
            }
        };
        let carried = match export {
            Export::CloudSql => cloud_sql(object, line),
            Export::Journald => journal(object, line),
            Export::Azure => {
                collect_azure(object, line, messages, sink);
                continue;
            }
        };
        match carried {
            Ok(Some(carried)) => messages.push(carried, sink),
            Ok(None) => {}
            Err(reason) => sink.skip(line, Kind::BadJsonRecord, || reason),
        }
    }
}

/// An object of Azure's export: a record, or a wrapper of records.
fn collect_azure<'a>(
    object: &'a str,
    line: u64,
    messages: &mut Messages<'a>,
    sink: &mut RecordSink<'_>,
) {
    match azure::read(object, line) {
        Ok(Found::Lines(lines)) => {
            for carried in lines.into_iter().flatten() {
                messages.push(carried, sink);
            }
        }
        Ok(Found::Records(records)) => {
            for (line, piece) in records {
                match piece {
                    Piece::Object(object) => collect_azure(object, line, messages, sink),
                    Piece::Stray(text) => stray(text, line, sink),
                }
            }
        }
        Ok(Found::Other(category)) => sink.diagnose(line, Kind::OtherProgram, || {
            format!("a record of category `{category}`, not a server log line; ignored")
        }),
        Err(reason) => sink.skip(line, Kind::BadJsonRecord, || reason),
    }
}

fn stray(text: &str, line: u64, sink: &mut RecordSink<'_>) {
    let excerpt: String = text.chars().take(100).collect();
    sink.skip(line, Kind::NotJsonObject, || {
        format!("`{excerpt}` is not a JSON object of the export")
    });
}

fn cloud_sql(object: &str, line: u64) -> Result<Option<Carried<'_>>, String> {
    let entry: CloudEntry<'_> = serde_json::from_str(object).map_err(|e| e.to_string())?;
    let text = entry
        .text_payload
        .ok_or("a Cloud Logging entry without textPayload")?
        .0;
    let timestamp = entry.timestamp.as_ref().and_then(Text::borrowed);
    let at = timestamp.and_then(|t| crate::model::time::parse_timestamp(t.as_bytes()));
    Ok(Some(Carried {
        line,
        envelope: Envelope {
            timestamp,
            at,
            process: None,
        },
        chunk: None,
        text,
    }))
}

fn journal(object: &str, line: u64) -> Result<Option<Carried<'_>>, String> {
    let entry: JournalEntry<'_> = serde_json::from_str(object).map_err(|e| e.to_string())?;
    if entry
        .SYSLOG_IDENTIFIER
        .as_ref()
        .is_some_and(|program| !program.0.contains("postgres"))
    {
        return Ok(None);
    }
    let text = match entry.MESSAGE.ok_or("a journal entry without MESSAGE")? {
        JournalText::Text(text) => text.0,
        JournalText::Bytes(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
    };
    let at = entry
        .__REALTIME_TIMESTAMP
        .and_then(|us| us.0.parse::<i64>().ok())
        .map(|us| us / 1000);
    let process = entry._PID.as_ref().and_then(Text::borrowed);
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
    Ok(Some(Carried {
        line,
        envelope: Envelope {
            timestamp: None,
            at,
            process,
        },
        chunk,
        text,
    }))
}
