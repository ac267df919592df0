//! Timing statements for `verify`: each run under `EXPLAIN (ANALYZE, BUFFERS, TIMING OFF)`,
//! the first discarded (it warms the cache); and counting the rows a statement returns.

use super::Request;
use crate::analysis::verification::Timing;
use crate::db::explain::{Explain, Explainable};
use crate::db::safety::purpose_to_run;
use crate::db::{DbError, Session};
use serde_json::Value;

impl Session {
    pub(super) async fn pid(&self) -> Result<i32, DbError> {
        Ok(self.query_one("SELECT pg_backend_pid()", &[]).await?.get(0))
    }

    /// One run to warm the cache, then `runs` timed runs, each in a read-only transaction
    /// that is rolled back.
    pub(super) async fn time(
        &self,
        statement: &Explainable,
        request: &Request,
    ) -> Result<Timing, String> {
        self.timed_runs(statement, request, true).await
    }

    /// The same runs inside the transaction already open (which the caller rolls back).
    pub(super) async fn time_here(
        &self,
        statement: &Explainable,
        request: &Request,
    ) -> Result<Timing, String> {
        self.timed_runs(statement, request, false).await
    }

    async fn timed_runs(
        &self,
        statement: &Explainable,
        request: &Request,
        own_transaction: bool,
    ) -> Result<Timing, String> {
        let timeout = format!("{}ms", request.statement_timeout.as_millis());
        let mut timing = Timing {
            runs_ms: Vec::new(),
            shared_hit: 0,
            shared_read: 0,
            indexes_used: Vec::new(),
        };
        for run in 0..=request.runs {
            let explained = self.explain(statement, Explain::Time);
            let plan = if own_transaction {
                let purpose = purpose_to_run(&statement.text);
                self.rolled_back_as(purpose, &timeout, explained).await?
            } else {
                explained.await?
            };
            if run == 0 {
                continue;
            }
            let root = &plan[0];
            let ms = root["Execution Time"]
                .as_f64()
                .ok_or("EXPLAIN gave no execution time")?;
            timing.runs_ms.push(ms);
            timing.shared_hit += root["Plan"]["Shared Hit Blocks"].as_u64().unwrap_or(0);
            timing.shared_read += root["Plan"]["Shared Read Blocks"].as_u64().unwrap_or(0);
            timing.indexes_used = indexes_scanned(&root["Plan"]);
        }
        Ok(timing)
    }
}

impl Session {
    /// The rows a statement returns, counted by running it under `EXPLAIN (ANALYZE)`.
    pub(super) async fn count_rows(
        &self,
        statement: &Explainable,
        request: &Request,
    ) -> Result<u64, String> {
        let timeout = format!("{}ms", request.statement_timeout.as_millis());
        let plan = self
            .rolled_back(&timeout, self.explain(statement, Explain::Measure))
            .await?;
        plan[0]["Plan"]["Actual Rows"]
            .as_f64()
            .map(|rows| rows as u64)
            .ok_or_else(|| "EXPLAIN gave no row count".to_string())
    }
}

/// The indexes a plan scans (`Index Name` of its nodes), sorted, once each.
fn indexes_scanned(plan: &Value) -> Vec<String> {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(fields) => {
                if let Some(Value::String(name)) = fields.get("Index Name") {
                    out.push(name.clone());
                }
                fields.values().for_each(|v| walk(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut names = Vec::new();
    walk(plan, &mut names);
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_name_the_indexes_they_scan() {
        let plan = serde_json::json!({"Node Type": "Nested Loop", "Plans": [
            {"Node Type": "Index Scan", "Index Name": "b_idx"},
            {"Node Type": "Bitmap Heap Scan", "Plans": [
                {"Node Type": "Bitmap Index Scan", "Index Name": "a_idx"},
                {"Node Type": "Index Only Scan", "Index Name": "b_idx"}]}]});
        assert_eq!(indexes_scanned(&plan), ["a_idx", "b_idx"]);
    }
}
