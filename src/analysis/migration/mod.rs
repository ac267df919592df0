//! `planwise check`: migration files checked statement by statement against the schema they
//! apply to. Each statement is parsed once, the migration rules read it with the catalog as
//! the statements before it left it, the session state (transaction, `lock_timeout`, locks
//! held, tables created in this file) and what the workload does with each table; then it is
//! applied to the catalog for the next one. What a rule can only decide from the schema the
//! whole file leaves waits until the file has been applied. Pure: the caller reads the files.
//! Which rules run on each statement, and what becomes of their findings, is the rule
//! engine's (`rules::engine`): this module walks the files and hands it each statement.

pub mod impact;
pub mod locks;
pub mod reading;
pub mod script;
pub mod usage;
pub mod volatility;
pub mod word_locks;

use crate::findings::{Finding, Location, LockMode};
use crate::model::catalog::{Catalog, QualifiedName, Table};
use crate::model::ddl::loader::{SchemaLoad, SchemaLoader, Skip, SkippedStatement, StatementLoad};
use crate::model::ddl::{RelationKind, alter_table_without_neutral_actions};
use crate::model::diagnostics::{Diagnostics, Example, Kind};
use crate::sql::nesting::deep_thread;
use crate::sql::parse::{ParseError, parse_sql};
use impact::Thresholds;
use locks::{TableLock, table_locks};
use script::{MigrationFile, MigrationStatement, read_migration};
use sqlparser::ast::{
    AlterTableOperation, Ident, ObjectName, ObjectType, Statement, TableConstraint,
};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use usage::WorkloadUsage;
use word_locks::is_backfill;

/// What the checks know beyond the migrations themselves.
#[derive(Debug, Clone)]
pub struct Environment<'a> {
    /// Major version of the server the migrations run on.
    pub pg_version: u32,
    /// Row counts given on the command line, over the catalog's statistics.
    pub table_rows: &'a BTreeMap<QualifiedName, f64>,
    /// What the logged workload does with each table, when logs were given.
    pub usage: Option<&'a WorkloadUsage>,
    pub thresholds: Thresholds,
    /// The migration tool runs each file in a transaction of its own.
    pub assume_in_transaction: bool,
}

/// Session state as one statement finds it.
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// Inside `BEGIN … COMMIT`, or in the transaction the tool wraps the file in.
    pub in_transaction: bool,
    /// The statement that opened the explicit transaction, if one is open.
    pub begin_line: Option<usize>,
    /// `SET lock_timeout` ran earlier in the file (or transaction, for `SET LOCAL`).
    pub lock_timeout: bool,
    /// Tables created earlier in this file: empty, so nothing waits on their locks.
    pub created: BTreeSet<QualifiedName>,
    /// Of those, the ones filled by `CREATE TABLE … AS`: new, but not empty.
    pub created_from_query: BTreeSet<QualifiedName>,
    /// Statements before this one in the file that locked an existing table beyond what
    /// `lock_timeout` would not matter for.
    pub strong_locks_before: usize,
    /// An ACCESS EXCLUSIVE lock on an existing table held since an earlier statement of the
    /// current transaction: its table and line.
    pub exclusive_lock: Option<(QualifiedName, usize)>,
    /// Statements that locked tables after that lock was taken, in this transaction.
    pub locking_statements_since: usize,
    /// Constraints added `NOT VALID` in the current transaction: validating one before
    /// COMMIT keeps the ADD's lock through the scan.
    pub added_not_valid: BTreeSet<String>,
    /// The line of the `COMMIT` or `ROLLBACK` that ended the transaction the migration tool
    /// wraps the file in, ahead of the tool.
    pub tool_transaction_ended: Option<usize>,
    /// Existing tables whose rows an UPDATE, DELETE or TRUNCATE earlier in the file changed:
    /// their statistics describe rows that may be gone (a backfill before `SET NOT NULL`).
    pub rows_changed: BTreeSet<QualifiedName>,
    /// Tables a `TRUNCATE` of the open transaction emptied: its ACCESS EXCLUSIVE lock keeps
    /// them empty until the transaction ends, unless a statement of its own fills them.
    pub emptied: BTreeSet<QualifiedName>,
    /// CHECK constraints added earlier in the file to tables the schema does not have (see
    /// [`StatementContext::assumed_table`]), which the catalog cannot hold for them.
    pub assumed_table_checks: Vec<AddedCheck>,
}

/// A CHECK constraint a migration added.
#[derive(Debug, Clone)]
pub struct AddedCheck {
    pub table: QualifiedName,
    pub name: Option<String>,
    pub expression: String,
    /// Added without `NOT VALID`, or validated since.
    pub validated: bool,
}

/// Everything a migration rule may read about one statement.
pub struct StatementContext<'a> {
    pub file: &'a str,
    pub statement: &'a MigrationStatement<'a>,
    /// sqlparser's reading; `None` when it could not read the statement.
    pub ast: Option<&'a Statement>,
    /// The tree is of an `ALTER TABLE` without the actions the catalog does not model, which
    /// sqlparser could not read: their locks are the word lock model's.
    pub without_neutral_actions: bool,
    /// The schema before this statement.
    pub catalog: &'a Catalog,
    loader: &'a SchemaLoader,
    pub session: &'a Session,
    pub environment: &'a Environment<'a>,
    /// The decisions rules left for the end of the file (see [`at_file_end`](Self::at_file_end)).
    file_end_checks: RefCell<Vec<FileEndCheck>>,
    /// The tables [`assumed_table`](Self::assumed_table) took to exist, for the report.
    assumed: RefCell<BTreeSet<QualifiedName>>,
}

/// The part of a rule decided on the schema the whole file leaves: the finding to report, if
/// any.
pub type FileEndCheck = Box<dyn FnOnce(&Catalog) -> Option<Finding>>;

impl<'a> StatementContext<'a> {
    /// For rules that look ahead (the index a later statement builds for this statement's
    /// foreign key, the one that replaces a dropped one): `decide` runs once the whole file
    /// has been applied, on the schema it leaves, and what it returns is reported for this
    /// statement. Deciding then costs no second pass over the file.
    pub fn at_file_end(&self, decide: impl FnOnce(&Catalog) -> Option<Finding> + 'static) {
        self.file_end_checks.borrow_mut().push(Box::new(decide));
    }

    /// For `ALTER TABLE`: the table (see [`assumed_table`](Self::assumed_table)) and the
    /// actions.
    pub fn altered_table(&self) -> Option<(QualifiedName, &'a [AlterTableOperation])> {
        let Some(Statement::AlterTable(alter)) = self.ast else {
            return None;
        };
        Some((self.assumed_table(&alter.name)?, &alter.operations))
    }

    /// The table the schema has under that name.
    pub fn table_name(&self, name: &ObjectName) -> Option<QualifiedName> {
        self.loader.applier().resolve(RelationKind::Table, name)
    }

    /// The table a statement that changes or locks one means: the schema's, or — when
    /// neither the schema nor the migrations so far created it (`check` without `--schema`
    /// or `--db`, a history that starts mid-way) — the one the name would mean, taken to be
    /// an existing table of unknown size and traffic: a migration names tables that exist
    /// where it runs. `None` for the session's temporary tables and for names the schema
    /// knows as a view, an index or a sequence.
    pub fn assumed_table(&self, name: &ObjectName) -> Option<QualifiedName> {
        if let Some(known) = self.table_name(name) {
            return Some(known);
        }
        let applier = self.loader.applier();
        let other_relation = [
            RelationKind::View,
            RelationKind::Index,
            RelationKind::Sequence,
        ]
        .into_iter()
        .any(|kind| applier.resolve(kind, name).is_some());
        if other_relation || applier.is_temporary_table(name) {
            return None;
        }
        let table = applier.creation_name(name);
        if !self.is_new(&table) {
            self.assumed.borrow_mut().insert(table.clone());
        }
        Some(table)
    }

    /// Whether the table is one [`assumed_table`](Self::assumed_table) took to exist:
    /// nothing is known of its columns, size or traffic.
    pub fn is_assumed(&self, table: &QualifiedName) -> bool {
        !self.is_new(table) && !self.catalog.tables.contains_key(table)
    }

    pub fn table(&self, name: &ObjectName) -> Option<&'a Table> {
        let name = self.table_name(name)?;
        self.catalog.tables.get(&name)
    }

    /// The table `CREATE TABLE name` creates; for `ALTER TABLE` of a table the schema does
    /// not know, the one the name would mean once created.
    pub fn declared_table_name(&self, name: &ObjectName) -> QualifiedName {
        self.table_name(name)
            .unwrap_or_else(|| self.loader.applier().creation_name(name))
    }

    /// The table an index is on.
    pub fn table_of_index(&self, index: &ObjectName) -> Option<QualifiedName> {
        let index = self.loader.applier().resolve(RelationKind::Index, index)?;
        self.catalog.indexes.get(&index).map(|i| i.table.clone())
    }

    pub fn index_name(&self, index: &ObjectName) -> Option<QualifiedName> {
        self.loader.applier().resolve(RelationKind::Index, index)
    }

    /// The tables with a column of the domain `name` names.
    pub fn tables_using_domain(&self, name: &ObjectName) -> Vec<QualifiedName> {
        let domain = self.loader.applier().creation_name(name);
        let qualified = format!("{}.{}", domain.schema, domain.name);
        self.catalog
            .tables
            .iter()
            .filter(|(_, table)| {
                table
                    .columns
                    .iter()
                    .any(|c| c.data_type == domain.name || c.data_type == qualified)
            })
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Whether the table was created earlier in this file (so it is still empty).
    pub fn is_new(&self, table: &QualifiedName) -> bool {
        self.session.created.contains(table)
    }

    /// The tables this statement locks, strongest first.
    pub fn locks(&self) -> Vec<TableLock> {
        table_locks(self)
    }

    /// The locks this statement takes on tables that existed before this file.
    pub fn locks_on_existing_tables(&self) -> Vec<TableLock> {
        let mut locks = self.locks();
        locks.retain(|l| !self.is_new(&l.table));
        locks
    }

    /// Whether the statement starts with these keywords (in any case).
    pub fn starts_with(&self, words: &[&str]) -> bool {
        self.statement.words.starts_with(words)
    }

    /// `COMMIT`, `END`, `ROLLBACK`, `ABORT`; not `ROLLBACK TO SAVEPOINT`, which keeps the
    /// transaction open, nor `COMMIT PREPARED`, which finishes another one.
    pub fn ends_transaction(&self) -> bool {
        let to_savepoint = self.starts_with(&["ROLLBACK", "TO"])
            || self.starts_with(&["ROLLBACK", "WORK", "TO"])
            || self.starts_with(&["ROLLBACK", "TRANSACTION", "TO"]);
        let prepared = self.starts_with(&["COMMIT", "PREPARED"])
            || self.starts_with(&["ROLLBACK", "PREPARED"]);
        ["COMMIT", "END", "ROLLBACK", "ABORT"]
            .iter()
            .any(|verb| self.starts_with(&[verb]))
            && !to_savepoint
            && !prepared
    }

    /// Whether the keyword is one of the statement's words.
    pub fn words_include(&self, word: &str) -> bool {
        self.statement.words.find(0, &[word]).is_some()
    }

    /// The name that follows `words`, for statements sqlparser cannot read; quoted parts
    /// keep their case and dots.
    pub fn object_after(&self, words: &[&str]) -> Option<ObjectName> {
        let statement = &self.statement.words;
        let mut at = statement.find(0, words)? + words.len();
        while ["CONCURRENTLY", "IF", "NOT", "EXISTS", "ONLY"]
            .iter()
            .any(|skipped| statement.is(at, skipped))
        {
            at += 1;
        }
        Some(statement.object_name(at)?.0)
    }

    /// Whether a validated `CHECK (column IS NOT NULL)` proves the column has no NULLs, so
    /// that `SET NOT NULL` skips its scan (PostgreSQL 12+).
    pub fn has_valid_not_null_check(&self, table: &QualifiedName, column: &str) -> bool {
        let wanted = format!("{column} is not null");
        let proves = |expression: &str| {
            expression
                .to_ascii_lowercase()
                .trim_matches(['(', ')'])
                .contains(&wanted)
        };
        let in_catalog = self.catalog.tables.get(table).is_some_and(|t| {
            t.checks
                .iter()
                .any(|check| !check.not_valid && proves(&check.expression))
        });
        let added_here = self
            .session
            .assumed_table_checks
            .iter()
            .any(|check| check.validated && &check.table == table && proves(&check.expression));
        self.environment.pg_version >= 12 && (in_catalog || added_here)
    }

    /// Where this statement is, for its findings.
    pub fn location(&self) -> Location {
        Location {
            file: self.file.to_string(),
            line: self.statement.line as u64,
            column: self.statement.column as u64,
            end_line: self.statement.end_line as u64,
            statement: excerpt(self.statement.text),
        }
    }

    /// The decisions left for the end of the file since the last call, for the rule engine
    /// to run once the file has been applied (see [`at_file_end`](Self::at_file_end)).
    pub fn take_file_end_checks(&self) -> Vec<FileEndCheck> {
        self.file_end_checks.take()
    }
}

/// A statement's first line, cut short, for messages and reports.
pub fn excerpt(text: &str) -> String {
    const LENGTH: usize = 100;
    let first = text.lines().next().unwrap_or("").trim();
    let more = text.lines().nth(1).is_some();
    if first.chars().count() > LENGTH {
        format!("{}…", first.chars().take(LENGTH).collect::<String>())
    } else if more {
        format!("{first} …")
    } else {
        first.to_string()
    }
}

/// One migration file.
#[derive(Debug, Clone)]
pub struct MigrationScript {
    /// As given on the command line.
    pub file: String,
    pub text: String,
}

/// What walking a set of migrations found, beside the rules' findings.
#[derive(Debug, Default)]
pub struct MigrationWalk {
    pub diagnostics: Diagnostics,
    pub files: u64,
    pub statements: u64,
    /// The tables neither the schema nor the migrations created, checked as existing tables
    /// of unknown size and traffic.
    pub assumed_tables: BTreeSet<QualifiedName>,
    /// Every statement reported as not understood (`unparsed_statement`, `unparsed_ddl`),
    /// with its place and kind.
    pub unparsed: Vec<SkippedStatement>,
    /// The schema after the migrations.
    pub schema: SchemaLoad,
}

/// What runs on the statements of a walk: the migration rules, with the engine's selection
/// and suppressions (`rules::engine`).
pub trait StatementChecks {
    /// A file is about to be walked: its statements and suppression comments are read.
    fn start_file(&mut self, script: &MigrationScript, file: &MigrationFile<'_>);
    /// One statement, with the schema as the statements before it left it.
    fn statement(&mut self, context: &StatementContext<'_>);
    /// The file has been applied: the decisions left for its end run on `catalog`.
    fn end_file(&mut self, catalog: &Catalog);
}

/// Walks the scripts in order, each applied on top of the ones before, starting from
/// `base`, and hands every statement to `checks`.
pub fn walk_migrations(
    scripts: &[MigrationScript],
    base: Catalog,
    environment: &Environment<'_>,
    checks: &mut dyn StatementChecks,
) -> MigrationWalk {
    let mut walk = MigrationWalk::default();
    let mut loader = SchemaLoader::new(base);
    // Reading and parsing is independent per file: other threads do it, in migration order,
    // while this one applies and checks, in order, the files parsed so far; when the next
    // file is not parsed yet, this thread parses one more rather than wait. A parser per
    // core but this one: one more only competes with checking for a core.
    let parsers = std::thread::available_parallelism().map_or(0, |cores| cores.get() - 1);
    let next_to_parse = AtomicUsize::new(0);
    let parse_next = || {
        let index = next_to_parse.fetch_add(1, Ordering::Relaxed);
        let script = scripts.get(index)?;
        Some((index, ParsedScript::new(script)))
    };
    let (parsed_tx, parsed_rx) = crossbeam_channel::unbounded();
    std::thread::scope(|scope| {
        for _ in 0..parsers {
            let parsed_tx = parsed_tx.clone();
            let parser = deep_thread().spawn_scoped(scope, move || {
                while let Some(parsed) = parse_next() {
                    // Fails only when checking has panicked: nothing waits for the file then.
                    if parsed_tx.send(parsed).is_err() {
                        return;
                    }
                }
            });
            // Without that thread, this one parses more of the files itself.
            drop(parser);
        }
        drop(parsed_tx);
        let mut waiting = BTreeMap::new();
        for next in 0..scripts.len() {
            let parsed = loop {
                if let Some(parsed) = waiting.remove(&next) {
                    break parsed;
                }
                let (index, parsed) = match parsed_rx.try_recv() {
                    Ok(arrived) => arrived,
                    Err(_) => match parse_next() {
                        Some(parsed_here) => parsed_here,
                        None => parsed_rx.recv().expect("a parser thread failed"),
                    },
                };
                waiting.insert(index, parsed);
            };
            walk_script(&parsed, &mut loader, environment, checks, &mut walk);
        }
    });
    walk.schema = loader.finish();
    walk
}

/// A migration file read into statements, each parsed.
struct ParsedScript<'a> {
    script: &'a MigrationScript,
    file: MigrationFile<'a>,
    parses: Vec<Parsed>,
}

/// sqlparser's reading of a statement, and whether it read an `ALTER TABLE` only without
/// the actions the catalog does not model.
type Parsed = (Result<Vec<Statement>, ParseError>, bool);

impl<'a> ParsedScript<'a> {
    fn new(script: &'a MigrationScript) -> Self {
        let file = read_migration(&script.text);
        let parses = file.statements.iter().map(parse_statement).collect();
        ParsedScript {
            script,
            file,
            parses,
        }
    }
}

/// sqlparser's reading of a statement; of its text with adjacent string literals joined, or
/// of an `ALTER TABLE` without the actions the catalog does not model, when that is what it
/// could not read.
fn parse_statement(statement: &MigrationStatement<'_>) -> Parsed {
    let parsed = parse_sql(statement.text);
    if parsed.is_ok() {
        return (parsed, false);
    }
    if let Some(Ok(joined)) = reading::joined_literals(&statement.words).map(|t| parse_sql(&t)) {
        return (Ok(joined), false);
    }
    let without = alter_table_without_neutral_actions(&statement.words);
    match without.map(|text| parse_sql(&text)) {
        Some(Ok(statements)) => (Ok(statements), true),
        _ => (parsed, false),
    }
}

fn walk_script(
    parsed_script: &ParsedScript<'_>,
    loader: &mut SchemaLoader,
    environment: &Environment<'_>,
    checks: &mut dyn StatementChecks,
    walk: &mut MigrationWalk,
) {
    let ParsedScript {
        script,
        file,
        parses,
    } = parsed_script;
    walk.files += 1;
    checks.start_file(script, file);
    loader.start_file();
    let mut session = Session {
        in_transaction: environment.assume_in_transaction,
        ..Session::default()
    };
    for (statement, (parsed, without_neutral_actions)) in file.statements.iter().zip(parses) {
        walk.statements += 1;
        let ast = match parsed {
            Ok(statements) => statements.first(),
            Err(_) => None,
        };
        let context = StatementContext {
            file: &script.file,
            statement,
            ast,
            without_neutral_actions: *without_neutral_actions,
            catalog: loader.catalog(),
            loader,
            session: &session,
            environment,
            file_end_checks: RefCell::default(),
            assumed: RefCell::default(),
        };
        checks.statement(&context);
        let next = next_session(&session, &context);
        for table in context.assumed.take() {
            note_assumed_table(table, &script.file, statement, walk);
        }
        let created = created_table(&context);
        // The catalog has nothing to apply such a statement to: its tables are reported once,
        // as assumed, rather than as missing at every statement.
        let load = if changes_only_assumed_relations(&context) {
            StatementLoad::Ignored
        } else {
            loader.load_parsed(&statement.words, statement.line, &script.file, Some(parsed))
        };
        note_unparsed(&script.file, statement, parsed, load, walk);
        session = next;
        if let Some((name, from_query)) = created {
            if from_query {
                session.created_from_query.insert(name.clone());
            }
            session.created.insert(name);
        }
    }
    checks.end_file(loader.catalog());
}

/// Keeps a statement neither sqlparser nor the loader nor the words could read, and reports
/// it as `unparsed_statement` unless the loader did (`unparsed_ddl`).
fn note_unparsed(
    file: &str,
    statement: &MigrationStatement<'_>,
    parsed: &Result<Vec<Statement>, ParseError>,
    load: StatementLoad,
    walk: &mut MigrationWalk,
) {
    // Every check such a statement has ran on its words.
    let read_by_words = || reading::read_by_words(&statement.words);
    let unparsed_here = match (parsed, load) {
        (Err(error), StatementLoad::Ignored) if !read_by_words() => Some(error),
        _ => None,
    };
    if load != StatementLoad::Unparsed && unparsed_here.is_none() {
        return;
    }
    walk.unparsed.push(SkippedStatement {
        file: file.to_string(),
        line: statement.line as u64,
        head: statement.words.head(),
        skip: Skip::Unparsed,
    });
    if let Some(error) = unparsed_here {
        walk.diagnostics
            .report(Kind::UnparsedStatement, || Example {
                file: file.to_string(),
                line: statement.line as u64,
                reason: format!(
                    "{error}: `{}` (only the checks that need no parse ran)",
                    excerpt(statement.text)
                ),
            });
    }
}

/// The table a `CREATE TABLE` makes, and whether a query fills it — read from its words
/// when sqlparser could not read it, so that later statements on it stay quiet all the same.
fn created_table(context: &StatementContext<'_>) -> Option<(QualifiedName, bool)> {
    if let Some(Statement::CreateTable(create)) = context.ast {
        return Some((
            context.declared_table_name(&create.name),
            create.query.is_some(),
        ));
    }
    if context.ast.is_some() || !context.starts_with(&["CREATE"]) {
        return None;
    }
    let modifiers = [
        "GLOBAL",
        "LOCAL",
        "TEMP",
        "TEMPORARY",
        "UNLOGGED",
        "FOREIGN",
    ];
    let words = &context.statement.words;
    let at = (1..words.len()).find(|&at| !modifiers.iter().any(|m| words.is(at, m)))?;
    if !words.is(at, "TABLE") {
        return None;
    }
    let name = context.object_after(&["TABLE"])?;
    Some((
        context.declared_table_name(&name),
        context.words_include("AS"),
    ))
}

/// Whether the statement changes only tables (or indexes) the schema does not have, taken
/// to exist (see [`StatementContext::assumed_table`]).
fn changes_only_assumed_relations(context: &StatementContext<'_>) -> bool {
    let assumed = |name: &ObjectName| {
        context
            .assumed_table(name)
            .is_some_and(|table| context.is_assumed(&table))
    };
    match context.ast {
        Some(Statement::AlterTable(alter)) => assumed(&alter.name),
        Some(Statement::CreateIndex(create)) => assumed(&create.table_name),
        Some(Statement::Drop {
            object_type: ObjectType::Index,
            names,
            ..
        }) => names.iter().all(|name| context.index_name(name).is_none()),
        Some(Statement::Drop {
            object_type: ObjectType::Table,
            names,
            ..
        }) => names.iter().all(assumed),
        _ => false,
    }
}

/// Counts a table taken to exist once, at the first statement that names it.
fn note_assumed_table(
    table: QualifiedName,
    file: &str,
    statement: &MigrationStatement<'_>,
    walk: &mut MigrationWalk,
) {
    if walk.assumed_tables.contains(&table) {
        return;
    }
    walk.diagnostics.report(Kind::TableNotInSchema, || Example {
        file: file.to_string(),
        line: statement.line as u64,
        reason: format!(
            "{table} is neither in the schema nor created by the migrations before: checked \
             as an existing table of unknown size and traffic"
        ),
    });
    walk.assumed_tables.insert(table);
}

/// The session after the statement has run.
fn next_session(before: &Session, context: &StatementContext<'_>) -> Session {
    let mut session = before.clone();
    let is = |words: &[&str]| context.starts_with(words);
    if is(&["BEGIN"]) || is(&["START", "TRANSACTION"]) {
        session.in_transaction = true;
        session.begin_line = Some(context.statement.line);
        return session;
    }
    if context.ends_transaction() {
        if context.environment.assume_in_transaction && session.tool_transaction_ended.is_none() {
            session.tool_transaction_ended = Some(context.statement.line);
        }
        // Whoever opened it, the transaction is over: what follows runs on its own (a
        // COMMIT inside a tool's transaction ends the tool's).
        session.in_transaction = false;
        session.begin_line = None;
        session.exclusive_lock = None;
        session.locking_statements_since = 0;
        session.added_not_valid.clear();
        session.emptied.clear();
        return session;
    }
    if session.in_transaction {
        session
            .added_not_valid
            .extend(constraints_added_not_valid(context.ast));
    }
    follow_assumed_table_checks(&mut session.assumed_table_checks, context);
    if let Some(setting) = setting_name(context) {
        if setting == "lock_timeout" {
            session.lock_timeout = true;
        }
        return session;
    }
    follow_emptied_tables(&mut session, context);
    let locks = context.locks_on_existing_tables();
    if is_backfill(context) || is(&["TRUNCATE"]) {
        session
            .rows_changed
            .extend(locks.iter().map(|l| l.table.clone()));
    }
    if locks.is_empty() {
        return session;
    }
    if locks.iter().any(|l| l.lock >= LockMode::Share) {
        session.strong_locks_before += 1;
    }
    if session.exclusive_lock.is_some() {
        session.locking_statements_since += 1;
    } else if session.in_transaction
        && let Some(lock) = locks.iter().find(|l| l.lock == LockMode::AccessExclusive)
    {
        session.exclusive_lock = Some((lock.table.clone(), context.statement.line));
    }
    session
}

/// Follows the tables a `TRUNCATE` in the open transaction emptied: an `INSERT`, `COPY` or
/// `MERGE` into one may fill it again. Outside a transaction, others may fill it at once.
fn follow_emptied_tables(session: &mut Session, context: &StatementContext<'_>) {
    let is = |words: &[&str]| context.starts_with(words);
    if !session.in_transaction {
        session.emptied.clear();
        return;
    }
    if is(&["TRUNCATE"])
        && let Some(Statement::Truncate(truncate)) = context.ast
    {
        let emptied = truncate
            .table_names
            .iter()
            .filter_map(|target| context.assumed_table(&target.name));
        session.emptied.extend(emptied);
        return;
    }
    let filled = if is(&["INSERT", "INTO"]) {
        context.object_after(&["INTO"])
    } else if is(&["COPY"]) {
        context.object_after(&["COPY"])
    } else if is(&["MERGE", "INTO"]) {
        context.object_after(&["INTO"])
    } else {
        None
    };
    if let Some(table) = filled.and_then(|name| context.assumed_table(&name)) {
        session.emptied.remove(&table);
    }
}

/// Keeps the CHECK constraints of tables the schema does not have as `ALTER TABLE` adds,
/// validates and drops them.
fn follow_assumed_table_checks(checks: &mut Vec<AddedCheck>, context: &StatementContext<'_>) {
    let Some((table, operations)) = context.altered_table() else {
        return;
    };
    if !context.is_assumed(&table) {
        return;
    }
    let named = |check: &AddedCheck, name: &Ident| {
        check.table == table && check.name.as_deref() == Some(&crate::model::ddl::identifier(name))
    };
    for operation in operations {
        match operation {
            AlterTableOperation::AddConstraint {
                constraint: TableConstraint::Check(check),
                not_valid,
            } => checks.push(AddedCheck {
                table: table.clone(),
                name: check.name.as_ref().map(crate::model::ddl::identifier),
                expression: check.expr.to_string(),
                validated: !not_valid,
            }),
            AlterTableOperation::ValidateConstraint { name } => checks
                .iter_mut()
                .filter(|check| named(check, name))
                .for_each(|check| check.validated = true),
            AlterTableOperation::DropConstraint { name, .. } => {
                checks.retain(|check| !named(check, name))
            }
            _ => {}
        }
    }
}

/// The names of the constraints an `ALTER TABLE` adds `NOT VALID`.
fn constraints_added_not_valid(ast: Option<&Statement>) -> Vec<String> {
    let Some(Statement::AlterTable(alter)) = ast else {
        return Vec::new();
    };
    alter
        .operations
        .iter()
        .filter_map(|operation| match operation {
            AlterTableOperation::AddConstraint {
                constraint,
                not_valid: true,
            } => match constraint {
                TableConstraint::ForeignKey(fk) => fk.name.as_ref(),
                TableConstraint::Check(check) => check.name.as_ref(),
                _ => None,
            },
            _ => None,
        })
        .map(crate::model::ddl::identifier)
        .collect()
}

/// The setting a `SET [LOCAL|SESSION] name …` statement changes, lower-cased.
pub fn setting_name(context: &StatementContext<'_>) -> Option<String> {
    if !context.starts_with(&["SET"]) {
        return None;
    }
    let words = &context.statement.words;
    let at = if words.is(1, "LOCAL") || words.is(1, "SESSION") {
        2
    } else {
        1
    };
    words
        .ident(at)
        .map(|setting| setting.value.to_ascii_lowercase())
}
