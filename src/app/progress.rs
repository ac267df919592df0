//! Progress on stderr for the steps that keep a user waiting with nothing to read (what-if
//! costing, `--analyze`, a large schema): a spinner saying what is being done and for how
//! long, drawn only when stderr is a terminal, so piped or redirected output never has it.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// Runs `step`, with a spinner showing `doing` on a terminal's stderr while it runs.
pub fn while_doing<T>(doing: &str, step: impl FnOnce() -> T) -> T {
    if !std::io::stderr().is_terminal() {
        return step();
    }
    let style = ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let spinner = ProgressBar::new_spinner()
        .with_style(style)
        .with_message(doing.to_string());
    spinner.enable_steady_tick(Duration::from_millis(100));
    let result = step();
    spinner.finish_and_clear();
    result
}
