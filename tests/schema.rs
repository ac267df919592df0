//! The catalog from DDL (`--schema`) end to end, checked against PostgreSQL's own catalog of
//! the same schema: `fixtures/schema/*.catalog.json` were exported from the server after
//! loading the same DDL (scripts/make-schema-fixtures.sh). A real pg_dump, the DDL it was made
//! from, a full dump with data and owners, and a migration folder. The same comparison
//! (tests/common/catalog_disagreements.rs) lists the disagreements on any dump by hand:
//! `cargo run --example compare_catalog -- structure.sql catalog.json`
//! (examples/compare_catalog.rs says how to make catalog.json).

#[path = "common/catalog_disagreements.rs"]
mod catalog_disagreements;

use catalog_disagreements::{Source, disagreements};
use planwise::input::schema::load_schema;
use planwise::model::catalog::{Catalog, QualifiedName};
use planwise::model::ddl::loader::{SchemaLoad, SchemaLoader};
use planwise::model::diagnostics::Kind;
use serde_json::Value;
use std::path::{Path, PathBuf};

const FIXTURES: &str = "fixtures/schema";

fn fixture(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

fn load(paths: &[PathBuf]) -> SchemaLoad {
    load_schema(paths).expect("schema files load")
}

fn server_catalog(name: &str) -> Value {
    let text = std::fs::read_to_string(fixture(name)).expect("catalog fixture");
    serde_json::from_str(&text).expect("catalog fixture is JSON")
}

#[track_caller]
fn assert_agrees(catalog: &Catalog, server: &Value, source: Source) {
    let found = disagreements(catalog, server, source);
    assert!(
        found.is_empty(),
        "{} disagreement(s) with PostgreSQL's catalog:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn pg_dump_of_shop_agrees_with_the_servers_catalog() {
    let load = load(&[fixture("shop.dump.sql")]);
    assert!(load.diagnostics.is_empty(), "{:#?}", load.diagnostics);
    assert_eq!(load.failed, 0);
    assert_eq!(load.statements, load.applied + load.ignored);
    assert_agrees(
        &load.catalog,
        &server_catalog("shop.catalog.json"),
        Source::Dump,
    );
}

#[test]
fn shop_ddl_as_written_agrees_with_the_servers_catalog() {
    // The DDL pg_dump's output was made from: unnamed constraints and indexes, serials,
    // inline REFERENCES, partitions created with PARTITION OF. Every name here is chosen by
    // planwise the way PostgreSQL chose it.
    let load = load(&[PathBuf::from("scripts/schema/shop.sql")]);
    assert!(load.diagnostics.is_empty(), "{:#?}", load.diagnostics);
    assert_agrees(
        &load.catalog,
        &server_catalog("shop.catalog.json"),
        Source::Written,
    );
}

#[test]
fn a_full_dump_with_data_owners_and_grants_gives_the_same_catalog() {
    // pg_dump --create with data: CREATE DATABASE, \connect, COPY … FROM stdin blocks (with
    // semicolons and backslashes in the data), OWNER TO, GRANT, COMMENT ON, function bodies,
    // setval calls.
    let full = load(&[fixture("shop.full.dump.sql")]);
    let schema_only = load(&[fixture("shop.dump.sql")]);
    assert!(full.diagnostics.is_empty(), "{:#?}", full.diagnostics);
    assert_eq!(full.failed, 0);
    assert_eq!(full.catalog, schema_only.catalog);
    assert!(
        full.ignored > schema_only.ignored + 10,
        "COPY, OWNER TO, setval and database statements are counted as ignored"
    );
}

#[test]
fn an_unterminated_copy_is_reported_and_the_rest_of_the_dump_still_loads() {
    let dump = std::fs::read_to_string(fixture("shop.full.dump.sql")).unwrap();
    let expected = load(&[fixture("shop.full.dump.sql")]).catalog;
    assert!(expected.indexes.len() > 20);
    let lines: Vec<&str> = dump.lines().collect();
    let copies: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("COPY ") && lines[i].ends_with("FROM stdin;"))
        .collect();
    // The first block (empty), one whose data holds SQL, and the last: everything after it
    // is the keys and indexes.
    for copy in [copies[0], copies[1], copies[copies.len() - 1]] {
        let terminator = (copy..lines.len()).find(|&i| lines[i] == "\\.").unwrap();
        let cut: Vec<&str> = [&lines[..terminator], &lines[terminator + 1..]].concat();
        let mut loader = SchemaLoader::default();
        loader.load_script(&cut.join("\n"), "cut.sql");
        let load = loader.finish();
        assert_eq!(load.catalog, expected, "COPY at line {}", copy + 1);
        let kind = &load.diagnostics.kinds[&Kind::UnterminatedCopy];
        assert_eq!(kind.count, 1);
        assert_eq!(kind.examples[0].line, copy as u64 + 1);
        assert_eq!(load.diagnostics.kinds.len(), 1, "{:#?}", load.diagnostics);
    }
}

#[test]
fn a_migration_folder_applies_in_order_and_agrees_with_the_server() {
    let load = load(&[fixture("migrations")]);
    // 0001_init.down.sql is skipped: its DROP TABLEs would leave nothing.
    assert_eq!(load.files, 5);

    // The one statement sqlparser cannot read (PG 15's ON DELETE SET NULL (column)) is
    // reported where it is, and the statements after it still apply.
    let unparsed = &load.diagnostics.kinds[&Kind::UnparsedDdl];
    assert_eq!(unparsed.count, 1);
    let example = &unparsed.examples[0];
    assert!(
        example.file.ends_with("0003_rename_column.sql"),
        "{example:?}"
    );
    assert_eq!(example.line, 9, "{example:?}");
    assert!(
        example.reason.contains("ON DELETE SET NULL (referrer_id)"),
        "{example:?}"
    );
    assert_eq!(load.failed, 1);

    // Everything else agrees with what PostgreSQL made of the same files; the unread
    // foreign key is the one difference, and it is named here.
    let mut server = server_catalog("migrations.catalog.json");
    let constraints = server["constraints"].as_array_mut().unwrap();
    let before = constraints.len();
    constraints.retain(|c| c["name"] != "orders_customer_id_set_null_fkey");
    assert_eq!(constraints.len(), before - 1);
    assert_agrees(&load.catalog, &server, Source::Written);

    // A few facts spelled out.
    let orders = &load.catalog.tables[&QualifiedName::new("public", "orders")];
    assert!(orders.column("amount").is_some() && orders.column("total").is_none());
    let events = QualifiedName::new("audit", "events");
    assert!(
        load.catalog.tables.contains_key(&events),
        "search_path applied"
    );
    assert!(
        load.catalog
            .indexes
            .contains_key(&QualifiedName::new("public", "orders_customer_idx"))
    );
}

#[test]
fn statements_that_do_not_change_the_catalog_are_ignored_not_failed() {
    let script = r#"
\connect shop
SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;
COMMENT ON EXTENSION pgcrypto IS 'cryptographic functions' 'split literal';
CREATE TYPE public.mood AS ENUM ('sad', 'ok');
CREATE DOMAIN public.positive AS integer CHECK (VALUE > 0);
CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN NEW.updated_at := now(); RETURN NEW; END; -- semicolons inside
$body$;
CREATE TABLE public.notes (id integer NOT NULL, body text, updated_at timestamptz);
ALTER TABLE public.notes OWNER TO app;
CREATE TRIGGER notes_touch BEFORE UPDATE ON public.notes FOR EACH ROW EXECUTE FUNCTION public.touch('x');
COPY public.notes (id, body, updated_at) FROM stdin;
1	semi; colon	\N
2	CREATE TABLE not_a_table (x int);	\N
\.
SELECT pg_catalog.setval('public.notes_id_seq', 2, true);
GRANT SELECT ON TABLE public.notes TO PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE app GRANT SELECT ON TABLES TO reader;
DO $$ BEGIN RAISE NOTICE 'hello; world'; END $$;
CREATE STATISTICS notes_stats ON id, body FROM public.notes;
ALTER SEQUENCE public.notes_id_seq RESTART WITH 10;
ALTER INDEX public.notes_pkey ATTACH PARTITION public.notes_1_pkey;
BEGIN;
COMMIT;
"#;
    let mut loader = SchemaLoader::default();
    loader.load_script(script, "dump.sql");
    let load = loader.finish();
    assert!(load.diagnostics.is_empty(), "{:#?}", load.diagnostics);
    assert_eq!(load.failed, 0);
    assert_eq!(load.applied, 2, "CREATE DOMAIN, CREATE TABLE");
    assert_eq!(load.ignored, load.statements - 2);
    assert_eq!(load.catalog.tables.len(), 1);
    let domain = &load.catalog.domains[&QualifiedName::new("public", "positive")];
    assert_eq!(domain.base_type, "integer");
    assert!(domain.has_constraints());
    assert!(
        load.catalog
            .tables
            .contains_key(&QualifiedName::new("public", "notes"))
    );
}

#[test]
fn ddl_that_cannot_apply_is_reported_with_its_line() {
    let script = "CREATE TABLE a (id int);\n\nALTER TABLE missing ADD COLUMN x int;\nCREATE TABLE a (id int);\nDROP INDEX nope;\n";
    let mut loader = SchemaLoader::default();
    loader.load_script(script, "m.sql");
    let load = loader.finish();
    let missing = &load.diagnostics.kinds[&Kind::DdlMissingObject];
    assert_eq!(missing.count, 2);
    assert_eq!(missing.examples[0].line, 3);
    assert!(missing.examples[0].reason.contains("missing"));
    let duplicate = &load.diagnostics.kinds[&Kind::DdlDuplicateObject];
    assert_eq!(duplicate.count, 1);
    assert_eq!(duplicate.examples[0].line, 4);
    assert_eq!(load.applied, 4, "reported DDL still counts as understood");
}

#[test]
fn an_unreadable_schema_path_is_an_error() {
    assert!(load_schema(&[PathBuf::from("fixtures/schema/no-such-file.sql")]).is_err());
    let empty = tempfile::tempdir().unwrap();
    assert!(load_schema(&[empty.path().to_path_buf()]).is_err());
}
