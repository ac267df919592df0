//! ## What it finds
//! Foreign-key columns of an integer type narrower than the key they reference: an
//! `integer` column referencing a `bigint` key, a `smallint` referencing an `integer` one.
//! Read from the catalog alone; the statements that use the column are listed.
//!
//! ## Why it matters
//! PostgreSQL accepts the constraint (btree compares the two types directly), and all is
//! well while the referenced keys are small. Once the referenced table's key passes the
//! narrow type's largest value (2,147,483,647 for `integer`), a row that refers to one of
//! the newer rows cannot be stored: the insert fails with `integer out of range` — an outage
//! for every feature that writes the referencing table, though the referenced key itself
//! was widened in time. Joins on the pair also compare across types.
//!
//! ## Example
//! ```sql
//! CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
//! CREATE TABLE orders (id bigint PRIMARY KEY, user_id integer REFERENCES users);
//! ```
//!
//! ## Instead
//! ```sql
//! ALTER TABLE public.orders ALTER COLUMN user_id TYPE bigint USING user_id::bigint;
//! ```
//! Changing the type rewrites the referencing table and its indexes under an ACCESS
//! EXCLUSIVE lock; on a large table add a `bigint` column, fill it in batches and swap it in.
//!
//! ## How the saving is estimated
//! Not as a saving: the finding prevents a failure. It says how far the referenced table's
//! keys are from the narrow type's limit when the catalog knows its row count.

use super::{alter_type, rewrite_cost, statements_using};
use crate::analysis::column_types::narrower_integer;
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::{Catalog, Column, ForeignKey, Table};
use crate::rules::{Check, Context, Rule};
use crate::sql::fingerprint::format_id;

pub static RULE: Rule = Rule {
    id: "DT009",
    name: "narrow-foreign-key",
    category: Category::DataTypes,
    severity: Severity::Warning,
    source: include_str!("narrow_foreign_key.rs"),
    check: Check::Workload(check),
};

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    for table in super::user_tables(catalog) {
        for key in &table.foreign_keys {
            for (column, referenced) in narrow_columns(catalog, table, key) {
                out.push(finding(context, table, column, key, referenced));
            }
        }
    }
}

/// The key's referencing columns that are narrower than the columns they reference, each
/// with the referenced column.
fn narrow_columns<'c>(
    catalog: &'c Catalog,
    table: &'c Table,
    key: &ForeignKey,
) -> Vec<(&'c Column, &'c Column)> {
    let Some(referenced_table) = catalog.tables.get(&key.references) else {
        return Vec::new();
    };
    key.columns
        .iter()
        .zip(&key.referenced_columns)
        .filter_map(|(column, referenced)| {
            Some((table.column(column)?, referenced_table.column(referenced)?))
        })
        .filter(|(column, referenced)| {
            narrower_integer(&column.data_type, &referenced.data_type).is_some()
        })
        .collect()
}

fn finding(
    context: &Context<'_>,
    table: &Table,
    column: &Column,
    key: &ForeignKey,
    referenced: &Column,
) -> Finding {
    let limit = narrower_integer(&column.data_type, &referenced.data_type).unwrap_or_default();
    let referenced_rows = context
        .catalog
        .and_then(|catalog| catalog.tables.get(&key.references))
        .and_then(|referenced_table| context.known_rows(referenced_table))
        .map(|rows| format!(" ({rows:.0} rows today)"))
        .unwrap_or_default();
    let queries = statements_using(context, table, column, |_| true);
    Finding {
        message: format!(
            "{}.{} ({}) references {}.{} ({}){referenced_rows}: once that key passes {limit}, \
             a row referring to a newer one cannot be inserted ({} out of range). Widen \
             it to {} to match; {}",
            table.name,
            column.name,
            column.data_type,
            key.references,
            referenced.name,
            referenced.data_type,
            column.data_type,
            referenced.data_type,
            rewrite_cost(context, table)
        ),
        table: Some(table.name.clone()),
        columns: vec![column.name.clone()],
        sql: Some(alter_type(&table.name, &column.name, &referenced.data_type)),
        queries: queries.into_iter().map(format_id).collect(),
        ..RULE.finding()
    }
}
