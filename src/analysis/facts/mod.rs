//! Query facts: what one distinct statement asks of the database, read once from its
//! sqlparser AST — the tables it reads and writes (aliases, CTEs and subqueries resolved to
//! catalog tables), the predicates on each table's columns, equi-join edges, sort, grouping,
//! limits, projection, and the shapes the advisors look for (`NOT IN (subquery)`, correlated
//! subqueries, `OR` across columns, `SELECT *`).
//!
//! Facts are pure data computed from an AST and a catalog; rules read them and never parse
//! SQL themselves.

mod columns;
mod constants;
mod extract;
mod scope;
mod volatility;

pub use extract::{extract_facts, ident, name_parts, operands};

use crate::model::catalog::QualifiedName;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementKind {
    Select,
    Insert,
    Update,
    Delete,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Read,
    Insert,
    Update,
    Delete,
    /// `TRUNCATE`: every row goes at once.
    Truncate,
}

/// One use of a base table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableUse {
    pub table: QualifiedName,
    pub alias: Option<String>,
    pub access: Access,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ColumnRef {
    pub table: QualifiedName,
    pub column: String,
}

/// A condition on one column: `column <operator> value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Predicate {
    pub column: ColumnRef,
    pub operator: Operator,
    pub value: Operand,
    /// `BETWEEN`'s upper bound (`value` is the lower one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upper: Option<Operand>,
    /// A function, cast or operator applied to the column (`lower`, `::date`, `+`; `->> 'key'`
    /// for one attribute of a JSON document): the predicate then cannot use a plain index on
    /// the column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wrapped_in: Option<String>,
    /// The condition as SQL on the bare column (`status = 'done'`, `mode IN ('A', 'B')`,
    /// `deleted_at IS NULL`), when it compares the plain column with constants only: what a
    /// partial index can be defined by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restriction: Option<String>,
}

impl Predicate {
    /// The expression the predicate applies to its column, as SQL (`lower("email")`,
    /// `"created_at"::date`), when it is one an index or statistics can be defined on.
    pub fn wrapped_expression(&self) -> Option<String> {
        let wrapper = self.wrapped_in.as_deref()?;
        let column = crate::model::ddl::quote_identifier(&self.column.column);
        match wrapper {
            "lower" | "upper" | "date" | "trim" => Some(format!("{wrapper}({column})")),
            cast if cast.starts_with("::") => Some(format!("{column}{cast}")),
            attribute if attribute.starts_with("->") && attribute.len() > 3 => {
                Some(format!("{column} {attribute}"))
            }
            _ => None,
        }
    }
}

/// A column as a statement wraps it, for people to read: `id::text`, `lower(email)`,
/// `total + …`.
pub fn shown_wrapped(column: &str, wrapper: &str) -> String {
    if wrapper.starts_with("::") {
        format!("{column}{wrapper}")
    } else if wrapper.starts_with("->") && wrapper.len() > 3 {
        format!("{column} {wrapper}")
    } else if wrapper
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        format!("{wrapper}({column})")
    } else {
        format!("{column} {wrapper} …")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    /// `IN (…)` with the list length as written (1 once fingerprinted).
    In {
        values: usize,
    },
    NotIn,
    /// `= ANY(…)`.
    Any,
    Between,
    IsNull,
    IsNotNull,
    Like {
        pattern: PatternShape,
        case_insensitive: bool,
    },
    NotLike,
    Other(String),
}

impl Operator {
    /// A range an index can scan.
    pub fn is_range(&self) -> bool {
        matches!(
            self,
            Operator::Lt | Operator::LtEq | Operator::Gt | Operator::GtEq | Operator::Between
        ) || matches!(
            self,
            Operator::Like {
                pattern: PatternShape::Prefix,
                case_insensitive: false
            }
        )
    }
}

/// Where a `LIKE` pattern's wildcards are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PatternShape {
    /// `'abc'`: no wildcard.
    Exact,
    /// `'abc%'`: a btree index (with `text_pattern_ops` or C collation) can serve it.
    Prefix,
    /// `'%abc'`.
    Suffix,
    /// `'%abc%'`: only a trigram index helps.
    Contains,
    /// A parameter or expression: the shape is unknown.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operand {
    /// A literal, as text.
    Constant(String),
    /// `$n`, with the value the log recorded for it when there is one.
    Parameter {
        index: u32,
        value: Option<String>,
    },
    Column(ColumnRef),
    Subquery,
    /// A list of constants/parameters (`IN (…)`).
    List(usize),
    Expression(String),
    None,
}

/// A function, cast or operator applied to a column: `sum(total)`, `payload::jsonb`,
/// `payload ->> 'state'`, `price * qty` (for both columns).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct WrappedColumn {
    pub column: ColumnRef,
    pub wrapped_in: String,
}

/// `left = right` between columns of two tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JoinEdge {
    pub left: ColumnRef,
    pub right: ColumnRef,
    pub kind: JoinKind,
    /// The cast or function the left side is compared through (`a.id::text = b.ref`): a join
    /// all the same, but a plain index on that side cannot serve it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_wrapped_in: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub right_wrapped_in: Option<String>,
}

impl JoinEdge {
    /// A join of two bare columns.
    pub fn plain(left: ColumnRef, right: ColumnRef, kind: JoinKind) -> JoinEdge {
        JoinEdge {
            left,
            right,
            kind,
            left_wrapped_in: None,
            right_wrapped_in: None,
        }
    }

    /// The sides as (this table's column, the other table's column), for `table`'s side
    /// compared bare — the one a plain index on `table` can serve.
    pub fn indexable_sides(
        &self,
        table: &crate::model::catalog::QualifiedName,
    ) -> impl Iterator<Item = (&ColumnRef, &ColumnRef)> {
        [
            (&self.left, &self.right, &self.left_wrapped_in),
            (&self.right, &self.left, &self.right_wrapped_in),
        ]
        .into_iter()
        .filter(move |(mine, other, wrapped)| {
            mine.table == *table && other.table != *table && wrapped.is_none()
        })
        .map(|(mine, other, _)| (mine, other))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
    /// A join condition written in `WHERE`.
    Where,
    /// Correlation between a subquery and its outer query.
    Correlated,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SortKey {
    /// The column, when the key is a plain column.
    pub column: Option<ColumnRef>,
    pub expression: String,
    pub descending: bool,
    pub nulls_first: Option<bool>,
}

/// A `LIMIT` or `OFFSET` value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    Literal(u64),
    Parameter { index: u32, value: Option<u64> },
    Expression(String),
}

impl Bound {
    /// The value, when the statement or its logged parameters say.
    pub fn value(&self) -> Option<u64> {
        match self {
            Bound::Literal(value) => Some(*value),
            Bound::Parameter { value, .. } => *value,
            Bound::Expression(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueryFacts {
    pub kind: StatementKind,
    pub tables: Vec<TableUse>,
    pub predicates: Vec<Predicate>,
    pub joins: Vec<JoinEdge>,
    pub order_by: Vec<SortKey>,
    pub group_by: Vec<ColumnRef>,
    pub distinct: bool,
    pub limit: Option<Bound>,
    pub offset: Option<Bound>,
    /// Columns the outermost query returns (plain column references only).
    pub projection: Vec<ColumnRef>,
    /// Tables read with `*` / `t.*`, at any level of the statement.
    pub select_star: Vec<QualifiedName>,
    /// Columns written by INSERT or UPDATE.
    pub written_columns: Vec<ColumnRef>,
    pub for_update: bool,
    pub set_operation: bool,
    pub ctes: Vec<String>,
    pub window_functions: bool,
    pub correlated_subqueries: usize,
    /// Correlated subqueries that yield one value (`(SELECT count(*) … WHERE i.order_id =
    /// o.id)`): PostgreSQL runs each once per outer row, where EXISTS and IN become joins.
    #[serde(skip_serializing_if = "is_zero")]
    pub correlated_scalar_subqueries: usize,
    /// The statement returns only a count of its rows: `SELECT count(*)` without GROUP BY.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub counts_rows: bool,
    pub not_in_subquery: bool,
    /// SELECTs whose tables are not all joined: each unjoined pair multiplies the rows.
    pub cartesian_products: usize,
    /// `a = 1 OR b = 2`: an OR between predicates on different columns.
    pub or_across_columns: bool,
    /// Names that match no table, CTE or alias in scope (not guessed).
    pub unresolved: Vec<String>,
    /// A FROM item names no table of the catalog or CTE (a view, a table not in the schema).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub reads_unknown_relation: bool,
    /// Every column of each table the statement mentions anywhere (`*` counts as all of
    /// them): what an index must hold for an index-only scan.
    pub columns_used: BTreeMap<QualifiedName, BTreeSet<String>>,
    /// How many times each column name occurs in the statement: a column mentioned only by
    /// the conditions a partial index is defined by need not be in the index.
    #[serde(skip)]
    pub column_mentions: BTreeMap<String, usize>,
    /// Every function, cast or operator applied to a column anywhere in the statement —
    /// returned, compared, sorted, grouped or aggregated — each once: how the statement
    /// uses a column's values, beyond the predicates.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub wrapped_columns: BTreeSet<WrappedColumn>,
    /// The relation PostgreSQL numbers first in the statement's range table, when that is
    /// sure: a SELECT of one query block (no CTE, subquery, derived table or set
    /// operation) whose first FROM item is a base table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_relation: Option<QualifiedName>,
    /// Functions whose result changes from call to call (`now()`, `random()`, `nextval()`).
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub volatile_functions: BTreeSet<String>,
}

impl QueryFacts {
    /// The columns of `table` the statement needs values of when `implied` — conditions a
    /// partial index's predicate implies — hold for every row read: the planner drops such
    /// conditions, so a column only they mention is not needed (for an index-only scan).
    pub fn columns_needed<'a>(
        &'a self,
        table: &QualifiedName,
        implied: &[&Predicate],
    ) -> impl Iterator<Item = &'a str> {
        let only_implied = move |column: &str| {
            let conditions = implied
                .iter()
                .filter(|p| p.column.table == *table && p.column.column == column)
                .count();
            conditions > 0 && self.column_mentions.get(column) == Some(&conditions)
        };
        self.columns_used
            .get(table)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .filter(move |column| !only_implied(column))
    }

    fn new(kind: StatementKind) -> Self {
        QueryFacts {
            kind,
            tables: Vec::new(),
            predicates: Vec::new(),
            joins: Vec::new(),
            order_by: Vec::new(),
            group_by: Vec::new(),
            distinct: false,
            limit: None,
            offset: None,
            projection: Vec::new(),
            select_star: Vec::new(),
            written_columns: Vec::new(),
            for_update: false,
            set_operation: false,
            ctes: Vec::new(),
            window_functions: false,
            correlated_subqueries: 0,
            correlated_scalar_subqueries: 0,
            counts_rows: false,
            not_in_subquery: false,
            cartesian_products: 0,
            or_across_columns: false,
            unresolved: Vec::new(),
            reads_unknown_relation: false,
            columns_used: BTreeMap::new(),
            column_mentions: BTreeMap::new(),
            first_relation: None,
            wrapped_columns: BTreeSet::new(),
            volatile_functions: BTreeSet::new(),
        }
    }
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}
