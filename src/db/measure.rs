//! Measured plans (`analyze --analyze`, opt-in): logged SELECTs run under
//! `EXPLAIN (ANALYZE, TIMING OFF)` so the planner's row estimates can be set against the rows
//! really produced. This runs the user's queries, so each one runs alone in a read-only
//! transaction that is rolled back, under its own statement timeout, one after another on
//! one session (never in parallel: the server is serving its own traffic). The caller
//! passes only statements whose facts say SELECT without FOR UPDATE/SHARE, and each must pass
//! the safety gate twice (`safety`): before it is planned, and on its verbose plan before it
//! runs. A statement the gate stops is refused, with the reason, and never sent.

use super::explain::{Explain, Explainable};
use super::safety::Purpose;
use super::{DbError, Session, connect, runtime};
use std::collections::BTreeMap;

/// How long one measured statement may run before it is cancelled.
pub const MEASURE_TIMEOUT: &str = "10s";

/// The plans measured; the statements that could not be, with why; and those the safety
/// gate refused to run, with why.
#[derive(Debug, Default)]
pub struct Measured {
    pub plans: BTreeMap<u64, serde_json::Value>,
    pub failures: BTreeMap<u64, String>,
    pub refused: BTreeMap<u64, String>,
}

/// What became of one statement.
enum Outcome {
    Measured(serde_json::Value),
    Refused(String),
}

/// Measures each statement in turn. `trust_functions` lets the database's own functions be
/// planned (never run).
pub fn measure(
    url: &str,
    statements: &[Explainable],
    trust_functions: bool,
) -> Result<Measured, DbError> {
    let runtime = runtime()?;
    runtime.block_on(async {
        let session = connect(url).await?;
        let mut measured = Measured::default();
        for statement in statements {
            match session.measure(statement, trust_functions).await {
                Ok(Outcome::Measured(plan)) => {
                    measured.plans.insert(statement.id, plan);
                }
                Ok(Outcome::Refused(reason)) => {
                    measured.refused.insert(statement.id, reason);
                }
                Err(reason) => {
                    measured.failures.insert(statement.id, reason);
                }
            }
        }
        Ok(measured)
    })
}

impl Session {
    async fn measure(
        &self,
        statement: &Explainable,
        trust_functions: bool,
    ) -> Result<Outcome, String> {
        if let Some(reason) = self
            .refusal_to_measure(statement, trust_functions, Purpose::Run)
            .await?
        {
            return Ok(Outcome::Refused(reason));
        }
        self.rolled_back(MEASURE_TIMEOUT, self.explain(statement, Explain::Measure))
            .await
            .map(Outcome::Measured)
    }

    /// Why the statement must not be run for `purpose`, if it must not: the safety gate on
    /// its text, then on its verbose plan (planned inside a read-only transaction that is
    /// rolled back).
    pub async fn refusal_to_measure(
        &self,
        statement: &Explainable,
        trust_functions: bool,
        purpose: Purpose,
    ) -> Result<Option<String>, String> {
        if let Some(reason) = self
            .refusal_to_plan(&statement.text, trust_functions)
            .await?
        {
            return Ok(Some(reason));
        }
        self.rolled_back(MEASURE_TIMEOUT, async {
            let verbose = self.explain(statement, Explain::Verbose).await?;
            self.refusal_to_run(&statement.text, &verbose, purpose)
                .await
        })
        .await
    }

    /// Runs `work` inside a read-only transaction under `timeout`, then rolls it back.
    pub(super) async fn rolled_back<T>(
        &self,
        timeout: &str,
        work: impl std::future::Future<Output = Result<T, String>>,
    ) -> Result<T, String> {
        self.rolled_back_as(Purpose::Run, timeout, work).await
    }

    /// Runs `work` inside a transaction under `timeout`, then rolls it back: read-only, but
    /// for `RunWrite` (a data-changing statement measured on a scratch copy).
    pub(super) async fn rolled_back_as<T>(
        &self,
        purpose: Purpose,
        timeout: &str,
        work: impl std::future::Future<Output = Result<T, String>>,
    ) -> Result<T, String> {
        let begin = match purpose {
            Purpose::RunWrite => "BEGIN TRANSACTION READ WRITE",
            Purpose::Plan | Purpose::Run => "BEGIN TRANSACTION READ ONLY",
        };
        self.run(begin).await?;
        let outcome = async {
            self.run(&format!("SET LOCAL statement_timeout = '{timeout}'"))
                .await?;
            work.await
        }
        .await;
        self.run("ROLLBACK").await?;
        if outcome.is_err() {
            self.forget_prepared().await?;
        }
        outcome
    }

    pub(super) async fn run(&self, statement: &str) -> Result<(), String> {
        self.execute(statement, &[])
            .await
            .map(drop)
            .map_err(String::from)
    }
}
