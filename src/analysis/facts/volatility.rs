//! The functions of a statement whose result changes between calls with the same arguments:
//! the clock, random numbers, sequences, locks. A statement that calls one cannot be answered
//! from a cache of its earlier results.

use super::extract::name_parts;
use sqlparser::ast::{Expr, Statement, visit_expressions};
use std::collections::BTreeSet;
use std::ops::ControlFlow;

/// Functions whose result depends on when or how often they are called (PostgreSQL marks
/// them volatile, or stable but tied to the transaction's start).
const CHANGING: [&str; 22] = [
    "now",
    "current_timestamp",
    "current_date",
    "current_time",
    "localtime",
    "localtimestamp",
    "statement_timestamp",
    "transaction_timestamp",
    "clock_timestamp",
    "timeofday",
    "random",
    "random_normal",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v4",
    "nextval",
    "currval",
    "lastval",
    "setval",
    "txid_current",
    "pg_current_xact_id",
    "pg_sleep",
];

/// Prefixes of families of such functions (`pg_advisory_lock`, `pg_try_advisory_xact_lock`).
const CHANGING_PREFIXES: [&str; 2] = ["pg_advisory", "pg_try_advisory"];

pub(super) fn volatile_functions(statement: &Statement) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let _ = visit_expressions(statement, |expression| {
        if let Expr::Function(function) = expression
            && let Some(name) = name_parts(&function.name).pop()
            && (CHANGING.contains(&name.as_str())
                || CHANGING_PREFIXES.iter().any(|p| name.starts_with(p)))
        {
            found.insert(name);
        }
        ControlFlow::<()>::Continue(())
    });
    found
}
