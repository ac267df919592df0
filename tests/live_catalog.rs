//! The catalog read from a live server (`db::read_catalog`) and TLS of planwise's session
//! (`db::connect`), against the live tests' server (`common::live`; the TLS tests need it on
//! this machine, its socket and SSL on with a certificate naming localhost, such as Debian's
//! snakeoil here). Each test makes its own database and drops it.

use planwise::db::{self, Session};
use planwise::model::catalog::{
    Catalog, CheckConstraint, ForeignKey, IndexKey, KeyConstraint, PartitionStrategy, QualifiedName,
};
mod common;

use common::live::{self, Need, admin, runtime};
use std::process::Command;
use std::time::Duration;

/// Several tables with keys, a partial + expression + INCLUDE + DESC index, an opclass, a
/// unique constraint, partitions, views, an identity column, a serial, a skewed column
/// (95 % 'done'), a column with 30 % NULLs — and an extension whose views are not the
/// user's.
const SCHEMA: &str = r#"
CREATE EXTENSION pg_stat_statements;
CREATE SCHEMA shop;
CREATE TABLE shop.customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email character varying(255) NOT NULL,
    nickname text,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT customers_email_key UNIQUE (email)
);
CREATE TABLE shop.orders (
    id serial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES shop.customers (id) ON DELETE CASCADE,
    referrer_id bigint,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'done')),
    total numeric(10,2),
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    "Note" text
);
ALTER TABLE shop.orders ADD CONSTRAINT orders_referrer_fk FOREIGN KEY (referrer_id)
    REFERENCES shop.customers (id) ON DELETE SET NULL NOT VALID;
CREATE TABLE shop.order_items (
    order_id integer NOT NULL REFERENCES shop.orders (id) ON DELETE CASCADE,
    line smallint NOT NULL,
    product_code text NOT NULL,
    qty integer NOT NULL CHECK (qty > 0),
    price numeric(10,2) NOT NULL,
    amount numeric GENERATED ALWAYS AS (qty * price) STORED,
    gift_for bigint REFERENCES shop.customers ON DELETE SET NULL (gift_for),
    PRIMARY KEY (order_id, line)
);
CREATE INDEX orders_open_idx ON shop.orders (customer_id, created_at DESC) INCLUDE (total)
    WHERE status <> 'done';
CREATE INDEX customers_lower_email_idx ON shop.customers (lower(email));
CREATE INDEX customers_nickname_hash ON shop.customers USING hash (nickname);
CREATE INDEX order_items_product_idx
    ON shop.order_items (product_code text_pattern_ops NULLS FIRST, (qty * price));
CREATE TABLE events (
    id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    kind text,
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_rest PARTITION OF events DEFAULT;
CREATE TABLE event_notes (
    event_id bigint NOT NULL,
    event_at timestamp with time zone NOT NULL,
    note text,
    FOREIGN KEY (event_id, event_at) REFERENCES events (id, at)
);
CREATE TABLE tags (name text) PARTITION BY RANGE (lower(name), (length(name) % 3));
CREATE UNLOGGED TABLE scratch (k text);
CREATE SEQUENCE shop.ticket_seq;
CREATE VIEW shop.open_orders AS SELECT id, customer_id FROM shop.orders WHERE status <> 'done';
CREATE MATERIALIZED VIEW shop.order_totals AS
    SELECT order_id, sum(amount) AS total FROM shop.order_items GROUP BY order_id;
CREATE UNIQUE INDEX order_totals_order_id ON shop.order_totals (order_id);
INSERT INTO shop.customers (email, nickname)
    SELECT 'user' || g || '@example.com', CASE WHEN g % 10 < 3 THEN NULL ELSE 'nick' || g END
    FROM generate_series(1, 200) g;
INSERT INTO shop.orders (customer_id, status, total)
    SELECT 1 + g % 200, CASE WHEN g % 20 = 0 THEN 'pending' ELSE 'done' END, g
    FROM generate_series(1, 1000) g;
INSERT INTO shop.order_items (order_id, line, product_code, qty, price)
    SELECT 1 + g % 1000, g, 'P' || (g % 50), 1 + g % 5, 9.99 FROM generate_series(1, 2000) g;
INSERT INTO events
    SELECT g, '2024-01-01'::timestamptz + g * interval '1 day', 'k' FROM generate_series(1, 500) g;
REFRESH MATERIALIZED VIEW shop.order_totals;
"#;

fn name(schema: &str, name: &str) -> QualifiedName {
    QualifiedName::new(schema, name)
}

fn key(expression: &str) -> IndexKey {
    IndexKey {
        expression: expression.to_string(),
        is_column: true,
        ..IndexKey::default()
    }
}

/// Sends this session's pending activity counters to the statistics system (PG 15), as
/// the statement's transaction ends.
async fn flush_statistics(client: &tokio_postgres::Client) {
    client
        .execute("SELECT pg_stat_force_next_flush()", &[])
        .await
        .unwrap();
}

/// Reads the catalog until `ready` holds: activity counters reach the statistics system
/// asynchronously, even after `pg_stat_force_next_flush()`.
async fn read_until(session: &Session, ready: impl Fn(&Catalog) -> bool) -> Catalog {
    let mut catalog = db::read_catalog(session).await.unwrap().catalog;
    for _ in 0..50 {
        if ready(&catalog) {
            return catalog;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        catalog = db::read_catalog(session).await.unwrap().catalog;
    }
    panic!("the statistics never showed the test's activity: {catalog:#?}");
}

#[test]
fn reads_the_schema_and_statistics_it_was_given() {
    let Some(database) = live::database("catalog", &[Need::Extension("pg_stat_statements")]) else {
        return;
    };
    runtime().block_on(async {
        let client = admin(&database.name).await;
        // The inserts reach the statistics system before ANALYZE, or they would count as
        // changes since (a backend flushes its counters at most once a second).
        client.batch_execute(SCHEMA).await.unwrap();
        flush_statistics(&client).await;
        client.execute("ANALYZE", &[]).await.unwrap();
        client
            .execute("CREATE TABLE never_analysed (x int)", &[])
            .await
            .unwrap();
        // Activity to count: an index scan and ten updates after ANALYZE, flushed to the
        // statistics system by this session.
        client
            .execute("SET enable_seqscan = off", &[])
            .await
            .unwrap();
        let found = client
            .query(
                "SELECT id FROM shop.customers WHERE lower(email) = 'user7@example.com'",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        client
            .execute(
                "UPDATE shop.orders SET total = total + 1 WHERE id <= 10",
                &[],
            )
            .await
            .unwrap();
        flush_statistics(&client).await;

        let session = db::connect(&database.url("")).await.unwrap();
        let catalog = read_until(&session, |catalog| {
            let orders = catalog.tables[&name("shop", "orders")].stats.as_ref();
            let lookup = catalog.indexes[&name("shop", "customers_lower_email_idx")]
                .stats
                .as_ref();
            orders.is_some_and(|s| s.modified_since_analyze == 10)
                && lookup.is_some_and(|s| s.scans >= 1)
        })
        .await;
        check_structure(&catalog);
        check_statistics(&catalog);

        // The same server read again is the same catalog, and the session is still usable.
        let mut again = db::read_catalog(&session).await.unwrap().catalog;
        let mut first = catalog.clone();
        for catalog in [&mut first, &mut again] {
            catalog.tables.values_mut().for_each(|t| {
                t.stats = None;
                t.columns.iter_mut().for_each(|c| c.stats = None);
            });
            catalog.indexes.values_mut().for_each(|i| i.stats = None);
            // The counters age between the two reads.
            if let Some(server) = &mut catalog.server {
                server.counters_age_seconds = None;
            }
        }
        assert_eq!(first, again);
    });
}

/// The growth window DT007 reads: inserts since the last vacuum and how long ago it ran;
/// nothing for a table never vacuumed.
#[test]
fn reads_the_inserts_since_the_last_vacuum() {
    let Some(database) = live::database("growth", &[]) else {
        return;
    };
    runtime().block_on(async {
        let client = admin(&database.name).await;
        // Autovacuum off: only the test's VACUUM starts a window.
        client
            .batch_execute(
                "CREATE TABLE vacuumed (id int) WITH (autovacuum_enabled = off);
                 CREATE TABLE never_vacuumed (id int) WITH (autovacuum_enabled = off);
                 INSERT INTO vacuumed SELECT generate_series(1, 100);
                 INSERT INTO never_vacuumed SELECT generate_series(1, 100);",
            )
            .await
            .unwrap();
        // The inserts reach the statistics system before VACUUM, or they would count as
        // inserted after it.
        flush_statistics(&client).await;
        client.execute("VACUUM vacuumed", &[]).await.unwrap();
        client
            .execute("INSERT INTO vacuumed SELECT generate_series(1, 25)", &[])
            .await
            .unwrap();
        flush_statistics(&client).await;

        let session = db::connect(&database.url("")).await.unwrap();
        let catalog = read_until(&session, |catalog| {
            let stats = |table| catalog.tables[&name("public", table)].stats.as_ref();
            stats("vacuumed").is_some_and(|s| s.inserts_since_vacuum == 25)
                && stats("never_vacuumed").is_some_and(|s| s.inserts_since_vacuum == 100)
        })
        .await;
        let stats = |table| {
            catalog.tables[&name("public", table)]
                .stats
                .clone()
                .unwrap()
        };
        let since = stats("vacuumed").seconds_since_vacuum.unwrap();
        assert!((0.0..600.0).contains(&since), "{since}");
        assert_eq!(stats("never_vacuumed").seconds_since_vacuum, None);
        // VACUUM marked the one page all-visible (pg_class keeps that figure until the next
        // vacuum); a table never vacuumed has no pages counted and no share.
        assert_eq!(stats("vacuumed").all_visible_pages, Some(1));
        assert_eq!(stats("vacuumed").all_visible_share(), Some(1.0));
        assert_eq!(stats("never_vacuumed").all_visible_share(), None);
    });
}

fn check_structure(catalog: &Catalog) {
    // Only the user's schemas: no system catalogs, no views of the extension.
    let schemas = |names: Vec<&QualifiedName>| -> Vec<String> {
        let mut schemas: Vec<String> = names.into_iter().map(|n| n.schema.clone()).collect();
        schemas.dedup();
        schemas
    };
    assert_eq!(schemas(catalog.tables.keys().collect()), ["public", "shop"]);
    assert!(
        !catalog
            .views
            .keys()
            .any(|v| v.name.starts_with("pg_stat_statements")),
        "{:?}",
        catalog.views.keys()
    );

    // Columns: types as format_type prints them, nullability, defaults, identity, generated.
    let customers = &catalog.tables[&name("shop", "customers")];
    let columns: Vec<(&str, &str, bool, Option<&str>, bool)> = customers
        .columns
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.data_type.as_str(),
                c.nullable,
                c.default.as_deref(),
                c.identity,
            )
        })
        .collect();
    assert_eq!(
        columns,
        [
            ("id", "bigint", false, None, true),
            ("email", "character varying(255)", false, None, false),
            ("nickname", "text", true, None, false),
            (
                "created_at",
                "timestamp with time zone",
                false,
                Some("now()"),
                false
            ),
        ]
    );
    let orders = &catalog.tables[&name("shop", "orders")];
    let names: Vec<&str> = orders.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "id",
            "customer_id",
            "referrer_id",
            "status",
            "total",
            "created_at",
            "Note"
        ]
    );
    let id = orders.column("id").unwrap();
    assert_eq!(id.data_type, "integer");
    assert_eq!(
        id.default.as_deref(),
        Some("nextval('shop.orders_id_seq'::regclass)")
    );
    assert!(!id.identity);
    assert_eq!(
        orders.column("status").unwrap().default.as_deref(),
        Some("'pending'::text")
    );
    assert_eq!(orders.column("total").unwrap().data_type, "numeric(10,2)");
    let items = &catalog.tables[&name("shop", "order_items")];
    let amount = items.column("amount").unwrap();
    assert_eq!(amount.generated.as_deref(), Some("qty::numeric * price"));
    assert_eq!(amount.default, None);
    assert_eq!(items.column("line").unwrap().data_type, "smallint");

    // Keys and checks.
    assert_eq!(
        customers.primary_key,
        Some(KeyConstraint {
            name: Some("customers_pkey".to_string()),
            columns: vec!["id".to_string()],
        })
    );
    assert_eq!(
        customers.unique_constraints,
        [KeyConstraint {
            name: Some("customers_email_key".to_string()),
            columns: vec!["email".to_string()],
        }]
    );
    assert_eq!(
        items.primary_key.as_ref().unwrap().columns,
        ["order_id", "line"]
    );
    assert_eq!(
        orders.foreign_keys,
        [
            ForeignKey {
                name: Some("orders_customer_id_fkey".to_string()),
                columns: vec!["customer_id".to_string()],
                references: name("shop", "customers"),
                referenced_columns: vec!["id".to_string()],
                on_delete: Some("CASCADE".to_string()),
                not_valid: false,
            },
            ForeignKey {
                name: Some("orders_referrer_fk".to_string()),
                columns: vec!["referrer_id".to_string()],
                references: name("shop", "customers"),
                referenced_columns: vec!["id".to_string()],
                on_delete: Some("SET NULL".to_string()),
                not_valid: true,
            },
        ]
    );
    let gift = items
        .foreign_keys
        .iter()
        .find(|fk| fk.columns == ["gift_for"])
        .unwrap();
    assert_eq!(gift.on_delete.as_deref(), Some("SET NULL (gift_for)"));
    let order = items
        .foreign_keys
        .iter()
        .find(|fk| fk.columns == ["order_id"])
        .unwrap();
    assert_eq!(order.references, name("shop", "orders"));
    assert_eq!(order.on_delete.as_deref(), Some("CASCADE"));
    assert_eq!(
        orders.checks,
        [CheckConstraint {
            name: Some("orders_status_check".to_string()),
            expression: "status = ANY (ARRAY['pending'::text, 'paid'::text, 'done'::text])"
                .to_string(),
            not_valid: false,
        }]
    );
    assert_eq!(items.checks[0].expression, "qty > 0");
    // A foreign key to a partitioned table is the one written, not one per partition.
    let notes = &catalog.tables[&name("public", "event_notes")];
    assert_eq!(notes.foreign_keys.len(), 1, "{:?}", notes.foreign_keys);
    assert_eq!(notes.foreign_keys[0].references, name("public", "events"));
    assert_eq!(notes.foreign_keys[0].referenced_columns, ["id", "at"]);
    assert_eq!(notes.foreign_keys[0].on_delete, None);

    // Indexes: keys, directions, opclasses, INCLUDE, predicates, what backs a constraint.
    let open = &catalog.indexes[&name("shop", "orders_open_idx")];
    assert_eq!(open.table, name("shop", "orders"));
    assert_eq!(open.method.as_str(), "btree");
    assert_eq!(
        open.keys,
        [
            key("customer_id"),
            IndexKey {
                descending: true,
                ..key("created_at")
            }
        ]
    );
    assert_eq!(open.include, ["total"]);
    assert_eq!(open.predicate.as_deref(), Some("status <> 'done'::text"));
    assert!(!open.unique && !open.primary && !open.constraint);
    let lower = &catalog.indexes[&name("shop", "customers_lower_email_idx")];
    assert_eq!(
        lower.keys,
        [IndexKey {
            is_column: false,
            ..key("lower(email::text)")
        }]
    );
    assert_eq!(lower.leading_columns().count(), 0);
    let product = &catalog.indexes[&name("shop", "order_items_product_idx")];
    assert_eq!(
        product.keys,
        [
            IndexKey {
                nulls_first: Some(true),
                opclass: Some("text_pattern_ops".to_string()),
                ..key("product_code")
            },
            IndexKey {
                is_column: false,
                ..key("(qty::numeric * price)")
            }
        ]
    );
    assert_eq!(
        catalog.indexes[&name("shop", "customers_nickname_hash")].method,
        planwise::model::catalog::IndexMethod::Hash
    );
    let pkey = &catalog.indexes[&name("shop", "customers_pkey")];
    assert!(pkey.unique && pkey.primary && pkey.constraint);
    let email = &catalog.indexes[&name("shop", "customers_email_key")];
    assert!(email.unique && !email.primary && email.constraint);
    assert_eq!(email.keys, [key("email")]);
    let totals = &catalog.indexes[&name("shop", "order_totals_order_id")];
    assert_eq!(totals.table, name("shop", "order_totals"));
    assert!(totals.unique && !totals.constraint);

    // Partitioning.
    let events = &catalog.tables[&name("public", "events")];
    let partitioning = events.partitioning.as_ref().unwrap();
    assert_eq!(partitioning.strategy, PartitionStrategy::Range);
    assert_eq!(partitioning.key, ["at"]);
    let tags = catalog.tables[&name("public", "tags")]
        .partitioning
        .as_ref()
        .unwrap();
    assert_eq!(tags.key, ["lower(name)", "((length(name) % 3))"]);
    let y2024 = catalog.tables[&name("public", "events_2024")]
        .partition_of
        .as_ref()
        .unwrap();
    assert_eq!(y2024.parent, name("public", "events"));
    assert_eq!(
        y2024.bounds,
        "FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00')"
    );
    let rest = &catalog.tables[&name("public", "events_rest")];
    assert_eq!(rest.partition_of.as_ref().unwrap().bounds, "DEFAULT");
    assert!(events.partition_of.is_none() && rest.partitioning.is_none());
    assert!(catalog.tables[&name("public", "scratch")].unlogged);
    assert!(!events.unlogged);

    // Views and sequences.
    let open_orders = &catalog.views[&name("shop", "open_orders")];
    assert!(!open_orders.materialized);
    assert!(
        open_orders.query.starts_with("SELECT orders.id")
            && open_orders
                .query
                .ends_with("WHERE orders.status <> 'done'::text"),
        "{}",
        open_orders.query
    );
    assert!(catalog.views[&name("shop", "order_totals")].materialized);
    let owners: Vec<(String, Option<(QualifiedName, String)>)> = catalog
        .sequences
        .values()
        .map(|s| (s.name.to_string(), s.owned_by.clone()))
        .collect();
    assert_eq!(
        owners,
        [
            (
                "shop.customers_id_seq".to_string(),
                Some((name("shop", "customers"), "id".to_string()))
            ),
            (
                "shop.orders_id_seq".to_string(),
                Some((name("shop", "orders"), "id".to_string()))
            ),
            ("shop.ticket_seq".to_string(), None),
        ]
    );
}

fn check_statistics(catalog: &Catalog) {
    let stats = |schema: &str, table: &str| {
        catalog.tables[&name(schema, table)]
            .stats
            .clone()
            .expect("live tables have statistics")
    };
    // reltuples after ANALYZE is exact for tables this small.
    let customers = stats("shop", "customers");
    assert_eq!(customers.rows, Some(200.0));
    assert!(customers.pages > 0 && customers.table_bytes > 0);
    assert!(customers.total_bytes > customers.table_bytes);
    assert_eq!(stats("shop", "order_items").rows, Some(2000.0));
    assert_eq!(stats("public", "events").rows, Some(500.0));
    assert_eq!(stats("public", "events").pages, 0);
    assert_eq!(
        stats("public", "events_2024").rows.unwrap() + stats("public", "events_rest").rows.unwrap(),
        500.0
    );
    assert_eq!(stats("public", "never_analysed").rows, None);
    let orders = stats("shop", "orders");
    assert_eq!(orders.rows, Some(1000.0));
    assert_eq!(orders.inserts, 1000);
    assert_eq!(orders.updates, 10);
    assert_eq!(orders.modified_since_analyze, 10);
    let analysed = orders.last_analyze.expect("analysed");
    assert_eq!(analysed.len(), "YYYY-MM-DD HH:MM:SS".len(), "{analysed}");

    // pg_stats.
    let column = |schema: &str, table: &str, column: &str| {
        catalog.tables[&name(schema, table)]
            .column(column)
            .unwrap()
            .stats
            .clone()
            .expect("analysed columns have statistics")
    };
    let nickname = column("shop", "customers", "nickname");
    assert!((nickname.null_frac - 0.3).abs() < 1e-6, "{nickname:?}");
    let status = column("shop", "orders", "status");
    assert_eq!(status.most_common[0].0, "done");
    assert!((status.most_common[0].1 - 0.95).abs() < 1e-6, "{status:?}");
    assert_eq!(status.most_common.len(), 2);
    assert_eq!(column("shop", "customers", "email").n_distinct, -1.0);
    let total = column("shop", "orders", "total");
    assert!(total.histogram_bounds.len() > 10 && total.most_common.is_empty());
    assert_eq!(total.avg_width, 5);
    assert!(total.correlation.is_some());
    // A partitioned table's statistics are those of its whole tree.
    assert_eq!(
        column("public", "events", "kind").most_common,
        [("k".to_string(), 1.0)]
    );

    // Index usage and size.
    let lookup = catalog.indexes[&name("shop", "customers_lower_email_idx")]
        .stats
        .clone()
        .unwrap();
    assert!(lookup.scans >= 1 && lookup.tuples_read >= 1, "{lookup:?}");
    assert!(lookup.bytes > 0);

    let server = catalog.server.as_ref().unwrap();
    assert!(server.version_num >= 150000, "{server:?}");
    assert!(server.version.starts_with("PostgreSQL "));
    let settings: Vec<&str> = server.settings.keys().map(String::as_str).collect();
    assert_eq!(
        settings,
        [
            "block_size",
            "cpu_index_tuple_cost",
            "cpu_operator_cost",
            "cpu_tuple_cost",
            "default_statistics_target",
            "effective_cache_size",
            "jit",
            "plan_cache_mode",
            "random_page_cost",
            "search_path",
            "seq_page_cost",
            "shared_buffers",
            "work_mem"
        ]
    );
    assert_eq!(server.settings["block_size"], "8192");
}

#[test]
fn an_empty_database_is_an_empty_catalog() {
    let Some(database) = live::database("catalog_empty", &[]) else {
        return;
    };
    runtime().block_on(async {
        let session = db::connect(&database.url("")).await.unwrap();
        let catalog = db::read_catalog(&session).await.unwrap().catalog;
        assert!(catalog.tables.is_empty() && catalog.indexes.is_empty());
        assert!(catalog.views.is_empty() && catalog.sequences.is_empty());
        assert!(catalog.server.is_some());
    });
}

/// Whether the session's connection is encrypted, as the server sees it.
async fn encrypted(session: &Session) -> bool {
    session
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

/// The server's certificate file (here Debian's snakeoil, `CN=localhost`: `Need::Tls`).
async fn server_certificate() -> String {
    admin("postgres")
        .await
        .query_one("SHOW ssl_cert_file", &[])
        .await
        .unwrap()
        .get(0)
}

#[test]
fn tls_is_negotiated_as_sslmode_says() {
    let Some(database) = live::database("tls_modes", &[Need::Tls, Need::Socket]) else {
        return;
    };
    runtime().block_on(async {
        let certificate = server_certificate().await;
        for (options, expected) in [
            ("?sslmode=require", true),
            // prefer, libpq's default, encrypts when the server can.
            ("", true),
            ("?sslmode=prefer", true),
            ("?sslmode=disable", false),
        ] {
            let session = db::connect(&database.url_at("127.0.0.1", options))
                .await
                .unwrap_or_else(|e| panic!("{options}: {e}"));
            assert_eq!(encrypted(&session).await, expected, "{options}");
        }
        // verify-ca checks the chain only, so an address the certificate does not name is
        // fine; verify-full needs the name too. key=value strings take the options as well.
        let verified = [
            database.url_at(
                "127.0.0.1",
                &format!("?sslmode=verify-ca&sslrootcert={certificate}"),
            ),
            database.url_at(
                "localhost",
                &format!("?sslmode=verify-full&sslrootcert={certificate}"),
            ),
            database.conninfo_at(
                "localhost",
                &format!("sslmode=verify-full sslrootcert='{certificate}'"),
            ),
        ];
        for url in verified {
            let session = db::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("{url}: {e}"));
            assert!(encrypted(&session).await, "{url}");
        }
        // libpq never negotiates TLS on a Unix socket, whatever sslmode says.
        let socket = database.conninfo_at(&live::socket_directory(), "sslmode=require");
        let session = db::connect(&socket).await.unwrap();
        assert!(!encrypted(&session).await);
    });
}

#[test]
fn an_unverifiable_server_is_refused_in_one_line() {
    let Some(database) = live::database("tls_refused", &[Need::Tls]) else {
        return;
    };
    runtime().block_on(async {
        let certificate = server_certificate().await;
        // The certificate names localhost, not 127.0.0.1.
        let url = database.url_at(
            "127.0.0.1",
            &format!("?sslmode=verify-full&sslrootcert={certificate}"),
        );
        let error = db::connect(&url).await.err().expect("refused").to_string();
        let target = format!(
            "cannot connect to 127.0.0.1:{}/planwise_test_",
            live::port()
        );
        assert!(error.starts_with(&target), "{error}");
        assert!(
            error.contains("certificate") && error.contains("verify-full"),
            "{error}"
        );
        assert_eq!(error.lines().count(), 1, "{error}");

        let url = database.url_at(
            "127.0.0.1",
            "?sslmode=verify-ca&sslrootcert=/nonexistent/root.crt",
        );
        let error = db::connect(&url).await.err().expect("refused").to_string();
        assert!(
            error.contains("cannot read sslrootcert /nonexistent/root.crt"),
            "{error}"
        );
        assert_eq!(error.lines().count(), 1, "{error}");

        let error = db::connect(&database.url_at("127.0.0.1", "?sslmode=verify"))
            .await
            .err()
            .expect("refused")
            .to_string();
        assert!(error.contains("invalid sslmode \"verify\""), "{error}");
    });
}

#[test]
fn verify_full_without_a_root_certificate_refuses_a_self_signed_server() {
    // No sslrootcert: the system's roots, here only the public CAs' bundle (this machine's
    // OpenSSL directory also holds the snakeoil certificate itself, which would trust it).
    let bundle = "/etc/ssl/certs/ca-certificates.crt";
    assert!(
        std::path::Path::new(bundle).is_file(),
        "{bundle} is missing"
    );
    let Some(database) = live::database("tls_no_root", &[Need::Tls]) else {
        return;
    };
    let url = format!(
        "postgres://postgres:hunter2secret@localhost:{}/{}?sslmode=verify-full",
        live::port(),
        database.name
    );
    let output = Command::new(env!("CARGO_BIN_EXE_planwise"))
        .args(["workload", "--db", &url])
        .env_remove("DATABASE_URL")
        .env_remove("SSL_CERT_DIR")
        .env("SSL_CERT_FILE", bundle)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("localhost:{}/{}", live::port(), database.name)),
        "{stderr}"
    );
    assert!(stderr.contains("UnknownIssuer"), "{stderr}");
    assert!(!stderr.contains("hunter2secret"), "{stderr}");
}
