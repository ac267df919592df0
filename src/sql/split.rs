//! Splits a SQL script into statements at top-level semicolons, the way psql does: quotes,
//! dollar quotes, comments and `BEGIN ATOMIC … END` bodies hide their semicolons; psql
//! meta-commands (`\connect`) and the data of `COPY … FROM stdin` are skipped.

use super::lexer::{Lexer, TokenKind};

/// One statement of a script, without its terminating semicolon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement<'a> {
    pub text: &'a str,
    /// 1-based line of the statement's first token.
    pub line: usize,
}

pub fn split_statements(script: &str) -> Vec<Statement<'_>> {
    let bytes = script.as_bytes();
    let mut statements = Vec::new();
    let mut lexer = Lexer::new(bytes);
    let mut line = 1usize;
    let mut line_counted_to = 0usize;
    let mut start: Option<(usize, usize)> = None;
    let mut atomic_depth = 0usize;
    let mut after_begin = false;
    let mut count_lines_to = |offset: usize, line: &mut usize| {
        *line += memchr::memchr_iter(b'\n', &bytes[line_counted_to..offset]).count();
        line_counted_to = offset;
    };

    while let Some(token) = lexer.next() {
        if token.kind == TokenKind::Trivia {
            continue;
        }
        count_lines_to(token.start, &mut line);
        let text = &bytes[token.start..token.end];
        if start.is_none() && token.kind == TokenKind::Other && text == b"\\" {
            // A psql meta-command runs to the end of its line.
            let end = memchr::memchr(b'\n', &bytes[token.start..])
                .map_or(bytes.len(), |n| token.start + n);
            lexer.seek(end);
            continue;
        }
        let (statement_start, _) = *start.get_or_insert((token.start, line));
        if token.kind == TokenKind::Word {
            match text.to_ascii_lowercase().as_slice() {
                b"atomic" if after_begin => atomic_depth += 1,
                b"case" if atomic_depth > 0 => atomic_depth += 1,
                b"end" if atomic_depth > 0 => atomic_depth -= 1,
                _ => {}
            }
            after_begin = text.eq_ignore_ascii_case(b"begin");
        }
        if token.kind == TokenKind::Semicolon && atomic_depth == 0 {
            let (_, statement_line) = start.take().unwrap_or((statement_start, line));
            let statement = &script[statement_start..token.start];
            statements.push(Statement {
                text: statement.trim_end(),
                line: statement_line,
            });
            if is_copy_from_stdin(statement) {
                let data_end = copy_data_end(bytes, token.end);
                lexer.seek(data_end);
            }
        }
    }
    if let Some((statement_start, statement_line)) = start {
        let rest = script[statement_start..].trim_end();
        if !rest.is_empty() {
            statements.push(Statement {
                text: rest,
                line: statement_line,
            });
        }
    }
    statements
}

fn is_copy_from_stdin(statement: &str) -> bool {
    let lower = statement.trim_start().to_ascii_lowercase();
    lower.starts_with("copy") && lower.contains("from stdin")
}

/// Offset just past the `\.` line that ends COPY data starting at `from`.
fn copy_data_end(bytes: &[u8], from: usize) -> usize {
    let mut line_start =
        memchr::memchr(b'\n', &bytes[from..]).map_or(bytes.len(), |n| from + n + 1);
    while line_start < bytes.len() {
        let line_end =
            memchr::memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |n| line_start + n);
        if bytes[line_start..line_end].trim_ascii_end() == b"\\." {
            return line_end;
        }
        line_start = line_end + 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(script: &str) -> Vec<(&str, usize)> {
        split_statements(script)
            .into_iter()
            .map(|s| (s.text, s.line))
            .collect()
    }

    #[test]
    fn splits_at_top_level_semicolons_only() {
        let script = "select ';';\n-- a; comment\nselect $$a;b$$ /* ; */;\n\nselect 3";
        assert_eq!(
            texts(script),
            vec![
                ("select ';'", 1),
                ("select $$a;b$$ /* ; */", 3),
                ("select 3", 5)
            ]
        );
    }

    #[test]
    fn skips_meta_commands_and_copy_data() {
        let script = "\\connect shop\nCOPY t (a) FROM stdin;\n1\n2;3\n\\.\nselect 1;\n";
        assert_eq!(
            texts(script),
            vec![("COPY t (a) FROM stdin", 2), ("select 1", 6)]
        );
    }

    #[test]
    fn keeps_begin_atomic_bodies_whole() {
        let script = "create function f() returns int begin atomic select case when true then 1 end; select 2; end;select 4;";
        let statements = texts(script);
        assert_eq!(statements.len(), 2, "{statements:?}");
        assert_eq!(statements[1].0, "select 4");
    }
}
