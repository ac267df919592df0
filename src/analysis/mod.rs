//! Analysis over the model. For now: each distinct fingerprint is parsed once, so a
//! statement sqlparser cannot read is reported (later stages build query facts on the AST).

pub mod parsing;
