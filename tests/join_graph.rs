//! The join graph over a workload: edges weighted by the queries that use them, implicit
//! casts flagged, DOT and Mermaid renderings.

use planwise::analysis::facts::{QueryFacts, extract_facts};
use planwise::analysis::join_graph::{EdgeKind, JoinGraph};
use planwise::model::catalog::{Catalog, Column, ForeignKey, QualifiedName, Table};
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

fn call<'a>((id, normalized): &'a (u64, Vec<u8>), sql: &'a str, values_hash: u64) -> Call<'a> {
    Call {
        fingerprint: *id,
        normalized: normalized.as_slice(),
        statement: sql,
        parameters: None,
        values_hash,
        offset: None,
        duration_us: Some(1000),
        at: None,
        origin: Origin::default(),
        location: None,
    }
}

/// Three sessions that each look up a user, then the user's orders one by one (an N+1 loop).
fn n_plus_one_sessions(catalog: &Catalog) -> (Profile, BTreeMap<u64, QueryFacts>) {
    let parent_sql = "SELECT id FROM users WHERE email = 'a'";
    let child_sql = "SELECT * FROM orders WHERE user_id = 42";
    let mut fingerprinter = Fingerprinter::new();
    let mut fingerprint = |sql: &str| {
        let fingerprint = fingerprinter.fingerprint(sql.as_bytes());
        (fingerprint.id, fingerprint.normalized.to_vec())
    };
    let (parent, child) = (fingerprint(parent_sql), fingerprint(child_sql));
    let mut profile = Profile::default();
    for session in ["s1", "s2", "s3"] {
        profile.execute(Some(session), &call(&parent, parent_sql, 0));
        for value in 0..5 {
            profile.execute(Some(session), &call(&child, child_sql, value));
        }
    }
    profile.finish();
    let mut facts = BTreeMap::new();
    for (fingerprint, sql) in [(&parent, parent_sql), (&child, child_sql)] {
        let statement = parse_sql(sql).unwrap().remove(0);
        let extracted = extract_facts(&statement, Some(catalog), &[], &BTreeMap::new());
        facts.insert(fingerprint.0, extracted);
    }
    (profile, facts)
}

#[test]
fn n_plus_one_loops_are_application_joins_along_their_foreign_key() {
    let mut catalog = Catalog::default();
    let users = table("users", &[("id", "bigint"), ("email", "text")]);
    let mut orders = table("orders", &[("id", "bigint"), ("user_id", "bigint")]);
    orders.foreign_keys.push(ForeignKey {
        columns: vec!["user_id".into()],
        references: users.name.clone(),
        referenced_columns: vec!["id".into()],
        ..ForeignKey::default()
    });
    for t in [users, orders.clone()] {
        catalog.tables.insert(t.name.clone(), t);
    }
    let (profile, facts) = n_plus_one_sessions(&catalog);
    let graph = JoinGraph::build(&facts, &profile, Some(&catalog));
    let edges = graph.edges();
    assert_eq!(edges.len(), 1, "{edges:?}");
    let edge = edges[0];
    assert_eq!(edge.kind, EdgeKind::ApplicationLoop);
    assert_eq!(
        (edge.left.column.as_str(), edge.right.column.as_str()),
        ("user_id", "id")
    );
    assert_eq!(edge.calls, 15, "the loops' calls, not the parent's");
    assert!(
        graph
            .to_mermaid()
            .contains(" -.-|\"user_id → N+1 → id<br/>15 calls\"| ")
    );
    assert!(graph.to_dot().contains("style=dashed"));

    // Without the foreign key nothing says which column of users the loop follows.
    orders.foreign_keys.clear();
    catalog.tables.insert(orders.name.clone(), orders);
    let (profile, facts) = n_plus_one_sessions(&catalog);
    assert!(
        JoinGraph::build(&facts, &profile, Some(&catalog))
            .edges()
            .is_empty()
    );
}
