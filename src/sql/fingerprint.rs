//! Fingerprinting: the normalized text of a statement and its stable id.
//!
//! Two statements get the same fingerprint when they differ only in constants, `$n`
//! numbering, whitespace, comments, keyword case, the length of an `IN (…)` / `ARRAY[…]`
//! list of constants or the number of rows of a `VALUES` list of the same shape. Quoted
//! identifiers keep their case. The normalized text numbers its placeholders `$1, $2, …`
//! (the form pg_stat_statements uses) so it still parses as SQL.
//!
//! This is the hot path of log ingestion: one pass over the bytes, no allocation once the
//! reusable buffers have grown.

use super::lexer::{Lexer, TokenKind};
use super::parameters::parse_logged_parameters;
use super::template::{Template, head_hash};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use xxhash_rust::xxh3::xxh3_64;

/// A fingerprint borrowed from the [`Fingerprinter`] that computed it.
#[derive(Debug, Clone, Copy)]
pub struct Fingerprint<'a> {
    /// Stable id: xxh3-64 of the normalized text.
    pub id: u64,
    pub normalized: &'a [u8],
    /// Hash of the constants that were replaced, in order: equal for two executions with the
    /// same values (used to tell redundant repeats from loops over different values).
    pub values_hash: u64,
    /// What its `OFFSET` skips: the normalized text keeps only a placeholder, and deep pages
    /// are told from shallow ones by this.
    pub offset: Option<Offset>,
}

/// A statement's `OFFSET`: the rows it skips, or the parameter that says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offset {
    Rows(u64),
    Parameter(u32),
}

impl Offset {
    /// The rows skipped, with the parameters' values as the log recorded them.
    pub fn rows(self, parameters: Option<&str>) -> Option<u64> {
        match self {
            Offset::Rows(rows) => Some(rows),
            Offset::Parameter(n) => parse_logged_parameters(parameters?).get(&n)?.parse().ok(),
        }
    }
}

/// Renders a fingerprint id the way every output shows it.
pub fn format_id(id: u64) -> String {
    format!("{id:016x}")
}

/// A parenthesised or bracketed group being emitted, so a list of constants can be folded
/// when it closes.
struct Group {
    /// Output offset of the opening `(` / `[`.
    open_at: usize,
    /// Placeholder counter when the group opened.
    counter_at_open: u32,
    /// Only placeholders, commas and casts seen so far.
    constants_only: bool,
    folds: Fold,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fold {
    /// `IN (…)` or `ARRAY[…]`: fold a constant list to one placeholder.
    List,
    /// The first row of a `VALUES` list.
    FirstValuesRow,
    /// A later row of a `VALUES` list: drop it when it has the first row's shape.
    LaterValuesRow,
    Never,
}

/// The first row of the `VALUES` list being emitted, for folding the rows after it.
struct ValuesRow {
    /// How many groups enclose the list.
    depth: usize,
    /// Output offset just after the row's `)`.
    end: usize,
    counter_after: u32,
    /// The row's text with placeholder numbers removed.
    shape: Vec<u8>,
}

/// Where `normalize` is in a statement, besides the groups it has open.
struct Normalizing {
    /// Placeholders numbered so far.
    counter: u32,
    values_hash: u64,
    last: Emitted,
    /// Output offset of the last word, read back to tell keywords (`in`, `values`, …).
    last_word_at: usize,
    /// A first `VALUES` row closed and a `,` followed: the next `(` is a later row.
    after_values_row_comma: bool,
}

#[derive(Default)]
pub struct Fingerprinter {
    out: Vec<u8>,
    groups: Vec<Group>,
    values_row: Option<ValuesRow>,
    row_shape: Vec<u8>,
    /// Statements without constants (extended-protocol `$n` text, `BEGIN`) repeat verbatim
    /// in logs: their fingerprint (and offset parameter) is remembered by a hash of their
    /// text.
    repeated: Remembered<(u64, Box<[u8]>, Option<Offset>)>,
    /// The skeleton of the statement being fingerprinted (see `skeleton`).
    skeleton: Vec<u8>,
    /// Its offset, found while writing the skeleton.
    offset: Option<Offset>,
    /// Statements with constants repeat with other values: their fingerprint is remembered
    /// by their skeleton, keyed by its hash.
    skeletons: Remembered<Known>,
    /// Cheaper still: statements with constants by their template (see `template`), filed
    /// by the hash of their head.
    templates: Remembered<Templates>,
}

/// Statements remembered by a hash, bounded in number and bytes: when one more would not
/// fit, all are forgotten and remembering starts afresh.
struct Remembered<V> {
    map: Prehashed<V>,
    /// Bytes the entries hold (as their owners count them).
    bytes: usize,
}

impl<V> Default for Remembered<V> {
    fn default() -> Self {
        Remembered {
            map: Prehashed::default(),
            bytes: 0,
        }
    }
}

impl<V> Remembered<V> {
    /// Makes room for an entry of `size` bytes.
    fn make_room(&mut self, size: usize) {
        if self.map.len() >= REMEMBERED_STATEMENTS || self.bytes + size > REMEMBERED_BYTES {
            self.map.clear();
            self.bytes = 0;
        }
        self.bytes += size;
    }
}

/// The templates of one head, and how many statements under it had none to give.
#[derive(Default)]
struct Templates {
    known: Vec<(Template, u64, Box<[u8]>)>,
    without: usize,
}

/// Templates tried per head: statements of one head but many shapes (`IN` lists of every
/// length) would otherwise be compared with ever more of them.
const TEMPLATES_PER_HEAD: usize = 4;

/// A map keyed by xxh3 hashes, which need no hashing again.
type Prehashed<V> = HashMap<u64, V, BuildHasherDefault<PassThrough>>;

#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = xxh3_64(bytes);
    }
}

/// A fingerprint remembered by its statement's skeleton.
struct Known {
    skeleton: Box<[u8]>,
    id: u64,
    normalized: Box<[u8]>,
}

/// How many statements (of each kind) the fingerprinter remembers before starting afresh.
const REMEMBERED_STATEMENTS: usize = 4096;

/// How many bytes of skeletons, templates and normalized text it keeps at most (of each
/// kind): a workload of large statements of many shapes must not hold megabytes per thread.
const REMEMBERED_BYTES: usize = 1 << 20;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Emitted {
    Nothing,
    Word,
    Placeholder,
    Operator,
    Open,
    Close,
    Comma,
    Joiner,
    Other,
}

impl Fingerprinter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn fingerprint(&mut self, sql: &[u8]) -> Fingerprint<'_> {
        let text_hash = xxh3_64(sql);
        if self.repeated.map.contains_key(&text_hash) {
            let (id, normalized, offset) = &self.repeated.map[&text_hash];
            return Fingerprint {
                id: *id,
                normalized,
                values_hash: 0,
                offset: *offset,
            };
        }
        let head = head_hash(sql);
        if let Some((values_hash, index)) = self.templates.map.get(&head).and_then(|templates| {
            templates
                .known
                .iter()
                .enumerate()
                .find_map(|(index, (template, ..))| Some((template.values_hash(sql)?, index)))
        }) {
            let (_, id, normalized) = &self.templates.map[&head].known[index];
            return Fingerprint {
                id: *id,
                normalized,
                values_hash,
                offset: None,
            };
        }
        let values_hash = self.skeleton(sql);
        let skeleton_hash = xxh3_64(&self.skeleton);
        let (id, values_hash) = match self.skeletons.map.get(&skeleton_hash) {
            Some(known) if *known.skeleton == *self.skeleton => {
                self.out.clear();
                self.out.extend_from_slice(&known.normalized);
                (known.id, values_hash)
            }
            _ => self.normalize_and_remember(sql, text_hash, skeleton_hash),
        };
        if values_hash != 0 {
            self.remember_template(sql, head, id);
        }
        Fingerprint {
            id,
            normalized: &self.out,
            values_hash,
            offset: self.offset,
        }
    }

    /// The first statement of its skeleton: normalized, and remembered by its skeleton (or,
    /// without constants, by its text).
    fn normalize_and_remember(
        &mut self,
        sql: &[u8],
        text_hash: u64,
        skeleton_hash: u64,
    ) -> (u64, u64) {
        let (id, values_hash) = self.normalize(sql);
        if values_hash != 0 {
            self.skeletons
                .make_room(self.skeleton.len() + self.out.len());
            let known = Known {
                skeleton: self.skeleton.as_slice().into(),
                id,
                normalized: self.out.as_slice().into(),
            };
            self.skeletons.map.insert(skeleton_hash, known);
        } else {
            // Counted, not weighed: these are few and short.
            self.repeated.make_room(0);
            self.repeated.map.insert(
                text_hash,
                (id, self.out.clone().into_boxed_slice(), self.offset),
            );
        }
        (id, values_hash)
    }

    /// Files the template of `sql` (fingerprinted as `id`, normalized in `self.out`) under
    /// its head, while the head has room.
    fn remember_template(&mut self, sql: &[u8], head: u64, id: u64) {
        if self
            .templates
            .map
            .get(&head)
            .is_some_and(|t| t.known.len() + t.without >= TEMPLATES_PER_HEAD)
        {
            return;
        }
        let template = Template::of(sql);
        self.templates
            .make_room(template.as_ref().map_or(0, |t| t.size() + self.out.len()));
        let templates = self.templates.map.entry(head).or_default();
        match template {
            Some(template) => {
                let normalized = self.out.as_slice().into();
                templates.known.push((template, id, normalized));
            }
            None => templates.without += 1,
        }
    }

    /// Writes the skeleton of `sql` to `self.skeleton`: its tokens but whitespace and comments,
    /// with the text of constants left out. The normalized text depends on nothing else, so
    /// two statements with one skeleton have one fingerprint. Returns the constants' hash
    /// (as `normalize` computes it); notes the statement's offset on the way.
    fn skeleton(&mut self, sql: &[u8]) -> u64 {
        self.skeleton.clear();
        self.offset = None;
        let mut values_hash = 0u64;
        let mut after_offset = false;
        let mut lexer = Lexer::new(sql);
        while let Some(token) = lexer.next_significant() {
            let text = &sql[token.start..token.end];
            if std::mem::take(&mut after_offset) {
                self.note_offset(token.kind, text);
            }
            match token.kind {
                TokenKind::String | TokenKind::Number => {
                    values_hash = values_hash.rotate_left(7) ^ xxh3_64(text);
                    self.skeleton.push(token.kind as u8);
                }
                TokenKind::Param => self.skeleton.push(token.kind as u8),
                kind => {
                    after_offset = kind == TokenKind::Word && text.eq_ignore_ascii_case(b"offset");
                    // The length keeps the encoding unambiguous.
                    self.skeleton.push(kind as u8);
                    self.skeleton
                        .extend_from_slice(&(text.len() as u32).to_le_bytes());
                    self.skeleton.extend_from_slice(text);
                }
            }
        }
        values_hash
    }

    /// The token after an `OFFSET` keyword: a row count or a parameter. Of several offsets
    /// (subqueries), the deepest count, else the first parameter, is kept.
    fn note_offset(&mut self, kind: TokenKind, text: &[u8]) {
        let offset = match kind {
            TokenKind::Number => number(text).map(Offset::Rows),
            TokenKind::Param => number(&text[1..]).map(Offset::Parameter),
            _ => None,
        };
        self.offset = match (self.offset, offset) {
            (Some(Offset::Rows(a)), Some(Offset::Rows(b))) => Some(Offset::Rows(a.max(b))),
            (Some(Offset::Parameter(_)), Some(Offset::Rows(rows))) => Some(Offset::Rows(rows)),
            (None, found) | (found, None) => found,
            (kept, Some(Offset::Parameter(_))) => kept,
        };
    }

    /// Writes the normalized text to `self.out`; returns its id and the constants' hash.
    fn normalize(&mut self, sql: &[u8]) -> (u64, u64) {
        self.out.clear();
        self.groups.clear();
        self.values_row = None;
        let mut state = Normalizing {
            counter: 0,
            values_hash: 0,
            last: Emitted::Nothing,
            last_word_at: 0,
            after_values_row_comma: false,
        };
        let mut lexer = Lexer::new(sql);
        let mut tokens = std::iter::from_fn(|| lexer.next_significant()).peekable();
        while let Some(token) = tokens.next() {
            let text = &sql[token.start..token.end];
            // A unary minus in front of a number belongs to the constant.
            let unary_minus = token.kind == TokenKind::Operator
                && text == b"-"
                && tokens
                    .peek()
                    .is_some_and(|next| next.kind == TokenKind::Number)
                && self.operand_may_follow(&state);
            if unary_minus {
                continue;
            }
            if let Some(this) = emitted_as(token.kind) {
                self.emit(&mut state, token.kind, this, text);
            }
        }
        // Statement terminators are not part of the statement.
        while let Some(b';' | b' ') = self.out.last() {
            self.out.pop();
        }
        (xxh3_64(&self.out), state.values_hash)
    }

    /// Whether what was emitted last can be followed by an operand, so that a `-` there is
    /// a sign rather than a subtraction.
    #[inline]
    fn operand_may_follow(&self, state: &Normalizing) -> bool {
        match state.last {
            Emitted::Nothing | Emitted::Operator | Emitted::Open | Emitted::Comma => true,
            Emitted::Word => {
                is_keyword_before_operand(self.out.get(state.last_word_at..).unwrap_or_default())
            }
            _ => false,
        }
    }

    /// Writes one token to `self.out`: spaced from the last, constants as numbered
    /// placeholders, words in lower case, and groups opened and closed (folded) as they go.
    #[inline]
    fn emit(&mut self, state: &mut Normalizing, kind: TokenKind, this: Emitted, text: &[u8]) {
        if let Some(group) = self.groups.last_mut() {
            group.constants_only &= may_be_in_constant_list(this, state.last);
        }
        // `:` next to `:` would lex as another token (`::`) when read back.
        let would_merge = text.first() == Some(&b':') && self.out.last() == Some(&b':');
        if needs_space(state.last, this, kind) || would_merge {
            self.out.push(b' ');
        }
        let token_at = self.out.len();
        match kind {
            TokenKind::String | TokenKind::Number | TokenKind::Param => {
                if kind != TokenKind::Param {
                    state.values_hash = state.values_hash.rotate_left(7) ^ xxh3_64(text);
                }
                state.counter += 1;
                self.push_placeholder(state.counter);
            }
            TokenKind::Word => {
                self.out.extend(text.iter().map(u8::to_ascii_lowercase));
                state.last_word_at = token_at;
            }
            TokenKind::QuotedIdent => {
                self.out.extend_from_slice(text);
                state.last_word_at = token_at;
            }
            TokenKind::OpenParen | TokenKind::OpenBracket => {
                self.groups.push(Group {
                    open_at: token_at,
                    counter_at_open: state.counter,
                    constants_only: true,
                    folds: self.fold_of_opening(state),
                });
                self.out.extend_from_slice(text);
            }
            TokenKind::CloseParen | TokenKind::CloseBracket => {
                self.out.extend_from_slice(text);
                if let Some(group) = self.groups.pop() {
                    state.counter = self.close_group(group, state.counter);
                }
                if let Some(parent) = self.groups.last_mut() {
                    parent.constants_only = false;
                }
            }
            _ => self.out.extend_from_slice(text),
        }
        self.follow_values_list(state, this);
        state.last = this;
    }

    /// What the group opening now may fold when it closes: a list after `IN` / `ARRAY`, the
    /// rows of a `VALUES` list.
    #[inline]
    fn fold_of_opening(&self, state: &Normalizing) -> Fold {
        if state.after_values_row_comma {
            return Fold::LaterValuesRow;
        }
        if state.last != Emitted::Word {
            return Fold::Never;
        }
        match self.out.get(state.last_word_at..).unwrap_or_default() {
            b"in" | b"array" => Fold::List,
            b"values" => Fold::FirstValuesRow,
            _ => Fold::Never,
        }
    }

    /// Keeps the first `VALUES` row only while the list goes on as `(row) , (row) , …` at
    /// its own depth: anything else after a row ends the list.
    #[inline]
    fn follow_values_list(&mut self, state: &mut Normalizing, this: Emitted) {
        let at_values_depth = self
            .values_row
            .as_ref()
            .is_some_and(|row| row.depth == self.groups.len());
        state.after_values_row_comma =
            at_values_depth && this == Emitted::Comma && state.last == Emitted::Close;
        if at_values_depth && this != Emitted::Close && !state.after_values_row_comma {
            self.values_row = None;
        }
    }

    fn push_placeholder(&mut self, number: u32) {
        self.out.push(b'$');
        self.out
            .extend_from_slice(itoa::Buffer::new().format(number).as_bytes());
    }

    /// Folds the group that just closed (its `)` is already emitted); returns the counter.
    fn close_group(&mut self, group: Group, counter: u32) -> u32 {
        let had_constant = counter > group.counter_at_open;
        match group.folds {
            Fold::List if group.constants_only && had_constant => {
                let close = *self.out.last().unwrap_or(&b')');
                self.out.truncate(group.open_at + 1);
                self.push_placeholder(group.counter_at_open + 1);
                self.out.push(close);
                group.counter_at_open + 1
            }
            Fold::FirstValuesRow => {
                let mut shape = Vec::new();
                strip_placeholder_numbers(&self.out[group.open_at..], &mut shape);
                self.values_row = Some(ValuesRow {
                    depth: self.groups.len(),
                    end: self.out.len(),
                    counter_after: counter,
                    shape,
                });
                counter
            }
            Fold::LaterValuesRow => {
                let Some(first) = &self.values_row else {
                    return counter;
                };
                self.row_shape.clear();
                strip_placeholder_numbers(&self.out[group.open_at..], &mut self.row_shape);
                if self.row_shape == first.shape {
                    let (end, counter_after) = (first.end, first.counter_after);
                    self.out.truncate(end);
                    counter_after
                } else {
                    self.values_row = None;
                    counter
                }
            }
            _ => counter,
        }
    }
}

fn number<T: std::str::FromStr>(text: &[u8]) -> Option<T> {
    std::str::from_utf8(text).ok()?.parse().ok()
}

fn needs_space(last: Emitted, this: Emitted, kind: TokenKind) -> bool {
    match (last, this) {
        (Emitted::Nothing, _) => false,
        (_, Emitted::Close | Emitted::Comma | Emitted::Joiner) => false,
        (Emitted::Open | Emitted::Joiner, _) => false,
        (Emitted::Word, Emitted::Open) => false,
        (_, Emitted::Open) => kind == TokenKind::OpenParen,
        (_, Emitted::Other) => false,
        _ => true,
    }
}

/// How a token is emitted, for spacing and folding; `None` for what is not emitted.
#[inline]
fn emitted_as(kind: TokenKind) -> Option<Emitted> {
    Some(match kind {
        TokenKind::String | TokenKind::Number | TokenKind::Param => Emitted::Placeholder,
        TokenKind::Word | TokenKind::QuotedIdent => Emitted::Word,
        TokenKind::Operator | TokenKind::Colon | TokenKind::Other => Emitted::Operator,
        TokenKind::OpenParen | TokenKind::OpenBracket => Emitted::Open,
        TokenKind::CloseParen | TokenKind::CloseBracket => Emitted::Close,
        TokenKind::Comma => Emitted::Comma,
        TokenKind::Dot | TokenKind::Cast => Emitted::Joiner,
        TokenKind::Semicolon => Emitted::Other,
        TokenKind::Trivia => return None,
    })
}

/// Whether a group that held only constants so far still does after `this` (following
/// `last`): placeholders, commas, casts to a type name and its closing bracket.
#[inline]
fn may_be_in_constant_list(this: Emitted, last: Emitted) -> bool {
    match this {
        Emitted::Placeholder | Emitted::Comma | Emitted::Joiner | Emitted::Close => true,
        Emitted::Word => last == Emitted::Joiner,
        _ => false,
    }
}

/// Keywords after which `-` starts a negative constant rather than a subtraction.
fn is_keyword_before_operand(word: &[u8]) -> bool {
    matches!(
        word,
        b"select"
            | b"where"
            | b"and"
            | b"or"
            | b"not"
            | b"then"
            | b"when"
            | b"else"
            | b"in"
            | b"between"
            | b"limit"
            | b"offset"
            | b"values"
            | b"set"
            | b"by"
            | b"return"
            | b"returning"
            | b"like"
            | b"ilike"
            | b"is"
            | b"distinct"
            | b"having"
            | b"on"
            | b"default"
    )
}

/// The text with the numbers of its `$n` placeholders removed (a `$` inside an identifier,
/// `a$1`, is not a placeholder).
fn strip_placeholder_numbers(text: &[u8], shape: &mut Vec<u8>) {
    let mut in_placeholder = false;
    let mut previous = b' ';
    for &byte in text {
        if in_placeholder && byte.is_ascii_digit() {
            continue;
        }
        in_placeholder =
            byte == b'$' && !super::lexer::is_ident_continue(previous) && previous != b'"';
        previous = byte;
        shape.push(byte);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalize(sql: &str) -> String {
        String::from_utf8(
            Fingerprinter::new()
                .fingerprint(sql.as_bytes())
                .normalized
                .to_vec(),
        )
        .unwrap()
    }

    fn same(a: &str, b: &str) {
        let mut fingerprinter = Fingerprinter::new();
        let first = fingerprinter.fingerprint(a.as_bytes()).id;
        let second = fingerprinter.fingerprint(b.as_bytes()).id;
        assert_eq!(first, second, "{} <> {}", normalize(a), normalize(b));
    }

    #[test]
    fn the_offset_of_each_call_is_told_whatever_path_the_fingerprint_takes() {
        let mut fingerprinter = Fingerprinter::new();
        let mut offset = |sql: &str| fingerprinter.fingerprint(sql.as_bytes()).offset;
        // New, then known by skeleton: each call reports its own rows.
        assert_eq!(
            offset("SELECT id FROM t ORDER BY id LIMIT 50 OFFSET 0"),
            Some(Offset::Rows(0))
        );
        assert_eq!(
            offset("select id from t order by id limit 50 offset 3900"),
            Some(Offset::Rows(3900))
        );
        // Without constants the statement is remembered by its text: the parameter too.
        for _ in 0..2 {
            assert_eq!(
                offset("SELECT id FROM t LIMIT $1 OFFSET $2"),
                Some(Offset::Parameter(2))
            );
        }
        // The deepest of several; a count over a parameter; none at all.
        assert_eq!(
            offset("SELECT * FROM (SELECT id FROM t OFFSET 10) s OFFSET 2000"),
            Some(Offset::Rows(2000))
        );
        assert_eq!(
            offset("SELECT * FROM (SELECT id FROM t OFFSET $1) s OFFSET 5"),
            Some(Offset::Rows(5))
        );
        assert_eq!(offset("SELECT offset FROM t WHERE id = 1"), None);
        assert_eq!(
            Offset::Parameter(2).rows(Some("$1 = '50', $2 = '1200'")),
            Some(1200)
        );
        assert_eq!(Offset::Parameter(3).rows(Some("$1 = '50'")), None);
        assert_eq!(Offset::Parameter(1).rows(None), None);
    }

    fn different(a: &str, b: &str) {
        let mut fingerprinter = Fingerprinter::new();
        let first = fingerprinter.fingerprint(a.as_bytes()).id;
        let second = fingerprinter.fingerprint(b.as_bytes()).id;
        assert_ne!(first, second, "{}", normalize(a));
    }

    #[test]
    fn constants_become_numbered_placeholders() {
        assert_eq!(
            normalize("SELECT * FROM t WHERE a = 'x' AND b > 10.5 AND c = $7 AND d=-3"),
            "select * from t where a = $1 and b > $2 and c = $3 and d = $4"
        );
    }

    #[test]
    fn in_lists_and_arrays_fold_whatever_their_length() {
        assert_eq!(
            normalize("select 1 from t where id in (1, 2, 3) and x = any(array[4,5])"),
            "select $1 from t where id in($2) and x = any(array[$3])"
        );
        same(
            "select * from t where id in (1)",
            "select * from t where id in (1,2,3,4)",
        );
        same(
            "select * from t where id in ('a'::text, 'b'::text)",
            "select * from t where id in ('c'::text)",
        );
        different(
            "select * from t where id in (select id from u)",
            "select * from t where id in (1)",
        );
    }

    #[test]
    fn values_rows_of_one_shape_fold() {
        assert_eq!(
            normalize("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z') RETURNING id"),
            "insert into t(a, b) values($1, $2) returning id"
        );
        same(
            "insert into t values (1, now()), (2, now())",
            "insert into t values (5, now())",
        );
        different(
            "insert into t values (1, 2)",
            "insert into t values (1, 2), (3, now())",
        );
    }

    #[test]
    fn whitespace_comments_and_keyword_case_do_not_matter() {
        same(
            "SELECT a FROM t -- trailing\n WHERE /* why */ a = 1;",
            "select   a\n\tfrom t where a=2",
        );
        different(r#"select "Name" from t"#, r#"select "name" from t"#);
        same("select 1;;", "select 1");
        same(r#"select "Name" from T"#, r#"SELECT "Name" FROM t"#);
    }

    #[test]
    fn negative_constants_are_constants_but_subtraction_stays() {
        same(
            "select * from t where a = -1",
            "select * from t where a = 2",
        );
        same("select a - 1 from t", "select a-5 from t");
        different("select a - 1 from t", "select a from t");
        same("select * from t limit -1", "select * from t limit 10");
    }

    #[test]
    fn values_hash_tells_repeats_from_other_values() {
        let mut fingerprinter = Fingerprinter::new();
        let one = fingerprinter
            .fingerprint(b"select * from t where id = 1")
            .values_hash;
        let again = fingerprinter
            .fingerprint(b"select * from t where id =  1")
            .values_hash;
        let two = fingerprinter
            .fingerprint(b"select * from t where id = 2")
            .values_hash;
        assert_eq!(one, again);
        assert_ne!(one, two);
    }

    #[test]
    fn remembered_fingerprints_equal_computed_ones() {
        let statements = [
            "select * from t where a = 1 and b = 'x'",
            "SELECT * FROM t WHERE a = 2 AND b = 'y'",
            "select * from t where a = -3 and b = E'z'",
            "select a - 4 from t",
            "select a - 5 from t",
            "insert into t values (1, 'a'), (2, 'b')",
            "insert into t values (3, 'c'), (4, 'd')",
            "select * from t where id in (5, 6) limit 7",
            "select * from t where id in (8, 9) limit 10",
            "select * from t where id = $1 and b = 11",
        ];
        let mut shared = Fingerprinter::new();
        for sql in statements.iter().chain(&statements) {
            let fresh = Fingerprinter::new()
                .fingerprint(sql.as_bytes())
                .clone_parts();
            let remembered = shared.fingerprint(sql.as_bytes()).clone_parts();
            assert_eq!(fresh, remembered, "{sql}");
        }
    }

    impl Fingerprint<'_> {
        fn clone_parts(&self) -> (u64, Vec<u8>, u64) {
            (self.id, self.normalized.to_vec(), self.values_hash)
        }
    }

    #[test]
    fn inputs_found_by_fuzzing_do_not_panic_and_stay_idempotent() {
        for sql in [
            &b"select * from (values (1::int), (2::int)) \"v\"(a)"[..],
            b"VALUES(5)(3\xff),(5)\"\"(",
            b"select 1 where a in (1, 2, 3, 4, 5::x) \"\" -1",
            b";;",
            b"u:\n::",
        ] {
            let mut fingerprinter = Fingerprinter::new();
            let once = fingerprinter.fingerprint(sql).normalized.to_vec();
            let twice = fingerprinter.fingerprint(&once).normalized.to_vec();
            assert_eq!(once, twice, "{}", String::from_utf8_lossy(sql));
        }
        different(
            "insert into t values (a$1), (a$2)",
            "insert into t values (a$1)",
        );
    }

    #[test]
    fn normalized_text_still_parses() {
        use sqlparser::dialect::PostgreSqlDialect;
        for sql in [
            "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y')",
            "select * from t where id in (1,2,3) and b::date > '2024-01-01' order by a desc limit 10 offset 20",
            "update t set a = a - 1, b = -2 where c = any(array[1,2]) returning *",
            "select x.a, count(*) from t x join u on u.id = x.uid group by 1 having count(*) > -1",
        ] {
            let normalized = normalize(sql);
            sqlparser::parser::Parser::parse_sql(&PostgreSqlDialect {}, &normalized)
                .unwrap_or_else(|e| panic!("{normalized}: {e}"));
        }
    }
}
