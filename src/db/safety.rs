//! The safety gate between a logged statement and the user's server. A log is
//! attacker-influenced text, and a read-only transaction that is rolled back does not undo
//! everything: `pg_terminate_backend`, `dblink_exec`, `lo_export`, advisory locks,
//! `pg_notify`, `set_config` and any user-defined function can act outside it. Even plain
//! `EXPLAIN` runs code: the planner folds immutable and stable functions called with constant
//! arguments, inlines SQL functions and calls operators on the statistics.
//!
//! So before a statement is planned, every function it could reach — named by a word of its
//! text, behind an operator, or brought in by a view body, a column default or a policy of a
//! relation it names — must be built in (or from an extension that only computes), unless the
//! user trusts the database's own functions (`--trust-functions`). Before a statement is run
//! (`EXPLAIN ANALYZE`), its verbose plan (views expanded) is checked too, and every function in
//! it must be built in, not volatile and not on the deny list, whatever the user trusts.

use super::Session;
use crate::sql::mentions::{Mentions, leading_keyword, mentions};
use serde_json::Value;

const FUNCTIONS_REACHED: &str = include_str!("sql/functions_reached.sql");

/// PostgreSQL's first OID for objects created after `initdb`: below it, built-ins.
const FIRST_NORMAL_OID: i64 = 16384;

/// Extensions whose functions only compute from their arguments: planned like built-ins.
const PURE_EXTENSIONS: &[&str] = &[
    "btree_gin",
    "btree_gist",
    "citext",
    "cube",
    "earthdistance",
    "fuzzystrmatch",
    "hstore",
    "intarray",
    "isn",
    "ltree",
    "pg_trgm",
    "pgcrypto",
    "postgis",
    "unaccent",
];

/// Built-in functions that are not volatile and still must not run: they assign a
/// transaction id, or dump a whole schema or database.
const DENIED: &[&str] = &[
    "txid_current",
    "pg_current_xact_id",
    "database_to_xml",
    "database_to_xml_and_xmlschema",
    "database_to_xmlschema",
    "schema_to_xml",
    "schema_to_xml_and_xmlschema",
    "schema_to_xmlschema",
    "table_to_xml",
    "table_to_xml_and_xmlschema",
    "table_to_xmlschema",
];

/// Statements that may be planned (`EXPLAIN`, never run) and that may be run.
const PLANNABLE: &[&str] = &[
    "select", "with", "values", "table", "insert", "update", "delete",
];
const RUNNABLE: &[&str] = &["select", "with", "values", "table"];

/// Plan fields that hold names, never expressions.
const NAME_FIELDS: &[&str] = &[
    "Node Type",
    "Parent Relationship",
    "Relation Name",
    "Schema",
    "Alias",
    "Index Name",
    "CTE Name",
    "Subplan Name",
    "Join Type",
    "Strategy",
    "Partial Mode",
    "Scan Direction",
    "Operation",
];

/// What planwise is about to do with a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `EXPLAIN` without `ANALYZE`.
    Plan,
    /// `EXPLAIN ANALYZE`, inside a read-only transaction that is rolled back.
    Run,
    /// `EXPLAIN ANALYZE` of a statement that may write, inside a read-write transaction that
    /// is rolled back (`verify --include-writes`, on a scratch copy): as `Run`, its tables'
    /// triggers judged too.
    RunWrite,
}

/// A function the statement could make the server call, as the catalog describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReachedFunction {
    pub oid: i64,
    pub schema: String,
    pub name: String,
    /// `i`mmutable, `s`table or `v`olatile.
    pub volatility: String,
    pub extension: Option<String>,
}

impl ReachedFunction {
    fn trusted(&self) -> bool {
        self.oid < FIRST_NORMAL_OID
            || self
                .extension
                .as_deref()
                .is_some_and(|e| PURE_EXTENSIONS.contains(&e))
    }

    /// Why this function stops the statement, if it does.
    fn objection(&self, purpose: Purpose, trust_functions: bool) -> Option<String> {
        let name = format!("{}.{}", self.schema, self.name);
        let origin = match &self.extension {
            Some(extension) => format!("from extension {extension}"),
            None => "not built in".to_string(),
        };
        match purpose {
            Purpose::Plan if self.trusted() || trust_functions => None,
            Purpose::Plan => Some(format!(
                "it may call {name} ({origin}), which planning alone can run; \
                 --trust-functions plans such statements"
            )),
            Purpose::Run | Purpose::RunWrite if !self.trusted() => {
                Some(format!("it calls {name} ({origin})"))
            }
            Purpose::Run | Purpose::RunWrite if DENIED.contains(&self.name.as_str()) => {
                Some(format!("it calls {name}, which acts outside the statement"))
            }
            Purpose::Run | Purpose::RunWrite if self.volatility == "v" => Some(format!(
                "it calls {name}, which is volatile (may act outside the transaction)"
            )),
            Purpose::Run | Purpose::RunWrite => None,
        }
    }
}

/// The first reason the functions reached stop the statement, if any.
pub fn objection(
    functions: &[ReachedFunction],
    purpose: Purpose,
    trust_functions: bool,
) -> Option<String> {
    functions
        .iter()
        .find_map(|f| f.objection(purpose, trust_functions))
}

/// Why a statement of this kind is never sent for `purpose`, if it is not.
pub fn kind_objection(text: &str, purpose: Purpose) -> Option<String> {
    let allowed = match purpose {
        Purpose::Plan | Purpose::RunWrite => PLANNABLE,
        Purpose::Run => RUNNABLE,
    };
    match leading_keyword(text) {
        Some(keyword) if allowed.contains(&keyword.as_str()) => None,
        Some(keyword) => Some(format!(
            "a {} statement is never sent",
            keyword.to_uppercase()
        )),
        None => Some("not a statement planwise sends".to_string()),
    }
}

/// How a statement that passed the gate is run: a data-changing one (`verify
/// --include-writes` only) in a read-write transaction that is rolled back, any other in a
/// read-only one.
pub fn purpose_to_run(text: &str) -> Purpose {
    match leading_keyword(text).as_deref() {
        Some("insert" | "update" | "delete") => Purpose::RunWrite,
        _ => Purpose::Run,
    }
}

/// Every function and operator a verbose plan shows (views expanded, subplans included).
pub fn plan_mentions(plan: &Value) -> Mentions {
    let mut mentions = Mentions::default();
    add_plan_mentions(plan, &mut mentions);
    mentions
}

fn add_plan_mentions(value: &Value, mentions: &mut Mentions) {
    match value {
        Value::String(text) => mentions.add_text(text),
        Value::Array(items) => items.iter().for_each(|v| add_plan_mentions(v, mentions)),
        Value::Object(fields) => {
            for (key, value) in fields {
                match (key.as_str(), value) {
                    ("Function Name", Value::String(name)) => mentions.add_call(name),
                    (key, _) if NAME_FIELDS.contains(&key) => {}
                    _ => add_plan_mentions(value, mentions),
                }
            }
        }
        _ => {}
    }
}

impl Session {
    /// Why `text` must not be planned, if it must not (`Ok(None)`: plan it).
    pub async fn refusal_to_plan(
        &self,
        text: &str,
        trust_functions: bool,
    ) -> Result<Option<String>, String> {
        if let Some(objection) = kind_objection(text, Purpose::Plan) {
            return Ok(Some(objection));
        }
        let mentioned = mentions(text);
        let reached = self
            .functions_reached(&mentioned.words, &mentioned.operators, false)
            .await?;
        Ok(objection(&reached, Purpose::Plan, trust_functions))
    }

    /// Why `text`, whose verbose plan is `plan`, must not run for `purpose` (`Run` or
    /// `RunWrite`), if it must not.
    pub async fn refusal_to_run(
        &self,
        text: &str,
        plan: &Value,
        purpose: Purpose,
    ) -> Result<Option<String>, String> {
        if let Some(objection) = kind_objection(text, purpose) {
            return Ok(Some(objection));
        }
        let triggers = purpose == Purpose::RunWrite;
        let written = mentions(text);
        let planned = plan_mentions(plan);
        for (names, operators) in [
            (&written.words, &written.operators),
            (&planned.calls, &planned.operators),
        ] {
            let reached = self.functions_reached(names, operators, triggers).await?;
            if let Some(objection) = objection(&reached, purpose, false) {
                return Ok(Some(objection));
            }
        }
        Ok(None)
    }

    /// Why an index must not be built, if it must not: building calls its expressions' and
    /// predicate's functions on every row, so each must be one a measured statement could
    /// call (built in or from a pure extension, not volatile, not denied).
    pub async fn refusal_to_build(&self, create_index: &str) -> Result<Option<String>, String> {
        let mentioned = mentions(create_index);
        let reached = self
            .functions_reached(&mentioned.words, &mentioned.operators, false)
            .await?;
        Ok(objection(&reached, Purpose::Run, false))
    }

    async fn functions_reached(
        &self,
        names: &std::collections::BTreeSet<String>,
        operators: &std::collections::BTreeSet<String>,
        triggers: bool,
    ) -> Result<Vec<ReachedFunction>, String> {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let operators: Vec<&str> = operators.iter().map(String::as_str).collect();
        let rows = self
            .query(FUNCTIONS_REACHED, &[&names, &operators, &DENIED, &triggers])
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ReachedFunction {
                    oid: row.try_get("oid")?,
                    schema: row.try_get("schema")?,
                    name: row.try_get("name")?,
                    volatility: row.try_get("volatility")?,
                    extension: row.try_get("extension")?,
                })
            })
            .collect::<Result<_, tokio_postgres::Error>>()
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(
        oid: i64,
        name: &str,
        volatility: &str,
        extension: Option<&str>,
    ) -> ReachedFunction {
        ReachedFunction {
            oid,
            schema: "public".into(),
            name: name.into(),
            volatility: volatility.into(),
            extension: extension.map(str::to_string),
        }
    }

    #[test]
    fn user_functions_are_planned_only_when_trusted_and_never_run() {
        let evil = [function(16500, "evil", "i", None)];
        assert!(
            objection(&evil, Purpose::Plan, false)
                .unwrap()
                .contains("public.evil")
        );
        assert_eq!(objection(&evil, Purpose::Plan, true), None);
        assert!(objection(&evil, Purpose::Run, true).is_some());
    }

    #[test]
    fn extensions_count_as_built_in_only_when_they_only_compute() {
        let trigram = [function(16439, "similarity_op", "s", Some("pg_trgm"))];
        assert_eq!(objection(&trigram, Purpose::Plan, false), None);
        assert_eq!(objection(&trigram, Purpose::Run, false), None);
        let dblink = [function(16400, "dblink_exec", "v", Some("dblink"))];
        assert!(
            objection(&dblink, Purpose::Plan, false)
                .unwrap()
                .contains("dblink")
        );
    }

    #[test]
    fn built_ins_run_unless_volatile_or_denied() {
        let kill = [function(2096, "pg_terminate_backend", "v", None)];
        assert_eq!(objection(&kill, Purpose::Plan, false), None);
        assert!(
            objection(&kill, Purpose::Run, false)
                .unwrap()
                .contains("volatile")
        );
        let xid = [function(2943, "txid_current", "s", None)];
        assert!(
            objection(&xid, Purpose::Run, false)
                .unwrap()
                .contains("outside")
        );
    }

    #[test]
    fn only_queries_run_and_only_dml_is_planned() {
        assert_eq!(
            kind_objection("WITH x AS (SELECT 1) SELECT * FROM x", Purpose::Run),
            None
        );
        assert_eq!(kind_objection("DELETE FROM t", Purpose::Plan), None);
        assert!(kind_objection("DELETE FROM t", Purpose::Run).is_some());
        assert_eq!(kind_objection("DELETE FROM t", Purpose::RunWrite), None);
        assert!(kind_objection("TRUNCATE t", Purpose::RunWrite).is_some());
        let explain = kind_objection("EXPLAIN (FORMAT JSON) SELECT 1", Purpose::Plan).unwrap();
        assert!(explain.contains("EXPLAIN"), "{explain}");
        assert!(kind_objection("COPY t TO PROGRAM 'rm -rf /'", Purpose::Plan).is_some());
        assert!(kind_objection("DO $$ BEGIN END $$", Purpose::Plan).is_some());
    }

    #[test]
    fn plans_give_their_functions_but_not_their_names() {
        let plan: Value = serde_json::json!([{"Plan": {
            "Node Type": "Function Scan", "Function Name": "dblink",
            "Alias": "lower", "Output": ["public.evil(t.id)", "(t.total @> $1)"],
            "Plans": [{"Node Type": "Seq Scan", "Relation Name": "random",
                       "Filter": "(t.id > pg_catalog.abs(3))"}]
        }}]);
        let m = plan_mentions(&plan);
        for called in ["dblink", "evil", "abs"] {
            assert!(m.calls.contains(called), "{called}: {m:?}");
        }
        assert!(!m.words.contains("lower") && !m.words.contains("random"));
        assert!(m.operators.contains("@>"));
    }
}
