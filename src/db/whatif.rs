//! What-if costing on a live server: each statement is planned (`EXPLAIN (FORMAT JSON)`,
//! never executed) with hypothetical indexes from HypoPG. Several read-only sessions plan in
//! parallel; each keeps its own set of hypothetical indexes and changes only what the next
//! question needs. Statements with `$n` parameters are prepared and explained with the
//! values the log recorded (a generic plan where it recorded none).
//!
//! Only statements whose facts say SELECT / INSERT / UPDATE / DELETE are ever sent, always
//! behind `EXPLAIN` (without ANALYZE) or `PREPARE`, one statement per round trip, and only
//! once the safety gate (`safety`) has found nothing in them that planning could run.

use super::explain::{Explain, Explainable};
use super::{DbError, Session, connect, runtime};
use crate::analysis::index::cost::{CostModel, CostRequest};
use crate::analysis::index::definition::IndexDef;
use crate::findings::Basis;
use futures_util::future::join_all;
use std::collections::{BTreeMap, HashMap};

/// Costs from the server's planner with HypoPG's hypothetical indexes.
pub struct HypoPg {
    runtime: tokio::runtime::Runtime,
    sessions: Vec<WhatIfSession>,
    statements: HashMap<u64, Explainable>,
    /// Statements that could not be planned, and why (first failure each).
    pub failures: BTreeMap<u64, String>,
    /// Statements the safety gate kept from the server, and why.
    pub refused: BTreeMap<u64, String>,
    /// Indexes HypoPG could not simulate (their `CREATE INDEX`), and why.
    pub size_failures: BTreeMap<String, String>,
}

struct WhatIfSession {
    session: Session,
    /// Hypothetical indexes in this backend: definition → HypoPG's oid.
    hypothetical: HashMap<IndexDef, u32>,
}

impl HypoPg {
    /// Opens `connections` sessions; fails when HypoPG is not installed in the database
    /// (planwise never creates extensions itself). Statements the safety gate refuses are
    /// never planned (`trust_functions`: see `safety`).
    pub fn open(
        url: &str,
        connections: usize,
        statements: Vec<Explainable>,
        trust_functions: bool,
    ) -> Result<Self, DbError> {
        let runtime = runtime()?;
        let sessions = runtime.block_on(async {
            let mut sessions = Vec::new();
            for _ in 0..connections.max(1) {
                let session = connect(url).await?;
                let installed = session
                    .query_opt("SELECT 1 FROM pg_extension WHERE extname = 'hypopg'", &[])
                    .await?;
                if installed.is_none() {
                    return Err(DbError::Query {
                        target: session.target.clone(),
                        reason: "HypoPG is not installed in this database (a superuser can run \
                                 CREATE EXTENSION hypopg)"
                            .into(),
                    });
                }
                session.execute("SELECT hypopg_reset()", &[]).await?;
                sessions.push(WhatIfSession {
                    session,
                    hypothetical: HashMap::new(),
                });
            }
            Ok::<_, DbError>(sessions)
        })?;
        let mut model = HypoPg {
            runtime,
            sessions,
            statements: HashMap::new(),
            failures: BTreeMap::new(),
            refused: BTreeMap::new(),
            size_failures: BTreeMap::new(),
        };
        model.admit(statements, trust_functions)?;
        Ok(model)
    }

    /// Keeps the statements the safety gate lets through; the others are refused.
    fn admit(
        &mut self,
        statements: Vec<Explainable>,
        trust_functions: bool,
    ) -> Result<(), DbError> {
        let session = &self.sessions[0].session;
        for statement in statements {
            let refusal = self
                .runtime
                .block_on(session.refusal_to_plan(&statement.text, trust_functions))
                .map_err(|reason| DbError::Query {
                    target: session.target.clone(),
                    reason,
                })?;
            match refusal {
                Some(reason) => {
                    self.refused.insert(statement.id, reason);
                }
                None => {
                    self.statements.insert(statement.id, statement);
                }
            }
        }
        Ok(())
    }

    /// The sessions whose server stopped answering, and why: every statement costed on
    /// them since failed with that error.
    pub fn lost(&self) -> Vec<DbError> {
        self.sessions
            .iter()
            .filter_map(|s| s.session.lost())
            .collect()
    }

    /// Splits `jobs` across the sessions (round robin) and runs them in parallel, keeping
    /// the order of the answers.
    fn run<J, T, F>(&mut self, jobs: Vec<J>, work: F) -> Vec<T>
    where
        F: for<'s> AsyncJob<'s, J, T>,
        J: Clone,
    {
        let count = self.sessions.len();
        let mut shares: Vec<Vec<(usize, J)>> = vec![Vec::new(); count];
        for (position, job) in jobs.into_iter().enumerate() {
            shares[position % count].push((position, job));
        }
        let statements = &self.statements;
        let work = &work;
        let results = self
            .runtime
            .block_on(join_all(self.sessions.iter_mut().zip(shares).map(
                |(session, share)| async move {
                    let mut done = Vec::new();
                    for (position, job) in share {
                        done.push((position, work.call(session, statements, job).await));
                    }
                    done
                },
            )));
        let mut ordered: Vec<(usize, T)> = results.into_iter().flatten().collect();
        ordered.sort_by_key(|(position, _)| *position);
        ordered.into_iter().map(|(_, result)| result).collect()
    }
}

/// An async step run on one session (a named trait: closures cannot borrow across awaits).
trait AsyncJob<'s, J, T> {
    async fn call(
        &self,
        session: &'s mut WhatIfSession,
        statements: &'s HashMap<u64, Explainable>,
        job: J,
    ) -> T;
}

struct PlanCost;

impl<'s> AsyncJob<'s, (u64, Vec<IndexDef>), Result<f64, String>> for PlanCost {
    async fn call(
        &self,
        session: &'s mut WhatIfSession,
        statements: &'s HashMap<u64, Explainable>,
        (query, indexes): (u64, Vec<IndexDef>),
    ) -> Result<f64, String> {
        let statement = statements
            .get(&query)
            .ok_or_else(|| "no statement text to plan".to_string())?;
        let (text, usable) = statement.for_indexes(&indexes);
        let usable: Vec<IndexDef> = usable.into_iter().cloned().collect();
        session.use_indexes(&usable).await?;
        if text == statement.text {
            session.explain(statement).await
        } else {
            let reordered = Explainable {
                text: text.to_string(),
                ..statement.clone()
            };
            session.explain(&reordered).await
        }
    }
}

struct IndexSize;

impl<'s> AsyncJob<'s, IndexDef, Result<f64, String>> for IndexSize {
    async fn call(
        &self,
        session: &'s mut WhatIfSession,
        _: &'s HashMap<u64, Explainable>,
        index: IndexDef,
    ) -> Result<f64, String> {
        session.size(&index).await
    }
}

impl CostModel for HypoPg {
    fn basis(&self) -> Basis {
        Basis::WhatIf
    }

    fn costs(&mut self, requests: &[CostRequest<'_>]) -> Vec<Option<f64>> {
        let jobs: Vec<(u64, Vec<IndexDef>)> = requests
            .iter()
            .map(|r| (r.query, r.indexes.iter().map(|&i| i.clone()).collect()))
            .collect();
        let answers = self.run(jobs, PlanCost);
        answers
            .into_iter()
            .zip(requests)
            .map(|(answer, request)| match answer {
                Ok(cost) => Some(cost),
                Err(reason) => {
                    self.failures.entry(request.query).or_insert(reason);
                    None
                }
            })
            .collect()
    }

    /// HypoPG's estimate; an index it cannot build (GIN, a bad expression) is infinitely
    /// large, so it is never chosen.
    fn sizes(&mut self, indexes: &[&IndexDef]) -> Vec<f64> {
        let jobs: Vec<IndexDef> = indexes.iter().map(|&i| i.clone()).collect();
        let answers = self.run(jobs, IndexSize);
        answers
            .into_iter()
            .zip(indexes)
            .map(|(answer, index)| {
                answer.unwrap_or_else(|reason| {
                    let index = index.to_string();
                    self.size_failures.entry(index).or_insert(reason);
                    f64::INFINITY
                })
            })
            .collect()
    }
}

impl WhatIfSession {
    /// Makes the backend's hypothetical indexes exactly `wanted`.
    async fn use_indexes(&mut self, wanted: &[IndexDef]) -> Result<(), String> {
        let stale: Vec<IndexDef> = self
            .hypothetical
            .keys()
            .filter(|def| !wanted.contains(def))
            .cloned()
            .collect();
        for def in stale {
            if let Some(oid) = self.hypothetical.remove(&def) {
                self.session
                    .execute("SELECT hypopg_drop_index($1)", &[&oid])
                    .await
                    .map_err(String::from)?;
            }
        }
        for def in wanted {
            if !self.hypothetical.contains_key(def) {
                let oid = self.create(def).await?;
                self.hypothetical.insert(def.clone(), oid);
            }
        }
        Ok(())
    }

    async fn create(&self, def: &IndexDef) -> Result<u32, String> {
        let row = self
            .session
            .query_one(
                "SELECT indexrelid FROM hypopg_create_index($1)",
                &[&def.create_sql(false)],
            )
            .await
            .map_err(String::from)?;
        row.try_get(0).map_err(|e| e.to_string())
    }

    async fn size(&mut self, def: &IndexDef) -> Result<f64, String> {
        self.use_indexes(&[]).await?;
        let oid = self.create(def).await?;
        let row = self
            .session
            .query_one("SELECT hypopg_relation_size($1)::float8", &[&oid])
            .await
            .map_err(String::from)?;
        self.hypothetical.insert(def.clone(), oid);
        row.try_get(0).map_err(|e| e.to_string())
    }

    /// The planner's total cost of the statement, planned but never run.
    async fn explain(&self, statement: &Explainable) -> Result<f64, String> {
        let plan = self.session.explain(statement, Explain::Plan).await?;
        plan.pointer("/0/Plan/Total Cost")
            .and_then(serde_json::Value::as_f64)
            .ok_or_else(|| "EXPLAIN returned no total cost".to_string())
    }
}
