//! A direct reader of the JSON objects logs are made of (jsonlog lines, CloudNativePG,
//! Cloud Logging, journald and Azure exports): the raw text of a few wanted keys' values,
//! found in one pass that also checks the whole object is valid JSON.
//!
//! serde_json builds every value of an object, wanted or not, a byte at a time; this pass
//! skips strings with memchr and copies nothing. Whatever it does not answer — invalid
//! JSON, an escaped or repeated wanted key, a value of an unexpected type, nesting deeper
//! than [`MAX_DEPTH`] — the caller hands to serde_json, so both accept and reject the same
//! objects, and serde_json's message explains a rejection.

use std::borrow::Cow;

/// Deeper objects are left to serde_json (whose own limit is 128).
const MAX_DEPTH: usize = 64;

/// The raw text of the values of `keys` at the top level of `object`: a string with its
/// quotes, a number, `null`, a nested object or array whole. `None` unless `object` is
/// exactly one valid JSON object (whitespace around it allowed) in which no wanted key is
/// repeated or escaped.
pub fn fields<'a, const N: usize>(
    object: &'a str,
    keys: [&str; N],
) -> Option<[Option<&'a str>; N]> {
    let bytes = object.as_bytes();
    let mut found = [None; N];
    let start = skip_space(bytes, 0);
    let end = members(bytes, start, 0, |key, (from, to)| {
        // An escaped key might spell a wanted one: serde_json's to read.
        if key.contains(&b'\\') {
            return None;
        }
        match keys.iter().position(|k| k.as_bytes() == key) {
            Some(index) => found[index]
                .replace(&object[from..to])
                .is_none()
                .then_some(()),
            None => Some(()),
        }
    })?;
    (skip_space(bytes, end) == bytes.len()).then_some(found)
}

/// A wanted value as text: `Some(None)` for `null`, `Some(Some(text))` for a string,
/// `None` for any other type (the caller's serde_json fallback then names the error).
pub fn text(raw: Option<&str>) -> Option<Option<Cow<'_, str>>> {
    match raw {
        None | Some("null") => Some(None),
        Some(raw) => Some(Some(string(raw.strip_prefix('"')?)?)),
    }
}

/// A wanted value that is a string or a non-negative integer, as its text (CloudNativePG
/// writes numbers as strings).
pub fn text_or_digits(raw: Option<&str>) -> Option<Option<Cow<'_, str>>> {
    match raw {
        Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => {
            // serde_json reads it as a u64: more digits than that is its error to report.
            digits.parse::<u64>().ok()?;
            Some(Some(Cow::Borrowed(digits)))
        }
        other => text(other),
    }
}

/// Walks the members of the object that opens at `at` (`{`), giving each key's raw bytes
/// and its value's span to `member`, which may refuse (`None`); the offset after `}`.
fn members(
    bytes: &[u8],
    at: usize,
    depth: usize,
    mut member: impl FnMut(&[u8], (usize, usize)) -> Option<()>,
) -> Option<usize> {
    if bytes.get(at) != Some(&b'{') || depth > MAX_DEPTH {
        return None;
    }
    let mut at = skip_space(bytes, at + 1);
    if bytes.get(at) == Some(&b'}') {
        return Some(at + 1);
    }
    loop {
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(bytes, at + 1)?;
        let key = &bytes[at + 1..key_end];
        at = skip_space(bytes, key_end + 1);
        if bytes.get(at) != Some(&b':') {
            return None;
        }
        let value_start = skip_space(bytes, at + 1);
        let value_end = value_end(bytes, value_start, depth)?;
        member(key, (value_start, value_end))?;
        at = skip_space(bytes, value_end);
        match bytes.get(at)? {
            b',' => at = skip_space(bytes, at + 1),
            b'}' => return Some(at + 1),
            _ => return None,
        }
    }
}

/// The offset after the value that starts at `at`.
fn value_end(bytes: &[u8], at: usize, depth: usize) -> Option<usize> {
    match bytes.get(at)? {
        b'"' => Some(string_end(bytes, at + 1)? + 1),
        b'{' => members(bytes, at, depth + 1, |_, _| Some(())),
        b'[' => array_end(bytes, at, depth + 1),
        b't' => literal(bytes, at, b"true"),
        b'f' => literal(bytes, at, b"false"),
        b'n' => literal(bytes, at, b"null"),
        _ => number_end(bytes, at),
    }
}

fn array_end(bytes: &[u8], at: usize, depth: usize) -> Option<usize> {
    if depth > MAX_DEPTH {
        return None;
    }
    let mut at = skip_space(bytes, at + 1);
    if bytes.get(at) == Some(&b']') {
        return Some(at + 1);
    }
    loop {
        at = skip_space(bytes, value_end(bytes, at, depth)?);
        match bytes.get(at)? {
            b',' => at = skip_space(bytes, at + 1),
            b']' => return Some(at + 1),
            _ => return None,
        }
    }
}

fn literal(bytes: &[u8], at: usize, word: &[u8]) -> Option<usize> {
    bytes[at..].starts_with(word).then_some(at + word.len())
}

/// JSON's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn number_end(bytes: &[u8], at: usize) -> Option<usize> {
    let digits = |from: usize| {
        from + bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut at = at + usize::from(bytes.get(at) == Some(&b'-'));
    match bytes.get(at)? {
        b'0' => at += 1,
        b'1'..=b'9' => at = digits(at),
        _ => return None,
    }
    if bytes.get(at) == Some(&b'.') {
        let end = digits(at + 1);
        if end == at + 1 {
            return None;
        }
        at = end;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1 + usize::from(matches!(bytes.get(at + 1), Some(b'+' | b'-')));
        let end = digits(at);
        if end == at {
            return None;
        }
        at = end;
    }
    Some(at)
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// The closing quote of the string whose text starts at `at`, checking what serde_json
/// checks of a string it skips: no raw control character, escapes of JSON's kinds.
fn string_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let next = at + quote_or_backslash(&bytes[at..])?;
        if has_control(&bytes[at..next]) {
            return None;
        }
        if bytes[next] == b'"' {
            return Some(next);
        }
        at = next
            + match bytes.get(next + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 2,
                b'u' if bytes
                    .get(next + 2..next + 6)?
                    .iter()
                    .all(u8::is_ascii_hexdigit) =>
                {
                    6
                }
                _ => return None,
            };
    }
}

/// A JSON string's value, from the text after its opening quote to (at least) its closing
/// one; borrowed unless it has escapes. `None` for anything serde_json would refuse.
pub fn string(text: &str) -> Option<Cow<'_, str>> {
    Some(string_at(text, 0)?.0)
}

/// [`string`] of the text from `start` (after an opening quote): the value and the offset
/// after the closing quote.
pub fn string_at(line: &str, start: usize) -> Option<(Cow<'_, str>, usize)> {
    let bytes = line.as_bytes();
    let first = start + quote_or_backslash(&bytes[start..])?;
    if bytes[first] == b'"' {
        return plain(&line[start..first]).map(|text| (Cow::Borrowed(text), first + 1));
    }
    let mut value = String::from(plain(&line[start..first])?);
    let mut at = first;
    loop {
        match bytes.get(at)? {
            b'"' => return Some((Cow::Owned(value), at + 1)),
            b'\\' => {
                let escaped = match bytes.get(at + 1)? {
                    b'"' => '"',
                    b'\\' => '\\',
                    b'/' => '/',
                    b'b' => '\u{8}',
                    b'f' => '\u{c}',
                    b'n' => '\n',
                    b'r' => '\r',
                    b't' => '\t',
                    b'u' => {
                        let (c, used) = unicode_escape(bytes, at)?;
                        value.push(c);
                        at += used;
                        continue;
                    }
                    _ => return None,
                };
                value.push(escaped);
                at += 2;
            }
            _ => {
                let next = at + memchr::memchr2(b'"', b'\\', &bytes[at..])?;
                value.push_str(plain(&line[at..next])?);
                at = next;
            }
        }
    }
}

/// Where the first quote or backslash is. Keys and most values are a few bytes long: a
/// plain scan of the first bytes costs less than memchr's setup, which pays off on long
/// messages.
pub fn quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    let head = &bytes[..bytes.len().min(16)];
    match head.iter().position(|&b| b == b'"' || b == b'\\') {
        Some(found) => Some(found),
        None => Some(head.len() + memchr::memchr2(b'"', b'\\', &bytes[head.len()..])?),
    }
}

/// Whether `bytes` holds a raw control character, which JSON forbids in strings. A fold
/// without an early exit, which the compiler turns into vector code: every string of the
/// log passes here.
fn has_control(bytes: &[u8]) -> bool {
    bytes.iter().fold(false, |found, &b| found | (b < 0x20))
}

/// Unescaped string text, unless it holds a control character.
fn plain(text: &str) -> Option<&str> {
    (!has_control(text.as_bytes())).then_some(text)
}

/// `\uXXXX` (or a surrogate pair of two) at `at`: the character and the bytes it took.
fn unicode_escape(bytes: &[u8], at: usize) -> Option<(char, usize)> {
    let hex = |from: usize| -> Option<u32> {
        let digits = std::str::from_utf8(bytes.get(from..from + 4)?).ok()?;
        u32::from_str_radix(digits, 16).ok()
    };
    let high = hex(at + 2)?;
    if (0xD800..0xDC00).contains(&high) {
        if bytes.get(at + 6..at + 8)? != b"\\u" {
            return None;
        }
        let low = hex(at + 8)?;
        if !(0xDC00..0xE000).contains(&low) {
            return None;
        }
        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
        return Some((char::from_u32(code)?, 12));
    }
    Some((char::from_u32(high)?, 6))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan answers only for objects serde_json accepts, and then finds the values it
    /// finds; a wanted string is decoded as serde_json decodes it, or left to it.
    fn agrees(object: &str) {
        let Some([message, pid]) = fields(object, ["message", "pid"]) else {
            return;
        };
        let valid = serde_json::from_str::<serde::de::IgnoredAny>(object);
        assert!(valid.is_ok(), "scanned invalid JSON {object:?}: {valid:?}");
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(object) {
            let raw = |found: Option<&str>| {
                found.map(|raw| serde_json::from_str::<serde_json::Value>(raw).unwrap())
            };
            assert_eq!(raw(message), value.get("message").cloned(), "{object}");
            assert_eq!(raw(pid), value.get("pid").cloned(), "{object}");
        }
        for raw in [message, pid].into_iter().flatten() {
            let theirs: Result<Option<String>, _> = serde_json::from_str(raw);
            match (text(Some(raw)), theirs) {
                (Some(ours), Ok(theirs)) => assert_eq!(ours.map(Cow::into_owned), theirs),
                (Some(ours), Err(e)) => panic!("{raw} read as {ours:?}; serde_json: {e}"),
                (None, _) => {}
            }
        }
    }

    #[test]
    fn real_objects_are_scanned() {
        let object = r#" {"message":"a \"q\" \u00e9 \ud83d\ude00","pid":12,"nested":{"a":[1,-2.5e3,true,null,{}]},"e":[]} "#;
        let [message, pid] = fields(object, ["message", "pid"]).unwrap();
        assert_eq!(text(message).unwrap().unwrap(), "a \"q\" é 😀");
        assert_eq!(text_or_digits(pid).unwrap().unwrap(), "12");
        assert_eq!(
            fields(r#"{"message":null}"#, ["message"]),
            Some([Some("null")])
        );
        for object in [
            r#"{"message":"x","message":"y"}"#,
            r#"{"mess\u0061ge":"x"}"#,
            r#"{"a":01}"#,
            r#"{"a":"raw	tab"}"#,
            r#"{"a":1}x"#,
            r#"{"a":[1,]}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":tru}"#,
            r#"[{"a":1}]"#,
        ] {
            assert_eq!(fields(object, ["message"]), None, "{object}");
            agrees(object);
        }
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(100), "]".repeat(100));
        assert_eq!(fields(&deep, ["a"]), None);
        assert_eq!(text(Some("12")), None);
    }

    proptest::proptest! {
        /// Objects put together from JSON's pieces: whatever the scan answers is valid JSON
        /// and holds the values serde_json finds.
        #[test]
        fn the_scan_never_disagrees_with_serde_json(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "{", "}", "[", "]", ",", ":", "\"", "\"message\"", "\"pid\"", "\"user\"",
                    "12", "-3", "1.5", "0", "01", "2e5", "null", "true", "false", "\\",
                    "\\n", "\\u00e9", "\\ud83d", "\\ude00", "\\\"", "x", " ", "\t", "é",
                ]),
                0..24,
            )
        ) {
            agrees(&pieces.concat());
            agrees(&format!("{{\"message\":\"{}\",\"pid\":7}}", pieces.concat()));
            agrees(&format!("{{\"a\":{},\"message\":\"m\"}}", pieces.concat()));
        }
    }
}
