//! Measures `--schema` on real public schemas and migration histories (best of three loads);
//! run by benches/schema_corpora.sh with the corpora's paths in PLANWISE_SCHEMA_CORPORA
//! (`name=path` pairs separated by `;`). `PLANWISE_SCHEMA_CORPORA_DETAILS` set: also the
//! diagnostics of each load, on stderr.

use planwise::input::schema::load_schema;
use planwise::model::ddl::loader::SchemaLoad;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() {
    let Ok(corpora) = std::env::var("PLANWISE_SCHEMA_CORPORA") else {
        eprintln!("PLANWISE_SCHEMA_CORPORA is not set");
        std::process::exit(2);
    };
    println!(
        "| corpus | files | statements | applied | ignored | failed | understood | tables | indexes | load ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for corpus in corpora.split(';').filter(|c| !c.is_empty()) {
        let (name, path) = corpus.split_once('=').unwrap_or((corpus, corpus));
        let (load, fastest) = fastest_of_three(&PathBuf::from(path));
        println!(
            "| {name} | {} | {} | {} | {} | {} | {:.1} % | {} | {} | {:.1} |",
            load.files,
            load.statements,
            load.applied,
            load.ignored,
            load.failed,
            100.0 * load.understood(),
            load.catalog.tables.len(),
            load.catalog.indexes.len(),
            fastest.as_secs_f64() * 1000.0
        );
        if std::env::var_os("PLANWISE_SCHEMA_CORPORA_DETAILS").is_some() {
            print_diagnostics(name, &load);
        }
    }
}

/// The fastest of three loads (files read each time), and the last load.
fn fastest_of_three(path: &PathBuf) -> (SchemaLoad, Duration) {
    let mut fastest = Duration::MAX;
    let mut load = SchemaLoad::default();
    for _ in 0..3 {
        let started = Instant::now();
        load = load_schema(std::slice::from_ref(path)).expect("schema files load");
        fastest = fastest.min(started.elapsed());
    }
    (load, fastest)
}

fn print_diagnostics(name: &str, load: &SchemaLoad) {
    for (kind, diagnostic) in &load.diagnostics.kinds {
        eprintln!("{name}: {kind} × {}", diagnostic.count);
        for example in &diagnostic.examples {
            eprintln!("    {}:{} {}", example.file, example.line, example.reason);
        }
    }
}
