//! `planwise check` on arbitrary migration text, on a small schema of existing tables, on
//! the deep stack the binary gives this work.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planwise::analysis::migration::impact::Thresholds;
use planwise::analysis::migration::{Environment, MigrationScript};
use planwise::rules::engine::{AllRules, check_migrations};
use planwise::model::ddl::loader::SchemaLoader;
use planwise::sql::nesting::on_deep_stack;
use std::collections::BTreeMap;

fuzz_target!(|data: &[u8]| {
    let mut loader = SchemaLoader::default();
    loader.load_script(
        "CREATE TABLE customers (id bigint PRIMARY KEY);
         CREATE TABLE orders (id bigint, customer_id bigint, status text, total numeric);",
        "schema.sql",
    );
    let rows = BTreeMap::new();
    let environment = Environment {
        pg_version: 15,
        table_rows: &rows,
        usage: None,
        thresholds: Thresholds::default(),
        assume_in_transaction: data.first().is_some_and(|b| b & 1 == 1),
    };
    let script = MigrationScript {
        file: "fuzz.sql".into(),
        text: String::from_utf8_lossy(data).into_owned(),
    };
    let base = loader.finish().catalog;
    on_deep_stack(|| drop(check_migrations(&[script], base, &environment, &AllRules)))
        .expect("a thread for the deep stack");
});
