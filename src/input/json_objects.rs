//! JSON exports of log entries — one object per line (`journalctl -o json`, CloudNativePG,
//! Cloud Logging sinks), a JSON array, pretty-printed or not (`gcloud logging read
//! --format=json`), or objects one after another — cut into their objects.
//!
//! Anything between objects that is not JSON punctuation is handed on as a stray piece (a
//! line of another format, a value that is not an object), to be reported.

/// A JSON string, borrowed from the text unless it has escapes (serde borrows a `Cow`
/// only when it is not inside an `Option`, hence the newtype).
#[derive(serde::Deserialize, Debug, Default)]
pub struct Text<'a>(#[serde(borrow)] pub std::borrow::Cow<'a, str>);

/// The text of a field read as a [`Text`].
pub fn text_of<'a>(value: Option<Text<'a>>) -> Option<std::borrow::Cow<'a, str>> {
    value.map(|text| text.0)
}

/// What reads the pieces of an export's text as they are cut, in place: what it reads of
/// an object goes where it goes without being moved through an iterator.
pub trait Pieces<'a> {
    /// Reads the object that opens at `opening` in the pass that finds its end, and gives
    /// that end (an offset in `opening.within`); `None` leaves it to [`Pieces::object`].
    fn read(&mut self, opening: Opening<'a>) -> Option<usize>;
    /// An object [`Pieces::read`] left, cut by its braces, that starts on `line`.
    fn object(&mut self, object: &'a str, line: u64);
    /// Anything between objects that is not JSON punctuation (a line of another format, a
    /// value that is not an object), to be reported.
    fn stray(&mut self, text: &'a str, line: u64);
}

/// Where an object opens, for [`Pieces::read`].
#[derive(Debug, Clone, Copy)]
pub struct Opening<'a> {
    /// The text the object may span, from the start of the block.
    pub within: &'a str,
    /// Its offset in `within`, and the line it starts on.
    pub start: usize,
    pub line: u64,
    /// Whether `within` ends with that line: the object then holds no newline (one that
    /// opens a line of its own is pretty-printed over the lines below).
    pub one_line: bool,
}

/// Whether an object of an export starts at `line` (blocks are cut before such lines): it
/// opens at the start of the line, or at the first indentation of a pretty-printed array.
pub fn starts_object(line: &[u8]) -> bool {
    let indent = line.iter().take_while(|b| **b == b' ').count();
    indent <= 2 && matches!(line.get(indent), Some(b'{' | b'['))
}

/// The text of the entry that opens at `line`, which [`starts_object`] and opens `rest`:
/// the line when the object is whole on it, else the pretty-printed object up to its
/// closing brace in `rest`. `None` when it is not text or does not end in `rest`.
pub fn entry_at<'r>(line: &'r [u8], rest: &'r [u8]) -> Option<&'r str> {
    let indent = line.iter().take_while(|b| **b == b' ').count();
    let entry = if opens_alone(&line[indent..]) {
        &rest[indent..object_end(rest, indent)?]
    } else {
        line
    };
    std::str::from_utf8(entry).ok()
}

/// Whether `line` (from its first byte that is not indentation) is a `{` with nothing
/// after it: a pretty-printed object opens there and goes on over the lines below.
fn opens_alone(line: &[u8]) -> bool {
    line.first() == Some(&b'{') && line[1..].trim_ascii().is_empty()
}

/// Cuts `text` into its pieces, handed to `reader` with the line each starts on
/// (`first_line` is the first's); gives the number of lines that hold more than
/// whitespace, counted on the way where a count of its own took another pass over every
/// byte.
pub fn read_pieces<'a>(text: &'a str, first_line: u64, reader: &mut impl Pieces<'a>) -> u64 {
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut line = first_line;
    let mut lines = LinesWithText::default();
    loop {
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
        let Some(&first) = bytes.get(start) else {
            return lines.count;
        };
        let line_end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |n| start + n);
        lines.note(line);
        let end = piece(text, start, line_end, first, line, reader);
        // Only an object past its first line holds newlines.
        if end > line_end {
            line = lines.note_later(&bytes[line_end..end], line);
        }
        at = end;
    }
}

/// Whether the line that opens `text` holds more than whitespace (a pretty-printed
/// object's lines start with their indentation, skipped without finding the line's end).
fn holds_text(text: &[u8]) -> bool {
    let first = super::bytes::skip_blank(text, 0);
    text.get(first).is_some_and(|&b| b != b'\n')
}

/// Hands the piece that starts at `start` (its byte `first`) on `line`, whose line ends at
/// `line_end`, to `reader`; the offset after it.
#[inline(always)]
fn piece<'a>(
    text: &'a str,
    start: usize,
    line_end: usize,
    first: u8,
    line: u64,
    reader: &mut impl Pieces<'a>,
) -> usize {
    let bytes = text.as_bytes();
    // An object that opens a line of its own is pretty-printed over several lines; any
    // other ends on its line (a cut one must not swallow the lines after it).
    let one_line = match first {
        b'{' => !opens_alone(&bytes[start..line_end]),
        _ => {
            reader.stray(&text[start..line_end], line);
            return line_end;
        }
    };
    let within = if one_line { &text[..line_end] } else { text };
    let opening = Opening {
        within,
        start,
        line,
        one_line,
    };
    if let Some(end) = reader.read(opening) {
        return end;
    }
    match object_end(within.as_bytes(), start) {
        Some(end) => {
            reader.object(&text[start..end], line);
            end
        }
        None => {
            reader.stray(&text[start..line_end], line);
            line_end
        }
    }
}

/// Counts each line that holds text once.
#[derive(Default)]
struct LinesWithText {
    count: u64,
    last: Option<u64>,
}

impl LinesWithText {
    fn note(&mut self, line: u64) {
        if self.last != Some(line) {
            self.last = Some(line);
            self.count += 1;
        }
    }

    /// Notes the lines of `later`, the rest of an object from the newline that ends its
    /// first line (`line`), that hold text; the object's last line.
    fn note_later(&mut self, later: &[u8], line: u64) -> u64 {
        let breaks = super::bytes::line_breaks(later);
        if breaks.maybe_blank {
            let mut line = line;
            for newline in memchr::memchr_iter(b'\n', later) {
                line += 1;
                if holds_text(&later[newline + 1..]) {
                    self.note(line);
                }
            }
            return line;
        }
        self.count += breaks.newlines;
        self.last = Some(line + breaks.newlines);
        line + breaks.newlines
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

    /// Reads the objects with an `a` as they are cut, and leaves the others whole.
    #[derive(Default)]
    struct Collected {
        order: super::super::json_scan::KeyOrder,
        pieces: Vec<(u64, String)>,
    }

    impl<'a> Pieces<'a> for Collected {
        fn read(&mut self, at: Opening<'a>) -> Option<usize> {
            let keys = ["a"];
            let (found, end) =
                super::super::json_scan::fields_at(at.within, at.start, keys, &mut self.order)?;
            self.pieces.push((at.line, format!("R {}", found[0]?.text)));
            Some(end)
        }

        fn object(&mut self, object: &'a str, line: u64) {
            self.pieces.push((line, format!("O {object}")));
        }

        fn stray(&mut self, text: &'a str, line: u64) {
            self.pieces.push((line, format!("S {text}")));
        }
    }

    fn collect(text: &str) -> Vec<(u64, String)> {
        let mut collected = Collected::default();
        read_pieces(text, 1, &mut collected);
        collected.pieces
    }

    #[test]
    fn counts_each_line_that_holds_text_once() {
        for text in [
            "{\"a\":1}\n\n  \n{\"a\":2}, {\"b\":3}\r\n",
            "[\n  {\n    \"a\": 1,\n\n    \"b\": [1,\n 2]\n  },\n  \t\n  {\"b\": 2}\n]\n\n",
            "x y\n{\"cut\": {\n ,\n[\n]{\"a\":1}",
            "[\n  {\n    \"a\": 1,\n    \"b\": 2\n  },\n  {\n    \"c\": [\n      1\n    ]\n  }\n]\n",
            "{\n  \"a\": 1,\n   \n  \"b\": 2\n}\n{\n  \"a\": 1,\n\r\n  \"b\": 2\n}\n",
            "",
        ] {
            let counted = read_pieces(text, 1, &mut Collected::default());
            let expected = text.lines().filter(|l| !l.trim_ascii().is_empty()).count();
            assert_eq!(counted, expected as u64, "{text:?}");
        }
    }

    #[test]
    fn an_entry_is_its_line_or_its_pretty_printed_object() {
        let rest = b"{\"a\":1}\n  {\"b\":2}\n";
        assert_eq!(entry_at(b"{\"a\":1}", rest), Some("{\"a\":1}"));
        let rest = b"  {\n    \"a\": \"}\",\n    \"b\": {}\n  },\n  {\n";
        let line = &rest[..3];
        assert_eq!(
            entry_at(line, rest),
            Some("{\n    \"a\": \"}\",\n    \"b\": {}\n  }")
        );
        // Not ended in what the buffer holds yet.
        assert_eq!(entry_at(line, &rest[..20]), None);
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
