//! Helpers shared by the unit tests of the DDL submodules: apply DDL, look up what it built.
//!
//! Expected names, types and defaults are what PostgreSQL 15 itself produced for the same
//! DDL (checked with psql against the local server while writing these tests).

use super::{DdlApplier, DdlProblem, PUBLIC, ProblemKind};
use crate::model::catalog::{Catalog, Column, QualifiedName, Table};
use crate::sql::parse::parse_sql;

pub(super) fn apply(applier: &mut DdlApplier, sql: &str) -> Vec<DdlProblem> {
    let statements = parse_sql(sql).expect("test DDL parses");
    statements
        .iter()
        .flat_map(|statement| applier.apply(statement).problems)
        .collect()
}

/// The catalog of DDL that must apply without problems.
pub(super) fn catalog(sql: &str) -> Catalog {
    let mut applier = DdlApplier::default();
    let problems = apply(&mut applier, sql);
    assert!(problems.is_empty(), "{problems:?}");
    applier.into_catalog()
}

pub(super) fn name(name: &str) -> QualifiedName {
    let (schema, name) = name.split_once('.').unwrap_or((PUBLIC, name));
    QualifiedName::new(schema, name)
}

pub(super) fn table<'a>(catalog: &'a Catalog, table: &str) -> &'a Table {
    &catalog.tables[&name(table)]
}

pub(super) fn column<'a>(catalog: &'a Catalog, table: &str, column: &str) -> &'a Column {
    self::table(catalog, table).column(column).expect("column")
}

pub(super) fn index_names(catalog: &Catalog) -> Vec<String> {
    catalog.indexes.keys().map(|n| n.name.clone()).collect()
}

pub(super) fn kinds(problems: &[DdlProblem]) -> Vec<ProblemKind> {
    problems.iter().map(|p| p.kind).collect()
}
