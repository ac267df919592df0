//! SQL text: the byte lexer, fingerprints, statement splitting, logged parameter values,
//! and the sqlparser entry point used once per distinct fingerprint.

pub mod fingerprint;
pub mod lexer;
pub mod mentions;
pub mod nesting;
pub mod parameters;
pub mod parse;
pub mod reorder;
pub mod split;
pub mod template;

/// What every statement planwise sends to a server starts with: `pg_stat_statements` keeps a
/// statement's text as first sent (comments included), so planwise's own catalog reads and
/// plans are told from the application's workload when the statistics are read back — the
/// session's `application_name` is not kept there.
pub const OWN_STATEMENT_MARK: &str = "/* planwise */";

/// Whether `text` (a logged or pg_stat_statements statement) is one planwise sent.
pub fn is_own_statement(text: &str) -> bool {
    text.trim_start().starts_with(OWN_STATEMENT_MARK)
}
