//! The join graph over a workload: edges weighted by the queries that use them, implicit
//! casts flagged, DOT and Mermaid renderings.

use planwise::analysis::facts::extract_facts;
use planwise::analysis::join_graph::JoinGraph;
use planwise::model::catalog::{Catalog, Column, QualifiedName, Table};
use planwise::model::workload::{Call, Origin, Profile};
use planwise::sql::fingerprint::Fingerprinter;
use planwise::sql::parse::parse_sql;
use std::collections::BTreeMap;

fn table(name: &str, columns: &[(&str, &str)]) -> Table {
    Table {
        name: QualifiedName::new("public", name),
        columns: columns
            .iter()
            .map(|(c, t)| Column {
                name: c.to_string(),
                data_type: t.to_string(),
                ..Column::default()
            })
            .collect(),
        ..Table::default()
    }
}

/// A profile where each statement ran `calls` times for 1 ms each, and the facts of each.
fn workload(
    statements: &[(&str, u64)],
    catalog: &Catalog,
) -> (
    Profile,
    BTreeMap<u64, planwise::analysis::facts::QueryFacts>,
) {
    let mut profile = Profile::default();
    let mut facts = BTreeMap::new();
    let mut fingerprinter = Fingerprinter::new();
    for (sql, calls) in statements {
        let fingerprint = fingerprinter.fingerprint(sql.as_bytes());
        for _ in 0..*calls {
            profile.execute(
                None,
                &Call {
                    fingerprint: fingerprint.id,
                    normalized: fingerprint.normalized,
                    statement: sql,
                    parameters: None,
                    values_hash: 0,
                    offset: None,
                    duration_us: Some(1000),
                    at: None,
                    origin: Origin::default(),
                    location: None,
                },
            );
        }
        let statement = parse_sql(sql).unwrap().remove(0);
        facts.insert(
            fingerprint.id,
            extract_facts(&statement, Some(catalog), &[], &BTreeMap::new()),
        );
    }
    (profile, facts)
}

#[test]
fn edges_add_up_the_queries_that_join_on_them_and_flag_type_mismatches() {
    let mut catalog = Catalog::default();
    for t in [
        table("users", &[("id", "bigint"), ("email", "text")]),
        table("orders", &[("id", "bigint"), ("user_id", "integer")]),
        table("items", &[("id", "bigint"), ("order_id", "bigint")]),
    ] {
        catalog.tables.insert(t.name.clone(), t);
    }
    let (profile, facts) = workload(
        &[
            (
                "SELECT * FROM orders o JOIN users u ON u.id = o.user_id WHERE u.email = 'a'",
                3,
            ),
            (
                "SELECT count(*) FROM users u, orders o WHERE o.user_id = u.id",
                2,
            ),
            (
                "SELECT * FROM items i JOIN orders o ON o.id = i.order_id",
                5,
            ),
            ("SELECT * FROM users WHERE id = 1", 7),
        ],
        &catalog,
    );
    let graph = JoinGraph::build(&facts, &profile, Some(&catalog));
    let edges = graph.edges();
    assert_eq!(edges.len(), 2, "{edges:?}");
    let users_orders = edges
        .iter()
        .find(|e| e.right.table.name == "users" || e.left.table.name == "users")
        .unwrap();
    assert_eq!(users_orders.queries.len(), 2);
    assert_eq!(users_orders.calls, 5);
    assert_eq!(users_orders.total_ms, 5.0);
    assert_eq!(
        users_orders.type_mismatch,
        Some(("integer".to_string(), "bigint".to_string()))
    );
    let items_orders = edges
        .iter()
        .find(|e| e.left.table.name == "items" || e.right.table.name == "items")
        .unwrap();
    assert_eq!(items_orders.calls, 5);
    assert_eq!(items_orders.type_mismatch, None);
    assert_eq!(graph.nodes().len(), 3);
    let dot = graph.to_dot();
    assert!(dot.starts_with("graph joins {"));
    assert_eq!(dot.matches(" -- ").count(), 2);
    assert!(
        dot.contains("color=red"),
        "the mismatched edge is drawn red"
    );
    let mermaid = graph.to_mermaid();
    assert!(mermaid.contains("⚠ types differ"));
    insta::assert_snapshot!("join_graph_dot", dot);
}
