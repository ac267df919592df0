//! PostgreSQL as the judge of what `planwise check` says a migration does. Every migration
//! case (`fixtures/rules/MIG*/{positive,negative*}`, and the statements of
//! `fixtures/judge/`, written to cover the lock model) is replayed on a database of the
//! test's own, built from the case's schema, statement by statement; each statement runs in
//! a transaction of its own that stays open while a second session reads `pg_locks` for
//! the locks it holds (the strongest on each table) and the first compares the tables' file
//! nodes before and after (a new one: the table was rewritten). Those are held against
//!
//! - every claim of every finding (`Finding::claims`): the lock a statement takes and
//!   whether it rewrites the table; the lock its transaction still holds (replayed then
//!   with the file's own transactions); that it fails once the table has a row (run again
//!   with a row put in, and it must succeed without); that it cannot run in a transaction;
//! - the lock model the rules read (`StatementContext::locks`) for every statement, claimed
//!   or not: a table it says is locked, or one the server locks against schema changes or
//!   more, must be locked in that mode, and rewritten exactly when it says so.
//!
//! The test lists what was judged and fails on any disagreement, on a fixture statement the
//! server rejects, and when a rule that makes claims has none judged.

mod common;

use common::check_json;
use common::live::{self, admin, runtime};
use planwise::analysis::migration::impact::Thresholds;
use planwise::analysis::migration::locks::{TableLock, Work};
use planwise::analysis::migration::script::{MigrationFile, read_migration};
use planwise::analysis::migration::volatility::{BUILT_IN_FUNCTIONS, Volatility};
use planwise::analysis::migration::{
    Environment, MigrationScript, StatementChecks, StatementContext, walk_migrations,
};
use planwise::findings::{Claim, LockMode};
use planwise::model::catalog::{Catalog, QualifiedName};
use planwise::model::ddl::loader::SchemaLoader;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio_postgres::Client;

/// The rules whose findings claim a lock, a rewrite or a failure: each must have claims
/// judged in its fixtures.
const CLAIMING_RULES: &[&str] = &[
    "MIG001", "MIG002", "MIG003", "MIG004", "MIG005", "MIG006", "MIG007", "MIG008", "MIG009",
    "MIG010", "MIG011", "MIG012",
];

/// Rules whose messages name a lock mode or a rewrite of a statement still to be written
/// (widening an int key later, changing a varchar's length later): nothing this migration
/// runs, so nothing to judge.
const FUTURE_STATEMENT_RULES: &[&str] = &["MIG019", "MIG023"];

/// Cases judged at once: the test server has cores enough, and each case is mostly waiting.
const WORKERS: usize = 3;

/// One migration case: its schema and its migration.
struct Case {
    /// `MIG005/positive`.
    name: String,
    dir: PathBuf,
    schema: PathBuf,
}

impl Case {
    fn migration(&self) -> PathBuf {
        self.dir.join("migration.sql")
    }
}

/// The cases: every migration rule's, then `fixtures/judge/`'s. A case whose schema is only
/// a saved catalog (`schema.json`, statistics without DDL) cannot be built on the server.
fn cases() -> (Vec<Case>, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = Vec::new();
    for parent in ["fixtures/rules", "fixtures/judge"] {
        let Ok(entries) = std::fs::read_dir(root.join(parent)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.join("migration.sql").is_file() {
                dirs.push(path);
            } else if path.is_dir() {
                for case in std::fs::read_dir(&path).unwrap() {
                    let case = case.unwrap().path();
                    if case.join("migration.sql").is_file() {
                        dirs.push(case);
                    }
                }
            }
        }
    }
    dirs.sort();
    let (mut cases, mut unjudged) = (Vec::new(), Vec::new());
    for dir in dirs {
        let name = dir
            .strip_prefix(root)
            .unwrap()
            .iter()
            .skip(1)
            .map(|part| part.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let schema = [
            dir.join("schema.sql"),
            dir.parent().unwrap().join("schema.sql"),
        ]
        .into_iter()
        .find(|path| path.is_file());
        match schema {
            Some(schema) => cases.push(Case { name, dir, schema }),
            None => unjudged.push(format!("{name}: its schema is a saved catalog, not DDL")),
        }
    }
    (cases, unjudged)
}

/// What planwise says of one statement of a case.
#[derive(Default)]
struct Said {
    /// The rules' claims, with the rule that makes each.
    claims: Vec<(String, Claim)>,
    /// The lock model's tables, with their lock and work.
    model: Vec<TableLock>,
    /// MIG030 says the statement runs DDL planwise does not check (a `DO` block): the
    /// server's locks are not the model's to know, only what it does say is judged.
    not_checked: bool,
}

/// The lock model of every statement, by line, as `check` computes it for the rules.
#[derive(Default)]
struct ModelLocks(BTreeMap<usize, Vec<TableLock>>);

impl StatementChecks for ModelLocks {
    fn start_file(&mut self, _: &MigrationScript, _: &MigrationFile<'_>) {}

    fn statement(&mut self, context: &StatementContext<'_>) {
        self.0.insert(context.statement.line, context.locks());
    }

    fn end_file(&mut self, _: &Catalog) {}
}

/// What planwise says of each statement of the case, by line: the claims of `check`'s
/// findings and the lock model. A message that says more than its claims is a disagreement.
fn said(case: &Case, verdicts: &mut Verdicts) -> BTreeMap<usize, Said> {
    let mut args: Vec<std::ffi::OsString> = vec![
        case.migration().into(),
        "--schema".into(),
        case.schema.clone().into(),
    ];
    if let Ok(extra) = std::fs::read_to_string(case.dir.join("args")) {
        args.extend(extra.split_whitespace().map(Into::into));
    }
    if case.dir.join("workload.sql").is_file() {
        args.extend(["--log".into(), case.dir.join("workload.sql").into()]);
    }
    let report = check_json(args);
    let mut said: BTreeMap<usize, Said> = BTreeMap::new();
    for finding in report["findings"].as_array().unwrap() {
        let line = finding["location"]["line"].as_u64().unwrap() as usize;
        let rule = finding["rule"].as_str().unwrap().to_string();
        if rule == "MIG030" {
            said.entry(line).or_default().not_checked = true;
        }
        verdicts
            .disagreements
            .extend(message_beyond_claims(case, finding));
        for claim in finding["claims"].as_array().into_iter().flatten() {
            let claim: Claim = serde_json::from_value(claim.clone()).unwrap();
            said.entry(line)
                .or_default()
                .claims
                .push((rule.clone(), claim));
        }
    }
    for (line, model) in model_locks(case).0 {
        said.entry(line).or_default().model = model;
    }
    said
}

fn model_locks(case: &Case) -> ModelLocks {
    let mut loader = SchemaLoader::new(Catalog::default());
    let schema = std::fs::read_to_string(&case.schema).unwrap();
    loader.load_script(&schema, "schema.sql");
    let table_rows = BTreeMap::new();
    let environment = Environment {
        pg_version: 15,
        table_rows: &table_rows,
        usage: None,
        thresholds: Thresholds::default(),
        assume_in_transaction: false,
    };
    let script = MigrationScript {
        file: "migration.sql".into(),
        text: std::fs::read_to_string(case.migration()).unwrap(),
    };
    let mut locks = ModelLocks::default();
    walk_migrations(&[script], loader.finish().catalog, &environment, &mut locks);
    locks
}

/// A message that names a lock mode, or says the statement rewrites a table, must claim it:
/// the typed claim is what is judged, so the words may not say more than it.
fn message_beyond_claims(case: &Case, finding: &serde_json::Value) -> Vec<String> {
    let rule = finding["rule"].as_str().unwrap();
    if FUTURE_STATEMENT_RULES.contains(&rule) {
        return Vec::new();
    }
    let mut beyond = Vec::new();
    let message = finding["message"].as_str().unwrap();
    let claims: Vec<Claim> = finding["claims"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|claim| serde_json::from_value(claim.clone()).unwrap())
        .collect();
    let claimed_modes: BTreeSet<LockMode> = claims
        .iter()
        .filter_map(|claim| match claim {
            Claim::TakesLock { lock, .. } | Claim::HoldsLock { lock, .. } => Some(*lock),
            _ => None,
        })
        .collect();
    for mode in modes_named(message) {
        if !claimed_modes.contains(&mode) {
            beyond.push(format!(
                "{}: {rule}'s message names {} but claims {claimed_modes:?}: {message}",
                case.name,
                mode.as_str()
            ));
        }
    }
    let claims_rewrite = claims
        .iter()
        .any(|claim| matches!(claim, Claim::TakesLock { rewrites: true, .. }));
    if (message.contains("rewrites ") || message.contains("a table rewrite")) && !claims_rewrite {
        beyond.push(format!(
            "{}: {rule} says a table is rewritten but claims no rewrite: {message}",
            case.name
        ));
    }
    beyond
}

/// The lock modes a message names, as whole words, longest names first so that `SHARE` is
/// not read inside `SHARE ROW EXCLUSIVE`.
fn modes_named(message: &str) -> Vec<LockMode> {
    let mut modes = LockMode::ALL.to_vec();
    modes.sort_by_key(|mode| std::cmp::Reverse(mode.as_str().len()));
    let mut text = message.to_string();
    let mut named = Vec::new();
    for mode in modes {
        let name = mode.as_str();
        let whole_word = |at: usize| {
            let before = text[..at].chars().next_back();
            let after = text[at + name.len()..].chars().next();
            ![before, after]
                .into_iter()
                .flatten()
                .any(|c| c.is_ascii_uppercase())
        };
        let found: Vec<usize> = text
            .match_indices(name)
            .map(|(at, _)| at)
            .filter(|at| whole_word(*at))
            .collect();
        if found.is_empty() {
            continue;
        }
        named.push(mode);
        for at in found.into_iter().rev() {
            text.replace_range(at..at + name.len(), "·");
        }
    }
    named
}

/// What the server did with one statement run in a transaction of its own.
#[derive(Default)]
struct Observed {
    /// The strongest lock held on each existing table.
    locks: BTreeMap<QualifiedName, LockMode>,
    /// The tables given a new file node.
    rewritten: BTreeSet<QualifiedName>,
    /// The tables before the statement ran.
    existing: BTreeSet<QualifiedName>,
    error: Option<String>,
}

/// Two sessions on one database: `a` runs the migration, `b` watches it.
struct Sessions {
    a: Client,
    b: Client,
    a_pid: i32,
}

impl Sessions {
    async fn open(database: &str) -> Sessions {
        let a = admin(database).await;
        let b = admin(database).await;
        let a_pid = a
            .query_one("SELECT pg_backend_pid()", &[])
            .await
            .unwrap()
            .get(0);
        Sessions { a, b, a_pid }
    }

    /// The file node of every table, as session `a` sees them.
    async fn file_nodes(&self) -> BTreeMap<QualifiedName, Option<u32>> {
        let rows = self
            .a
            .query(
                "SELECT n.nspname::text, c.relname::text, pg_relation_filenode(c.oid)::oid
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r', 'p', 'm')
                   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                   AND n.nspname NOT LIKE 'pg\\_toast%'",
                &[],
            )
            .await
            .unwrap();
        rows.iter()
            .map(|row| {
                (
                    QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1)),
                    row.get(2),
                )
            })
            .collect()
    }

    /// The strongest lock `a` holds on each table `b` can see.
    async fn locks_held_by_a(&self) -> BTreeMap<QualifiedName, LockMode> {
        let rows = self
            .b
            .query(
                "SELECT n.nspname::text, c.relname::text, l.mode
                 FROM pg_locks l
                 JOIN pg_class c ON c.oid = l.relation
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE l.pid = $1 AND l.locktype = 'relation' AND l.granted
                   AND c.relkind IN ('r', 'p', 'm')",
                &[&self.a_pid],
            )
            .await
            .unwrap();
        let mut locks: BTreeMap<QualifiedName, LockMode> = BTreeMap::new();
        for row in rows {
            let table = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
            let mode = LockMode::from_pg_locks(row.get(2)).expect("a table lock mode");
            let strongest = locks.entry(table).or_insert(mode);
            *strongest = (*strongest).max(mode);
        }
        locks
    }

    /// Runs the statement in a transaction of its own, watched, and commits it.
    async fn run_watched(&self, sql: &str) -> Observed {
        self.a.batch_execute("BEGIN").await.unwrap();
        let before = self.file_nodes().await;
        let mut observed = Observed {
            existing: before.keys().cloned().collect(),
            ..Observed::default()
        };
        if let Err(error) = self.a.batch_execute(sql).await {
            observed.error = Some(error_text(&error));
            self.a.batch_execute("ROLLBACK").await.unwrap();
            return observed;
        }
        observed.locks = self.locks_held_by_a().await;
        let after = self.file_nodes().await;
        observed.rewritten = before
            .iter()
            .filter(|(table, node)| after.get(*table).is_some_and(|later| later != *node))
            .map(|(table, _)| table.clone())
            .collect();
        self.a.batch_execute("COMMIT").await.unwrap();
        observed
    }

    /// Whether the statement fails once `table` has a row (put in and rolled back).
    async fn fails_with_a_row(&self, table: &QualifiedName, sql: &str) -> Result<bool, String> {
        let insert = self.one_row(table).await?;
        self.a.batch_execute("BEGIN").await.unwrap();
        if let Err(error) = self.a.batch_execute(&insert).await {
            self.a.batch_execute("ROLLBACK").await.unwrap();
            return Err(format!(
                "cannot put a row in {table}: {}",
                error_text(&error)
            ));
        }
        let failed = self.a.batch_execute(sql).await.is_err();
        self.a.batch_execute("ROLLBACK").await.unwrap();
        Ok(failed)
    }

    /// An `INSERT` of one row into `table`: a value of its type for each required column
    /// without a default.
    async fn one_row(&self, table: &QualifiedName) -> Result<String, String> {
        let rows = self
            .a
            .query(
                "SELECT quote_ident(a.attname), format_type(a.atttypid, a.atttypmod),
                        t.typcategory::text
                 FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                 WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
                   AND a.attnotnull AND NOT a.atthasdef AND a.attidentity = ''
                   AND a.attgenerated = ''",
                &[&format!("{}.{}", table.schema, table.name)],
            )
            .await
            .unwrap();
        let (mut columns, mut values) = (Vec::new(), Vec::new());
        for row in rows {
            let (column, data_type, category): (String, String, String) =
                (row.get(0), row.get(1), row.get(2));
            let value = match (category.as_str(), data_type.as_str()) {
                (_, "uuid") => "00000000-0000-0000-0000-000000000001",
                ("N", _) => "1",
                ("S", _) => "x",
                ("B", _) => "true",
                ("D", _) => "2000-01-01",
                ("A", _) => "{}",
                _ => return Err(format!("no value to put in {table}.{column} ({data_type})")),
            };
            columns.push(column);
            values.push(format!("'{value}'::{data_type}"));
        }
        Ok(format!(
            "INSERT INTO {}.{} ({}) VALUES ({})",
            table.schema,
            table.name,
            columns.join(", "),
            values.join(", ")
        )
        .replace(" () VALUES ()", " DEFAULT VALUES"))
    }
}

fn error_text(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => error.to_string(),
    }
}

/// A statement that opens or ends a transaction, or a savepoint in it: the isolated replay
/// runs each statement in a transaction of its own instead.
fn is_transaction_control(sql: &str) -> bool {
    let first = sql
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_end_matches(';')
        .to_ascii_uppercase();
    [
        "BEGIN",
        "START",
        "COMMIT",
        "END",
        "ROLLBACK",
        "ABORT",
        "SAVEPOINT",
        "RELEASE",
    ]
    .contains(&first.as_str())
}

/// What one case's judging found: the lines of the listing and the disagreements.
#[derive(Default)]
struct Verdicts {
    listing: Vec<String>,
    disagreements: Vec<String>,
    /// The rules with at least one claim judged.
    rules_judged: BTreeSet<String>,
}

impl Verdicts {
    fn judge(&mut self, place: &str, what: String, agrees: bool, server: String) {
        let verdict = if agrees { "agrees" } else { "DISAGREES" };
        let line = format!("{place}: {what} — server: {server}: {verdict}");
        if !agrees {
            self.disagreements.push(line.clone());
        }
        self.listing.push(line);
    }
}

/// `ACCESS EXCLUSIVE, rewritten` / `none`, for the listing.
fn server_said(observed: &Observed, table: &QualifiedName) -> String {
    let lock = observed
        .locks
        .get(table)
        .map_or("no lock", |mode| mode.as_str());
    let rewrite = if observed.rewritten.contains(table) {
        "rewritten"
    } else {
        "not rewritten"
    };
    format!("{lock} on {table}, {rewrite}")
}

/// A table emptied by `TRUNCATE` gets a new file node without a row being written: not
/// what "rewrite" means.
fn rewrites_as_observed(sql: &str, observed: &Observed, table: &QualifiedName) -> bool {
    let truncate = sql
        .trim_start()
        .to_ascii_uppercase()
        .starts_with("TRUNCATE");
    observed.rewritten.contains(table) && !truncate
}

/// One replay of a case on a database built from its schema: the two sessions, the
/// migration's text and what planwise says of it.
struct Replay<'a> {
    case: &'a Case,
    said: &'a BTreeMap<usize, Said>,
    sessions: Sessions,
    text: String,
}

impl<'a> Replay<'a> {
    async fn open(case: &'a Case, said: &'a BTreeMap<usize, Said>, database: &str) -> Self {
        Replay {
            case,
            said,
            sessions: Sessions::open(database).await,
            text: std::fs::read_to_string(case.migration()).unwrap(),
        }
    }
}

/// The isolated replay of one case: every statement in a transaction of its own, its
/// claims and its lock model judged.
async fn judge_isolated(replay: Replay<'_>, verdicts: &mut Verdicts) {
    let Replay {
        case,
        said,
        sessions,
        text,
    } = replay;
    for statement in read_migration(&text).statements {
        let sql = statement.text;
        if is_transaction_control(sql) {
            continue;
        }
        let place = format!("{}:{} `{}`", case.name, statement.line, first_line(sql));
        let empty = Said::default();
        let said = said.get(&statement.line).unwrap_or(&empty);
        for (rule, claim) in &said.claims {
            judge_failure_claim(&sessions, &place, rule, claim, sql, verdicts).await;
        }
        if sql.to_ascii_uppercase().contains("CONCURRENTLY") {
            // Cannot run in a transaction: run as it is, unwatched.
            if let Err(error) = sessions.a.batch_execute(sql).await {
                verdicts
                    .disagreements
                    .push(format!("{place}: fails: {}", error_text(&error)));
            }
            continue;
        }
        let observed = sessions.run_watched(sql).await;
        if let Some(error) = &observed.error {
            verdicts.disagreements.push(format!(
                "{place}: the server rejects the fixture's statement: {error}"
            ));
            continue;
        }
        for (rule, claim) in &said.claims {
            if let Claim::TakesLock {
                table,
                lock,
                rewrites,
            } = claim
            {
                let agrees = observed.locks.get(table) == Some(lock)
                    && rewrites_as_observed(sql, &observed, table) == *rewrites;
                let what = format!("{rule} claims {}", claimed_lock(table, *lock, *rewrites));
                verdicts.judge(&place, what, agrees, server_said(&observed, table));
                verdicts.rules_judged.insert(rule.clone());
            }
        }
        if said.not_checked {
            let line = format!("{place}: MIG030 says not checked: its lock model is not judged");
            verdicts.listing.push(line);
        } else {
            judge_model(&place, sql, &said.model, &observed, verdicts);
        }
    }
}

fn claimed_lock(table: &QualifiedName, lock: LockMode, rewrites: bool) -> String {
    let rewrite = if rewrites {
        "rewritten"
    } else {
        "not rewritten"
    };
    format!("{} on {table}, {rewrite}", lock.as_str())
}

/// A claim that the statement fails: with a row in the table, or in a transaction.
async fn judge_failure_claim(
    sessions: &Sessions,
    place: &str,
    rule: &str,
    claim: &Claim,
    sql: &str,
    verdicts: &mut Verdicts,
) {
    match claim {
        Claim::FailsWithRows { table } => {
            let what = format!("{rule} claims it fails once {table} has a row");
            match sessions.fails_with_a_row(table, sql).await {
                Ok(failed) => {
                    let server = if failed {
                        "fails with a row"
                    } else {
                        "runs with a row"
                    };
                    verdicts.judge(place, what, failed, server.to_string());
                }
                Err(error) => verdicts.disagreements.push(format!("{place}: {error}")),
            }
        }
        Claim::FailsInTransaction => {
            sessions.a.batch_execute("BEGIN").await.unwrap();
            let outcome = sessions.a.batch_execute(sql).await;
            sessions.a.batch_execute("ROLLBACK").await.unwrap();
            let server = match &outcome {
                Ok(()) => "runs in a transaction".to_string(),
                Err(error) => error_text(error),
            };
            let failed = outcome.is_err_and(|e| {
                e.as_db_error()
                    .is_some_and(|db| db.code().code() == "25001")
            });
            let what = format!("{rule} claims it cannot run in a transaction");
            verdicts.judge(place, what, failed, server);
        }
        Claim::TakesLock { .. } | Claim::HoldsLock { .. } => return,
    }
    verdicts.rules_judged.insert(rule.to_string());
}

/// The lock model against the server: each table it names is locked in that mode and
/// rewritten exactly when it says; a table the server locks against schema changes or more
/// is one it names.
fn judge_model(
    place: &str,
    sql: &str,
    model: &[TableLock],
    observed: &Observed,
    verdicts: &mut Verdicts,
) {
    for lock in model {
        let agrees = observed.locks.get(&lock.table) == Some(&lock.lock)
            && rewrites_as_observed(sql, observed, &lock.table) == (lock.work == Work::Rewrite);
        let what = format!(
            "model: {}",
            claimed_lock(&lock.table, lock.lock, lock.work == Work::Rewrite)
        );
        verdicts.judge(place, what, agrees, server_said(observed, &lock.table));
    }
    let unmodelled = observed.locks.iter().filter(|(table, mode)| {
        **mode >= LockMode::ShareUpdateExclusive
            && observed.existing.contains(*table)
            && !model.iter().any(|lock| &lock.table == *table)
    });
    for (table, _) in unmodelled {
        verdicts.judge(
            place,
            format!("model: nothing on {table}"),
            false,
            server_said(observed, table),
        );
    }
    for table in &observed.rewritten {
        if rewrites_as_observed(sql, observed, table)
            && !model.iter().any(|lock| &lock.table == table)
        {
            verdicts.judge(
                place,
                format!("model: nothing on {table}"),
                false,
                server_said(observed, table),
            );
        }
    }
}

/// The `HoldsLock` claims on the statement at `line`, with their rule.
fn held_claims(
    said: &BTreeMap<usize, Said>,
    line: usize,
) -> Vec<(String, QualifiedName, LockMode)> {
    said.get(&line)
        .map(|said| {
            said.claims
                .iter()
                .filter_map(|(rule, claim)| match claim {
                    Claim::HoldsLock { table, lock } => Some((rule.clone(), table.clone(), *lock)),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a case has claims of locks held by its transactions.
fn claims_held_locks(said: &BTreeMap<usize, Said>) -> bool {
    said.keys().any(|line| !held_claims(said, *line).is_empty())
}

/// The faithful replay of a case with `HoldsLock` claims: its own transactions as written,
/// the locks the transaction holds read after each claimed statement.
async fn judge_held(replay: Replay<'_>, verdicts: &mut Verdicts) {
    let (case, sessions) = (replay.case, &replay.sessions);
    for statement in read_migration(&replay.text).statements {
        let place = format!(
            "{}:{} `{}`",
            case.name,
            statement.line,
            first_line(statement.text)
        );
        if let Err(error) = sessions.a.batch_execute(statement.text).await {
            verdicts
                .disagreements
                .push(format!("{place}: fails as written: {}", error_text(&error)));
            return;
        }
        let claims = held_claims(replay.said, statement.line);
        if claims.is_empty() {
            continue;
        }
        let locks = sessions.locks_held_by_a().await;
        for (rule, table, lock) in claims {
            let held = locks.get(&table).map_or("no lock", |mode| mode.as_str());
            let what = format!(
                "{rule} claims the transaction holds {} on {table}",
                lock.as_str()
            );
            verdicts.judge(
                &place,
                what,
                locks.get(&table) == Some(&lock),
                format!("{held} held"),
            );
            verdicts.rules_judged.insert(rule);
        }
    }
}

fn first_line(sql: &str) -> String {
    let line = sql.lines().next().unwrap_or("").trim();
    if line.chars().count() > 90 {
        format!("{}…", line.chars().take(90).collect::<String>())
    } else {
        line.to_string()
    }
}

/// A database of the test's own with the case's schema applied (dropped with the guard).
fn database_with_schema(case: &Case) -> live::TestDatabase {
    let database = live::database("judge", &[]).expect("the server was found before");
    let schema = std::fs::read_to_string(&case.schema).unwrap();
    runtime().block_on(async {
        admin(&database.name)
            .await
            .batch_execute(&schema)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "{}: the schema fails on the server: {}",
                    case.name,
                    error_text(&e)
                )
            });
    });
    database
}

/// One case judged: its statements replayed one transaction each, and, when it claims locks
/// its transactions hold, replayed again as written.
fn judge_case(case: &Case, verdicts: &mut Verdicts) {
    let said = said(case, verdicts);
    let database = database_with_schema(case);
    runtime().block_on(async {
        judge_isolated(Replay::open(case, &said, &database.name).await, verdicts).await;
    });
    if claims_held_locks(&said) {
        let database = database_with_schema(case);
        runtime().block_on(async {
            judge_held(Replay::open(case, &said, &database.name).await, verdicts).await;
        });
    }
}

#[test]
fn postgresql_agrees_with_every_claim_and_the_lock_model() {
    if live::database("judge_probe", &[]).is_none() {
        return;
    }
    let (cases, unjudged) = cases();
    // Cases run side by side, each on databases of its own.
    let next = AtomicUsize::new(0);
    let verdicts = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                scope.spawn(|| {
                    let mut verdicts = Verdicts::default();
                    while let Some(case) = cases.get(next.fetch_add(1, Ordering::Relaxed)) {
                        judge_case(case, &mut verdicts);
                    }
                    verdicts
                })
            })
            .collect();
        let mut all = Verdicts::default();
        for worker in workers {
            let verdicts = worker.join().expect("a judging thread panicked");
            all.listing.extend(verdicts.listing);
            all.disagreements.extend(verdicts.disagreements);
            all.rules_judged.extend(verdicts.rules_judged);
        }
        all.listing.sort();
        all.disagreements.sort();
        all
    });
    let mut listing = String::new();
    for line in verdicts.listing.iter().chain(&unjudged) {
        let _ = writeln!(listing, "{line}");
    }
    eprintln!("{listing}");
    let missing: Vec<&&str> = CLAIMING_RULES
        .iter()
        .filter(|rule| !verdicts.rules_judged.contains(**rule))
        .collect();
    assert!(
        verdicts.disagreements.is_empty() && missing.is_empty(),
        "PostgreSQL disagrees ({} of {} judgements):\n{}\nrules with no claim judged: {missing:?}",
        verdicts.disagreements.len(),
        verdicts.listing.len(),
        verdicts.disagreements.join("\n")
    );
}

/// The volatility planwise knows of built-in functions (which decides whether a default is
/// stored once or written to every row) is the server's `pg_proc.provolatile`, the most
/// volatile of each name's overloads.
#[test]
fn built_in_function_volatility_is_pg_procs() {
    let Some(database) = live::database("volatility", &[]) else {
        return;
    };
    let wrong = runtime().block_on(async {
        let client = admin(&database.name).await;
        let mut wrong = Vec::new();
        for (name, known) in BUILT_IN_FUNCTIONS {
            let row = client
                .query_one(
                    "SELECT max(CASE provolatile WHEN 'i' THEN 0 WHEN 's' THEN 1 ELSE 2 END)
                     FROM pg_proc
                     WHERE proname = $1 AND pronamespace = 'pg_catalog'::regnamespace",
                    &[name],
                )
                .await
                .unwrap();
            let server = row.get::<_, Option<i32>>(0).map(|most| match most {
                0 => Volatility::Immutable,
                1 => Volatility::Stable,
                _ => Volatility::Volatile,
            });
            if server != Some(*known) {
                wrong.push(format!("{name}: planwise {known:?}, pg_proc {server:?}"));
            }
        }
        wrong
    });
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn lock_modes_are_read_from_messages_longest_first() {
    assert_eq!(
        modes_named("holding SHARE ROW EXCLUSIVE on both tables"),
        [LockMode::ShareRowExclusive]
    );
    assert_eq!(
        modes_named("asks for an ACCESS EXCLUSIVE lock and a SHARE lock"),
        [LockMode::AccessExclusive, LockMode::Share]
    );
    assert!(modes_named("no lock here, share or not").is_empty());
}
