//! Query facts on ORM-style statements: semantic assertions on what matters to the
//! advisors, and a reviewed snapshot of the full facts of each.

use planwise::analysis::facts::{
    Access, Bound, JoinKind, Operand, Operator, PatternShape, QueryFacts, StatementKind,
    extract_facts,
};
use planwise::model::catalog::{Catalog, Column, QualifiedName, Table};
use planwise::sql::parameters::parse_logged_parameters;
use planwise::sql::parse::parse_sql;

fn table(name: &str, columns: &[(&str, &str)]) -> Table {
    Table {
        name: QualifiedName::new("public", name),
        columns: columns
            .iter()
            .map(|(column, data_type)| Column {
                name: column.to_string(),
                data_type: data_type.to_string(),
                nullable: false,
                ..Column::default()
            })
            .collect(),
        ..Table::default()
    }
}

fn shop() -> Catalog {
    let mut catalog = Catalog::default();
    for table in [
        table(
            "users",
            &[
                ("id", "integer"),
                ("email", "text"),
                ("name", "text"),
                ("created_at", "timestamp with time zone"),
            ],
        ),
        table(
            "products",
            &[
                ("id", "integer"),
                ("sku", "text"),
                ("name", "text"),
                ("price", "numeric(10,2)"),
                ("stock", "integer"),
            ],
        ),
        table(
            "orders",
            &[
                ("id", "integer"),
                ("user_id", "integer"),
                ("status", "text"),
                ("created_at", "timestamp with time zone"),
                ("total", "numeric(12,2)"),
            ],
        ),
        table(
            "order_items",
            &[
                ("id", "integer"),
                ("order_id", "integer"),
                ("product_id", "integer"),
                ("qty", "integer"),
                ("price", "numeric(10,2)"),
            ],
        ),
        table(
            "events",
            &[
                ("id", "bigint"),
                ("payload", "jsonb"),
                ("created_at", "timestamp with time zone"),
            ],
        ),
    ] {
        catalog.tables.insert(table.name.clone(), table);
    }
    catalog
}

fn facts_with(sql: &str, parameters: &str) -> QueryFacts {
    let statement = parse_sql(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .remove(0);
    extract_facts(
        &statement,
        Some(&shop()),
        &[],
        &parse_logged_parameters(parameters),
    )
}

fn facts(sql: &str) -> QueryFacts {
    facts_with(sql, "")
}

fn name(table: &str) -> QualifiedName {
    QualifiedName::new("public", table)
}

#[test]
fn rails_lookup_with_logged_parameters() {
    let f = facts_with(
        r#"SELECT "users".* FROM "users" WHERE "users"."id" = $1 LIMIT $2"#,
        "$1 = '42', $2 = '1'",
    );
    assert_eq!(f.kind, StatementKind::Select);
    assert_eq!(f.select_star, vec![name("users")]);
    assert_eq!(f.predicates.len(), 1);
    assert_eq!(f.predicates[0].operator, Operator::Eq);
    assert_eq!(
        f.predicates[0].value,
        Operand::Parameter {
            index: 1,
            value: Some("42".into())
        }
    );
    assert_eq!(
        f.limit,
        Some(Bound::Parameter {
            index: 2,
            value: Some(1)
        })
    );
}

#[test]
fn django_filter_in_list_and_sort() {
    let f = facts(
        r#"SELECT "orders"."id", "orders"."status" FROM "orders" WHERE ("orders"."user_id" = 42 AND "orders"."status" IN ('paid', 'shipped')) ORDER BY "orders"."created_at" DESC LIMIT 21"#,
    );
    let ops: Vec<_> = f
        .predicates
        .iter()
        .map(|p| (p.column.column.as_str(), p.operator.clone()))
        .collect();
    assert_eq!(
        ops,
        vec![
            ("user_id", Operator::Eq),
            ("status", Operator::In { values: 2 })
        ]
    );
    assert_eq!(f.order_by.len(), 1);
    assert!(f.order_by[0].descending);
    assert_eq!(f.order_by[0].column.as_ref().unwrap().column, "created_at");
    assert_eq!(f.limit, Some(Bound::Literal(21)));
    assert_eq!(f.projection.len(), 2);
}

#[test]
fn hibernate_join_with_aliases() {
    let f = facts(
        "select o1_0.id,o1_0.total from orders o1_0 join users u1_0 on u1_0.id=o1_0.user_id where u1_0.email=$1",
    );
    assert_eq!(f.joins.len(), 1);
    let join = &f.joins[0];
    assert_eq!(join.kind, JoinKind::Inner);
    let mut sides = [join.left.to_string_pair(), join.right.to_string_pair()];
    sides.sort();
    assert_eq!(
        sides,
        [
            ("orders".to_string(), "user_id".to_string()),
            ("users".to_string(), "id".to_string())
        ]
    );
    assert_eq!(f.predicates[0].column.table, name("users"));
    assert_eq!(
        f.tables
            .iter()
            .map(|t| t.alias.clone().unwrap())
            .collect::<Vec<_>>(),
        vec!["o1_0", "u1_0"]
    );
}

trait Pair {
    fn to_string_pair(&self) -> (String, String);
}

impl Pair for planwise::analysis::facts::ColumnRef {
    fn to_string_pair(&self) -> (String, String) {
        (self.table.name.clone(), self.column.clone())
    }
}

#[test]
fn prisma_any_and_offset() {
    let f = facts(
        r#"SELECT "public"."products"."id", "public"."products"."name" FROM "public"."products" WHERE "public"."products"."id" = ANY($1) OFFSET $2"#,
    );
    assert_eq!(f.predicates[0].operator, Operator::Any);
    assert_eq!(
        f.predicates[0].column,
        planwise::analysis::facts::ColumnRef {
            table: name("products"),
            column: "id".into()
        }
    );
    assert!(matches!(f.offset, Some(Bound::Parameter { index: 2, .. })));
}

#[test]
fn cte_and_window_functions_resolve_to_base_tables() {
    let f = facts(
        "WITH recent AS (SELECT * FROM orders WHERE created_at > now() - interval '1 day') SELECT user_id, count(*) FROM recent GROUP BY user_id",
    );
    assert_eq!(f.ctes, vec!["recent"]);
    assert_eq!(f.tables.len(), 1, "the CTE is not a table: {:?}", f.tables);
    assert_eq!(f.predicates[0].column.column, "created_at");
    assert!(f.predicates[0].operator.is_range());
    assert!(f.unresolved.is_empty(), "{:?}", f.unresolved);
    let w = facts(
        "SELECT id, row_number() OVER (PARTITION BY user_id ORDER BY created_at) FROM orders",
    );
    assert!(w.window_functions);
}

#[test]
fn between_keeps_both_bounds() {
    let f = facts_with(
        "SELECT id FROM orders WHERE created_at BETWEEN '2024-06-01' AND $1",
        "$1 = '2024-07-01 00:00:00+00'",
    );
    assert_eq!(f.predicates[0].operator, Operator::Between);
    assert_eq!(
        f.predicates[0].value,
        Operand::Constant("2024-06-01".into())
    );
    assert_eq!(
        f.predicates[0].upper,
        Some(Operand::Parameter {
            index: 1,
            value: Some("2024-07-01 00:00:00+00".into())
        })
    );
    let equality = facts("SELECT id FROM orders WHERE user_id = 7");
    assert_eq!(equality.predicates[0].upper, None);
}

#[test]
fn json_operators_functions_and_casts_wrap_the_column() {
    let json = facts("SELECT id FROM events WHERE payload->>'type' = 'click'");
    assert_eq!(json.predicates[0].column.column, "payload");
    // The attribute is part of the wrapper: an index can be defined on it.
    assert_eq!(json.predicates[0].wrapped_in.as_deref(), Some("->> 'type'"));
    assert_eq!(
        json.predicates[0].wrapped_expression().as_deref(),
        Some("payload ->> 'type'")
    );
    // A key given as a parameter is not: only the operator is known.
    let by_parameter = facts("SELECT id FROM events WHERE payload->>$1 = 'click'");
    assert_eq!(
        by_parameter.predicates[0].wrapped_in.as_deref(),
        Some("->>")
    );
    assert_eq!(by_parameter.predicates[0].wrapped_expression(), None);
    let quoted = facts("SELECT id FROM events WHERE payload->'o''k' = '1'");
    assert_eq!(
        quoted.predicates[0].wrapped_in.as_deref(),
        Some("-> 'o''k'")
    );
    let lower = facts("SELECT * FROM users WHERE lower(email) = lower($1)");
    assert_eq!(lower.predicates[0].wrapped_in.as_deref(), Some("lower"));
    let cast = facts("SELECT * FROM orders WHERE created_at::date = '2024-01-01'");
    assert_eq!(cast.predicates[0].wrapped_in.as_deref(), Some("::date"));
}

#[test]
fn wrapped_columns_say_how_the_statement_uses_each_column() {
    let wrapped = |sql: &str| -> Vec<(String, String)> {
        facts(sql)
            .wrapped_columns
            .into_iter()
            .map(|w| (w.column.column, w.wrapped_in))
            .collect()
    };
    let pair = |column: &str, wrapped_in: &str| (column.to_string(), wrapped_in.to_string());
    assert_eq!(
        wrapped(
            "SELECT order_id, sum(qty * price) FROM order_items GROUP BY order_id \
             HAVING avg(price) > 5"
        ),
        [pair("price", "*"), pair("price", "avg"), pair("qty", "*")]
    );
    assert_eq!(
        wrapped(
            "SELECT payload->>'type' FROM events \
             WHERE payload::jsonb @> '{\"a\": 1}' AND payload ? 'b'"
        ),
        [
            pair("payload", "->>"),
            pair("payload", "::jsonb"),
            pair("payload", "?"),
            pair("payload", "@>")
        ]
    );
    assert!(wrapped("SELECT id, payload FROM events WHERE id = 1").is_empty());
}

#[test]
fn writes_upserts_and_returning() {
    let upsert = facts(
        "INSERT INTO products (sku, name, price, stock) VALUES ($1, $2, $3, $4) ON CONFLICT (sku) DO UPDATE SET stock = EXCLUDED.stock RETURNING id",
    );
    assert_eq!(upsert.kind, StatementKind::Insert);
    assert_eq!(upsert.tables[0].access, Access::Insert);
    assert_eq!(upsert.written_columns.len(), 4);
    let update = facts("UPDATE orders SET status = 'shipped' WHERE id = $1 RETURNING *");
    assert_eq!(update.tables[0].access, Access::Update);
    assert_eq!(update.written_columns[0].column, "status");
    assert_eq!(update.predicates[0].column.column, "id");
    let delete = facts(
        "DELETE FROM order_items oi USING orders o WHERE oi.order_id = o.id AND o.status = 'cancelled'",
    );
    assert_eq!(
        delete.tables.iter().map(|t| t.access).collect::<Vec<_>>(),
        vec![Access::Delete, Access::Read]
    );
    assert_eq!(delete.joins.len(), 1);
    assert_eq!(delete.joins[0].kind, JoinKind::Where);
}

#[test]
fn subquery_shapes() {
    let not_in = facts("SELECT * FROM users WHERE id NOT IN (SELECT user_id FROM orders)");
    assert!(not_in.not_in_subquery);
    assert_eq!(not_in.correlated_subqueries, 0);
    let correlated =
        facts("SELECT u.id, (SELECT count(*) FROM orders o WHERE o.user_id = u.id) FROM users u");
    assert_eq!(correlated.correlated_subqueries, 1);
    assert_eq!(correlated.joins[0].kind, JoinKind::Correlated);
}

#[test]
fn patterns_or_locks_and_offsets() {
    let like = facts("SELECT * FROM products WHERE name ILIKE '%phone%'");
    assert_eq!(
        like.predicates[0].operator,
        Operator::Like {
            pattern: PatternShape::Contains,
            case_insensitive: true
        }
    );
    let prefix = facts_with("SELECT * FROM products WHERE sku LIKE $1", "$1 = 'AB-%'");
    assert_eq!(
        prefix.predicates[0].operator,
        Operator::Like {
            pattern: PatternShape::Prefix,
            case_insensitive: false
        }
    );
    let or = facts("SELECT * FROM users WHERE email = $1 OR name = $2");
    assert!(or.or_across_columns);
    let same_column = facts("SELECT * FROM users WHERE email = $1 OR email = $2");
    assert!(!same_column.or_across_columns);
    let queue = facts(
        "SELECT id FROM orders WHERE status = 'pending' ORDER BY created_at LIMIT 10 FOR UPDATE SKIP LOCKED",
    );
    assert!(queue.for_update);
    let deep = facts("SELECT * FROM orders ORDER BY id LIMIT 20 OFFSET 10000");
    assert_eq!(deep.offset.and_then(|o| o.value()), Some(10000));
}

#[test]
fn conditions_every_or_branch_shares_count_like_and_ed_ones() {
    // TPC-H q19's shape: PostgreSQL pulls the shared join and constants out of the OR.
    let shared = facts(
        "SELECT sum(i.price) FROM order_items i, products p \
         WHERE (p.id = i.product_id AND p.sku = 'A' AND i.qty < 5 AND i.price IN (1, 2)) \
            OR (p.id = i.product_id AND p.sku = 'B' AND i.order_id > 9 AND i.price IN (1, 2))",
    );
    assert_eq!(shared.joins.len(), 1, "{:?}", shared.joins);
    let restricted: Vec<(&str, Option<&str>)> = shared
        .predicates
        .iter()
        .map(|p| (p.column.column.as_str(), p.restriction.as_deref()))
        .collect();
    assert_eq!(restricted, vec![("price", Some("price IN (1, 2)"))]);
    // The repeated copies are one condition: `price` is mentioned by it and by the sum.
    assert_eq!(shared.column_mentions["price"], 2);
    assert_eq!(shared.column_mentions["product_id"], 1);
    // What is left still tests other columns in each branch.
    assert!(shared.or_across_columns);
    let same_rest = facts(
        "SELECT * FROM orders WHERE (status = 'a' AND user_id = $1) OR (status = 'a' AND user_id = $2)",
    );
    assert!(!same_rest.or_across_columns);
    assert_eq!(same_rest.predicates.len(), 1);
    // `(a AND b) OR a` is `a`.
    let absorbed = facts("SELECT * FROM orders WHERE (status = 'a' AND total > 5) OR status = 'a'");
    assert_eq!(absorbed.predicates.len(), 1);
    assert!(!absorbed.or_across_columns);
}

#[test]
fn the_first_relation_is_known_only_for_one_query_block_starting_with_a_table() {
    let first = |sql: &str| facts(sql).first_relation.map(|t| t.to_string());
    assert_eq!(
        first("SELECT 1 FROM orders o, users u WHERE o.user_id = u.id"),
        Some("public.orders".into())
    );
    assert_eq!(
        first("SELECT 1 FROM users u JOIN orders o ON o.user_id = u.id"),
        Some("public.users".into())
    );
    // An output name in ORDER BY is no relation.
    assert_eq!(
        first("SELECT o.id AS k FROM orders o, users u ORDER BY k"),
        Some("public.orders".into())
    );
    // Anything that adds query blocks or puts something else first leaves it unknown.
    for sql in [
        "SELECT 1 FROM orders WHERE user_id IN (SELECT id FROM users)",
        "WITH recent AS (SELECT * FROM orders) SELECT 1 FROM recent, users",
        "SELECT 1 FROM (SELECT * FROM orders) o, users",
        "SELECT 1 FROM generate_series(1, 3) g, orders",
        "SELECT 1 FROM nowhere, orders",
        "SELECT 1 FROM orders, nowhere",
        "SELECT id FROM orders UNION SELECT id FROM users",
        "UPDATE orders SET status = 'x' FROM users WHERE users.id = orders.user_id",
    ] {
        assert_eq!(first(sql), None, "{sql}");
    }
}

#[test]
fn unknown_names_are_reported_not_guessed() {
    let f = facts("SELECT * FROM ghosts g WHERE g.id = 1");
    assert_eq!(f.unresolved, vec!["ghosts"]);
    assert!(f.tables.is_empty());
    let column = facts("SELECT nope FROM users WHERE nada = 1");
    assert!(
        column.unresolved.contains(&"nada".to_string()),
        "{:?}",
        column.unresolved
    );
}

#[test]
fn a_join_through_a_cast_or_function_is_a_join() {
    let f = facts("SELECT * FROM orders o JOIN users u ON u.id::text = o.status");
    assert_eq!(f.cartesian_products, 0);
    assert_eq!(f.joins.len(), 1, "{:?}", f.joins);
    let join = &f.joins[0];
    assert_eq!(join.left.to_string_pair(), ("users".into(), "id".into()));
    assert_eq!(join.left_wrapped_in.as_deref(), Some("::text"));
    assert_eq!(join.right_wrapped_in, None);
    // Only the bare side is one a plain index can serve.
    let sides: Vec<_> = join.indexable_sides(&name("orders")).collect();
    assert_eq!(sides.len(), 1);
    assert_eq!(join.indexable_sides(&name("users")).count(), 0);
    assert!(f.predicates.is_empty(), "{:?}", f.predicates);

    let f = facts("SELECT * FROM orders o, users u WHERE lower(u.email) = lower(o.status)");
    assert_eq!(f.cartesian_products, 0);
    assert_eq!(f.joins.len(), 1, "{:?}", f.joins);
    assert_eq!(f.joins[0].left_wrapped_in.as_deref(), Some("lower"));
    assert_eq!(f.joins[0].right_wrapped_in.as_deref(), Some("lower"));
}

#[test]
fn cartesian_products_have_no_join_edge() {
    let f = facts("SELECT * FROM users, products WHERE users.id = 1");
    assert_eq!(f.tables.len(), 2);
    assert!(f.joins.is_empty());
}

#[test]
fn facts_of_a_set_of_orm_queries() {
    let queries = [
        r#"SELECT "users".* FROM "users" WHERE "users"."id" = $1 LIMIT $2"#,
        r#"SELECT "orders"."id" FROM "orders" WHERE ("orders"."user_id" = 42 AND "orders"."status" IN ('paid', 'shipped')) ORDER BY "orders"."created_at" DESC LIMIT 21"#,
        "select o1_0.id,o1_0.total from orders o1_0 join users u1_0 on u1_0.id=o1_0.user_id where u1_0.email=$1",
        "SELECT u.email, sum(oi.qty * oi.price) FROM users u JOIN orders o ON o.user_id = u.id LEFT JOIN order_items oi ON oi.order_id = o.id WHERE o.status = 'paid' GROUP BY u.email ORDER BY 2 DESC LIMIT 10",
        "INSERT INTO products (sku, name, price, stock) VALUES ($1, $2, $3, $4) ON CONFLICT (sku) DO UPDATE SET stock = EXCLUDED.stock RETURNING id",
        "WITH recent AS (SELECT * FROM orders WHERE created_at > now() - interval '1 day') SELECT user_id, count(*) FROM recent GROUP BY user_id",
        "SELECT id FROM events WHERE payload->>'type' = 'click' AND created_at BETWEEN $1 AND $2",
        "SELECT * FROM users WHERE id NOT IN (SELECT user_id FROM orders) AND created_at IS NOT NULL",
    ];
    let all: Vec<_> = queries.iter().map(|q| (q.to_string(), facts(q))).collect();
    insta::assert_json_snapshot!("orm_query_facts", all);
}

#[test]
fn only_unjoined_tables_count_as_cartesian_products() {
    assert_eq!(
        facts("SELECT * FROM users, products WHERE users.id = 1").cartesian_products,
        1
    );
    assert_eq!(
        facts("SELECT * FROM users u, orders o WHERE o.user_id = u.id").cartesian_products,
        0
    );
    assert_eq!(
        facts("SELECT * FROM users WHERE id NOT IN (SELECT user_id FROM orders)")
            .cartesian_products,
        0
    );
    assert_eq!(
        facts("SELECT * FROM users u JOIN orders o ON o.user_id = u.id CROSS JOIN products p")
            .cartesian_products,
        1
    );
}

#[test]
fn functions_whose_result_changes_per_call_are_named() {
    let clock = facts(
        "SELECT id FROM orders WHERE created_at > now() - interval '1 day' \
         AND created_at < CURRENT_TIMESTAMP ORDER BY random()",
    );
    assert_eq!(
        clock.volatile_functions.iter().collect::<Vec<_>>(),
        ["current_timestamp", "now", "random"]
    );
    let lock = facts("SELECT pg_try_advisory_lock(42), nextval('orders_id_seq')");
    assert_eq!(
        lock.volatile_functions.iter().collect::<Vec<_>>(),
        ["nextval", "pg_try_advisory_lock"]
    );
    let pure = facts("SELECT lower(email), count(*) FROM users GROUP BY lower(email)");
    assert!(pure.volatile_functions.is_empty());
}

#[test]
fn truncate_and_copy_from_write_their_tables() {
    let truncate = facts("TRUNCATE orders, order_items");
    assert_eq!(truncate.kind, StatementKind::Other);
    assert_eq!(
        truncate
            .tables
            .iter()
            .map(|t| (t.table.name.as_str(), t.access))
            .collect::<Vec<_>>(),
        [
            ("orders", Access::Truncate),
            ("order_items", Access::Truncate)
        ]
    );
    let copy_in = facts("COPY events (id, payload, created_at) FROM STDIN");
    assert_eq!(copy_in.tables.len(), 1);
    assert_eq!(copy_in.tables[0].access, Access::Insert);
    let copy_out = facts("COPY events TO STDOUT");
    assert!(copy_out.tables.is_empty());
}

#[test]
fn scalar_subqueries_on_the_outer_row_are_told_from_exists_and_in() {
    let per_row = facts(
        "SELECT o.id, (SELECT count(*) FROM order_items i WHERE i.order_id = o.id) AS items \
         FROM orders o WHERE o.user_id = 5",
    );
    assert_eq!(per_row.correlated_scalar_subqueries, 1);
    let in_where = facts(
        "SELECT id FROM orders o \
         WHERE total > (SELECT avg(total) FROM orders p WHERE p.user_id = o.user_id)",
    );
    assert_eq!(in_where.correlated_scalar_subqueries, 1);
    // Turned into joins by the planner, or not on the outer row: not counted.
    for sql in [
        "SELECT id FROM orders o WHERE EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)",
        "SELECT id FROM orders o WHERE o.id IN (SELECT order_id FROM order_items)",
        "SELECT id, (SELECT max(id) FROM users) FROM orders",
    ] {
        let facts = facts(sql);
        assert_eq!(facts.correlated_scalar_subqueries, 0, "{sql}");
    }
}

#[test]
fn a_statement_that_only_counts_its_rows() {
    assert!(facts("SELECT count(*) FROM orders WHERE user_id = 5").counts_rows);
    assert!(facts("SELECT COUNT(id) AS total FROM orders WHERE status = 'paid'").counts_rows);
    for sql in [
        "SELECT user_id, count(*) FROM orders GROUP BY user_id",
        "SELECT count(*), max(total) FROM orders",
        "SELECT id FROM orders WHERE (SELECT count(*) FROM users) > 1",
    ] {
        assert!(!facts(sql).counts_rows, "{sql}");
    }
}

#[test]
fn constant_ranges_are_restrictions_with_literal_arithmetic_folded() {
    let f = facts(
        "SELECT sum(price) FROM order_items WHERE price BETWEEN .06 - 0.01 AND .06 + 0.01 AND qty < 24 AND 5 <= id AND order_id > $1",
    );
    let restrictions: Vec<_> = f
        .predicates
        .iter()
        .map(|p| (p.column.column.as_str(), p.restriction.as_deref()))
        .collect();
    assert_eq!(
        restrictions,
        vec![
            ("price", Some("price BETWEEN 0.05 AND 0.07")),
            ("qty", Some("qty < 24")),
            ("id", Some("id >= 5")),
            ("order_id", None),
        ]
    );
    assert_eq!(f.predicates[0].value, Operand::Constant("0.05".into()));
}
