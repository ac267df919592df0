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
