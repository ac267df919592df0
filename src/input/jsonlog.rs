//! jsonlog (PostgreSQL 15+): one JSON object per line.

use super::record::{LogRecord, RecordSink};
use serde::Deserialize;
use std::borrow::Cow;

#[derive(Deserialize)]
struct JsonEntry<'a> {
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user: Option<Cow<'a, str>>,
    #[serde(borrow)]
    dbname: Option<Cow<'a, str>>,
    pid: Option<u64>,
    #[serde(borrow)]
    session_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    error_severity: Option<Cow<'a, str>>,
    #[serde(borrow)]
    state_code: Option<Cow<'a, str>>,
    #[serde(borrow)]
    message: Option<Cow<'a, str>>,
    #[serde(borrow)]
    detail: Option<Cow<'a, str>>,
    #[serde(borrow)]
    statement: Option<Cow<'a, str>>,
    #[serde(borrow)]
    application_name: Option<Cow<'a, str>>,
}

pub fn parse_block(block: &str, first_line: u64, sink: &mut RecordSink<'_>) {
    for (index, line) in block.split('\n').enumerate() {
        let line_number = first_line + index as u64;
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        sink.profile.summary.lines_read += 1;
        let entry: JsonEntry<'_> = match serde_json::from_str(line) {
            Ok(entry) => entry,
            Err(error) => {
                sink.skip(line_number, "bad_json_record", || error.to_string());
                continue;
            }
        };
        let pid = entry.pid.map(|pid| pid.to_string());
        let record = LogRecord {
            line: line_number,
            timestamp: entry.timestamp.as_deref(),
            at: LogRecord::parse_timestamp(entry.timestamp.as_deref()),
            session: entry.session_id.as_deref().or(pid.as_deref()),
            user: entry.user.as_deref(),
            database: entry.dbname.as_deref(),
            application: entry.application_name.as_deref().filter(|a| !a.is_empty()),
            severity: entry.error_severity.as_deref().unwrap_or(""),
            sqlstate: entry.state_code.as_deref(),
            message: entry.message.unwrap_or_default(),
            detail: entry.detail,
            query: entry.statement,
        };
        sink.apply(&record);
    }
}
