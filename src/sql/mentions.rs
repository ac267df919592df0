//! The names in a statement's text through which it could make a server call a function:
//! every word (a function name, a relation whose view body, defaults or policies call one, or
//! attribute notation `t.f`, which is `f(t)`), the words called with `(`, and the operators.
//! What the live session's safety gate looks up in the catalog before a logged statement is
//! planned or run (`db::safety`). Conservative by design: a name that might be a function is
//! listed; a string constant or a comment never is.

use super::lexer::{Lexer, TokenKind};
use std::collections::BTreeSet;

/// Names as PostgreSQL resolves them: unquoted words folded to lower case, quoted ones as
/// written.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Mentions {
    /// Every identifier or keyword.
    pub words: BTreeSet<String>,
    /// The words followed by `(`: function calls (and keywords such as `IN (`).
    pub calls: BTreeSet<String>,
    pub operators: BTreeSet<String>,
}

impl Mentions {
    /// Adds what `text` mentions.
    pub fn add_text(&mut self, text: &str) {
        let tokens: Vec<_> = Lexer::new(text.as_bytes())
            .filter(|t| t.kind != TokenKind::Trivia)
            .collect();
        for (position, token) in tokens.iter().enumerate() {
            let raw = &text[token.start..token.end];
            let name = match token.kind {
                TokenKind::Word => raw.to_ascii_lowercase(),
                TokenKind::QuotedIdent => unquote(raw),
                TokenKind::Operator => {
                    self.operators.insert(raw.to_string());
                    continue;
                }
                _ => continue,
            };
            let called = tokens
                .get(position + 1)
                .is_some_and(|next| next.kind == TokenKind::OpenParen);
            if called {
                self.calls.insert(name.clone());
            }
            self.words.insert(name);
        }
    }

    /// Adds a function name given on its own (a plan's `Function Name`).
    pub fn add_call(&mut self, name: &str) {
        self.calls.insert(name.to_string());
        self.words.insert(name.to_string());
    }
}

/// What `text` mentions.
pub fn mentions(text: &str) -> Mentions {
    let mut mentions = Mentions::default();
    mentions.add_text(text);
    mentions
}

/// The statement's first keyword, lower-cased (`select`, `with`, `explain`, …), past comments
/// and opening parentheses.
pub fn leading_keyword(text: &str) -> Option<String> {
    Lexer::new(text.as_bytes())
        .find(|t| !matches!(t.kind, TokenKind::Trivia | TokenKind::OpenParen))
        .filter(|t| t.kind == TokenKind::Word)
        .map(|t| text[t.start..t.end].to_ascii_lowercase())
}

/// `"My ""Name"""` → `My "Name"`.
fn unquote(quoted: &str) -> String {
    let inner = quoted.strip_prefix('"').unwrap_or(quoted);
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    inner.replace("\"\"", "\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn words_calls_and_operators_but_never_constants_or_comments() {
        let m = mentions(
            "/* evil() */ SELECT \"Odd\"\"Fn\"(o.id), Lower(name) -- pg_sleep(1)\n\
             FROM orders o WHERE note = 'dblink_exec(x)' AND o.total @> $1 AND x.f",
        );
        assert_eq!(m.calls, set(&["Odd\"Fn", "lower"]));
        assert!(m.words.contains("orders") && m.words.contains("f"));
        assert!(!m.words.contains("evil") && !m.words.contains("pg_sleep"));
        assert!(!m.words.contains("dblink_exec"));
        assert_eq!(m.operators, set(&["=", "@>"]));
    }

    #[test]
    fn leading_keyword_skips_comments_and_parentheses() {
        assert_eq!(
            leading_keyword("-- hi\n ((SELECT 1))").as_deref(),
            Some("select")
        );
        assert_eq!(
            leading_keyword("/* x */ Explain SELECT 1").as_deref(),
            Some("explain")
        );
        assert_eq!(leading_keyword("'text'"), None);
        assert_eq!(leading_keyword(""), None);
    }
}
