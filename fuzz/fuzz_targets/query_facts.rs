//! Query facts on arbitrary statements, deep and wide ones included (see `repeat.rs`):
//! parse_sql, extract_facts over a small catalog, and dropping the tree, on the deep stack
//! the binary gives this work. Never a panic or an abort; a statement refused as too deep
//! is one whose depth bound is over the limit.
#![no_main]

mod repeat;

use libfuzzer_sys::fuzz_target;
use planwise::analysis::facts::extract_facts;
use planwise::model::ddl::loader::SchemaLoader;
use planwise::model::catalog::Catalog;
use planwise::sql::nesting::{MAX_DEPTH, on_deep_stack};
use planwise::sql::parse::{ParseError, parse_sql};
use std::collections::BTreeMap;
use std::sync::OnceLock;

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut loader = SchemaLoader::default();
        loader.load_script(
            "CREATE TABLE customers (id bigint PRIMARY KEY, name text);
             CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers,
                                  status text, total numeric, attrs jsonb);
             CREATE INDEX orders_status_idx ON orders (status) WHERE status <> 'done';",
            "schema.sql",
        );
        loader.finish().catalog
    })
}

fuzz_target!(|data: &[u8]| {
    let sql = repeat::expand(data);
    let parameters = BTreeMap::from([(1, "42".to_string()), (2, "'x'".to_string())]);
    on_deep_stack(|| match parse_sql(&sql) {
        Ok(statements) => {
            for statement in &statements {
                let _ = extract_facts(statement, Some(catalog()), &[], &parameters);
            }
        }
        Err(ParseError::TooDeep { depth }) => assert!(depth > MAX_DEPTH),
        Err(ParseError::Syntax(_)) => {}
    })
    .expect("a thread for the deep stack");
});
