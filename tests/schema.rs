//! The catalog from DDL (`--schema`) end to end, checked against PostgreSQL's own catalog of
//! the same schema: `fixtures/schema/*.catalog.json` were exported from the server after
//! loading the same DDL (scripts/make-schema-fixtures.sh). A real pg_dump, the DDL it was made
//! from, a full dump with data and owners, and a migration folder.

use planwise::input::schema::load_schema;
use planwise::model::catalog::{Catalog, Index, QualifiedName, Table};
use planwise::model::ddl::loader::{SchemaLoad, SchemaLoader};
use planwise::model::diagnostics::Kind;
use serde_json::Value;
use std::collections::BTreeSet;
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

fn qualified(value: &Value) -> QualifiedName {
    QualifiedName::new(text(&value["schema"]), text(&value["name"]))
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

fn texts(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| items.iter().map(text).collect())
        .unwrap_or_default()
}

fn optional(value: &Value) -> Option<String> {
    value.as_str().map(str::to_string)
}

/// An expression without its parentheses and spaces: PostgreSQL's pretty printer drops
/// parentheses that the DDL (even pg_dump's) wrote.
fn unparenthesized(expression: &str) -> String {
    expression
        .chars()
        .filter(|c| !matches!(c, '(' | ')') && !c.is_whitespace())
        .collect()
}

/// How closely the catalog must match the server's.
#[derive(Clone, Copy, PartialEq)]
enum Source {
    /// pg_dump output: every expression was printed by PostgreSQL, so defaults and index
    /// keys are compared exactly, checks and generated columns up to parentheses.
    Dump,
    /// DDL as a person wrote it: PostgreSQL adds casts to checks, predicates and generated
    /// expressions that only type analysis could reproduce; those are compared by presence.
    Written,
}

/// Every disagreement between planwise's catalog and the server's, as readable lines.
fn disagreements(catalog: &Catalog, server: &Value, source: Source) -> Vec<String> {
    let mut found = Vec::new();
    let mut differ = |what: String, ours: String, theirs: String| {
        if ours != theirs {
            found.push(format!("{what}: planwise {ours} vs PostgreSQL {theirs}"));
        }
    };

    let server_tables: BTreeSet<QualifiedName> = server["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(qualified)
        .collect();
    let our_tables: BTreeSet<QualifiedName> = catalog.tables.keys().cloned().collect();
    let (ours, theirs) = only_in_each(&our_tables, &server_tables);
    differ("tables".into(), ours, theirs);

    for expected in server["tables"].as_array().unwrap() {
        let name = qualified(expected);
        let Some(table) = catalog.tables.get(&name) else {
            continue;
        };
        compare_table(table, expected, source, &mut differ);
    }

    let constraints = server["constraints"].as_array().unwrap();
    for table in catalog.tables.values() {
        let theirs: Vec<&Value> = constraints
            .iter()
            .filter(|c| QualifiedName::new(text(&c["schema"]), text(&c["table"])) == table.name)
            .collect();
        compare_constraints(table, &theirs, source, &mut differ);
    }

    let server_indexes: BTreeSet<QualifiedName> = server["indexes"]
        .as_array()
        .unwrap()
        .iter()
        .map(qualified)
        .collect();
    let our_indexes: BTreeSet<QualifiedName> = catalog.indexes.keys().cloned().collect();
    let (ours, theirs) = only_in_each(&our_indexes, &server_indexes);
    differ("indexes".into(), ours, theirs);
    for expected in server["indexes"].as_array().unwrap() {
        if let Some(index) = catalog.indexes.get(&qualified(expected)) {
            compare_index(index, expected, source, &mut differ);
        }
    }

    let views: Vec<(QualifiedName, bool)> = server["views"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (qualified(v), v["materialized"].as_bool().unwrap()))
        .collect();
    let our_views: Vec<(QualifiedName, bool)> = catalog
        .views
        .values()
        .map(|v| (v.name.clone(), v.materialized))
        .collect();
    differ(
        "views".into(),
        format!("{our_views:?}"),
        format!("{views:?}"),
    );

    let sequences: Vec<(QualifiedName, Option<(QualifiedName, String)>)> = server["sequences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let owner = &s["owned_by"];
            let owned_by = (!owner.is_null()).then(|| {
                (
                    QualifiedName::new(text(&owner["schema"]), text(&owner["table"])),
                    text(&owner["column"]),
                )
            });
            (qualified(s), owned_by)
        })
        .collect();
    let our_sequences: Vec<(QualifiedName, Option<(QualifiedName, String)>)> = catalog
        .sequences
        .values()
        .map(|s| (s.name.clone(), s.owned_by.clone()))
        .collect();
    differ(
        "sequences".into(),
        format!("{our_sequences:?}"),
        format!("{sequences:?}"),
    );
    found
}

/// What only each side has, for reading a difference of two sets.
fn only_in_each(
    ours: &BTreeSet<QualifiedName>,
    theirs: &BTreeSet<QualifiedName>,
) -> (String, String) {
    let names = |names: Vec<&QualifiedName>| {
        let names: Vec<String> = names.iter().map(ToString::to_string).collect();
        format!("has only [{}]", names.join(", "))
    };
    (
        names(ours.difference(theirs).collect()),
        names(theirs.difference(ours).collect()),
    )
}

fn compare_table(
    table: &Table,
    expected: &Value,
    source: Source,
    differ: &mut impl FnMut(String, String, String),
) {
    let name = &table.name;
    differ(
        format!("{name} unlogged"),
        table.unlogged.to_string(),
        expected["unlogged"].to_string(),
    );
    let partitioning = table.partitioning.as_ref().map(|p| {
        format!(
            "{} ({})",
            format!("{:?}", p.strategy).to_uppercase(),
            p.key.join(", ")
        )
    });
    differ(
        format!("{name} partitioning"),
        format!("{partitioning:?}"),
        format!("{:?}", optional(&expected["partition_key"])),
    );
    let partition_of = table
        .partition_of
        .as_ref()
        .map(|p| (p.parent.clone(), p.bounds.clone()));
    let expected_partition_of = (!expected["partition_of"].is_null()).then(|| {
        (
            qualified(&expected["partition_of"]),
            text(&expected["partition_bound"]),
        )
    });
    differ(
        format!("{name} partition of"),
        format!("{partition_of:?}"),
        format!("{expected_partition_of:?}"),
    );
    let expected_columns = expected["columns"].as_array().unwrap();
    let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    let expected_names: Vec<String> = expected_columns.iter().map(|c| text(&c["name"])).collect();
    differ(
        format!("{name} columns"),
        format!("{names:?}"),
        format!("{expected_names:?}"),
    );
    for (column, expected) in table.columns.iter().zip(expected_columns) {
        let what = |field: &str| format!("{name}.{} {field}", column.name);
        differ(
            what("type"),
            column.data_type.clone(),
            text(&expected["type"]),
        );
        differ(
            what("not null"),
            (!column.nullable).to_string(),
            expected["not_null"].to_string(),
        );
        differ(
            what("identity"),
            column.identity.to_string(),
            expected["identity"].to_string(),
        );
        differ(
            what("default"),
            format!("{:?}", column.default),
            format!("{:?}", optional(&expected["default"])),
        );
        let generated = |g: Option<String>| match source {
            Source::Dump => g.map(|g| unparenthesized(&g)),
            Source::Written => g.map(|_| "present".to_string()),
        };
        differ(
            what("generated"),
            format!("{:?}", generated(column.generated.clone())),
            format!("{:?}", generated(optional(&expected["generated"]))),
        );
    }
}

fn compare_constraints(
    table: &Table,
    expected: &[&Value],
    source: Source,
    differ: &mut impl FnMut(String, String, String),
) {
    let name = &table.name;
    let of_type = |kind: &str| -> Vec<&Value> {
        expected
            .iter()
            .copied()
            .filter(|c| c["type"] == kind)
            .collect()
    };
    let primary = of_type("p")
        .first()
        .map(|c| (text(&c["name"]), texts(&c["columns"])));
    let our_primary = table
        .primary_key
        .as_ref()
        .map(|k| (k.name.clone().unwrap_or_default(), k.columns.clone()));
    differ(
        format!("{name} primary key"),
        format!("{our_primary:?}"),
        format!("{primary:?}"),
    );
    let unique: Vec<(String, Vec<String>)> = of_type("u")
        .iter()
        .map(|c| (text(&c["name"]), texts(&c["columns"])))
        .collect();
    let mut our_unique: Vec<(String, Vec<String>)> = table
        .unique_constraints
        .iter()
        .map(|k| (k.name.clone().unwrap_or_default(), k.columns.clone()))
        .collect();
    our_unique.sort();
    differ(
        format!("{name} unique"),
        format!("{our_unique:?}"),
        format!("{unique:?}"),
    );

    let foreign: Vec<String> = of_type("f")
        .iter()
        .map(|c| {
            format!(
                "{} {:?} -> {} {:?} on delete {:?} not valid {}",
                text(&c["name"]),
                texts(&c["columns"]),
                qualified(&c["references"]),
                texts(&c["referenced_columns"]),
                optional(&c["on_delete"]),
                !c["validated"].as_bool().unwrap(),
            )
        })
        .collect();
    let mut our_foreign: Vec<String> = table
        .foreign_keys
        .iter()
        .map(|f| {
            format!(
                "{} {:?} -> {} {:?} on delete {:?} not valid {}",
                f.name.clone().unwrap_or_default(),
                f.columns,
                f.references,
                f.referenced_columns,
                f.on_delete,
                f.not_valid,
            )
        })
        .collect();
    our_foreign.sort();
    differ(
        format!("{name} foreign keys"),
        format!("{our_foreign:#?}"),
        format!("{foreign:#?}"),
    );

    let check_text = |name: String, expression: String, not_valid: bool| match source {
        Source::Dump => format!(
            "{name}: {} not valid {not_valid}",
            unparenthesized(&expression)
        ),
        Source::Written => format!("{name} not valid {not_valid}"),
    };
    let checks: Vec<String> = of_type("c")
        .iter()
        .map(|c| {
            check_text(
                text(&c["name"]),
                text(&c["check_expression"]),
                !c["validated"].as_bool().unwrap(),
            )
        })
        .collect();
    let mut our_checks: Vec<String> = table
        .checks
        .iter()
        .map(|c| {
            check_text(
                c.name.clone().unwrap_or_default(),
                c.expression.clone(),
                c.not_valid,
            )
        })
        .collect();
    our_checks.sort();
    differ(
        format!("{name} checks"),
        format!("{our_checks:?}"),
        format!("{checks:?}"),
    );
}

fn compare_index(
    index: &Index,
    expected: &Value,
    source: Source,
    differ: &mut impl FnMut(String, String, String),
) {
    let name = &index.name;
    let what = |field: &str| format!("index {name} {field}");
    differ(
        what("table"),
        index.table.to_string(),
        qualified(&expected["table"]).to_string(),
    );
    differ(
        what("method"),
        index.method.as_str().to_string(),
        text(&expected["method"]),
    );
    for (field, ours) in [
        ("unique", index.unique),
        ("primary", index.primary),
        ("constraint", index.constraint),
    ] {
        differ(what(field), ours.to_string(), expected[field].to_string());
    }
    let keys: Vec<String> = expected["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let descending = k["descending"].as_bool().unwrap();
            let nulls_first = k["nulls_first"].as_bool().unwrap();
            format!(
                "{} column {} desc {descending} nulls first {:?} opclass {:?}",
                written_key(source, &text(&k["expression"]), k["is_column"] == true),
                k["is_column"],
                (nulls_first != descending).then_some(nulls_first),
                optional(&k["opclass"]),
            )
        })
        .collect();
    let our_keys: Vec<String> = index
        .keys
        .iter()
        .map(|k| {
            format!(
                "{} column {} desc {} nulls first {:?} opclass {:?}",
                written_key(source, &k.expression, k.is_column),
                k.is_column,
                k.descending,
                k.nulls_first,
                k.opclass
            )
        })
        .collect();
    differ(what("keys"), format!("{our_keys:?}"), format!("{keys:?}"));
    differ(
        what("include"),
        format!("{:?}", index.include),
        format!("{:?}", texts(&expected["include"])),
    );
    let predicate = |p: Option<String>| match source {
        Source::Dump => p.as_deref().map(unparenthesized),
        Source::Written => p.map(|_| "present".to_string()),
    };
    differ(
        what("predicate"),
        format!("{:?}", predicate(index.predicate.clone())),
        format!("{:?}", predicate(optional(&expected["predicate"]))),
    );
}

/// An index key as compared: a dump's expressions up to parentheses and spacing (PostgreSQL's
/// pretty printer drops some and lays out CASE on lines); expressions written by hand get
/// casts from PostgreSQL (`lower(email::text)` for a varchar), so only their function or
/// operator shape counts.
fn written_key(source: Source, expression: &str, is_column: bool) -> String {
    match source {
        _ if is_column => expression.to_string(),
        Source::Dump => unparenthesized(expression),
        Source::Written => expression
            .split(['(', ' '])
            .find(|part| !part.is_empty())
            .unwrap_or_default()
            .to_string(),
    }
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
    assert_eq!(load.applied, 1, "CREATE TABLE");
    assert_eq!(load.ignored, load.statements - 1);
    assert_eq!(load.catalog.tables.len(), 1);
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

/// Compares the catalog planwise builds from a schema file with a server's catalog of the
/// same schema (the JSON of scripts/schema/catalog.sql after loading the file), and prints
/// every disagreement. For checking real dumps by hand, e.g.:
/// `PLANWISE_SCHEMA_COMPARE=structure.sql=catalog.json cargo test --test schema --
/// --ignored compare_with_a_servers_catalog --nocapture`
#[test]
#[ignore]
fn compare_with_a_servers_catalog() {
    let Some((schema, catalog)) = std::env::var("PLANWISE_SCHEMA_COMPARE")
        .ok()
        .and_then(|pair| {
            pair.split_once('=')
                .map(|(a, b)| (a.to_string(), b.to_string()))
        })
    else {
        eprintln!("PLANWISE_SCHEMA_COMPARE=<schema.sql>=<catalog.json> is not set");
        return;
    };
    let load = load(&[PathBuf::from(schema)]);
    let text = std::fs::read_to_string(catalog).expect("catalog JSON");
    let server: Value = serde_json::from_str(&text).expect("catalog JSON");
    let found = disagreements(&load.catalog, &server, Source::Dump);
    println!(
        "{} tables, {} indexes: {} disagreement(s)",
        load.catalog.tables.len(),
        load.catalog.indexes.len(),
        found.len()
    );
    for disagreement in found {
        println!("{disagreement}");
    }
}
