//! Deep and wide SQL never brings planwise down: generated operator chains, nested
//! parentheses, `UNION ALL` branches, nested `CASE`s and subqueries, in queries and in DDL
//! (CHECK, DEFAULT, partial-index predicates, views), from a few terms to far past what
//! planwise reads, through query facts, `check` and `--schema` loading — each run on the deep
//! stack, as the binary runs them. A statement past the bound is a diagnostic at its line;
//! the statements after it are still read.

use planwise::analysis::facts::extract_facts;
use planwise::analysis::migration::impact::Thresholds;
use planwise::analysis::migration::{Environment, MigrationScript};
use planwise::model::catalog::{Catalog, QualifiedName};
use planwise::model::ddl::loader::{SchemaLoad, SchemaLoader};
use planwise::rules::engine::{AllRules, check_migrations};
use planwise::sql::nesting::{MAX_DEPTH, STACK_SIZE, on_deep_stack};
use planwise::sql::parse::{ParseError, parse_sql};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// How a deep expression is built from `n` terms.
#[derive(Debug, Clone, Copy)]
enum Shape {
    And,
    Or,
    Plus,
    Concat,
    Cast,
    JsonPath,
    Parens,
    Case,
    Subquery,
    /// Parentheses ten deep, each holding a chain of a tenth of the terms.
    ChainsInParens,
}

const SHAPES: [Shape; 10] = [
    Shape::And,
    Shape::Or,
    Shape::Plus,
    Shape::Concat,
    Shape::Cast,
    Shape::JsonPath,
    Shape::Parens,
    Shape::Case,
    Shape::Subquery,
    Shape::ChainsInParens,
];

/// A boolean expression over `orders` of `n` terms.
fn condition_of(shape: Shape, n: usize) -> String {
    let chain = |term: &str, separator: &str, n: usize| vec![term; n.max(1)].join(separator);
    match shape {
        Shape::And => chain("status = 'x'", " AND ", n),
        Shape::Or => chain("id = 1", " OR ", n),
        Shape::Plus => format!("total = {}", chain("1", " + ", n)),
        Shape::Concat => format!("status = {}", chain("'a'", " || ", n)),
        Shape::Cast => format!("id{} = 1", "::bigint".repeat(n)),
        Shape::JsonPath => format!("status::jsonb{} = '1'", " -> 'k'".repeat(n)),
        Shape::Parens => format!("{}id = 1{}", "(".repeat(n), ")".repeat(n)),
        Shape::Case => format!(
            "{}true{} = true",
            "CASE WHEN id = 1 THEN ".repeat(n),
            " END".repeat(n)
        ),
        Shape::Subquery => format!(
            "{}1{}",
            "id IN (SELECT id FROM orders WHERE ".repeat(n),
            ")".repeat(n)
        ),
        Shape::ChainsInParens => {
            let mut condition = "true".to_string();
            for _ in 0..10 {
                condition = format!("({} AND {condition})", chain("id = 1", " AND ", n / 10));
            }
            condition
        }
    }
}

/// Where a deep expression stands in a statement.
#[derive(Debug, Clone, Copy)]
enum Host {
    Where,
    UnionBranches,
    Update,
    Check,
    Default,
    PartialIndex,
    View,
}

const HOSTS: [Host; 7] = [
    Host::Where,
    Host::UnionBranches,
    Host::Update,
    Host::Check,
    Host::Default,
    Host::PartialIndex,
    Host::View,
];

fn statement(host: Host, shape: Shape, n: usize) -> String {
    let condition = || condition_of(shape, n);
    match host {
        Host::Where => format!("SELECT id FROM orders WHERE {}", condition()),
        Host::UnionBranches => {
            let branch = format!("SELECT id FROM orders WHERE {}", condition_of(shape, 3));
            vec![branch; n.max(1)].join(" UNION ALL ")
        }
        Host::Update => format!("UPDATE orders SET status = 'y' WHERE {}", condition()),
        Host::Check => format!(
            "CREATE TABLE deep (id int, status text, total int, CHECK ({}))",
            condition()
        ),
        Host::Default => format!(
            "CREATE TABLE deep (id int, total int DEFAULT ({}))",
            condition()
        ),
        Host::PartialIndex => format!("CREATE INDEX deep_idx ON orders (id) WHERE {}", condition()),
        Host::View => format!(
            "CREATE VIEW deep AS SELECT id FROM orders WHERE {}",
            condition()
        ),
    }
}

const SCHEMA: &str = "CREATE TABLE orders (id bigint PRIMARY KEY, status text, total int);";

/// The deep statement on line 2, between two that must still be applied.
fn script(deep: &str) -> String {
    format!("CREATE TABLE before (id int);\n{deep};\nCREATE INDEX after_idx ON orders (status);\n")
}

fn catalog() -> Catalog {
    let mut loader = SchemaLoader::default();
    loader.load_script(SCHEMA, "schema.sql");
    loader.finish().catalog
}

/// The reason the loader or checker gave for line 2, if any.
fn reasons_at_line_2(load: &SchemaLoad) -> Vec<String> {
    load.diagnostics
        .kinds
        .values()
        .flat_map(|kind| &kind.examples)
        .filter(|example| example.line == 2)
        .map(|example| example.reason.clone())
        .collect()
}

/// Parses and extracts facts; `Err` carries why the statement was not read.
fn facts_of(sql: &str, catalog: &Catalog) -> Result<usize, ParseError> {
    let statements = parse_sql(sql)?;
    let facts = extract_facts(&statements[0], Some(catalog), &[], &BTreeMap::new());
    Ok(facts.tables.len())
}

fn load(sql: &str) -> SchemaLoad {
    let mut loader = SchemaLoader::new(catalog());
    loader.load_script(&script(sql), "deep.sql");
    loader.finish()
}

fn check(sql: &str) -> planwise::rules::engine::CheckOutcome {
    let rows = BTreeMap::from([(QualifiedName::new("*", "*"), 5e6)]);
    let environment = Environment {
        pg_version: 15,
        table_rows: &rows,
        usage: None,
        thresholds: Thresholds::default(),
        assume_in_transaction: false,
    };
    let scripts = [MigrationScript {
        file: "deep.sql".into(),
        text: script(sql),
    }];
    check_migrations(&scripts, catalog(), &environment, &AllRules)
}

/// Every path a statement takes, with what each must show: facts for what parses, a
/// diagnostic at line 2 for what is too deep, and the statement after it applied.
fn read_everywhere(sql: &str) -> Result<(), TestCaseError> {
    let parsed = facts_of(sql, &catalog());
    let too_deep = matches!(parsed, Err(ParseError::TooDeep { depth }) if depth > MAX_DEPTH);
    prop_assert!(
        parsed.is_ok() || too_deep || matches!(parsed, Err(ParseError::Syntax(_))),
        "{parsed:?}"
    );
    let loaded = load(sql);
    let checked = check(sql);
    for schema in [&loaded, &checked.schema] {
        let after = QualifiedName::new("public", "after_idx");
        prop_assert!(schema.catalog.indexes.contains_key(&after));
        prop_assert!(
            schema
                .catalog
                .tables
                .contains_key(&QualifiedName::new("public", "before"))
        );
    }
    prop_assert_eq!(checked.statements, 3);
    if too_deep {
        let is_depth = |reason: &String| reason.starts_with("statement too deeply nested: ");
        let from_check: Vec<String> = checked
            .diagnostics
            .kinds
            .values()
            .flat_map(|kind| &kind.examples)
            .filter(|example| example.line == 2)
            .map(|example| example.reason.clone())
            .chain(reasons_at_line_2(&checked.schema))
            .collect();
        let is_ddl = sql.starts_with("CREATE");
        // DDL is loaded and reported by the loader; other statements are only checked.
        prop_assert_eq!(reasons_at_line_2(&loaded).iter().any(is_depth), is_ddl);
        prop_assert!(from_check.iter().any(is_depth), "{from_check:?}");
    }
    Ok(())
}

fn deep_case() -> impl Strategy<Value = (Host, Shape, usize)> {
    let size = prop_oneof![
        1..50usize,
        50..2_000usize,
        2_000..12_000usize,
        12_000..30_000usize
    ];
    (
        prop::sample::select(HOSTS.to_vec()),
        prop::sample::select(SHAPES.to_vec()),
        size,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn deep_and_wide_statements_are_read_or_reported(case in deep_case()) {
        let (host, shape, n) = case;
        let sql = statement(host, shape, n);
        on_deep_stack(|| read_everywhere(&sql)).expect("a deep-stack thread")?;
    }
}

#[test]
fn shallow_statements_of_every_shape_parse() {
    for host in HOSTS {
        for shape in SHAPES {
            let sql = statement(host, shape, 20);
            let parsed = on_deep_stack(|| parse_sql(&sql).map(drop)).unwrap();
            assert!(parsed.is_ok(), "{sql}: {parsed:?}");
        }
    }
}

/// The largest `n` whose statement parse_sql does not refuse as too deep.
fn largest_accepted(host: Host, shape: Shape) -> usize {
    let accepted = |n| {
        !matches!(
            parse_sql(&statement(host, shape, n)),
            Err(ParseError::TooDeep { .. })
        )
    };
    let (mut low, mut high) = (1, 2);
    while accepted(high) {
        (low, high) = (high, high * 2);
    }
    while high - low > 1 {
        let middle = (low + high) / 2;
        if accepted(middle) {
            low = middle;
        } else {
            high = middle;
        }
    }
    low
}

/// The deepest statement of each kind that is read at all fits in a quarter of the stack
/// the binary gives, in this (debug) build: every walk planwise and sqlparser make over it
/// included. A walk that needs more aborts this test.
#[test]
fn the_deepest_statements_read_fit_a_quarter_of_the_stack() {
    let quarter = std::thread::Builder::new().stack_size(STACK_SIZE / 4);
    quarter
        .spawn(|| {
            for host in HOSTS {
                for shape in SHAPES {
                    let n = largest_accepted(host, shape);
                    let sql = statement(host, shape, n);
                    read_everywhere(&sql).unwrap_or_else(|e| panic!("{host:?} {shape:?} {n}: {e}"));
                }
            }
        })
        .unwrap()
        .join()
        .unwrap();
}
