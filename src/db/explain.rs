//! `EXPLAIN (FORMAT JSON)` of a logged statement, with the values the log recorded for its
//! `$n` parameters: what the what-if costing and the measured plans (`--analyze`) share.

use super::Session;
use crate::analysis::index::definition::IndexDef;
use crate::model::catalog::QualifiedName;
use std::collections::BTreeMap;

/// A logged statement that may be explained.
#[derive(Debug, Clone)]
pub struct Explainable {
    pub id: u64,
    pub text: String,
    /// Logged values of `$1`, `$2`, … (`NULL` for a logged NULL).
    pub parameters: BTreeMap<u32, String>,
    /// The one table hypothetical partial indexes may be planned on: the statement's only
    /// table, or its first relation when that is sure (`QueryFacts::first_relation`).
    /// HypoPG (seen in 1.3.1) keeps a partial index's condition pointing at the query's
    /// first relation, so elsewhere the index is ignored or, through a view, the backend
    /// crashes (HypoPG issue #116).
    pub partial_indexes_on: Option<QualifiedName>,
    /// The same statement with another of its tables first in FROM (inner joins commute), so
    /// partial indexes on that table can be planned too.
    pub with_first: BTreeMap<QualifiedName, String>,
}

impl Explainable {
    /// What to plan with `indexes`: the text, and the indexes HypoPG can be given for it.
    /// Partial indexes are planned on one table only — the first relation, or another table
    /// moved first — and left out elsewhere.
    pub fn for_indexes<'a>(&'a self, indexes: &'a [IndexDef]) -> (&'a str, Vec<&'a IndexDef>) {
        let partial_on = |table: &QualifiedName| {
            indexes
                .iter()
                .any(|def| def.predicate.is_some() && def.table == *table)
        };
        let (text, table) = match &self.partial_indexes_on {
            Some(first) if partial_on(first) => (self.text.as_str(), Some(first)),
            _ => match self.with_first.iter().find(|(table, _)| partial_on(table)) {
                Some((table, text)) => (text.as_str(), Some(table)),
                None => (self.text.as_str(), None),
            },
        };
        let usable = indexes
            .iter()
            .filter(|def| def.predicate.is_none() || Some(&def.table) == table)
            .collect();
        (text, usable)
    }
}

/// What `EXPLAIN` is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Explain {
    /// Planned, never run.
    Plan,
    /// Planned with every expression shown, views expanded: what the safety gate reads
    /// before a statement may run.
    Verbose,
    /// Run, rows counted (`ANALYZE, TIMING OFF`): only ever inside a read-only transaction
    /// that is rolled back, and only with every parameter's value.
    Measure,
    /// Run as `Measure`, pages counted too (`BUFFERS`): what `verify` times.
    Time,
}

impl Explain {
    fn options(self) -> &'static str {
        match self {
            Explain::Plan => "FORMAT JSON",
            Explain::Verbose => "VERBOSE, FORMAT JSON",
            Explain::Measure => "ANALYZE, TIMING OFF, FORMAT JSON",
            Explain::Time => "ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON",
        }
    }

    /// Whether the statement is executed, not only planned.
    fn runs(self) -> bool {
        matches!(self, Explain::Measure | Explain::Time)
    }
}

const PREPARED_NAME: &str = "planwise_explain";

impl Session {
    /// The plan of the statement as `EXPLAIN (FORMAT JSON)` returns it (an array of one).
    pub async fn explain(
        &self,
        statement: &Explainable,
        explain: Explain,
    ) -> Result<serde_json::Value, String> {
        let text = format!("EXPLAIN ({}) {}", explain.options(), statement.text);
        let prepared = self.prepare(text.as_str()).await.map_err(String::from)?;
        if !prepared.params().is_empty() {
            // `$n` placeholders: explain it as a prepared statement with the logged values.
            return self.explain_prepared(statement, explain).await;
        }
        let row = self
            .query_one_prepared(&prepared, &[])
            .await
            .map_err(String::from)?;
        row.try_get(0).map_err(|e| e.to_string())
    }

    async fn explain_prepared(
        &self,
        statement: &Explainable,
        explain: Explain,
    ) -> Result<serde_json::Value, String> {
        let client = self;
        let prepare = format!("PREPARE {PREPARED_NAME} AS {}", statement.text);
        client
            .execute(prepare.as_str(), &[])
            .await
            .map_err(String::from)?;
        let result = async {
            let arity: i32 = client
                .query_one(
                    "SELECT cardinality(parameter_types) FROM pg_prepared_statements \
                     WHERE name = $1",
                    &[&PREPARED_NAME],
                )
                .await
                .map_err(String::from)?
                .try_get(0)
                .map_err(|e| self.error(&e))?;
            let values: Vec<Option<&String>> = (1..=arity.max(0) as u32)
                .map(|n| statement.parameters.get(&n))
                .collect();
            let every_value = values.iter().all(Option::is_some);
            if explain.runs() && !every_value {
                return Err("the log recorded no values for its parameters".to_string());
            }
            // Without every value, a generic plan: the custom plan for NULLs is meaningless.
            let mode = if every_value {
                "force_custom_plan"
            } else {
                "force_generic_plan"
            };
            client
                .execute(format!("SET plan_cache_mode = {mode}").as_str(), &[])
                .await
                .map_err(String::from)?;
            let arguments: Vec<String> = values
                .iter()
                .map(|value| match value {
                    Some(v) if v.as_str() != "NULL" => format!("'{}'", v.replace('\'', "''")),
                    _ => "NULL".to_string(),
                })
                .collect();
            let execute = if arguments.is_empty() {
                format!("EXPLAIN ({}) EXECUTE {PREPARED_NAME}", explain.options())
            } else {
                format!(
                    "EXPLAIN ({}) EXECUTE {PREPARED_NAME}({})",
                    explain.options(),
                    arguments.join(", ")
                )
            };
            let row = client
                .query_one(execute.as_str(), &[])
                .await
                .map_err(String::from)?;
            row.try_get(0).map_err(|e| e.to_string())
        }
        .await;
        // Cleanup runs whatever happened; in an aborted transaction it cannot, and the
        // caller forgets the statement after its rollback (`forget_prepared`).
        let mut cleaned = Ok(());
        for cleanup in [
            format!("DEALLOCATE {PREPARED_NAME}"),
            "RESET plan_cache_mode".to_string(),
        ] {
            if let Err(e) = client.execute(cleanup.as_str(), &[]).await {
                cleaned = cleaned.and(Err(String::from(e)));
            }
        }
        let plan = result?;
        cleaned.map(|()| plan)
    }

    /// Drops the prepared statement a failed `explain` may have left behind (prepared
    /// statements outlive the transaction they were made in).
    pub async fn forget_prepared(&self) -> Result<(), String> {
        let left = self
            .query_opt(
                "SELECT 1 FROM pg_prepared_statements WHERE name = $1",
                &[&PREPARED_NAME],
            )
            .await
            .map_err(String::from)?;
        if left.is_some() {
            self.execute(format!("DEALLOCATE {PREPARED_NAME}").as_str(), &[])
                .await
                .map_err(String::from)?;
        }
        Ok(())
    }

    /// The session's error as one line of text.
    pub fn error(&self, error: &tokio_postgres::Error) -> String {
        self.query_error(error).to_string()
    }
}
