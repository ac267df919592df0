//! A statement read by its words: its tokens without whitespace and comments, for routing
//! statements by their first words and reading by hand the few that sqlparser cannot, both
//! when a schema is loaded and when a migration is checked. Quoted identifiers keep their
//! case and dots (`"Orders"`, `"a.b"`); unquoted words match keywords in any case.

use crate::sql::lexer::{Lexer, TokenKind};
use sqlparser::ast::{Ident, ObjectName};
use sqlparser::keywords::ALL_KEYWORDS;

/// A statement's tokens without whitespace and comments: enough to route it by its first
/// words and to read by hand the few statements sqlparser cannot.
#[derive(Debug, Clone)]
pub struct Words<'a> {
    pub text: &'a str,
    pub tokens: Vec<(TokenKind, usize, usize)>,
}

impl<'a> Words<'a> {
    pub fn new(text: &'a str) -> Self {
        let tokens = Lexer::new(text.as_bytes())
            .filter(|token| token.kind != TokenKind::Trivia)
            .map(|token| (token.kind, token.start, token.end))
            .collect();
        Words { text, tokens }
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn kind(&self, at: usize) -> Option<TokenKind> {
        self.tokens.get(at).map(|&(kind, _, _)| kind)
    }

    pub fn text(&self, at: usize) -> &'a str {
        self.tokens
            .get(at)
            .map_or("", |&(_, start, end)| &self.text[start..end])
    }

    /// Whether the token at `at` is the (unquoted, any case) word `keyword`.
    pub fn is(&self, at: usize, keyword: &str) -> bool {
        self.kind(at) == Some(TokenKind::Word) && self.text(at).eq_ignore_ascii_case(keyword)
    }

    /// The statement's leading keywords, upper-cased (at most four, up to the first name):
    /// what kind of statement it is, to group statements by (`COMMENT ON FUNCTION`,
    /// `CREATE OR REPLACE TRIGGER`, `DO`).
    pub fn head(&self) -> String {
        const MOST: usize = 4;
        // A word before a dot starts a qualified name (`public.t`), whatever the word.
        let keywords = (0..self.len().min(MOST))
            .take_while(|&at| {
                self.kind(at) == Some(TokenKind::Word) && self.kind(at + 1) != Some(TokenKind::Dot)
            })
            .map(|at| self.text(at).to_ascii_uppercase())
            .take_while(|word| ALL_KEYWORDS.binary_search(&word.as_str()).is_ok());
        let head = keywords.collect::<Vec<_>>().join(" ");
        if head.is_empty() {
            // Not a keyword first (`(SELECT …)`, `"weird"`): the first token says enough.
            return self.text(0).chars().take(20).collect();
        }
        head
    }

    pub fn starts_with(&self, keywords: &[&str]) -> bool {
        keywords.iter().enumerate().all(|(at, k)| self.is(at, k))
    }

    /// The first position at or after `from` where `keywords` follow one another.
    pub fn find(&self, from: usize, keywords: &[&str]) -> Option<usize> {
        (from..self.len()).find(|&at| keywords.iter().enumerate().all(|(i, k)| self.is(at + i, k)))
    }

    pub fn ident(&self, at: usize) -> Option<Ident> {
        let text = self.text(at);
        match self.kind(at)? {
            TokenKind::Word => Some(Ident::new(text)),
            TokenKind::QuotedIdent => {
                let inner = text.strip_prefix('"')?.strip_suffix('"')?;
                Some(Ident::with_quote('"', inner.replace("\"\"", "\"")))
            }
            _ => None,
        }
    }

    /// The `)` closing the `(` at `open`.
    pub fn matching_paren(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        (open..self.len()).find(|&at| {
            match self.kind(at) {
                Some(TokenKind::OpenParen) => depth += 1,
                Some(TokenKind::CloseParen) => depth = depth.saturating_sub(1),
                _ => {}
            }
            depth == 0
        })
    }

    /// The actions of `ALTER TABLE [IF EXISTS] [ONLY] name [*] action, …` as the positions
    /// of their first and last tokens.
    pub fn alter_table_actions(&self) -> Option<Vec<(usize, usize)>> {
        let mut at = 2;
        if self.is(at, "IF") && self.is(at + 1, "EXISTS") {
            at += 2;
        }
        if self.is(at, "ONLY") {
            at += 1;
        }
        let (_, mut start) = self.object_name(at)?;
        if self.text(start) == "*" {
            start += 1;
        }
        let mut actions = Vec::new();
        let mut action_start = start;
        let mut depth = 0usize;
        for at in start..self.len() {
            match self.kind(at) {
                Some(TokenKind::OpenParen) => depth += 1,
                Some(TokenKind::CloseParen) => depth = depth.saturating_sub(1),
                Some(TokenKind::Comma) if depth == 0 => {
                    actions.push((action_start, at.checked_sub(1)?));
                    action_start = at + 1;
                }
                _ => {}
            }
        }
        if action_start < self.len() {
            actions.push((action_start, self.len() - 1));
        }
        Some(actions)
    }

    /// A dotted name starting at `at`, and the position after it.
    pub fn object_name(&self, mut at: usize) -> Option<(ObjectName, usize)> {
        let mut parts = vec![self.ident(at)?];
        at += 1;
        while self.kind(at) == Some(TokenKind::Dot) {
            parts.push(self.ident(at + 1)?);
            at += 2;
        }
        Some((ObjectName::from(parts), at))
    }
}
