//! `log_line_prefix`: compiled from the server's setting into a matcher for stderr lines,
//! or recognised among the common ones when the user does not say.

use super::InputError;
use crate::model::time::{Millis, parse_timestamp};

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
    /// An escape letter (`m`, `p`, …).
    Escape(u8),
    /// `%q`: what follows is printed only by session processes.
    SessionOnly,
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
/// their timestamp, so it is parsed once for all of them.
#[derive(Debug, Default)]
pub struct LastTimestamp {
    text: [u8; 23],
    len: usize,
    at: Millis,
}

impl LastTimestamp {
    fn parse(&mut self, text: &[u8]) -> Option<Millis> {
        if text.len() == self.len && same_timestamp(text, &self.text[..self.len]) {
            return Some(self.at);
        }
        let at = parse_timestamp(text)?;
        if let Some(slot) = self.text.get_mut(..text.len()) {
            slot.copy_from_slice(text);
            (self.len, self.at) = (text.len(), at);
        }
        Some(at)
    }
}

/// `a == b` for two timestamps of equal length (19 or 23 bytes): two overlapping 16-byte
/// loads compared as integers, where a slice comparison calls memcmp.
fn same_timestamp(a: &[u8], b: &[u8]) -> bool {
    let chunk = |text: &[u8], at: usize| -> Option<u128> {
        Some(u128::from_ne_bytes(text.get(at..at + 16)?.try_into().ok()?))
    };
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
                Item::Escape(letter)
            });
        }
        if !literal.is_empty() {
            items.push(Item::Literal(literal));
        }
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
        for (index, item) in self.items.iter().enumerate() {
            match item {
                Item::Literal(literal) => {
                    if !starts_with(&line[pos..], literal) {
                        return None;
                    }
                    pos += literal.len();
                }
                Item::SessionOnly => {
                    if split_severity(&line[pos..]).is_some() {
                        return Some((fields, &line[pos..]));
                    }
                }
                Item::Escape(letter) => {
                    let (end, at) = self.escape_end(*letter, line, pos, index, last)?;
                    let value = line[pos..end].trim_ascii();
                    let slot = match letter {
                        b'm' | b't' | b'n' => {
                            fields.at = at.or_else(|| parse_timestamp(value));
                            &mut fields.timestamp
                        }
                        b'p' => &mut fields.pid,
                        b'c' => &mut fields.session_id,
                        b'u' => &mut fields.user,
                        b'd' => &mut fields.database,
                        b'a' => &mut fields.application,
                        b'e' => &mut fields.sqlstate,
                        _ => {
                            pos = end;
                            continue;
                        }
                    };
                    *slot = Some(value);
                    pos = end;
                }
            }
        }
        Some((fields, &line[pos..]))
    }

    /// Where the value of an escape that starts at `pos` ends, and the timestamp it holds
    /// when matching it meant parsing one.
    fn escape_end(
        &self,
        letter: u8,
        line: &[u8],
        pos: usize,
        index: usize,
        last: &mut LastTimestamp,
    ) -> Option<(usize, Option<Millis>)> {
        let rest = &line[pos..];
        match letter {
            b'm' | b't' | b's' => {
                let digits = if letter == b'm' { 23 } else { 19 };
                let at = last.parse(rest.get(..digits)?)?;
                // The zone label: up to the next space.
                let after = rest.get(digits + 1..)?;
                // A short label: a plain scan beats memchr's setup.
                let label = after.iter().position(|&b| b == b' ').unwrap_or(after.len());
                let end = pos + digits + 1 + label;
                // Milliseconds after a `%t` belong to the value but were not parsed here.
                Some((end, (rest[digits] != b'.').then_some(at)))
            }
            b'p' | b'l' | b'x' => {
                let len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
                (len > 0 || letter == b'x').then_some((pos + len, None))
            }
            _ => {
                let end = match self.items.get(index + 1) {
                    Some(Item::Literal(next)) => pos + find(rest, next)?,
                    _ => pos + memchr::memchr(b' ', rest).unwrap_or(rest.len()),
                };
                Some((end, None))
            }
        }
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
                .filter(|i| matches!(i, Item::Escape(_)))
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
