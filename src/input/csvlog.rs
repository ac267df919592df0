//! csvlog: one CSV record per entry (PostgreSQL 9.0+ column order; PG 13 added
//! `backend_type`, PG 14 `leader_pid` and `query_id` at the end, which are not needed).

use super::record::{LogRecord, RecordSink};
use crate::model::diagnostics::Kind;
use std::borrow::Cow;

const LOG_TIME: usize = 0;
const USER_NAME: usize = 1;
const DATABASE_NAME: usize = 2;
const PROCESS_ID: usize = 3;
const SESSION_ID: usize = 5;
const ERROR_SEVERITY: usize = 11;
const SQL_STATE_CODE: usize = 12;
const MESSAGE: usize = 13;
const DETAIL: usize = 14;
const QUERY: usize = 19;
const APPLICATION_NAME: usize = 22;

/// Whether a csvlog record starts at `line`: it opens with a timestamp, quoted or not (some
/// exports quote every field), and a comma.
pub fn starts_entry(line: &[u8]) -> bool {
    let line = line.strip_prefix(b"\"").unwrap_or(line);
    line.len() > 24
        && crate::model::time::parse_timestamp(&line[..19]).is_some()
        && memchr::memchr(b',', &line[..line.len().min(40)]).is_some()
}

pub fn parse_block(block: &str, first_line: u64, sink: &mut RecordSink<'_>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(block.as_bytes());
    let mut row = csv::StringRecord::new();
    let mut lines_before = 0;
    loop {
        let line = first_line + reader.position().line() - 1;
        match reader.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {
                let now = reader.position().line() - 1;
                sink.profile.summary.lines_read += now - lines_before;
                lines_before = now;
                apply_row(&row, line, sink);
            }
            Err(error) => {
                let now = reader.position().line() - 1;
                sink.profile.summary.lines_read += now.saturating_sub(lines_before);
                lines_before = now;
                sink.skip(line, Kind::BadCsvRecord, || error.to_string());
            }
        }
    }
}

fn apply_row(row: &csv::StringRecord, line: u64, sink: &mut RecordSink<'_>) {
    if row.len() <= APPLICATION_NAME {
        let fields = row.len();
        return sink.skip(line, Kind::BadCsvRecord, || {
            format!(
                "{fields} fields; a csvlog record has at least {}",
                APPLICATION_NAME + 1
            )
        });
    }
    let field = |index: usize| row.get(index).filter(|f| !f.is_empty());
    let record = LogRecord {
        line,
        timestamp: field(LOG_TIME),
        at: sink.time_of(field(LOG_TIME)),
        session: field(SESSION_ID).or(field(PROCESS_ID)),
        user: field(USER_NAME),
        database: field(DATABASE_NAME),
        application: field(APPLICATION_NAME),
        severity: row.get(ERROR_SEVERITY).unwrap_or(""),
        sqlstate: field(SQL_STATE_CODE),
        message: Cow::Borrowed(row.get(MESSAGE).unwrap_or("")),
        detail: field(DETAIL).map(Cow::Borrowed),
        query: field(QUERY).map(Cow::Borrowed),
    };
    sink.apply(&record);
}
