//! Dropping an index, measured without dropping it: PostgreSQL does not let an index be
//! hidden (`UPDATE pg_index SET indisvalid` is not allowed), so inside a transaction that is
//! rolled back the index is dropped and the statements on its table are timed; the rollback
//! gives the index back untouched. The drop holds an ACCESS EXCLUSIVE lock on the table until
//! then: on a scratch copy nobody else is using (the gate checked), that waits on no one.

use super::{Outcome, Request, Timings, lost};
use crate::analysis::index::definition::qualified;
use crate::db::explain::Explainable;
use crate::db::safety::Purpose;
use crate::db::{DbError, Session};
use crate::model::catalog::QualifiedName;
use std::time::Instant;

/// An existing index a finding proposes to drop, and the statements on its table.
pub struct DropRequest {
    /// The finding proposing it (its place among the findings).
    pub finding: usize,
    pub index: QualifiedName,
    pub statements: Vec<Explainable>,
}

/// The statements timed with the index, and without it (or why not).
#[derive(Debug)]
pub struct DropOutcome {
    pub finding: usize,
    pub index: QualifiedName,
    pub with: Timings,
    pub without: Result<Timings, String>,
}

pub(super) async fn measure_drops(
    reader: &Session,
    builder: &Session,
    request: &Request,
    deadline: Instant,
    outcome: &mut Outcome,
) -> Result<(), DbError> {
    for drop in &request.drops {
        if Instant::now() >= deadline {
            outcome.budget_ran_out = true;
            break;
        }
        let mut with = Timings::new();
        let mut runnable = Vec::new();
        for statement in &drop.statements {
            let timing = match reader
                .refusal_to_measure(statement, request.trust_functions, Purpose::Run)
                .await
            {
                Ok(None) => reader.time(statement, request).await,
                Ok(Some(reason)) => Err(format!("not run: {reason}")),
                Err(reason) => Err(reason),
            };
            lost(reader)?;
            if timing.is_ok() {
                runnable.push(statement);
            }
            with.insert(statement.id, timing);
        }
        let without = time_without(builder, &drop.index, &runnable, request).await;
        lost(builder)?;
        outcome.drops.push(DropOutcome {
            finding: drop.finding,
            index: drop.index.clone(),
            with,
            without,
        });
    }
    Ok(())
}

/// The statements timed in a transaction that dropped the index, then rolled back.
async fn time_without(
    builder: &Session,
    index: &QualifiedName,
    statements: &[&Explainable],
    request: &Request,
) -> Result<Timings, String> {
    builder.run("BEGIN").await?;
    let timed = async {
        let timeout = request.statement_timeout.as_millis();
        builder
            .run(&format!("SET LOCAL statement_timeout = '{timeout}ms'"))
            .await?;
        builder
            .run(&format!("DROP INDEX {}", qualified(index)))
            .await?;
        let mut timings = Timings::new();
        for statement in statements {
            // A statement that fails (a timeout) must not abort the others' transaction.
            builder.run("SAVEPOINT planwise_statement").await?;
            let timing = builder.time_here(statement, request).await;
            if timing.is_err() {
                builder
                    .run("ROLLBACK TO SAVEPOINT planwise_statement")
                    .await?;
                builder.forget_prepared().await?;
            }
            timings.insert(statement.id, timing);
        }
        Ok(timings)
    }
    .await;
    builder.run("ROLLBACK").await?;
    timed
}
