//! The catalog planwise builds from DDL and the one it reads from a live server agree on the
//! structure of the same schema (scripts/schema/shop.sql, loaded into a database of the
//! test's own on the live tests' server, `common::live`).

mod common;

use common::live::{self, admin, runtime};
use planwise::input::schema::load_schema;
use planwise::model::catalog::Catalog;
use planwise::sql::split::split_statements;
use std::collections::BTreeSet;

const SCHEMA: &str = "scripts/schema/shop.sql";

/// What both loaders must agree on, as comparable text lines.
fn structure(catalog: &Catalog) -> BTreeSet<String> {
    let mut lines = BTreeSet::new();
    for table in catalog.tables.values() {
        for column in &table.columns {
            lines.insert(format!(
                "column {}.{} {} nullable={}",
                table.name, column.name, column.data_type, column.nullable
            ));
        }
        if let Some(key) = &table.primary_key {
            lines.insert(format!(
                "primary key {} ({})",
                table.name,
                key.columns.join(", ")
            ));
        }
        for key in &table.unique_constraints {
            lines.insert(format!(
                "unique {} ({})",
                table.name,
                key.columns.join(", ")
            ));
        }
        for fk in &table.foreign_keys {
            lines.insert(format!(
                "foreign key {} ({}) -> {} ({}) on delete {:?}",
                table.name,
                fk.columns.join(", "),
                fk.references,
                fk.referenced_columns.join(", "),
                fk.on_delete
            ));
        }
        if let Some(partitioning) = &table.partitioning {
            lines.insert(format!(
                "partitioned {} {:?}",
                table.name, partitioning.strategy
            ));
        }
        if let Some(parent) = &table.partition_of {
            lines.insert(format!("partition {} of {}", table.name, parent.parent));
        }
    }
    for index in catalog.indexes.values() {
        let keys: Vec<String> = index
            .keys
            .iter()
            .map(|k| {
                let key = if k.is_column {
                    k.expression.clone()
                } else {
                    "(expression)".to_string()
                };
                if k.descending {
                    format!("{key} DESC")
                } else {
                    key
                }
            })
            .collect();
        lines.insert(format!(
            "index {} on {} using {} ({}) include ({}) unique={} partial={}",
            index.name,
            index.table,
            index.method.as_str(),
            keys.join(", "),
            index.include.join(", "),
            index.unique,
            index.predicate.is_some()
        ));
    }
    for view in catalog.views.values() {
        lines.insert(format!(
            "view {} materialized={}",
            view.name, view.materialized
        ));
    }
    lines
}

#[test]
fn ddl_and_live_catalogs_of_one_schema_agree() {
    let script = std::fs::read_to_string(SCHEMA).unwrap();
    let Some(database) = live::database("agree", &[]) else {
        return;
    };
    let live = runtime().block_on(async {
        let setup = admin(&database.name).await;
        for statement in split_statements(&script) {
            setup
                .batch_execute(statement.text)
                .await
                .unwrap_or_else(|e| panic!("{SCHEMA}:{}: {e}", statement.line));
        }
        let session = planwise::db::connect(&database.url("")).await.unwrap();
        planwise::db::read_catalog(&session).await
    });
    let live = live.expect("live catalog").catalog;
    let offline = load_schema(&[SCHEMA.into()]).expect("schema loads");
    assert!(offline.diagnostics.is_empty(), "{:?}", offline.diagnostics);
    let (live, offline) = (structure(&live), structure(&offline.catalog));
    assert!(
        live.len() > 60,
        "the schema is not trivial: {} facts",
        live.len()
    );
    let only_live: Vec<_> = live.difference(&offline).collect();
    let only_offline: Vec<_> = offline.difference(&live).collect();
    assert!(
        only_live.is_empty() && only_offline.is_empty(),
        "only live: {only_live:#?}\nonly from DDL: {only_offline:#?}"
    );
}
