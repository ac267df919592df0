//! `--schema` input: `.sql` files and folders of them — a pg_dump, a migration history —
//! read in the order a migration tool applies them, split into statements, parsed once each,
//! and applied in order to one catalog by `model::ddl`. Statements that cannot change the
//! catalog (grants, comments, functions, data) are counted and skipped by their first words,
//! without parsing; what sqlparser cannot read is reported with its file and line, and the
//! rest goes on.

use super::InputError;
use crate::model::catalog::Catalog;
use crate::model::ddl::{DdlApplier, Effect, Outcome, RelationKind};
use crate::model::diagnostics::{Diagnostics, Example};
use crate::sql::lexer::{Lexer, TokenKind};
use crate::sql::parse::{ParseError, parse_sql};
use crate::sql::split::split_script;
use sqlparser::ast::{Ident, ObjectName, Statement};
use std::cmp::Ordering;
use std::path::{Path, PathBuf};

/// The diagnostics kind of a statement sqlparser cannot parse.
pub const UNPARSED_DDL: &str = "unparsed_ddl";

/// The diagnostics kind of `COPY … FROM stdin` data with no `\.` line: without one, the
/// rest of a dump would be read as data.
pub const UNTERMINATED_COPY: &str = "unterminated_copy";

/// The catalog a set of schema files describes, and how much of them was understood.
#[derive(Debug, Clone, Default)]
pub struct SchemaLoad {
    pub catalog: Catalog,
    /// Unparsed statements and DDL that could not apply, with file and line.
    pub diagnostics: Diagnostics,
    pub files: u64,
    /// Statements read.
    pub statements: u64,
    /// DDL the catalog follows, applied.
    pub applied: u64,
    /// Statements that do not change the catalog (`search_path` settings among them, though
    /// they are followed).
    pub ignored: u64,
    /// Statements sqlparser could not parse (reported in the diagnostics).
    pub failed: u64,
}

impl SchemaLoad {
    /// The share of statements understood: applied or known not to matter.
    pub fn understood(&self) -> f64 {
        if self.statements == 0 {
            1.0
        } else {
            (self.applied + self.ignored) as f64 / self.statements as f64
        }
    }
}

/// Loads `--schema` paths in order: files as given, folders walked for their `.sql` files.
/// A catalog saved with `--save-catalog` (`.json`, statistics included) may come first: the
/// DDL that follows applies on top of it.
pub fn load_schema(paths: &[PathBuf]) -> Result<SchemaLoad, InputError> {
    let mut loader = SchemaLoader::default();
    let mut paths = paths;
    if let Some((first, rest)) = paths.split_first()
        && first.extension().is_some_and(|e| e == "json")
    {
        loader = SchemaLoader::new(read_saved_catalog(first)?);
        paths = rest;
    }
    for path in paths {
        if path.extension().is_some_and(|e| e == "json") {
            return Err(InputError::Malformed {
                path: path.display().to_string(),
                reason: "a saved catalog must be the first --schema path".into(),
            });
        }
        for file in schema_files(path)? {
            let name = file.display().to_string();
            let bytes = std::fs::read(&file).map_err(|error| InputError::Read {
                path: name.clone(),
                error,
            })?;
            loader.load_script(&String::from_utf8_lossy(&bytes), &name);
        }
    }
    Ok(loader.finish())
}

fn read_saved_catalog(path: &Path) -> Result<Catalog, InputError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|error| InputError::Read {
        path: name.clone(),
        error,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| InputError::Malformed {
        path: name,
        reason: format!("not a catalog saved with --save-catalog: {e}"),
    })
}

/// The files a `--schema` path stands for: the file itself, or every `*.sql` under a folder
/// in the order migration tools apply them (by path, numbers compared as numbers so that
/// `V2__` comes before `V10__`), without the `down.sql` / `*.down.sql` halves of up/down
/// migration pairs.
pub fn schema_files(path: &Path) -> Result<Vec<PathBuf>, InputError> {
    let metadata = std::fs::metadata(path).map_err(|error| InputError::Open {
        path: path.display().to_string(),
        error,
    })?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    collect_sql_files(path, &mut files)?;
    if files.is_empty() {
        return Err(InputError::NoMatch {
            pattern: format!("{}/**/*.sql", path.display()),
        });
    }
    files.sort_by(|a, b| migration_order(a, b));
    Ok(files)
}

fn collect_sql_files(folder: &Path, files: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let open_error = |error| InputError::Open {
        path: folder.display().to_string(),
        error,
    };
    for entry in std::fs::read_dir(folder).map_err(open_error)? {
        let entry = entry.map_err(open_error)?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        // Symbolic links to folders are not followed: a link cycle would never end.
        let file_type = entry.file_type().map_err(open_error)?;
        if file_type.is_dir() {
            collect_sql_files(&path, files)?;
        } else if name.ends_with(".sql") && !is_down_migration(&name) && path.is_file() {
            files.push(path);
        }
    }
    Ok(())
}

fn is_down_migration(file_name: &str) -> bool {
    file_name == "down.sql" || file_name.ends_with(".down.sql")
}

/// Paths component by component, digit runs compared by value.
fn migration_order(a: &Path, b: &Path) -> Ordering {
    let names = |path: &Path| -> Vec<String> {
        path.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect()
    };
    let (a, b) = (names(a), names(b));
    for (x, y) in a.iter().zip(&b) {
        match natural_order(x, y) {
            Ordering::Equal => continue,
            unequal => return unequal,
        }
    }
    a.len().cmp(&b.len())
}

fn natural_order(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let (x_digits, x_rest) =
                    a.split_at(a.iter().take_while(|c| c.is_ascii_digit()).count());
                let (y_digits, y_rest) =
                    b.split_at(b.iter().take_while(|c| c.is_ascii_digit()).count());
                let trim =
                    |digits: &[u8]| -> usize { digits.iter().take_while(|&&d| d == b'0').count() };
                let (x_value, y_value) = (&x_digits[trim(x_digits)..], &y_digits[trim(y_digits)..]);
                let by_value = x_value
                    .len()
                    .cmp(&y_value.len())
                    .then_with(|| x_value.cmp(y_value))
                    .then_with(|| x_digits.len().cmp(&y_digits.len()));
                if by_value != Ordering::Equal {
                    return by_value;
                }
                (a, b) = (x_rest, y_rest);
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                (a, b) = (&a[1..], &b[1..]);
            }
        }
    }
}

/// What became of one statement given to [`SchemaLoader::load_parsed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementLoad {
    /// DDL the catalog follows, applied.
    Applied,
    /// Nothing the catalog models (or nothing at all: an empty statement).
    Ignored,
    /// sqlparser could not read it; reported in the diagnostics as [`UNPARSED_DDL`].
    Unparsed,
}

/// Applies scripts in order to one catalog; the pure part of [`load_schema`].
#[derive(Debug, Clone, Default)]
pub struct SchemaLoader {
    applier: DdlApplier,
    load: SchemaLoad,
}

impl SchemaLoader {
    /// Starts from an existing catalog (to apply migrations on top of a schema).
    pub fn new(catalog: Catalog) -> Self {
        SchemaLoader {
            applier: DdlApplier::new(catalog),
            load: SchemaLoad::default(),
        }
    }

    /// One file's statements. Each file is a session of its own (its `SET search_path`
    /// ends with it), as migration tools run them.
    pub fn load_script(&mut self, script: &str, file: &str) {
        self.start_file();
        let script = split_script(up_migration(script));
        for copy in &script.unterminated_copies {
            self.load.diagnostics.report(UNTERMINATED_COPY, || Example {
                file: file.to_string(),
                line: copy.line as u64,
                reason: format!(
                    "COPY … FROM stdin without the `\\.` line that ends its data; statements \
                     read again from line {}",
                    copy.resumed_at
                ),
            });
        }
        for statement in script.statements {
            self.load_statement(statement.text, statement.line, file);
        }
    }

    pub fn finish(self) -> SchemaLoad {
        SchemaLoad {
            catalog: self.applier.into_catalog(),
            ..self.load
        }
    }

    fn load_statement(&mut self, text: &str, line: usize, file: &str) {
        self.load_parsed(text, line, file, None);
    }

    /// The catalog as the statements applied so far left it.
    pub fn catalog(&self) -> &Catalog {
        self.applier.catalog()
    }

    /// Name resolution through the session's search_path, as the next statement sees it.
    pub fn applier(&self) -> &DdlApplier {
        &self.applier
    }

    /// Starts a file of its own: a new session (see [`load_script`](Self::load_script)).
    pub fn start_file(&mut self) {
        self.load.files += 1;
        self.applier.reset_session();
    }

    /// Applies one statement of the current file. `parsed` is sqlparser's reading when the
    /// caller has it already; without it the statement is parsed here, if it may change the
    /// catalog at all.
    pub fn load_parsed(
        &mut self,
        text: &str,
        line: usize,
        file: &str,
        parsed: Option<&Result<Vec<Statement>, ParseError>>,
    ) -> StatementLoad {
        let words = Words::new(text);
        if words.is_empty() {
            return StatementLoad::Ignored;
        }
        self.load.statements += 1;
        if !may_change_catalog(&words, text) {
            self.load.ignored += 1;
            return StatementLoad::Ignored;
        }
        let parsed_here;
        let parsed = match parsed {
            Some(parsed) => parsed,
            None => {
                parsed_here = parse_sql(text);
                &parsed_here
            }
        };
        let effect = match parsed {
            Ok(statements) => {
                let mut effect = Effect::Ignored;
                for statement in statements {
                    let outcome = self.applier.apply(statement);
                    effect = merge(effect, self.record(outcome, line, file));
                }
                Some(effect)
            }
            Err(error) => match self.recover(&words, line, file) {
                Some(effect) => Some(effect),
                None => {
                    let (offset, reason) = locate(&error.to_string());
                    self.load.diagnostics.report(UNPARSED_DDL, || Example {
                        file: file.to_string(),
                        line: (line + offset) as u64,
                        reason: format!("{reason}: `{}`", excerpt(text, offset)),
                    });
                    None
                }
            },
        };
        match effect {
            Some(Effect::Applied) => {
                self.load.applied += 1;
                StatementLoad::Applied
            }
            Some(Effect::Ignored) => {
                self.load.ignored += 1;
                StatementLoad::Ignored
            }
            None => {
                self.load.failed += 1;
                StatementLoad::Unparsed
            }
        }
    }

    fn record(&mut self, outcome: Outcome, line: usize, file: &str) -> Effect {
        for problem in outcome.problems {
            self.load
                .diagnostics
                .report(problem.kind.diagnostic_kind(), || Example {
                    file: file.to_string(),
                    line: line as u64,
                    reason: problem.message,
                });
        }
        outcome.effect
    }

    /// Statements sqlparser rejects but that are common in real schemas: pg_dump's
    /// `ALTER SEQUENCE … OWNED BY`, `CREATE INDEX … ON ONLY`, identity sequence options,
    /// materialized views `WITH NO DATA`, and a few forms of `ALTER INDEX` / `DROP INDEX`.
    /// They are read by hand, or parsed again without the words sqlparser does not know;
    /// `None` when nothing fits.
    fn recover(&mut self, words: &Words, line: usize, file: &str) -> Option<Effect> {
        let outcome = if words.starts_with(&["ALTER", "SEQUENCE"]) {
            match alter_sequence(words) {
                Some(AlterSequence::OwnedBy { sequence, owner }) => {
                    self.applier.set_sequence_owner(&sequence, owner.as_ref())
                }
                Some(AlterSequence::Rename {
                    sequence,
                    if_exists,
                    new_name,
                }) => self.applier.rename_relation(
                    RelationKind::Sequence,
                    &sequence,
                    if_exists,
                    &new_name,
                ),
                // RESTART, INCREMENT, CACHE, …: nothing the catalog keeps.
                None => return Some(Effect::Ignored),
            }
        } else if words.starts_with(&["ALTER", "INDEX"]) {
            match rename_index(words) {
                Some((index, if_exists, new_name)) => {
                    self.applier
                        .rename_relation(RelationKind::Index, &index, if_exists, &new_name)
                }
                // ATTACH PARTITION (pg_dump links each partition's index to its parent's,
                // which the catalog does not model), SET (…), SET TABLESPACE, ALTER COLUMN …
                // SET STATISTICS.
                None => return Some(Effect::Ignored),
            }
        } else {
            let rewrite = match rewrite_for_sqlparser(words)? {
                Recovery::Rewrite(rewrite) => rewrite,
                Recovery::Irrelevant => return Some(Effect::Ignored),
            };
            let statements = parse_sql(&rewrite.text).ok()?;
            let mut effect = Effect::Ignored;
            for statement in &statements {
                let outcome = if rewrite.on_only {
                    self.applier.apply_on_only(statement)
                } else {
                    self.applier.apply(statement)
                };
                effect = merge(effect, self.record(outcome, line, file));
            }
            return Some(effect);
        };
        Some(self.record(outcome, line, file))
    }
}

fn merge(a: Effect, b: Effect) -> Effect {
    if a == Effect::Applied || b == Effect::Applied {
        Effect::Applied
    } else {
        Effect::Ignored
    }
}

/// Only the "up" part of a dbmate-style migration (`-- migrate:up` / `-- migrate:down`).
pub fn up_migration(script: &str) -> &str {
    match script.find("\n-- migrate:down") {
        Some(down) if script.contains("-- migrate:up") => &script[..down],
        _ => script,
    }
}

/// sqlparser's "… at Line: L, Column: C" as the line's offset from the statement's first
/// line and the message without the position (the column kept).
fn locate(message: &str) -> (usize, String) {
    let message = message
        .strip_prefix("sql parser error: ")
        .unwrap_or(message);
    let Some(at) = message.rfind(" at Line: ") else {
        return (0, message.to_string());
    };
    let position = &message[at + " at Line: ".len()..];
    let (line, column) = position.split_once(", Column: ").unwrap_or((position, ""));
    match line.trim().parse::<usize>() {
        Ok(line) => (
            line.saturating_sub(1),
            format!("{} (column {})", &message[..at], column.trim()),
        ),
        Err(_) => (0, message.to_string()),
    }
}

/// The statement's line where sqlparser stopped, trimmed and cut short, for a diagnostic.
fn excerpt(text: &str, line: usize) -> String {
    const LENGTH: usize = 80;
    let line = text.lines().nth(line).unwrap_or(text).trim();
    if line.chars().count() <= LENGTH {
        line.to_string()
    } else {
        format!("{}…", line.chars().take(LENGTH).collect::<String>())
    }
}

// ----- statements by their words ------------------------------------------------------------

/// A statement's tokens without whitespace and comments: enough to route it by its first
/// words and to read by hand the few statements sqlparser cannot.
struct Words<'a> {
    text: &'a str,
    tokens: Vec<(TokenKind, usize, usize)>,
}

impl<'a> Words<'a> {
    fn new(text: &'a str) -> Self {
        let tokens = Lexer::new(text.as_bytes())
            .filter(|token| token.kind != TokenKind::Trivia)
            .map(|token| (token.kind, token.start, token.end))
            .collect();
        Words { text, tokens }
    }

    fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    fn len(&self) -> usize {
        self.tokens.len()
    }

    fn kind(&self, at: usize) -> Option<TokenKind> {
        self.tokens.get(at).map(|&(kind, _, _)| kind)
    }

    fn text(&self, at: usize) -> &'a str {
        self.tokens
            .get(at)
            .map_or("", |&(_, start, end)| &self.text[start..end])
    }

    /// Whether the token at `at` is the (unquoted, any case) word `keyword`.
    fn is(&self, at: usize, keyword: &str) -> bool {
        self.kind(at) == Some(TokenKind::Word) && self.text(at).eq_ignore_ascii_case(keyword)
    }

    fn starts_with(&self, keywords: &[&str]) -> bool {
        keywords.iter().enumerate().all(|(at, k)| self.is(at, k))
    }

    /// The first position at or after `from` where `keywords` follow one another.
    fn find(&self, from: usize, keywords: &[&str]) -> Option<usize> {
        (from..self.len()).find(|&at| keywords.iter().enumerate().all(|(i, k)| self.is(at + i, k)))
    }

    fn ident(&self, at: usize) -> Option<Ident> {
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
    fn matching_paren(&self, open: usize) -> Option<usize> {
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
    fn alter_table_actions(&self) -> Option<Vec<(usize, usize)>> {
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
    fn object_name(&self, mut at: usize) -> Option<(ObjectName, usize)> {
        let mut parts = vec![self.ident(at)?];
        at += 1;
        while self.kind(at) == Some(TokenKind::Dot) {
            parts.push(self.ident(at + 1)?);
            at += 2;
        }
        Some((ObjectName::from(parts), at))
    }
}

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
fn may_change_catalog(words: &Words, text: &str) -> bool {
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
        return is_one_of(at, CATALOG_OBJECTS);
    }
    if first.eq_ignore_ascii_case("ALTER") || first.eq_ignore_ascii_case("DROP") {
        return is_one_of(1, CATALOG_OBJECTS);
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

enum AlterSequence {
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
fn alter_sequence(words: &Words) -> Option<AlterSequence> {
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
fn rename_index(words: &Words) -> Option<(ObjectName, bool, Ident)> {
    let if_exists = words.is(2, "IF") && words.is(3, "EXISTS");
    let (index, after) = words.object_name(if if_exists { 4 } else { 2 })?;
    let renames = words.is(after, "RENAME") && words.is(after + 1, "TO");
    (renames && after + 3 == words.len()).then_some(())?;
    Some((index, if_exists, words.ident(after + 2)?))
}

/// What can still be made of a statement sqlparser rejected.
enum Recovery {
    /// The statement with what sqlparser does not know taken out or replaced.
    Rewrite(Rewrite),
    /// An `ALTER TABLE` whose every action leaves the catalog as it is.
    Irrelevant,
}

struct Rewrite {
    text: String,
    /// `ON ONLY` was taken out of a `CREATE INDEX`.
    on_only: bool,
}

/// Rewrites what keeps sqlparser from reading statements whose meaning to the catalog does
/// not depend on it: `ONLY` of `CREATE INDEX … ON ONLY` (remembered), `WITH [NO] DATA`
/// ending a materialized view, the sequence options of `ADD GENERATED … AS IDENTITY (…)`,
/// `CONCURRENTLY` of `DROP INDEX`, PostgreSQL 18's `VIRTUAL` generated columns (read as
/// `STORED`: the catalog keeps the expression either way), and `ALTER TABLE` actions the
/// catalog does not model (`SET STATISTICS`, `ALTER CONSTRAINT … DEFERRABLE`, …).
fn rewrite_for_sqlparser(words: &Words) -> Option<Recovery> {
    let mut edits: Vec<(usize, usize, &str)> = Vec::new();
    let mut on_only = false;
    let span = |from: usize, to: usize| Some((words.tokens.get(from)?.1, words.tokens.get(to)?.2));
    let last = words.len().checked_sub(1)?;
    if words.is(0, "CREATE") {
        let index = if words.is(1, "UNIQUE") { 2 } else { 1 };
        if words.is(index, "INDEX")
            && let Some(on) = words.find(index, &["ON", "ONLY"])
        {
            let (start, end) = span(on + 1, on + 1)?;
            edits.push((start, end, ""));
            on_only = true;
        }
        // `CREATE MATERIALIZED VIEW | TABLE … AS … WITH [NO] DATA`
        if words.is(last, "DATA") {
            let no = usize::from(words.is(last.saturating_sub(1), "NO"));
            let with = last.saturating_sub(1 + no);
            if with > 0 && words.is(with, "WITH") {
                let (start, end) = span(with, last)?;
                edits.push((start, end, ""));
            }
        }
    }
    if words.is(0, "CREATE") || words.is(0, "ALTER") {
        for at in 1..words.len() {
            if words.is(at, "VIRTUAL") && words.kind(at - 1) == Some(TokenKind::CloseParen) {
                let (start, end) = span(at, at)?;
                edits.push((start, end, "STORED"));
            }
        }
    }
    if words.starts_with(&["ALTER", "TABLE"]) {
        let mut from = 0;
        while let Some(identity) = words.find(from, &["AS", "IDENTITY"]) {
            let open = identity + 2;
            from = open;
            if words.kind(open) != Some(TokenKind::OpenParen) {
                continue;
            }
            let close = words.matching_paren(open)?;
            let (start, end) = span(open, close)?;
            edits.push((start, end, ""));
            from = close;
        }
        let actions = words.alter_table_actions()?;
        let relevant: Vec<bool> = actions
            .iter()
            .map(|&(first, _)| !is_irrelevant_action(words, first))
            .collect();
        if !relevant.contains(&true) {
            return Some(Recovery::Irrelevant);
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
            let (start, end) = span(from, to)?;
            edits.push((start, end, ""));
        }
    }
    if words.starts_with(&["DROP", "INDEX", "CONCURRENTLY"]) {
        let (start, end) = span(2, 2)?;
        edits.push((start, end, ""));
    }
    if edits.is_empty() {
        return None;
    }
    edits.sort_unstable();
    let mut text = String::with_capacity(words.text.len());
    let mut kept_from = 0;
    for (start, end, replacement) in edits {
        if start < kept_from {
            continue;
        }
        text.push_str(&words.text[kept_from..start]);
        text.push(' ');
        text.push_str(replacement);
        kept_from = end;
    }
    text.push_str(&words.text[kept_from..]);
    Some(Recovery::Rewrite(Rewrite { text, on_only }))
}

/// Whether an `ALTER TABLE` action starting at token `first` changes nothing the catalog
/// models: statistics targets, storage, table options, clustering, triggers and rules, row
/// security, replica identity, deferrability, ownership.
fn is_irrelevant_action(words: &Words, first: usize) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog::QualifiedName;

    fn public(name: &str) -> QualifiedName {
        QualifiedName::new("public", name)
    }

    fn load(script: &str) -> SchemaLoad {
        let mut loader = SchemaLoader::default();
        loader.load_script(script, "test.sql");
        loader.finish()
    }

    fn rewritten(sql: &str) -> Option<String> {
        match rewrite_for_sqlparser(&Words::new(sql))? {
            Recovery::Rewrite(rewrite) => Some(
                rewrite
                    .text
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Recovery::Irrelevant => Some("<irrelevant>".into()),
        }
    }

    #[test]
    fn statements_are_routed_by_their_first_words() {
        for sql in [
            "CREATE TABLE t (a int)",
            "CREATE UNLOGGED TABLE t (a int)",
            "create or replace view v as select 1",
            "CREATE UNIQUE INDEX i ON t (a)",
            "CREATE MATERIALIZED VIEW m AS SELECT 1",
            "ALTER TABLE t ADD COLUMN b int",
            "ALTER MATERIALIZED VIEW m RENAME TO n",
            "DROP SCHEMA s CASCADE",
            "SET search_path = a, public",
            "SET LOCAL search_path TO a",
            "SELECT pg_catalog.set_config('search_path', '', false)",
            "VACUUM_LIKE_SOMETHING_NEW x",
        ] {
            assert!(may_change_catalog(&Words::new(sql), sql), "{sql}");
        }
        for sql in [
            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql",
            "CREATE OR REPLACE TRIGGER t AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
            "CREATE EXTENSION pg_trgm",
            "CREATE TYPE mood AS ENUM ('ok')",
            "CREATE FOREIGN TABLE f (a int) SERVER s",
            "ALTER FUNCTION f() OWNER TO app",
            "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO r",
            "DROP FUNCTION f",
            "SET statement_timeout = 0",
            "SELECT pg_catalog.setval('s', 1, true)",
            "INSERT INTO t VALUES (1)",
            "COPY t FROM stdin",
            "GRANT SELECT ON t TO r",
            "COMMENT ON TABLE t IS 'a' 'b'",
            "DO $$ BEGIN END $$",
        ] {
            assert!(!may_change_catalog(&Words::new(sql), sql), "{sql}");
        }
    }

    #[test]
    fn what_sqlparser_cannot_read_is_rewritten_to_what_it_can() {
        assert_eq!(
            rewritten("CREATE INDEX i ON ONLY public.p USING btree (a)").as_deref(),
            Some("CREATE INDEX i ON public.p USING btree (a)")
        );
        assert_eq!(
            rewritten("CREATE MATERIALIZED VIEW m AS SELECT 1 WITH NO DATA").as_deref(),
            Some("CREATE MATERIALIZED VIEW m AS SELECT 1")
        );
        assert_eq!(
            rewritten("CREATE TABLE t AS SELECT 1 WITH DATA").as_deref(),
            Some("CREATE TABLE t AS SELECT 1")
        );
        assert_eq!(
            rewritten(
                "ALTER TABLE public.r ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (\n SEQUENCE NAME public.r_id_seq START WITH 1 CACHE 1\n)"
            )
            .as_deref(),
            Some("ALTER TABLE public.r ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY")
        );
        assert_eq!(
            rewritten("DROP INDEX CONCURRENTLY IF EXISTS i").as_deref(),
            Some("DROP INDEX IF EXISTS i")
        );
        assert_eq!(
            rewritten("CREATE TABLE f (m int, h numeric GENERATED ALWAYS AS (m / 60.0) VIRTUAL)")
                .as_deref(),
            Some("CREATE TABLE f (m int, h numeric GENERATED ALWAYS AS (m / 60.0) STORED)")
        );
        assert_eq!(rewritten("CREATE TABLE t (a int"), None);
    }

    #[test]
    fn alter_table_actions_the_catalog_does_not_model_are_taken_out() {
        assert_eq!(
            rewritten("ALTER TABLE ONLY t ALTER COLUMN a SET STATISTICS 1000").as_deref(),
            Some("<irrelevant>")
        );
        assert_eq!(
            rewritten(
                "ALTER TABLE t ALTER CONSTRAINT f INITIALLY DEFERRED, CLUSTER ON i, ADD COLUMN b int, ALTER a SET (n_distinct = 5), DROP COLUMN c"
            )
            .as_deref(),
            Some("ALTER TABLE t ADD COLUMN b int , DROP COLUMN c")
        );
        let load = load(
            "CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a SET STATISTICS 500, ADD COLUMN b int;",
        );
        assert_eq!((load.applied, load.failed), (2, 0));
        assert!(
            load.catalog
                .tables
                .values()
                .next()
                .unwrap()
                .column("b")
                .is_some()
        );
    }

    #[test]
    fn alter_sequence_and_alter_index_are_read_by_hand() {
        let load = load(
            "CREATE TABLE public.\"T\" (\"Id\" integer NOT NULL);
             CREATE SEQUENCE public.\"T_Id_seq\" AS integer START WITH 1;
             ALTER SEQUENCE public.\"T_Id_seq\" OWNED BY public.\"T\".\"Id\";
             CREATE SEQUENCE loose;
             ALTER SEQUENCE loose OWNED BY NONE;
             ALTER SEQUENCE IF EXISTS loose RENAME TO free;
             ALTER SEQUENCE free RESTART WITH 5;
             CREATE INDEX t_id ON public.\"T\" (\"Id\");
             ALTER INDEX IF EXISTS t_id RENAME TO t_id_renamed;
             ALTER INDEX IF EXISTS nothing RENAME TO still_nothing;",
        );
        assert!(load.diagnostics.is_empty(), "{:#?}", load.diagnostics);
        assert_eq!(
            (load.applied + load.ignored, load.failed),
            (load.statements, 0)
        );
        let sequences = &load.catalog.sequences;
        let owned = &sequences[&public("T_Id_seq")];
        assert_eq!(owned.owned_by, Some((public("T"), "Id".to_string())));
        assert!(sequences.contains_key(&public("free")));
        assert!(load.catalog.indexes.contains_key(&public("t_id_renamed")));
    }

    #[test]
    fn unparsed_statements_are_reported_at_the_line_sqlparser_stopped() {
        let load = load(
            "CREATE TABLE a (id int);\n\nCREATE TABLE b (\n  id int,\n  x int WEIRD\n);\nCREATE TABLE c (id int);",
        );
        assert_eq!((load.statements, load.applied, load.failed), (3, 2, 1));
        let example = &load.diagnostics.kinds[UNPARSED_DDL].examples[0];
        assert_eq!((example.file.as_str(), example.line), ("test.sql", 5));
        assert!(example.reason.contains("x int WEIRD"), "{example:?}");
        assert!(!example.reason.contains("Line:"), "{example:?}");
    }

    #[test]
    fn migration_files_sort_with_numbers_by_value() {
        let mut paths: Vec<PathBuf> = [
            "m/V10__c.sql",
            "m/V2__b.sql",
            "m/V1__a.sql",
            "m/2020-01-02_x/up.sql",
            "m/2020-01-01_y/up.sql",
            "m/0002_b.sql",
            "m/0010_c.sql",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        paths.sort_by(|a, b| migration_order(a, b));
        let sorted: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            sorted,
            [
                "m/0002_b.sql",
                "m/0010_c.sql",
                "m/2020-01-01_y/up.sql",
                "m/2020-01-02_x/up.sql",
                "m/V1__a.sql",
                "m/V2__b.sql",
                "m/V10__c.sql",
            ]
        );
        assert_eq!(natural_order("a01", "a1"), Ordering::Greater);
        assert_eq!(natural_order("a1", "a1"), Ordering::Equal);
    }

    #[test]
    fn folders_give_their_sql_files_without_down_migrations() {
        let folder = tempfile::tempdir().unwrap();
        let write = |path: &str| {
            let path = folder.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "SELECT 1;").unwrap();
        };
        for path in [
            "2_b/up.sql",
            "2_b/down.sql",
            "1_a.up.sql",
            "1_a.down.sql",
            "10_c.sql",
            "notes.md",
            ".hidden/x.sql",
        ] {
            write(path);
        }
        let files: Vec<String> = schema_files(folder.path())
            .unwrap()
            .iter()
            .map(|p| p.strip_prefix(folder.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(files, ["1_a.up.sql", "2_b/up.sql", "10_c.sql"]);
    }

    #[test]
    fn only_the_up_part_of_a_dbmate_migration_applies() {
        let load =
            load("-- migrate:up\nCREATE TABLE t (a int);\n\n-- migrate:down\nDROP TABLE t;\n");
        assert_eq!(load.statements, 1);
        assert_eq!(load.catalog.tables.len(), 1);
    }

    #[test]
    fn parser_positions_become_lines_of_the_file() {
        assert_eq!(
            locate("sql parser error: Expected: ), found: x at Line: 3, Column: 7"),
            (2, "Expected: ), found: x (column 7)".to_string())
        );
        assert_eq!(locate("odd message"), (0, "odd message".to_string()));
    }
}
