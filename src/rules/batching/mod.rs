//! Batching rules. They read the profile's loops (`model::session`): one fingerprint run
//! back to back in a session, after a parent statement. A loop whose calls vary their values
//! can be sent as one statement (BAT001, BAT002); one that repeats the same values need not
//! be sent at all (BAT003).
//!
//! The profile keeps, per (parent, child) pair, the loops' sizes and how many of them
//! repeated one value set — not which calls belonged to those. Calls and time are split
//! between the varying and the repeating loops in proportion to their number.

pub mod n_plus_one;
pub mod repeated_queries;
pub mod single_row_inserts;

use super::Context;
use crate::analysis::facts::{ColumnRef, Operand, Operator, QueryFacts};
use crate::model::session::LoopStats;
use crate::model::workload::QueryStats;
use crate::sql::lexer::{Lexer, Token, TokenKind};
use crate::units::format_ms;

/// A batched statement does a whole loop's work at once: assumed to take this many times
/// the slowest single call logged.
const BATCH_FACTOR: f64 = 2.0;

/// The loops of a (parent, child) pair that varied their values, or those that repeated
/// one value set.
struct Part {
    loops: u64,
    calls: u64,
    /// Logged time; `None` when the child's calls were not timed.
    ms: Option<f64>,
}

impl Part {
    fn of(stats: &LoopStats, query: &QueryStats, repeated: bool) -> Part {
        let loops = if repeated {
            stats.repeated_value_loops
        } else {
            stats.loops - stats.repeated_value_loops
        };
        let share = loops as f64 / stats.loops.max(1) as f64;
        Part {
            loops,
            calls: (stats.calls as f64 * share).round() as u64,
            ms: (query.timed_calls > 0).then(|| stats.total_us as f64 / 1000.0 * share),
        }
    }

    /// Round trips saved by sending each loop as one statement.
    fn round_trips_saved(&self) -> u64 {
        self.calls.saturating_sub(self.loops)
    }

    /// Logged time saved by one batched statement per loop, priced at `BATCH_FACTOR` times
    /// the slowest single call.
    fn batched_ms_saved(&self, query: &QueryStats) -> Option<f64> {
        let slowest = query.max_us? as f64 / 1000.0;
        Some((self.ms? - self.loops as f64 * BATCH_FACTOR * slowest).max(0.0))
    }
}

/// `12.3 ms` or, untimed, nothing.
fn logged(ms: Option<f64>) -> String {
    ms.map(|ms| format!(", {} ms logged", format_ms(Some(ms))))
        .unwrap_or_default()
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn facts_and_stats<'a>(
    context: &Context<'a>,
    fingerprint: u64,
) -> Option<(&'a QueryFacts, &'a QueryStats)> {
    Some((
        context.facts.get(&fingerprint)?,
        context.profile.queries.get(&fingerprint)?,
    ))
}

/// The columns compared for equality with a value (a constant or parameter), in order.
fn equality_columns(facts: &QueryFacts) -> impl Iterator<Item = &ColumnRef> {
    facts
        .predicates
        .iter()
        .filter(|p| {
            p.operator == Operator::Eq
                && p.wrapped_in.is_none()
                && matches!(p.value, Operand::Constant(_) | Operand::Parameter { .. })
        })
        .map(|p| &p.column)
}

fn tokens(sql: &str) -> Vec<Token> {
    let mut lexer = Lexer::new(sql.as_bytes());
    std::iter::from_fn(|| lexer.next_significant()).collect()
}

fn is_word(sql: &str, token: &Token, word: &str) -> bool {
    token.kind == TokenKind::Word && sql[token.start..token.end].eq_ignore_ascii_case(word)
}

/// The normalized statement with its one `column = $n` turned into `column = ANY($n)`, and
/// the column as written there (with its qualifier). `None` when the comparison is not
/// written that way exactly once.
fn equality_to_any(normalized: &str, column: &str) -> Option<(String, String)> {
    let tokens = tokens(normalized);
    let names_column = |token: &Token| match token.kind {
        TokenKind::Word => is_word(normalized, token, column),
        TokenKind::QuotedIdent => normalized[token.start..token.end] == format!("\"{column}\""),
        _ => false,
    };
    let mut found = tokens.windows(3).enumerate().filter(|(_, w)| {
        names_column(&w[0])
            && w[1].kind == TokenKind::Operator
            && &normalized[w[1].start..w[1].end] == "="
            && w[2].kind == TokenKind::Param
    });
    let (at, window) = found.next()?;
    if found.next().is_some() {
        return None;
    }
    let from = match tokens.get(at.wrapping_sub(2)..at) {
        Some([qualifier, dot]) if dot.kind == TokenKind::Dot => qualifier.start,
        _ => window[0].start,
    };
    let param = window[2];
    let rewritten = format!(
        "{}ANY({}){}",
        &normalized[..param.start],
        &normalized[param.start..param.end],
        &normalized[param.end..]
    );
    Some((rewritten, normalized[from..window[0].end].to_string()))
}

/// The rows of the statement's top-level `VALUES` list; `None` without one.
fn values_rows(sql: &str) -> Option<usize> {
    let tokens = tokens(sql);
    let mut depth = 0usize;
    let start = tokens.iter().position(|t| {
        match t.kind {
            TokenKind::OpenParen => depth += 1,
            TokenKind::CloseParen => depth = depth.saturating_sub(1),
            _ => {}
        }
        depth == 0 && is_word(sql, t, "values")
    })?;
    let mut rows = 0;
    depth = 0;
    for token in &tokens[start + 1..] {
        match token.kind {
            TokenKind::OpenParen => {
                if depth == 0 {
                    rows += 1;
                }
                depth += 1;
            }
            TokenKind::CloseParen => depth = depth.checked_sub(1)?,
            TokenKind::Comma if depth == 0 => {}
            _ if depth == 0 => break,
            _ => {}
        }
    }
    Some(rows)
}

/// The normalized one-row INSERT with `rows` rows, each row's parameters renumbered after
/// the row before's. `None` unless every parameter of the statement is in its one row.
fn multi_row_values(normalized: &str, rows: usize) -> Option<String> {
    let tokens = tokens(normalized);
    let values = tokens
        .iter()
        .position(|t| is_word(normalized, t, "values"))?;
    let open = tokens.get(values + 1)?;
    if open.kind != TokenKind::OpenParen {
        return None;
    }
    let mut depth = 0usize;
    let close = values
        + 1
        + tokens[values + 1..].iter().position(|t| {
            match t.kind {
                TokenKind::OpenParen => depth += 1,
                TokenKind::CloseParen => depth -= 1,
                _ => {}
            }
            depth == 0
        })?;
    let number = |t: &Token| normalized[t.start + 1..t.end].parse::<usize>().ok();
    let params: Vec<&Token> = tokens
        .iter()
        .filter(|t| t.kind == TokenKind::Param)
        .collect();
    if params.is_empty()
        || params
            .iter()
            .any(|t| t.start < open.start || t.end > tokens[close].end)
    {
        return None;
    }
    let per_row = params.iter().map(|t| number(t)).max()??;
    let row = &normalized[open.start..tokens[close].end];
    let mut out = normalized[..tokens[close].end].to_string();
    for r in 1..rows {
        out.push_str(", ");
        let mut from = open.start;
        for param in &params {
            out.push_str(&normalized[from..param.start]);
            out.push_str(&format!("${}", number(param)? + r * per_row));
            from = param.end;
        }
        out.push_str(&row[from - open.start..]);
    }
    out.push_str(&normalized[tokens[close].end..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_equality_becomes_any_with_its_qualifier() {
        let (sql, column) = equality_to_any(
            "select oi.qty from order_items oi where oi.order_id = $1 and oi.qty > $2",
            "order_id",
        )
        .unwrap();
        assert_eq!(
            sql,
            "select oi.qty from order_items oi where oi.order_id = ANY($1) and oi.qty > $2"
        );
        assert_eq!(column, "oi.order_id");
        assert_eq!(
            equality_to_any("select 1 from t where a = $1 or a = $2", "a"),
            None
        );
        assert_eq!(equality_to_any("select 1 from t where a > $1", "a"), None);
    }

    #[test]
    fn values_rows_are_counted_at_the_top_level() {
        assert_eq!(values_rows("INSERT INTO t (a, b) VALUES (1, 'x')"), Some(1));
        assert_eq!(
            values_rows("insert into t values (1, f(2)), (3, 4) returning a"),
            Some(2)
        );
        assert_eq!(
            values_rows("insert into t select * from (values (1), (2)) v"),
            None
        );
    }

    #[test]
    fn a_row_is_repeated_with_renumbered_parameters() {
        assert_eq!(
            multi_row_values("insert into t(a, b) values($1, now(), $2) returning id", 3).unwrap(),
            "insert into t(a, b) values($1, now(), $2), ($3, now(), $4), ($5, now(), $6) returning id"
        );
        assert_eq!(
            multi_row_values(
                "insert into t(a) values($1) on conflict (a) do update set b = $2",
                2
            ),
            None
        );
    }
}
