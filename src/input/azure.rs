//! Azure Database for PostgreSQL's diagnostic-settings export (to a storage account, Event
//! Hubs or Log Analytics): records of category `PostgreSQLLogs` whose `properties` hold
//! the server's `prefix` (its `log_line_prefix` printed), `errorLevel`, `message`, `detail`,
//! `processId` and `sqlerrcode` — one record per line, or in `{"records": [ … ]}`.
//!
//! Each record becomes the stderr lines the server would have printed (`prefix` +
//! `errorLevel:  message`, then a `DETAIL:` line), read by [`carried`](super::carried)
//! like every message carried in an envelope.

use super::carried::Carried;
use super::json_objects::{Piece, pieces};
use super::json_scan::{fields, text, text_or_digits};
use super::stderr::Envelope;
use std::borrow::Cow;

/// Whether `head` (a file's first bytes) is such an export.
pub fn looks_like(head: &[u8]) -> bool {
    let has = |key: &[u8]| memchr::memmem::find(head, key).is_some();
    has(b"PostgreSQLLogs") && has(b"\"properties\"")
}

/// What one top-level object of the export holds.
pub enum Found<'a> {
    /// A record's stderr lines: its message, and its detail when it has one.
    Lines([Option<Carried<'a>>; 2]),
    /// The `records` array of a wrapper object, and the line it starts on.
    Records(Vec<(u64, Piece<'a>)>),
    /// A record of another category (sessions, Query Store, …): not a server log line.
    Other(String),
}

/// Reads the object that starts at `line`.
pub fn read(object: &str, line: u64) -> Result<Found<'_>, String> {
    let [records, time, category, properties] =
        fields(object, ["records", "time", "category", "properties"])
            .ok_or_else(|| not_readable(object))?;
    if let Some(records) = records.filter(|r| r.starts_with('[')) {
        let starts_on = line + newlines_before(object, records);
        return Ok(Found::Records(pieces(records, starts_on).collect()));
    }
    let category = text(category).flatten();
    if let Some(category) = category.filter(|c| *c != "PostgreSQLLogs") {
        return Ok(Found::Other(category.into_owned()));
    }
    let properties = properties.ok_or("an Azure record without properties")?;
    let [prefix, level, message, detail, pid] = fields(
        properties,
        ["prefix", "errorLevel", "message", "detail", "processId"],
    )
    .ok_or_else(|| not_readable(properties))?;
    let strings = (text(prefix), text(level), text(message), text(detail));
    let (Some(prefix), Some(level), Some(message), Some(detail)) = strings else {
        return Err(
            "an Azure record whose prefix, errorLevel, message or detail is not text".into(),
        );
    };
    let (Some(level), Some(message)) = (level, message) else {
        return Err("an Azure record without properties.errorLevel or properties.message".into());
    };
    let time = text(time).flatten().and_then(|t| match t {
        Cow::Borrowed(t) => Some(t),
        Cow::Owned(_) => None,
    });
    let process = text_or_digits(pid).flatten().and_then(|p| match p {
        Cow::Borrowed(p) => Some(p),
        Cow::Owned(_) => None,
    });
    let envelope = Envelope {
        timestamp: time,
        at: time.and_then(|t| crate::model::time::parse_timestamp(t.as_bytes())),
        process,
    };
    let prefix = prefix.unwrap_or_default();
    // A message's further lines, as stderr prints them (a tab first, which is taken off).
    let carried = |severity: &str, text: &str| Carried {
        line,
        envelope,
        chunk: None,
        text: Cow::Owned(format!(
            "{prefix}{severity}:  {}",
            text.replace('\n', "\n\t")
        )),
    };
    let detail = detail.filter(|d| !d.is_empty());
    Ok(Found::Lines([
        Some(carried(&level, &message)),
        detail.map(|d| carried("DETAIL", &d)),
    ]))
}

/// Why an object could not be read: serde_json's word on it when it is not JSON.
fn not_readable(object: &str) -> String {
    match serde_json::from_str::<serde::de::IgnoredAny>(object) {
        Err(error) => error.to_string(),
        Ok(_) => "an object of unexpected shape for an Azure export record".into(),
    }
}

/// Lines that `part`, a slice of `object`, starts below the object's first.
fn newlines_before(object: &str, part: &str) -> u64 {
    let offset = part.as_ptr() as usize - object.as_ptr() as usize;
    memchr::memchr_iter(b'\n', &object.as_bytes()[..offset]).count() as u64
}
