//! Facts extraction over generated SQL: it never panics, and what it reports is consistent —
//! every predicate, join and sort column belongs to a table the statement uses.

use planwise::analysis::facts::extract_facts;
use planwise::model::catalog::{Catalog, Column, QualifiedName, Table};
use planwise::sql::parse::parse_sql;
use proptest::prelude::*;
use std::collections::BTreeMap;

const TABLES: [&str; 4] = ["users", "orders", "items", "ghosts"];
const COLUMNS: [&str; 5] = ["id", "user_id", "status", "created_at", "nope"];

fn catalog() -> Catalog {
    let mut catalog = Catalog::default();
    for name in &TABLES[..3] {
        let table = Table {
            name: QualifiedName::new("public", *name),
            columns: COLUMNS[..4]
                .iter()
                .map(|c| Column {
                    name: c.to_string(),
                    data_type: "integer".into(),
                    ..Column::default()
                })
                .collect(),
            ..Table::default()
        };
        catalog.tables.insert(table.name.clone(), table);
    }
    catalog
}

fn predicate() -> impl Strategy<Value = String> {
    let column = (0..2usize, prop::sample::select(COLUMNS.to_vec()))
        .prop_map(|(alias, c)| format!("t{alias}.{c}"));
    let value = prop_oneof![
        Just("$1".to_string()),
        (0..1000i32).prop_map(|n| n.to_string()),
        "[a-z%]{0,6}".prop_map(|s| format!("'{s}'")),
        Just("(SELECT max(id) FROM orders WHERE user_id = t0.id)".to_string()),
    ];
    let op = prop::sample::select(vec!["=", "<>", "<", ">=", "LIKE", "ILIKE"]);
    prop_oneof![
        (column.clone(), op, value).prop_map(|(c, o, v)| format!("{c} {o} {v}")),
        column.clone().prop_map(|c| format!("{c} IS NULL")),
        column.clone().prop_map(|c| format!("{c} IN (1, 2, 3)")),
        column
            .clone()
            .prop_map(|c| format!("{c} NOT IN (SELECT user_id FROM orders)")),
        column.clone().prop_map(|c| format!("lower({c}) = 'x'")),
        (column.clone(), column).prop_map(|(a, b)| format!("{a} = {b}")),
    ]
}

fn statement() -> impl Strategy<Value = String> {
    let table = prop::sample::select(TABLES.to_vec());
    (
        table.clone(),
        table,
        prop::collection::vec(predicate(), 0..4),
        prop::bool::ANY,
        prop::option::of(0u32..100_000),
        prop::sample::select(vec!["JOIN", "LEFT JOIN", ","]),
        prop::bool::ANY,
    )
        .prop_map(|(a, b, predicates, order, offset, join, with_cte)| {
            let from = if join == "," {
                format!("{a} t0, {b} t1")
            } else {
                format!("{a} t0 {join} {b} t1 ON t1.user_id = t0.id")
            };
            let mut sql = format!("SELECT t0.id, t1.* FROM {from}");
            if !predicates.is_empty() {
                sql += &format!(" WHERE {}", predicates.join(" AND "));
            }
            if order {
                sql += " ORDER BY t0.created_at DESC";
            }
            if let Some(offset) = offset {
                sql += &format!(" LIMIT 10 OFFSET {offset}");
            }
            if with_cte {
                sql = format!("WITH c AS (SELECT * FROM users WHERE status = 'a') {sql}");
            }
            sql
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn facts_are_consistent_with_the_tables_used(sql in statement()) {
        let catalog = catalog();
        let statements = parse_sql(&sql).map_err(|e| TestCaseError::fail(format!("{sql}: {e}")))?;
        for with_catalog in [Some(&catalog), None] {
            let facts = extract_facts(&statements[0], with_catalog, &[], &BTreeMap::new());
            let used: Vec<&QualifiedName> = facts.tables.iter().map(|t| &t.table).collect();
            for predicate in &facts.predicates {
                prop_assert!(used.contains(&&predicate.column.table), "{sql}: {predicate:?}");
            }
            for join in &facts.joins {
                prop_assert!(used.contains(&&join.left.table) && used.contains(&&join.right.table), "{sql}");
            }
            for key in facts.order_by.iter().filter_map(|k| k.column.as_ref()) {
                prop_assert!(used.contains(&&key.table), "{sql}");
            }
            if with_catalog.is_some() && sql.contains("ghosts") {
                prop_assert!(facts.unresolved.iter().any(|u| u == "ghosts"), "{sql}: {:?}", facts.unresolved);
            }
        }
    }

    #[test]
    fn any_parseable_text_yields_facts_without_panicking(sql in "[ -~]{0,120}") {
        if let Ok(statements) = parse_sql(&sql) {
            for statement in &statements {
                let _ = extract_facts(statement, Some(&catalog()), &[], &BTreeMap::new());
            }
        }
    }
}
