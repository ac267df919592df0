//! The query-rewrite rules (RW001–RW005) on small schemas and workloads: the rewritten SQL
//! has the promised shape, and a rewrite is called equivalent only when the catalog shows it.

mod common;

use common::{analyze_json, findings_of};
use serde_json::Value;

/// `planwise analyze` offline; the findings of `rule`.
fn findings(schema: &str, workload: &str, rule: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schema.sql"), schema).unwrap();
    std::fs::write(dir.path().join("workload.sql"), workload).unwrap();
    let report = analyze_json([
        std::ffi::OsStr::new("--log"),
        dir.path().join("workload.sql").as_os_str(),
        std::ffi::OsStr::new("--schema"),
        dir.path().join("schema.sql").as_os_str(),
    ]);
    findings_of(&report, rule)
}

fn text<'v>(finding: &'v Value, field: &str) -> &'v str {
    finding[field].as_str().unwrap_or_default()
}

const ORDERS: &str = "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL,
                      created_at timestamptz NOT NULL, total numeric NOT NULL, coupon_id bigint);";

#[test]
fn a_deep_offset_becomes_a_keyset_seek_with_the_primary_key_as_tiebreaker() {
    let found = findings(
        ORDERS,
        "SELECT id, total FROM orders WHERE customer_id = 42 \
         ORDER BY created_at DESC LIMIT 20 OFFSET 10000;",
        "RW001",
    );
    assert_eq!(found.len(), 1);
    assert_eq!(
        text(&found[0], "sql"),
        "SELECT id, total FROM orders WHERE customer_id = 42 \
         AND (created_at, id) < ($last_created_at, $last_id) \
         ORDER BY created_at DESC, id DESC LIMIT 20;"
    );
    assert!(!text(&found[0], "sql").contains("OFFSET"));
    assert_eq!(found[0]["severity"], "warning");
    assert!(text(&found[0], "message").contains("primary key (id) is added"));
    assert!(found[0]["estimated_saving"].is_null());
    assert_eq!(found[0]["queries"].as_array().unwrap().len(), 1);
}

#[test]
fn a_unique_sort_key_needs_no_tiebreaker_and_a_shallow_offset_is_left_alone() {
    let found = findings(
        ORDERS,
        "SELECT id FROM orders ORDER BY id LIMIT 10 OFFSET 2500;",
        "RW001",
    );
    assert_eq!(
        text(&found[0], "sql"),
        "SELECT id FROM orders WHERE id > $last_id ORDER BY id LIMIT 10;"
    );
    assert!(
        findings(
            ORDERS,
            "SELECT id FROM orders ORDER BY id LIMIT 10 OFFSET 999;",
            "RW001"
        )
        .is_empty()
    );
}

#[test]
fn a_keyset_over_a_nullable_or_unknown_sort_key_is_only_info() {
    let nullable = findings(
        "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz);",
        "SELECT id FROM events ORDER BY at LIMIT 10 OFFSET 5000;",
        "RW001",
    );
    assert_eq!(nullable[0]["severity"], "info");
    assert!(text(&nullable[0], "message").contains("at can be NULL"));
    let joined = findings(
        &format!("{ORDERS} CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL);"),
        "SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id \
         ORDER BY c.name, o.id LIMIT 10 OFFSET 5000;",
        "RW001",
    );
    assert_eq!(joined[0]["severity"], "info");
    assert!(text(&joined[0], "message").contains("cannot be read from the catalog"));
}

const CUSTOMERS: &str = "CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL);
                         CREATE TABLE coupons (id bigint PRIMARY KEY, code text NOT NULL);";

#[test]
fn not_in_over_not_null_columns_becomes_an_equivalent_not_exists() {
    let found = findings(
        &format!("{ORDERS} {CUSTOMERS}"),
        "SELECT id, email FROM customers WHERE id NOT IN (SELECT customer_id FROM orders);",
        "RW002",
    );
    assert_eq!(
        text(&found[0], "sql"),
        "SELECT id, email FROM customers WHERE NOT EXISTS \
         (SELECT 1 FROM orders WHERE orders.customer_id = customers.id);"
    );
    assert_eq!(found[0]["severity"], "warning");
    assert!(text(&found[0], "message").contains("returns the same rows here"));
}

#[test]
fn not_in_over_a_nullable_column_is_never_called_equivalent() {
    let found = findings(
        &format!("{ORDERS} {CUSTOMERS}"),
        "SELECT code FROM coupons WHERE id NOT IN (SELECT coupon_id FROM orders);",
        "RW002",
    );
    let message = text(&found[0], "message");
    assert_eq!(found[0]["severity"], "info");
    assert!(
        message.contains("orders.coupon_id can be NULL"),
        "{message}"
    );
    assert!(message.contains("not guaranteed to return the same rows"));
    assert!(message.contains("NOT IN return no rows at all"));
    assert!(!message.contains("returns the same rows here"));
    assert!(text(&found[0], "sql").contains("NOT EXISTS"));
}

#[test]
fn not_in_is_never_called_equivalent_without_a_catalog_entry() {
    // `archive` is not in the schema: its column's nullability is unknown.
    let found = findings(
        CUSTOMERS,
        "SELECT id FROM customers WHERE id NOT IN (SELECT customer_id FROM archive);",
        "RW002",
    );
    assert_eq!(found[0]["severity"], "info");
    assert!(!text(&found[0], "message").contains("returns the same rows here"));
}

#[test]
fn select_star_lists_the_columns_of_a_wide_table_only() {
    let wide = "CREATE TABLE wide (c1 int, c2 int, c3 int, c4 int, c5 int, c6 int, c7 int,
                                   c8 int, c9 int, c10 int);";
    let found = findings(wide, "SELECT * FROM wide WHERE c1 = 1;", "RW003");
    assert_eq!(found[0]["columns"].as_array().unwrap().len(), 10);
    assert_eq!(
        text(&found[0], "sql"),
        "SELECT c1, c2, c3, c4, c5, c6, c7, c8, c9, c10 FROM wide WHERE c1 = 1;"
    );
    assert!(findings(ORDERS, "SELECT * FROM orders;", "RW003").is_empty());
    let using = findings(
        &format!("{wide} CREATE TABLE other (c1 int, x int);"),
        "SELECT * FROM wide JOIN other USING (c1);",
        "RW003",
    );
    assert!(
        using[0]["sql"].is_null(),
        "USING merges columns: no plain expansion"
    );
}

#[test]
fn a_wrapped_indexed_column_gets_its_sargable_form() {
    let schema = format!(
        "{ORDERS} CREATE INDEX orders_created_at_idx ON orders (created_at);
         CREATE INDEX orders_customer_idx ON orders (customer_id);"
    );
    let day = findings(
        &schema,
        "SELECT id FROM orders WHERE date(created_at) = $1;",
        "RW004",
    );
    assert_eq!(
        text(&day[0], "sql"),
        "SELECT id FROM orders WHERE (created_at >= $1::DATE AND created_at < $1::DATE + 1);"
    );
    assert_eq!(day[0]["severity"], "warning");
    let cast = findings(
        &schema,
        "SELECT id FROM orders WHERE customer_id::text = '42';",
        "RW004",
    );
    assert_eq!(
        text(&cast[0], "sql"),
        "SELECT id FROM orders WHERE (customer_id = 42);"
    );
    // `'042'` is not how 42 prints: no equivalent rewrite.
    let padded = findings(
        &schema,
        "SELECT id FROM orders WHERE customer_id::text = '042';",
        "RW004",
    );
    assert_eq!(padded[0]["severity"], "info");
    assert!(padded[0]["sql"].is_null());
    // Without an index leading with the column, the index rules speak instead.
    assert!(
        findings(
            ORDERS,
            "SELECT id FROM orders WHERE date(created_at) = $1;",
            "RW004"
        )
        .is_empty()
    );
}

#[test]
fn lower_of_an_indexed_column_points_to_an_expression_index() {
    let found = findings(
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
         CREATE INDEX users_email_idx ON users (email);",
        "SELECT id FROM users WHERE lower(email) = 'a@example.com';",
        "RW004",
    );
    assert_eq!(found[0]["severity"], "info");
    assert!(text(&found[0], "sql").contains("((lower(email)))"));
    assert!(text(&found[0], "message").contains("IDX003"));
}

#[test]
fn an_or_across_indexed_columns_splits_into_disjoint_union_all_branches() {
    let found = findings(
        "CREATE TABLE users (id bigint PRIMARY KEY, email text, phone text);
         CREATE INDEX users_email_idx ON users (email);
         CREATE INDEX users_phone_idx ON users (phone);",
        "SELECT id FROM users WHERE email = 'a' OR phone = 'b';",
        "RW005",
    );
    assert_eq!(
        text(&found[0], "sql"),
        "SELECT id FROM users WHERE email = 'a' UNION ALL \
         SELECT id FROM users WHERE phone = 'b' AND (email = 'a') IS NOT TRUE;"
    );
}

const ORDER_ITEMS: &str =
    "CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL,
                           qty integer NOT NULL, price numeric NOT NULL);";

#[test]
fn a_correlated_subquery_gets_its_join_only_when_every_one_takes_the_simple_shape() {
    let schema = format!("{ORDERS}\n{ORDER_ITEMS}");
    // In WHERE: per row too, but no select-list rewrite takes it in.
    let in_where = findings(
        &schema,
        "SELECT o.id FROM orders o WHERE o.total > \
         (SELECT avg(p.total) FROM orders p WHERE p.customer_id = o.customer_id);",
        "RW007",
    );
    assert_eq!(in_where.len(), 1, "{in_where:#?}");
    assert!(in_where[0]["sql"].is_null(), "{:#?}", in_where[0]);
    // An unqualified column could be either table's: no rewrite is guessed.
    let unqualified = findings(
        &schema,
        "SELECT o.id, (SELECT count(*) FROM order_items i WHERE i.order_id = o.id AND qty > 1) \
         FROM orders o;",
        "RW007",
    );
    assert_eq!(unqualified.len(), 1);
    assert!(unqualified[0]["sql"].is_null());
    // A long page (LIMIT 500) is still many rows.
    let long_page = findings(
        &schema,
        "SELECT o.id, (SELECT max(i.price) FROM order_items i WHERE i.order_id = o.id) AS top \
         FROM orders o ORDER BY o.id LIMIT 500;",
        "RW007",
    );
    assert_eq!(
        text(&long_page[0], "sql"),
        "SELECT o.id, top_1.value AS top FROM orders o LEFT JOIN (SELECT i.order_id, \
         max(i.price) AS value FROM order_items i GROUP BY i.order_id) AS top_1 ON \
         top_1.order_id = o.id ORDER BY o.id LIMIT 500;"
    );
}

#[test]
fn a_page_total_is_matched_to_its_page_by_tables_and_filter() {
    let pages = "SELECT id, total FROM orders WHERE customer_id = 7 AND created_at > now() - interval '1 year' \
                 ORDER BY created_at DESC LIMIT 20;
                 SELECT count(*) FROM orders WHERE customer_id = 8 AND created_at > now() - interval '1 year';
                 SELECT count(*) FROM orders WHERE customer_id = 9;";
    let found = findings(ORDERS, pages, "RW006");
    // Only the count with the page's filter (customer and date), whatever the values.
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["queries"].as_array().unwrap().len(), 2);
    assert!(text(&found[0], "sql").contains("LIMIT 1001) AS capped"));
}
