//! What a schema load does with statements by their words: the ones that cannot change the
//! catalog are skipped unparsed, and the ones sqlparser rejects but real schemas are full of
//! (pg_dump's `ALTER SEQUENCE … OWNED BY`, `CREATE INDEX … ON ONLY`, …) are read by hand or
//! rewritten into what it can read.

use super::DomainChange;
use super::identifiers::identifier;
use super::words::Words;
use crate::sql::lexer::TokenKind;
use crate::sql::parse::parse_expression;
use sqlparser::ast::{Ident, ObjectName};

/// Leading words of statements that never change the catalog; they are not parsed.
const IRRELEVANT_STATEMENTS: &[&str] = &[
    "ABORT",
    "ANALYSE",
    "ANALYZE",
    "BEGIN",
    "CALL",
    "CHECKPOINT",
    "CLOSE",
    "CLUSTER",
    "COMMENT",
    "COMMIT",
    "COPY",
    "DEALLOCATE",
    "DECLARE",
    "DELETE",
    "DISCARD",
    "DO",
    "END",
    "EXECUTE",
    "EXPLAIN",
    "FETCH",
    "GRANT",
    "IMPORT",
    "INSERT",
    "LISTEN",
    "LOAD",
    "LOCK",
    "MERGE",
    "MOVE",
    "NOTIFY",
    "PREPARE",
    "REASSIGN",
    "REFRESH",
    "REINDEX",
    "RELEASE",
    "RESET",
    "REVOKE",
    "ROLLBACK",
    "SAVEPOINT",
    "SECURITY",
    "SHOW",
    "START",
    "TRUNCATE",
    "UNLISTEN",
    "UPDATE",
    "VACUUM",
    "VALUES",
    "WITH",
];

/// Words that may come between CREATE and the kind of object.
const CREATE_MODIFIERS: &[&str] = &[
    "OR",
    "REPLACE",
    "TEMP",
    "TEMPORARY",
    "UNLOGGED",
    "GLOBAL",
    "LOCAL",
    "UNIQUE",
    "MATERIALIZED",
    "RECURSIVE",
];

/// The objects the catalog models.
const CATALOG_OBJECTS: &[&str] = &[
    "TABLE",
    "INDEX",
    "VIEW",
    "SEQUENCE",
    "SCHEMA",
    "MATERIALIZED",
];

/// Whether a statement can change the catalog (or the search_path), by its first words:
/// what cannot — data, grants, comments, functions, types, triggers, extensions, other
/// settings — is counted as ignored without being parsed.
pub(super) fn may_change_catalog(words: &Words, text: &str) -> bool {
    let first = words.text(0);
    let is_one_of = |at: usize, list: &[&str]| list.iter().any(|k| words.is(at, k));
    if words.kind(0) != Some(TokenKind::Word) {
        return true;
    }
    if first.eq_ignore_ascii_case("CREATE") {
        let mut at = 1;
        while is_one_of(at, CREATE_MODIFIERS) {
            at += 1;
        }
        return is_one_of(at, CATALOG_OBJECTS) || words.is(at, "DOMAIN");
    }
    if first.eq_ignore_ascii_case("ALTER") || first.eq_ignore_ascii_case("DROP") {
        // Domains are in the catalog: a change to one that cannot be read is reported, not
        // skipped in silence.
        return is_one_of(1, CATALOG_OBJECTS) || words.is(1, "DOMAIN");
    }
    if first.eq_ignore_ascii_case("SET") {
        let at = if is_one_of(1, &["LOCAL", "SESSION"]) {
            2
        } else {
            1
        };
        return words.is(at, "search_path");
    }
    if first.eq_ignore_ascii_case("SELECT") {
        // pg_dump's `SELECT pg_catalog.set_config('search_path', '', false)`.
        return memchr::memmem::find(text.as_bytes(), b"set_config").is_some();
    }
    !IRRELEVANT_STATEMENTS
        .iter()
        .any(|k| first.eq_ignore_ascii_case(k))
}

pub(super) enum AlterSequence {
    OwnedBy {
        sequence: ObjectName,
        owner: Option<ObjectName>,
    },
    Rename {
        sequence: ObjectName,
        if_exists: bool,
        new_name: Ident,
    },
}

/// `ALTER SEQUENCE [IF EXISTS] name … OWNED BY table.column | NONE …` and
/// `ALTER SEQUENCE [IF EXISTS] name RENAME TO new_name`.
pub(super) fn alter_sequence(words: &Words) -> Option<AlterSequence> {
    let if_exists = words.is(2, "IF") && words.is(3, "EXISTS");
    let (sequence, after) = words.object_name(if if_exists { 4 } else { 2 })?;
    if words.is(after, "RENAME") && words.is(after + 1, "TO") && after + 3 == words.len() {
        return Some(AlterSequence::Rename {
            sequence,
            if_exists,
            new_name: words.ident(after + 2)?,
        });
    }
    let owned_by = words.find(after, &["OWNED", "BY"])? + 2;
    let owner = if words.is(owned_by, "NONE") {
        None
    } else {
        Some(words.object_name(owned_by)?.0)
    };
    Some(AlterSequence::OwnedBy { sequence, owner })
}

/// `ALTER INDEX [IF EXISTS] name RENAME TO new_name` (sqlparser reads it without IF EXISTS
/// only).
pub(super) fn rename_index(words: &Words) -> Option<(ObjectName, bool, Ident)> {
    let if_exists = words.is(2, "IF") && words.is(3, "EXISTS");
    let (index, after) = words.object_name(if if_exists { 4 } else { 2 })?;
    let renames = words.is(after, "RENAME") && words.is(after + 1, "TO");
    (renames && after + 3 == words.len()).then_some(())?;
    Some((index, if_exists, words.ident(after + 2)?))
}

/// `ALTER DOMAIN name action`, which sqlparser does not parse, read by its words; `None`
/// when the action is not one PostgreSQL has.
pub(super) fn alter_domain(words: &Words) -> Option<(ObjectName, DomainChange)> {
    let (domain, at) = words.object_name(2)?;
    let is = |offset: usize, keyword: &str| words.is(at + offset, keyword);
    let name = |offset: usize| words.ident(at + offset).map(|i| identifier(&i));
    let change = if is(0, "ADD") {
        let named = is(1, "CONSTRAINT");
        let constraint = if named { Some(name(2)?) } else { None };
        let kind = at + if named { 3 } else { 1 };
        if words.is(kind, "NOT") && words.is(kind + 1, "NULL") {
            DomainChange::NotNull(true)
        } else if words.is(kind, "CHECK") && words.kind(kind + 1) == Some(TokenKind::OpenParen) {
            let close = words.matching_paren(kind + 1)?;
            let inner = &words.text[words.tokens[kind + 1].2..words.tokens[close].1];
            let expression = parse_expression(inner)
                .map_or_else(|_| inner.trim().to_string(), |e| e.to_string());
            DomainChange::AddCheck {
                name: constraint,
                expression,
            }
        } else {
            return None;
        }
    } else if is(0, "DROP") && is(1, "CONSTRAINT") {
        let if_exists = is(2, "IF") && is(3, "EXISTS");
        DomainChange::DropConstraint {
            name: name(if if_exists { 4 } else { 2 })?,
            if_exists,
        }
    } else if (is(0, "SET") || is(0, "DROP")) && is(1, "NOT") && is(2, "NULL") {
        DomainChange::NotNull(is(0, "SET"))
    } else if is(0, "RENAME") && is(1, "CONSTRAINT") && is(3, "TO") {
        DomainChange::RenameConstraint {
            old: name(2)?,
            new: name(4)?,
        }
    } else if is(0, "RENAME") && is(1, "TO") {
        DomainChange::RenameTo(name(2)?)
    } else if ["VALIDATE", "OWNER", "SET", "DROP"]
        .iter()
        .any(|k| is(0, k))
    {
        DomainChange::Other
    } else {
        return None;
    };
    Some((domain, change))
}

/// What can still be made of a statement sqlparser rejected.
pub(super) enum Recovery {
    /// The statement with what sqlparser does not know taken out or replaced.
    Rewrite(Rewrite),
    /// An `ALTER TABLE` whose every action leaves the catalog as it is.
    Irrelevant,
}

pub(super) struct Rewrite {
    pub(super) text: String,
    /// `ON ONLY` was taken out of a `CREATE INDEX`.
    pub(super) on_only: bool,
    /// `NOT NULL` was taken out of a `CREATE DOMAIN`.
    pub(super) domain_not_null: bool,
}

/// Rewrites what keeps sqlparser from reading statements whose meaning to the catalog does
/// not depend on it: `ONLY` of `CREATE INDEX … ON ONLY` (remembered), `WITH [NO] DATA`
/// ending a materialized view, the sequence options of `ADD GENERATED … AS IDENTITY (…)`,
/// `CONCURRENTLY` of `DROP INDEX`, PostgreSQL 18's `VIRTUAL` generated columns (read as
/// `STORED`: the catalog keeps the expression either way), and `ALTER TABLE` actions the
/// catalog does not model (`SET STATISTICS`, `ALTER CONSTRAINT … DEFERRABLE`, …).
pub(super) fn rewrite_for_sqlparser(words: &Words) -> Option<Recovery> {
    let mut edits = Edits {
        words,
        list: Vec::new(),
    };
    let mut on_only = false;
    let mut domain_not_null = false;
    if words.is(0, "CREATE") {
        on_only = edits.without_on_only()?;
        edits.without_with_data()?;
        domain_not_null = edits.without_domain_nullability()?;
    }
    if words.is(0, "CREATE") || words.is(0, "ALTER") {
        edits.virtual_as_stored()?;
    }
    if words.starts_with(&["ALTER", "TABLE"]) {
        edits.without_identity_options()?;
        if !edits.without_irrelevant_actions()? {
            return Some(Recovery::Irrelevant);
        }
    }
    if words.starts_with(&["DROP", "INDEX", "CONCURRENTLY"]) {
        edits.replace(2, 2, "")?;
    }
    if edits.list.is_empty() {
        return None;
    }
    Some(Recovery::Rewrite(Rewrite {
        text: edits.apply(),
        on_only,
        domain_not_null,
    }))
}

/// Replacements in a statement's text, each of a range of its tokens. Each method returns
/// `None` when a token it needs is missing: the statement is then not rewritten at all.
struct Edits<'w, 't> {
    words: &'w Words<'t>,
    /// Byte ranges of the text and their replacements.
    list: Vec<(usize, usize, &'static str)>,
}

impl Edits<'_, '_> {
    /// Replaces the text of tokens `from` to `to` (both included).
    fn replace(&mut self, from: usize, to: usize, replacement: &'static str) -> Option<()> {
        let start = self.words.tokens.get(from)?.1;
        let end = self.words.tokens.get(to)?.2;
        self.list.push((start, end, replacement));
        Some(())
    }

    /// `[CONSTRAINT name] NOT NULL` and `NULL` of `CREATE DOMAIN`, which sqlparser cannot
    /// read, out; whether the domain is `NOT NULL`.
    fn without_domain_nullability(&mut self) -> Option<bool> {
        let words = self.words;
        let mut not_null = false;
        if !words.starts_with(&["CREATE", "DOMAIN"]) {
            return Some(not_null);
        }
        let mut at = 3;
        while at < words.len() {
            if words.kind(at) == Some(TokenKind::OpenParen) {
                at = words.matching_paren(at)? + 1;
                continue;
            }
            let not = words.is(at, "NOT") && words.is(at + 1, "NULL");
            if not || (words.is(at, "NULL") && !words.is(at.wrapping_sub(1), "DEFAULT")) {
                let named = words.is(at.wrapping_sub(2), "CONSTRAINT");
                let from = if named { at - 2 } else { at };
                self.replace(from, at + usize::from(not), "")?;
                not_null |= not;
            }
            at += 1;
        }
        Some(not_null)
    }

    /// `CREATE [UNIQUE] INDEX … ON ONLY t`: `ONLY` out; whether it was there.
    fn without_on_only(&mut self) -> Option<bool> {
        let words = self.words;
        let index = if words.is(1, "UNIQUE") { 2 } else { 1 };
        if !words.is(index, "INDEX") {
            return Some(false);
        }
        let Some(on) = words.find(index, &["ON", "ONLY"]) else {
            return Some(false);
        };
        self.replace(on + 1, on + 1, "")?;
        Some(true)
    }

    /// `CREATE MATERIALIZED VIEW | TABLE … AS … WITH [NO] DATA`: the last clause out.
    fn without_with_data(&mut self) -> Option<()> {
        let words = self.words;
        let last = words.len().checked_sub(1)?;
        if words.is(last, "DATA") {
            let no = usize::from(words.is(last.saturating_sub(1), "NO"));
            let with = last.saturating_sub(1 + no);
            if with > 0 && words.is(with, "WITH") {
                self.replace(with, last, "")?;
            }
        }
        Some(())
    }

    /// `GENERATED ALWAYS AS (…) VIRTUAL` read as `STORED`: the catalog keeps the expression
    /// either way.
    fn virtual_as_stored(&mut self) -> Option<()> {
        for at in 1..self.words.len() {
            if self.words.is(at, "VIRTUAL")
                && self.words.kind(at - 1) == Some(TokenKind::CloseParen)
            {
                self.replace(at, at, "STORED")?;
            }
        }
        Some(())
    }

    /// The sequence options of `ADD GENERATED … AS IDENTITY (…)` out.
    fn without_identity_options(&mut self) -> Option<()> {
        let words = self.words;
        let mut from = 0;
        while let Some(identity) = words.find(from, &["AS", "IDENTITY"]) {
            let open = identity + 2;
            from = open;
            if words.kind(open) != Some(TokenKind::OpenParen) {
                continue;
            }
            let close = words.matching_paren(open)?;
            self.replace(open, close, "")?;
            from = close;
        }
        Some(())
    }

    /// The `ALTER TABLE` actions the catalog does not model out (see
    /// [`is_irrelevant_action`]); whether any action is left.
    fn without_irrelevant_actions(&mut self) -> Option<bool> {
        let words = self.words;
        let actions = words.alter_table_actions()?;
        let relevant: Vec<bool> = actions
            .iter()
            .map(|&(first, _)| !is_irrelevant_action(words, first))
            .collect();
        if !relevant.contains(&true) {
            return Some(false);
        }
        // An irrelevant action goes with the comma before it, or, when no kept action
        // comes before it, with the comma after it.
        for (position, &(first, end)) in actions.iter().enumerate() {
            if relevant[position] {
                continue;
            }
            let (from, to) = if relevant[..position].contains(&true) {
                (first - 1, end)
            } else {
                (first, end + 1)
            };
            self.replace(from, to, "")?;
        }
        Some(true)
    }

    /// The text with the replacements made (of overlapping ones, the first).
    fn apply(mut self) -> String {
        self.list.sort_unstable();
        let text = self.words.text;
        let mut rewritten = String::with_capacity(text.len());
        let mut kept_from = 0;
        for (start, end, replacement) in self.list {
            if start < kept_from {
                continue;
            }
            rewritten.push_str(&text[kept_from..start]);
            rewritten.push(' ');
            rewritten.push_str(replacement);
            kept_from = end;
        }
        rewritten.push_str(&text[kept_from..]);
        rewritten
    }
}

/// An `ALTER TABLE` sqlparser rejected, as it reads it once the actions the catalog does not
/// model are taken out (and identity options); `None` when nothing is left or nothing was
/// taken out.
pub fn alter_table_without_neutral_actions(words: &Words) -> Option<String> {
    if !words.starts_with(&["ALTER", "TABLE"]) {
        return None;
    }
    match rewrite_for_sqlparser(words)? {
        Recovery::Rewrite(rewrite) => Some(rewrite.text),
        Recovery::Irrelevant => None,
    }
}

/// Whether every action of an `ALTER TABLE` leaves the catalog as it is (statistics
/// targets, storage, options, deferrability, triggers, …; see [`is_irrelevant_action`]).
pub fn alter_table_is_catalog_neutral(words: &Words) -> bool {
    words.alter_table_actions().is_some_and(|actions| {
        !actions.is_empty()
            && actions
                .iter()
                .all(|&(first, _)| is_irrelevant_action(words, first))
    })
}

/// Whether an `ALTER TABLE` action starting at token `first` changes nothing the catalog
/// models: statistics targets, storage, table options, clustering, triggers and rules, row
/// security, replica identity, deferrability, ownership.
pub fn is_irrelevant_action(words: &Words, first: usize) -> bool {
    let at = |offset: usize, keyword: &str| words.is(first + offset, keyword);
    if at(0, "ALTER") {
        if at(1, "CONSTRAINT") {
            return true;
        }
        // ALTER [COLUMN] name SET STATISTICS | SET STORAGE | SET COMPRESSION | SET (…) | RESET (…)
        let setting = if at(1, "COLUMN") { 3 } else { 2 };
        let opens = words.kind(first + setting + 1) == Some(TokenKind::OpenParen);
        return (at(setting, "SET")
            && (at(setting + 1, "STATISTICS")
                || at(setting + 1, "STORAGE")
                || at(setting + 1, "COMPRESSION")
                || opens))
            || (at(setting, "RESET") && opens);
    }
    let opens = words.kind(first + 1) == Some(TokenKind::OpenParen);
    (at(0, "SET") && (opens || at(1, "WITHOUT") || at(1, "TABLESPACE") || at(1, "ACCESS")))
        || (at(0, "RESET") && opens)
        || (at(0, "CLUSTER") && at(1, "ON"))
        || at(0, "REPLICA")
        || at(0, "ENABLE")
        || at(0, "DISABLE")
        || at(0, "FORCE")
        || (at(0, "NO") && at(1, "FORCE"))
        || (at(0, "OWNER") && at(1, "TO"))
}
