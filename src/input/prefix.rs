//! `log_line_prefix`: compiled from the server's setting into a matcher for stderr lines,
//! or recognised among the common ones when the user does not say.

use super::InputError;
use super::bytes::{same_bytes, starts_with};
pub use super::prefix_guess::guess;
use crate::model::time::{LastMinute, Millis, parse_timestamp};

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

/// A line a prefix matched: its fields, and the severity and message after the prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matched<'a> {
    pub fields: PrefixFields<'a>,
    pub severity: &'a [u8],
    pub message: &'a [u8],
}

impl<'a> Matched<'a> {
    fn new(fields: PrefixFields<'a>, (severity, message): Split<'a>) -> Self {
        Matched {
            fields,
            severity,
            message,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Literal(Vec<u8>),
    /// An escape (`%m`, `%p`, …): the shape of its value, which field keeps it and the
    /// literal that follows it (often what ends it), all settled when the prefix is compiled
    /// so that matching a line does no lookup and finds each literal once.
    Escape {
        shape: Shape,
        field: Option<Field>,
        then: Vec<u8>,
        /// Whether more than one length of value may be followed by `then` (`%u` before
        /// `@` may itself hold an `@`): the matcher then keeps the place to come back to.
        ambiguous: bool,
    },
    /// `%q`: what follows is printed only by session processes.
    SessionOnly,
}

/// What an escape's value looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `%m` (23 characters), `%t` and `%s` (19), then a space and a zone label; `slot` is
    /// where the matcher remembers the last one it read ([`LastTimestamp`]).
    Timestamp { digits: usize, slot: usize },
    /// `%r`: `host(port)`, `[local]`, or nothing (background processes).
    Remote,
    /// A run of bytes of one class (`%p` digits, `%c` hex and a dot, …).
    Run { class: Class, may_be_empty: bool },
    /// Anything (`%u`, `%d`, `%a`, `%i`, `%b`, padded values): it ends where what follows
    /// it matches, the shortest first.
    Free,
}

/// The bytes a [`Shape::Run`] value is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Digits,
    /// `%Q` (query ids are signed).
    SignedDigits,
    /// `%c`: hex start time, a dot, hex pid.
    SessionId,
    /// `%e`.
    Sqlstate,
    /// `%v`: backend id, a slash, local transaction id.
    VirtualXid,
    /// `%n`: seconds since the epoch, a dot, milliseconds.
    Epoch,
    /// `%h`, `%L`, and `%r` when it has no `(port)`.
    NonSpace,
    /// A zone label after a timestamp: `UTC`, `CEST`, `+03`, `-0530`.
    Zone,
}

impl Class {
    fn contains(self, b: u8) -> bool {
        match self {
            Class::Digits => b.is_ascii_digit(),
            Class::SignedDigits => b.is_ascii_digit() || b == b'-',
            Class::SessionId => b.is_ascii_hexdigit() || b == b'.',
            Class::Sqlstate => b.is_ascii_alphanumeric(),
            Class::VirtualXid => b.is_ascii_digit() || b == b'/',
            Class::Epoch => b.is_ascii_digit() || b == b'.',
            Class::NonSpace => !b.is_ascii_whitespace(),
            Class::Zone => b.is_ascii_alphanumeric() || b == b'+' || b == b'-',
        }
    }

    /// How many bytes at the start of `text` are of the class. A loop per class: asking
    /// `contains` which class it is for every byte cost more than the test itself.
    #[inline(always)]
    fn run(self, text: &[u8]) -> usize {
        fn count(text: &[u8], within: impl Fn(u8) -> bool) -> usize {
            text.iter().position(|&b| !within(b)).unwrap_or(text.len())
        }
        match self {
            Class::Digits => count(text, |b| Class::Digits.contains(b)),
            Class::SignedDigits => count(text, |b| Class::SignedDigits.contains(b)),
            Class::SessionId => count(text, |b| Class::SessionId.contains(b)),
            Class::Sqlstate => count(text, |b| Class::Sqlstate.contains(b)),
            Class::VirtualXid => count(text, |b| Class::VirtualXid.contains(b)),
            Class::Epoch => count(text, |b| Class::Epoch.contains(b)),
            Class::NonSpace => count(text, |b| Class::NonSpace.contains(b)),
            Class::Zone => count(text, |b| Class::Zone.contains(b)),
        }
    }
}

impl Shape {
    /// The value a field keeps: free-form ones trimmed (`%-10u` pads with spaces); the
    /// others hold no space at either end.
    fn value(self, text: &[u8]) -> &[u8] {
        match self {
            Shape::Free => text.trim_ascii(),
            _ => text,
        }
    }

    /// Whether more than one value length may be followed by `then`.
    fn ambiguous(self, then: &[u8]) -> bool {
        let within = |class: Class| then.first().is_none_or(|&b| class.contains(b));
        match self {
            Shape::Timestamp { .. } => within(Class::Zone),
            Shape::Run { class, .. } => within(class),
            Shape::Remote | Shape::Free => true,
        }
    }

    /// The shortest length, `from` or more, of a value of this shape at the start of `rest`
    /// that `then` follows. A timestamp that finding it parsed goes to `at`.
    ///
    /// Inlined into each matcher: called, it took a fifth of the reading of a stderr log
    /// (eight arguments to pass and registers to save, five times a line), and the straight
    /// path's `from` of 0 folds away.
    #[inline(always)]
    fn end(
        self,
        rest: &[u8],
        then: &[u8],
        from: usize,
        ambiguous: bool,
        last: &mut LastTimestamp,
        at: &mut Option<Millis>,
    ) -> Option<usize> {
        match self {
            Shape::Timestamp { digits, slot } => {
                let parsed = last.slots[slot].parse(rest.get(..digits)?)?;
                let mut label = digits;
                // Milliseconds after a `%t` belong to the value but were not parsed here.
                if rest.get(digits) == Some(&b'.') {
                    label += 1 + Class::Digits.run(&rest[digits + 1..]);
                } else {
                    *at = Some(parsed);
                }
                if rest.get(label) != Some(&b' ') {
                    return None;
                }
                let label = label + 1;
                let run = Class::Zone.run(&rest[label..]);
                fit(rest, then, label.max(from), label + run, ambiguous)
            }
            Shape::Run {
                class,
                may_be_empty,
            } => {
                let lowest = from.max(usize::from(!may_be_empty));
                fit(rest, then, lowest, class.run(rest), ambiguous)
            }
            Shape::Remote => {
                if from == 0
                    && let Some(end) = remote_end(rest)
                    && starts_with(&rest[end..], then)
                {
                    return Some(end);
                }
                fit(rest, then, from, Class::NonSpace.run(rest), true)
            }
            Shape::Free => {
                let tail = rest.get(from..)?;
                Some(
                    from + if then.is_empty() {
                        0
                    } else {
                        find(tail, then)?
                    },
                )
            }
        }
    }
}

/// The first length in `lowest..=highest` that `then` follows. Unless `ambiguous`, `then`
/// cannot start inside the run, so only its end can fit.
#[inline(always)]
fn fit(rest: &[u8], then: &[u8], lowest: usize, highest: usize, ambiguous: bool) -> Option<usize> {
    if !ambiguous {
        return (lowest <= highest && starts_with(&rest[highest..], then)).then_some(highest);
    }
    (lowest..=highest).find(|&end| starts_with(&rest[end..], then))
}

/// The length of a `%r` value that is `[local]` or `host(port)`.
fn remote_end(rest: &[u8]) -> Option<usize> {
    if rest.starts_with(b"[local]") {
        return Some(7);
    }
    let open = rest
        .iter()
        .take_while(|b| !b.is_ascii_whitespace())
        .position(|&b| b == b'(')?;
    let digits = Class::Digits.run(&rest[open + 1..]);
    (digits > 0 && rest.get(open + 1 + digits) == Some(&b')')).then_some(open + digits + 2)
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
    /// Whether some escape's end can be in doubt (see [`LinePrefix::parse_after`]).
    ambiguous: bool,
}

/// Prefixes seen in the wild, tried in order when none is given: PostgreSQL's default,
/// Debian's, planwise's and pgBadger's recommendations, the hosted platforms' (RDS and Aurora, Azure,
/// Cloud SQL, Heroku; the last two inside their envelopes, without the timestamp), and a
/// few common variants. Lines none of them matches get a prefix guessed from themselves.
const COMMON_PREFIXES: &[&str] = &[
    "%m [%p] ",
    "%m [%p] %q%u@%d ",
    "%m [%p] %q%u@%d/%a ",
    // What `planwise doctor` recommends: every field planwise reads.
    "%m [%p] %e %q%u@%d/%a ",
    "%t [%p] %q%u@%d ",
    "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
    "%m [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
    "%t [%p]: user=%u,db=%d,app=%a,client=%h ",
    "%t [%p]: [%l-1] db=%d,user=%u,app=%a,client=%h ",
    "%t [%p]: [%l-1] user=%u,db=%d ",
    "%t [%p]: db=%d,user=%u ",
    "%m [%p] user=%u,db=%d ",
    "%t [%p]: [%l-1] ",
    "%t [%p]: ",
    "%m [%p]: ",
    "%t:%r:%u@%d:[%p]:",
    "%m:%r:%u@%d:[%p]:",
    "%t-%c-",
    "%m %c %x %e ",
    "%m [%p-%l] %q%u@%d ",
    "%t [%p-%l] %q%u@%d ",
    "%m [%p] %q[%u@%d] ",
    "[%m] ",
    "%m|%p| ",
    "%m>> ",
    "[%p]: [%l-1] db=%d,user=%u ",
    "user=%u,db=%d,app=%a,client=%h ",
    "db=%d,user=%u ",
    "sql_error_code = %e ",
    "",
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

/// A severity and the message after it.
type Split<'a> = (&'a [u8], &'a [u8]);

/// If `rest` starts with `SEVERITY:  `, the severity and the message after it.
#[inline]
pub fn split_severity(rest: &[u8]) -> Option<Split<'_>> {
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

/// The last timestamps a prefix parser read, one for each timestamp escape of the prefix:
/// Heroku's prints the line's time and its session's start (`%m`, `%s`), and with one
/// memory for both, each line parsed both afresh.
#[derive(Debug, Default)]
pub struct LastTimestamp {
    slots: [LastStamp; TIMESTAMP_SLOTS],
}

/// How many timestamp escapes of a prefix remember their own last value (any after them
/// share the last slot).
const TIMESTAMP_SLOTS: usize = 2;

/// The last timestamp of one escape, by its text: lines in a row mostly share their
/// timestamp, so it is parsed once for all of them, and nearly always their minute, so
/// only the seconds of the others are read ([`LastMinute`]).
#[derive(Debug, Default)]
struct LastStamp {
    text: [u8; 23],
    len: usize,
    at: Millis,
    minutes: LastMinute,
}

impl LastStamp {
    /// Inlined into the matchers, as their other steps are: a call per line costs more
    /// than comparing the timestamp with the last one.
    #[inline(always)]
    fn parse(&mut self, text: &[u8]) -> Option<Millis> {
        if same_bytes(text, &self.text[..self.len]) {
            return Some(self.at);
        }
        let at = self.minutes.parse(text)?;
        if let Some(slot) = self.text.get_mut(..text.len()) {
            slot.copy_from_slice(text);
            (self.len, self.at) = (text.len(), at);
        }
        Some(at)
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

/// Gives each escape the literal that follows it (a free-form value runs up to it) and
/// says whether its end can be in doubt.
fn attach_literals(items: Vec<Item>) -> Vec<Item> {
    let mut compiled: Vec<Item> = Vec::with_capacity(items.len());
    for item in items {
        match (compiled.last_mut(), item) {
            (Some(Item::Escape { then, .. }), Item::Literal(literal)) => *then = literal,
            (_, item) => compiled.push(item),
        }
    }
    let mut timestamps = 0;
    for item in &mut compiled {
        if let Item::Escape {
            shape,
            then,
            ambiguous,
            ..
        } = item
        {
            *ambiguous = shape.ambiguous(then);
            if let Shape::Timestamp { slot, .. } = shape {
                *slot = timestamps.min(TIMESTAMP_SLOTS - 1);
                timestamps += 1;
            }
        }
    }
    compiled
}

/// The shape of escape `letter`'s value; `padded` (`%-10u`) values may hold spaces.
/// `None` for letters PostgreSQL does not know: it prints nothing for them.
fn shape_of(letter: u8, padded: bool) -> Option<Shape> {
    let run = |class, may_be_empty| Shape::Run {
        class,
        may_be_empty,
    };
    Some(match letter {
        b'm' => Shape::Timestamp {
            digits: 23,
            slot: 0,
        },
        b't' | b's' => Shape::Timestamp {
            digits: 19,
            slot: 0,
        },
        _ if padded => Shape::Free,
        b'p' | b'l' => run(Class::Digits, false),
        b'P' | b'x' => run(Class::Digits, true),
        b'Q' => run(Class::SignedDigits, false),
        b'c' => run(Class::SessionId, false),
        b'e' => run(Class::Sqlstate, false),
        b'v' => run(Class::VirtualXid, true),
        b'n' => run(Class::Epoch, false),
        b'h' | b'L' => run(Class::NonSpace, true),
        b'r' => Shape::Remote,
        b'u' | b'd' | b'a' | b'i' | b'b' => Shape::Free,
        _ => return None,
    })
}

/// Where the matcher may come back to: an ambiguous escape, where its value started and
/// the length to try next.
#[derive(Debug, Clone, Copy, Default)]
struct Choice {
    item: usize,
    start: usize,
    next: usize,
}

/// The places to come back to, kept on the stack: past a few, the earliest are given up.
#[derive(Default)]
struct Choices {
    slots: [Choice; 8],
    len: usize,
}

impl Choices {
    fn push(&mut self, choice: Choice) {
        if self.len == self.slots.len() {
            self.slots.copy_within(1.., 0);
            self.len -= 1;
        }
        self.slots[self.len] = choice;
        self.len += 1;
    }

    fn pop(&mut self) -> Option<Choice> {
        self.len = self.len.checked_sub(1)?;
        Some(self.slots[self.len])
    }
}

/// How many times one line may come back to an earlier choice: a prefix full of free-form
/// escapes cannot make a line cost more than this.
const BACKTRACK_BUDGET: u32 = 64;

impl<'a> PrefixFields<'a> {
    fn set(&mut self, field: Field, value: Option<&'a [u8]>, at: Option<Millis>) {
        let slot = match field {
            Field::Timestamp => {
                self.at = at.or_else(|| value.and_then(parse_timestamp));
                &mut self.timestamp
            }
            Field::Pid => &mut self.pid,
            Field::SessionId => &mut self.session_id,
            Field::User => &mut self.user,
            Field::Database => &mut self.database,
            Field::Application => &mut self.application,
            Field::Sqlstate => &mut self.sqlstate,
        };
        *slot = value;
    }
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
            let padding = i;
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
            let item = if letter == b'q' {
                Item::SessionOnly
            } else if let Some(shape) = shape_of(letter, i - 1 > padding) {
                Item::Escape {
                    shape,
                    field: Field::of(letter),
                    then: Vec::new(),
                    ambiguous: false,
                }
            } else {
                continue;
            };
            if !literal.is_empty() {
                items.push(Item::Literal(std::mem::take(&mut literal)));
            }
            items.push(item);
        }
        if !literal.is_empty() {
            items.push(Item::Literal(literal));
        }
        let items = attach_literals(items);
        LinePrefix {
            source: source.to_string(),
            ambiguous: items.iter().any(|item| {
                matches!(
                    item,
                    Item::Escape {
                        ambiguous: true,
                        ..
                    }
                )
            }),
            items,
        }
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Matches the prefix at the start of `line`, followed by a severity.
    pub fn parse<'a>(&self, line: &'a [u8]) -> Option<Matched<'a>> {
        self.parse_after(line, &mut LastTimestamp::default())
    }

    /// [`parse`](Self::parse) of a line that follows the one `last` was read from.
    ///
    /// Escapes are matched left to right, each value as short as its shape allows; when
    /// what follows fails, the matcher comes back to the last ambiguous escape and tries a
    /// longer value (a user name holding an `@`, an application name with spaces). That
    /// first path is tried alone first, keeping no place to come back to: nearly every line
    /// of a log matches on it, and keeping them cost a tenth of the reading of a log.
    pub fn parse_after<'a>(&self, line: &'a [u8], last: &mut LastTimestamp) -> Option<Matched<'a>> {
        self.parse_ending(line, last, split_severity)
    }

    /// The fields of `printed`, a prefix as the server printed it and nothing after it
    /// (Azure's export gives it apart from the severity and message); `last` as in
    /// [`parse_after`](Self::parse_after).
    pub fn parse_printed<'a>(
        &self,
        printed: &'a [u8],
        last: &mut LastTimestamp,
    ) -> Option<PrefixFields<'a>> {
        let nothing_after = |rest: &'a [u8]| rest.is_empty().then_some((rest, rest));
        Some(self.parse_ending(printed, last, nothing_after)?.fields)
    }

    /// Matches the prefix at the start of `line`, followed by what `ending` accepts (the
    /// severity and message it splits off).
    #[inline(always)]
    fn parse_ending<'a>(
        &self,
        line: &'a [u8],
        last: &mut LastTimestamp,
        ending: impl Fn(&'a [u8]) -> Option<Split<'a>> + Copy,
    ) -> Option<Matched<'a>> {
        match self.parse_straight(line, last, ending) {
            Some(matched) => Some(matched),
            None if self.ambiguous => self.parse_backtracking(line, last, ending),
            None => None,
        }
    }

    /// The matcher's first path: every escape's shortest value.
    #[inline(always)]
    fn parse_straight<'a>(
        &self,
        line: &'a [u8],
        last: &mut LastTimestamp,
        ending: impl Fn(&'a [u8]) -> Option<Split<'a>>,
    ) -> Option<Matched<'a>> {
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
                // No field after `%q` is set yet: none to forget.
                Item::SessionOnly => {
                    if let Some(split) = ending(rest) {
                        return Some(Matched::new(fields, split));
                    }
                }
                Item::Escape {
                    shape,
                    field,
                    then,
                    ambiguous,
                } => {
                    let mut at = None;
                    let len = shape.end(rest, then, 0, *ambiguous, last, &mut at)?;
                    if let Some(field) = field {
                        fields.set(*field, Some(shape.value(&rest[..len])), at);
                    }
                    pos += len + then.len();
                }
            }
        }
        Some(Matched::new(fields, ending(&line[pos..])?))
    }

    /// The whole matcher, coming back to ambiguous escapes when what follows fails.
    fn parse_backtracking<'a>(
        &self,
        line: &'a [u8],
        last: &mut LastTimestamp,
        ending: impl Fn(&'a [u8]) -> Option<Split<'a>>,
    ) -> Option<Matched<'a>> {
        let mut fields = PrefixFields::default();
        let mut choices = Choices::default();
        let mut budget = BACKTRACK_BUDGET;
        let (mut index, mut pos, mut from) = (0, 0, 0);
        loop {
            let rest = &line[pos..];
            let step = match self.items.get(index) {
                None => match ending(rest) {
                    Some(split) => return Some(Matched::new(fields, split)),
                    None => None,
                },
                Some(Item::Literal(literal)) => starts_with(rest, literal).then_some(literal.len()),
                Some(Item::SessionOnly) => match ending(rest) {
                    Some(split) => {
                        self.forget_fields_after(index, &mut fields);
                        return Some(Matched::new(fields, split));
                    }
                    None => Some(0),
                },
                Some(Item::Escape {
                    shape,
                    field,
                    then,
                    ambiguous,
                }) => {
                    let mut at = None;
                    shape
                        .end(rest, then, from, *ambiguous, last, &mut at)
                        .map(|len| {
                            if *ambiguous {
                                choices.push(Choice {
                                    item: index,
                                    start: pos,
                                    next: len + 1,
                                });
                            }
                            if let Some(field) = field {
                                fields.set(*field, Some(shape.value(&rest[..len])), at);
                            }
                            len + then.len()
                        })
                }
            };
            match step {
                Some(step) => (index, pos, from) = (index + 1, pos + step, 0),
                None => {
                    budget = budget.checked_sub(1)?;
                    let choice = choices.pop()?;
                    (index, pos, from) = (choice.item, choice.start, choice.next);
                }
            }
        }
    }

    /// A background process stopped at `%q`: values read by a path tried and given up
    /// after it are not its.
    fn forget_fields_after(&self, index: usize, fields: &mut PrefixFields<'_>) {
        for item in &self.items[index..] {
            if let Item::Escape {
                field: Some(field), ..
            } = item
            {
                fields.set(*field, None, None);
            }
        }
    }

    /// Picks the prefix that matches most of `sample`'s entry lines (at least 80 %), among
    /// the common ones and those guessed from the first lines, preferring the one that
    /// extracts more fields.
    pub fn detect(sample: &[u8]) -> Result<LinePrefix, InputError> {
        let lines: Vec<&[u8]> = sample
            .split(|&b| b == b'\n')
            .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
            .filter(|line| !line.is_empty() && line[0] != b'\t')
            .take(200)
            .collect();
        Self::detect_lines(&lines)
    }

    /// [`detect`](Self::detect) on lines given one by one (messages taken out of another
    /// format's envelope).
    pub fn detect_lines(lines: &[&[u8]]) -> Result<LinePrefix, InputError> {
        if lines.is_empty() {
            return Ok(LinePrefix::compile(COMMON_PREFIXES[0]));
        }
        // A guess is tried only when it reads a time or a process and something more: a
        // prefix of literals would fit the one line it came from and say nothing.
        let guessed: Vec<String> = lines
            .iter()
            .take(20)
            .filter_map(|l| guess(l))
            .filter(|g| {
                ["%m", "%t", "%p", "%c"].iter().any(|e| g.contains(e))
                    && LinePrefix::compile(g).richness() >= 2
            })
            .collect();
        let mut best: Option<(usize, usize, LinePrefix)> = None;
        let mut tried = std::collections::BTreeSet::new();
        for source in COMMON_PREFIXES
            .iter()
            .copied()
            .chain(guessed.iter().map(String::as_str))
        {
            if !tried.insert(source) {
                continue;
            }
            let prefix = LinePrefix::compile(source);
            // A prefix no richer than one that matched every line cannot be chosen: not
            // trying it keeps detection's cost down as the list of candidates grows.
            if best
                .as_ref()
                .is_some_and(|(m, r, _)| *m == lines.len() && prefix.richness() <= *r)
            {
                continue;
            }
            let matched = lines
                .iter()
                .filter(|line| prefix.parse(line).is_some())
                .count();
            if best
                .as_ref()
                .is_none_or(|(m, r, _)| (matched, prefix.richness()) > (*m, *r))
            {
                best = Some((matched, prefix.richness(), prefix));
            }
        }
        match best {
            Some((matched, _, prefix)) if matched * 5 >= lines.len() * 4 => Ok(prefix),
            _ => Err(unknown_prefix(lines)),
        }
    }

    /// How many fields the prefix reads (a tie between two that match goes to the richer).
    fn richness(&self) -> usize {
        self.items
            .iter()
            .filter(|i| matches!(i, Item::Escape { .. }))
            .count()
    }
}

/// What to say when no prefix matches: the line, and the prefix that would print it.
pub fn unknown_prefix_message(example: &str, guess: Option<&str>) -> String {
    format!(
        "no log_line_prefix planwise knows matches this log; pass the server's setting \
         (SHOW log_line_prefix) with --log-line-prefix ({})",
        nearest_prefix(example, guess)
    )
}

/// An unmatched line and the nearest prefix planwise can guess from it.
pub fn nearest_prefix(example: &str, guess: Option<&str>) -> String {
    match guess {
        Some(guess) => format!(
            "first unmatched line: `{example}`; the nearest guess is --log-line-prefix '{guess}'"
        ),
        None => format!(
            "first line: `{example}`, in which no severity (LOG:, ERROR:, …) was found: \
             is it a PostgreSQL log? --log-format names the formats planwise reads"
        ),
    }
}

/// The error for lines no prefix matches: the first of them and the nearest guess.
pub fn unknown_prefix(lines: &[&[u8]]) -> InputError {
    let first = lines.first().copied().unwrap_or_default();
    InputError::UnknownPrefix {
        example: String::from_utf8_lossy(&first[..first.len().min(120)]).into_owned(),
        guess: lines.iter().find_map(|line| guess(line)),
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
        let Matched {
            fields,
            severity,
            message,
        } = prefix
            .parse(b"2026-11-26 00:40:01.123 UTC [4242] app@shop LOG:  statement: select 1")
            .unwrap();
        assert_eq!(text(fields.timestamp), Some("2026-11-26 00:40:01.123 UTC"));
        assert_eq!(text(fields.pid), Some("4242"));
        assert_eq!(text(fields.user), Some("app"));
        assert_eq!(text(fields.database), Some("shop"));
        assert_eq!(
            (severity, message),
            (&b"LOG"[..], &b"statement: select 1"[..])
        );
        let matched = prefix
            .parse(b"2026-11-26 00:40:01.123 UTC [17] LOG:  checkpoint starting: time")
            .unwrap();
        assert_eq!(matched.fields.user, None);
        assert_eq!(matched.message, b"checkpoint starting: time");
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
            let alone = prefix.parse(line.as_bytes()).map(|m| m.fields.at);
            let in_a_row = prefix
                .parse_after(line.as_bytes(), &mut last)
                .map(|m| m.fields.at);
            assert_eq!(in_a_row, alone, "{stamp}");
            assert_eq!(
                alone.flatten(),
                parse_timestamp(stamp.as_bytes()),
                "{stamp}"
            );
        }
    }

    #[test]
    fn each_timestamp_escape_remembers_its_own_last_value() {
        // Heroku's: the line's time, then its session's start.
        let prefix = LinePrefix::compile("time_ms = \"%m\" proc_start_time=\"%s\" ");
        let mut last = LastTimestamp::default();
        for (stamp, started) in [
            ("2026-11-26 00:41:31.147", "2026-11-26 00:40:00"),
            ("2026-11-26 00:41:31.147", "2026-11-26 00:41:00"),
            ("2026-11-26 00:41:32.001", "2026-11-26 00:41:00"),
            ("2026-11-26 00:41:32.001", "2026-11-26 00:4x:00"),
            ("2026-11-26 00:42:00.001", "2026-11-26 00:41:00"),
        ] {
            let line =
                format!("time_ms = \"{stamp} UTC\" proc_start_time=\"{started} UTC\" LOG:  x");
            let alone = prefix.parse(line.as_bytes()).map(|m| m.fields.at);
            let in_a_row = prefix
                .parse_after(line.as_bytes(), &mut last)
                .map(|m| m.fields.at);
            assert_eq!(in_a_row, alone, "{stamp} {started}");
            let started_is_a_time = parse_timestamp(started.as_bytes()).is_some();
            assert_eq!(alone.is_some(), started_is_a_time, "{started}");
            if started_is_a_time {
                assert_eq!(alone.flatten(), parse_timestamp(stamp.as_bytes()));
            }
        }
    }

    #[test]
    fn a_prefix_printed_alone_gives_the_fields_of_its_line() {
        let cases = [
            (
                "%t:%r:%u@%d:[%p]:",
                "2020-03-11 20:40:44 UTC:2001:db8::1(5432):a@b@shop:[9]:",
            ),
            ("%t-%c-", "2026-11-25 22:41:56 UTC-6383b339.257-"),
            (
                "%m [%p] %q%u@%d/%a ",
                "2026-11-26 00:40:01.123 UTC [4242] app@shop/my app ",
            ),
            // A background process: nothing after `%q`.
            ("%m [%p] %q%u@%d/%a ", "2026-11-26 00:40:01.123 UTC [17] "),
            (
                "[%p]: [%l-1] db=%d,user=%u ",
                "[24667]: [2-1] db=shop,user=app ",
            ),
        ];
        for (source, printed) in cases {
            let prefix = LinePrefix::compile(source);
            let line = format!("{printed}LOG:  duration: 1 ms");
            let whole = prefix.parse(line.as_bytes()).expect(printed).fields;
            let mut last = LastTimestamp::default();
            let alone = prefix.parse_printed(printed.as_bytes(), &mut last);
            assert_eq!(alone, Some(whole), "{source} {printed}");
            // The whole of it, and nothing more.
            let longer = format!("{printed}LOG:");
            assert_eq!(prefix.parse_printed(longer.as_bytes(), &mut last), None);
        }
    }

    #[test]
    fn a_non_ascii_character_after_percent_is_literal() {
        // Found by fuzzing: `%é` once split the é and matched inside another character.
        let prefix = LinePrefix::compile("%é%u ");
        assert!(prefix.parse("⩂bob LOG:  x".as_bytes()).is_none());
        let matched = prefix.parse("%ébob LOG:  x".as_bytes()).unwrap();
        assert_eq!(text(matched.fields.user), Some("bob"));
    }

    #[test]
    fn parses_pgbadger_style_prefix() {
        let prefix = LinePrefix::compile("%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ");
        let line = b"2026-11-26 00:40:01 UTC [99]: [3-1] user=bob,db=shop,app=psql,client=127.0.0.1 LOG:  duration: 1.5 ms";
        let matched = prefix.parse(line).unwrap();
        assert_eq!(text(matched.fields.user), Some("bob"));
        assert_eq!(text(matched.fields.application), Some("psql"));
        assert_eq!(
            (matched.severity, matched.message),
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

    /// Each prefix PostgreSQL accepts, a line it prints, and what must be read from it.
    #[test]
    fn escapes_followed_by_punctuation_match() {
        let cases: &[(&str, &str, [Option<&str>; 4])] = &[
            (
                "%t:%r:%u@%d:[%p]:",
                "2020-03-11 20:40:44 UTC:10.0.0.5(5432):app@shop:[12774]:LOG:  duration: 1 ms",
                [
                    Some("2020-03-11 20:40:44 UTC"),
                    Some("12774"),
                    Some("app"),
                    Some("shop"),
                ],
            ),
            (
                "%t:%r:%u@%d:[%p]:",
                "2020-03-11 20:40:44 UTC:[local]:app@shop:[12774]:LOG:  x",
                [
                    Some("2020-03-11 20:40:44 UTC"),
                    Some("12774"),
                    Some("app"),
                    Some("shop"),
                ],
            ),
            (
                "%t:%r:%u@%d:[%p]:",
                "2020-03-11 20:40:44 UTC::@:[12774]:LOG:  checkpoint starting: time",
                [
                    Some("2020-03-11 20:40:44 UTC"),
                    Some("12774"),
                    Some(""),
                    Some(""),
                ],
            ),
            (
                "%t:%r:%u@%d:[%p]:",
                "2020-03-11 20:40:44 UTC:2001:db8::1(5432):app@shop:[9]:LOG:  x",
                [
                    Some("2020-03-11 20:40:44 UTC"),
                    Some("9"),
                    Some("app"),
                    Some("shop"),
                ],
            ),
            (
                "%t-%c-",
                "2026-11-25 22:41:56 UTC-6383b339.257-LOG:  x",
                [Some("2026-11-25 22:41:56 UTC"), None, None, None],
            ),
            (
                "%t-%c-",
                "2026-11-25 22:41:56 -03-6383b339.257-LOG:  x",
                [Some("2026-11-25 22:41:56 -03"), None, None, None],
            ),
            (
                "[%m] ",
                "[2026-11-25 22:41:56.123 UTC] LOG:  x",
                [Some("2026-11-25 22:41:56.123 UTC"), None, None, None],
            ),
            (
                "%m|%p| ",
                "2026-11-25 22:41:56.123 CEST|4242| LOG:  x",
                [
                    Some("2026-11-25 22:41:56.123 CEST"),
                    Some("4242"),
                    None,
                    None,
                ],
            ),
            (
                "%m>> ",
                "2026-11-25 22:41:56.123 UTC>> ERROR:  x",
                [Some("2026-11-25 22:41:56.123 UTC"), None, None, None],
            ),
            (
                "%m [%p] %u@%d ",
                "2026-11-25 22:41:56.123 UTC [7] a@b@shop LOG:  x",
                [
                    Some("2026-11-25 22:41:56.123 UTC"),
                    Some("7"),
                    Some("a"),
                    Some("b@shop"),
                ],
            ),
            (
                "%m [%p] app=%a user=%u ",
                "2026-11-25 22:41:56.123 UTC [7] app=pgAdmin 4 - DB:shop user=bob LOG:  x",
                [
                    Some("2026-11-25 22:41:56.123 UTC"),
                    Some("7"),
                    Some("bob"),
                    None,
                ],
            ),
            (
                "%m [%-8p] %u%%%d ",
                "2026-11-25 22:41:56.123 UTC [7       ] bob%shop LOG:  x",
                [
                    Some("2026-11-25 22:41:56.123 UTC"),
                    Some("7"),
                    Some("bob"),
                    Some("shop"),
                ],
            ),
            (
                "%m %Z[%p] ",
                "2026-11-25 22:41:56.123 UTC [7] LOG:  x",
                [Some("2026-11-25 22:41:56.123 UTC"), Some("7"), None, None],
            ),
            (
                "%n [%p] %v %x %Q %b: ",
                "1764110516.123 [7] 3/12 0 -4242 client backend: LOG:  x",
                [Some("1764110516.123"), Some("7"), None, None],
            ),
        ];
        for (source, line, [timestamp, pid, user, database]) in cases {
            let prefix = LinePrefix::compile(source);
            let Matched {
                fields, severity, ..
            } = prefix
                .parse(line.as_bytes())
                .unwrap_or_else(|| panic!("{source} does not match {line}"));
            let read = [fields.timestamp, fields.pid, fields.user, fields.database].map(text);
            assert_eq!(
                read,
                [*timestamp, *pid, *user, *database],
                "{source} on {line}"
            );
            assert!(is_severity(severity), "{source} on {line}");
        }
    }

    #[test]
    fn detects_hosted_prefixes_from_their_lines() {
        for (sample, expected) in [
            (
                "2020-03-11 20:40:44 UTC:10.0.0.5(5432):app@shop:[12774]:LOG:  duration: 1 ms\n\
                 2020-03-11 20:40:45 UTC::@:[12775]:LOG:  checkpoint starting: time\n",
                "%t:%r:%u@%d:[%p]:",
            ),
            (
                "2026-11-25 22:41:56 UTC-6383b339.257-LOG:  duration: 1 ms\n",
                "%t-%c-",
            ),
            (
                "2026-11-25 22:41:56.123 UTC [7] user=a,db=b,app=c,client=d LOG:  x\n",
                "%m [%p] user=%u,db=%d,app=%a,client=%h ",
            ),
        ] {
            let detected = LinePrefix::detect(sample.as_bytes()).unwrap();
            assert_eq!(detected.source(), expected);
        }
        let error = LinePrefix::detect(b"<<12:00>> pid=1 LOG:  x\n").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("--log-line-prefix '<<12:00>> pid=%p '"),
            "{error}"
        );
    }

    #[test]
    fn a_prefix_full_of_free_values_gives_up_in_bounded_time() {
        let prefix = LinePrefix::compile(&"%u %d %a ".repeat(40));
        let line = "a ".repeat(5000) + "LOX:  x";
        assert!(prefix.parse(line.as_bytes()).is_none());
    }
}
