//! A direct reader of the JSON objects logs are made of (jsonlog lines, CloudNativePG,
//! Cloud Logging, journald and Azure exports): the raw text of a few wanted keys' values,
//! found in one pass that also checks the object is valid JSON and finds where it ends, so
//! an export is cut into its objects and read in the same pass.
//!
//! serde_json builds every value of an object, wanted or not, a byte at a time; this pass
//! skips strings eight bytes at a time and copies nothing. Whatever it does not answer —
//! invalid JSON, an escaped or repeated wanted key, a value of an unexpected type, nesting
//! deeper than [`MAX_DEPTH`] — the caller hands to serde_json, so both accept and reject the
//! same objects, and serde_json's message explains a rejection.

use super::bytes::{same_bytes, skip_space, starts_with};
use std::borrow::Cow;

/// Deeper objects are left to serde_json (whose own limit is 128).
const MAX_DEPTH: usize = 64;

/// A wanted key's value as the scan found it: its raw text (a string with its quotes, a
/// number, `null`, a nested object or array whole).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Raw<'a> {
    pub text: &'a str,
    /// A string without escapes: its value is the raw text without the quotes.
    plain_string: bool,
}

/// What a scan found of each wanted key, in the order of the keys.
pub type Found<'a, const N: usize> = [Option<Raw<'a>>; N];

/// The values of `keys` at the top level of `object`. `None` unless `object` is exactly one
/// valid JSON object (whitespace around it allowed) in which no wanted key is repeated or
/// escaped.
pub fn fields<'a, const N: usize>(
    object: &'a str,
    keys: [&str; N],
) -> Option<[Option<Raw<'a>>; N]> {
    let start = skip_space(object.as_bytes(), 0);
    let (found, end) = fields_at(object, start, keys, &mut KeyOrder::default())?;
    (skip_space(object.as_bytes(), end) == object.len()).then_some(found)
}

/// The values of `keys` in the object that opens at `start` of `text`, and the offset after
/// its closing brace (what follows it is not looked at). `order` holds the keys of the
/// objects scanned before with the same keys wanted.
#[inline(always)]
pub fn fields_at<'a, const N: usize>(
    text: &'a str,
    start: usize,
    keys: [&str; N],
    order: &mut KeyOrder,
) -> Option<([Option<Raw<'a>>; N], usize)> {
    let mut found = [None; N];
    let wanted = Wanted::new(&keys, &mut found, &mut order.outer);
    let end = Scanner::new(text).object(start, 0, wanted, None)?;
    Some((found, end))
}

/// [`fields_at`], reading on the way the values of `inner_keys` in the object that the
/// outer key `keys[inner]` holds (CloudNativePG's `record`, Azure's `properties`): the inner
/// object is scanned once. Its values are all `None` when that key holds no object.
#[inline(always)]
pub fn nested_fields_at<'a, const N: usize, const M: usize>(
    text: &'a str,
    start: usize,
    keys: [&str; N],
    (inner, inner_keys): (usize, [&str; M]),
    order: &mut KeyOrder,
) -> Option<(Found<'a, N>, Found<'a, M>, usize)> {
    let mut found = [None; N];
    let mut inner_found = [None; M];
    let nested = (
        inner,
        Wanted::new(&inner_keys, &mut inner_found, &mut order.inner),
    );
    let wanted = Wanted::new(&keys, &mut found, &mut order.outer);
    let end = Scanner::new(text).object(start, 0, wanted, Some(nested))?;
    Some((found, inner_found, end))
}

/// The keys of the objects a reader scanned before, at their places: the objects of one
/// log list the same keys in the same order, so each key is first compared with the one
/// at its place in the object before, which takes one comparison instead of finding the
/// key's end and looking it up among the wanted ones. The text always has the last word:
/// a key is taken as known only when its bytes are those of the known key.
#[derive(Default)]
pub struct KeyOrder {
    outer: Vec<Known>,
    /// The keys of the object nested under the outer key [`nested_fields_at`] names.
    inner: Vec<Known>,
}

/// A key seen at a place: its text with its quotes and the colon after it (and any spaces
/// around the colon), then the string value last seen there and the comma after it when
/// they fit in 32 bytes (`"hint":"",`, `"error_severity":"LOG",`: most members of a log's
/// objects repeat); which wanted key it is; and the last value of an unwanted key there,
/// when it is long to skip.
struct Known {
    text: [u8; 32],
    /// The key's part of `text` (empty when the key is too long to compare this way).
    key: Span,
    /// The key's, the value's and the comma's (empty when no value is kept).
    member: Span,
    /// The kept value is a string without escapes.
    plain: bool,
    /// A comma ends the kept member.
    comma: bool,
    wanted: Option<usize>,
    skipped: Vec<u8>,
}

/// The first `len` bytes of a [`Known`]'s text, and the masks of its eight-byte words that
/// select them.
#[derive(Clone, Copy, Default)]
struct Span {
    masks: [u64; 4],
    len: usize,
}

impl Span {
    #[inline(always)]
    fn of(len: usize) -> Span {
        let mask = |word: usize| match len.saturating_sub(word * 8) {
            0 => 0,
            bytes @ 1..8 => (1u64 << (bytes * 8)) - 1,
            _ => u64::MAX,
        };
        Span {
            masks: [mask(0), mask(1), mask(2), mask(3)],
            len,
        }
    }
}

/// What the text at a member's place shares with the [`Known`] member there.
#[derive(Clone, Copy)]
enum Recalled {
    Nothing,
    Key,
    /// The key and its kept value: the value's length and whether it is plain.
    Member(usize, bool),
}

impl Known {
    /// `quoted` (a key with its quotes, without escapes, and its colon, with any spaces
    /// around it) is wanted key `wanted`.
    fn new(quoted: &[u8], wanted: Option<usize>) -> Known {
        let mut known = Known {
            text: [0; 32],
            key: Span::default(),
            member: Span::default(),
            plain: false,
            comma: false,
            wanted,
            skipped: Vec::new(),
        };
        // A longer key is not known: it is read from the text each time.
        if quoted.len() <= 32 {
            known.text[..quoted.len()].copy_from_slice(quoted);
            known.key = Span::of(quoted.len());
        }
        known
    }

    /// Whether the text at `at` of `bytes` (a key's opening quote) holds `span` of this
    /// member's, compared eight bytes at a time where 32 bytes are left.
    #[inline(always)]
    fn holds(&self, span: Span, bytes: &[u8], at: usize) -> bool {
        let Some(window) = bytes.get(at..).and_then(<[u8]>::first_chunk::<32>) else {
            let rest = &bytes[at.min(bytes.len())..];
            return span.len > 0 && rest.starts_with(&self.text[..span.len]);
        };
        let differs = |i: usize| (word(window, i) ^ word(&self.text, i)) & span.masks[i];
        span.len > 0 && differs(0) | differs(1) | differs(2) | differs(3) == 0
    }

    /// What of this member the text at `at` of `bytes` (a key's opening quote) holds.
    #[inline(always)]
    fn recall(&self, bytes: &[u8], at: usize) -> Recalled {
        if !self.holds(self.key, bytes, at) {
            Recalled::Nothing
        } else if !self.holds(self.member, bytes, at) {
            Recalled::Key
        } else {
            Recalled::Member(self.value_len(), self.plain)
        }
    }

    /// The length of the kept value.
    fn value_len(&self) -> usize {
        self.member.len - self.key.len - usize::from(self.comma)
    }

    /// The member whose key is at `at` of `bytes` had the value that ends at `end`, right
    /// after the colon: kept, with the comma right after it, when it is a string that fits;
    /// forgotten otherwise.
    #[inline(always)]
    fn remember(&mut self, bytes: &[u8], at: usize, end: usize, plain: bool) {
        let value = at + self.key.len;
        if self.key.len > 0 && end - at <= 32 && bytes[value] == b'"' {
            self.comma = end - at < 32 && bytes.get(end) == Some(&b',');
            let member = &bytes[at..end + usize::from(self.comma)];
            match bytes.get(at..).and_then(<[u8]>::first_chunk::<32>) {
                // The bytes past the member are masked off.
                Some(window) => self.text = *window,
                None => self.text[..member.len()].copy_from_slice(member),
            }
            self.member = Span::of(member.len());
            self.plain = plain;
        } else {
            self.member = Span::default();
        }
    }
}

/// The `i`th eight-byte word of `bytes`.
#[inline(always)]
fn word(bytes: &[u8; 32], i: usize) -> u64 {
    u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().unwrap_or_default())
}

/// The keys whose values are wanted, and where they go.
struct Wanted<'k, 'f, 'a> {
    keys: &'k [&'k str],
    found: &'f mut [Option<Raw<'a>>],
    /// Bit `n` is set when a key is `n` bytes long: most other keys are told apart by
    /// their length alone.
    lengths: u64,
    /// Where the search for the next key starts: the objects of one log list their keys
    /// in the same order.
    next: usize,
    /// The keys of the objects scanned before, at their places.
    order: &'f mut Vec<Known>,
}

impl<'k, 'f, 'a> Wanted<'k, 'f, 'a> {
    fn new(
        keys: &'k [&'k str],
        found: &'f mut [Option<Raw<'a>>],
        order: &'f mut Vec<Known>,
    ) -> Self {
        let lengths = keys
            .iter()
            .fold(0, |bits, key| bits | length_bit(key.as_bytes()));
        Wanted {
            keys,
            found,
            lengths,
            next: 0,
            order,
        }
    }

    /// The same keys, to be read with this borrow.
    fn reborrow(&mut self) -> Wanted<'k, '_, 'a> {
        Wanted {
            keys: self.keys,
            found: &mut *self.found,
            lengths: self.lengths,
            next: self.next,
            order: &mut *self.order,
        }
    }

    /// Reads the `n`th key of an object, whose opening quote is at `at`, and the colon
    /// after it: which wanted key it is, what the text shares with the member known at
    /// that place, and where the value starts. `None` for an escaped key, which might
    /// spell a wanted one: serde_json's to read.
    #[inline(always)]
    fn key(&mut self, scanner: &Scanner<'_>, n: usize, at: usize) -> Option<(Member, usize)> {
        if let Some(known) = self.order.get(n) {
            let recalled = known.recall(scanner.bytes, at);
            if !matches!(recalled, Recalled::Nothing) {
                let member = Member {
                    wanted: known.wanted,
                    n,
                    at,
                    recalled,
                };
                return Some((member, at + known.key.len));
            }
        }
        let (end, escaped) = scanner.string_end(at + 1)?;
        if escaped {
            return None;
        }
        let wanted = self.index(&scanner.bytes[at + 1..end]);
        // Known with its colon and the spaces around it (a pretty-printed export's `": "`).
        let value = skip_space(scanner.bytes, colon_after(scanner.bytes, end)?);
        let known = Known::new(&scanner.bytes[at..value], wanted);
        match self.order.get_mut(n) {
            Some(place) => *place = known,
            None => self.order.push(known),
        }
        let member = Member {
            wanted,
            n,
            at,
            recalled: Recalled::Nothing,
        };
        Some((member, value))
    }
    /// The end of the unwanted value of `member`, which starts at `from`, `depth` objects
    /// down. A value that is long to skip (an object, an array or a string of over 32
    /// bytes) is kept, and the same bytes at the same place in the next object are that
    /// value again: JSON's objects, arrays and strings end where their bytes say, and each
    /// export repeats some whole (Cloud Logging's `resource`, Azure's `resourceId`).
    #[inline(always)]
    fn skip(
        &mut self,
        scanner: &Scanner<'_>,
        member: Member,
        from: usize,
        depth: usize,
    ) -> Option<usize> {
        let bytes = scanner.bytes;
        let Some(known) = self.order.get_mut(member.n) else {
            return scanner.value_end(from, depth);
        };
        if !known.skipped.is_empty() && starts_with(bytes.get(from..)?, &known.skipped) {
            return Some(from + known.skipped.len());
        }
        let (end, plain) = scanner.string_or_value_end(from, depth)?;
        known.remember(bytes, member.at, end, plain);
        if end - from > 32 || !known.skipped.is_empty() {
            known.skipped.clear();
            // Not a number: `12` is the start of `123`.
            if end - from > 32 && matches!(bytes[from], b'{' | b'[' | b'"') {
                known.skipped.extend_from_slice(&bytes[from..end]);
            }
        }
        Some(end)
    }

    /// Keeps the value of `member`, which ends at `end`, as the known member's when it is
    /// a string that fits.
    #[inline(always)]
    fn remember(&mut self, bytes: &[u8], member: Member, end: usize, plain: bool) {
        if let Some(known) = self.order.get_mut(member.n) {
            known.remember(bytes, member.at, end, plain);
        }
    }

    /// Puts the value of wanted key `index` in its place; `None` when the key was found
    /// before in this object (serde_json's to read).
    #[inline(always)]
    fn found(&mut self, index: usize, raw: Raw<'a>) -> Option<()> {
        self.found[index].replace(raw).is_none().then_some(())
    }

    /// Which wanted key `key` is.
    #[inline(always)]
    fn index(&mut self, key: &[u8]) -> Option<usize> {
        if self.lengths & length_bit(key) == 0 {
            return None;
        }
        let mut index = self.next;
        for _ in 0..self.keys.len() {
            if index == self.keys.len() {
                index = 0;
            }
            if same_bytes(self.keys[index].as_bytes(), key) {
                self.next = index + 1;
                return Some(index);
            }
            index += 1;
        }
        None
    }
}

/// A key's bit in [`Wanted::lengths`] (keys of 63 bytes or more share the last).
fn length_bit(key: &[u8]) -> u64 {
    1 << key.len().min(63)
}

impl<'a> Raw<'a> {
    /// The value as text: `Some(None)` for `null`, `Some(Some(text))` for a string, `None`
    /// for any other type (the caller's serde_json fallback then names the error).
    #[inline(always)]
    pub fn text(self) -> Option<Option<Cow<'a, str>>> {
        if self.plain_string {
            return Some(Some(Cow::Borrowed(&self.text[1..self.text.len() - 1])));
        }
        match self.text {
            "null" => Some(None),
            raw => Some(Some(string(raw.strip_prefix('"')?)?)),
        }
    }
}

/// A wanted value as text, as [`Raw::text`]; a key that is not there is `Some(None)`.
#[inline(always)]
pub fn text(raw: Option<Raw<'_>>) -> Option<Option<Cow<'_, str>>> {
    raw.map_or(Some(None), Raw::text)
}

/// A wanted value that is a string or a non-negative integer, as its text (CloudNativePG
/// writes numbers as strings).
pub fn text_or_digits(raw: Option<Raw<'_>>) -> Option<Option<Cow<'_, str>>> {
    match raw {
        Some(Raw { text: digits, .. }) if digits.bytes().all(|b| b.is_ascii_digit()) => {
            // serde_json reads it as a u64: more digits than that is its error to report.
            digits.parse::<u64>().ok()?;
            Some(Some(Cow::Borrowed(digits)))
        }
        other => text(other),
    }
}

/// One pass over a text's JSON.
struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner {
            text,
            bytes: text.as_bytes(),
        }
    }

    /// Scans the object at `at`, keeping the values `wanted` and, for the key `nested`
    /// names, those of the object it holds; the offset after the object.
    fn object(
        &self,
        at: usize,
        depth: usize,
        wanted: Wanted<'_, '_, 'a>,
        nested: Option<(usize, Wanted<'_, '_, 'a>)>,
    ) -> Option<usize> {
        let reading = Reading {
            wanted,
            nested,
            depth,
        };
        self.members(at, depth, reading)
    }

    /// Walks the members of the object that opens at `at` (`{`), each key and value read by
    /// `members`, which says where they end or refuses (`None`); the offset after `}`.
    #[inline(always)]
    fn members<M: Members<'a>>(&self, at: usize, depth: usize, mut members: M) -> Option<usize> {
        let bytes = self.bytes;
        if bytes.get(at) != Some(&b'{') || depth > MAX_DEPTH {
            return None;
        }
        let mut at = skip_space(bytes, at + 1);
        if bytes.get(at) == Some(&b'}') {
            return Some(at + 1);
        }
        let mut n = 0;
        loop {
            members.recalled(self, &mut n, &mut at)?;
            if bytes.get(at) != Some(&b'"') {
                return None;
            }
            let (key, after_colon) = members.key(self, n, at)?;
            let value_end = members.value(self, key, skip_space(bytes, after_colon))?;
            at = skip_space(bytes, value_end);
            match bytes.get(at)? {
                b',' => at = skip_space(bytes, at + 1),
                b'}' => return Some(at + 1),
                _ => return None,
            }
            n += 1;
        }
    }

    /// The offset after the value that starts at `at`.
    fn value_end(&self, at: usize, depth: usize) -> Option<usize> {
        let bytes = self.bytes;
        match bytes.get(at)? {
            b'"' => Some(self.string_end(at + 1)?.0 + 1),
            b'{' => self.members(at, depth + 1, Skipped { depth: depth + 1 }),
            b'[' => self.array_end(at, depth + 1),
            b't' => literal(bytes, at, b"true"),
            b'f' => literal(bytes, at, b"false"),
            b'n' => literal(bytes, at, b"null"),
            _ => number_end(bytes, at),
        }
    }

    /// The offset after the value that starts at `at`, and whether it is a string without
    /// escapes: strings, the most common values, found without a call.
    #[inline(always)]
    fn string_or_value_end(&self, at: usize, depth: usize) -> Option<(usize, bool)> {
        if self.bytes.get(at) == Some(&b'"') {
            let (end, escaped) = self.string_end(at + 1)?;
            return Some((end + 1, !escaped));
        }
        Some((self.value_end(at, depth)?, false))
    }

    fn array_end(&self, at: usize, depth: usize) -> Option<usize> {
        let bytes = self.bytes;
        if depth > MAX_DEPTH {
            return None;
        }
        let mut at = skip_space(bytes, at + 1);
        if bytes.get(at) == Some(&b']') {
            return Some(at + 1);
        }
        loop {
            at = skip_space(bytes, self.value_end(at, depth)?);
            match bytes.get(at)? {
                b',' => at = skip_space(bytes, at + 1),
                b']' => return Some(at + 1),
                _ => return None,
            }
        }
    }

    /// The closing quote of the string whose text starts at `at`, and whether the string
    /// has escapes; checking what serde_json checks of a string it skips: no raw control
    /// character, escapes of JSON's kinds.
    #[inline(always)]
    fn string_end(&self, mut at: usize) -> Option<(usize, bool)> {
        let bytes = self.bytes;
        let mut escaped = false;
        loop {
            at = next_special(bytes, at)?;
            match bytes[at] {
                b'"' => return Some((at, escaped)),
                b'\\' => {
                    escaped = true;
                    at += match bytes.get(at + 1)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 2,
                        b'u' if bytes.get(at + 2..at + 6)?.iter().all(u8::is_ascii_hexdigit) => 6,
                        _ => return None,
                    };
                }
                // A raw control character.
                _ => return None,
            }
        }
    }
}

/// What a walk over an object's members does with them.
trait Members<'a> {
    /// What a key tells the reader of its value.
    type Key;
    /// Reads the `n`th key, whose opening quote is at `at`, and the colon after it: what it
    /// tells, and the offset after the colon.
    fn key(&mut self, scanner: &Scanner<'a>, n: usize, at: usize) -> Option<(Self::Key, usize)>;
    /// Reads the value of `key`, which starts at `at`: the offset after it.
    fn value(&mut self, scanner: &Scanner<'a>, key: Self::Key, at: usize) -> Option<usize>;
    /// Reads the members from the `n`th, at `at`, that are the members known at their
    /// places, each with the comma after it, and moves `n` and `at` past them.
    fn recalled(&mut self, _: &Scanner<'a>, _: &mut usize, _: &mut usize) -> Option<()> {
        Some(())
    }
}

/// The members of an object nothing is wanted of, `depth` objects or arrays down.
struct Skipped {
    depth: usize,
}

impl<'a> Members<'a> for Skipped {
    type Key = ();

    fn key(&mut self, scanner: &Scanner<'a>, _: usize, at: usize) -> Option<((), usize)> {
        Some((
            (),
            colon_after(scanner.bytes, scanner.string_end(at + 1)?.0)?,
        ))
    }

    fn value(&mut self, scanner: &Scanner<'a>, _: (), at: usize) -> Option<usize> {
        scanner.value_end(at, self.depth)
    }
}

/// A member of an object some keys of which are wanted: which wanted key it is, its place
/// in the object, where its key opens, and what it shares with the member known there.
#[derive(Clone, Copy)]
struct Member {
    wanted: Option<usize>,
    n: usize,
    at: usize,
    recalled: Recalled,
}

/// The members of an object some keys of which are wanted, and, for the key `nested`
/// names, some of the object it holds.
struct Reading<'w, 'f, 'a> {
    wanted: Wanted<'w, 'f, 'a>,
    nested: Option<(usize, Wanted<'w, 'f, 'a>)>,
    depth: usize,
}

impl<'a> Members<'a> for Reading<'_, '_, 'a> {
    type Key = Member;

    #[inline(always)]
    fn key(&mut self, scanner: &Scanner<'a>, n: usize, at: usize) -> Option<(Member, usize)> {
        self.wanted.key(scanner, n, at)
    }

    #[inline(always)]
    fn recalled(&mut self, scanner: &Scanner<'a>, n: &mut usize, at: &mut usize) -> Option<()> {
        while let Some(known) = self.wanted.order.get(*n)
            && known.comma
            && known.holds(known.member, scanner.bytes, *at)
        {
            let (len, plain_string) = (known.value_len(), known.plain);
            let (wanted, from, next) = (known.wanted, *at + known.key.len, *at + known.member.len);
            if let Some(index) = wanted {
                let text = &scanner.text[from..from + len];
                self.wanted.found(index, Raw { text, plain_string })?;
            }
            *at = skip_space(scanner.bytes, next);
            *n += 1;
        }
        Some(())
    }

    #[inline(always)]
    fn value(&mut self, scanner: &Scanner<'a>, member: Member, from: usize) -> Option<usize> {
        if let Recalled::Member(len, plain_string) = member.recalled {
            let to = from + len;
            if let Some(index) = member.wanted {
                let text = &scanner.text[from..to];
                self.wanted.found(index, Raw { text, plain_string })?;
            }
            return Some(to);
        }
        let Some(index) = member.wanted else {
            return self.wanted.skip(scanner, member, from, self.depth);
        };
        let (to, plain_string) = match (scanner.bytes.get(from), self.nested.as_mut()) {
            (Some(b'{'), Some((inner, keys))) if *inner == index => {
                let keys = keys.reborrow();
                (scanner.object(from, self.depth + 1, keys, None)?, false)
            }
            _ => scanner.string_or_value_end(from, self.depth)?,
        };
        self.wanted
            .remember(scanner.bytes, member, to, plain_string);
        let text = &scanner.text[from..to];
        self.wanted.found(index, Raw { text, plain_string })?;
        Some(to)
    }
}

/// Where the first quote, backslash or control character at or after `at` is. Sixteen
/// bytes are tested at a time (most strings of a log's JSON are a few words long), and a
/// long run with none goes on with memchr, whose wider vectors pay off there.
#[inline(always)]
fn next_special(bytes: &[u8], mut at: usize) -> Option<usize> {
    let chunks_from = at;
    while let Some(chunk) = bytes.get(at..).and_then(<[u8]>::first_chunk::<16>) {
        if let Some(found) = first_special(chunk) {
            return Some(at + found);
        }
        at += 16;
        if at - chunks_from == 64 {
            return long_run_end(bytes, at);
        }
    }
    let tail = bytes.get(at..)?;
    let found = tail
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    Some(at + found)
}

/// [`next_special`] past a string's first 64 bytes.
fn long_run_end(bytes: &[u8], at: usize) -> Option<usize> {
    let rest = bytes.get(at..)?;
    let next = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
    if has_control(&rest[..next]) {
        return Some(at + rest.iter().position(|&b| b < 0x20)?);
    }
    (next < rest.len()).then_some(at + next)
}

/// The first quote, backslash or control character of `chunk`, tested in one SSE2
/// register (every x86-64 has SSE2): two-thirds of a JSON log's reading time went to
/// finding the ends of its short strings eight bytes at a time.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn first_special(chunk: &[u8; 16]) -> Option<usize> {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of the x86-64 baseline, so every x86-64 runs these; `chunk`
    // is 16 readable bytes, and `loadu` needs no alignment.
    let found = unsafe {
        let bytes = _mm_loadu_si128(chunk.as_ptr().cast());
        let splat = |b: u8| _mm_set1_epi8(b as i8);
        let quote = _mm_cmpeq_epi8(bytes, splat(b'"'));
        let backslash = _mm_cmpeq_epi8(bytes, splat(b'\\'));
        // A byte is below a space when the smaller of it and 0x1f is itself.
        let control = _mm_cmpeq_epi8(_mm_min_epu8(bytes, splat(0x1f)), bytes);
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control))
    };
    (found != 0).then(|| found.trailing_zeros() as usize)
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn first_special(chunk: &[u8; 16]) -> Option<usize> {
    first_special_by_words(chunk)
}

/// [`first_special`] without vector registers, eight bytes at a time (also run on x86-64
/// by the tests, against the vector version).
#[cfg(any(not(target_arch = "x86_64"), test))]
#[inline(always)]
fn first_special_by_words(chunk: &[u8; 16]) -> Option<usize> {
    let (low, high) = chunk.split_at(8);
    let word = |half: &[u8]| special_bytes(u64::from_le_bytes(half.try_into().unwrap_or_default()));
    match (word(low), word(high)) {
        (0, 0) => None,
        (0, found) => Some(8 + (found.trailing_zeros() / 8) as usize),
        (found, _) => Some((found.trailing_zeros() / 8) as usize),
    }
}

/// A word of eight bytes each `b`.
#[cfg(any(not(target_arch = "x86_64"), test))]
const fn every_byte(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// The high bit of each byte of `word` that is a quote, a backslash or below a space.
/// Each byte is tested alone (its low seven bits added to a constant that cannot carry
/// into the next byte), so the lowest bit set is the first such byte's.
#[cfg(any(not(target_arch = "x86_64"), test))]
#[inline(always)]
fn special_bytes(word: u64) -> u64 {
    const LOW7: u64 = every_byte(0x7f);
    // High bit set when the byte is not zero.
    let nonzero = |v: u64| ((v & LOW7).wrapping_add(LOW7)) | v;
    let quote = nonzero(word ^ every_byte(b'"'));
    let backslash = nonzero(word ^ every_byte(b'\\'));
    // High bit set when the byte is at least 0x20.
    let printable = ((word & LOW7).wrapping_add(every_byte(0x80 - 0x20))) | word;
    !(quote & backslash & printable) & every_byte(0x80)
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

/// The offset after the colon that follows a key whose closing quote is at `key_end`.
#[inline(always)]
fn colon_after(bytes: &[u8], key_end: usize) -> Option<usize> {
    let at = skip_space(bytes, key_end + 1);
    (bytes.get(at) == Some(&b':')).then_some(at + 1)
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
    /// finds; a wanted string is decoded as serde_json decodes it, or left to it. The same
    /// object nested under `record` is read the same by the nested scan, whose key order
    /// was learned from objects with the wanted keys in other places.
    fn agrees(object: &str) {
        let nested = format!("{{\"a\":1,\"record\":{object}}}");
        let mut order = KeyOrder::default();
        for before in [
            r#"{"a":1,"record":{"message":"m","pid":7,"user":"u"}}"#,
            r#"{"a":1,"record":{"pid":7,"message":"m","message2":1}}"#,
            r#"{"a":1,"record":{"x":{"y":[1,"}"]},"message":"m","z":[{},[]]}}"#,
            r#"{"a":1,"record":{"x":"a run of plain text, over thirty-two bytes long","y":[]}}"#,
            r#"{"a":1,"record":{"message":"","pid":7,"user":"u","x":"seven b"}}"#,
        ] {
            nested_fields_at(before, 0, ["record"], (0, ["message", "pid"]), &mut order);
        }
        let inner = (0, ["message", "pid"]);
        let whole = nested_fields_at(&nested, 0, ["record"], inner, &mut order);
        let Some([message, pid]) = fields(object, ["message", "pid"]) else {
            // Nested, an object followed by more text (`{"m":1}}…`) ends the outer object
            // early, and the cutter rightly leaves the rest: only a scan that took the whole
            // text must have refused the object too.
            if let Some((_, inner, end)) = whole
                && end == nested.len()
            {
                assert_eq!(inner, [None, None], "{object} read only when nested");
            }
            return;
        };
        let (_, inner, end) = whole.expect("read alone but not nested");
        assert_eq!((inner, end), ([message, pid], nested.len()), "{object}");
        let valid = serde_json::from_str::<serde::de::IgnoredAny>(object);
        assert!(valid.is_ok(), "scanned invalid JSON {object:?}: {valid:?}");
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(object) {
            let raw = |found: Option<Raw<'_>>| {
                found.map(|raw| serde_json::from_str::<serde_json::Value>(raw.text).unwrap())
            };
            assert_eq!(raw(message), value.get("message").cloned(), "{object}");
            assert_eq!(raw(pid), value.get("pid").cloned(), "{object}");
        }
        for raw in [message, pid].into_iter().flatten() {
            let theirs: Result<Option<String>, _> = serde_json::from_str(raw.text);
            match (raw.text(), theirs) {
                (Some(ours), Ok(theirs)) => assert_eq!(ours.map(Cow::into_owned), theirs),
                (Some(ours), Err(e)) => panic!("{raw:?} read as {ours:?}; serde_json: {e}"),
                (None, _) => {}
            }
        }
    }

    fn raw_texts<const N: usize>(found: [Option<Raw<'_>>; N]) -> [Option<&str>; N] {
        found.map(|raw| raw.map(|raw| raw.text))
    }

    #[test]
    fn real_objects_are_scanned() {
        let object = r#" {"message":"a \"q\" \u00e9 \ud83d\ude00","pid":12,"nested":{"a":[1,-2.5e3,true,null,{}]},"e":[]} "#;
        let [message, pid] = fields(object, ["message", "pid"]).unwrap();
        assert_eq!(text(message).unwrap().unwrap(), "a \"q\" é 😀");
        assert_eq!(text_or_digits(pid).unwrap().unwrap(), "12");
        let found = fields(r#"{"message":null}"#, ["message"]).map(raw_texts);
        assert_eq!(found, Some([Some("null")]));
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
            r#"{"message":"\"message"}}","pid":7}"#,
        ] {
            assert_eq!(fields(object, ["message"]), None, "{object}");
            agrees(object);
        }
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(100), "]".repeat(100));
        assert_eq!(fields(&deep, ["a"]), None);
        assert_eq!(text(fields(r#"{"a":12}"#, ["a"]).unwrap()[0]), None);
    }

    #[test]
    fn an_object_is_cut_where_it_ends_and_its_nested_fields_read() {
        let order = &mut KeyOrder::default();
        let text = r#"x {"logger":"postgres","record":{"message":"m","pid":"7"},"ts":1} {"b":2}"#;
        let (outer, inner, end) = nested_fields_at(
            text,
            2,
            ["logger", "record"],
            (1, ["message", "pid"]),
            order,
        )
        .unwrap();
        assert_eq!(&text[end..], r#" {"b":2}"#);
        assert_eq!(raw_texts(outer)[0], Some(r#""postgres""#));
        assert_eq!(raw_texts(inner), [Some(r#""m""#), Some(r#""7""#)]);
        let (_, inner, _) = nested_fields_at(
            r#"{"record":"text"}"#,
            0,
            ["record"],
            (0, ["message"]),
            order,
        )
        .unwrap();
        assert_eq!(inner, [None]);
        // Long strings go on with memchr past their first words; a control character
        // found there is refused as a short string's is.
        let long = "a".repeat(200);
        let object = format!(r#"{{"message":"{long}\n{long}","pid":1}}"#);
        let [message, _] = fields(&object, ["message", "pid"]).unwrap();
        assert_eq!(
            message.unwrap().text().unwrap().unwrap(),
            format!("{long}\n{long}")
        );
        assert_eq!(
            fields(&format!("{{\"message\":\"{long}\u{1}\"}}"), ["message"]),
            None
        );
    }

    #[test]
    fn keys_in_the_places_of_the_objects_before_are_still_read_from_the_text() {
        let order = &mut KeyOrder::default();
        let keys = ["message", "pid"];
        let long = "k".repeat(40);
        let objects = [
            r#"{"message":"a","pid":1,"user":"u"}"#.to_string(),
            r#"{"messages":"c","pid":3,"message":"d"}"#.into(),
            r#"{"pid":2,"message":"b"}"#.into(),
            r#"{"user":"e","mess\u0061ge":"f"}"#.into(),
            format!(r#"{{"{long}":1,"message":"g"}}"#),
            format!(r#"{{"{long}":1,"message":"h","pid":4}}"#),
            r#"{"message":"i","message":"j"}"#.into(),
            r#"{"r":{"s":[1,2]},"t":"a string of more than thirty-two bytes","pid":5}"#.into(),
            r#"{"r":{"s":[1,2]},"t":"a string of more than thirty-two bytes","pid":6}"#.into(),
            r#"{"r":{"s":[1,2]}"#.into(),
            r#"{"r":{"s":[1,2]},"t":"a string of more than thirty-two bytes\u0001","pid":7}"#
                .into(),
            r#"{"r":{"s":[1,2,3]},"t":"a string of more than thirty-two bytes","pid":8}"#.into(),
            r#"{"r":{"s":[1,2]}"t":"a string of more than thirty-two bytes","pid":9}"#.into(),
            r#"{"n":123456789012345678901234567890123,"pid":10}"#.into(),
            r#"{"n":1234567890123456789012345678901234,"pid":11}"#.into(),
        ];
        for object in &objects {
            let known = fields_at(object, 0, keys, order).map(|(found, _)| raw_texts(found));
            let fresh = fields(object, keys).map(raw_texts);
            assert_eq!(known, fresh, "{object}");
        }
        let (found, _) = fields_at(&objects[5], 0, keys, order).unwrap();
        assert_eq!(raw_texts(found), [Some(r#""h""#), Some("4")]);
        for (object, pid) in [(&objects[8], Some("6")), (&objects[11], Some("8"))] {
            let (found, _) = fields_at(object, 0, keys, order).unwrap();
            assert_eq!(raw_texts(found)[1], pid);
        }
        assert_eq!(fields_at(&objects[3], 0, keys, order), None);
    }

    #[test]
    fn members_that_repeat_are_read_as_the_text_says() {
        let order = &mut KeyOrder::default();
        let keys = ["message", "pid", "user"];
        let objects = [
            r#"{"message":"","user":"u","x":"y","pid":"7"}"#,
            r#"{"message":"","user":"u","x":"y","pid":"7"}"#,
            r#"{"message":"m","user":"u","x":"y","pid":"7"}"#,
            r#"{"message":"","user":"v","x":"y","pid":"8"}"#,
            r#"{"message":"", "user":"v" ,"x":"y","pid":"8"}"#,
            r#"{"message":"","user":"v","x":"y","pid":"8",}"#,
            r#"{"message":"","user":"v","x":"y","pid":"8"}"#,
            r#"{"message":"","user":"v","x":"y""pid":"8"}"#,
            r#"{"message":"","user":"v","x":"y","user":"w"}"#,
            r#"{"message":"a\"b","user":"\u0076","x":"y"}"#,
            r#"{"message":"a\"b","user":"\u0076","x":"y"}"#,
            r#"{"message":"a\"b","user":"\u0076","x":"\u0001"}"#,
            r#"{"message":"a\"b","user":"\u0076","x":"y","pid":"9"}"#,
            r#"{"message":"a run of text that is longer than thirty-two bytes","user":"v"}"#,
            r#"{"message":"a run of text that is longer than thirty-two bytes","user":"v"}"#,
            r#"{"message":"","user":"v","x":"y"}"#,
            r#"{"message":"","user":"v","x":"y"}"#,
            r#"{"message":"","user":"v","x":"#,
            r#"{"user":"abcdefghijklmnopqrstuv","message":"m"}"#,
            r#"{"user":"abcdefghijklmnopqrstuv","message":"m"}"#,
            r#"{"user":"abcdefghijklmnopqrstuw","message":"m"}"#,
            r#"{"user":"abcdefghijklmnopqrstuw","message":"m"}"#,
            r#"{"user":"abcdefghijklmnopqrstuw"}"#,
            r#"{"user":"abcdefghijklmnopqrstuv"}"#,
            "{\n  \"message\": \"\",\n  \"user\" : \"v\",\n  \"pid\":\"1\"\n}",
            "{\n  \"message\": \"\",\n  \"user\" : \"v\",\n  \"pid\":\"1\"\n}",
            "{\n  \"message\": \"\",\n  \"user\" :\"v\",\n  \"pid\":\"2\"\n}",
            "{\n  \"message\":  \"\",\n  \"user\" : \"w\",\n  \"pid\":\"2\"\n}",
            "{\n  \"message\":  \"\",\n  \"user\" : \"w\",\n\n  \"pid\":\"2\"\n}",
        ];
        for object in objects {
            let known = fields_at(object, 0, keys, order).map(|(found, _)| raw_texts(found));
            let fresh = fields(object, keys).map(raw_texts);
            assert_eq!(known, fresh, "{object}");
            let decoded = |found: Option<[Option<&str>; 3]>| {
                found.map(|found| {
                    found.map(|raw| raw.and_then(|raw| string(&raw[1..])).map(Cow::into_owned))
                })
            };
            assert_eq!(decoded(known), decoded(fresh), "{object}");
        }
        let (found, _) = fields_at(objects[10], 0, keys, order).unwrap();
        assert_eq!(text(found[2]).unwrap().unwrap(), "v");
        assert_eq!(text(found[0]).unwrap().unwrap(), "a\"b");
    }

    proptest::proptest! {
        /// The vector and the word-at-a-time tests find the same first special byte.
        #[test]
        fn sixteen_bytes_are_tested_alike_by_vectors_and_words(
            chunk in proptest::array::uniform16(proptest::sample::select(
                vec![b'"', b'\\', 0x00, 0x1f, b' ', b'a', 0x7f, 0x80, 0x9f, 0xff, b'{'],
            ))
        ) {
            let expected = chunk.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            proptest::prop_assert_eq!(first_special_by_words(&chunk), expected);
            proptest::prop_assert_eq!(first_special(&chunk), expected);
        }
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
                    "seven b", "a run of plain text that is longer than sixty-four bytes, to memchr",
                ]),
                0..24,
            )
        ) {
            agrees(&pieces.concat());
            agrees(&format!("{{\"message\":\"{}\",\"pid\":7}}", pieces.concat()));
            agrees(&format!("{{\"a\":{},\"message\":\"m\"}}", pieces.concat()));
            agrees(&format!("{{\"message\":\"\",\"pid\":7,\"user\":\"u\",{}", pieces.concat()));
        }
    }
}
