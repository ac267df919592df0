//! ## What it finds
//! Statements that join two columns of different types from different type families
//! (`integer` with `numeric`, `text` with `uuid`, `bigint` with `character varying`): one
//! side is cast to the other's type — by the statement (`c.id::text = o.customer_ref`) or
//! implicitly — and an index on the cast column cannot be used for the join. Same-family pairs (`integer` with `bigint`: btree compares them directly) are
//! reported as info, to make the types match before the narrower one overflows; pairs that
//! are binary-compatible (`character varying` with `text`) are not reported.
//!
//! ## Why it matters
//! The planner can only use an index whose operator class matches the comparison. When a
//! join compares `orders.customer_ref text` with `customers.id uuid`, the uuid is cast to
//! text (or the query fails), and the nested-loop lookup through `customers_pkey` the
//! planner would otherwise choose is gone: the join becomes a hash join over both tables.
//!
//! ## Example
//! ```sql
//! SELECT … FROM orders o JOIN customers c ON c.id::text = o.customer_ref;
//! ```
//!
//! ## Instead
//! ```sql
//! ALTER TABLE public.orders ALTER COLUMN customer_ref TYPE uuid USING customer_ref::uuid;
//! ```
//! Changing a column's type rewrites the table under an ACCESS EXCLUSIVE lock: plan it (a
//! new column filled in batches, then swapped, avoids the long lock).
//!
//! ## How the saving is estimated
//! Not as cost: the finding gives the joins' logged calls and time, the most the fix could
//! save.

use crate::analysis::join_graph::JoinStats;
use crate::findings::{Category, Finding, Severity};
use crate::model::ddl::quote_identifier;
use crate::rules::{Check, Context, Rule};

pub static RULE: Rule = Rule {
    id: "DT001",
    name: "join-type-mismatch",
    category: Category::DataTypes,
    severity: Severity::Warning,
    source: include_str!("join_type_mismatch.rs"),
    check: Check::Workload(check),
};

/// Types btree compares across without a cast, by family.
const FAMILIES: &[&[&str]] = &[
    &["smallint", "integer", "bigint"],
    &["real", "double precision"],
    &[
        "date",
        "timestamp without time zone",
        "timestamp with time zone",
    ],
];

fn check(context: &Context<'_>, out: &mut Vec<Finding>) {
    for join in context.join_graph.edges() {
        let Some((left_type, right_type)) = &join.type_mismatch else {
            continue;
        };
        let (left, right) = (base(left_type), base(right_type));
        if is_text(left) && is_text(right) {
            continue;
        }
        let same_family = FAMILIES
            .iter()
            .any(|family| family.contains(&left) && family.contains(&right));
        let (narrow, wide_type) = change(join, left_type, right_type, same_family);
        out.push(Finding {
            severity: if same_family {
                Severity::Info
            } else {
                RULE.severity
            },
            message: format!(
                "{}.{} ({left_type}) is joined with {}.{} ({right_type}) in {} call{}, {:.1} ms \
                 logged: {}",
                join.left.table,
                join.left_shown(),
                join.right.table,
                join.right_shown(),
                join.calls,
                if join.calls == 1 { "" } else { "s" },
                join.total_ms,
                if same_family {
                    "the index still serves the join, but the narrower column caps the values"
                } else {
                    "one side is cast, so an index on it cannot serve the join"
                }
            ),
            table: Some(narrow.table.clone()),
            columns: vec![narrow.column.clone()],
            sql: Some(format!(
                "ALTER TABLE {} ALTER COLUMN {column} TYPE {wide_type} USING {column}::{wide_type};",
                crate::analysis::index::definition::qualified(&narrow.table),
                column = quote_identifier(&narrow.column),
            )),
            queries: join.queries.iter().cloned().collect(),
            ..RULE.finding()
        });
    }
}

/// The column to change and the type to give it: within a family the narrower one widens;
/// a `numeric` key joined with an integer becomes `bigint`; a text-like side takes the
/// other's type (`text` → `uuid`); else the left side takes the right's.
fn change<'j>(
    join: &'j JoinStats,
    left_type: &str,
    right_type: &str,
    same_family: bool,
) -> (&'j crate::analysis::facts::ColumnRef, String) {
    let rank = |t: &str| {
        FAMILIES
            .iter()
            .find_map(|family| family.iter().position(|member| *member == base(t)))
            .unwrap_or(0)
    };
    let integer = |t: &str| FAMILIES[0].contains(&base(t));
    if !same_family && integer(left_type) && base(right_type) == "numeric" {
        return (&join.right, "bigint".to_string());
    }
    if !same_family && integer(right_type) && base(left_type) == "numeric" {
        return (&join.left, "bigint".to_string());
    }
    let left_changes = if same_family {
        rank(left_type) < rank(right_type)
    } else {
        is_text(base(left_type)) || !is_text(base(right_type))
    };
    if left_changes {
        (&join.left, right_type.to_string())
    } else {
        (&join.right, left_type.to_string())
    }
}

/// The type without its modifier: `character varying(255)` → `character varying`.
fn base(data_type: &str) -> &str {
    data_type.split('(').next().unwrap_or(data_type).trim()
}

fn is_text(base_type: &str) -> bool {
    matches!(base_type, "text" | "character varying" | "character")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::facts::ColumnRef;
    use crate::analysis::join_graph::EdgeKind;
    use crate::model::catalog::QualifiedName;

    fn join() -> JoinStats {
        let column = |table: &str, column: &str| ColumnRef {
            table: QualifiedName::new("public", table),
            column: column.into(),
        };
        JoinStats {
            kind: EdgeKind::Statement,
            left: column("orders", "customer_ref"),
            right: column("customers", "id"),
            queries: Default::default(),
            calls: 1,
            total_ms: 0.0,
            type_mismatch: None,
            left_wrapped_in: None,
            right_wrapped_in: None,
        }
    }

    #[test]
    fn the_column_to_change_and_its_new_type() {
        let join = join();
        let (column, to) = change(&join, "text", "uuid", false);
        assert_eq!(
            (column.column.as_str(), to.as_str()),
            ("customer_ref", "uuid")
        );
        let (column, to) = change(&join, "uuid", "character varying(36)", false);
        assert_eq!((column.column.as_str(), to.as_str()), ("id", "uuid"));
        let (column, to) = change(&join, "bigint", "integer", true);
        assert_eq!((column.column.as_str(), to.as_str()), ("id", "bigint"));
        let (column, to) = change(&join, "numeric(12,0)", "integer", false);
        assert_eq!(
            (column.column.as_str(), to.as_str()),
            ("customer_ref", "bigint")
        );
        assert_eq!(base("character varying(255)"), "character varying");
    }
}
