//! Renders a csvlog into the hosted-platform and system-logger formats exactly as the tests
//! do (tests/common/render.rs), so that `benches/throughput.sh` can time every format on
//! the same events as its big stderr, csvlog and jsonlog logs:
//!
//!     cargo run --release --example render_logs -- SRC.csv OUT_DIR [FILE_NAME…]
//!
//! writes `OUT_DIR/<file name>` for each rendering (all of them, or the named ones: `rds.log`,
//! `cnpg.json`, … as `Rendering::file_name` names them) and prints the entries read.

#[allow(dead_code)]
#[path = "../tests/common/render.rs"]
mod render;

use render::{Entry, Rendering, csvlog_reader};
use std::io::Write;
use std::path::PathBuf;

/// Entries rendered at a time: the big logs do not fit in memory as entries. Each chunk
/// starts syslog's sequence numbers afresh, as a server restart would.
const CHUNK: usize = 50_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [source, out_dir, names @ ..] = args.as_slice() else {
        eprintln!("usage: render_logs SRC.csv OUT_DIR [FILE_NAME…]");
        std::process::exit(2);
    };
    let renderings: Vec<Rendering> = Rendering::ALL
        .into_iter()
        .filter(|r| names.is_empty() || names.iter().any(|n| n == r.file_name()))
        .collect();
    let mut outputs: Vec<_> = renderings
        .iter()
        .map(|r| {
            let path = PathBuf::from(out_dir).join(r.file_name());
            std::io::BufWriter::new(std::fs::File::create(path).unwrap())
        })
        .collect();
    let mut entries = Vec::with_capacity(CHUNK);
    let mut total = 0;
    let mut rows = csvlog_reader(source.as_ref());
    let mut records = rows.records().peekable();
    while records.peek().is_some() {
        entries.clear();
        entries.extend(
            records
                .by_ref()
                .take(CHUNK)
                .map(|row| Entry::of(&row.unwrap())),
        );
        total += entries.len();
        for (rendering, output) in renderings.iter().zip(&mut outputs) {
            output
                .write_all(rendering.render(&entries).as_bytes())
                .unwrap();
        }
    }
    for output in &mut outputs {
        output.flush().unwrap();
    }
    println!("{total}");
}
