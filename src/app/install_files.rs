//! What an install puts beside the binary, generated from the command-line definition
//! (`cli::Cli`) so it never drifts from `--help`: shell completions and manual pages.

use crate::cli::Cli;
use anyhow::Context;
use clap::CommandFactory;
use std::io::Write;
use std::path::Path;

/// `planwise completions SHELL`: the shell's completion script on stdout.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<()> {
    let mut command = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut command, "planwise", &mut out);
    out.flush().context("writing the completion script")
}

/// `planwise man`: planwise(1) on stdout, or with a folder, every page written into it.
pub fn man(dir: Option<&Path>) -> anyhow::Result<()> {
    let pages = manual_pages();
    match dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for page in &pages {
                page.generate_to(dir).with_context(|| {
                    format!("cannot write a manual page into {}", dir.display())
                })?;
            }
            Ok(())
        }
        None => {
            let mut out = std::io::stdout().lock();
            pages[0]
                .render(&mut out)
                .and_then(|()| out.flush())
                .context("writing the manual page")
        }
    }
}

/// planwise(1), then planwise-check(1) and the other commands' pages, each naming the
/// release it documents (`planwise 0.1.0`, not the command's name).
fn manual_pages() -> Vec<clap_mangen::Man> {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let source = format!("planwise {}", command.get_version().unwrap_or_default());
    let page = |command: &clap::Command| clap_mangen::Man::new(command.clone()).source(&source);
    std::iter::once(page(&command))
        .chain(command.get_subcommands().map(page))
        .collect()
}
