//! jsonlog (PostgreSQL 15+): one JSON object per line.
//!
//! PostgreSQL writes these lines itself (`write_jsonlog` in elog.c): one flat object, plain
//! keys, string values escaped as JSON, integers. A direct scan of exactly that shape reads
//! a record in about half the time serde_json takes; any line it does not recognise goes to
//! serde_json, so both accept and reject the same lines.

use super::ingest::lines;
use super::json_scan::{quote_or_backslash, string_at};
use super::record::{LogRecord, RecordSink};
use crate::model::diagnostics::Kind;
use serde::Deserialize;
use std::borrow::Cow;

#[derive(Deserialize, Default, Debug, PartialEq)]
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
    let mut pid_text = itoa::Buffer::new();
    for (index, line) in lines(block).enumerate() {
        let line_number = first_line + index as u64;
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        sink.profile.summary.lines_read += 1;
        let entry: JsonEntry<'_> = match scan(line).map_or_else(|| serde_json::from_str(line), Ok) {
            Ok(entry) => entry,
            Err(error) => {
                sink.skip(line_number, Kind::BadJsonRecord, || error.to_string());
                continue;
            }
        };
        // The server writes error_severity on every line: an object without it is some
        // other program's JSON, not an entry read as one with nothing in it.
        let Some(severity) = entry.error_severity.as_deref() else {
            sink.skip(line_number, Kind::BadJsonRecord, || {
                "an object without jsonlog's fields (error_severity, message)".into()
            });
            continue;
        };
        let pid = entry.pid.map(|pid| pid_text.format(pid));
        let record = LogRecord {
            line: line_number,
            timestamp: entry.timestamp.as_deref(),
            at: sink.time_of(entry.timestamp.as_deref()),
            session: entry.session_id.as_deref().or(pid),
            user: entry.user.as_deref(),
            database: entry.dbname.as_deref(),
            application: entry.application_name.as_deref().filter(|a| !a.is_empty()),
            severity,
            sqlstate: entry.state_code.as_deref(),
            message: entry.message.unwrap_or_default(),
            detail: entry.detail,
            query: entry.statement,
        };
        sink.apply(&record);
    }
}

/// Reads a line in PostgreSQL's own jsonlog shape; `None` for anything else.
fn scan(line: &str) -> Option<JsonEntry<'_>> {
    let bytes = line.as_bytes();
    let mut entry = JsonEntry::default();
    let mut at = 1;
    if bytes.first() != Some(&b'{') {
        return None;
    }
    if bytes.get(1) == Some(&b'}') {
        return (bytes.len() == 2).then_some(entry);
    }
    loop {
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let key_end = at + 1 + quote_or_backslash(&bytes[at + 1..])?;
        if bytes[key_end] != b'"' || bytes.get(key_end + 1) != Some(&b':') {
            return None;
        }
        let key = &line[at + 1..key_end];
        at = key_end + 2;
        if bytes.get(at) == Some(&b'"') {
            let (value, end) = string_at(line, at + 1)?;
            let field = match key {
                "timestamp" => &mut entry.timestamp,
                "user" => &mut entry.user,
                "dbname" => &mut entry.dbname,
                "session_id" => &mut entry.session_id,
                "error_severity" => &mut entry.error_severity,
                "state_code" => &mut entry.state_code,
                "message" => &mut entry.message,
                "detail" => &mut entry.detail,
                "statement" => &mut entry.statement,
                "application_name" => &mut entry.application_name,
                "pid" => return None,
                _ => {
                    at = end;
                    continue_or_end(bytes, &mut at)?;
                    if at == bytes.len() {
                        return Some(entry);
                    }
                    continue;
                }
            };
            // serde_json rejects a repeated field; so does the fallback.
            if field.replace(value).is_some() {
                return None;
            }
            at = end;
        } else {
            let sign = usize::from(bytes.get(at) == Some(&b'-'));
            let digits = sign
                + bytes[at + sign..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
            if digits == sign {
                return None;
            }
            if key == "pid" {
                let pid = line[at..at + digits].parse().ok()?;
                if entry.pid.replace(pid).is_some() {
                    return None;
                }
            }
            at += digits;
        }
        continue_or_end(bytes, &mut at)?;
        if at == bytes.len() {
            return Some(entry);
        }
    }
}

/// After a value: `,` moves on to the next key, `}` must end the line.
fn continue_or_end(bytes: &[u8], at: &mut usize) -> Option<()> {
    match bytes.get(*at)? {
        b',' => *at += 1,
        b'}' if *at + 1 == bytes.len() => *at += 1,
        _ => return None,
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan agrees with serde_json wherever it answers, and answers on real lines.
    fn agrees(line: &str) {
        let serde: Result<JsonEntry<'_>, _> = serde_json::from_str(line);
        if let Some(entry) = scan(line) {
            assert_eq!(Ok(&entry), serde.as_ref().map_err(|_| ()), "{line}");
        }
    }

    #[test]
    fn real_lines_are_scanned_and_agree_with_serde_json() {
        let log = include_str!("../../fixtures/logs/shop.json");
        for line in log.lines() {
            assert!(scan(line).is_some(), "{line}");
            agrees(line);
        }
    }

    #[test]
    fn escapes_and_odd_lines_agree_with_serde_json() {
        for line in [
            r#"{"message":"a \"quoted\" \\ word\n\tnext \u00e9 \ud83d\ude00 \/"}"#,
            r#"{"pid":12,"pid":13}"#,
            r#"{"message":"x","message":"y"}"#,
            r#"{"pid":-1}"#,
            r#"{"pid":"12"}"#,
            r#"{"message":null}"#,
            r#"{"message":"\ud800"}"#,
            r#"{"message":"\x"}"#,
            r#"{ "message":"spaced"}"#,
            r#"{"message":"unterminated}"#,
            r#"{"a":1}trailing"#,
            r#"{}"#,
            r#"{"nested":{"a":1}}"#,
            "{\"message\":\"raw\ttab\"}",
        ] {
            agrees(line);
        }
        assert_eq!(
            scan(r#"{"message":"a \"q\" \u00e9"}"#)
                .unwrap()
                .message
                .as_deref(),
            Some("a \"q\" é")
        );
    }

    proptest::proptest! {
        /// Lines put together from JSON's pieces: whatever the scan answers, serde_json
        /// answers the same.
        #[test]
        fn the_scan_never_disagrees_with_serde_json(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "{", "}", ",", ":", "\"", "\"message\"", "\"pid\"", "\"user\"",
                    "\"query_id\"", "12", "-3", "1.5", "null", "true", "\\", "\\n",
                    "\\u00e9", "\\ud83d", "\\ude00", "\\\"", "x", " ", "\t", "é",
                ]),
                0..24,
            )
        ) {
            agrees(&pieces.concat());
            agrees(&format!("{{\"message\":\"{}\",\"pid\":7}}", pieces.concat()));
        }
    }
}
