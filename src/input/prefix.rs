//! `log_line_prefix`: compiled from the server's setting into a matcher for stderr lines,
//! or recognised among the common ones when the user does not say.

use super::InputError;
use crate::model::time::{Millis, minute_of, parse_timestamp, within_minute};

/// The fields a prefix can carry that planwise uses.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PrefixFields<'a> {
    pub timestamp: Option<&'a [u8]>,
    /// `timestamp` parsed: matching `%m`/`%t` already parses it, so it is done only once.
    pub at: Option<Millis>,
    pub pid: Option<&'a [u8]>,
    pub session_id: Option<&'a [u8]>,
    pub user: Option<&'a [u8]>,
    pub database: Option<&'a [u8]>,
    pub application: Option<&'a [u8]>,
    pub sqlstate: Option<&'a [u8]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Literal(Vec<u8>),
    /// An escape (`%m`, `%p`, …): where its value ends, which field keeps it and the literal
    /// that follows it (often what ends it), all settled when the prefix is compiled so that
    /// matching a line does no lookup and finds each literal once.
    Escape {
        end: ValueEnd,
        field: Option<Field>,
        then: Vec<u8>,
    },
    /// `%q`: what follows is printed only by session processes.
    SessionOnly,
}

/// How far an escape's value runs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ValueEnd {
    /// `%m` (23 characters), `%t` and `%s` (19), then a zone label up to the next space.
    Timestamp { digits: usize },
    /// `%p`, `%l`, `%x`: digits; only `%x` may print none.
    Digits { may_be_empty: bool },
    /// Any other escape: up to the literal that follows it (its `then`),
    BeforeLiteral,
    /// or up to the next space when no literal follows.
    BeforeSpace,
}

impl ValueEnd {
    /// The length of the value at the start of `rest`. The timestamp it holds, when finding
    /// its end meant parsing one, goes to `at` (returned in a pair, it went through memory).
    fn find(
        &self,
        rest: &[u8],
        then: &[u8],
        last: &mut LastTimestamp,
        at: &mut Option<Millis>,
    ) -> Option<usize> {
        match self {
            ValueEnd::Timestamp { digits } => {
                let digits = *digits;
                let parsed = last.parse(rest.get(..digits)?)?;
                let after = rest.get(digits + 1..)?;
                // A short label: a plain scan beats memchr's setup.
                let label = after.iter().position(|&b| b == b' ').unwrap_or(after.len());
                // Milliseconds after a `%t` belong to the value but were not parsed here.
                *at = (rest[digits] != b'.').then_some(parsed);
                Some(digits + 1 + label)
            }
            ValueEnd::Digits { may_be_empty } => {
                let len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
                (len > 0 || *may_be_empty).then_some(len)
            }
            ValueEnd::BeforeLiteral => find(rest, then),
            ValueEnd::BeforeSpace => Some(memchr::memchr(b' ', rest).unwrap_or(rest.len())),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Timestamp,
    Pid,
    SessionId,
    User,
    Database,
    Application,
    Sqlstate,
}

impl Field {
    fn of(letter: u8) -> Option<Field> {
        Some(match letter {
            b'm' | b't' | b'n' => Field::Timestamp,
            b'p' => Field::Pid,
            b'c' => Field::SessionId,
            b'u' => Field::User,
            b'd' => Field::Database,
            b'a' => Field::Application,
            b'e' => Field::Sqlstate,
            _ => return None,
        })
    }
}

/// A compiled `log_line_prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinePrefix {
    source: String,
    items: Vec<Item>,
}

/// Prefixes seen in the wild, tried in order when none is given: PostgreSQL's default,
/// Debian's, pgBadger's recommendations, RDS, and a few common variants.
const COMMON_PREFIXES: &[&str] = &[
    "%m [%p] ",
    "%m [%p] %q%u@%d ",
    "%m [%p] %q%u@%d/%a ",
    "%t [%p] %q%u@%d ",
    "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
    "%m [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
    "%t [%p]: [%l-1] user=%u,db=%d ",
    "%t [%p]: [%l-1] ",
    "%t [%p]: ",
    "%m [%p]: ",
    "%t:%r:%u@%d:[%p]:",
    "%m %c %x %e ",
    "%m [%p-%l] %q%u@%d ",
    "%t [%p-%l] %q%u@%d ",
    "%m [%p] %q[%u@%d] ",
    "%m:%r:%u@%d:[%p]:",
];

/// Whether `word` is a severity PostgreSQL prints (a `match`: it compiles to a few integer
/// comparisons, where a list of slices costs a memcmp call per candidate).
fn is_severity(word: &[u8]) -> bool {
    matches!(
        word,
        b"LOG"
            | b"ERROR"
            | b"STATEMENT"
            | b"DETAIL"
            | b"HINT"
            | b"CONTEXT"
            | b"FATAL"
            | b"WARNING"
            | b"NOTICE"
            | b"INFO"
            | b"PANIC"
            | b"QUERY"
            | b"LOCATION"
            | b"DEBUG1"
            | b"DEBUG2"
            | b"DEBUG3"
            | b"DEBUG4"
            | b"DEBUG5"
    )
}

/// If `rest` starts with `SEVERITY:  `, the severity and the message after it.
pub fn split_severity(rest: &[u8]) -> Option<(&[u8], &[u8])> {
    // Most calls (`%q` asks on every session line) are answered by the first letter.
    if !matches!(
        rest.first(),
        Some(b'C' | b'D' | b'E' | b'F' | b'H' | b'I' | b'L' | b'N' | b'P' | b'Q' | b'S' | b'W')
    ) {
        return None;
    }
    // A scan of ten bytes: memchr's setup would cost more.
    let colon = rest[..rest.len().min(10)].iter().position(|&b| b == b':')?;
    let severity = &rest[..colon];
    if !is_severity(severity) {
        return None;
    }
    let message = &rest[colon + 1..];
    let message = message
        .strip_prefix(b"  ")
        .unwrap_or(message.trim_ascii_start());
    Some((severity, message))
}

/// The last timestamp a prefix parser read, by its text: lines in a row mostly share
/// their timestamp, so it is parsed once for all of them, and nearly always their minute,
/// so only the seconds of the others are read.
#[derive(Debug, Default)]
pub struct LastTimestamp {
    text: [u8; 23],
    len: usize,
    at: Millis,
    minute: Millis,
}

impl LastTimestamp {
    fn parse(&mut self, text: &[u8]) -> Option<Millis> {
        let last = &self.text[..self.len];
        if text.len() == self.len && same_timestamp(text, last) {
            return Some(self.at);
        }
        let minute = match (chunk(text, 0), chunk(last, 0)) {
            (Some(ours), Some(theirs)) if ours == theirs => self.minute,
            _ => minute_of(text)?,
        };
        let at = minute + within_minute(text)?;
        if let Some(slot) = self.text.get_mut(..text.len()) {
            slot.copy_from_slice(text);
            (self.len, self.at, self.minute) = (text.len(), at, minute);
        }
        Some(at)
    }
}

/// The 16 bytes of `text` at `at`, as one integer: compared without a call to memcmp.
fn chunk(text: &[u8], at: usize) -> Option<u128> {
    Some(u128::from_ne_bytes(text.get(at..at + 16)?.try_into().ok()?))
}

/// `a == b` for two timestamps of equal length (19 or 23 bytes): two overlapping 16-byte
/// loads compared as integers.
fn same_timestamp(a: &[u8], b: &[u8]) -> bool {
    match (a.len().checked_sub(16), a.len() == b.len()) {
        (Some(tail), true) => chunk(a, 0) == chunk(b, 0) && chunk(a, tail) == chunk(b, tail),
        _ => a == b,
    }
}

/// Where `literal` first occurs in `text`. The text between two literals is a short value
/// (a user, a database), so a plain scan beats memchr and memmem, whose setup costs more.
fn find(text: &[u8], literal: &[u8]) -> Option<usize> {
    let (&first, tail) = literal.split_first()?;
    let mut from = 0;
    while let Some(offset) = text[from..].iter().position(|&b| b == first) {
        let at = from + offset;
        if starts_with(&text[at + 1..], tail) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// `text.starts_with(prefix)` without a call to memcmp, for the few bytes of a literal.
fn starts_with(text: &[u8], prefix: &[u8]) -> bool {
    text.len() >= prefix.len() && text.iter().zip(prefix).all(|(a, b)| a == b)
}

impl LinePrefix {
    pub fn compile(source: &str) -> LinePrefix {
        let bytes = source.as_bytes();
        let mut items = Vec::new();
        let mut literal = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] != b'%' || i + 1 >= bytes.len() {
                literal.push(bytes[i]);
                i += 1;
                continue;
            }
            i += 1;
            // Padding (`%-10u`, `%5p`) changes widths, not content.
            while i < bytes.len() && (bytes[i] == b'-' || bytes[i].is_ascii_digit()) {
                i += 1;
            }
            let Some(&letter) = bytes.get(i) else { break };
            if !letter.is_ascii() {
                // Not an escape PostgreSQL knows: the `%` stands for itself.
                literal.push(b'%');
                continue;
            }
            i += 1;
            if letter == b'%' {
                literal.push(b'%');
                continue;
            }
            if !literal.is_empty() {
                items.push(Item::Literal(std::mem::take(&mut literal)));
            }
            items.push(if letter == b'q' {
                Item::SessionOnly
            } else {
                let end = match letter {
                    b'm' => ValueEnd::Timestamp { digits: 23 },
                    b't' | b's' => ValueEnd::Timestamp { digits: 19 },
                    b'p' | b'l' | b'x' => ValueEnd::Digits {
                        may_be_empty: letter == b'x',
                    },
                    _ => ValueEnd::BeforeSpace,
                };
                Item::Escape {
                    end,
                    field: Field::of(letter),
                    then: Vec::new(),
                }
            });
        }
        if !literal.is_empty() {
            items.push(Item::Literal(literal));
        }
        // A literal after an escape is matched with it (a free-form value runs up to it).
        let mut compiled: Vec<Item> = Vec::with_capacity(items.len());
        for item in items {
            match (compiled.last_mut(), item) {
                (Some(Item::Escape { end, then, .. }), Item::Literal(literal)) => {
                    if *end == ValueEnd::BeforeSpace {
                        *end = ValueEnd::BeforeLiteral;
                    }
                    *then = literal;
                }
                (_, item) => compiled.push(item),
            }
        }
        let items = compiled;
        LinePrefix {
            source: source.to_string(),
            items,
        }
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Matches the prefix at the start of `line`: the fields and the rest of the line.
    pub fn parse<'a>(&self, line: &'a [u8]) -> Option<(PrefixFields<'a>, &'a [u8])> {
        self.parse_after(line, &mut LastTimestamp::default())
    }

    /// [`parse`](Self::parse) of a line that follows the one `last` was read from.
    pub fn parse_after<'a>(
        &self,
        line: &'a [u8],
        last: &mut LastTimestamp,
    ) -> Option<(PrefixFields<'a>, &'a [u8])> {
        let mut fields = PrefixFields::default();
        let mut pos = 0;
        for item in &self.items {
            let rest = &line[pos..];
            match item {
                Item::Literal(literal) => {
                    if !starts_with(rest, literal) {
                        return None;
                    }
                    pos += literal.len();
                }
                Item::SessionOnly => {
                    if split_severity(rest).is_some() {
                        return Some((fields, rest));
                    }
                }
                Item::Escape { end, field, then } => {
                    let mut at = None;
                    let len = end.find(rest, then, last, &mut at)?;
                    // `find` met the literal already when it ended the value.
                    if *end != ValueEnd::BeforeLiteral && !starts_with(&rest[len..], then) {
                        return None;
                    }
                    pos += len + then.len();
                    let Some(field) = field else { continue };
                    let value = rest[..len].trim_ascii();
                    let slot = match field {
                        Field::Timestamp => {
                            fields.at = at.or_else(|| parse_timestamp(value));
                            &mut fields.timestamp
                        }
                        Field::Pid => &mut fields.pid,
                        Field::SessionId => &mut fields.session_id,
                        Field::User => &mut fields.user,
                        Field::Database => &mut fields.database,
                        Field::Application => &mut fields.application,
                        Field::Sqlstate => &mut fields.sqlstate,
                    };
                    *slot = Some(value);
                }
            }
        }
        Some((fields, &line[pos..]))
    }

    /// Picks the common prefix that matches most of `sample`'s entry lines (at least 80 %),
    /// preferring the one that extracts more fields.
    pub fn detect(sample: &[u8]) -> Result<LinePrefix, InputError> {
        let lines: Vec<&[u8]> = sample
            .split(|&b| b == b'\n')
            .filter(|line| !line.is_empty() && line[0] != b'\t')
            .take(200)
            .collect();
        if lines.is_empty() {
            return Ok(LinePrefix::compile(COMMON_PREFIXES[0]));
        }
        let mut best: Option<(usize, usize, LinePrefix)> = None;
        for source in COMMON_PREFIXES {
            let prefix = LinePrefix::compile(source);
            let matched = lines
                .iter()
                .filter(|line| {
                    prefix
                        .parse(line)
                        .is_some_and(|(_, rest)| split_severity(rest).is_some())
                })
                .count();
            let richness = prefix
                .items
                .iter()
                .filter(|i| matches!(i, Item::Escape { .. }))
                .count();
            if best
                .as_ref()
                .is_none_or(|(m, r, _)| (matched, richness) > (*m, *r))
            {
                best = Some((matched, richness, prefix));
            }
        }
        match best {
            Some((matched, _, prefix)) if matched * 5 >= lines.len() * 4 => Ok(prefix),
            _ => Err(InputError::UnknownPrefix {
                example: String::from_utf8_lossy(&lines[0][..lines[0].len().min(120)]).into_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(field: Option<&[u8]>) -> Option<&str> {
        field.map(|f| std::str::from_utf8(f).unwrap())
    }

    #[test]
    fn parses_debian_prefix_with_and_without_session_part() {
        let prefix = LinePrefix::compile("%m [%p] %q%u@%d ");
        let (fields, rest) = prefix
            .parse(b"2026-11-26 00:40:01.123 UTC [4242] app@shop LOG:  statement: select 1")
            .unwrap();
        assert_eq!(text(fields.timestamp), Some("2026-11-26 00:40:01.123 UTC"));
        assert_eq!(text(fields.pid), Some("4242"));
        assert_eq!(text(fields.user), Some("app"));
        assert_eq!(text(fields.database), Some("shop"));
        assert_eq!(rest, b"LOG:  statement: select 1");
        let (fields, rest) = prefix
            .parse(b"2026-11-26 00:40:01.123 UTC [17] LOG:  checkpoint starting: time")
            .unwrap();
        assert_eq!(fields.user, None);
        assert_eq!(
            split_severity(rest).unwrap().1,
            b"checkpoint starting: time"
        );
    }

    #[test]
    fn lines_in_a_row_read_their_timestamps_as_each_alone() {
        let prefix = LinePrefix::compile("%m [%p] ");
        let mut last = LastTimestamp::default();
        for stamp in [
            "2026-11-26 00:41:31.147",
            "2026-11-26 00:41:31.147",
            "2026-11-26 00:41:59.999",
            "2026-11-26 00:42:00.001",
            "2026-11-26 00:42:61.000",
            "2026-11-27 00:42:00.001",
        ] {
            let line = format!("{stamp} UTC [7] LOG:  x");
            let alone = prefix.parse(line.as_bytes()).map(|(fields, _)| fields.at);
            let in_a_row = prefix
                .parse_after(line.as_bytes(), &mut last)
                .map(|(fields, _)| fields.at);
            assert_eq!(in_a_row, alone, "{stamp}");
            assert_eq!(
                alone.flatten(),
                parse_timestamp(stamp.as_bytes()),
                "{stamp}"
            );
        }
    }

    #[test]
    fn a_non_ascii_character_after_percent_is_literal() {
        // Found by fuzzing: `%é` once split the é and matched inside another character.
        let prefix = LinePrefix::compile("%é%u ");
        assert!(prefix.parse("⩂bob LOG:  x".as_bytes()).is_none());
        let (fields, _) = prefix.parse("%ébob LOG:  x".as_bytes()).unwrap();
        assert_eq!(text(fields.user), Some("bob"));
    }

    #[test]
    fn parses_pgbadger_style_prefix() {
        let prefix = LinePrefix::compile("%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ");
        let line = b"2026-11-26 00:40:01 UTC [99]: [3-1] user=bob,db=shop,app=psql,client=127.0.0.1 LOG:  duration: 1.5 ms";
        let (fields, rest) = prefix.parse(line).unwrap();
        assert_eq!(text(fields.user), Some("bob"));
        assert_eq!(text(fields.application), Some("psql"));
        assert_eq!(
            split_severity(rest).unwrap(),
            (&b"LOG"[..], &b"duration: 1.5 ms"[..])
        );
    }

    #[test]
    fn detects_the_prefix_from_a_sample_or_says_how_to_pass_it() {
        let sample = b"2026-11-26 00:40:01.123 UTC [4242] app@shop LOG:  statement: select 1\n\tfrom t\n2026-11-26 00:40:02.000 UTC [17] LOG:  checkpoint starting\n";
        assert_eq!(
            LinePrefix::detect(sample).unwrap().source(),
            "%m [%p] %q%u@%d "
        );
        let error = LinePrefix::detect(b"<<weird>> LOG: x\n").unwrap_err();
        assert!(error.to_string().contains("--log-line-prefix"), "{error}");
    }
}
