//! CloudNativePG: JSON lines from the instance manager; the server's entries are those of
//! logger `postgres` with `msg` `record`, whose `record` object holds csvlog's columns by
//! name (`log_time`, `user_name`, `error_severity`, `message`, `detail`, `query`, …).
//! Lines of the operator's other loggers are noted and left out.

use super::json_objects::{Opening, Pieces, Text, read_pieces, text_of};
use super::json_scan::{self, KeyOrder};
use super::record::{LogRecord, RecordSink};
use crate::model::diagnostics::Kind;
use serde::Deserialize;
use std::borrow::Cow;

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

/// A line's fields as text, read by the scan or, for a line it leaves, by serde_json.
#[derive(Default)]
struct Fields<'a> {
    logger: Option<Cow<'a, str>>,
    record: Option<[Option<Cow<'a, str>>; COLUMNS.len()]>,
}

/// The record's columns planwise reads, in this order.
const COLUMNS: [&str; 11] = [
    "log_time",
    "user_name",
    "database_name",
    "process_id",
    "session_id",
    "error_severity",
    "sql_state_code",
    "message",
    "detail",
    "query",
    "application_name",
];

pub fn parse_block(block: &str, first_line: u64, sink: &mut RecordSink<'_>) {
    let mut reader = Reader {
        order: KeyOrder::default(),
        sink,
    };
    let lines_with_text = read_pieces(block, first_line, &mut reader);
    reader.sink.profile.summary.lines_read += lines_with_text;
}

/// Reads a block's lines into the sink, each as it is cut.
struct Reader<'s, 'r> {
    order: KeyOrder,
    sink: &'s mut RecordSink<'r>,
}

impl<'a> Pieces<'a> for Reader<'_, '_> {
    fn read(&mut self, at: Opening<'a>) -> Option<usize> {
        let (fields, end) = scan(at.within, at.start, &mut self.order)?;
        apply(fields, at.line, self.sink);
        Some(end)
    }

    fn object(&mut self, object: &'a str, line: u64) {
        match deserialize(object) {
            Ok(fields) => apply(fields, line, self.sink),
            Err(error) => self
                .sink
                .skip(line, Kind::BadJsonRecord, || error.to_string()),
        }
    }

    fn stray(&mut self, text: &'a str, line: u64) {
        let excerpt: String = text.chars().take(100).collect();
        self.sink.skip(line, Kind::NotJsonObject, || {
            format!("`{excerpt}` is not a JSON object of CloudNativePG's log")
        });
    }
}

/// Reads the line that opens at `start` in the pass that finds its end; `None` for what
/// the scan does not answer, left to serde_json.
fn scan<'a>(text: &'a str, start: usize, order: &mut KeyOrder) -> Option<(Fields<'a>, usize)> {
    let keys = ["logger", "record"];
    let (outer, inner, end) = json_scan::nested_fields_at(text, start, keys, (1, COLUMNS), order)?;
    let [logger, record] = outer;
    let record = match record {
        None => None,
        Some(raw) if raw.text == "null" => None,
        Some(raw) if raw.text.starts_with('{') => {
            let mut columns: [Option<Cow<'_, str>>; COLUMNS.len()] = Default::default();
            for (index, (column, raw)) in columns.iter_mut().zip(inner).enumerate() {
                *column = if index == PROCESS_ID {
                    json_scan::text_or_digits(raw)?
                } else {
                    json_scan::text(raw)?
                };
            }
            Some(columns)
        }
        Some(_) => return None,
    };
    let logger = json_scan::text(logger)?;
    Some((Fields { logger, record }, end))
}

/// Where `process_id` is in [`COLUMNS`]: written as a string or as a number.
const PROCESS_ID: usize = 3;

fn deserialize(object: &str) -> Result<Fields<'_>, serde_json::Error> {
    let parsed: Line<'_> = serde_json::from_str(object)?;
    let record = parsed.record.map(|record| {
        let pid = record.process_id.map(|pid| match pid {
            Number::Text(pid) => pid.0,
            Number::Number(pid) => Cow::Owned(pid.to_string()),
        });
        [
            text_of(record.log_time),
            text_of(record.user_name),
            text_of(record.database_name),
            pid,
            text_of(record.session_id),
            text_of(record.error_severity),
            text_of(record.sql_state_code),
            text_of(record.message),
            text_of(record.detail),
            text_of(record.query),
            text_of(record.application_name),
        ]
    });
    Ok(Fields {
        logger: parsed.logger.map(|logger| logger.0),
        record,
    })
}

fn apply(fields: Fields<'_>, line: u64, sink: &mut RecordSink<'_>) {
    let record = match (fields.record, fields.logger) {
        (Some(record), _) => record,
        (None, Some(logger)) => {
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
    let [
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
    ] = record;
    let (Some(severity), Some(message)) = (error_severity, message) else {
        return sink.skip(line, Kind::BadJsonRecord, || {
            "a CloudNativePG record without error_severity or message".into()
        });
    };
    let timestamp = present(&log_time);
    let entry = LogRecord {
        line,
        timestamp,
        at: sink.time_of(timestamp),
        session: present(&session_id).or(process_id.as_deref()),
        user: present(&user_name),
        database: present(&database_name),
        application: present(&application_name),
        severity: &severity,
        sqlstate: present(&sql_state_code),
        message,
        detail: detail.filter(|d| !d.is_empty()),
        query: query.filter(|q| !q.is_empty()),
    };
    sink.apply(&entry);
}

/// A column's text, unless it is empty.
fn present<'v>(value: &'v Option<Cow<'_, str>>) -> Option<&'v str> {
    value.as_deref().filter(|v| !v.is_empty())
}
