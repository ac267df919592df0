//! Statement templates: the fingerprinter's fastest path.
//!
//! Logged statements of one shape mostly differ only in the digits of their numbers and the
//! insides of their strings. A template is a statement's text with those cut out; a later
//! statement that equals it byte for byte around the gaps lexes into the same tokens but the
//! constants' texts, so it has the same skeleton and fingerprint, and is recognised by a
//! comparison rather than a pass of the lexer.
//!
//! Why equal text around the gaps means equal tokens: a gap holds a whole constant token in
//! both statements (digits only, or the inside of a plain `'…'` string: in the later one, up
//! to its first quote, and the text after it is that quote and a byte that is not a quote),
//! and the lexer decides where a token ends from the bytes after it, which are the same.
//! Statements where that could fail are given no template: other constants (decimals,
//! `E'…'`, dollar quotes), a letter right after digits (`0x1f` is one number) and `OFFSET`,
//! whose row count the fingerprint reads from the constant.

use super::lexer::{Lexer, TokenKind};
use xxhash_rust::xxh3::xxh3_64;

/// What fills a gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gap {
    /// The digits of an integer.
    Digits,
    /// The inside of a `'…'` string (its quotes are part of the text around it).
    Quoted,
}

#[derive(Debug)]
pub struct Template {
    /// The statement without its gaps.
    text: Box<[u8]>,
    /// Where each gap is in `text`, in order.
    gaps: Box<[(usize, Gap)]>,
}

/// The key templates are filed under: the hash of the text before the first digit or quote,
/// which a statement and its template share.
pub fn head_hash(sql: &[u8]) -> u64 {
    let stops = |b: &u8| b.is_ascii_digit() || *b == b'\'';
    // Sixteen bytes at a time without an early exit (vector code), then the one that stops.
    let chunk = sql
        .chunks(16)
        .position(|chunk| chunk.iter().fold(false, |found, b| found | stops(b)))
        .unwrap_or(sql.len() / 16);
    let from = chunk * 16;
    let end = sql[from..]
        .iter()
        .position(stops)
        .map_or(sql.len(), |at| from + at);
    xxh3_64(&sql[..end])
}

impl Template {
    /// The template of `sql`, when it has constants and all of them can be gaps.
    pub fn of(sql: &[u8]) -> Option<Template> {
        let mut text = Vec::with_capacity(sql.len());
        let mut gaps = Vec::new();
        let mut copied = 0;
        let mut lexer = Lexer::new(sql);
        while let Some(token) = lexer.next_significant() {
            let token_text = &sql[token.start..token.end];
            let (gap, start, end) = match token.kind {
                TokenKind::Number if token_text.iter().all(u8::is_ascii_digit) => {
                    let next = sql.get(token.end).copied().unwrap_or(b' ');
                    if next.is_ascii_alphabetic() || next == b'_' {
                        return None;
                    }
                    (Gap::Digits, token.start, token.end)
                }
                TokenKind::String
                    if token_text.len() >= 2
                        && token_text[0] == b'\''
                        && token_text.ends_with(b"'") =>
                {
                    (Gap::Quoted, token.start + 1, token.end - 1)
                }
                TokenKind::String | TokenKind::Number => return None,
                TokenKind::Word if token_text.eq_ignore_ascii_case(b"offset") => return None,
                _ => continue,
            };
            text.extend_from_slice(&sql[copied..start]);
            gaps.push((text.len(), gap));
            copied = end;
        }
        text.extend_from_slice(&sql[copied..]);
        (!gaps.is_empty()).then(|| Template {
            text: text.into(),
            gaps: gaps.into(),
        })
    }

    /// Bytes it holds.
    pub fn size(&self) -> usize {
        self.text.len() + self.gaps.len() * std::mem::size_of::<(usize, Gap)>()
    }

    /// When `sql` is this template filled in: its constants' hash, as the fingerprinter's
    /// skeleton pass computes it.
    pub fn values_hash(&self, sql: &[u8]) -> Option<u64> {
        let (mut at, mut from) = (0, 0);
        let mut values_hash = 0u64;
        for &(gap_at, gap) in &self.gaps {
            let piece = &self.text[from..gap_at];
            if !sql.get(at..)?.starts_with(piece) {
                return None;
            }
            (at, from) = (at + piece.len(), gap_at);
            let rest = &sql[at..];
            let constant = match gap {
                Gap::Digits => {
                    let len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
                    if len == 0 {
                        return None;
                    }
                    at += len;
                    &rest[..len]
                }
                Gap::Quoted => {
                    // The closing quote is the first one; the text after the gap starts with it.
                    let len = memchr::memchr(b'\'', rest)?;
                    at += len;
                    &sql[at - len - 1..=at]
                }
            };
            values_hash = values_hash.rotate_left(7) ^ xxh3_64(constant);
        }
        (sql.get(at..)? == &self.text[from..]).then_some(values_hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(template: &str, sql: &str) -> Option<u64> {
        Template::of(template.as_bytes())?.values_hash(sql.as_bytes())
    }

    #[test]
    fn a_statement_fills_the_template_of_another_with_other_constants() {
        let template = "SELECT * FROM t1 WHERE id = 42 AND name = 'bob' LIMIT 5";
        assert!(
            filled(
                template,
                "SELECT * FROM t1 WHERE id = 7 AND name = '' LIMIT 50"
            )
            .is_some()
        );
        assert_eq!(
            head_hash(template.as_bytes()),
            head_hash(b"SELECT * FROM t1 WHERE id = 9 AND name = 'x' LIMIT 1")
        );
        for other in [
            "SELECT * FROM t1 WHERE id = 7.5 AND name = 'x' LIMIT 5",
            "SELECT * FROM t1 WHERE id = 7 AND name = 'x''y' LIMIT 5",
            "SELECT * FROM t1 WHERE id = 7 AND name = 'x' LIMIT 5 ",
            "SELECT * FROM t1 WHERE id =  7 AND name = 'x' LIMIT 5",
            "SELECT * FROM t1 WHERE id = x AND name = 'x' LIMIT 5",
            "SELECT * FROM t1 WHERE id = 7 AND name = 'x' LIMIT 5e3",
            "SELECT * FROM t1 WHERE id = 7 AND name = 'x",
        ] {
            assert_eq!(filled(template, other), None, "{other}");
        }
    }

    #[test]
    fn statements_whose_tokens_could_shift_have_no_template() {
        for sql in [
            "SELECT 1.5",
            "SELECT E'a'",
            "SELECT $$a$$",
            "SELECT 5x",
            "SELECT id FROM t LIMIT 10 OFFSET 20",
            "SELECT id FROM t WHERE a = $1",
        ] {
            assert!(Template::of(sql.as_bytes()).is_none(), "{sql}");
        }
    }
}
