//! JSON exports of log entries — one object per line (`journalctl -o json`, CloudNativePG,
//! Cloud Logging sinks), a JSON array, pretty-printed or not (`gcloud logging read
//! --format=json`), or objects one after another — cut into their objects.
//!
//! Anything between objects that is not JSON punctuation is handed back as a stray piece
//! (a line of another format, a value that is not an object), to be reported.

/// A JSON string, borrowed from the text unless it has escapes (serde borrows a `Cow`
/// only when it is not inside an `Option`, hence the newtype).
#[derive(serde::Deserialize, Debug, Default)]
pub struct Text<'a>(#[serde(borrow)] pub std::borrow::Cow<'a, str>);

/// The text of a field read as a [`Text`].
pub fn text_of<'a>(value: Option<Text<'a>>) -> Option<std::borrow::Cow<'a, str>> {
    value.map(|text| text.0)
}

/// A top-level piece of the text: an object its reader read as it was cut out, one it left
/// to be read apart, or anything else.
pub enum Piece<'a, T> {
    Read(T),
    Object(&'a str),
    Stray(&'a str),
}

/// Whether an object of an export starts at `line` (blocks are cut before such lines): it
/// opens at the start of the line, or at the first indentation of a pretty-printed array.
pub fn starts_object(line: &[u8]) -> bool {
    let indent = line.iter().take_while(|b| **b == b' ').count();
    indent <= 2 && matches!(line.get(indent), Some(b'{' | b'['))
}

/// The pieces of `text`, with the line each starts on (`first_line` is the first's). Each
/// object is offered to `read` first — the text it may span, where it opens and its line —
/// which reads it in the pass that finds its end, and gives what it read and that end;
/// an object `read` leaves (`None`) is cut by its braces and given whole. The lines that
/// hold more than whitespace are counted into `lines_with_text` on the way, where a count
/// of its own took another pass over every byte.
pub fn pieces<'a, T>(
    text: &'a str,
    first_line: u64,
    lines_with_text: &mut u64,
    mut read: impl FnMut(&'a str, usize, u64) -> Option<(T, usize)>,
) -> impl Iterator<Item = (u64, Piece<'a, T>)> {
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut line = first_line;
    let mut lines = LinesWithText {
        count: lines_with_text,
        last: None,
    };
    std::iter::from_fn(move || {
        while let Some(&b) = bytes.get(at) {
            match b {
                b'\n' => line += 1,
                b' ' | b'\t' | b'\r' => {}
                b',' | b'[' | b']' => lines.note(line),
                _ => break,
            }
            at += 1;
        }
        let start = at;
        let line_end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |n| start + n);
        // An object that opens a line of its own is pretty-printed over several lines;
        // any other ends on its line (a cut one must not swallow the lines after it).
        let within = match bytes.get(start)? {
            b'{' if bytes[start + 1..line_end].trim_ascii().is_empty() => Some(text),
            b'{' => Some(&text[..line_end]),
            _ => None,
        };
        let stray = (Piece::Stray(&text[start..line_end]), line_end);
        let (piece, end) = match within {
            None => stray,
            Some(within) => match read(within, start, line) {
                Some((value, end)) => (Piece::Read(value), end),
                None => match object_end(within.as_bytes(), start) {
                    Some(end) => (Piece::Object(&text[start..end]), end),
                    None => stray,
                },
            },
        };
        let starts_on = line;
        lines.note(line);
        // Only an object past its first line holds newlines.
        if end > line_end {
            for later in super::ingest::lines(&text[line_end + 1..end]) {
                line += 1;
                if !later.trim_ascii().is_empty() {
                    lines.note(line);
                }
            }
        }
        at = end;
        Some((starts_on, piece))
    })
}

/// Counts each line that holds text once.
struct LinesWithText<'c> {
    count: &'c mut u64,
    last: Option<u64>,
}

impl LinesWithText<'_> {
    fn note(&mut self, line: u64) {
        if self.last != Some(line) {
            self.last = Some(line);
            *self.count += 1;
        }
    }
}

/// The end of the object that opens at `start`: its closing brace, strings skipped.
fn object_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut at = start;
    loop {
        at += memchr::memchr3(b'{', b'}', b'"', &bytes[at..])?;
        match bytes[at] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(at + 1);
                }
            }
            _ => at = string_end(bytes, at + 1)?,
        }
        at += 1;
    }
}

/// The closing quote of the string that starts at `at`.
fn string_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        // A backslash that ends the text steps past it: the string is cut, not closed.
        at += memchr::memchr2(b'"', b'\\', bytes.get(at..)?)?;
        if bytes[at] == b'"' {
            return Some(at);
        }
        at += 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(text: &str) -> Vec<(u64, String)> {
        // Objects with an `a` are read as they are cut; the others are left whole.
        let mut order = super::super::json_scan::KeyOrder::default();
        let read = |text: &str, start: usize, _| {
            let (found, end) = super::super::json_scan::fields_at(text, start, ["a"], &mut order)?;
            Some((found[0]?.text.to_string(), end))
        };
        pieces(text, 1, &mut 0, read)
            .map(|(line, piece)| match piece {
                Piece::Read(a) => (line, format!("R {a}")),
                Piece::Object(o) => (line, format!("O {o}")),
                Piece::Stray(s) => (line, format!("S {s}")),
            })
            .collect()
    }

    #[test]
    fn counts_each_line_that_holds_text_once() {
        for text in [
            "{\"a\":1}\n\n  \n{\"a\":2}, {\"b\":3}\r\n",
            "[\n  {\n    \"a\": 1,\n\n    \"b\": [1,\n 2]\n  },\n  \t\n  {\"b\": 2}\n]\n\n",
            "x y\n{\"cut\": {\n ,\n[\n]{\"a\":1}",
            "",
        ] {
            let mut counted = 0;
            let read = |_: &str, _, _| None::<((), usize)>;
            pieces(text, 1, &mut counted, read).for_each(drop);
            let expected = text.lines().filter(|l| !l.trim_ascii().is_empty()).count();
            assert_eq!(counted, expected as u64, "{text:?}");
        }
    }

    #[test]
    fn cuts_lines_arrays_and_strays() {
        assert_eq!(
            collect("{\"a\":\"}{\\\"\"}\n{\"b\":{\"c\":1}}\n"),
            [
                (1, "R \"}{\\\"\"".into()),
                (2, "O {\"b\":{\"c\":1}}".into())
            ]
        );
        assert_eq!(
            collect("[\n  {\n    \"a\": 1\n  },\n  {\"b\": 2}\n]\n"),
            [(2, "R 1".into()), (5, "O {\"b\": 2}".into())]
        );
        assert_eq!(
            collect(
                "2026-01-01 LOG:  x\n42\n{\"a\":1}\n{\"cut\": {\n{\"b\":2}\n{\"a\":1,}\n{\"a\":2}"
            ),
            [
                (1, "S 2026-01-01 LOG:  x".into()),
                (2, "S 42".into()),
                (3, "R 1".into()),
                (4, "S {\"cut\": {".into()),
                (5, "O {\"b\":2}".into()),
                (6, "O {\"a\":1,}".into()),
                (7, "R 2".into())
            ]
        );
        assert!(starts_object(b"  {") && starts_object(b"{\"a\":1}") && !starts_object(b"    {"));
    }
}
