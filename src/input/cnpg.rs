//! CloudNativePG: JSON lines from the instance manager; the server's entries are those of
//! logger `postgres` with `msg` `record`, whose `record` object holds csvlog's columns by
//! name (`log_time`, `user_name`, `error_severity`, `message`, `detail`, `query`, …).
//! Lines of the operator's other loggers are noted and left out.

use super::json_objects::{Piece, Text, pieces};
use super::record::{LogRecord, RecordSink};
use crate::model::diagnostics::Kind;
use serde::Deserialize;

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    logger: Option<Text<'a>>,
    #[serde(borrow)]
    record: Option<Record<'a>>,
}

/// csvlog's columns; all text (the operator writes numbers as strings too).
#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    log_time: Option<Text<'a>>,
    #[serde(borrow)]
    user_name: Option<Text<'a>>,
    #[serde(borrow)]
    database_name: Option<Text<'a>>,
    #[serde(borrow)]
    process_id: Option<Number<'a>>,
    #[serde(borrow)]
    session_id: Option<Text<'a>>,
    #[serde(borrow)]
    error_severity: Option<Text<'a>>,
    #[serde(borrow)]
    sql_state_code: Option<Text<'a>>,
    #[serde(borrow)]
    message: Option<Text<'a>>,
    #[serde(borrow)]
    detail: Option<Text<'a>>,
    #[serde(borrow)]
    query: Option<Text<'a>>,
    #[serde(borrow)]
    application_name: Option<Text<'a>>,
}

/// A value written as a string or as a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum Number<'a> {
    #[serde(borrow)]
    Text(Text<'a>),
    Number(u64),
}

pub fn parse_block(block: &str, first_line: u64, sink: &mut RecordSink<'_>) {
    for (line, piece) in pieces(block, first_line) {
        match piece {
            Piece::Object(object) => read_object(object, line, sink),
            Piece::Stray(text) => {
                let excerpt: String = text.chars().take(100).collect();
                sink.skip(line, Kind::NotJsonObject, || {
                    format!("`{excerpt}` is not a JSON object of CloudNativePG's log")
                });
            }
        }
    }
}

fn read_object(object: &str, line: u64, sink: &mut RecordSink<'_>) {
    let parsed: Line<'_> = match serde_json::from_str(object) {
        Ok(parsed) => parsed,
        Err(error) => return sink.skip(line, Kind::BadJsonRecord, || error.to_string()),
    };
    let record = match (parsed.record, parsed.logger) {
        (Some(record), _) => record,
        (None, Some(Text(logger))) => {
            return sink.diagnose(line, Kind::OtherProgram, || {
                format!("a line of the operator's logger `{logger}`, not a server record; ignored")
            });
        }
        (None, None) => {
            return sink.skip(line, Kind::BadJsonRecord, || {
                "an object without CloudNativePG's fields (logger, record)".into()
            });
        }
    };
    let Record {
        log_time,
        user_name,
        database_name,
        process_id,
        session_id,
        error_severity,
        sql_state_code,
        message,
        detail,
        query,
        application_name,
    } = record;
    let (Some(severity), Some(message)) = (error_severity, message) else {
        return sink.skip(line, Kind::BadJsonRecord, || {
            "a CloudNativePG record without error_severity or message".into()
        });
    };
    let mut pid_text = itoa::Buffer::new();
    let pid = match &process_id {
        Some(Number::Text(pid)) => Some(pid.0.as_ref()),
        Some(Number::Number(pid)) => Some(pid_text.format(*pid)),
        None => None,
    };
    let timestamp = present(&log_time);
    let entry = LogRecord {
        line,
        timestamp,
        at: LogRecord::parse_timestamp(timestamp),
        session: present(&session_id).or(pid),
        user: present(&user_name),
        database: present(&database_name),
        application: present(&application_name),
        severity: &severity.0,
        sqlstate: present(&sql_state_code),
        message: message.0,
        detail: detail.map(|d| d.0).filter(|d| !d.is_empty()),
        query: query.map(|q| q.0).filter(|q| !q.is_empty()),
    };
    sink.apply(&entry);
}

/// A column's text, unless it is empty.
fn present<'v>(value: &'v Option<Text<'_>>) -> Option<&'v str> {
    value
        .as_ref()
        .map(|v| v.0.as_ref())
        .filter(|v| !v.is_empty())
}
