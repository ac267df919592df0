//! The `planwise` binary: arguments in, exit status out (0 ok, 1 findings, 2 error).

use clap::Parser;
use std::process::ExitCode;

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
