//! One log entry in a format-independent shape, and what it means for the workload.
//!
//! stderr, csvlog and jsonlog all come down to a [`LogRecord`]; [`RecordSink::apply`] then
//! reads its message (`duration: … ms  statement: …`, `execute <unnamed>: …`, an `ERROR`
//! with its statement, …) and feeds the profile. Keeping this in one place is what makes
//! the three formats give the same fingerprints and counts.

use super::events::{self, Event};
use super::plans;
use crate::model::diagnostics::{Example, Kind};
use crate::model::events::TimedEvent;
use crate::model::time::{LastMinute, Millis, zone_label};
use crate::model::workload::{Call, Origin, Profile};
use crate::sql::fingerprint::Fingerprinter;
use crate::sql::is_own_statement;
use std::borrow::Cow;
use xxhash_rust::xxh3::xxh3_64;

#[derive(Debug, Default)]
pub struct LogRecord<'a> {
    /// 1-based line where the entry starts.
    pub line: u64,
    pub timestamp: Option<&'a str>,
    /// `timestamp` parsed, once, by the format's reader (the stderr prefix parses it anyway
    /// to recognise a line).
    pub at: Option<Millis>,
    /// `%c` session id, or the backend pid when there is none.
    pub session: Option<&'a str>,
    pub user: Option<&'a str>,
    pub database: Option<&'a str>,
    pub application: Option<&'a str>,
    pub severity: &'a str,
    pub sqlstate: Option<&'a str>,
    pub message: Cow<'a, str>,
    pub detail: Option<Cow<'a, str>>,
    /// The statement an error was raised in (`STATEMENT:` / csv `query`).
    pub query: Option<Cow<'a, str>>,
}

/// Where records are accounted: one per block of log, with the state reused across lines.
pub struct RecordSink<'f> {
    pub profile: Profile,
    pub file: &'f str,
    fingerprinter: Fingerprinter,
    /// The minute of the last timestamp field read.
    last_minute: LastMinute,
}

/// What a `LOG` message says about statements.
enum Message<'a> {
    /// Ran and was timed.
    Executed { us: u64, statement: &'a str },
    /// Logged as it started; a `duration:` line may follow.
    Started { statement: &'a str },
    /// A duration on its own.
    Duration { us: u64 },
    /// An `auto_explain` plan and its executor time: not a call (see `plans`).
    Plan { us: u64, text: &'a str },
    /// `connection received` / `connection authorized` (`log_connections`).
    Connected { authorized: bool },
    /// `disconnection: session time: …` (`log_disconnections`).
    Disconnected { session_ms: Option<u64> },
    /// What the server says happened besides statements.
    Event(Event<'a>),
    /// Parse/bind phases and everything else.
    Other,
}

impl<'f> RecordSink<'f> {
    pub fn new(file: &'f str) -> Self {
        RecordSink {
            profile: Profile::default(),
            file,
            fingerprinter: Fingerprinter::new(),
            last_minute: LastMinute::default(),
        }
    }

    /// The time of a timestamp field, for the formats that do not parse it to read a line
    /// (csvlog, jsonlog, CloudNativePG): a line's minute is nearly always the last one's.
    pub fn time_of(&mut self, timestamp: Option<&str>) -> Option<Millis> {
        self.last_minute.parse(timestamp?.as_bytes())
    }

    pub fn skip(&mut self, line: u64, kind: Kind, reason: impl FnOnce() -> String) {
        self.profile.summary.lines_skipped += 1;
        self.diagnose(line, kind, reason);
    }

    pub fn diagnose(&mut self, line: u64, kind: Kind, reason: impl FnOnce() -> String) {
        let file = self.file;
        self.profile.diagnostics.report(kind, || Example {
            file: file.to_string(),
            line,
            reason: reason(),
        });
    }

    pub fn apply(&mut self, record: &LogRecord<'_>) {
        let at = record.at;
        if at.is_some() && self.profile.summary.timezone.is_none() {
            self.profile
                .note_timezone(record.timestamp.and_then(zone_label));
        }
        match record.severity {
            "LOG" => self.apply_log(record, at),
            "ERROR" | "FATAL" | "PANIC" => self.apply_error(record, at),
            _ => {}
        }
    }

    fn apply_log(&mut self, record: &LogRecord<'_>, at: Option<Millis>) {
        let message = match classify(&record.message) {
            Some(message) => message,
            None => {
                let excerpt = excerpt(&record.message);
                self.diagnose(record.line, Kind::BadDuration, || {
                    format!("unreadable duration in `{excerpt}`")
                });
                return;
            }
        };
        let (statement, duration_us) = match message {
            Message::Executed { us, statement } => (statement, Some(us)),
            Message::Started { statement } => (statement, None),
            Message::Duration { us } => {
                return self.profile.duration_logged(record.session, us, at);
            }
            Message::Connected { authorized } => {
                self.profile.events.connections.authorized += u64::from(authorized);
                if authorized {
                    let timeline = &mut self.profile.events.timeline;
                    timeline.record(at, TimedEvent::Connection);
                }
                return self.profile.session_started(record.session);
            }
            Message::Disconnected { session_ms } => {
                self.profile.events.connections.disconnected(session_ms);
                return self.profile.session_ended(record.session);
            }
            Message::Event(event) => return self.apply_event(record, event, at),
            Message::Plan { us, text } => return self.apply_plan(text, us),
            Message::Other => return,
        };
        if is_own_statement(statement) {
            // planwise's own catalog reads and plans, logged by the server it read.
            return self.diagnose(record.line, Kind::OwnStatementLeftOut, || {
                "planwise's own statement".to_string()
            });
        }
        let parameters = record
            .detail
            .as_deref()
            .and_then(|detail| detail.strip_prefix("parameters: "));
        let fingerprint = self.fingerprinter.fingerprint(statement.as_bytes());
        let values_hash = match parameters {
            Some(parameters) => fingerprint.values_hash ^ xxh3_64(parameters.as_bytes()),
            None => fingerprint.values_hash,
        };
        let call = Call {
            fingerprint: fingerprint.id,
            normalized: fingerprint.normalized,
            statement,
            parameters,
            values_hash,
            offset: fingerprint
                .offset
                .and_then(|offset| offset.rows(parameters)),
            duration_us,
            at,
            origin: Origin {
                database: record.database,
                user: record.user,
                application: record.application,
            },
            location: Some((self.file, record.line)),
        };
        if duration_us.is_some() {
            self.profile.execute(record.session, &call);
        } else {
            self.profile.statement_logged(record.session, &call);
        }
    }

    fn apply_error(&mut self, record: &LogRecord<'_>, at: Option<Millis>) {
        let sqlstate = record
            .sqlstate
            .or_else(|| verbose_sqlstate(&record.message))
            .or_else(|| sqlstate_of_message(&record.message));
        let statement = self.statement_of_record(record);
        self.profile.record_error(
            sqlstate,
            statement
                .as_ref()
                .map(|(id, normalized)| (*id, normalized.as_slice())),
            at,
        );
        if let Some((id, _)) = &statement {
            self.profile.statement_failed(record.session, *id);
        }
        let message = match verbose_sqlstate(&record.message) {
            Some(_) => &record.message[7..],
            None => &record.message[..],
        };
        if let Some(cancellation) = events::cancellation(message) {
            self.profile.events.cancellations.add(cancellation);
            let timeline = &mut self.profile.events.timeline;
            timeline.record(at, TimedEvent::Cancellation);
            if let Some((id, normalized)) = &statement {
                self.profile
                    .query_events(*id, normalized)
                    .cancellations
                    .add(cancellation);
            }
        } else if message == "deadlock detected" {
            let statements: Vec<_> = record
                .detail
                .as_deref()
                .map(events::deadlock_statements)
                .unwrap_or_default()
                .iter()
                .map(|statement| self.fingerprint(statement))
                .collect();
            self.profile.deadlock(&statements);
            let timeline = &mut self.profile.events.timeline;
            timeline.record(at, TimedEvent::Deadlock);
        }
    }

    /// A plan `auto_explain` logged: counted, and kept by the statement it names when it
    /// is one of its slowest (its tree read only then).
    fn apply_plan(&mut self, text: &str, us: u64) {
        let Some(logged) = plans::statement(text) else {
            // YAML or XML, or cut short: a plan all the same.
            self.profile.events.plans += 1;
            return;
        };
        if is_own_statement(&logged.query) {
            return;
        }
        self.profile.events.plans += 1;
        let (id, normalized) = self.fingerprint(&logged.query);
        let events = self.profile.query_events(id, &normalized);
        let tree = events.keeps(us).then(|| logged.tree(us)).flatten();
        events.plan_logged(tree);
    }

    /// The fingerprint and normalized text of a statement.
    fn fingerprint(&mut self, statement: &str) -> (u64, Vec<u8>) {
        let fingerprint = self.fingerprinter.fingerprint(statement.as_bytes());
        (fingerprint.id, fingerprint.normalized.to_vec())
    }

    /// The statement the entry was logged in (`STATEMENT:` / csv `query`), fingerprinted.
    fn statement_of_record(&mut self, record: &LogRecord<'_>) -> Option<(u64, Vec<u8>)> {
        record.query.as_deref().map(|query| self.fingerprint(query))
    }

    /// An event the server logged; what a statement caused goes to that statement too.
    fn apply_event(&mut self, record: &LogRecord<'_>, event: Event<'_>, at: Option<Millis>) {
        let statement = self.statement_of_record(record);
        let events = &mut self.profile.events;
        if let Some(timed) = event.timed() {
            events.timeline.record(at, timed);
        }
        match event {
            Event::TempFile { bytes } => {
                events.temp_files.add(bytes);
                match statement {
                    Some((id, normalized)) => self
                        .profile
                        .query_events(id, &normalized)
                        .temp_files
                        .add(bytes),
                    None => self.profile.temp_file_in_session(record.session, bytes),
                }
            }
            Event::LockWaiting { lock } => {
                events.lock_waits += 1;
                if let Some((id, normalized)) = statement {
                    self.profile.query_events(id, &normalized).lock_waits += 1;
                    let holders = record.detail.as_deref().map(super::events::lock_holders);
                    self.profile.lock_wait_blocked(
                        id,
                        &holders.unwrap_or_default(),
                        &super::events::lock_target(lock),
                    );
                }
            }
            Event::LockAcquired { waited_us } => {
                events.locks_acquired += 1;
                events.lock_acquired_wait_us += waited_us;
                if let Some((id, normalized)) = statement {
                    let query = self.profile.query_events(id, &normalized);
                    query.locks_acquired += 1;
                    query.lock_acquired_wait_us += waited_us;
                }
            }
            Event::Autovacuum { kind, table, run } => {
                let table = match events.autovacuum.get_mut(table) {
                    Some(table) => table,
                    None => events.autovacuum.entry(table.to_string()).or_default(),
                };
                table.record(kind, &run, at);
            }
            Event::CheckpointStarting(cause) => events.checkpoints.started(cause),
            Event::CheckpointComplete(done) => events.checkpoints.completed(&done),
            Event::CheckpointsTooFrequent { seconds_apart } => {
                events.checkpoints.warned_too_frequent(seconds_apart)
            }
        }
    }
}

/// With `log_error_verbosity = verbose` the message starts with the SQLSTATE: `42P01: …`.
fn verbose_sqlstate(message: &str) -> Option<&str> {
    let code = message.get(..5)?;
    (message[5..].starts_with(": ")
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
    .then_some(code)
}

/// The SQLSTATE of the most common errors, from their (English) message: stderr logs
/// without `%e` in the prefix otherwise lose it. Checked in order; first match wins.
const SQLSTATE_BY_MESSAGE: &[(&[&str], &str)] = &[
    (&["division by zero"], "22012"),
    (&["duplicate key value violates unique constraint"], "23505"),
    (&["violates foreign key constraint"], "23503"),
    (&["violates not-null constraint"], "23502"),
    (&["violates check constraint"], "23514"),
    (&["syntax error at"], "42601"),
    (&["current transaction is aborted"], "25P02"),
    (&["canceling statement due to statement timeout"], "57014"),
    (&["canceling statement due to user request"], "57014"),
    (&["canceling statement due to lock timeout"], "55P03"),
    (&["could not obtain lock"], "55P03"),
    (&["deadlock detected"], "40P01"),
    (&["could not serialize access"], "40001"),
    (&["value too long for type"], "22001"),
    (&["invalid input syntax for"], "22P02"),
    (&["out of range"], "22003"),
    (&["numeric field overflow"], "22003"),
    (&["more than one row returned by a subquery"], "21000"),
    (&["in a read-only transaction"], "25006"),
    (&["permission denied"], "42501"),
    (&["function ", "does not exist"], "42883"),
    (&["operator does not exist"], "42883"),
    (&["column ", "does not exist"], "42703"),
    (&["relation ", "does not exist"], "42P01"),
    (&["database ", "does not exist"], "3D000"),
    (&["password authentication failed"], "28P01"),
    (&["too many clients already"], "53300"),
    (
        &["terminating connection due to idle-in-transaction timeout"],
        "25P03",
    ),
];

fn sqlstate_of_message(message: &str) -> Option<&'static str> {
    SQLSTATE_BY_MESSAGE
        .iter()
        .find(|(needles, _)| needles.iter().all(|needle| message.contains(needle)))
        .map(|(_, state)| *state)
}

fn excerpt(text: &str) -> String {
    text.chars().take(80).collect()
}

/// Reads a `LOG` message; `None` when it claims a duration it does not give.
fn classify(message: &str) -> Option<Message<'_>> {
    if let Some(rest) = message.strip_prefix("duration: ") {
        let (number, rest) = split_once(rest, " ms")?;
        let us = parse_millis_as_micros(number)?;
        let rest = rest.trim_ascii_start();
        if rest.is_empty() {
            return Some(Message::Duration { us });
        }
        return Some(match statement_of(rest) {
            Some(statement) => Message::Executed { us, statement },
            None => match rest.strip_prefix("plan:") {
                Some(text) => Message::Plan { us, text },
                None => Message::Other,
            },
        });
    }
    if message.starts_with("connection received:") {
        return Some(Message::Connected { authorized: false });
    }
    if message.starts_with("connection authorized:") {
        return Some(Message::Connected { authorized: true });
    }
    if message.starts_with("disconnection:") {
        return Some(Message::Disconnected {
            session_ms: events::session_ms(message),
        });
    }
    Some(match statement_of(message) {
        Some(statement) => Message::Started { statement },
        None => events::read(message).map_or(Message::Other, Message::Event),
    })
}

/// The statement of `statement: …` and `execute <name>: …`; parse and bind phases are not
/// executions and give `None`.
fn statement_of(text: &str) -> Option<&str> {
    if let Some(statement) = text.strip_prefix("statement: ") {
        return Some(statement);
    }
    let rest = text.strip_prefix("execute ")?;
    let (_name, statement) = split_once(rest, ": ")?;
    Some(statement)
}

/// `text.split_once(separator)`, found with memchr: `str::split_once` builds a substring
/// searcher on every call, which costs more than the search in a short message.
fn split_once<'a>(text: &'a str, separator: &str) -> Option<(&'a str, &'a str)> {
    let (&first, tail) = separator.as_bytes().split_first()?;
    // Compared byte by byte: a slice comparison calls memcmp for these few bytes.
    let at = memchr::memchr_iter(first, text.as_bytes()).find(|&at| {
        text.as_bytes()
            .get(at + 1..at + 1 + tail.len())
            .is_some_and(|next| next.iter().zip(tail).all(|(a, b)| a == b))
    })?;
    Some((&text[..at], &text[at + separator.len()..]))
}

/// `12.345` (milliseconds, as logged) → 12345 µs, exactly (and seconds → ms alike).
pub(super) fn parse_millis_as_micros(text: &str) -> Option<u64> {
    let (whole, fraction) = match memchr::memchr(b'.', text.as_bytes()) {
        Some(dot) => (&text[..dot], &text[dot + 1..]),
        None => (text, ""),
    };
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let mut us = whole.parse::<u64>().ok()?.checked_mul(1000)?;
    for (digit, scale) in fraction.bytes().zip([100, 10, 1]) {
        us = us.checked_add(u64::from(digit - b'0') * scale)?;
    }
    Some(us)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_durations_exactly() {
        assert_eq!(parse_millis_as_micros("12.345"), Some(12_345));
        assert_eq!(parse_millis_as_micros("0.007"), Some(7));
        assert_eq!(parse_millis_as_micros("3"), Some(3_000));
        assert_eq!(parse_millis_as_micros("1.5x"), None);
        assert_eq!(
            parse_millis_as_micros("18446744073709551.999"),
            None,
            "overflows u64 µs"
        );
    }

    #[test]
    fn classifies_statement_messages() {
        assert!(matches!(
            classify("duration: 0.050 ms  execute <unnamed>: SELECT 1"),
            Some(Message::Executed {
                us: 50,
                statement: "SELECT 1"
            })
        ));
        assert!(matches!(
            classify("duration: 0.050 ms  bind <unnamed>: SELECT 1"),
            Some(Message::Other)
        ));
        assert!(matches!(
            classify("duration: 2.000 ms"),
            Some(Message::Duration { us: 2000 })
        ));
        assert!(matches!(
            classify("execute P0_1: SELECT 1"),
            Some(Message::Started {
                statement: "SELECT 1"
            })
        ));
        assert!(matches!(
            classify("checkpoint starting: time"),
            Some(Message::Event(Event::CheckpointStarting(_)))
        ));
        assert!(matches!(
            classify("database system is ready to accept connections"),
            Some(Message::Other)
        ));
        // A plan names its statement, but is not a call of it.
        assert!(matches!(
            classify("duration: 0.169 ms  plan:\nQuery Text: SELECT 1\nResult  (cost=0.00..0.01 rows=1 width=4)"),
            Some(Message::Plan { us: 169, text }) if text.starts_with("\nQuery Text: SELECT 1")
        ));
        assert!(classify("duration: abc ms").is_none());
        assert_eq!(
            verbose_sqlstate("42P01: relation \"x\" does not exist"),
            Some("42P01")
        );
    }
}
