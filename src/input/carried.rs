//! Messages carried inside another format's envelope (syslog and rsyslog, Heroku logplex,
//! journald, Google Cloud Logging): put back together and read as stderr messages, so
//! that every format gives the same records as the stderr log of the same run.
//!
//! syslog cuts a long or multi-line message into records `[7-1]`, `[7-2]`, … of the same
//! process (PostgreSQL's `write_syslog`): a record that starts with a tab began a new line
//! of the message, any other one continues a line cut at a space.

use super::prefix::LinePrefix;
use super::record::RecordSink;
use super::stderr::{Envelope, Reader};
use crate::model::diagnostics::Kind;
use std::borrow::Cow;
use std::collections::VecDeque;

/// One record taken out of its envelope.
pub struct Carried<'a> {
    pub line: u64,
    pub envelope: Envelope<'a>,
    /// syslog's sequence number and chunk (`[7-2]`), when the record has them.
    pub chunk: Option<(u64, u32)>,
    pub text: Cow<'a, str>,
}

/// A whole message: the records of one sequence number joined.
struct Message<'a> {
    line: u64,
    envelope: Envelope<'a>,
    text: Cow<'a, str>,
}

/// Joins records into messages, in the order their first records came.
#[derive(Default)]
pub struct Messages<'a> {
    messages: Vec<Message<'a>>,
    /// Messages that may still get records: process, sequence number, index. Records of
    /// other processes come in between, rarely many. A ring: when it is full, each new
    /// message pushes the oldest out, and nearly every syslog record opens a message.
    open: VecDeque<(Option<&'a str>, u64, usize)>,
}

/// How many messages of other processes may come between two records of one message.
const OPEN_MESSAGES: usize = 64;

impl<'a> Messages<'a> {
    /// Room for the messages of a block of `bytes` (a record takes a hundred bytes or
    /// more): grown as they come, the list was copied a dozen times per block.
    pub fn for_block(bytes: usize) -> Self {
        Messages {
            messages: Vec::with_capacity(bytes / 128),
            open: VecDeque::with_capacity(OPEN_MESSAGES),
        }
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
                let text = self.messages[index].text.to_mut();
                if record.text.starts_with('\t') {
                    text.push('\n');
                }
                text.push_str(&record.text);
            }
            _ if record.text.starts_with('\t') => {
                // A line of the message before (stderr captured line by line).
                match self
                    .messages
                    .iter_mut()
                    .rev()
                    .take(OPEN_MESSAGES)
                    .find(|m| m.envelope.process == process)
                {
                    Some(message) => {
                        let text = message.text.to_mut();
                        text.push('\n');
                        text.push_str(&record.text);
                    }
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
                self.messages.push(Message {
                    line: record.line,
                    envelope: record.envelope,
                    text: record.text,
                });
            }
        }
    }

    /// Reads every message with `prefix` (the one inside the envelope).
    pub fn read(&self, prefix: &LinePrefix, sink: &mut RecordSink<'_>) {
        let mut reader = Reader::default();
        for message in &self.messages {
            // Text borrowed from the block is one of its lines, or a JSON string without
            // escapes, which cannot hold a newline: only text put together (records joined,
            // escapes decoded) is cut into lines.
            if let Cow::Borrowed(line) = message.text {
                debug_assert!(
                    !line.contains('\n'),
                    "a borrowed message of lines: {line:?}"
                );
                reader.line(line, message.line, prefix, &message.envelope, sink);
                continue;
            }
            let mut lines = super::ingest::lines(&message.text);
            let first = lines.next().unwrap_or_default();
            reader.line(first, message.line, prefix, &message.envelope, sink);
            for line in lines {
                let line = line.strip_prefix('\t').unwrap_or(line);
                reader.continuation(line, message.line, sink);
            }
        }
        reader.finish(sink);
    }

    /// The first line of each message, for detecting the prefix inside the envelope.
    pub fn first_lines(&self) -> Vec<&[u8]> {
        self.messages
            .iter()
            .map(|m| {
                super::ingest::lines(&m.text)
                    .next()
                    .unwrap_or_default()
                    .as_bytes()
            })
            .collect()
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
