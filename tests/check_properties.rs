//! `planwise check` never panics, whatever the migration text: generated scripts mixing
//! real DDL, fragments, garbage, comments and suppressions, checked on a small schema; and
//! every finding points into the file it came from.

use planwise::analysis::migration::impact::Thresholds;
use planwise::analysis::migration::{Environment, MigrationScript};
use planwise::model::ddl::loader::SchemaLoader;
use planwise::rules::engine::{AllRules, check_migrations};
use proptest::prelude::*;
use std::collections::BTreeMap;

const PIECES: &[&str] = &[
    "CREATE INDEX i ON orders (customer_id)",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS j ON orders (status) WHERE status = 'x'",
    "DROP INDEX i",
    "DROP INDEX CONCURRENTLY j",
    "REINDEX TABLE orders",
    "REINDEX INDEX CONCURRENTLY",
    "ALTER TABLE orders ADD COLUMN c uuid DEFAULT gen_random_uuid()",
    "ALTER TABLE orders ADD COLUMN d int NOT NULL",
    "ALTER TABLE orders ADD COLUMN e int REFERENCES customers UNIQUE",
    "ALTER TABLE orders ALTER COLUMN status TYPE varchar(10)",
    "ALTER TABLE orders ALTER COLUMN status SET NOT NULL",
    "ALTER TABLE orders ADD CONSTRAINT k CHECK (total > 0) NOT VALID",
    "ALTER TABLE orders VALIDATE CONSTRAINT k",
    "ALTER TABLE orders ADD PRIMARY KEY (id)",
    "ALTER TABLE nowhere ADD COLUMN x int",
    "CREATE TABLE t (id serial PRIMARY KEY, at timestamp, j json)",
    "ALTER TABLE t RENAME TO u",
    "TRUNCATE orders CASCADE",
    "UPDATE orders SET status = 'a'",
    "DELETE FROM",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "SET lock_timeout = '1s'",
    "SET LOCAL",
    "{{ template }}",
    "CREATE INDEX ON",
    "ALTER TABLE",
    "DO $$ BEGIN END $$",
    "-- planwise-ignore MIG001",
    "/* planwise-ignore-file",
    "'unterminated",
    "\"quoted",
    "$$",
    "ü€\u{0}",
    "",
];

fn script() -> impl Strategy<Value = String> {
    prop::collection::vec((0..PIECES.len(), prop::bool::ANY), 0..14).prop_map(|picks| {
        picks
            .into_iter()
            .map(|(at, newline)| format!("{}{}", PIECES[at], if newline { ";\n" } else { "; " }))
            .collect()
    })
}

fn base() -> planwise::model::catalog::Catalog {
    let mut loader = SchemaLoader::default();
    loader.load_script(
        "CREATE TABLE customers (id bigint PRIMARY KEY);
         CREATE TABLE orders (id bigint, customer_id bigint, status text, total numeric);",
        "schema.sql",
    );
    loader.finish().catalog
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_script_is_checked_without_panic(first in script(), second in script(), in_transaction in prop::bool::ANY) {
        let rows = BTreeMap::from([(
            planwise::model::catalog::QualifiedName::new("*", "*"),
            5e6,
        )]);
        let environment = Environment {
            pg_version: 15,
            table_rows: &rows,
            usage: None,
            thresholds: Thresholds::default(),
            assume_in_transaction: in_transaction,
        };
        let scripts = [
            MigrationScript { file: "a.sql".into(), text: first.clone() },
            MigrationScript { file: "b.sql".into(), text: second.clone() },
        ];
        let outcome = check_migrations(&scripts, base(), &environment, &AllRules);
        for finding in &outcome.findings {
            let location = finding.location.as_ref().expect("check findings have a place");
            let text = if location.file == "a.sql" { &first } else { &second };
            prop_assert!(location.line >= 1);
            prop_assert!(location.line <= location.end_line);
            prop_assert!(location.end_line as usize <= text.lines().count().max(1));
        }
        prop_assert_eq!(outcome.files, 2);
    }
}
