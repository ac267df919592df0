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

impl<'a> Text<'a> {
    /// The text when it could be borrowed, for fields kept as `&'a str`.
    pub fn borrowed(&self) -> Option<&'a str> {
        match self.0 {
            std::borrow::Cow::Borrowed(text) => Some(text),
            std::borrow::Cow::Owned(_) => None,
        }
    }
}

/// A top-level piece of the text and the line it starts on.
pub enum Piece<'a> {
    Object(&'a str),
    Stray(&'a str),
}

/// Whether an object of an export starts at `line` (blocks are cut before such lines): it
/// opens at the start of the line, or at the first indentation of a pretty-printed array.
pub fn starts_object(line: &[u8]) -> bool {
    let indent = line.iter().take_while(|b| **b == b' ').count();
    indent <= 2 && matches!(line.get(indent), Some(b'{' | b'['))
}

/// The pieces of `text`, with the line each starts on (`first_line` is the first's).
pub fn pieces(text: &str, first_line: u64) -> impl Iterator<Item = (u64, Piece<'_>)> {
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut line = first_line;
    std::iter::from_fn(move || {
        while let Some(&b) = bytes.get(at) {
            match b {
                b'\n' => line += 1,
                b' ' | b'\t' | b'\r' | b',' | b'[' | b']' => {}
                _ => break,
            }
            at += 1;
        }
        let start = at;
        let line_end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |n| start + n);
        let end = match bytes.get(start)? {
            // An object that opens a line of its own is pretty-printed over several lines;
            // any other ends on its line (a cut one must not swallow the lines after it).
            b'{' if bytes[start + 1..line_end].trim_ascii().is_empty() => object_end(bytes, start),
            b'{' => object_end(&bytes[..line_end], start),
            _ => None,
        };
        let (piece, end) = match end {
            Some(end) => (Piece::Object(&text[start..end]), end),
            None => (Piece::Stray(&text[start..line_end]), line_end),
        };
        let starts_on = line;
        line += memchr::memchr_iter(b'\n', &bytes[start..end]).count() as u64;
        at = end;
        Some((starts_on, piece))
    })
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
        pieces(text, 1)
            .map(|(line, piece)| match piece {
                Piece::Object(o) => (line, format!("O {o}")),
                Piece::Stray(s) => (line, format!("S {s}")),
            })
            .collect()
    }

    #[test]
    fn cuts_lines_arrays_and_strays() {
        assert_eq!(
            collect("{\"a\":\"}{\\\"\"}\n{\"b\":{\"c\":1}}\n"),
            [
                (1, "O {\"a\":\"}{\\\"\"}".into()),
                (2, "O {\"b\":{\"c\":1}}".into())
            ]
        );
        assert_eq!(
            collect("[\n  {\n    \"a\": 1\n  },\n  {\"b\": 2}\n]\n"),
            [
                (2, "O {\n    \"a\": 1\n  }".into()),
                (5, "O {\"b\": 2}".into())
            ]
        );
        assert_eq!(
            collect("2026-01-01 LOG:  x\n42\n{\"a\":1}\n{\"cut\": {\n{\"b\":2}"),
            [
                (1, "S 2026-01-01 LOG:  x".into()),
                (2, "S 42".into()),
                (3, "O {\"a\":1}".into()),
                (4, "S {\"cut\": {".into()),
                (5, "O {\"b\":2}".into())
            ]
        );
        assert!(starts_object(b"  {") && starts_object(b"{\"a\":1}") && !starts_object(b"    {"));
    }
}
