//! The `planwise` binary: arguments in, exit status out (0 ok, 1 findings, 2 error).

use clap::Parser;
use std::process::ExitCode;

// Parsing and checking allocate and free millions of small syntax-tree nodes: mimalloc
// does that in a fraction of the time the system allocator takes.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = planwise::cli::Cli::parse();
    match planwise::app::run(cli) {
        Ok(status) => ExitCode::from(status),
        Err(error) => {
            eprintln!("planwise: {error:#}");
            ExitCode::from(2)
        }
    }
}
