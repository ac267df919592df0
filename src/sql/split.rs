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

/// A script's statements, and the `COPY … FROM stdin` whose data has no `\.` line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script<'a> {
    pub statements: Vec<Statement<'a>>,
    pub unterminated_copies: Vec<UnterminatedCopy>,
}

/// A `COPY … FROM stdin` whose data never ends: its data was taken to stop before the first
/// line that starts a statement, where reading went on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnterminatedCopy {
    /// 1-based line of the `COPY`.
    pub line: usize,
    /// 1-based line statements were read again from (past the end when none follows).
    pub resumed_at: usize,
}

pub fn split_statements(script: &str) -> Vec<Statement<'_>> {
    split_script(script).statements
}

pub fn split_script(script: &str) -> Script<'_> {
    let bytes = script.as_bytes();
    let mut statements = Vec::new();
    let mut unterminated_copies = Vec::new();
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
                match copy_data_end(bytes, token.end, statement) {
                    CopyEnd::Terminated(end) => lexer.seek(end),
                    CopyEnd::Unterminated(resume) => {
                        lexer.seek(resume);
                        unterminated_copies.push(UnterminatedCopy {
                            line: statement_line,
                            resumed_at: line
                                + memchr::memchr_iter(b'\n', &bytes[token.start..resume]).count(),
                        });
                    }
                }
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
    Script {
        statements,
        unterminated_copies,
    }
}

fn is_copy_from_stdin(statement: &str) -> bool {
    let lower = statement.trim_start().to_ascii_lowercase();
    lower.starts_with("copy") && lower.contains("from stdin")
}

enum CopyEnd {
    /// Offset just past the `\.` line.
    Terminated(usize),
    /// No `\.` before the end or before the next `COPY … FROM stdin;`: the offset of the
    /// first line that starts a statement (or the end of the script).
    Unterminated(usize),
}

/// Where the data of `copy` (ending at `from`, its semicolon) ends. Data lines are taken
/// as they come up to the `\.`; only when it is missing do lines that look like statements
/// count, so a value such as `CREATE x` in a terminated block stays data.
fn copy_data_end(bytes: &[u8], from: usize, copy: &str) -> CopyEnd {
    let mut tabs = copy_column_count(copy).map(|columns| columns.saturating_sub(1));
    let mut first_statement = None;
    let mut line_start =
        memchr::memchr(b'\n', &bytes[from..]).map_or(bytes.len(), |n| from + n + 1);
    while line_start < bytes.len() {
        let line_end =
            memchr::memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |n| line_start + n);
        let line = bytes[line_start..line_end].trim_ascii_end();
        if line == b"\\." {
            return CopyEnd::Terminated(line_end);
        }
        let row_tabs = *tabs.get_or_insert_with(|| memchr::memchr_iter(b'\t', line).count());
        if looks_like_statement(line, row_tabs) {
            first_statement.get_or_insert(line_start);
            if is_copy_from_stdin(&String::from_utf8_lossy(line)) && line.ends_with(b";") {
                break;
            }
        }
        line_start = line_end + 1;
    }
    CopyEnd::Unterminated(first_statement.unwrap_or(bytes.len()))
}

/// The columns `COPY table (a, b, …) FROM stdin` lists.
fn copy_column_count(copy: &str) -> Option<usize> {
    let open = copy.find('(')?;
    let close = open + copy[open..].find(')')?;
    let from = copy.to_ascii_lowercase().find(" from ")?;
    (close < from).then(|| copy[open + 1..close].split(',').count())
}

/// Whether a line inside COPY data starts a statement: a statement keyword at its start, and
/// not the tab-separated row the data's rows are (`row_tabs` tabs each).
fn looks_like_statement(line: &[u8], row_tabs: usize) -> bool {
    const KEYWORDS: [&[u8]; 17] = [
        b"alter",
        b"analyze",
        b"begin",
        b"comment",
        b"commit",
        b"copy",
        b"create",
        b"delete",
        b"drop",
        b"grant",
        b"insert",
        b"refresh",
        b"revoke",
        b"select",
        b"set",
        b"truncate",
        b"update",
    ];
    let word_end = line
        .iter()
        .position(|b| !b.is_ascii_alphabetic())
        .unwrap_or(line.len());
    let (word, rest) = line.split_at(word_end);
    KEYWORDS.iter().any(|k| word.eq_ignore_ascii_case(k))
        && rest
            .first()
            .is_none_or(|b| b.is_ascii_whitespace() || *b == b';')
        && (row_tabs == 0 || memchr::memchr_iter(b'\t', line).count() != row_tabs)
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
    fn an_unterminated_copy_ends_at_the_first_line_that_starts_a_statement() {
        let script = "COPY t (a, b) FROM stdin;\n1\tCREATE x\n\n-- c\nCREATE INDEX i ON t (a);\n\
                      COPY u (a) FROM stdin;\nx\n\\.\nselect 1;\n";
        let split = split_script(script);
        let texts: Vec<_> = split.statements.iter().map(|s| (s.text, s.line)).collect();
        assert_eq!(
            texts,
            vec![
                ("COPY t (a, b) FROM stdin", 1),
                ("CREATE INDEX i ON t (a)", 5),
                ("COPY u (a) FROM stdin", 6),
                ("select 1", 9)
            ]
        );
        assert_eq!(
            split.unterminated_copies,
            [UnterminatedCopy {
                line: 1,
                resumed_at: 5
            }]
        );
        // Terminated, the same lines are data.
        let terminated = "COPY t (a) FROM stdin;\nCREATE x\nselect 2\n\\.\nselect 1;\n";
        let split = split_script(terminated);
        assert_eq!(split.statements.len(), 2);
        assert!(split.unterminated_copies.is_empty());
        // Unterminated at the end of the script: a one-column row may start with a keyword.
        let split = split_script("COPY t (a) FROM stdin;\nx\nCREATE INDEX i ON t (a);\n");
        assert_eq!(split.statements[1].text, "CREATE INDEX i ON t (a)");
        assert_eq!(split.unterminated_copies[0].resumed_at, 3);
    }

    #[test]
    fn keeps_begin_atomic_bodies_whole() {
        let script = "create function f() returns int begin atomic select case when true then 1 end; select 2; end;select 4;";
        let statements = texts(script);
        assert_eq!(statements.len(), 2, "{statements:?}");
        assert_eq!(statements[1].0, "select 4");
    }
}
