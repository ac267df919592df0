//! ## What it finds
//! New columns of type `varchar(n)` (`character varying(n)`): in `CREATE TABLE`,
//! `ADD COLUMN`, or `ALTER COLUMN … TYPE`.
//!
//! ## Why it matters
//! Not much, which is why this is only information. `varchar(n)` is stored and compared
//! exactly like `text`; the `n` is a constraint and nothing more. Raising it later is a
//! catalog-only change (since PostgreSQL 9.2), but lowering it rewrites the table under an
//! ACCESS EXCLUSIVE lock. `text` with a `CHECK (char_length(col) <= n)` enforces the same
//! limit and can be changed either way without a rewrite: add the new constraint `NOT
//! VALID`, `VALIDATE` it (a scan that lets reads and writes go on), drop the old one.
//!
//! ## Example
//! ```sql
//! ALTER TABLE customers ADD COLUMN nickname varchar(50);
//! ```
//!
//! ## Instead
//! ```sql
//! ALTER TABLE customers ADD COLUMN nickname text CHECK (char_length(nickname) <= 50);
//! ```
//! A `varchar(n)` whose limit will only ever grow is fine as it is.
//!
//! ## How severity is decided
//! Info, always: it is a note on flexibility, not a problem.

use super::new_columns::declarations;
use crate::analysis::migration::StatementContext;
use crate::findings::{Category, Finding, Severity};
use crate::model::ddl::quote_identifier;
use crate::rules::{Check, Rule};
use crate::sql::parse::parse_expression;
use sqlparser::ast::{CheckConstraint, ColumnOption, ColumnOptionDef, DataType};
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    id: "MIG023",
    name: "varchar-length",
    category: Category::Migration,
    severity: Severity::Info,
    source: include_str!("varchar_length.rs"),
    check: Check::Migration(check),
};

fn check(context: &StatementContext<'_>, out: &mut Vec<Finding>) {
    let Some(declared) = declarations(context) else {
        return;
    };
    let limits: BTreeMap<&str, u64> = declared
        .columns
        .iter()
        .filter_map(|c| Some((c.name.as_str(), varchar_length(&c.data_type)?)))
        .collect();
    let columns = declared.typed(|t| varchar_length(t).is_some());
    if columns.is_empty() {
        return;
    }
    // A column only retyped has no definition to carry the CHECK: no SQL for that case.
    let all_defined = declared
        .columns
        .iter()
        .filter(|c| columns.contains(&c.name))
        .all(|c| c.definition.is_some());
    let sql = all_defined.then(|| {
        declared.rewritten(&columns, |name, data_type, options| {
            let limit = limits.get(name).and_then(|limit| {
                parse_expression(&format!(
                    "char_length({}) <= {limit}",
                    quote_identifier(name)
                ))
                .ok()
            });
            *data_type = DataType::Text;
            if let (Some(options), Some(limit)) = (options, limit) {
                options.push(check_option(limit));
            }
        })
    });
    out.push(Finding {
        message: format!(
            "{} {} varchar(n): raising n later is a catalog-only change, but lowering it \
             rewrites the table; text with CHECK (char_length(…) <= n) keeps the limit and \
             changes either way without a rewrite (varchar is no faster than text)",
            declared.describe(&columns),
            if columns.len() == 1 { "is" } else { "are" },
        ),
        table: Some(declared.table.clone()),
        columns,
        sql,
        ..RULE.finding_at(context)
    });
}

/// `n` of `character varying(n)`, as PostgreSQL prints the type.
fn varchar_length(data_type: &str) -> Option<u64> {
    data_type
        .strip_prefix("character varying(")?
        .strip_suffix(')')?
        .parse()
        .ok()
}

fn check_option(expr: sqlparser::ast::Expr) -> ColumnOptionDef {
    ColumnOptionDef {
        name: None,
        option: ColumnOption::Check(CheckConstraint {
            name: None,
            expr: Box::new(expr),
            no_inherit: false,
            enforced: None,
        }),
    }
}
