//! The walk over a sqlparser AST that collects a statement's facts.

use super::columns::{column_mentions, columns_used};
use super::constants::fold_numeric;
use super::scope::{Column, Resolver, Scope, Source};
use super::volatility::volatile_functions;
use super::{
    Access, Bound, ColumnRef, JoinEdge, JoinKind, Operand, Operator, PatternShape, Predicate,
    QueryFacts, SortKey, StatementKind, TableUse, WrappedColumn,
};
use crate::model::catalog::{Catalog, QualifiedName};
use sqlparser::ast::{
    AssignmentTarget, BinaryOperator, CopySource, Delete, Expr, FromTable, Function, FunctionArg,
    FunctionArgExpr, FunctionArguments, GroupByExpr, Ident, InTarget, Insert, JoinConstraint,
    JoinOperator, LimitClause, ObjectName, OrderByKind, Query, Select, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, Statement, TableFactor, TableObject, TableWithJoins,
    Update, UpdateTableFromKind, Value,
};
use std::collections::BTreeMap;

/// The facts of one statement. `parameters` are the values the log recorded for `$n`
/// (`DETAIL: parameters: $1 = '…'`), used where a statement compares with a parameter.
pub fn extract_facts(
    statement: &Statement,
    catalog: Option<&Catalog>,
    search_path: &[String],
    parameters: &BTreeMap<u32, String>,
) -> QueryFacts {
    let mut extractor = Extractor {
        resolver: Resolver {
            catalog,
            search_path: if search_path.is_empty() {
                vec!["public".to_string()]
            } else {
                search_path.to_vec()
            },
        },
        parameters,
        facts: QueryFacts::new(StatementKind::Other),
        ctes: Vec::new(),
        depth: 0,
        outer_references: 0,
        query_blocks: 0,
        first_factor: None,
        repeated_mentions: BTreeMap::new(),
    };
    extractor.statement(statement);
    let single_block = extractor.query_blocks == 1
        && !extractor.facts.set_operation
        && !extractor.facts.reads_unknown_relation;
    let first_relation = extractor.first_factor.flatten().filter(|_| single_block);
    let repeated = extractor.repeated_mentions;
    let mut facts = extractor.facts;
    if facts.kind == StatementKind::Select {
        facts.first_relation = first_relation;
    }
    facts.column_mentions = column_mentions(statement);
    for (column, copies) in &repeated {
        if let Some(count) = facts.column_mentions.get_mut(column) {
            *count = count.saturating_sub(*copies);
        }
    }
    facts.columns_used = columns_used(&facts, catalog);
    facts.volatile_functions = volatile_functions(statement);
    facts
}

struct Extractor<'a> {
    resolver: Resolver<'a>,
    parameters: &'a BTreeMap<u32, String>,
    facts: QueryFacts,
    /// CTE names visible at this point of the walk.
    ctes: Vec<String>,
    /// 0 for the outermost query: only its ORDER BY / LIMIT describe the statement's result.
    depth: usize,
    outer_references: usize,
    /// Query blocks walked (the statement's, each CTE's, subquery's and derived table's).
    query_blocks: usize,
    /// The first FROM item walked: `Some(None)` when it is not a base table.
    first_factor: Option<Option<QualifiedName>>,
    /// Mentions of columns in the copies of conditions every OR branch repeats: they are
    /// one condition to the planner.
    repeated_mentions: BTreeMap<String, usize>,
}

/// `SELECT count(…)` and nothing else, without GROUP BY: one row, the number of rows.
fn counts_only(select: &Select) -> bool {
    let ungrouped =
        matches!(&select.group_by, GroupByExpr::Expressions(keys, _) if keys.is_empty());
    let [item] = select.projection.as_slice() else {
        return false;
    };
    let (SelectItem::UnnamedExpr(Expr::Function(function))
    | SelectItem::ExprWithAlias {
        expr: Expr::Function(function),
        ..
    }) = item
    else {
        return false;
    };
    ungrouped
        && select.having.is_none()
        && name_parts(&function.name)
            .last()
            .is_some_and(|name| name == "count")
}

/// An identifier as PostgreSQL stores it: unquoted names fold to lower case.
pub fn ident(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}

/// The parts of a dotted name, each as PostgreSQL stores it.
pub fn name_parts(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .filter_map(|part| part.as_ident().map(ident))
        .collect()
}

/// What one side of a comparison is.
enum Side {
    Column {
        column: ColumnRef,
        outer: bool,
        wrapped_in: Option<String>,
    },
    Other(Operand),
}

impl Side {
    /// The side as the value a predicate compares with (a column stays a column reference).
    fn into_operand(self) -> Operand {
        match self {
            Side::Other(operand) => operand,
            Side::Column { column, .. } => Operand::Column(column),
        }
    }
}

impl Extractor<'_> {
    fn statement(&mut self, statement: &Statement) {
        match statement {
            Statement::Query(query) => {
                self.facts.kind = StatementKind::Select;
                self.query(query, None);
            }
            Statement::Insert(insert) => self.insert(insert),
            Statement::Update(update) => self.update(update),
            Statement::Delete(delete) => self.delete(delete),
            Statement::Explain { statement, .. } => self.statement(statement),
            // Writes all the same, though not by INSERT, UPDATE or DELETE.
            Statement::Truncate(truncate) => {
                for target in &truncate.table_names {
                    self.write_whole_table(&target.name, Access::Truncate);
                }
            }
            Statement::Copy {
                source: CopySource::Table { table_name, .. },
                to: false,
                ..
            } => self.write_whole_table(table_name, Access::Insert),
            _ => self.facts.kind = StatementKind::Other,
        }
    }

    fn insert(&mut self, insert: &Insert) {
        self.facts.kind = StatementKind::Insert;
        if let TableObject::TableName(name) = &insert.table {
            let parts = name_parts(name);
            if let Some(table) = self.resolve_table(&parts) {
                for column in &insert.columns {
                    if let Some(column) = name_parts(column).pop() {
                        self.facts.written_columns.push(ColumnRef {
                            table: table.clone(),
                            column,
                        });
                    }
                }
                self.facts.tables.push(TableUse {
                    table,
                    alias: insert.table_alias.as_ref().map(|a| ident(&a.alias)),
                    access: Access::Insert,
                });
            }
        }
        if let Some(source) = &insert.source {
            self.depth += 1;
            self.query(source, None);
            self.depth -= 1;
        }
    }

    fn update(&mut self, update: &Update) {
        self.facts.kind = StatementKind::Update;
        let mut scope = Scope::new(None);
        self.table_with_joins(&update.table, &mut scope, Access::Update);
        if let Some(UpdateTableFromKind::AfterSet(from) | UpdateTableFromKind::BeforeSet(from)) =
            &update.from
        {
            for table in from {
                self.table_with_joins(table, &mut scope, Access::Read);
            }
        }
        let target = scope.tables().next().cloned();
        for assignment in &update.assignments {
            let columns = match &assignment.target {
                AssignmentTarget::ColumnName(name) => vec![name],
                AssignmentTarget::Tuple(names) => names.iter().collect(),
            };
            if let Some(table) = &target {
                for name in columns {
                    if let Some(column) = name_parts(name).pop() {
                        self.facts.written_columns.push(ColumnRef {
                            table: table.clone(),
                            column,
                        });
                    }
                }
            }
            self.walk_expression(&assignment.value, &scope);
        }
        if let Some(selection) = &update.selection {
            self.condition(selection, &scope, JoinKind::Where);
        }
    }

    fn delete(&mut self, delete: &Delete) {
        self.facts.kind = StatementKind::Delete;
        let mut scope = Scope::new(None);
        let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &delete.from;
        for table in from {
            self.table_with_joins(table, &mut scope, Access::Delete);
        }
        for table in delete.using.iter().flatten() {
            self.table_with_joins(table, &mut scope, Access::Read);
        }
        if let Some(selection) = &delete.selection {
            self.condition(selection, &scope, JoinKind::Where);
        }
    }

    /// A statement of kind `Other` that writes a table without naming rows: `TRUNCATE`,
    /// `COPY … FROM`.
    fn write_whole_table(&mut self, name: &ObjectName, access: Access) {
        if let Some(table) = self.resolve_table(&name_parts(name)) {
            self.facts.tables.push(TableUse {
                table,
                alias: None,
                access,
            });
        }
    }

    fn resolve_table(&mut self, parts: &[String]) -> Option<crate::model::catalog::QualifiedName> {
        let resolved = self.resolver.table(parts);
        if resolved.is_none() {
            self.facts.unresolved.push(parts.join("."));
            self.facts.reads_unknown_relation = true;
        }
        resolved
    }

    fn query(&mut self, query: &Query, parent: Option<&Scope<'_>>) {
        self.query_blocks += 1;
        let ctes_before = self.ctes.len();
        let references_before = self.outer_references;
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                let name = ident(&cte.alias.name);
                self.facts.ctes.push(name.clone());
                // A recursive CTE sees itself.
                self.ctes.push(name);
                self.depth += 1;
                self.query(&cte.query, parent);
                self.depth -= 1;
            }
        }
        let is_outermost = self.depth == 0;
        self.depth += 1;
        self.set_expression(&query.body, parent, is_outermost.then_some(query));
        self.depth -= 1;
        if is_outermost {
            match &query.limit_clause {
                Some(LimitClause::LimitOffset { limit, offset, .. }) => {
                    self.facts.limit = limit.as_ref().map(|e| self.bound(e));
                    self.facts.offset = offset.as_ref().map(|o| self.bound(&o.value));
                }
                Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
                    self.facts.limit = Some(self.bound(limit));
                    self.facts.offset = Some(self.bound(offset));
                }
                None => {}
            }
            if let Some(fetch) = &query.fetch {
                self.facts.limit = fetch.quantity.as_ref().map(|e| self.bound(e));
            }
        }
        if !query.locks.is_empty() {
            self.facts.for_update = true;
        }
        self.ctes.truncate(ctes_before);
        if parent.is_some() && self.outer_references > references_before {
            self.facts.correlated_subqueries += 1;
        }
    }

    /// Walks a query body; the ORDER BY of `sorted` is read in the scope of its (first)
    /// SELECT.
    fn set_expression(
        &mut self,
        body: &SetExpr,
        parent: Option<&Scope<'_>>,
        sorted: Option<&Query>,
    ) {
        match body {
            SetExpr::Select(select) => {
                let scope = self.select(select, parent);
                if let Some(query) = sorted {
                    self.order_by(query, &scope);
                }
            }
            SetExpr::Query(query) => self.query(query, parent),
            SetExpr::SetOperation { left, right, .. } => {
                self.facts.set_operation = true;
                self.set_expression(left, parent, sorted);
                self.set_expression(right, parent, None);
            }
            SetExpr::Values(values) => {
                let scope = Scope::new(parent);
                for row in &values.rows {
                    for expression in row.iter() {
                        self.walk_expression(expression, &scope);
                    }
                }
            }
            SetExpr::Insert(statement)
            | SetExpr::Update(statement)
            | SetExpr::Delete(statement) => self.statement(statement),
            _ => {}
        }
    }

    fn order_by(&mut self, query: &Query, scope: &Scope<'_>) {
        let Some(order_by) = &query.order_by else {
            return;
        };
        let OrderByKind::Expressions(keys) = &order_by.kind else {
            return;
        };
        for key in keys {
            let column = match self.side(&key.expr, scope) {
                Side::Column {
                    column,
                    wrapped_in: None,
                    ..
                } => Some(column),
                _ => None,
            };
            self.facts.order_by.push(SortKey {
                column,
                expression: key.expr.to_string(),
                descending: matches!(key.options.sort, Some(sqlparser::ast::OrderBySort::Desc)),
                nulls_first: key.options.nulls_first,
            });
        }
    }

    fn select<'p>(&mut self, select: &Select, parent: Option<&'p Scope<'p>>) -> Scope<'p> {
        // The outermost query's SELECT (depth 1 inside it) is what the statement returns.
        let returns_result = self.depth == 1;
        let mut scope = Scope::new(parent);
        let joins_before = self.facts.joins.len();
        for table in &select.from {
            self.table_with_joins(table, &mut scope, Access::Read);
        }
        if let Some(selection) = &select.selection {
            self.condition(selection, &scope, JoinKind::Where);
        }
        if !is_connected(&scope, &self.facts.joins[joins_before..]) {
            self.facts.cartesian_products += 1;
        }
        if select.distinct.is_some() {
            self.facts.distinct = true;
        }
        if let GroupByExpr::Expressions(expressions, _) = &select.group_by {
            for expression in expressions {
                if let Side::Column {
                    column,
                    wrapped_in: None,
                    ..
                } = self.side(expression, &scope)
                {
                    self.facts.group_by.push(column);
                }
            }
        }
        if let Some(having) = &select.having {
            self.walk_expression(having, &scope);
        }
        if returns_result && counts_only(select) {
            self.facts.counts_rows = true;
        }
        for item in &select.projection {
            match item {
                SelectItem::Wildcard(_) => {
                    let tables: Vec<_> = scope.tables().cloned().collect();
                    self.facts.select_star.extend(tables);
                }
                SelectItem::QualifiedWildcard(
                    SelectItemQualifiedWildcardKind::ObjectName(name),
                    _,
                ) => {
                    let qualifier = name_parts(name).pop().unwrap_or_default();
                    if let Some(Source::Table(table)) = scope.lookup_local(&qualifier) {
                        self.facts.select_star.push(table.clone());
                    }
                }
                SelectItem::UnnamedExpr(expression)
                | SelectItem::ExprWithAlias {
                    expr: expression, ..
                } => {
                    // Reading the side also visits its subqueries and window functions.
                    if let Side::Column {
                        column,
                        wrapped_in: None,
                        ..
                    } = self.side(expression, &scope)
                        && returns_result
                    {
                        self.facts.projection.push(column);
                    }
                }
                _ => {}
            }
        }
        scope
    }

    fn table_with_joins(&mut self, table: &TableWithJoins, scope: &mut Scope<'_>, access: Access) {
        self.table_factor(&table.relation, scope, access);
        for join in &table.joins {
            self.table_factor(&join.relation, scope, Access::Read);
            let (kind, constraint) = match &join.join_operator {
                JoinOperator::Join(c) | JoinOperator::Inner(c) => (JoinKind::Inner, Some(c)),
                JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (JoinKind::Left, Some(c)),
                JoinOperator::Right(c) | JoinOperator::RightOuter(c) => (JoinKind::Right, Some(c)),
                JoinOperator::FullOuter(c) => (JoinKind::Full, Some(c)),
                _ => (JoinKind::Inner, None),
            };
            match constraint {
                Some(JoinConstraint::On(expression)) => self.condition(expression, scope, kind),
                Some(JoinConstraint::Using(columns)) => self.using(columns, scope, kind),
                _ => {}
            }
        }
    }

    /// `JOIN b USING (c)`: `b.c` equals `c` of the first earlier table that has it.
    fn using(&mut self, columns: &[ObjectName], scope: &Scope<'_>, kind: JoinKind) {
        let tables: Vec<_> = scope.tables().cloned().collect();
        let Some((joined, earlier)) = tables.split_last() else {
            return;
        };
        for column in columns {
            let Some(column) = name_parts(column).pop() else {
                continue;
            };
            let owner = earlier.iter().find(|t| {
                self.resolver.catalog.is_none_or(|c| {
                    c.tables
                        .get(*t)
                        .is_some_and(|t| t.column(&column).is_some())
                })
            });
            if let Some(owner) = owner {
                self.facts.joins.push(JoinEdge::plain(
                    ColumnRef {
                        table: owner.clone(),
                        column: column.clone(),
                    },
                    ColumnRef {
                        table: joined.clone(),
                        column,
                    },
                    kind,
                ));
            }
        }
    }

    fn table_factor(&mut self, factor: &TableFactor, scope: &mut Scope<'_>, access: Access) {
        let first =
            !matches!(factor, TableFactor::NestedJoin { .. }) && self.first_factor.is_none();
        if first {
            self.first_factor = Some(None);
        }
        match factor {
            TableFactor::Table { name, alias, .. } => {
                let parts = name_parts(name);
                let alias = alias.as_ref().map(|a| ident(&a.name));
                let visible_name = alias
                    .clone()
                    .or_else(|| parts.last().cloned())
                    .unwrap_or_default();
                if let [single] = parts.as_slice()
                    && self.ctes.contains(single)
                {
                    scope.add(visible_name, Source::Derived);
                    return;
                }
                match self.resolve_table(&parts) {
                    Some(table) => {
                        if first {
                            self.first_factor = Some(Some(table.clone()));
                        }
                        self.facts.tables.push(TableUse {
                            table: table.clone(),
                            alias,
                            access,
                        });
                        scope.add(visible_name, Source::Table(table));
                    }
                    None => scope.add(visible_name, Source::Unknown),
                }
            }
            TableFactor::Derived {
                subquery,
                alias,
                lateral,
                ..
            } => {
                self.depth += 1;
                if *lateral {
                    self.query(subquery, Some(scope));
                } else {
                    self.query(subquery, None);
                }
                self.depth -= 1;
                if let Some(alias) = alias {
                    scope.add(ident(&alias.name), Source::Derived);
                }
            }
            TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                self.table_with_joins(table_with_joins, scope, access);
                if let Some(alias) = alias {
                    scope.add(ident(&alias.name), Source::Derived);
                }
            }
            other => {
                let text = other.to_string();
                let alias = text.rsplit(' ').next().unwrap_or_default().to_lowercase();
                scope.add(alias, Source::Derived);
            }
        }
    }

    /// A `WHERE` / `ON` condition: its AND-ed parts one by one.
    fn condition(&mut self, expression: &Expr, scope: &Scope<'_>, kind: JoinKind) {
        match expression {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And,
                right,
            } => {
                self.condition(left, scope, kind);
                self.condition(right, scope, kind);
            }
            Expr::Nested(inner) => self.condition(inner, scope, kind),
            Expr::BinaryOp {
                op: BinaryOperator::Or,
                ..
            } => self.disjunction(expression, scope, kind),
            Expr::BinaryOp { left, op, right } => match comparison(op) {
                Some(operator) => self.binary_comparison(left, operator, right, scope, kind),
                None => self.walk_expression(expression, scope),
            },
            Expr::In {
                expr,
                target,
                negated,
                ..
            } => self.membership(expr, target, *negated, scope),
            Expr::Between {
                expr,
                negated: false,
                low,
                high,
            } => self.between(expr, low, high, scope),
            Expr::IsNull(inner) => self.null_test(inner, Operator::IsNull, scope),
            Expr::IsNotNull(inner) => self.null_test(inner, Operator::IsNotNull, scope),
            Expr::Like {
                negated,
                expr,
                pattern,
                ..
            } => self.like(expr, pattern, *negated, false, scope),
            Expr::ILike {
                negated,
                expr,
                pattern,
                ..
            } => self.like(expr, pattern, *negated, true, scope),
            Expr::AnyOp {
                left,
                compare_op: BinaryOperator::Eq,
                right,
                ..
            } => {
                let side = self.side(left, scope);
                let value = self.side(right, scope).into_operand();
                self.predicate(side, Operator::Any, value);
            }
            other => self.walk_expression(other, scope),
        }
    }

    /// `a = b`, `a < 5`, …: a join when both sides are columns, a restriction otherwise.
    fn binary_comparison(
        &mut self,
        left: &Expr,
        operator: Operator,
        right: &Expr,
        scope: &Scope<'_>,
        kind: JoinKind,
    ) {
        let equality = operator == Operator::Eq;
        let constant = [left, right]
            .into_iter()
            .find(|side| is_literal(side))
            .map(ToString::to_string);
        let before = self.facts.predicates.len();
        let (left, right) = (self.side(left, scope), self.side(right, scope));
        self.comparison(left, operator, right, kind);
        if let (true, Some(constant)) = (equality, constant) {
            self.restrict(before, |column| Some(format!("{column} = {constant}")));
        } else {
            self.restrict_range(before);
        }
    }

    /// `x [NOT] IN (list)` and `x [NOT] IN (subquery)`.
    fn membership(&mut self, expr: &Expr, target: &InTarget, negated: bool, scope: &Scope<'_>) {
        let (operator, value) = match target {
            InTarget::List(list) => {
                for item in list {
                    self.walk_expression(item, scope);
                }
                let operator = if negated {
                    Operator::NotIn
                } else {
                    Operator::In { values: list.len() }
                };
                (operator, Operand::List(list.len()))
            }
            InTarget::Subquery(query) => {
                if negated {
                    self.facts.not_in_subquery = true;
                }
                self.subquery(query, scope);
                let operator = if negated {
                    Operator::NotIn
                } else {
                    Operator::In { values: 0 }
                };
                (operator, Operand::Subquery)
            }
            _ => (Operator::Other("in".into()), Operand::None),
        };
        let constants = match target {
            InTarget::List(list) if !negated && list.iter().all(is_literal) => Some(
                list.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            _ => None,
        };
        let before = self.facts.predicates.len();
        let side = self.side(expr, scope);
        self.predicate(side, operator, value);
        if let Some(constants) = constants {
            self.restrict(before, |column| Some(format!("{column} IN ({constants})")));
        }
    }

    fn between(&mut self, expr: &Expr, low: &Expr, high: &Expr, scope: &Scope<'_>) {
        let side = self.side(expr, scope);
        let (value, upper) = match (self.side(low, scope), self.side(high, scope)) {
            (Side::Other(low), Side::Other(high)) => (low, Some(high)),
            (Side::Other(operand), Side::Column { .. }) => (operand, None),
            (Side::Column { .. }, _) => (Operand::Expression(format!("{low} AND {high}")), None),
        };
        let before = self.facts.predicates.len();
        self.predicate(side, Operator::Between, value);
        if let Some(predicate) = self.facts.predicates.get_mut(before) {
            predicate.upper = upper;
        }
        self.restrict_range(before);
    }

    /// `x IS NULL` / `x IS NOT NULL` (`operator` says which).
    fn null_test(&mut self, inner: &Expr, operator: Operator, scope: &Scope<'_>) {
        let negation = if operator == Operator::IsNull {
            ""
        } else {
            "NOT "
        };
        let before = self.facts.predicates.len();
        let side = self.side(inner, scope);
        self.predicate(side, operator, Operand::None);
        self.restrict(before, |column| Some(format!("{column} IS {negation}NULL")));
    }

    fn like(
        &mut self,
        expr: &Expr,
        pattern: &Expr,
        negated: bool,
        case_insensitive: bool,
        scope: &Scope<'_>,
    ) {
        let side = self.side(expr, scope);
        let value = self.side(pattern, scope).into_operand();
        let operator = if negated {
            Operator::NotLike
        } else {
            Operator::Like {
                pattern: pattern_shape(&value),
                case_insensitive,
            }
        };
        self.predicate(side, operator, value);
    }

    fn comparison(&mut self, left: Side, operator: Operator, right: Side, kind: JoinKind) {
        match (left, right) {
            (
                Side::Column {
                    column: l,
                    outer: l_outer,
                    wrapped_in: l_wrapped,
                },
                Side::Column {
                    column: r,
                    outer: r_outer,
                    wrapped_in: r_wrapped,
                },
            ) => {
                // Two tables compared for equality are joined, through a cast or not.
                if operator == Operator::Eq && (l.table != r.table || l_outer != r_outer) {
                    let kind = if l_outer || r_outer {
                        JoinKind::Correlated
                    } else {
                        kind
                    };
                    self.facts.joins.push(JoinEdge {
                        left_wrapped_in: l_wrapped,
                        right_wrapped_in: r_wrapped,
                        ..JoinEdge::plain(l, r, kind)
                    });
                } else {
                    self.facts.predicates.push(Predicate {
                        column: l,
                        operator,
                        value: Operand::Column(r),
                        upper: None,
                        wrapped_in: l_wrapped,
                        restriction: None,
                    });
                }
            }
            (column @ Side::Column { .. }, Side::Other(value)) => {
                self.predicate(column, operator, value)
            }
            (Side::Other(value), column @ Side::Column { .. }) => {
                self.predicate(column, mirror(operator), value)
            }
            (Side::Other(_), Side::Other(_)) => {}
        }
    }

    fn predicate(&mut self, side: Side, operator: Operator, value: Operand) {
        if let Side::Column {
            column, wrapped_in, ..
        } = side
        {
            self.facts.predicates.push(Predicate {
                column,
                operator,
                value,
                upper: None,
                wrapped_in,
                restriction: None,
            });
        }
    }

    fn note_wrapped(&mut self, column: &ColumnRef, wrapped_in: &str) {
        self.facts.wrapped_columns.insert(WrappedColumn {
            column: column.clone(),
            wrapped_in: wrapped_in.to_string(),
        });
    }

    /// Records the SQL of the predicate just pushed, when `condition` was `column <sql>`
    /// with `sql` built of constants only.
    fn restrict(&mut self, before: usize, condition: impl FnOnce(&str) -> Option<String>) {
        if self.facts.predicates.len() != before + 1 {
            return;
        }
        let Some(predicate) = self.facts.predicates.last_mut() else {
            return;
        };
        if predicate.wrapped_in.is_none() {
            let column = crate::model::ddl::quote_identifier(&predicate.column.column);
            predicate.restriction = condition(&column);
        }
    }

    /// Records the SQL of the range predicate just pushed (`qty < 24`, `discount BETWEEN
    /// 0.05 AND 0.07`) when its bounds are constants.
    fn restrict_range(&mut self, before: usize) {
        let Some(predicate) = self.facts.predicates.get(before) else {
            return;
        };
        let constant = |operand: &Operand| match operand {
            Operand::Constant(value) => Some(value.clone()),
            _ => None,
        };
        let condition = match (&predicate.operator, predicate.upper.as_ref()) {
            (Operator::Between, Some(upper)) => constant(&predicate.value)
                .zip(constant(upper))
                .map(|(low, high)| format!("BETWEEN {low} AND {high}")),
            (Operator::Lt, None) => constant(&predicate.value).map(|v| format!("< {v}")),
            (Operator::LtEq, None) => constant(&predicate.value).map(|v| format!("<= {v}")),
            (Operator::Gt, None) => constant(&predicate.value).map(|v| format!("> {v}")),
            (Operator::GtEq, None) => constant(&predicate.value).map(|v| format!(">= {v}")),
            _ => None,
        };
        if let Some(condition) = condition {
            self.restrict(before, |column| Some(format!("{column} {condition}")));
        }
    }

    /// Reads one side of a comparison.
    fn side(&mut self, expression: &Expr, scope: &Scope<'_>) -> Side {
        match expression {
            Expr::Identifier(name) => self.column_side(&[ident(name)], scope, None),
            Expr::CompoundIdentifier(parts) => {
                let parts: Vec<String> = parts.iter().map(ident).collect();
                self.column_side(&parts, scope, None)
            }
            Expr::Nested(inner) => self.side(inner, scope),
            Expr::Value(value) => Side::Other(self.value(&value.value)),
            Expr::UnaryOp { expr, .. } if matches!(**expr, Expr::Value(_)) => {
                Side::Other(Operand::Constant(expression.to_string()))
            }
            Expr::TypedString(_) => Side::Other(Operand::Constant(expression.to_string())),
            Expr::Cast {
                expr, data_type, ..
            } => match self.side(expr, scope) {
                Side::Column { column, outer, .. } => {
                    let cast = format!("::{}", data_type.to_string().to_lowercase());
                    self.note_wrapped(&column, &cast);
                    Side::Column {
                        column,
                        outer,
                        wrapped_in: Some(cast),
                    }
                }
                constant @ Side::Other(Operand::Constant(_) | Operand::Parameter { .. }) => {
                    constant
                }
                Side::Other(_) => Side::Other(Operand::Expression(expression.to_string())),
            },
            Expr::Function(function) => self.function_side(expression, function, scope),
            Expr::BinaryOp { left, op, right }
                if comparison(op).is_none()
                    && !matches!(op, BinaryOperator::And | BinaryOperator::Or) =>
            {
                self.arithmetic_side(expression, left, op, right, scope)
            }
            Expr::Subquery(query) => {
                self.scalar_subquery(query, scope);
                Side::Other(Operand::Subquery)
            }
            Expr::Array(_) => Side::Other(Operand::Expression(expression.to_string())),
            other => {
                self.walk_expression(other, scope);
                Side::Other(Operand::Expression(other.to_string()))
            }
        }
    }

    /// `f(col)`: the column wrapped in the function; anything else is an expression.
    fn function_side(&mut self, expression: &Expr, function: &Function, scope: &Scope<'_>) -> Side {
        if function.over.is_some() {
            self.facts.window_functions = true;
        }
        if let FunctionArguments::Subquery(query) = &function.args {
            self.subquery(query, scope);
        }
        let name = function.name.to_string().to_lowercase();
        let columns = self.function_columns(&function.args, scope);
        for (column, _) in &columns {
            self.note_wrapped(column, &name);
        }
        match columns.as_slice() {
            [(column, outer)] => Side::Column {
                column: column.clone(),
                outer: *outer,
                wrapped_in: Some(name),
            },
            _ => Side::Other(Operand::Expression(expression.to_string())),
        }
    }

    /// `col + 1`, `2 * 3`: a constant when it folds, else the column wrapped in the operator.
    fn arithmetic_side(
        &mut self,
        expression: &Expr,
        left: &Expr,
        op: &BinaryOperator,
        right: &Expr,
        scope: &Scope<'_>,
    ) -> Side {
        if let Some(folded) = fold_numeric(expression) {
            return Side::Other(Operand::Constant(folded));
        }
        let attribute = json_attribute(op, right);
        let (left, right) = (self.side(left, scope), self.side(right, scope));
        let operator = op.to_string();
        for side in [&left, &right] {
            if let Side::Column { column, .. } = side {
                self.note_wrapped(column, &operator);
            }
        }
        match (left, right) {
            (Side::Column { column, outer, .. }, Side::Other(_)) => Side::Column {
                column,
                outer,
                wrapped_in: Some(attribute.unwrap_or(operator)),
            },
            _ => Side::Other(Operand::Expression(expression.to_string())),
        }
    }

    fn column_side(
        &mut self,
        parts: &[String],
        scope: &Scope<'_>,
        wrapped_in: Option<String>,
    ) -> Side {
        match scope.column(parts, &self.resolver) {
            Column::Base { column, outer } => {
                if outer {
                    self.outer_references += 1;
                }
                Side::Column {
                    column,
                    outer,
                    wrapped_in,
                }
            }
            Column::Derived => Side::Other(Operand::Expression(parts.join("."))),
            Column::Unresolved => {
                // `true`, `current_date` and friends parse as identifiers.
                if parts.len() > 1
                    || scope.tables().next().is_some() && !is_keyword_value(&parts[0])
                {
                    self.facts.unresolved.push(parts.join("."));
                }
                Side::Other(Operand::Expression(parts.join(".")))
            }
        }
    }

    fn function_columns(
        &mut self,
        arguments: &FunctionArguments,
        scope: &Scope<'_>,
    ) -> Vec<(ColumnRef, bool)> {
        let FunctionArguments::List(list) = arguments else {
            return Vec::new();
        };
        let mut columns = Vec::new();
        for argument in &list.args {
            let expression = match argument {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
                | FunctionArg::Named {
                    arg: FunctionArgExpr::Expr(e),
                    ..
                }
                | FunctionArg::ExprNamed {
                    arg: FunctionArgExpr::Expr(e),
                    ..
                } => e,
                _ => continue,
            };
            if let Side::Column { column, outer, .. } = self.side(expression, scope) {
                columns.push((column, outer));
            }
        }
        columns
    }

    fn value(&self, value: &Value) -> Operand {
        match value {
            Value::Placeholder(text) => {
                let index = text.trim_start_matches('$').parse().unwrap_or(0);
                Operand::Parameter {
                    index,
                    value: self.parameters.get(&index).cloned(),
                }
            }
            Value::SingleQuotedString(text) | Value::EscapedStringLiteral(text) => {
                Operand::Constant(text.clone())
            }
            Value::Number(number, _) => Operand::Constant(number.to_string()),
            Value::Boolean(flag) => Operand::Constant(flag.to_string()),
            Value::Null => Operand::Constant("NULL".into()),
            other => Operand::Constant(other.to_string()),
        }
    }

    fn bound(&self, expression: &Expr) -> Bound {
        match expression {
            Expr::Value(value) => match self.value(&value.value) {
                Operand::Constant(text) => text
                    .parse()
                    .map_or_else(|_| Bound::Expression(text), Bound::Literal),
                Operand::Parameter { index, value } => Bound::Parameter {
                    index,
                    value: value.and_then(|v| v.parse().ok()),
                },
                _ => Bound::Expression(expression.to_string()),
            },
            other => Bound::Expression(other.to_string()),
        }
    }

    /// A subquery in place of a value: counted when it refers to the outer row.
    fn scalar_subquery(&mut self, query: &Query, scope: &Scope<'_>) {
        let correlated_before = self.facts.correlated_subqueries;
        self.subquery(query, scope);
        if self.facts.correlated_subqueries > correlated_before {
            self.facts.correlated_scalar_subqueries += 1;
        }
    }

    fn subquery(&mut self, query: &Query, scope: &Scope<'_>) {
        self.depth += 1;
        self.query(query, Some(scope));
        self.depth -= 1;
    }

    /// An `OR`. PostgreSQL pulls out the conditions every branch shares (`(a AND b) OR
    /// (a AND c)` is `a AND (b OR c)`), so those restrict and join like any other; what is
    /// left is an OR whose branches may test other columns than each other.
    fn disjunction(&mut self, expression: &Expr, scope: &Scope<'_>, kind: JoinKind) {
        let branches: Vec<Vec<&Expr>> = operands(expression, &BinaryOperator::Or)
            .into_iter()
            .map(|branch| operands(branch, &BinaryOperator::And))
            .collect();
        let common: Vec<&Expr> = branches[0]
            .iter()
            .copied()
            .filter(|part| branches[1..].iter().all(|other| other.contains(part)))
            .collect();
        for part in &common {
            self.condition(part, scope, kind);
            for (column, count) in column_mentions(*part) {
                *self.repeated_mentions.entry(column).or_default() += count * (branches.len() - 1);
            }
        }
        let rest: Vec<Vec<&Expr>> = branches
            .iter()
            .map(|parts| {
                parts
                    .iter()
                    .copied()
                    .filter(|p| !common.contains(p))
                    .collect()
            })
            .collect();
        if rest.iter().any(Vec::is_empty) {
            // One branch holds whenever the shared conditions do: the OR adds nothing.
            return;
        }
        // The last branch against all the others, as `a OR b OR c` parses: `(a OR b) OR c`.
        let (last, others) = rest.split_last().expect("an OR has two branches");
        let mut left_columns = Vec::new();
        let mut right_columns = Vec::new();
        for part in others.iter().flatten() {
            self.columns_in(part, scope, &mut left_columns);
        }
        for part in last {
            self.columns_in(part, scope, &mut right_columns);
        }
        if !left_columns.is_empty()
            && !right_columns.is_empty()
            && left_columns.iter().any(|c| !right_columns.contains(c))
        {
            self.facts.or_across_columns = true;
        }
        for part in rest.iter().flatten() {
            self.walk_expression(part, scope);
        }
    }

    /// Visits the parts of an expression that carry facts of their own: subqueries (and their
    /// correlation), window functions.
    fn walk_expression(&mut self, expression: &Expr, scope: &Scope<'_>) {
        match expression {
            Expr::Subquery(query) => self.scalar_subquery(query, scope),
            Expr::Exists {
                subquery: query, ..
            } => self.subquery(query, scope),
            Expr::In {
                expr,
                target: InTarget::Subquery(query),
                negated,
                ..
            } => {
                if *negated {
                    self.facts.not_in_subquery = true;
                }
                self.walk_expression(expr, scope);
                self.subquery(query, scope);
            }
            // Read as a side, which visits their arguments and notes the column they wrap.
            Expr::Function(_) | Expr::Cast { .. } => {
                let _ = self.side(expression, scope);
            }
            Expr::BinaryOp { op, .. }
                if comparison(op).is_none()
                    && !matches!(op, BinaryOperator::And | BinaryOperator::Or) =>
            {
                let _ = self.side(expression, scope);
            }
            Expr::BinaryOp { left, right, .. } => {
                self.walk_expression(left, scope);
                self.walk_expression(right, scope);
            }
            Expr::UnaryOp { expr, .. } | Expr::Nested(expr) => self.walk_expression(expr, scope),
            Expr::Case {
                conditions,
                else_result,
                ..
            } => {
                for when in conditions {
                    self.walk_expression(&when.condition, scope);
                    self.walk_expression(&when.result, scope);
                }
                if let Some(result) = else_result {
                    self.walk_expression(result, scope);
                }
            }
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
                // Counts outer references inside expressions (correlation).
                let _ = self.side(expression, scope);
            }
            _ => {}
        }
    }

    fn columns_in(&mut self, expression: &Expr, scope: &Scope<'_>, out: &mut Vec<ColumnRef>) {
        match expression {
            Expr::BinaryOp { left, right, .. } => {
                self.columns_in(left, scope, out);
                self.columns_in(right, scope, out);
            }
            Expr::Nested(inner) | Expr::IsNull(inner) | Expr::IsNotNull(inner) => {
                self.columns_in(inner, scope, out)
            }
            Expr::In { expr, .. }
            | Expr::Like { expr, .. }
            | Expr::ILike { expr, .. }
            | Expr::Between { expr, .. } => self.columns_in(expr, scope, out),
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
                let parts: Vec<String> = match expression {
                    Expr::Identifier(name) => vec![ident(name)],
                    Expr::CompoundIdentifier(parts) => parts.iter().map(ident).collect(),
                    _ => Vec::new(),
                };
                if let Column::Base { column, .. } = scope.column(&parts, &self.resolver) {
                    out.push(column);
                }
            }
            _ => {}
        }
    }
}

/// A constant written in the statement (not a `$n` parameter).
fn is_literal(expression: &Expr) -> bool {
    match expression {
        Expr::Value(value) => !matches!(value.value, Value::Placeholder(_)),
        Expr::TypedString(_) => true,
        Expr::UnaryOp { expr, .. } | Expr::Nested(expr) => is_literal(expr),
        _ => false,
    }
}

/// Whether the base tables of a SELECT are all linked by its join edges.
fn is_connected(scope: &Scope<'_>, joins: &[JoinEdge]) -> bool {
    let tables: Vec<_> = scope.tables().collect();
    if tables.len() < 2 {
        return true;
    }
    let mut component: Vec<usize> = (0..tables.len()).collect();
    let find = |component: &Vec<usize>, mut i: usize| {
        while component[i] != i {
            i = component[i];
        }
        i
    };
    for join in joins {
        let position = |c: &ColumnRef| tables.iter().position(|t| **t == c.table);
        if let (Some(a), Some(b)) = (position(&join.left), position(&join.right)) {
            let (a, b) = (find(&component, a), find(&component, b));
            component[a] = b;
        }
    }
    let first = find(&component, 0);
    (1..tables.len()).all(|i| find(&component, i) == first)
}

/// `->> 'key'` or `-> 'key'`: one attribute of a JSON document, with the key written as a
/// constant — what an expression index can be defined on (`(prefs ->> 'sso_id')`).
fn json_attribute(op: &BinaryOperator, key: &Expr) -> Option<String> {
    let operator = match op {
        BinaryOperator::LongArrow => "->>",
        BinaryOperator::Arrow => "->",
        _ => return None,
    };
    match key {
        Expr::Value(value) => match &value.value {
            Value::SingleQuotedString(key) => Some(format!(
                "{operator} {}",
                crate::model::ddl::quote_literal(key)
            )),
            _ => None,
        },
        _ => None,
    }
}

fn comparison(op: &BinaryOperator) -> Option<Operator> {
    Some(match op {
        BinaryOperator::Eq => Operator::Eq,
        BinaryOperator::NotEq => Operator::NotEq,
        BinaryOperator::Lt => Operator::Lt,
        BinaryOperator::LtEq => Operator::LtEq,
        BinaryOperator::Gt => Operator::Gt,
        BinaryOperator::GtEq => Operator::GtEq,
        _ => return None,
    })
}

/// `5 < a` is `a > 5`.
fn mirror(operator: Operator) -> Operator {
    match operator {
        Operator::Lt => Operator::Gt,
        Operator::LtEq => Operator::GtEq,
        Operator::Gt => Operator::Lt,
        Operator::GtEq => Operator::LtEq,
        other => other,
    }
}

fn pattern_shape(value: &Operand) -> PatternShape {
    let text = match value {
        Operand::Constant(text) => text,
        Operand::Parameter {
            value: Some(text), ..
        } => text,
        _ => return PatternShape::Unknown,
    };
    let wildcard = |c: char| c == '%' || c == '_';
    match (
        text.starts_with(wildcard),
        text.trim_end_matches(wildcard).len() < text.len(),
        text.contains(wildcard),
    ) {
        (false, _, false) => PatternShape::Exact,
        (false, _, true) => PatternShape::Prefix,
        (true, true, _) => PatternShape::Contains,
        (true, false, _) => PatternShape::Suffix,
    }
}

fn is_keyword_value(name: &str) -> bool {
    matches!(
        name,
        "true"
            | "false"
            | "null"
            | "current_date"
            | "current_timestamp"
            | "current_time"
            | "localtime"
            | "localtimestamp"
            | "current_user"
            | "session_user"
            | "user"
            | "default"
    )
}

/// The operands of a chain of one operator (`a AND b AND …`, `a OR b OR …`), through
/// parentheses.
pub fn operands<'e>(expression: &'e Expr, operator: &BinaryOperator) -> Vec<&'e Expr> {
    match expression {
        Expr::BinaryOp { left, op, right } if op == operator => {
            let mut found = operands(left, operator);
            found.extend(operands(right, operator));
            found
        }
        Expr::Nested(inner) => operands(inner, operator),
        other => vec![other],
    }
}
