//! The `planwise` binary: arguments in, exit status out (0 ok, 1 findings, 2 error).

use clap::Parser;
use std::process::ExitCode;

// Parsing and checking allocate and free millions of small syntax-tree nodes: mimalloc
// does that in a fraction of the time the system allocator takes.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (v3), which the -sys crate names no constant for.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    let cli = planwise::cli::Cli::parse();
    if !matches!(cli.command, planwise::cli::Command::Check(_)) {
        // Log ingestion frees a block every few milliseconds: memory goes back to the
        // system at once, not 10 ms later (the delay alone kept a third more resident).
        // `check` frees many small trees and is faster with the delay, so it keeps it.
        // SAFETY: sets a plain option; mimalloc reads options at any time, from any thread.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    }
    match planwise::app::run(cli) {
        Ok(status) => ExitCode::from(status),
        Err(error) => {
            eprintln!("planwise: {error:#}");
            ExitCode::from(2)
        }
    }
}
