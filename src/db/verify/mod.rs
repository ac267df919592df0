//! `planwise verify`: the recommended indexes built for real on a scratch copy of the
//! database, and the statements they serve timed before and after.
//!
//! A scratch copy is still someone's server, so: it must not be a replica, and no other
//! session may be writing to the database. Only indexes named `planwise_verify_*` are ever
//! built or dropped, always `CONCURRENTLY` and under a lock timeout, and every one is dropped
//! again — after an error, on Ctrl-C and on SIGTERM too; what an interrupted run left behind
//! (a killed process cannot clean up) is dropped by the next run, which says so. Statements
//! are timed only when they pass the same safety gate as `analyze --analyze`, each run in a
//! read-only transaction that is rolled back.

use super::explain::Explainable;
use super::safety::{Purpose, purpose_to_run};
use super::{DbError, STATEMENT_TIMEOUT_SECONDS, Session, connect, runtime};
use crate::analysis::index::definition::{IndexDef, truncated};
use crate::analysis::verification::Timing;
use crate::model::ddl::quote_identifier;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Every index `verify` builds is named with this prefix, and only such indexes are dropped.
pub const INDEX_PREFIX: &str = "planwise_verify_";

mod drops;
mod rewrites;
mod timing;

use drops::measure_drops;
pub use drops::{DropOutcome, DropRequest};
use rewrites::compare_rewrites;
pub use rewrites::{RewriteOutcome, RewriteRequest};

const OTHER_WRITERS: &str = include_str!("../sql/other_writers.sql");
const LEFTOVERS: &str = include_str!("../sql/verify_leftovers.sql");

/// What to verify.
pub struct Request {
    /// The statements to time (reads only: the others are refused by the safety gate).
    pub statements: Vec<Explainable>,
    /// The indexes, most valuable first, each with the statements it serves.
    pub indexes: Vec<IndexRequest>,
    /// Query rewrites to compare with the statements they rewrite.
    pub rewrites: Vec<RewriteRequest>,
    /// Existing indexes to time the workload without.
    pub drops: Vec<DropRequest>,
    /// Timed runs kept per statement (one more runs first, to warm the cache).
    pub runs: usize,
    pub statement_timeout: Duration,
    /// When to stop starting new work.
    pub budget: Duration,
    pub trust_functions: bool,
    /// Data-changing statements may be timed (each in a read-write transaction that is
    /// rolled back); else they are refused by the gate.
    pub include_writes: bool,
}

pub struct IndexRequest {
    pub def: IndexDef,
    pub serves: Vec<u64>,
}

/// A statement's timings, or why it has none.
pub type Timings = BTreeMap<u64, Result<Timing, String>>;

#[derive(Debug, Default)]
pub struct Outcome {
    /// The scratch copy, `host:port/database`.
    pub scratch: String,
    /// Indexes an earlier, interrupted run left behind, dropped before this one began.
    pub leftovers_dropped: Vec<String>,
    /// Statements the safety gate would not run, with why.
    pub refused: BTreeMap<u64, String>,
    /// Each statement timed with the existing indexes only.
    pub before: Timings,
    /// One per index verified, in the order asked; fewer when the budget ran out.
    pub indexes: Vec<IndexOutcome>,
    /// All the indexes that could be built, together.
    pub together: Option<Together>,
    /// The rewrites compared, in the order asked; fewer when the budget ran out.
    pub rewrites: Vec<RewriteOutcome>,
    /// The drops measured, in the order asked; fewer when the budget ran out.
    pub drops: Vec<DropOutcome>,
    pub budget_ran_out: bool,
    /// The signal that stopped the run, if one did.
    pub interrupted: Option<&'static str>,
    /// Indexes this run built and could not drop (the next run drops them).
    pub left_behind: Vec<String>,
    /// Indexes built and not yet dropped.
    created: Vec<QualifiedIndex>,
}

#[derive(Debug)]
pub struct IndexOutcome {
    pub name: String,
    pub built: Result<Built, String>,
    /// The statements it serves, timed again just before it was built: the baseline beside
    /// it, so that what else the server did since the run began does not pass for its effect.
    pub before: Timings,
    /// The statements it serves, timed with it in place.
    pub after: Timings,
}

#[derive(Debug, Clone, Copy)]
pub struct Built {
    pub size_bytes: i64,
    pub build_ms: f64,
}

#[derive(Debug)]
pub struct Together {
    pub indexes: Vec<String>,
    pub after: Timings,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("not a scratch copy planwise may change: {0}")]
    Refused(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// An index in its table's schema.
#[derive(Debug, Clone, PartialEq)]
struct QualifiedIndex {
    schema: String,
    name: String,
}

impl QualifiedIndex {
    fn sql(&self) -> String {
        format!(
            "{}.{}",
            quote_identifier(&self.schema),
            quote_identifier(&self.name)
        )
    }
}

/// Builds, times and drops, then cleans up whatever happened.
pub fn verify(url: &str, request: &Request) -> Result<Outcome, VerifyError> {
    let runtime = runtime()?;
    runtime.block_on(async {
        let reader = connect(url).await?;
        let builder = open_builder(url).await?;
        let own = [reader.pid().await?, builder.pid().await?];
        if let Some(reason) = scratch_refusal(&reader, &own).await? {
            return Err(VerifyError::Refused(reason));
        }
        let mut outcome = Outcome {
            scratch: reader.target.clone(),
            leftovers_dropped: drop_leftovers(&builder).await?,
            ..Outcome::default()
        };
        let deadline = Instant::now() + request.budget;
        let stopped = tokio::select! {
            done = measure_all(&reader, &builder, request, deadline, &mut outcome) => done.err().map(Stop::Failed),
            signal = interruption() => Some(Stop::Signal(signal)),
        };
        clean_up(url, &builder, &own, &mut outcome, stopped.is_some()).await;
        match stopped {
            Some(Stop::Failed(error)) => Err(error.into()),
            Some(Stop::Signal(signal)) => {
                outcome.interrupted = Some(signal);
                Ok(outcome)
            }
            None => Ok(outcome),
        }
    })
}

enum Stop {
    Failed(DbError),
    Signal(&'static str),
}

/// Why the database is not taken for a scratch copy, if it is not.
async fn scratch_refusal(session: &Session, own: &[i32]) -> Result<Option<String>, DbError> {
    let recovery: bool = session
        .query_one("SELECT pg_is_in_recovery()", &[])
        .await?
        .get(0);
    if recovery {
        return Ok(Some(format!(
            "{} is in recovery (a replica): indexes cannot be built there",
            session.target
        )));
    }
    let writers = session.query(OTHER_WRITERS, &[&own]).await?;
    let described: Vec<String> = writers
        .iter()
        .map(|row| {
            let pid: i32 = row.get("pid");
            let user: Option<String> = row.get("usename");
            let application: Option<String> = row.get("application_name");
            format!(
                "pid {pid} (user {}, application {})",
                user.unwrap_or_default(),
                application.filter(|a| !a.is_empty()).unwrap_or("-".into())
            )
        })
        .collect();
    Ok((!described.is_empty()).then(|| {
        format!(
            "another session is writing to {}: {}; verify measures only a copy nobody else is changing",
            session.target,
            described.join(", ")
        )
    }))
}

/// A session that may build and drop planwise's indexes (and nothing else is sent on it).
async fn open_builder(url: &str) -> Result<Session, DbError> {
    let session = connect(url).await?;
    session
        .execute("SET default_transaction_read_only = off", &[])
        .await?;
    Ok(session)
}

/// Drops the `planwise_verify_*` indexes an interrupted run left, and names them.
async fn drop_leftovers(builder: &Session) -> Result<Vec<String>, DbError> {
    let pattern = format!("{}%", INDEX_PREFIX.replace('_', "\\_"));
    let rows = builder.query(LEFTOVERS, &[&pattern]).await?;
    let mut dropped = Vec::new();
    for row in rows {
        let index = QualifiedIndex {
            schema: row.get("schema"),
            name: row.get("name"),
        };
        drop_index(builder, &index).await?;
        dropped.push(index.sql());
    }
    Ok(dropped)
}

async fn drop_index(builder: &Session, index: &QualifiedIndex) -> Result<(), DbError> {
    let statement = format!("DROP INDEX CONCURRENTLY IF EXISTS {}", index.sql());
    builder.execute(&statement, &[]).await.map(drop)
}

/// Baseline, then each index alone, then all of them together, while the budget lasts.
async fn measure_all(
    reader: &Session,
    builder: &Session,
    request: &Request,
    deadline: Instant,
    outcome: &mut Outcome,
) -> Result<(), DbError> {
    let runnable = gate(reader, request, outcome).await?;
    for statement in &runnable {
        let timing = reader.time(statement, request).await;
        outcome.before.insert(statement.id, timing);
    }
    let timed: Vec<&Explainable> = runnable
        .into_iter()
        .filter(|s| matches!(outcome.before.get(&s.id), Some(Ok(_))))
        .collect();
    for (position, index) in request.indexes.iter().enumerate() {
        if Instant::now() >= deadline {
            outcome.budget_ran_out = true;
            return Ok(());
        }
        let served: Vec<&Explainable> = timed
            .iter()
            .copied()
            .filter(|s| index.serves.contains(&s.id))
            .collect();
        let before = time_each(reader, &served, request).await;
        let name = verify_name(&index.def, position);
        let built = build(builder, &index.def, &name, deadline, outcome).await?;
        let after = match built {
            Ok(_) => time_each(reader, &served, request).await,
            Err(_) => Timings::new(),
        };
        drop_created(builder, outcome).await?;
        outcome.indexes.push(IndexOutcome {
            name,
            built,
            before,
            after,
        });
    }
    together(reader, builder, request, &timed, deadline, outcome).await?;
    compare_rewrites(reader, request, deadline, outcome).await?;
    measure_drops(reader, builder, request, deadline, outcome).await
}

async fn time_each(reader: &Session, statements: &[&Explainable], request: &Request) -> Timings {
    let mut timings = Timings::new();
    for statement in statements {
        timings.insert(statement.id, reader.time(statement, request).await);
    }
    timings
}

/// The statements the safety gate lets run; the others are noted as refused.
async fn gate<'r>(
    reader: &Session,
    request: &'r Request,
    outcome: &mut Outcome,
) -> Result<Vec<&'r Explainable>, DbError> {
    let mut runnable = Vec::new();
    for statement in &request.statements {
        let purpose = match request.include_writes {
            true => purpose_to_run(&statement.text),
            false => Purpose::Run,
        };
        match reader
            .refusal_to_measure(statement, request.trust_functions, purpose)
            .await
        {
            Ok(None) => runnable.push(statement),
            Ok(Some(reason)) => {
                outcome.refused.insert(statement.id, reason);
            }
            Err(reason) => {
                lost(reader)?;
                outcome.before.insert(statement.id, Err(reason));
            }
        }
    }
    Ok(runnable)
}

/// The session's loss as an error: nothing more can be measured.
fn lost(session: &Session) -> Result<(), DbError> {
    session.lost().map_or(Ok(()), Err)
}

/// All the indexes that could be built, together: they interact (one may make another
/// useless, or a plan may combine them).
async fn together(
    reader: &Session,
    builder: &Session,
    request: &Request,
    timed: &[&Explainable],
    deadline: Instant,
    outcome: &mut Outcome,
) -> Result<(), DbError> {
    let buildable: Vec<(usize, &IndexRequest)> = request
        .indexes
        .iter()
        .enumerate()
        .filter(
            |(position, _)| matches!(outcome.indexes.get(*position), Some(i) if i.built.is_ok()),
        )
        .collect();
    if buildable.len() < 2 {
        return Ok(());
    }
    if Instant::now() >= deadline {
        outcome.budget_ran_out = true;
        return Ok(());
    }
    let mut names = Vec::new();
    for (position, index) in &buildable {
        let name = verify_name(&index.def, *position);
        if build(builder, &index.def, &name, deadline, outcome)
            .await?
            .is_ok()
        {
            names.push(name);
        }
    }
    let served = |s: &&&Explainable| buildable.iter().any(|(_, i)| i.serves.contains(&s.id));
    let mut after = Timings::new();
    for statement in timed.iter().filter(served) {
        after.insert(statement.id, reader.time(statement, request).await);
    }
    drop_created(builder, outcome).await?;
    outcome.together = Some(Together {
        indexes: names,
        after,
    });
    Ok(())
}

/// `planwise_verify_<position>_<table>`, at most 63 bytes.
fn verify_name(def: &IndexDef, position: usize) -> String {
    let name = format!("{INDEX_PREFIX}{}_{}", position + 1, def.table.name);
    truncated(&name, 63).to_string()
}

/// Builds the index concurrently and measures its size; a failed build is an outcome (the
/// statement, a lock timeout, the budget), a lost server an error.
async fn build(
    builder: &Session,
    def: &IndexDef,
    name: &str,
    deadline: Instant,
    outcome: &mut Outcome,
) -> Result<Result<Built, String>, DbError> {
    let index = QualifiedIndex {
        schema: def.table.schema.clone(),
        name: name.to_string(),
    };
    let create = def.create_sql_named(name, true);
    match builder.refusal_to_build(&create).await {
        Ok(None) => {}
        Ok(Some(reason)) => return Ok(Err(format!("not built: {reason}"))),
        Err(reason) => return lost(builder).map(|()| Err(reason)),
    }
    // Remembered before it exists: an interrupted build leaves an invalid index to drop.
    outcome.created.push(index.clone());
    let limit = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_secs(1));
    let started = Instant::now();
    let result = async {
        let timeout = format!("SET statement_timeout = '{}ms'", limit.as_millis());
        builder.execute(&timeout, &[]).await?;
        let built = builder.execute_within(&create, limit).await;
        let restore = format!("SET statement_timeout = '{STATEMENT_TIMEOUT_SECONDS}s'");
        builder.execute(&restore, &[]).await?;
        built
    }
    .await;
    let build_ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(_) => {
            let size_bytes: i64 = builder
                .query_one("SELECT pg_relation_size(to_regclass($1))", &[&index.sql()])
                .await?
                .get(0);
            Ok(Ok(Built {
                size_bytes,
                build_ms,
            }))
        }
        Err(error) if error.is_lost() => Err(error),
        Err(error) => Ok(Err(error.to_string())),
    }
}

/// Drops every index this run built and has not dropped yet.
async fn drop_created(builder: &Session, outcome: &mut Outcome) -> Result<(), DbError> {
    while let Some(index) = outcome.created.last() {
        drop_index(builder, index).await?;
        outcome.created.pop();
    }
    Ok(())
}

/// After an interruption or a failure the builder may be busy or gone: a new session
/// cancels planwise's own statements, then drops what this run built.
async fn clean_up(url: &str, builder: &Session, own: &[i32], outcome: &mut Outcome, stopped: bool) {
    if outcome.created.is_empty() {
        return;
    }
    let fresh;
    let session = if stopped {
        match open_builder(url).await {
            Ok(session) => {
                for pid in own {
                    let _ = session
                        .execute("SELECT pg_cancel_backend($1)", &[pid])
                        .await;
                }
                fresh = session;
                &fresh
            }
            Err(_) => builder,
        }
    } else {
        builder
    };
    for index in std::mem::take(&mut outcome.created) {
        // An index still being built holds its lock until the cancellation lands.
        let mut dropped = false;
        for _ in 0..5 {
            if drop_index(session, &index).await.is_ok() {
                dropped = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        if !dropped {
            outcome.left_behind.push(index.sql());
        }
    }
}

/// Ctrl-C or SIGTERM, whichever comes first.
async fn interruption() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut terminate) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return "SIGINT";
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog::QualifiedName;

    #[test]
    fn names_carry_the_prefix_and_fit_postgresql() {
        let table = QualifiedName::new("public", "t".repeat(80));
        let def = IndexDef::btree(&table, &["a"]);
        let name = verify_name(&def, 11);
        assert!(name.starts_with("planwise_verify_12_t"));
        assert_eq!(name.len(), 63);
    }
}
