//! Guessing a `log_line_prefix` from one log line: what planwise tries when no common
//! prefix fits, and what it suggests when nothing fits at all.
//!
//! The part of the line before its severity is read left to right; a value planwise
//! recognises (a timestamp, `[pid]`, `user@db`, `host(port)`, a session id, `key=value`
//! with a known key) becomes its escape, anything else stays literal.

use super::prefix::split_severity;
use crate::model::time::parse_timestamp;

/// The prefix that would print `line`'s head, or `None` when the line shows no severity.
pub fn guess(line: &[u8]) -> Option<String> {
    let head = &line[..severity_at(line)?];
    let mut guess = Guess::default();
    let mut at = 0;
    while at < head.len() {
        let word_start = at == 0 || !head[at - 1].is_ascii_alphanumeric();
        let before = at.checked_sub(1).map(|b| head[b]);
        match word_start
            .then(|| guess.value(&head[at..], before))
            .flatten()
        {
            Some((escape, used)) => {
                guess.out.extend_from_slice(escape.as_bytes());
                at += used;
            }
            None => {
                if head[at] == b'%' {
                    guess.out.push(b'%');
                }
                guess.out.push(head[at]);
                at += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&guess.out).into_owned())
}

/// Where the first `SEVERITY:` that starts a word is.
fn severity_at(line: &[u8]) -> Option<usize> {
    (0..line.len()).find(|&at| {
        (at == 0 || !line[at - 1].is_ascii_alphanumeric()) && split_severity(&line[at..]).is_some()
    })
}

#[derive(Default)]
struct Guess {
    out: Vec<u8>,
    pid: bool,
    session: bool,
}

/// Keys of `key=value` pairs and the escape each value is printed by.
const KEYS: &[(&[&str], &str)] = &[
    (&["user", "usr", "username", "user_name"], "%u"),
    (&["db", "database", "dbname", "database_name"], "%d"),
    (&["app", "application", "appname", "application_name"], "%a"),
    (
        &[
            "client",
            "host",
            "remote",
            "client_addr",
            "connection_source",
        ],
        "%r",
    ),
    (&["pid", "process_id"], "%p"),
    (&["session", "session_id", "sessionid"], "%c"),
    (&["sql_error_code", "sqlstate", "state", "code"], "%e"),
    (&["tid", "xid", "txid"], "%x"),
    (&["vtid", "vxid"], "%v"),
    (&["log_line", "line"], "%l"),
    (&["time_ms", "time", "ts", "timestamp"], "%m"),
    (&["proc_start_time"], "%s"),
    (&["query_id"], "%Q"),
    (&["backend_type"], "%b"),
];

/// Bytes that end a value in a guessed prefix.
fn ends_value(b: u8) -> bool {
    matches!(
        b,
        b' ' | b',' | b';' | b'|' | b':' | b'[' | b']' | b'<' | b'>' | b'"'
    )
}

impl Guess {
    /// The escape for a value at the start of `text`, and how many bytes it covers.
    fn value(&mut self, text: &[u8], before: Option<u8>) -> Option<(String, usize)> {
        if let Some(found) = timestamp(text) {
            return Some(found);
        }
        if let Some(found) = self.key_value(text) {
            return Some(found);
        }
        if let Some(found) = self.bracketed_number(text) {
            return Some(found);
        }
        if let Some(len) = session_id(text) {
            self.session = true;
            return Some(("%c".to_string(), len));
        }
        let word = text
            .iter()
            .position(|&b| ends_value(b))
            .unwrap_or(text.len());
        let alone = matches!(before, None | Some(b' ' | b'|'))
            && matches!(text.get(word), None | Some(b' ' | b'|' | b','));
        self.word(&text[..word], alone)
            .map(|escape| (escape.to_string(), word))
    }

    /// `key=value`, `key = value` or `key="value"` with a key in [`KEYS`].
    fn key_value(&mut self, text: &[u8]) -> Option<(String, usize)> {
        let key_len = text
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))?;
        let key = std::str::from_utf8(&text[..key_len]).ok()?;
        let escape = KEYS
            .iter()
            .find(|(names, _)| names.contains(&key))
            .map(|(_, escape)| *escape)?;
        let separator = [&b"="[..], b" = "]
            .into_iter()
            .find(|s| text[key_len..].starts_with(s))?;
        let mut at = key_len + separator.len();
        let quoted = text.get(at) == Some(&b'"');
        at += usize::from(quoted);
        let value = &text[at..];
        let len = if quoted {
            memchr::memchr(b'"', value)?
        } else {
            value
                .iter()
                .position(|&b| ends_value(b))
                .unwrap_or(value.len())
        };
        // A timestamp value says which of %m/%t it is; a pid or a session is noted.
        let escape = match escape {
            "%r" if memchr::memchr(b'(', &value[..len]).is_none() => "%h".to_string(),
            "%m" => timestamp(value).map(|(escape, _)| escape)?,
            "%p" => {
                self.pid = true;
                escape.to_string()
            }
            "%c" => {
                self.session = true;
                escape.to_string()
            }
            _ => escape.to_string(),
        };
        let mut out = String::from_utf8_lossy(&text[..at]).into_owned();
        out.push_str(&escape);
        Some((out, at + len))
    }

    /// `[digits]` (the pid, or the line number once the pid is known) and `[n-m]` (the
    /// pid and line number, or a line number and syslog-style chunk).
    fn bracketed_number(&mut self, text: &[u8]) -> Option<(String, usize)> {
        let inner = text.strip_prefix(b"[")?;
        let close = memchr::memchr(b']', &inner[..inner.len().min(24)])?;
        let inner = &inner[..close];
        let digits = |part: &[u8]| !part.is_empty() && part.iter().all(u8::is_ascii_digit);
        let escape = match inner.iter().position(|&b| b == b'-') {
            None if digits(inner) && !self.pid => "[%p]".to_string(),
            None if digits(inner) => "[%l]".to_string(),
            Some(dash) if digits(&inner[..dash]) && digits(&inner[dash + 1..]) => {
                if self.pid {
                    format!("[%l-{}]", String::from_utf8_lossy(&inner[dash + 1..]))
                } else {
                    "[%p-%l]".to_string()
                }
            }
            _ => return None,
        };
        self.pid = true;
        Some((escape, close + 2))
    }

    /// A word recognised by its shape; a bare number only when it stands `alone` between
    /// spaces or bars (not in a time such as `12:00`).
    fn word(&mut self, word: &[u8], alone: bool) -> Option<&'static str> {
        if word.is_empty() {
            return None;
        }
        if word == b"[local]" || host_and_port(word) {
            return Some("%r");
        }
        if let Some(at) = memchr::memchr(b'@', word) {
            let app = memchr::memchr(b'/', &word[at..]).is_some();
            return Some(if app { "%u@%d/%a" } else { "%u@%d" });
        }
        if word.len() == 5
            && word.iter().any(u8::is_ascii_digit)
            && word
                .iter()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        {
            return Some("%e");
        }
        if alone && word.iter().all(u8::is_ascii_digit) {
            if self.pid || self.session {
                return Some("%x");
            }
            self.pid = true;
            return Some("%p");
        }
        None
    }
}

/// `YYYY-MM-DD HH:MM:SS[.mmm] ZONE`: `%m` or `%t`, and its length.
fn timestamp(text: &[u8]) -> Option<(String, usize)> {
    if text.get(10) != Some(&b' ') {
        return None;
    }
    parse_timestamp(text.get(..19)?)?;
    let millis = text.get(19) == Some(&b'.') && text.get(20..23)?.iter().all(u8::is_ascii_digit);
    let mut len = if millis { 23 } else { 19 };
    if text.get(len) == Some(&b' ') {
        let zone = &text[len + 1..];
        let sign = usize::from(matches!(zone.first(), Some(b'+' | b'-')));
        let label = if sign == 1 {
            sign + zone[1..].iter().take_while(|b| b.is_ascii_digit()).count()
        } else {
            zone.iter().take_while(|b| b.is_ascii_alphabetic()).count()
        };
        if label > sign {
            len += 1 + label;
        }
    }
    Some((if millis { "%m" } else { "%t" }.to_string(), len))
}

/// `host(port)`: a client address as `%r` prints it.
fn host_and_port(word: &[u8]) -> bool {
    let Some(open) = memchr::memchr(b'(', word) else {
        return false;
    };
    let port = &word[open + 1..];
    open > 0
        && port.len() >= 2
        && port.ends_with(b")")
        && port[..port.len() - 1].iter().all(u8::is_ascii_digit)
}

/// `%c` at the start of `text` (the backend's start time and pid in hex, joined by a dot,
/// and not followed by more of a word): its length.
fn session_id(text: &[u8]) -> Option<usize> {
    let hex = |from: usize| {
        text[from..]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count()
    };
    let time = hex(0);
    if time < 6 || text.get(time) != Some(&b'.') {
        return None;
    }
    let len = time + 1 + hex(time + 1);
    let next = text.get(len).copied().unwrap_or(b' ');
    (len > time + 1 && !next.is_ascii_alphanumeric() && next != b'.').then_some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_the_prefixes_of_hosted_platforms_and_common_settings() {
        for (line, expected) in [
            (
                "2020-03-11 20:40:44 UTC:10.0.0.5(5432):app@shop:[12774]:LOG:  duration: 1 ms",
                "%t:%r:%u@%d:[%p]:",
            ),
            (
                "2026-11-25 22:41:56 UTC-6383b339.257-LOG:  duration: 1 ms",
                "%t-%c-",
            ),
            ("[2026-11-25 22:41:56.123 UTC] LOG:  x", "[%m] "),
            ("2026-11-25 22:41:56.123 UTC|4242| LOG:  x", "%m|%p| "),
            ("2026-11-25 22:41:56.123 UTC>> LOG:  x", "%m>> "),
            (
                "2026-11-25 22:41:56 UTC [99]: [3-1] user=bob,db=shop,app=psql,client=127.0.0.1 LOG:  x",
                "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
            ),
            (
                "2026-11-25 22:41:56.123 UTC 6383b339.257 0 00000 LOG:  x",
                "%m %c %x %e ",
            ),
            (
                "[24667]: [2-1] db=shop,user=app LOG:  x",
                "[%p]: [%l-1] db=%d,user=%u ",
            ),
            (
                "sql_error_code = 00000 time_ms = \"2022-06-21 18:02:46.233 UTC\" pid=\"28155\" database=\"d\" user=\"u\" LOG:  x",
                "sql_error_code = %e time_ms = \"%m\" pid=\"%p\" database=\"%d\" user=\"%u\" ",
            ),
            (
                "2026-11-25 22:41:56.123 +03 [7] 50% LOG:  x",
                "%m [%p] 50%% ",
            ),
        ] {
            assert_eq!(guess(line.as_bytes()).as_deref(), Some(expected), "{line}");
        }
        assert_eq!(guess(b"no severity here"), None);
    }
}
