//! Arithmetic on numeric literals (`.06 - 0.01`, `-2 * 1.5`), folded exactly as decimals:
//! the planner folds such constants before it compares a query's conditions with a partial
//! index's predicate, so a predicate written from the query must hold the folded value.

use sqlparser::ast::{BinaryOperator, Expr, UnaryOperator, Value};

/// The folded value of a numeric constant expression, as SQL (`0.05`); `None` for anything
/// that is not numeric literals joined by `+`, `-` and `*`.
pub fn fold_numeric(expression: &Expr) -> Option<String> {
    decimal(expression).map(|value| value.to_sql())
}

/// `mantissa × 10^-scale`.
#[derive(Debug, Clone, Copy)]
struct Decimal {
    mantissa: i128,
    scale: u32,
}

fn decimal(expression: &Expr) -> Option<Decimal> {
    match expression {
        Expr::Value(value) => match &value.value {
            Value::Number(text, _) => Decimal::parse(text),
            _ => None,
        },
        Expr::Nested(inner) => decimal(inner),
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => decimal(expr).and_then(|d| {
            Some(Decimal {
                mantissa: d.mantissa.checked_neg()?,
                ..d
            })
        }),
        Expr::BinaryOp { left, op, right } => {
            let (left, right) = (decimal(left)?, decimal(right)?);
            match op {
                BinaryOperator::Plus => left.add(right, false),
                BinaryOperator::Minus => left.add(right, true),
                BinaryOperator::Multiply => Some(Decimal {
                    mantissa: left.mantissa.checked_mul(right.mantissa)?,
                    scale: left.scale + right.scale,
                }),
                _ => None,
            }
        }
        _ => None,
    }
}

impl Decimal {
    /// `12`, `0.06`, `.06`; exponents are left alone.
    fn parse(text: &str) -> Option<Self> {
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = format!("{whole}{fraction}");
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 30 {
            return None;
        }
        Some(Decimal {
            mantissa: digits.parse().ok()?,
            scale: fraction.len() as u32,
        })
    }

    fn add(self, other: Decimal, subtract: bool) -> Option<Decimal> {
        let scale = self.scale.max(other.scale);
        let widen = |d: Decimal| d.mantissa.checked_mul(10i128.checked_pow(scale - d.scale)?);
        let (a, b) = (widen(self)?, widen(other)?);
        let mantissa = if subtract {
            a.checked_sub(b)?
        } else {
            a.checked_add(b)?
        };
        Some(Decimal { mantissa, scale })
    }

    fn to_sql(self) -> String {
        let digits = self.mantissa.unsigned_abs().to_string();
        let scale = self.scale as usize;
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        let sign = if self.mantissa < 0 { "-" } else { "" };
        if fraction.is_empty() {
            format!("{sign}{whole}")
        } else {
            format!("{sign}{whole}.{fraction}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    fn fold(sql: &str) -> Option<String> {
        let expression = Parser::new(&PostgreSqlDialect {})
            .try_with_sql(sql)
            .unwrap()
            .parse_expr()
            .unwrap();
        fold_numeric(&expression)
    }

    #[test]
    fn literal_arithmetic_folds_exactly() {
        assert_eq!(fold(".06 - 0.01").as_deref(), Some("0.05"));
        assert_eq!(fold(".06 + 0.01").as_deref(), Some("0.07"));
        assert_eq!(fold("1 + 10").as_deref(), Some("11"));
        assert_eq!(fold("-(2 * 1.5)").as_deref(), Some("-3.0"));
        assert_eq!(fold("0.1 - 0.25").as_deref(), Some("-0.15"));
    }

    #[test]
    fn anything_else_is_not_folded() {
        assert_eq!(fold("a + 1"), None);
        assert_eq!(fold("1 / 3"), None);
        assert_eq!(fold("'1' + 2"), None);
        assert_eq!(fold("1e3 + 1"), None);
    }
}
