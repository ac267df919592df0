//! The locks of statements read by their words rather than sqlparser's tree: the ones it
//! cannot read (`ALTER TABLE … SET STATISTICS`, `ALTER DOMAIN`, `REINDEX`, a backfill that
//! starts with `WITH`, `CREATE STATISTICS`) and the ones whose tree says nothing of locks
//! (triggers, comments).
//! Each lock is the one PostgreSQL 15 takes, as `tests/migration_judge.rs` checks on the
//! server.

use super::StatementContext;
use super::locks::Work;
use crate::findings::LockMode;
use crate::model::catalog::QualifiedName;
use crate::model::ddl::is_irrelevant_action;
use crate::model::ddl::words::Words;
use crate::sql::lexer::TokenKind;

/// A table a statement locks, when it can be named, with the lock and the work under it.
pub type WordLock = (Option<QualifiedName>, LockMode, Work);

/// The locks of a statement known by its words; empty for one that locks no table.
pub fn locks_by_words(context: &StatementContext<'_>) -> Vec<WordLock> {
    let is = |words: &[&str]| context.starts_with(words);
    if is(&["UPDATE"]) || is(&["DELETE"]) || is(&["WITH"]) {
        return backfill(context).into_iter().collect();
    }
    if is(&["REINDEX"]) {
        return reindex(context).into_iter().collect();
    }
    if is(&["ALTER", "TABLE"]) {
        return unparsed_alter_table(context);
    }
    if is(&["ALTER", "DOMAIN"]) {
        return domain_validation(context);
    }
    let named = |words: &[&str], lock: LockMode| {
        let table = context
            .object_after(words)
            .and_then(|name| context.assumed_table(&name));
        vec![(table, lock, Work::Catalog)]
    };
    if is(&["CREATE"]) && trigger_keyword(context).is_some() {
        return named(&["ON"], LockMode::ShareRowExclusive);
    }
    if is(&["CREATE"]) && context.words_include("INDEX") && context.words_include("ONLY") {
        // pg_dump's `CREATE INDEX … ON ONLY parent`: the partitioned table's own index,
        // nothing to build.
        return named(&["ONLY"], LockMode::Share);
    }
    if is(&["CREATE", "STATISTICS"]) {
        return named(&["FROM"], LockMode::ShareUpdateExclusive);
    }
    if is(&["DROP", "TRIGGER"]) {
        return named(&["ON"], LockMode::AccessExclusive);
    }
    if is(&["COMMENT", "ON", "TABLE"]) {
        return named(&["TABLE"], LockMode::ShareUpdateExclusive);
    }
    if is(&["COMMENT", "ON", "COLUMN"]) {
        // `table.column`: the table is the name without its last part.
        let table = context.object_after(&["COLUMN"]).and_then(|mut name| {
            name.0.pop();
            (!name.0.is_empty())
                .then(|| context.assumed_table(&name))
                .flatten()
        });
        return vec![(table, LockMode::ShareUpdateExclusive, Work::Catalog)];
    }
    Vec::new()
}

/// `CREATE [OR REPLACE] [CONSTRAINT] TRIGGER`: the position of `TRIGGER`.
fn trigger_keyword(context: &StatementContext<'_>) -> Option<usize> {
    let words = &context.statement.words;
    (1..words.len().min(5)).find(|&at| words.is(at, "TRIGGER"))
}

/// A backfill — `UPDATE`, `DELETE`, or either after `WITH` — changes as many rows as it
/// matches, under ROW EXCLUSIVE.
fn backfill(context: &StatementContext<'_>) -> Option<WordLock> {
    let words = &context.statement.words;
    let verb = top_level_verb(words)?;
    let name = if words.is(verb, "UPDATE") {
        let only = usize::from(words.is(verb + 1, "ONLY"));
        words.object_name(verb + 1 + only)?.0
    } else if words.is(verb, "DELETE") && words.is(verb + 1, "FROM") {
        let only = usize::from(words.is(verb + 2, "ONLY"));
        words.object_name(verb + 2 + only)?.0
    } else {
        return None;
    };
    Some((
        context.assumed_table(&name),
        LockMode::RowExclusive,
        Work::Scan,
    ))
}

/// Whether the statement changes rows of a table — `UPDATE` or `DELETE`, after `WITH` too:
/// a backfill, in a migration.
pub fn is_backfill(context: &StatementContext<'_>) -> bool {
    let words = &context.statement.words;
    top_level_verb(words).is_some_and(|verb| words.is(verb, "UPDATE") || words.is(verb, "DELETE"))
}

/// The statement's own verb: its first word, or after `WITH`, the first word outside the
/// common table expressions' parentheses that is not part of their list.
fn top_level_verb(words: &Words<'_>) -> Option<usize> {
    if !words.is(0, "WITH") {
        return Some(0);
    }
    let mut at = 1;
    while at < words.len() {
        if words.kind(at) == Some(TokenKind::OpenParen) {
            at = words.matching_paren(at)? + 1;
            continue;
        }
        if ["UPDATE", "DELETE", "INSERT", "SELECT", "MERGE"]
            .iter()
            .any(|verb| words.is(at, verb))
        {
            return Some(at);
        }
        at += 1;
    }
    None
}

/// `REINDEX TABLE t` / `REINDEX INDEX i`: ACCESS EXCLUSIVE on the index, SHARE on the table,
/// for the length of a build; `CONCURRENTLY` only keeps other schema changes out.
fn reindex(context: &StatementContext<'_>) -> Option<WordLock> {
    if context.words_include("CONCURRENTLY") {
        return None;
    }
    let table = if let Some(name) = context.object_after(&["TABLE"]) {
        context.assumed_table(&name)
    } else {
        context.table_of_index(&context.object_after(&["INDEX"])?)
    };
    Some((table, LockMode::Share, Work::IndexBuild))
}

/// An `ALTER TABLE` sqlparser cannot read: the strongest lock of its actions, each known by
/// its first words. The work is not known: a catalog change is assumed.
fn unparsed_alter_table(context: &StatementContext<'_>) -> Vec<WordLock> {
    let words = &context.statement.words;
    let Some(actions) = words.alter_table_actions() else {
        return Vec::new();
    };
    let Some(name) = context.object_after(&["TABLE"]) else {
        return Vec::new();
    };
    let table = context.assumed_table(&name);
    let lock = actions
        .iter()
        .map(|&(first, _)| action_lock(words, first))
        .max();
    lock.map(|lock| (table, lock, Work::Catalog))
        .into_iter()
        .collect()
}

/// The locks of the actions of an `ALTER TABLE` that the catalog does not model, which
/// sqlparser's tree of the statement leaves out (see `StatementContext::without_neutral_actions`).
pub fn neutral_action_locks(context: &StatementContext<'_>) -> Vec<WordLock> {
    let words = &context.statement.words;
    let table = context
        .object_after(&["TABLE"])
        .and_then(|name| context.assumed_table(&name));
    let actions = words.alter_table_actions().unwrap_or_default();
    actions
        .iter()
        .filter(|&&(first, _)| is_irrelevant_action(words, first))
        .map(|&(first, _)| (table.clone(), action_lock(words, first), Work::Catalog))
        .collect()
}

/// The lock of one `ALTER TABLE` action, by the words it starts with (PostgreSQL's
/// `AlterTableGetLockLevel`).
fn action_lock(words: &Words<'_>, first: usize) -> LockMode {
    let at = |offset: usize, word: &str| words.is(first + offset, word);
    // `ALTER [COLUMN] c …`: the column's name, then what changes.
    let column_action = if at(0, "ALTER") {
        Some(first + if at(1, "COLUMN") { 3 } else { 2 })
    } else {
        None
    };
    let statistics_or_options = column_action.is_some_and(|next| {
        (words.is(next, "SET") && (words.is(next + 1, "STATISTICS") || is_paren(words, next + 1)))
            || (words.is(next, "RESET") && is_paren(words, next + 1))
    });
    let storage_parameters = (at(0, "SET") || at(0, "RESET")) && is_paren(words, first + 1);
    let share_update_exclusive = statistics_or_options
        || storage_parameters
        || (at(0, "CLUSTER") && at(1, "ON"))
        || (at(0, "SET") && at(1, "WITHOUT") && at(2, "CLUSTER"))
        || (at(0, "VALIDATE") && at(1, "CONSTRAINT"))
        || (at(0, "ATTACH") && at(1, "PARTITION"))
        || (at(0, "DETACH") && words.find(first, &["CONCURRENTLY"]).is_some());
    let trigger = (at(0, "ENABLE") || at(0, "DISABLE")) && (at(1, "TRIGGER") || at(2, "TRIGGER"));
    if share_update_exclusive {
        LockMode::ShareUpdateExclusive
    } else if trigger {
        LockMode::ShareRowExclusive
    } else {
        LockMode::AccessExclusive
    }
}

fn is_paren(words: &Words<'_>, at: usize) -> bool {
    words.kind(at) == Some(TokenKind::OpenParen)
}

/// `ALTER DOMAIN d ADD CONSTRAINT … CHECK` (without `NOT VALID`), `VALIDATE CONSTRAINT`,
/// `SET NOT NULL`: every table with a column of the domain is scanned under SHARE.
fn domain_validation(context: &StatementContext<'_>) -> Vec<WordLock> {
    let words = &context.statement.words;
    let validates = (words.find(0, &["ADD"]).is_some()
        && words.find(0, &["NOT", "VALID"]).is_none())
        || words.find(0, &["VALIDATE", "CONSTRAINT"]).is_some()
        || words.find(0, &["SET", "NOT", "NULL"]).is_some();
    let Some(domain) = context.object_after(&["DOMAIN"]) else {
        return Vec::new();
    };
    if !validates {
        return Vec::new();
    }
    context
        .tables_using_domain(&domain)
        .into_iter()
        .map(|table| (Some(table), LockMode::Share, Work::Scan))
        .collect()
}
