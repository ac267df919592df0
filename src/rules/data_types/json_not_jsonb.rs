//! ## What it finds
//! `json` columns that the logged statements look into: with the JSON operators (`->`,
//! `->>`, `#>`, `#>>`), with a cast to `jsonb` to use `@>` or `?`, or with the functions
//! that read a document (`json_extract_path_text`, `json_array_elements`, …). A `json`
//! column that is only stored and returned whole is left alone: `json` keeps the text
//! exactly as sent, which is all such a column needs.
//!
//! ## Why it matters
//! `json` is stored as text and parsed again each time an operator reads it, on every row
//! the statement touches; a cast to `jsonb` in the query parses it too. `jsonb` is parsed
//! once on write into a binary form the operators read directly, supports containment and
//! existence (`@>`, `?`) natively, and can be indexed with GIN so that those predicates
//! search an index instead of parsing every document.
//!
//! ## Example
//! ```sql
//! CREATE TABLE events (id bigint PRIMARY KEY, payload json NOT NULL);
//! SELECT id FROM events WHERE payload->>'type' = 'click';
//! SELECT id FROM events WHERE payload::jsonb @> '{"type": "click"}';
//! ```
//!
//! ## Instead
//! ```sql
//! ALTER TABLE public.events ALTER COLUMN payload TYPE jsonb USING payload::jsonb;
//! CREATE INDEX CONCURRENTLY ON public.events USING gin (payload jsonb_path_ops);
//! ```
//! The change rewrites the table under an ACCESS EXCLUSIVE lock. `jsonb` does not keep key
//! order, duplicate keys (the last one wins) or whitespace: clients that compare the text
//! must not. The GIN index is suggested when the workload uses containment or existence;
//! `jsonb_path_ops` serves `@>`, `@?` and `@@` in a smaller index, the default `jsonb_ops`
//! also `?`, `?|` and `?&`. An equality on one key (`payload->>'type' = …`) is served by an
//! expression index on that key instead (IDX003).
//!
//! ## How the saving is estimated
//! It is not costed: the finding gives the logged time of the statements that read the
//! documents, which each pay the parsing.

use super::{alter_type, fingerprints, rewrite_cost, statements, statements_using};
use crate::analysis::column_types::is_json;
use crate::analysis::facts::WrappedColumn;
use crate::analysis::index::definition::qualified;
use crate::findings::{Category, Finding, Severity};
use crate::model::catalog::{Column, Table};
use crate::model::ddl::quote_identifier;
use crate::rules::{Check, Context, Rule};
use std::collections::BTreeSet;

pub static RULE: Rule = Rule {
    id: "DT005",
    name: "json-instead-of-jsonb",
    category: Category::DataTypes,
    severity: Severity::Warning,
    source: include_str!("json_not_jsonb.rs"),
    check: Check::Workload(check),
};

/// Operators that read into a document (`json` has the first four; the others need a cast
/// to `jsonb`).
const JSON_OPERATORS: &[&str] = &[
    "->", "->>", "#>", "#>>", "@>", "<@", "?", "?|", "?&", "@?", "@@",
];

/// Operators a GIN index on `jsonb` serves; the existence ones need the default opclass.
const CONTAINMENT: &[&str] = &["@>", "<@", "@?", "@@"];
const EXISTENCE: &[&str] = &["?", "?|", "?&"];

/// Functions that read into a `json` document, by name prefix.
const READING_FUNCTIONS: &[&str] = &[
    "json_extract_path",
    "json_array_elements",
    "json_array_length",
    "json_each",
    "json_object_keys",
    "json_typeof",
    "json_populate_record",
    "json_to_record",
];

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    for table in super::user_tables(catalog) {
        for column in &table.columns {
            if !is_json(&column.data_type) {
                continue;
            }
            let mut used: BTreeSet<&str> = BTreeSet::new();
            let reading = statements_using(context, table, column, |facts| {
                facts
                    .wrapped_columns
                    .iter()
                    .any(|wrapped| reads_document(table, column, wrapped))
            });
            for id in &reading {
                if let Some(facts) = context.facts.get(id) {
                    used.extend(
                        facts
                            .wrapped_columns
                            .iter()
                            .filter(|wrapped| reads_document(table, column, wrapped))
                            .map(|wrapped| wrapped.wrapped_in.as_str()),
                    );
                }
            }
            if reading.is_empty() {
                continue;
            }
            let index = gin_index(table, column, &used);
            out.push(Finding {
                message: format!(
                    "{}.{} is json, which is parsed again by every operator on every row: it \
                     is read into by {} ({}). As jsonb it is parsed once on write{}. jsonb drops key \
                     order, duplicate keys and whitespace; {}",
                    table.name,
                    column.name,
                    statements(reading.len()),
                    used.iter().copied().collect::<Vec<_>>().join(", "),
                    index
                        .as_ref()
                        .map(|sql| format!(", and {sql} serves the containment queries"))
                        .unwrap_or_default(),
                    rewrite_cost(context, table)
                ),
                table: Some(table.name.clone()),
                columns: vec![column.name.clone()],
                sql: Some(alter_type(&table.name, &column.name, "jsonb")),
                queries: fingerprints(&reading),
                ..RULE.finding()
            });
        }
    }
}

fn reads_document(table: &Table, column: &Column, wrapped: &WrappedColumn) -> bool {
    let operation = wrapped.wrapped_in.as_str();
    wrapped.column.table == table.name
        && wrapped.column.column == column.name
        && (JSON_OPERATORS.contains(&operation)
            || operation == "::jsonb"
            || READING_FUNCTIONS
                .iter()
                .any(|function| operation.starts_with(function)))
}

/// The GIN index that serves the containment or existence operators used, if any.
fn gin_index(table: &Table, column: &Column, used: &BTreeSet<&str>) -> Option<String> {
    let column = quote_identifier(&column.name);
    let on = qualified(&table.name);
    if used.iter().any(|op| EXISTENCE.contains(op)) {
        Some(format!(
            "CREATE INDEX CONCURRENTLY ON {on} USING gin ({column})"
        ))
    } else if used.iter().any(|op| CONTAINMENT.contains(op)) {
        Some(format!(
            "CREATE INDEX CONCURRENTLY ON {on} USING gin ({column} jsonb_path_ops)"
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog::QualifiedName;

    #[test]
    fn the_gin_opclass_follows_the_operators() {
        let table = Table {
            name: QualifiedName::new("public", "events"),
            ..Table::default()
        };
        let column = Column {
            name: "payload".into(),
            data_type: "json".into(),
            ..Column::default()
        };
        let index =
            |ops: &[&'static str]| gin_index(&table, &column, &ops.iter().copied().collect());
        assert_eq!(index(&["->>"]), None);
        assert_eq!(
            index(&["::jsonb", "@>"]).as_deref(),
            Some("CREATE INDEX CONCURRENTLY ON public.events USING gin (payload jsonb_path_ops)")
        );
        assert_eq!(
            index(&["@>", "?"]).as_deref(),
            Some("CREATE INDEX CONCURRENTLY ON public.events USING gin (payload)")
        );
    }
}
