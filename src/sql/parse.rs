//! The one entry point to sqlparser: PostgreSQL dialect, statements refused before parsing
//! when their tree could grow deeper than the stack holds (see [`super::nesting`]), and a
//! recursion limit high enough for real ORM output.

use super::nesting::{MAX_DEPTH, depth_bound};
use sqlparser::ast::{Expr, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Tokenizer;

/// Nested parentheses, subqueries and `CASE`s sqlparser follows. Each level spends a token
/// the depth bound counts, so the bound covers the trees this lets through.
const RECURSION_LIMIT: usize = 200;

/// Why a text is not a syntax tree.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    #[error(transparent)]
    Syntax(#[from] ParserError),
    #[error(
        "statement too deeply nested: {depth} levels by planwise's count (tokens in one chain of operators, set operations, nested brackets), over the {MAX_DEPTH} it reads"
    )]
    TooDeep { depth: usize },
}

pub fn parse_sql(sql: &str) -> Result<Vec<Statement>, ParseError> {
    Ok(parser(sql)?.parse_statements()?)
}

/// One expression (`(a, b) > ($last_a, $last_b)`): how rewrites build the conditions they add.
pub fn parse_expression(sql: &str) -> Result<Expr, ParseError> {
    Ok(parser(sql)?.parse_expr()?)
}

fn parser(sql: &str) -> Result<Parser<'static>, ParseError> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize_with_location()
        .map_err(ParserError::from)?;
    let depth = depth_bound(&tokens);
    if depth > MAX_DEPTH {
        return Err(ParseError::TooDeep { depth });
    }
    Ok(Parser::new(&PostgreSqlDialect {})
        .with_recursion_limit(RECURSION_LIMIT)
        .with_tokens_with_locations(tokens))
}
