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
        // And so a page freed and used again is faulted in as 4 KiB, not as a transparent
        // huge page: clearing 2 MiB for a few small allocations took up to a tenth of the
        // CPU time of ingestion, and a third more memory stayed resident.
        // SAFETY: prctl with integer arguments only; it changes this process's THP policy
        // (a Linux setting).
        #[cfg(target_os = "linux")]
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0)
        };
    }
    // Parsing and walking syntax trees needs more stack than a main thread has (see
    // `sql::nesting`).
    match planwise::sql::nesting::on_deep_stack(|| planwise::app::run(cli)) {
        Ok(Ok(status)) => ExitCode::from(status),
        Err(error) => {
            eprintln!("planwise: cannot start a thread: {error}");
            ExitCode::from(2)
        }
        Ok(Err(error)) => {
            // An error may quote its input (a log line, a file name): shown, not obeyed.
            let message = planwise::report::escape_controls(format!("{error:#}"));
            eprintln!("planwise: {message}");
            ExitCode::from(2)
        }
    }
}
