//! Data-type rules: column types that cost the workload. DT001 reads the join graph (joins
//! across types); DT002–DT009 read the catalog's columns (a type that does not fit what the
//! column holds, is far wider than its statistics show, or narrower than the key it
//! references) and the query facts, which say which statements use the column and how sure
//! the advice is.

pub mod char_padding;
pub mod float_money;
pub mod int_key_overflow;
pub mod join_type_mismatch;
pub mod json_not_jsonb;
pub mod narrow_foreign_key;
pub mod oversized_type;
mod row_layout;
pub mod timestamp_without_zone;
pub mod uuid_as_text;

use crate::analysis::facts::QueryFacts;
use crate::analysis::index::definition::qualified;
use crate::model::catalog::{Catalog, Column, QualifiedName, Table};
use crate::model::ddl::quote_identifier;
use crate::rules::Context;
use crate::sql::fingerprint::format_id;

/// The tables the column rules look at: not the server's own, and not partitions (a type
/// change on the parent reaches them, and they would repeat its findings).
fn user_tables(catalog: &Catalog) -> impl Iterator<Item = &Table> {
    catalog
        .tables
        .values()
        .filter(|table| !table.name.is_system() && table.partition_of.is_none())
}

/// `ALTER TABLE s.t ALTER COLUMN c TYPE new_type USING c::new_type;`
fn alter_type(table: &QualifiedName, column: &str, new_type: &str) -> String {
    let column = quote_identifier(column);
    format!(
        "ALTER TABLE {} ALTER COLUMN {column} TYPE {new_type} USING {column}::{new_type};",
        qualified(table)
    )
}

/// What changing the column's type costs when PostgreSQL must rewrite the table.
fn rewrite_cost(context: &Context<'_>, table: &Table) -> String {
    let rows = context
        .known_rows(table)
        .map(|rows| format!(" ({rows:.0} rows)"))
        .unwrap_or_default();
    format!(
        "ALTER … TYPE rewrites {}{rows} and rebuilds its indexes under an ACCESS EXCLUSIVE \
         lock that blocks reads and writes until it is done; on a large table add a column of \
         the new type, fill it in batches and swap it in instead",
        table.name
    )
}

/// The statements that use the column and satisfy `also`, most logged time first.
fn statements_using(
    context: &Context<'_>,
    table: &Table,
    column: &Column,
    also: impl Fn(&QueryFacts) -> bool,
) -> Vec<u64> {
    context.statements_where(|facts| {
        facts
            .columns_used
            .get(&table.name)
            .is_some_and(|columns| columns.contains(&column.name))
            && also(facts)
    })
}

/// The columns a foreign key ties to this one, which must change type with it: `; a
/// foreign key ties it to …` for a message, or nothing.
fn foreign_key_note(catalog: &Catalog, table: &Table, column: &Column) -> String {
    let mut linked: Vec<String> = Vec::new();
    for other in user_tables(catalog) {
        for key in &other.foreign_keys {
            let pairs = key.columns.iter().zip(&key.referenced_columns);
            for (from, to) in pairs {
                if key.references == table.name && *to == column.name {
                    linked.push(format!("{}.{from}", other.name));
                }
                if other.name == table.name && *from == column.name {
                    linked.push(format!("{}.{to}", key.references));
                }
            }
        }
    }
    if linked.is_empty() {
        return String::new();
    }
    linked.sort();
    linked.dedup();
    format!(
        "; a foreign key ties it to {}: drop the key, change both columns, then add the key \
         again (PostgreSQL refuses to change one side alone)",
        linked.join(", ")
    )
}

fn fingerprints(ids: &[u64]) -> Vec<String> {
    ids.iter().copied().map(format_id).collect()
}

/// `1 statement`, `3 statements`.
fn statements(count: usize) -> String {
    format!("{count} statement{}", if count == 1 { "" } else { "s" })
}

/// The words of a column name, lower case: `unitPrice` and `unit_price` are `unit`, `price`.
fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            words.push(std::mem::take(&mut word));
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        word.extend(c.to_lowercase());
    }
    words.push(word);
    words.retain(|w| !w.is_empty());
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_words_split_snake_and_camel_case() {
        assert_eq!(name_words("unit_price"), ["unit", "price"]);
        assert_eq!(name_words("unitPrice"), ["unit", "price"]);
        assert_eq!(name_words("GUID"), ["guid"]);
        assert_eq!(name_words("total__2"), ["total", "2"]);
    }

    #[test]
    fn alter_type_quotes_what_needs_quoting() {
        assert_eq!(
            alter_type(
                &QualifiedName::new("public", "Orders"),
                "price",
                "numeric(12,2)"
            ),
            "ALTER TABLE public.\"Orders\" ALTER COLUMN price TYPE numeric(12,2) USING \
             price::numeric(12,2);"
        );
    }
}
