//! syslog and rsyslog files, `journalctl` short output and Heroku logplex: a line per
//! record, `TIMESTAMP [HOST] IDENT[PID]: [SEQ-CHUNK] message`.
//!
//! - BSD syslog: `Nov 25 22:41:56 host postgres[27618]: [7-1] db=shop,user=app LOG:  …`
//!   (no year: the current one is assumed, or the one before for a later month);
//! - rsyslog's RFC 3339 form: `2026-11-25T22:41:56.123456+00:00 host postgres[27618]: …`;
//! - Heroku logplex: `2019-03-14T00:23:00+00:00 app[postgres.4821]: [GREEN] [20-1]  sql_error_code = 00000 LOG:  …`.
//!
//! The message after the sequence number starts with the server's `log_line_prefix` and is
//! read by [`carried`](super::carried).

use super::carried::{Carried, Messages, unescape_rsyslog};
use super::ingest::lines;
use super::record::RecordSink;
use super::stderr::Envelope;
use crate::model::diagnostics::Kind;
use crate::model::time::{LastMinute, Millis, civil_date, date_millis};

/// A line taken apart.
struct Parsed<'a> {
    envelope: Envelope<'a>,
    program: &'a str,
    chunk: Option<(u64, u32)>,
    text: &'a str,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The message of `line` when it is a message's first record (a block may be cut before
/// it unless the message continues an entry).
pub fn first_record(line: &[u8]) -> Option<&str> {
    let parsed = parse(std::str::from_utf8(line).ok()?, &mut Clock::default())?;
    parsed
        .chunk
        .is_none_or(|(_, chunk)| chunk <= 1)
        .then(|| parsed.text.trim_start_matches(' '))
}

/// The program of `line` when it is a syslog record (`app` for Heroku's).
pub fn program_of(line: &str) -> Option<&str> {
    parse(line, &mut Clock::default()).map(|parsed| parsed.program)
}

/// Takes the records out of `block`'s lines.
pub fn collect<'a>(
    block: &'a str,
    first_line: u64,
    messages: &mut Messages<'a>,
    sink: &mut RecordSink<'_>,
) {
    let mut clock = Clock {
        year: this_year(),
        minutes: LastMinute::default(),
    };
    for (index, line) in lines(block).enumerate() {
        if !line.trim_ascii().is_empty() {
            sink.profile.summary.lines_read += 1;
        }
        if !line.is_empty() {
            push_line(line, first_line + index as u64, &mut clock, messages, sink);
        }
    }
}

/// What dates a block's records: this year and month (BSD timestamps leave the year out),
/// and the minute of the last RFC 3339 timestamp read, which the next nearly always
/// shares (parsing each whole took a seventh of the envelope's reading).
#[derive(Default)]
struct Clock {
    year: Option<(i64, i64)>,
    minutes: LastMinute,
}

fn push_line<'a>(
    line: &'a str,
    number: u64,
    clock: &mut Clock,
    messages: &mut Messages<'a>,
    sink: &mut RecordSink<'_>,
) {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let Some(mut parsed) = parse(line, clock) else {
        let excerpt: String = line.chars().take(100).collect();
        return sink.skip(number, Kind::UnrecognizedLine, || {
            format!("`{excerpt}` is not a syslog record (TIMESTAMP HOST PROGRAM[PID]: …)")
        });
    };
    if !(is_postgres(parsed.program) || parsed.program == "app") {
        let program = parsed.program.to_string();
        return sink.diagnose(number, Kind::OtherProgram, || {
            format!("a record of `{program}`, not of PostgreSQL; ignored")
        });
    }
    if parsed.chunk.is_none_or(|(_, chunk)| chunk <= 1) {
        // Heroku puts a space before the prefix.
        parsed.text = parsed.text.trim_start_matches(' ');
    }
    messages.push(
        Carried {
            line: number,
            envelope: parsed.envelope,
            chunk: parsed.chunk,
            text: unescape_rsyslog(parsed.text),
        },
        sink,
    );
}

/// Whether `program` is PostgreSQL's (`postgres`, `postgresql-15`, a path to it): nearly
/// always its start says so, without a substring searcher's setup.
fn is_postgres(program: &str) -> bool {
    program.starts_with("postgres") || program.contains("postgres")
}

/// Takes a line apart, dating it by `clock`.
fn parse<'a>(line: &'a str, clock: &mut Clock) -> Option<Parsed<'a>> {
    let (timestamp, at, rest) =
        bsd_timestamp(line, clock.year).or_else(|| rfc3339_timestamp(line, &mut clock.minutes))?;
    // `host program[pid]: ` or, from Heroku, `app[dyno]: `. Found a byte at a time, as
    // every search below: the tag is a few bytes long, shorter than a searcher's setup.
    let bytes = rest.as_bytes();
    let colon = memchr::memchr_iter(b']', bytes).find(|&at| bytes[at + 1..].starts_with(b": "))?;
    let tag = &rest[..colon];
    let open = rposition(tag, b'[')?;
    let program = &tag[rposition(&tag[..open], b' ').map_or(0, |space| space + 1)..open];
    let dyno = &tag[open + 1..];
    let pid = &dyno[rposition(dyno, b'.').map_or(0, |dot| dot + 1)..];
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) || program.is_empty() {
        return None;
    }
    let mut text = &rest[colon + 3..];
    if let Some(after) = heroku_database(text) {
        text = after;
    }
    let (chunk, text) = match sequence(text) {
        Some((chunk, after)) => (Some(chunk), after),
        None => (None, text),
    };
    Some(Parsed {
        envelope: Envelope {
            timestamp,
            at: at.into(),
            process: Some(pid),
        },
        program,
        chunk,
        text,
    })
}

/// Where the last `byte` of `text` is.
fn rposition(text: &str, byte: u8) -> Option<usize> {
    text.bytes().rposition(|b| b == byte)
}

type Stamp<'a> = (Option<&'a str>, Option<Millis>, &'a str);

/// `Nov 25 22:41:56 ` (day padded with a space): no zone and no year to keep as text.
fn bsd_timestamp(line: &str, year: Option<(i64, i64)>) -> Option<Stamp<'_>> {
    // ASCII, so the fixed offsets below fall on character boundaries.
    let head = line.get(..16).filter(|head| head.is_ascii())?;
    let month = MONTHS.iter().position(|m| head.starts_with(m))? as i64 + 1;
    let bytes = head.as_bytes();
    if bytes[3] != b' ' || bytes[6] != b' ' || bytes[15] != b' ' {
        return None;
    }
    let day: i64 = head[4..6].trim_start().parse().ok()?;
    let time = head.get(7..15)?;
    let (hour, minute) = (
        time[..2].parse::<i64>().ok()?,
        time[3..5].parse::<i64>().ok()?,
    );
    let seconds = match time.as_bytes()[6..] {
        [tens @ b'0'..=b'9', ones @ b'0'..=b'9'] => i64::from((tens - b'0') * 10 + ones - b'0'),
        _ => return None,
    };
    if seconds > 60 {
        return None;
    }
    let at = year.map(|(this_year, this_month)| {
        let year = if month > this_month {
            this_year - 1
        } else {
            this_year
        };
        date_millis(year, month, day) + (hour * 60 + minute) * 60_000 + seconds * 1000
    });
    Some((None, at, &line[16..]))
}

/// `2026-11-25T22:41:56.123456+00:00 `.
fn rfc3339_timestamp<'a>(line: &'a str, minutes: &mut LastMinute) -> Option<Stamp<'a>> {
    if line.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    let end = memchr::memchr(b' ', line.as_bytes())?;
    let timestamp = &line[..end];
    let at = minutes.parse(timestamp.as_bytes())?;
    Some((Some(timestamp), Some(at), &line[end + 1..]))
}

/// Heroku's `[GREEN] ` (the database's colour name): what follows it.
fn heroku_database(text: &str) -> Option<&str> {
    let (name, after) = bracketed(text)?;
    (!name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit())
        && !name.bytes().all(|b| b.is_ascii_digit()))
    .then_some(after)
}

/// `[7-2] ` or `[7] `: the sequence number and chunk, and what follows.
pub fn sequence(text: &str) -> Option<((u64, u32), &str)> {
    let (inner, after) = bracketed(text)?;
    let (sequence, chunk) = match inner.split_once('-') {
        Some((sequence, chunk)) => (sequence.parse().ok()?, chunk.parse().ok()?),
        None => (inner.parse().ok()?, 1),
    };
    Some(((sequence, chunk), after))
}

/// `[inner] rest`: the text between the brackets and what follows `] `.
fn bracketed(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'[') {
        return None;
    }
    let close =
        (1..bytes.len()).find(|&at| bytes[at] == b']' && bytes.get(at + 1) == Some(&b' '))?;
    Some((&text[1..close], &text[close + 2..]))
}

/// This year and month (UTC), for timestamps that leave the year out.
fn this_year() -> Option<(i64, i64)> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    let (year, month, _) = civil_date(now.as_millis() as Millis);
    Some((year, month))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(year: Option<(i64, i64)>) -> Clock {
        Clock {
            year,
            minutes: LastMinute::default(),
        }
    }

    #[test]
    fn takes_syslog_and_logplex_lines_apart() {
        let line = "Nov  5 22:41:56 db1 postgres[27618]: [7-2] #011FROM t";
        let parsed = parse(line, &mut clock(Some((2026, 11)))).unwrap();
        assert_eq!(parsed.envelope.process, Some("27618"));
        assert_eq!(parsed.chunk, Some((7, 2)));
        assert_eq!(parsed.text, "#011FROM t");
        assert_eq!(
            parsed.envelope.at,
            crate::model::time::parse_timestamp(b"2026-11-05 22:41:56").into()
        );
        // December's records read in January belong to the year before.
        let parsed = parse(
            "Dec 31 23:59:59 h postgres[1]: [1-1] x",
            &mut clock(Some((2027, 1))),
        )
        .unwrap();
        assert_eq!(
            parsed.envelope.at,
            crate::model::time::parse_timestamp(b"2026-12-31 23:59:59").into()
        );
        let line = "2019-03-14T00:23:00+00:00 app[postgres.4821]: [GREEN] [20-1]  sql_error_code = 00000 LOG:  x";
        let parsed = parse(line, &mut Clock::default()).unwrap();
        assert_eq!(parsed.envelope.process, Some("4821"));
        assert_eq!(parsed.envelope.timestamp, Some("2019-03-14T00:23:00+00:00"));
        assert_eq!(parsed.chunk, Some((20, 1)));
        assert_eq!(parsed.text, " sql_error_code = 00000 LOG:  x");
        let line = "2026-11-25T22:41:56.123456+00:00 db1 postgres[9]: [3] LOG:  x";
        assert_eq!(
            parse(line, &mut Clock::default()).unwrap().chunk,
            Some((3, 1))
        );
        assert!(
            parse(
                "2026-11-25 22:41:56.123 UTC [9] LOG:  x",
                &mut Clock::default()
            )
            .is_none()
        );
        assert!(
            parse(
                "Nov 25 22:41:56 db1 kernel: [12.5] usb",
                &mut Clock::default()
            )
            .is_none()
        );
    }

    #[test]
    fn records_in_a_row_are_dated_as_each_alone() {
        let mut in_a_row = Clock::default();
        for stamp in [
            "2019-03-14T00:23:00+00:00",
            "2019-03-14T00:23:59.5+00:00",
            "2019-03-14T00:24:00+00:00",
            "2019-03-14T00:24:61+00:00",
            "2019-03-15T00:24:01+00:00",
        ] {
            let line = format!("{stamp} app[postgres.4821]: [GREEN] [20-1]  LOG:  x");
            let alone = parse(&line, &mut Clock::default()).map(|p| p.envelope.at);
            assert_eq!(parse(&line, &mut in_a_row).map(|p| p.envelope.at), alone);
            let expected = crate::model::time::parse_timestamp(stamp.as_bytes());
            let dated = expected.map(crate::input::stderr::EnvelopeTime::At);
            assert_eq!(alone, dated, "{stamp}");
        }
    }
}
