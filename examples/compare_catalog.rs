//! Compares the catalog planwise builds from a schema (files or a migration folder, as
//! `--schema` reads them) with PostgreSQL's own catalog of the same schema, and prints every
//! disagreement — the comparison tests/schema.rs asserts on its fixtures, for checking real
//! dumps by hand. The server's catalog is the JSON of scripts/schema/catalog.sql, run in a
//! throwaway database after loading the schema:
//!
//!     createdb scratch && psql -d scratch -f structure.sql
//!     psql -X -At -d scratch -f scripts/schema/catalog.sql > catalog.json && dropdb scratch
//!     cargo run --example compare_catalog -- structure.sql catalog.json
//!
//! Expressions are compared as pg_dump prints them; with `--written` (DDL as a person wrote
//! it), those PostgreSQL adds casts to are compared by presence. Exit status 2 when an input
//! cannot be read.

#[path = "../tests/common/catalog_disagreements.rs"]
mod catalog_disagreements;

use catalog_disagreements::{Source, disagreements};
use planwise::input::schema::load_schema;
use std::path::PathBuf;
use std::process::exit;

const USAGE: &str = "usage: compare_catalog [--written] SCHEMA... CATALOG.json";

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let source = match args.iter().position(|a| a == "--written") {
        Some(at) => {
            args.remove(at);
            Source::Written
        }
        None => Source::Dump,
    };
    let [schemas @ .., catalog] = args.as_slice() else {
        fail(USAGE);
    };
    if schemas.is_empty() {
        fail(USAGE);
    }
    let paths: Vec<PathBuf> = schemas.iter().map(PathBuf::from).collect();
    let load = load_schema(&paths).unwrap_or_else(|e| fail(&format!("{}: {e}", schemas.join(" "))));
    let text =
        std::fs::read_to_string(catalog).unwrap_or_else(|e| fail(&format!("{catalog}: {e}")));
    let server: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| fail(&format!("{catalog}: not JSON: {e}")));
    let lists = ["tables", "indexes", "constraints", "views", "sequences"];
    if let Some(missing) = lists.iter().find(|list| !server[**list].is_array()) {
        fail(&format!(
            "{catalog}: no list of {missing}: not the output of scripts/schema/catalog.sql"
        ));
    }
    let found = disagreements(&load.catalog, &server, source);
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

fn fail(message: &str) -> ! {
    eprintln!("compare_catalog: {message}");
    exit(2)
}
