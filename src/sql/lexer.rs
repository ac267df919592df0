//! A byte-level PostgreSQL lexer: the fast path shared by fingerprinting and statement
//! splitting. It never fails: any byte sequence yields tokens, unknown bytes become `Other`.
//!
//! It knows just enough of PostgreSQL's lexical rules to tell literals, identifiers,
//! comments and operators apart (strings with `''` and `E'\''` escapes, dollar quotes, nested
//! block comments, `$n` parameters); it does not build an AST — sqlparser does that later,
//! once per distinct fingerprint.

/// What a token is; `text` of a token is `input[start..end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An unquoted identifier or keyword.
    Word,
    /// A `"quoted identifier"`.
    QuotedIdent,
    /// A string constant in any of its forms (`'…'`, `E'…'`, `B'…'`, `X'…'`, `U&'…'`, `$$…$$`).
    String,
    /// A numeric constant.
    Number,
    /// A `$1`-style parameter.
    Param,
    /// An operator such as `=`, `<>`, `->>`, `@>`.
    Operator,
    OpenParen,
    CloseParen,
    OpenBracket,
    CloseBracket,
    Comma,
    Semicolon,
    Dot,
    /// `::`
    Cast,
    Colon,
    /// Whitespace or a comment.
    Trivia,
    /// A byte that fits nowhere else (stray quote of an unterminated literal, control byte).
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

pub struct Lexer<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        Lexer { input, pos: 0 }
    }

    /// The next token that is not whitespace or a comment.
    pub fn next_significant(&mut self) -> Option<Token> {
        loop {
            // Most tokens are separated by one space: skipped here, it costs no trip
            // through `next`.
            while self.input.get(self.pos) == Some(&b' ') {
                self.pos += 1;
            }
            let token = self.next()?;
            if token.kind != TokenKind::Trivia {
                return Some(token);
            }
        }
    }

    /// Moves to `offset` (clamped to the input), which must be a token boundary.
    pub fn seek(&mut self, offset: usize) {
        self.pos = offset.min(self.input.len());
    }

    fn peek(&self, offset: usize) -> u8 {
        self.input.get(self.pos + offset).copied().unwrap_or(0)
    }

    fn take_while(&mut self, pred: impl Fn(u8) -> bool) {
        let rest = &self.input[self.pos..];
        self.pos += rest.iter().position(|&b| !pred(b)).unwrap_or(rest.len());
    }

    /// Consumes a quoted run that started at `self.pos` (on the opening quote). Doubled quotes
    /// escape; with `backslash_escapes`, so does `\`. An unterminated quote runs to the end.
    fn quoted(&mut self, quote: u8, backslash_escapes: bool) {
        self.pos += 1;
        while self.pos < self.input.len() {
            let byte = self.input[self.pos];
            if backslash_escapes && byte == b'\\' {
                self.pos += 2;
                continue;
            }
            self.pos += 1;
            if byte == quote {
                if self.peek(0) == quote {
                    self.pos += 1;
                } else {
                    return;
                }
            }
        }
        self.pos = self.input.len();
    }

    /// Tries a `$tag$ … $tag$` string at `self.pos`; returns false (consuming nothing) when the
    /// `$` does not open one.
    fn dollar_quoted(&mut self) -> bool {
        let rest = &self.input[self.pos + 1..];
        let tag_len = rest
            .iter()
            .position(|&b| !is_ident_continue(b) || b == b'$')
            .unwrap_or(rest.len());
        if rest.get(tag_len) != Some(&b'$') || rest.first().is_some_and(u8::is_ascii_digit) {
            return false;
        }
        let delimiter = &self.input[self.pos..self.pos + tag_len + 2];
        let body_start = self.pos + delimiter.len();
        self.pos = match memchr::memmem::find(&self.input[body_start..], delimiter) {
            Some(offset) => body_start + offset + delimiter.len(),
            None => self.input.len(),
        };
        true
    }

    fn block_comment(&mut self) {
        let mut depth = 0usize;
        while self.pos < self.input.len() {
            match (self.input[self.pos], self.peek(1)) {
                (b'/', b'*') => {
                    depth += 1;
                    self.pos += 2;
                }
                (b'*', b'/') => {
                    depth -= 1;
                    self.pos += 2;
                    if depth == 0 {
                        return;
                    }
                }
                _ => self.pos += 1,
            }
        }
    }

    fn number(&mut self) {
        if self.peek(0) == b'0' && matches!(self.peek(1) | 0x20, b'x' | b'o' | b'b') {
            self.pos += 2;
            self.take_while(|b| b.is_ascii_hexdigit() || b == b'_');
            return;
        }
        self.take_while(|b| b.is_ascii_digit() || b == b'_');
        if self.peek(0) == b'.' && self.peek(1) != b'.' {
            self.pos += 1;
            self.take_while(|b| b.is_ascii_digit() || b == b'_');
        }
        if matches!(self.peek(0), b'e' | b'E')
            && (self.peek(1).is_ascii_digit()
                || (matches!(self.peek(1), b'+' | b'-') && self.peek(2).is_ascii_digit()))
        {
            self.pos += 2;
            self.take_while(|b| b.is_ascii_digit());
        }
    }

    /// PostgreSQL's rule: an operator stops before a comment, and a multi-character operator
    /// may end in `+` or `-` only if it also holds one of `~!@#%^&|`?` (so `=-1` is `=`, `-1`).
    fn operator(&mut self) {
        let start = self.pos;
        while self.pos < self.input.len() && is_operator_char(self.input[self.pos]) {
            let starts_comment = matches!(
                (self.input[self.pos], self.peek(1)),
                (b'-', b'-') | (b'/', b'*')
            );
            if starts_comment && self.pos > start {
                break;
            }
            self.pos += 1;
        }
        let text = &self.input[start..self.pos];
        if text.len() > 1 && !text.iter().any(|b| b"~!@#%^&|`?".contains(b)) {
            while self.pos - start > 1 && matches!(self.input[self.pos - 1], b'+' | b'-') {
                self.pos -= 1;
            }
        }
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let start = self.pos;
        let first = *self.input.get(start)?;
        let kind = match first {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c' => {
                self.take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c'));
                TokenKind::Trivia
            }
            b'-' if self.peek(1) == b'-' => {
                self.pos = memchr::memchr(b'\n', &self.input[start..])
                    .map_or(self.input.len(), |offset| start + offset);
                TokenKind::Trivia
            }
            b'/' if self.peek(1) == b'*' => {
                self.block_comment();
                TokenKind::Trivia
            }
            b'\'' => {
                self.quoted(b'\'', false);
                TokenKind::String
            }
            b'"' => {
                self.quoted(b'"', false);
                TokenKind::QuotedIdent
            }
            b'$' if self.peek(1).is_ascii_digit() => {
                self.pos += 1;
                self.take_while(|b| b.is_ascii_digit());
                TokenKind::Param
            }
            b'$' if self.dollar_quoted() => TokenKind::String,
            b'0'..=b'9' => {
                self.number();
                TokenKind::Number
            }
            b'.' if self.peek(1).is_ascii_digit() => {
                self.number();
                TokenKind::Number
            }
            b'(' => self.single(TokenKind::OpenParen),
            b')' => self.single(TokenKind::CloseParen),
            b'[' => self.single(TokenKind::OpenBracket),
            b']' => self.single(TokenKind::CloseBracket),
            b',' => self.single(TokenKind::Comma),
            b';' => self.single(TokenKind::Semicolon),
            b'.' => self.single(TokenKind::Dot),
            b':' if self.peek(1) == b':' => {
                self.pos += 2;
                TokenKind::Cast
            }
            b':' => self.single(TokenKind::Colon),
            byte if is_ident_start(byte) => self.word_or_prefixed_string(),
            byte if is_operator_char(byte) => {
                self.operator();
                TokenKind::Operator
            }
            _ => self.single(TokenKind::Other),
        };
        Some(Token {
            kind,
            start,
            end: self.pos,
        })
    }
}

impl Lexer<'_> {
    fn single(&mut self, kind: TokenKind) -> TokenKind {
        self.pos += 1;
        kind
    }

    fn word_or_prefixed_string(&mut self) -> TokenKind {
        let start = self.pos;
        let (first, second, third) = (self.peek(0) | 0x20, self.peek(1), self.peek(2));
        if matches!(first, b'e' | b'b' | b'x' | b'n') && second == b'\'' {
            self.pos += 1;
            self.quoted(b'\'', first == b'e');
            return TokenKind::String;
        }
        if first == b'u' && second == b'&' && matches!(third, b'\'' | b'"') {
            self.pos += 2;
            self.quoted(third, false);
            return if third == b'\'' {
                TokenKind::String
            } else {
                TokenKind::QuotedIdent
            };
        }
        self.pos = start + 1;
        self.take_while(is_ident_continue);
        TokenKind::Word
    }
}

// Byte classes, looked up in one table: identifiers are most of a statement's bytes, and a
// lookup per byte is cheaper than the comparisons that define the classes.
const IDENT_START: u8 = 1;
const IDENT_CONTINUE: u8 = 2;
const OPERATOR: u8 = 4;

const CLASSES: [u8; 256] = {
    let mut classes = [0u8; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        let mut class = 0;
        if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 {
            class |= IDENT_START | IDENT_CONTINUE;
        }
        if b.is_ascii_digit() || b == b'$' {
            class |= IDENT_CONTINUE;
        }
        if matches!(
            b,
            b'+' | b'-'
                | b'*'
                | b'/'
                | b'<'
                | b'>'
                | b'='
                | b'~'
                | b'!'
                | b'@'
                | b'#'
                | b'%'
                | b'^'
                | b'&'
                | b'|'
                | b'`'
                | b'?'
        ) {
            class |= OPERATOR;
        }
        classes[byte] = class;
        byte += 1;
    }
    classes
};

pub fn is_ident_start(byte: u8) -> bool {
    CLASSES[usize::from(byte)] & IDENT_START != 0
}

pub fn is_ident_continue(byte: u8) -> bool {
    CLASSES[usize::from(byte)] & IDENT_CONTINUE != 0
}

fn is_operator_char(byte: u8) -> bool {
    CLASSES[usize::from(byte)] & OPERATOR != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(TokenKind, &str)> {
        Lexer::new(sql.as_bytes())
            .filter(|t| t.kind != TokenKind::Trivia)
            .map(|t| (t.kind, &sql[t.start..t.end]))
            .collect()
    }

    #[test]
    fn literals_of_every_form_are_strings() {
        for sql in [
            "'it''s'",
            "E'a\\'b'",
            "e'x'",
            "B'101'",
            "X'ff'",
            "U&'d\\0061t'",
            "$$a;b$$",
            "$fn$ select 1; $fn$",
        ] {
            assert_eq!(kinds(sql), vec![(TokenKind::String, sql)], "{sql}");
        }
    }

    #[test]
    fn parameters_numbers_and_operators() {
        assert_eq!(
            kinds("a>=$12 and b=-1.5e3 and c->>'k' @> x::int"),
            vec![
                (TokenKind::Word, "a"),
                (TokenKind::Operator, ">="),
                (TokenKind::Param, "$12"),
                (TokenKind::Word, "and"),
                (TokenKind::Word, "b"),
                (TokenKind::Operator, "="),
                (TokenKind::Operator, "-"),
                (TokenKind::Number, "1.5e3"),
                (TokenKind::Word, "and"),
                (TokenKind::Word, "c"),
                (TokenKind::Operator, "->>"),
                (TokenKind::String, "'k'"),
                (TokenKind::Operator, "@>"),
                (TokenKind::Word, "x"),
                (TokenKind::Cast, "::"),
                (TokenKind::Word, "int"),
            ]
        );
    }

    #[test]
    fn comments_are_trivia_even_after_operators() {
        assert_eq!(
            kinds("a =-- note\n1 /* x /* nested */ y */ + 2"),
            vec![
                (TokenKind::Word, "a"),
                (TokenKind::Operator, "="),
                (TokenKind::Number, "1"),
                (TokenKind::Operator, "+"),
                (TokenKind::Number, "2"),
            ]
        );
    }

    #[test]
    fn unterminated_input_never_panics() {
        for sql in [
            "'abc",
            "\"abc",
            "$tag$ abc",
            "/* abc",
            "E'\\",
            "$",
            "0x",
            "1e+",
        ] {
            let tokens: Vec<_> = Lexer::new(sql.as_bytes()).collect();
            assert_eq!(tokens.last().map(|t| t.end), Some(sql.len()), "{sql}");
        }
    }
}
