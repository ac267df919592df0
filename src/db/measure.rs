//! Measured plans (`analyze --analyze`, opt-in): logged SELECTs run under
//! `EXPLAIN (ANALYZE, TIMING OFF)` so the planner's row estimates can be set against the rows
//! really produced. This runs the user's queries, so each one runs alone in a read-only
//! transaction that is rolled back, under its own statement timeout, one after another on
//! one session (never in parallel: the server is serving its own traffic). The caller
//! passes only statements whose facts say SELECT without FOR UPDATE/SHARE.

use super::explain::{Explain, Explainable};
use super::{DbError, Session, connect, runtime};
use std::collections::BTreeMap;

/// How long one measured statement may run before it is cancelled.
pub const MEASURE_TIMEOUT: &str = "10s";

/// The plans measured, and the statements that could not be, with why.
#[derive(Debug, Default)]
pub struct Measured {
    pub plans: BTreeMap<u64, serde_json::Value>,
    pub failures: BTreeMap<u64, String>,
}

/// Measures each statement in turn.
pub fn measure(url: &str, statements: &[Explainable]) -> Result<Measured, DbError> {
    let runtime = runtime()?;
    runtime.block_on(async {
        let session = connect(url).await?;
        let mut measured = Measured::default();
        for statement in statements {
            match session.measure(statement).await {
                Ok(plan) => {
                    measured.plans.insert(statement.id, plan);
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
    async fn measure(&self, statement: &Explainable) -> Result<serde_json::Value, String> {
        self.run("BEGIN TRANSACTION READ ONLY").await?;
        let plan = async {
            self.run(&format!(
                "SET LOCAL statement_timeout = '{MEASURE_TIMEOUT}'"
            ))
            .await?;
            self.explain(statement, Explain::Measure).await
        }
        .await;
        self.run("ROLLBACK").await?;
        if plan.is_err() {
            self.forget_prepared().await?;
        }
        plan
    }

    async fn run(&self, statement: &str) -> Result<(), String> {
        self.execute(statement, &[])
            .await
            .map(drop)
            .map_err(String::from)
    }
}
