//! The one entry point to sqlparser: PostgreSQL dialect, with a recursion limit high enough
//! for real ORM output and low enough to refuse hostile nesting without overflowing.

use sqlparser::ast::Statement;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::{Parser, ParserError};

const RECURSION_LIMIT: usize = 200;

pub fn parse_sql(sql: &str) -> Result<Vec<Statement>, ParserError> {
    Parser::new(&PostgreSqlDialect {})
        .with_recursion_limit(RECURSION_LIMIT)
        .try_with_sql(sql)?
        .parse_statements()
}

/// One expression (`(a, b) > ($last_a, $last_b)`): how rewrites build the conditions they add.
pub fn parse_expression(sql: &str) -> Result<sqlparser::ast::Expr, ParserError> {
    Parser::new(&PostgreSqlDialect {})
        .with_recursion_limit(RECURSION_LIMIT)
        .try_with_sql(sql)?
        .parse_expr()
}
