//! ## What it finds
//! A `DO` block that runs DDL on tables, views or indexes — written in its body, or built as
//! a string for `EXECUTE` — and a function or procedure whose body runs such DDL through
//! `EXECUTE`. planwise checks the statements of a migration, not what a PL/pgSQL body runs:
//! that DDL is not checked.
//!
//! ## Why it matters
//! The DDL in the body takes the same locks, rewrites the same tables and fails the same way
//! as when written as a statement, but no other rule sees it: a migration that hides an
//! `ALTER TABLE … ADD COLUMN … DEFAULT random()` or a `CREATE INDEX` without `CONCURRENTLY`
//! in a `DO` block passes the check. A dynamic statement's text is only known when it runs.
//!
//! ## Example
//! ```sql
//! DO $$
//! BEGIN
//!   IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'orders'::regclass
//!                  AND attname = 'note') THEN
//!     ALTER TABLE orders ADD COLUMN note text NOT NULL DEFAULT '';
//!   END IF;
//! END $$;
//! ```
//!
//! ## Instead
//! Write the DDL as statements of the migration (`IF NOT EXISTS` forms cover most reasons
//! for a `DO` block), so that they are checked:
//! ```sql
//! ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text NOT NULL DEFAULT '';
//! ```
//!
//! ## How severity is decided
//! Always a warning: what the DDL does to which table is not known.

use crate::analysis::migration::StatementContext;
use crate::findings::{Category, Finding, Severity};
use crate::model::ddl::words::Words;
use crate::rules::{Check, Rule};
use crate::sql::lexer::TokenKind;

pub static RULE: Rule = Rule {
    id: "MIG030",
    name: "dynamic-sql-not-checked",
    category: Category::Migration,
    severity: Severity::Warning,
    source: include_str!("dynamic_sql_not_checked.rs"),
    check: Check::Migration(check),
};

/// Objects that hold no rows: DDL on them locks no table.
const ROWLESS_OBJECTS: &[&str] = &[
    "AGGREGATE",
    "CAST",
    "COLLATION",
    "EXTENSION",
    "FUNCTION",
    "GROUP",
    "LANGUAGE",
    "OPERATOR",
    "PROCEDURE",
    "PUBLICATION",
    "ROLE",
    "SCHEMA",
    "SEQUENCE",
    "SUBSCRIPTION",
    "TEXT",
    "TYPE",
    "USER",
];

const DDL_VERBS: &[&str] = &[
    "ALTER", "CREATE", "DROP", "TRUNCATE", "REINDEX", "CLUSTER", "LOCK",
];

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let words = &context.statement.words;
    let object = if words.is(1, "OR") && words.is(2, "REPLACE") {
        3
    } else {
        1
    };
    let (what, ddl) = if words.is(0, "DO") {
        let body = (0..words.len()).find(|&at| {
            words.kind(at) == Some(TokenKind::String) && !words.is(at.wrapping_sub(1), "LANGUAGE")
        });
        (
            "the DO block runs",
            body.and_then(|at| body_ddl(words, at, false)),
        )
    } else if words.is(0, "CREATE")
        && (words.is(object, "FUNCTION") || words.is(object, "PROCEDURE"))
    {
        let body = (1..words.len())
            .find(|&at| words.is(at - 1, "AS") && words.kind(at) == Some(TokenKind::String));
        (
            "the function's body runs, through EXECUTE,",
            body.and_then(|at| body_ddl(words, at, true)),
        )
    } else {
        return;
    };
    let Some(ddl) = ddl else {
        return;
    };
    out.push(Finding {
        message: format!(
            "not checked: dynamic SQL — {what} DDL ({ddl} …) that planwise does not read: the \
             locks it takes and what it does to the tables are not checked; write it as \
             statements of the migration"
        ),
        ..RULE.finding_at(context)
    });
}

/// The first DDL the body (the string at `at`) runs: its leading words. Only what it builds
/// for `EXECUTE` when `dynamic_only`.
fn body_ddl(words: &Words<'_>, at: usize, dynamic_only: bool) -> Option<String> {
    let body = string_content(words.text(at));
    let body = Words::new(&body);
    if !dynamic_only && let Some(found) = (0..body.len()).find_map(|at| ddl_at(&body, at)) {
        return Some(found);
    }
    body.find(0, &["EXECUTE"])?;
    (0..body.len())
        .filter(|&at| body.kind(at) == Some(TokenKind::String))
        .find_map(|at| {
            let built = string_content(body.text(at));
            ddl_at(&Words::new(&built), 0)
        })
}

/// DDL starting at `at` on something that holds rows (or on something not named).
fn ddl_at(words: &Words<'_>, at: usize) -> Option<String> {
    let verb = DDL_VERBS.iter().find(|verb| words.is(at, verb))?;
    let statement_start = at == 0
        || matches!(words.kind(at - 1), Some(TokenKind::Semicolon))
        || ["THEN", "ELSE", "LOOP", "BEGIN"]
            .iter()
            .any(|k| words.is(at - 1, k));
    if !statement_start {
        return None;
    }
    let mut object = at + 1;
    if words.is(object, "OR") && words.is(object + 1, "REPLACE") {
        object += 2;
    }
    if ROWLESS_OBJECTS.iter().any(|kind| words.is(object, kind)) {
        return None;
    }
    let next = words.kind(object) == Some(TokenKind::Word);
    Some(if next {
        format!("{verb} {}", words.text(object).to_ascii_uppercase())
    } else {
        verb.to_string()
    })
}

/// A string constant's text: `'…'` without its quotes (`''` as `'`), `$tag$…$tag$` without
/// its tags.
fn string_content(literal: &str) -> String {
    if let Some(inner) = literal
        .strip_prefix('\'')
        .and_then(|l| l.strip_suffix('\''))
    {
        return inner.replace("''", "'");
    }
    if literal.starts_with('$')
        && let Some(open) = literal[1..].find('$')
    {
        let tag = &literal[..open + 2];
        if let Some(inner) = literal[tag.len()..].strip_suffix(tag) {
            return inner.to_string();
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ddl_of(sql: &str, dynamic_only: bool) -> Option<String> {
        let words = Words::new(sql);
        let body = (0..words.len()).rfind(|&at| words.kind(at) == Some(TokenKind::String))?;
        body_ddl(&words, body, dynamic_only)
    }

    #[test]
    fn ddl_is_found_in_bodies_written_or_built() {
        let written = "DO $$ BEGIN IF true THEN ALTER TABLE t ADD COLUMN c int; END IF; END $$";
        assert_eq!(ddl_of(written, false).as_deref(), Some("ALTER TABLE"));
        assert_eq!(ddl_of(written, true), None);
        let built = "CREATE FUNCTION f() RETURNS void AS $f$ BEGIN \
                     EXECUTE 'DROP VIEW' || ' ' || v; END $f$ LANGUAGE plpgsql";
        assert_eq!(ddl_of(built, true).as_deref(), Some("DROP VIEW"));
        let quoted = "DO 'BEGIN EXECUTE format(''create index on %I (a)'', t); END'";
        assert_eq!(ddl_of(quoted, false).as_deref(), Some("CREATE INDEX"));
    }

    #[test]
    fn bodies_without_ddl_on_tables_are_left_alone() {
        for sql in [
            "DO $$ BEGIN INSERT INTO t SELECT 1; END $$",
            "DO $$ BEGIN CREATE EXTENSION btree_gin; END $$",
            "DO $$ BEGIN IF TG_OP = 'TRUNCATE' THEN RETURN; END IF; END $$",
            "DO $$ BEGIN RAISE NOTICE 'alter table t'; END $$",
            "DO $$ BEGIN EXECUTE 'CREATE SCHEMA s'; END $$",
        ] {
            assert_eq!(ddl_of(sql, false), None, "{sql}");
        }
    }
}
