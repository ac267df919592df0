//! A migration file as statements with their place in the file and the suppression
//! comments that apply to them: `-- planwise-ignore RULE[, RULE…]` before a statement, inside
//! it or after it on its last line; `-- planwise-ignore-file RULE[, …]` anywhere for the
//! whole file. Rules are named by id (`MIG001`) or name (`non-concurrent-index`).

use crate::model::ddl::loader::up_migration;
use crate::model::ddl::words::Words;
use crate::sql::lexer::{Lexer, TokenKind};
use crate::sql::split::split_statements;

const IGNORE: &str = "planwise-ignore";
const IGNORE_FILE: &str = "planwise-ignore-file";

/// One statement of a migration file.
#[derive(Debug, Clone)]
pub struct MigrationStatement<'a> {
    pub text: &'a str,
    /// 1-based line and column (in characters) of its first token.
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    /// Its words, read once for the rules that route by them and for the schema loader.
    pub words: Words<'a>,
    /// Rule ids or names its suppression comments name.
    pub ignored: Vec<String>,
}

/// A file's statements and its file-wide suppressions.
#[derive(Debug, Clone)]
pub struct MigrationFile<'a> {
    pub statements: Vec<MigrationStatement<'a>>,
    pub ignored: Vec<String>,
    /// Suppression comments with their line, to report the ones naming no rule.
    pub suppressions: Vec<(usize, String)>,
}

/// Whether a list of suppressed rules names the rule of this id and name.
pub fn names_rule(list: &[String], id: &str, name: &str) -> bool {
    list.iter()
        .any(|r| r.eq_ignore_ascii_case(id) || r.eq_ignore_ascii_case(name))
}

/// A comment's suppression: the rules it names and whether it covers the whole file.
struct Suppression {
    offset: usize,
    line: usize,
    file_wide: bool,
    rules: Vec<String>,
}

pub fn read_migration(script: &str) -> MigrationFile<'_> {
    let script = up_migration(script);
    let suppressions = suppressions(script);
    let mut statements: Vec<MigrationStatement<'_>> = split_statements(script)
        .into_iter()
        .map(|statement| {
            let start = statement.text.as_ptr() as usize - script.as_ptr() as usize;
            let line_start = script[..start].rfind('\n').map_or(0, |n| n + 1);
            MigrationStatement {
                text: statement.text,
                line: statement.line,
                column: script[line_start..start].chars().count() + 1,
                end_line: statement.line + statement.text.matches('\n').count(),
                words: Words::new(statement.text),
                ignored: Vec::new(),
            }
        })
        .collect();
    let mut file_ignored = Vec::new();
    for suppression in &suppressions {
        if suppression.file_wide {
            file_ignored.extend(suppression.rules.iter().cloned());
            continue;
        }
        // A comment after a statement on its last line is about that statement; any other
        // is about the statement it sits in or the next one.
        let target = statements
            .iter()
            .position(|s| {
                s.end_line == suppression.line && offset_of(script, s) < suppression.offset
            })
            .or_else(|| {
                statements
                    .iter()
                    .position(|s| s.end_line >= suppression.line)
            });
        if let Some(target) = target {
            statements[target]
                .ignored
                .extend(suppression.rules.iter().cloned());
        }
    }
    MigrationFile {
        statements,
        ignored: file_ignored,
        suppressions: suppressions
            .into_iter()
            .flat_map(|s| s.rules.into_iter().map(move |rule| (s.line, rule)))
            .collect(),
    }
}

fn offset_of(script: &str, statement: &MigrationStatement<'_>) -> usize {
    statement.text.as_ptr() as usize - script.as_ptr() as usize
}

/// The suppression comments of a script (comments only: not text in strings).
fn suppressions(script: &str) -> Vec<Suppression> {
    let bytes = script.as_bytes();
    // Most files have none: one search of the text spares lexing it.
    if memchr::memmem::find(bytes, IGNORE.as_bytes()).is_none() {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut line = 1;
    let mut counted_to = 0;
    for token in Lexer::new(bytes) {
        if token.kind != TokenKind::Trivia {
            continue;
        }
        let text = &script[token.start..token.end];
        let Some(at) = text.find(IGNORE) else {
            continue;
        };
        line += memchr::memchr_iter(b'\n', &bytes[counted_to..token.start + at]).count();
        counted_to = token.start + at;
        let comment_start = text[..at].rfind("--").or_else(|| text[..at].rfind("/*"));
        if comment_start.is_none() {
            continue;
        }
        let rest = &text[at..];
        let (file_wide, rest) = match rest.strip_prefix(IGNORE_FILE) {
            Some(rest) => (true, rest),
            None => (false, &rest[IGNORE.len()..]),
        };
        let rest = rest.split(['\n', '*']).next().unwrap_or("");
        let rules = rest
            .split([',', ' ', '\t'])
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect();
        found.push(Suppression {
            offset: token.start + at,
            line,
            file_wide,
            rules,
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_know_their_place() {
        let file = read_migration("SET lock_timeout = '2s';\n\n  CREATE INDEX i\n  ON t (a);\n");
        let places: Vec<_> = file
            .statements
            .iter()
            .map(|s| (s.line, s.column, s.end_line))
            .collect();
        assert_eq!(places, [(1, 1, 1), (3, 3, 4)]);
    }

    #[test]
    fn comments_suppress_the_statement_they_are_about() {
        let file = read_migration(
            "-- planwise-ignore MIG001\nCREATE INDEX a ON t (x);\n\
             CREATE INDEX b ON t (y); -- planwise-ignore MIG002, MIG003\n\
             CREATE INDEX c ON t (z);\n\
             SELECT '-- planwise-ignore MIG004';\n\
             /* planwise-ignore-file non-concurrent-index */",
        );
        let ignored: Vec<_> = file.statements.iter().map(|s| s.ignored.clone()).collect();
        assert_eq!(
            ignored,
            [
                vec!["MIG001".to_string()],
                vec!["MIG002".to_string(), "MIG003".to_string()],
                vec![],
                vec![],
            ]
        );
        assert_eq!(file.ignored, ["non-concurrent-index"]);
        assert!(names_rule(&file.ignored, "MIG001", "non-concurrent-index"));
        assert!(!names_rule(&file.ignored, "MIG002", "other"));
    }
}
