//! Azure Database for PostgreSQL's diagnostic-settings export (to a storage account, Event
//! Hubs or Log Analytics): records of category `PostgreSQLLogs` whose `properties` hold
//! the server's `prefix` (its `log_line_prefix` printed), `errorLevel`, `message`, `detail`,
//! `processId` and `sqlerrcode` — one record per line, or in `{"records": [ … ]}`.
//!
//! Each record is read as the parts of the stderr line the server would have printed
//! (`prefix`, `errorLevel`, `message`; its detail as a `DETAIL:` line) by
//! [`carried`](super::carried), like every message carried in an envelope.

use super::bytes::{skip_space, starts_with};
use super::carried::{Carried, Parts};
use super::json_objects::Opening;
use super::json_scan::{KeyOrder, Raw, fields, nested_fields_at, text, text_or_digits};
use super::stderr::{Envelope, EnvelopeTime};
use std::borrow::Cow;

/// Whether `head` (a line, or a file's first bytes) is such an export: a record of any
/// category (those of other categories are noted on their line and left out).
pub fn looks_like(head: &[u8]) -> bool {
    let has = |key: &[u8]| memchr::memmem::find(head, key).is_some();
    has(b"\"category\"") && has(b"\"properties\"")
}

/// What one top-level object of the export holds.
pub enum Found<'a> {
    /// A record's message (none from a journal entry of another program).
    Message(Option<Carried<'a>>),
    /// An Azure record's line, given as its parts.
    Parts(Envelope<'a>, Parts<'a>),
    /// The `records` array of a wrapper object, and the line it starts on.
    Records(&'a str, u64),
    /// The records of a wrapper object, read in the pass that found its end.
    Read(Records<'a>),
    /// A record of another category (sessions, Query Store, …): not a server log line.
    Other(String),
}

/// What one object holds, or why it cannot be read.
pub type Read<'a> = Result<Found<'a>, String>;

/// What each record of a wrapper holds, with the line it starts on.
pub type Records<'a> = Vec<(u64, Read<'a>)>;

/// The keys of a record (or of a wrapper: `records`), and of its `properties`.
const KEYS: [&str; 4] = ["records", "time", "category", "properties"];
const PROPERTIES: [&str; 5] = ["prefix", "errorLevel", "message", "detail", "processId"];

/// Reads the object that opens `at`, in the pass that finds its end; `None` for an object
/// the scan does not answer ([`read`] then says why).
pub fn read_at<'a>(at: Opening<'a>, order: &mut KeyOrder) -> Option<(Read<'a>, usize)> {
    if let Some((records, end)) = records_at(at, order) {
        return Some((Ok(Found::Read(records)), end));
    }
    record_at(at.within, at.start, at.line, order)
}

/// Reads the wrapper `{"records": [ … ]}` at `opening` record by record, in one pass
/// (not the wrapper's and then each record's): what each holds, and the offset after the
/// wrapper. `None` for any other object, or a wrapper with anything else in it.
fn records_at<'a>(opening: Opening<'a>, order: &mut KeyOrder) -> Option<(Records<'a>, usize)> {
    let Opening {
        within: text,
        start,
        mut line,
        one_line,
    } = opening;
    let bytes = text.as_bytes();
    let after = |at: usize, punctuation: &[u8]| {
        let at = skip_space(bytes, at);
        starts_with(&bytes[at..], punctuation).then_some(at + punctuation.len())
    };
    let mut at = after(after(after(start, b"{")?, b"\"records\"")?, b":")?;
    at = after(at, b"[")?;
    let mut records = Vec::new();
    if let Some(end) = after(at, b"]") {
        return Some((records, after(end, b"}")?));
    }
    // The lines are counted up to each record as it is reached, unless all are on one.
    let mut counted = start;
    loop {
        let record = skip_space(bytes, at);
        if !one_line {
            line += memchr::memchr_iter(b'\n', &bytes[counted..record]).count() as u64;
            counted = record;
        }
        let (found, end) = record_at(text, record, line, order)?;
        records.push((line, found));
        match after(end, b",") {
            Some(next) => at = next,
            None => return Some((records, after(after(end, b"]")?, b"}")?)),
        }
    }
}

/// Reads the object that opens at `start` as one record (or a wrapper, by its fields).
fn record_at<'a>(
    text: &'a str,
    start: usize,
    line: u64,
    order: &mut KeyOrder,
) -> Option<(Read<'a>, usize)> {
    let (outer, properties, end) = nested_fields_at(text, start, KEYS, (3, PROPERTIES), order)?;
    let properties = outer[3].map(|raw| {
        if raw.text.starts_with('{') {
            Ok(properties)
        } else {
            Err(not_readable(raw.text))
        }
    });
    Some((record(outer, properties, &text[start..], line), end))
}

/// Reads the object that starts at `line`.
pub fn read(object: &str, line: u64) -> Read<'_> {
    let bytes = object.as_bytes();
    let opening = Opening {
        within: object,
        start: skip_space(bytes, 0),
        line,
        one_line: false,
    };
    if let Some((records, end)) = records_at(opening, &mut KeyOrder::default())
        && skip_space(bytes, end) == bytes.len()
    {
        return Ok(Found::Read(records));
    }
    let outer = fields(object, KEYS).ok_or_else(|| not_readable(object))?;
    let properties =
        outer[3].map(|raw| fields(raw.text, PROPERTIES).ok_or_else(|| not_readable(raw.text)));
    record(outer, properties, object, line)
}

/// A record from its fields (`properties`: those of its `properties`, or why they could
/// not be read); `object` holds them all.
fn record<'a>(
    [records, time, category, _]: [Option<Raw<'a>>; 4],
    properties: Option<Result<[Option<Raw<'a>>; 5], String>>,
    object: &'a str,
    line: u64,
) -> Read<'a> {
    if let Some(records) = records.filter(|r| r.text.starts_with('[')) {
        return Ok(Found::Records(
            records.text,
            line + newlines_before(object, records.text),
        ));
    }
    let category = text(category).flatten();
    if let Some(category) = category.filter(|c| *c != "PostgreSQLLogs") {
        return Ok(Found::Other(category.into_owned()));
    }
    let properties = properties.ok_or("an Azure record without properties")??;
    let [prefix, level, message, detail, pid] = properties;
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
        at: EnvelopeTime::OfTimestamp,
        process,
    };
    let parts = Parts {
        printed: prefix.unwrap_or_default(),
        severity: level,
        message,
        detail: detail.filter(|d| !d.is_empty()),
    };
    Ok(Found::Parts(envelope, parts))
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
