//! `--schema` loading on arbitrary DDL, deep and wide expressions included (see
//! `repeat.rs`): the script applied on top of a small catalog, on the deep stack the binary
//! gives this work. Never a panic or an abort, and every statement read is counted once.
#![no_main]

mod repeat;

use libfuzzer_sys::fuzz_target;
use planwise::model::ddl::loader::SchemaLoader;
use planwise::model::catalog::Catalog;
use planwise::sql::nesting::on_deep_stack;
use std::sync::OnceLock;

fn base() -> &'static Catalog {
    static BASE: OnceLock<Catalog> = OnceLock::new();
    BASE.get_or_init(|| {
        let mut loader = SchemaLoader::default();
        loader.load_script(
            "CREATE TABLE customers (id bigint PRIMARY KEY);
             CREATE TABLE orders (id bigint, customer_id bigint, status text, total numeric);",
            "schema.sql",
        );
        loader.finish().catalog
    })
}

fuzz_target!(|data: &[u8]| {
    let script = repeat::expand(data);
    on_deep_stack(|| {
        let mut loader = SchemaLoader::new(base().clone());
        loader.load_script(&script, "fuzz.sql");
        let load = loader.finish();
        assert_eq!(
            load.statements,
            load.applied + load.ignored + load.failed,
            "every statement is applied, ignored or failed"
        );
    })
    .expect("a thread for the deep stack");
});
