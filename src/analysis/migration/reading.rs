//! Statements of a migration that sqlparser cannot read and `check` reads all the same: a
//! text it can read once adjacent string literals are joined, and statements whose effect
//! on the running database is known from their words — comments, triggers with string
//! arguments, functions, `DO` blocks (read by MIG030), event triggers, publications, roles,
//! statistics objects, sequence and type options, `ALTER TABLE` actions the catalog does
//! not model. Their locks, if any, are the word lock model's (`word_locks`); what stays
//! unread is reported as `unparsed_statement`.

use crate::model::ddl::alter_table_is_catalog_neutral;
use crate::model::ddl::words::Words;
use crate::sql::lexer::TokenKind;

/// The statement with its adjacent string literals joined (`'a' 'b'` → `'ab'`, which
/// PostgreSQL reads as one constant when a newline separates them); `None` when it has none.
pub fn joined_literals(words: &Words<'_>) -> Option<String> {
    let text = words.text;
    let plain =
        |at: usize| words.kind(at) == Some(TokenKind::String) && words.text(at).starts_with('\'');
    let joints: Vec<(usize, usize)> = (1..words.len())
        .filter(|&at| plain(at - 1) && plain(at))
        .map(|at| (words.tokens[at - 1].2 - 1, words.tokens[at].1 + 1))
        .collect();
    if joints.is_empty() {
        return None;
    }
    let mut joined = String::with_capacity(text.len());
    let mut kept_from = 0;
    for (end, start) in joints {
        joined.push_str(&text[kept_from..end]);
        kept_from = start;
    }
    joined.push_str(&text[kept_from..]);
    Some(joined)
}

/// Whether `check` knows what the statement does from its words, though sqlparser cannot
/// read it.
pub fn read_by_words(words: &Words<'_>) -> bool {
    let is = |at: usize, word: &str| words.is(at, word);
    let first = |list: &[&str]| list.iter().any(|word| is(0, word));
    let object = if is(1, "OR") && is(2, "REPLACE") {
        3
    } else {
        1
    };
    let creates = |kinds: &[&str]| is(0, "CREATE") && kinds.iter().any(|k| is(object, k));
    // Changes to objects that hold no rows: no table is locked beyond the catalog.
    let roles = first(&["CREATE", "ALTER", "DROP"])
        && ["USER", "ROLE", "GROUP", "PUBLICATION", "SUBSCRIPTION"]
            .iter()
            .any(|kind| is(1, kind));
    let event_trigger = first(&["CREATE", "ALTER", "DROP"]) && is(1, "EVENT") && is(2, "TRIGGER");
    let type_or_sequence = is(0, "ALTER") && (is(1, "SEQUENCE") || is(1, "TYPE"));
    // Settings of an index and linking a partition's index: no lock on a table beyond
    // ACCESS SHARE.
    let opens = |at: usize| words.kind(at + 1) == Some(TokenKind::OpenParen);
    let index_setting = words.starts_with(&["ALTER", "INDEX"])
        && (["STATISTICS", "ATTACH"]
            .iter()
            .any(|k| words.find(2, &[k]).is_some())
            || ["SET", "RESET"]
                .iter()
                .any(|k| words.find(2, &[k]).is_some_and(opens)));
    is(0, "REINDEX")
        || is(0, "DO")
        || roles
        || event_trigger
        || type_or_sequence
        || index_setting
        || (creates(&["FUNCTION", "PROCEDURE"]) && has_body(words))
        || (creates(&["TRIGGER", "CONSTRAINT"]) && words.find(object, &["EXECUTE"]).is_some())
        || creates(&["STATISTICS"])
        || is_comment(words)
        || (words.starts_with(&["ALTER", "TABLE"]) && alter_table_is_catalog_neutral(words))
}

/// `COMMENT ON … IS` a string (or several, or a dollar-quoted one) or `NULL`.
fn is_comment(words: &Words<'_>) -> bool {
    if !words.starts_with(&["COMMENT", "ON"]) {
        return false;
    }
    let Some(is) = (2..words.len()).rev().find(|&at| words.is(at, "IS")) else {
        return false;
    };
    let rest = is + 1..words.len();
    let null = rest.len() == 1 && words.is(is + 1, "NULL");
    null || (!rest.is_empty()
        && rest
            .into_iter()
            .all(|at| words.kind(at) == Some(TokenKind::String)))
}

/// A function's body: a string after `AS`, or `BEGIN ATOMIC`.
fn has_body(words: &Words<'_>) -> bool {
    (1..words.len()).any(|at| {
        (words.is(at - 1, "AS") && words.kind(at) == Some(TokenKind::String))
            || (words.is(at - 1, "BEGIN") && words.is(at, "ATOMIC"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::parse::parse_sql;

    /// The forms real histories hold that sqlparser 0.64 rejects: each is read by its words
    /// (the day sqlparser reads one, its case here fails and can go).
    #[test]
    fn what_sqlparser_cannot_read_is_read_by_its_words() {
        for sql in [
            "CREATE TRIGGER t BEFORE INSERT ON t FOR EACH ROW EXECUTE PROCEDURE f('a', 'b')",
            "CREATE OR REPLACE TRIGGER t AFTER UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f('a')",
            "CREATE CONSTRAINT TRIGGER t AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f('a')",
            "COMMENT ON FUNCTION f() IS 'x'",
            "COMMENT ON FUNCTION f(int, text) IS NULL",
            "COMMENT ON TABLE t IS $$x$$",
            "COMMENT ON COLUMN t.c IS 'a'\n 'b'",
            "COMMENT ON TRIGGER tr ON t IS 'x'",
            "COMMENT ON CONSTRAINT c ON t IS 'x'",
            "ALTER TABLE t ALTER COLUMN c SET (n_distinct = 100)",
            "ALTER TABLE ONLY t ALTER COLUMN c SET STATISTICS 1000, ALTER CONSTRAINT k NOT DEFERRABLE",
            "ALTER SEQUENCE s AS integer",
            "ALTER SEQUENCE s RESTART WITH 10",
            "ALTER TYPE mood OWNER TO app",
            "CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION f()",
            "ALTER EVENT TRIGGER e DISABLE",
            "DROP EVENT TRIGGER e",
            "CREATE PUBLICATION p FOR TABLE t",
            "ALTER PUBLICATION p ADD TABLE t",
            "DROP PUBLICATION p",
            "CREATE USER u WITH PASSWORD 'x' LOGIN",
            "CREATE STATISTICS s ON a, b FROM t",
            "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql COST 100 AS $$ SELECT 1 $$",
            "DO $$ BEGIN PERFORM 1; END $$",
            "DO LANGUAGE plpgsql $$ BEGIN END $$",
            "ALTER INDEX i ALTER COLUMN 1 SET STATISTICS 3000",
            "ALTER INDEX i SET (fillfactor = 80)",
            "ALTER INDEX parent_idx ATTACH PARTITION child_idx",
        ] {
            assert!(parse_sql(sql).is_err(), "sqlparser reads it now: {sql}");
            assert!(read_by_words(&Words::new(sql)), "{sql}");
        }
    }

    #[test]
    fn statements_that_change_tables_are_not_read_by_words() {
        for sql in [
            "ALTER TABLE t ALTER CONSTRAINT k NOT DEFERRABLE, ADD CHECK (a > 0)",
            "ALTER TABLE t FROB",
            "COMMENT ON TABLE t IS",
            "CREATE FUNCTION f() RETURNS int",
            "CREATE TABLE t (a int WEIRD)",
            "ALTER INDEX i SET TABLESPACE slow",
        ] {
            assert!(!read_by_words(&Words::new(sql)), "{sql}");
        }
    }

    #[test]
    fn adjacent_literals_are_joined_into_one() {
        let sql = "INSERT INTO t VALUES ('a'\n  'b', E'c'\n'd', 'e')";
        let joined = joined_literals(&Words::new(sql)).unwrap();
        assert_eq!(joined, "INSERT INTO t VALUES ('ab', E'c'\n'd', 'e')");
        assert!(joined_literals(&Words::new("SELECT 'a', 'b'")).is_none());
    }
}
