//! The same SELECT with another table first in its FROM list. Items of a FROM list are
//! joined as inner joins, which commute: the planner sees the same query and weighs the same
//! join orders, only the range-table numbering changes. What-if needs that numbering: HypoPG
//! points a hypothetical partial index's condition at the first relation.

use super::parse::parse_sql;
use sqlparser::ast::{Select, SetExpr, Statement, TableFactor, TableWithJoins};

/// For each FROM item after the first that starts with a table, the statement with that item
/// moved first, keyed by the position of its table among the statement's tables in FROM
/// order. Empty unless `sql` is one plain SELECT (no WITH, set operation or subquery in
/// FROM) whose FROM items hold tables only.
pub fn table_first_variants(sql: &str) -> Vec<(usize, String)> {
    let Ok(mut statements) = parse_sql(sql) else {
        return Vec::new();
    };
    let [statement] = statements.as_mut_slice() else {
        return Vec::new();
    };
    let Some(from) = plain_select(statement).map(|select| select.from.clone()) else {
        return Vec::new();
    };
    if !from.iter().all(only_tables) {
        return Vec::new();
    }
    let mut variants = Vec::new();
    let mut position = 0;
    for (index, item) in from.iter().enumerate() {
        if index > 0 {
            let mut variant = statement.clone();
            if let Some(select) = plain_select(&mut variant) {
                let moved = select.from.remove(index);
                select.from.insert(0, moved);
                variants.push((position, variant.to_string()));
            }
        }
        position += 1 + item.joins.len();
    }
    variants
}

fn plain_select(statement: &mut Statement) -> Option<&mut Select> {
    let Statement::Query(query) = statement else {
        return None;
    };
    if query.with.is_some() {
        return None;
    }
    match query.body.as_mut() {
        SetExpr::Select(select) => Some(select),
        _ => None,
    }
}

fn only_tables(item: &TableWithJoins) -> bool {
    std::iter::once(&item.relation)
        .chain(item.joins.iter().map(|join| &join.relation))
        .all(|factor| matches!(factor, TableFactor::Table { args: None, .. }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_later_item_is_moved_first_once() {
        let variants = table_first_variants(
            "SELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id, items i, tags \
             WHERE i.order_id = o.id",
        );
        let positions: Vec<usize> = variants.iter().map(|(p, _)| *p).collect();
        assert_eq!(positions, vec![2, 3]);
        assert_eq!(
            variants[0].1,
            "SELECT count(*) FROM items i, orders o JOIN users u ON u.id = o.user_id, tags \
             WHERE i.order_id = o.id"
        );
        assert!(variants[1].1.contains("FROM tags, orders o"));
    }

    #[test]
    fn nothing_else_is_reordered() {
        for sql in [
            "SELECT 1 FROM orders",
            "WITH t AS (SELECT 1) SELECT * FROM orders, t",
            "SELECT 1 FROM orders, (SELECT 1) AS s",
            "SELECT 1 FROM orders, generate_series(1, 3) AS g",
            "SELECT 1 FROM a UNION SELECT 1 FROM b, c",
            "UPDATE orders SET x = 1 FROM users",
            "SELECT 1 FROM a, b; SELECT 1 FROM c, d",
            "not sql",
        ] {
            assert!(table_first_variants(sql).is_empty(), "{sql}");
        }
    }
}
