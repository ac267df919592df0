//! Expressions (defaults, checks, index keys, predicates, view queries) in the catalog's
//! canonical spelling, and reading them back: which columns and relations they mention, and
//! renaming a column inside one.

use super::PUBLIC;
use super::identifiers::{
    identifier, last_identifier, needs_quotes, parse_qualified_text, regclass_text,
    split_object_name,
};
use super::sql_types::format_type;
use crate::model::catalog::{Index, QualifiedName};
use crate::sql::parse::parse_sql;
use sqlparser::ast::{
    CastKind, DataType, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident,
    ObjectName, ObjectNamePart, Query, SelectItem, SetExpr, Statement, Value,
};
use std::collections::BTreeSet;
use std::ops::ControlFlow;

pub(super) fn strip_parens(mut expr: &Expr) -> &Expr {
    while let Expr::Nested(inner) = expr {
        expr = inner;
    }
    expr
}

/// An expression in the catalog's canonical spelling (see the module comment), without the
/// parentheses around the whole.
pub fn canonical_expression(expr: &Expr) -> String {
    let mut expr = strip_parens(expr).clone();
    let _ = sqlparser::ast::visit_expressions_mut(&mut expr, |expr| {
        canonicalize(expr);
        ControlFlow::<()>::Continue(())
    });
    expr.to_string()
}

pub(super) fn canonical_query(query: &Query) -> String {
    let mut query = query.clone();
    let _ = sqlparser::ast::visit_expressions_mut(&mut query, |expr| {
        canonicalize(expr);
        ControlFlow::<()>::Continue(())
    });
    query.to_string()
}

fn canonical_ident(ident: &mut Ident) {
    let name = identifier(ident);
    ident.quote_style = needs_quotes(&name).then_some('"');
    ident.value = name;
}

/// Rewrites one node into canonical spelling (children were visited first).
pub(super) fn canonicalize(expr: &mut Expr) {
    match expr {
        Expr::Identifier(ident) => canonical_ident(ident),
        Expr::CompoundIdentifier(idents) => idents.iter_mut().for_each(canonical_ident),
        Expr::Function(function) => canonical_function(function),
        Expr::Cast { .. } => canonical_cast(expr),
        Expr::TypedString(typed) => {
            // `DATE '2024-01-01'` is stored as a cast constant.
            let type_name = format_type(&typed.data_type);
            *expr = Expr::Cast {
                kind: CastKind::DoubleColon,
                expr: Box::new(Expr::Value(typed.value.clone())),
                data_type: DataType::Custom(ObjectName::from(vec![Ident::new(type_name)]), vec![]),
                format: None,
            };
        }
        _ => {}
    }
}

/// A function call as PostgreSQL prints it: unqualified where the default search_path finds
/// it, its name canonical, SQL syntax in capitals, a sequence argument as a regclass.
fn canonical_function(function: &mut Function) {
    if matches!(function.args, FunctionArguments::None) {
        // CURRENT_TIMESTAMP and friends, which PostgreSQL prints in capitals.
        for part in &mut function.name.0 {
            if let ObjectNamePart::Identifier(ident) = part {
                ident.value = ident.value.to_ascii_uppercase();
            }
        }
        return;
    }
    // Functions of pg_catalog and public are visible with the default search_path:
    // PostgreSQL prints them unqualified (pg_dump qualifies them).
    if function.name.0.len() == 2
        && function.name.0[0].as_ident().is_some_and(|i| {
            i.value.eq_ignore_ascii_case("pg_catalog") || i.value.eq_ignore_ascii_case(PUBLIC)
        })
    {
        function.name.0.remove(0);
    }
    for part in &mut function.name.0 {
        if let ObjectNamePart::Identifier(ident) = part {
            canonical_ident(ident);
        }
    }
    sql_syntax_in_capitals(function);
    // nextval('seq') takes a regclass; PostgreSQL stores and prints the cast.
    if matches!(
        last_identifier(&function.name).as_str(),
        "nextval" | "currval" | "setval"
    ) && let FunctionArguments::List(list) = &mut function.args
        && let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(first))) = list.args.first_mut()
        && let Some(text) = string_literal(first)
    {
        *first = regclass_cast(text);
    }
}

/// Calls that are not functions to PostgreSQL but SQL syntax are printed in capitals (and
/// NORMALIZE's form too: `NORMALIZE(name, NFKC)`).
fn sql_syntax_in_capitals(function: &mut Function) {
    let [ObjectNamePart::Identifier(ident)] = function.name.0.as_mut_slice() else {
        return;
    };
    if !SQL_SYNTAX_FUNCTIONS.contains(&ident.value.as_str()) {
        return;
    }
    ident.value = ident.value.to_ascii_uppercase();
    ident.quote_style = None;
    if ident.value == "NORMALIZE"
        && let FunctionArguments::List(list) = &mut function.args
        && let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Identifier(form)))) =
            list.args.get_mut(1)
    {
        form.value = form.value.to_ascii_uppercase();
        form.quote_style = None;
    }
}

/// A cast as PostgreSQL prints it: `::` and the type's canonical name, a string cast to
/// regclass as a regclass constant, parentheses only around what is not atomic.
fn canonical_cast(expr: &mut Expr) {
    let Expr::Cast {
        kind,
        expr: inner,
        data_type,
        ..
    } = expr
    else {
        return;
    };
    let type_name = format_type(data_type);
    if type_name == "regclass"
        && let Some(text) = string_literal(inner)
    {
        *expr = regclass_cast(text);
        return;
    }
    *data_type = DataType::Custom(ObjectName::from(vec![Ident::new(type_name)]), vec![]);
    // `(0)::numeric` is `0::numeric`: parentheses around an atom say nothing.
    if let Expr::Nested(nested) = inner.as_mut()
        && is_atom(nested)
    {
        let atom = std::mem::replace(nested.as_mut(), Expr::Value(Value::Null.into()));
        **inner = atom;
    }
    // PostgreSQL prints every cast as `::`, parenthesising what is not atomic.
    if *kind == CastKind::Cast {
        *kind = CastKind::DoubleColon;
        if !is_atom(inner) && !matches!(inner.as_ref(), Expr::Nested(_) | Expr::Cast { .. }) {
            let taken = std::mem::replace(inner.as_mut(), Expr::Value(Value::Null.into()));
            **inner = Expr::Nested(Box::new(taken));
        }
    }
}

fn is_atom(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Value(_) | Expr::Function(_)
    )
}

/// What looks like a function call but is SQL syntax to PostgreSQL, which prints it in
/// capitals (`COALESCE(a, 0)`).
const SQL_SYNTAX_FUNCTIONS: &[&str] = &["coalesce", "greatest", "least", "normalize", "nullif"];

/// `'name'::regclass` with the name folded and unqualified in `public`.
fn regclass_cast(text: &str) -> Expr {
    let parts = parse_qualified_text(text);
    let name = match parts.as_slice() {
        [.., schema, name] => QualifiedName::new(schema.clone(), name.clone()),
        [name] => QualifiedName::new(PUBLIC, name.clone()),
        [] => QualifiedName::default(),
    };
    Expr::Cast {
        kind: CastKind::DoubleColon,
        expr: Box::new(Expr::Value(
            Value::SingleQuotedString(regclass_text(&name)).into(),
        )),
        data_type: DataType::Custom(ObjectName::from(vec![Ident::new("regclass")]), vec![]),
        format: None,
    }
}

pub(super) fn string_literal(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Value(value) => match &value.value {
            Value::SingleQuotedString(text) => Some(text),
            _ => None,
        },
        _ => None,
    }
}

pub(super) fn function_arguments(arguments: &FunctionArguments) -> impl Iterator<Item = &Expr> {
    let list = match arguments {
        FunctionArguments::List(list) => list.args.as_slice(),
        _ => &[],
    };
    list.iter().filter_map(|argument| match argument {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(expr)) => Some(expr),
        _ => None,
    })
}

/// Column names (the last part of each identifier) an expression reads.
pub(super) fn referenced_identifiers(expr: &Expr) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let _ = sqlparser::ast::visit_expressions(expr, |expr| {
        match expr {
            Expr::Identifier(ident) => {
                names.insert(identifier(ident));
            }
            Expr::CompoundIdentifier(idents) => {
                if let Some(last) = idents.last() {
                    names.insert(identifier(last));
                }
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    names
}

/// Reads back an expression the catalog stored (always sqlparser's own output).
pub(super) fn reparse_expression(text: &str) -> Option<Expr> {
    let statements = parse_sql(&format!("SELECT {text}")).ok()?;
    let Some(Statement::Query(query)) = statements.into_iter().next() else {
        return None;
    };
    let SetExpr::Select(select) = *query.body else {
        return None;
    };
    match select.projection.into_iter().next()? {
        SelectItem::UnnamedExpr(expr) => Some(expr),
        _ => None,
    }
}

pub(super) fn expression_mentions(text: &str, column: &str) -> bool {
    reparse_expression(text).is_some_and(|expr| referenced_identifiers(&expr).contains(column))
}

pub(super) fn rename_in_expression(text: &str, old: &str, new: &str) -> String {
    let Some(mut expr) = reparse_expression(text) else {
        return text.to_string();
    };
    let renamed = |ident: &mut Ident| {
        if identifier(ident) == old {
            *ident = Ident::new(new);
            canonical_ident(ident);
        }
    };
    let _ = sqlparser::ast::visit_expressions_mut(&mut expr, |expr| {
        match expr {
            Expr::Identifier(ident) => renamed(ident),
            Expr::CompoundIdentifier(idents) => {
                if let Some(last) = idents.last_mut() {
                    renamed(last);
                }
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    expr.to_string()
}

pub(super) fn index_uses_column(index: &Index, column: &str) -> bool {
    index.include.iter().any(|c| c == column)
        || index.keys.iter().any(|key| {
            if key.is_column {
                key.expression == column
            } else {
                expression_mentions(&key.expression, column)
            }
        })
        || index
            .predicate
            .as_deref()
            .is_some_and(|p| expression_mentions(p, column))
}

/// The relations a query names, as written: `(schema, name)`. CTE names are among them,
/// which at worst makes a view look like it depends on a table of the same name.
pub(super) fn relations_read(query: &Query) -> Vec<(Option<String>, String)> {
    let mut relations = Vec::new();
    let _ = sqlparser::ast::visit_relations(query, |relation| {
        relations.push(split_object_name(relation));
        ControlFlow::<()>::Continue(())
    });
    relations.sort();
    relations.dedup();
    relations
}

#[cfg(test)]
mod tests {
    use crate::model::ddl::test_support::*;

    #[test]
    fn expressions_are_kept_in_postgresqls_spelling() {
        let catalog = catalog(
            "CREATE SEQUENCE s;
             CREATE TYPE mood AS ENUM ('ok');
             CREATE TABLE defs (a date DEFAULT DATE '2024-01-01',
                 c varchar(10) DEFAULT 'x'::VARCHAR(10), d timestamptz DEFAULT NOW(),
                 e bigint DEFAULT nextval('S'), f text DEFAULT CURRENT_USER, g numeric DEFAULT 1.5,
                 h text DEFAULT 'plain', i mood DEFAULT 'ok', j jsonb DEFAULT '{}',
                 k bigint DEFAULT nextval('public.s'::regclass))",
        );
        let default = |c: &str| column(&catalog, "defs", c).default.clone().unwrap();
        assert_eq!(default("a"), "'2024-01-01'::date");
        assert_eq!(default("c"), "'x'::character varying(10)");
        assert_eq!(default("d"), "now()");
        assert_eq!(default("e"), "nextval('s'::regclass)");
        assert_eq!(default("f"), "CURRENT_USER");
        assert_eq!(default("g"), "1.5");
        assert_eq!(default("h"), "'plain'::text");
        assert_eq!(default("i"), "'ok'::mood");
        assert_eq!(default("j"), "'{}'::jsonb");
        assert_eq!(default("k"), "nextval('s'::regclass)");
    }
}
