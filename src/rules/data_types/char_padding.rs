//! ## What it finds
//! Columns of type `character(n)` (`char(n)`) with `n` above 1. `character(1)` is left
//! alone (a one-letter code has nothing to pad), and so are names that say UUID, which
//! DT003 advises on.
//!
//! ## Why it matters
//! `character(n)` pads every value with spaces to `n` characters and stores the padding:
//! it takes more space than `varchar(n)` or `text`, never less, and is no faster in
//! PostgreSQL. The padding is ignored by some operations and not others: `'ab'::char(4)`
//! equals `'ab  '`, but `length()` says 2, `||` drops the spaces, `LIKE 'ab %'` does not
//! match, and an application that reads the value gets the spaces back. Clients that
//! compare it as text find no match.
//!
//! ## Example
//! ```sql
//! CREATE TABLE countries (code char(2) PRIMARY KEY, name char(60) NOT NULL);
//! ```
//!
//! ## Instead
//! ```sql
//! ALTER TABLE public.countries ALTER COLUMN name TYPE character varying(60)
//!     USING name::character varying(60);
//! ```
//! `varchar(n)` keeps the length limit (or `text` with a `CHECK` when the limit is a rule of
//! the data). The cast strips the trailing spaces. It rewrites the table and its indexes
//! under an ACCESS EXCLUSIVE lock.
//!
//! ## How the saving is estimated
//! It is not a speed-up: the finding is about semantics and space (`info`).

use super::{alter_type, fingerprints, foreign_key_note, rewrite_cost, statements_using};
use crate::analysis::column_types::padded_length;
use crate::findings::{Category, Finding, Severity};
use crate::rules::{Check, Context, Rule};

pub static RULE: Rule = Rule {
    id: "DT006",
    name: "blank-padded-char",
    category: Category::DataTypes,
    severity: Severity::Info,
    source: include_str!("char_padding.rs"),
    check: Check::Workload(check),
};

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(catalog) = context.catalog else {
        return;
    };
    for table in super::user_tables(catalog) {
        for column in &table.columns {
            let Some(length) = padded_length(&column.data_type) else {
                continue;
            };
            if length <= 1 || super::uuid_as_text::names_uuid(&column.name) {
                continue;
            }
            let varying = format!("character varying({length})");
            out.push(Finding {
                message: format!(
                    "{}.{} is {}: every value is padded with spaces to {length} characters, \
                     stored and returned with them, and compared as if they were not there. \
                     {varying} keeps the limit without the padding (the cast strips the \
                     trailing spaces){}; {}",
                    table.name,
                    column.name,
                    column.data_type,
                    foreign_key_note(catalog, table, column),
                    rewrite_cost(context, table)
                ),
                table: Some(table.name.clone()),
                columns: vec![column.name.clone()],
                sql: Some(alter_type(&table.name, &column.name, &varying)),
                queries: fingerprints(&statements_using(context, table, column, |_| true)),
                ..RULE.finding()
            });
        }
    }
}
