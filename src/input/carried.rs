//! Messages carried inside another format's envelope (syslog and rsyslog, Heroku logplex,
//! journald, Google Cloud Logging, Azure's export): put back together and read as stderr
//! messages, so that every format gives the same records as the stderr log of the same run.
//!
//! syslog cuts a long or multi-line message into records `[7-1]`, `[7-2]`, … of the same
//! process (PostgreSQL's `write_syslog`): a record that starts with a tab began a new line
//! of the message, any other one continues a line cut at a space.

use super::prefix::LinePrefix;
use super::record::RecordSink;
use super::stderr::{Envelope, Reader};
use crate::model::diagnostics::Kind;
use std::borrow::Cow;
use std::cell::Cell;
use std::collections::VecDeque;
use std::mem::take;

/// One record taken out of its envelope.
pub struct Carried<'a> {
    pub line: u64,
    pub envelope: Envelope<'a>,
    /// syslog's sequence number and chunk (`[7-2]`), when the record has them.
    pub chunk: Option<(u64, u32)>,
    pub text: Cow<'a, str>,
}

/// The parts of a server's line, given apart by the envelope (Azure's export) and read as
/// they are: putting the line together to read it again cost a tenth of the reading.
pub struct Parts<'a> {
    /// The prefix as printed.
    pub printed: Cow<'a, str>,
    pub severity: Cow<'a, str>,
    pub message: Cow<'a, str>,
    /// What the server printed on a `DETAIL:` line after it.
    pub detail: Option<Cow<'a, str>>,
}

impl Parts<'_> {
    /// The line the server printed (not the detail's after it); a message's further lines
    /// start with a tab.
    pub fn line(&self) -> String {
        let mut line = format!("{}{}:  ", self.printed, self.severity);
        let mut lines = super::ingest::lines(&self.message);
        line.push_str(lines.next().unwrap_or_default());
        for next in lines {
            line.push_str("\n\t");
            line.push_str(next);
        }
        line
    }
}

/// A whole message: the records of one sequence number joined.
struct Message<'a> {
    line: u64,
    envelope: Envelope<'a>,
    text: Text<'a>,
}

/// A message's text: a line, or the index of its parts (kept apart, so that the list of
/// messages, mostly lines, stays small).
enum Text<'a> {
    Line(Cow<'a, str>),
    Parts(usize),
}

/// Joins records into messages, in the order their first records came.
#[derive(Default)]
pub struct Messages<'a> {
    messages: Vec<Message<'a>>,
    parts: Vec<Parts<'a>>,
    /// Messages that may still get records: process, sequence number, index. Records of
    /// other processes come in between, rarely many. A ring: when it is full, each new
    /// message pushes the oldest out, and nearly every syslog record opens a message.
    open: VecDeque<(Option<&'a str>, u64, usize)>,
}

/// How many messages of other processes may come between two records of one message.
const OPEN_MESSAGES: usize = 64;

thread_local! {
    /// The lists of the last block's messages read on this thread, emptied, for the next
    /// block's: allocated afresh for each block, their pages were faulted in each time
    /// (a tenth of the reading of Azure's export went to page faults).
    static SPARE: Cell<(Vec<Message<'static>>, Vec<Parts<'static>>)> = Cell::default();
}

impl Drop for Messages<'_> {
    fn drop(&mut self) {
        let lists = (take(&mut self.messages), take(&mut self.parts));
        SPARE.set((emptied(lists.0), emptied(lists.1)));
    }
}

/// `list` emptied, as a list of another lifetime (`T` and `U` differ only there), in the
/// same allocation: collecting an iterator over a vector into one of the same layout
/// reuses the vector's memory.
fn emptied<T, U>(mut list: Vec<T>) -> Vec<U> {
    list.clear();
    list.into_iter()
        .map(|_| unreachable!("the list is empty"))
        .collect()
}

impl<'a> Messages<'a> {
    /// Room for the messages of a block of `bytes` (a record takes a hundred bytes or
    /// more): grown as they come, the list was copied a dozen times per block. The lists
    /// of the block read before on this thread are used again.
    pub fn for_block(bytes: usize) -> Self {
        let (mut messages, parts) = SPARE.take();
        messages.reserve(bytes / 128);
        Messages {
            messages: emptied(messages),
            parts: emptied(parts),
            open: VecDeque::with_capacity(OPEN_MESSAGES),
        }
    }

    /// A message given as its line's parts.
    pub fn push_parts(&mut self, line: u64, envelope: Envelope<'a>, parts: Parts<'a>) {
        let text = Text::Parts(self.parts.len());
        self.parts.push(parts);
        self.open(line, envelope, text);
    }

    pub fn push(&mut self, record: Carried<'a>, sink: &mut RecordSink<'_>) {
        let process = record.envelope.process;
        match record.chunk {
            Some((sequence, chunk)) if chunk > 1 => {
                let Some(&(_, _, index)) = self
                    .open
                    .iter()
                    .rev()
                    .find(|(p, s, _)| *p == process && *s == sequence)
                else {
                    return sink.skip(record.line, Kind::OrphanContinuation, || {
                        format!("syslog record [{sequence}-{chunk}] with no record [{sequence}-1] before it")
                    });
                };
                let new_line = record.text.starts_with('\t');
                self.append(index, new_line, &record.text);
            }
            _ if record.text.starts_with('\t') => {
                // A line of the message before (stderr captured line by line).
                let before = (self.messages.iter().enumerate().rev())
                    .take(OPEN_MESSAGES)
                    .find(|(_, m)| m.envelope.process == process);
                match before {
                    Some((index, _)) => self.append(index, true, &record.text),
                    None => sink.skip(record.line, Kind::OrphanContinuation, || {
                        "continuation line with no entry before it".into()
                    }),
                }
            }
            chunk => {
                if let Some((sequence, _)) = chunk {
                    if self.open.len() == OPEN_MESSAGES {
                        self.open.pop_front();
                    }
                    self.open
                        .push_back((process, sequence, self.messages.len()));
                }
                self.open(record.line, record.envelope, Text::Line(record.text));
            }
        }
    }

    /// A new message.
    fn open(&mut self, line: u64, envelope: Envelope<'a>, text: Text<'a>) {
        self.messages.push(Message {
            line,
            envelope,
            text,
        });
    }

    /// Adds a line, or a piece of one, to message `index`.
    fn append(&mut self, index: usize, new_line: bool, text: &str) {
        let message = match &mut self.messages[index].text {
            Text::Line(line) => line.to_mut(),
            Text::Parts(parts) => self.parts[*parts].message.to_mut(),
        };
        if new_line {
            message.push('\n');
        }
        message.push_str(text);
    }

    /// Reads every message with `prefix` (the one inside the envelope).
    pub fn read(&self, prefix: &LinePrefix, sink: &mut RecordSink<'_>) {
        let mut reader = Reader::default();
        for message in &self.messages {
            let (number, envelope) = (message.line, &message.envelope);
            let parts = match &message.text {
                Text::Line(text) => {
                    let (first, further) = split_first_line(text);
                    reader.line(first, number, prefix, envelope, sink);
                    if let Some(further) = further {
                        for line in super::ingest::lines(further) {
                            let line = line.strip_prefix('\t').unwrap_or(line);
                            reader.continuation(line, number, sink);
                        }
                    }
                    continue;
                }
                Text::Parts(index) => &self.parts[*index],
            };
            let detail = parts.detail.as_ref().map(|detail| ("DETAIL", detail));
            for (severity, text) in [Some((&*parts.severity, &parts.message)), detail]
                .into_iter()
                .flatten()
            {
                let (first, further) = split_first_line(text);
                let line = [&*parts.printed, severity, first];
                reader.parts(line, number, prefix, envelope, sink);
                if let Some(further) = further {
                    for line in super::ingest::lines(further) {
                        reader.continuation(line, number, sink);
                    }
                }
            }
        }
        reader.finish(sink);
    }

    /// The first line of each message, for detecting the prefix inside the envelope.
    pub fn first_lines(&self) -> Vec<Cow<'_, str>> {
        let first = |text: &str| {
            super::ingest::lines(text)
                .next()
                .unwrap_or_default()
                .to_string()
        };
        (self.messages.iter())
            .map(|m| match &m.text {
                Text::Line(line) => {
                    Cow::Borrowed(super::ingest::lines(line).next().unwrap_or_default())
                }
                Text::Parts(index) => Cow::Owned(first(&self.parts[*index].line())),
            })
            .collect()
    }
}

/// The first line of a message's text, and the lines after it when it has any. Text
/// borrowed from the block is one of its lines, or a JSON string without escapes, which
/// cannot hold a newline: only text put together (records joined, escapes decoded) is cut.
#[allow(
    clippy::ptr_arg,
    reason = "whether the text is borrowed says whether to cut it"
)]
fn split_first_line<'t>(text: &'t Cow<'_, str>) -> (&'t str, Option<&'t str>) {
    match text {
        Cow::Borrowed(line) => {
            debug_assert!(
                !line.contains('\n'),
                "a borrowed message of lines: {line:?}"
            );
            (line, None)
        }
        Cow::Owned(text) => match memchr::memchr(b'\n', text.as_bytes()) {
            Some(newline) => (&text[..newline], Some(&text[newline + 1..])),
            None => (text, None),
        },
    }
}

/// rsyslog writes control characters as `#` and three octal digits (a tab is `#011`).
pub fn unescape_rsyslog(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let escape_at = |at: usize| {
        let code = bytes.get(at + 1..at + 4)?;
        let value = code.iter().try_fold(0u32, |acc, &b| {
            (b'0'..=b'7')
                .contains(&b)
                .then(|| acc * 8 + u32::from(b - b'0'))
        })?;
        (value < 0x20 || value == 0x7f).then(|| char::from_u32(value))?
    };
    let mut found = memchr::memchr_iter(b'#', bytes).filter_map(|at| Some((at, escape_at(at)?)));
    let Some(first) = found.next() else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, c) in std::iter::once(first).chain(found) {
        if at < copied {
            continue;
        }
        out.push_str(&text[copied..at]);
        out.push(c);
        copied = at + 4;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Azure's parts read as the line they make: a message of two lines and its detail
    /// give one statement; a prefix the setting does not match is reported as that line.
    #[test]
    fn parts_are_read_as_the_line_they_make() {
        let prefix = LinePrefix::compile("%t-%c-");
        // Text put together (decoded from JSON): the message may hold lines.
        let parts = |printed: &'static str, message: &str, detail: Option<&str>| Parts {
            printed: printed.into(),
            severity: "LOG".into(),
            message: message.to_string().into(),
            detail: detail.map(|d| d.to_string().into()),
        };
        let mut sink = RecordSink::new("azure.json");
        let mut messages = Messages::default();
        let printed = "2026-11-25 22:41:56 UTC-6383b339.257-";
        let statement = parts(
            printed,
            "duration: 2.000 ms  statement: SELECT $1\nFROM t",
            Some("parameters: $1 = '7'"),
        );
        assert_eq!(
            statement.line(),
            "2026-11-25 22:41:56 UTC-6383b339.257-LOG:  duration: 2.000 ms  statement: SELECT $1\n\tFROM t"
        );
        messages.push_parts(3, Envelope::default(), statement);
        messages.push_parts(4, Envelope::default(), parts("[17] ", "x", None));
        messages.read(&prefix, &mut sink);
        let summary = &sink.profile.summary;
        assert_eq!((summary.statements, summary.lines_skipped), (1, 1));
        let query = sink.profile.queries.values().next().expect("the statement");
        assert_eq!(query.normalized, "select $1 from t");
        // The detail's parameters are the statement's (kept as its sample's).
        assert!(format!("{query:?}").contains("'7'"), "{query:?}");
        let skipped = &sink.profile.diagnostics.kinds[&Kind::UnrecognizedLine].examples[0];
        assert!(
            skipped.reason.starts_with("`[17] LOG:  x` does not match"),
            "{}",
            skipped.reason
        );
        assert_eq!(skipped.line, 4);
    }

    #[test]
    fn an_emptied_list_keeps_its_memory() {
        let mut list: Vec<Message<'static>> = Vec::with_capacity(1000);
        list.push(Message {
            line: 1,
            envelope: Envelope::default(),
            text: Text::Line("x".into()),
        });
        let memory = list.as_ptr() as usize;
        let emptied: Vec<Message<'_>> = emptied(list);
        assert_eq!(
            (emptied.as_ptr() as usize, emptied.capacity()),
            (memory, 1000)
        );
    }

    #[test]
    fn rsyslog_escapes_become_the_characters_again() {
        assert_eq!(unescape_rsyslog("#011FROM t"), "\tFROM t");
        assert_eq!(unescape_rsyslog("a #1 b #0111"), "a #1 b \t1");
        assert_eq!(unescape_rsyslog("#011#011x#012"), "\t\tx\n");
        assert_eq!(
            unescape_rsyslog("no escapes, #100 is '@'"),
            "no escapes, #100 is '@'"
        );
        assert!(matches!(unescape_rsyslog("plain"), Cow::Borrowed(_)));
    }
}
