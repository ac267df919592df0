//! Identifiers and literals the way PostgreSQL stores and prints them: unquoted names folded
//! to lower case and cut to 63 bytes, `quote_identifier`'s quoting (its keyword list is here),
//! string constants, and relation names inside `'…'::regclass`.

use super::{MAX_IDENTIFIER_BYTES, PUBLIC};
use crate::model::catalog::QualifiedName;
use sqlparser::ast::{Ident, ObjectName, ObjectNamePart};

/// An identifier as PostgreSQL stores it: unquoted folded to lower case (ASCII only, as
/// PostgreSQL does), quoted as written; truncated to 63 bytes.
pub fn identifier(ident: &Ident) -> String {
    truncate_identifier(folded_identifier(ident))
}

/// An identifier folded as PostgreSQL folds it but not yet truncated: what was meant, for
/// telling when PostgreSQL will cut it short.
pub fn folded_identifier(ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_ascii_lowercase()
    }
}

fn truncate_identifier(mut name: String) -> String {
    if name.len() > MAX_IDENTIFIER_BYTES {
        let end = floor_char_boundary(&name, MAX_IDENTIFIER_BYTES);
        name.truncate(end);
    }
    name
}

pub(super) fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

pub(super) fn part_identifier(part: &ObjectNamePart) -> String {
    match part.as_ident() {
        Some(ident) => identifier(ident),
        None => truncate_identifier(part.to_string().to_ascii_lowercase()),
    }
}

pub(super) fn last_identifier(name: &ObjectName) -> String {
    name.0.last().map(part_identifier).unwrap_or_default()
}

/// `(schema, name)` of a possibly qualified name; a database prefix is ignored.
pub(super) fn split_object_name(name: &ObjectName) -> (Option<String>, String) {
    let parts: Vec<String> = name.0.iter().map(part_identifier).collect();
    match parts.as_slice() {
        [.., schema, name] => (Some(schema.clone()), name.clone()),
        [name] => (None, name.clone()),
        [] => (None, String::new()),
    }
}

pub(super) fn display_object_name(name: &ObjectName) -> String {
    name.0
        .iter()
        .map(part_identifier)
        .collect::<Vec<_>>()
        .join(".")
}

/// PostgreSQL's keywords other than the unreserved ones (`pg_get_keywords()` of PostgreSQL
/// 15, categories R, C and T): `quote_identifier` quotes them.
const QUOTED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

pub(super) fn needs_quotes(name: &str) -> bool {
    let mut bytes = name.bytes();
    let plain = bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    !plain || QUOTED_KEYWORDS.binary_search(&name).is_ok()
}

/// PostgreSQL's `quote_identifier`: double quotes only where the name needs them.
pub fn quote_identifier(name: &str) -> String {
    if needs_quotes(name) {
        format!("\"{}\"", name.replace('"', "\"\""))
    } else {
        name.to_string()
    }
}

/// A string constant as a column default: PostgreSQL coerces it to the column's type when
/// the default is defined, and prints it back with that cast.
pub(super) fn typed_literal(literal: &str, data_type: &str) -> String {
    format!("{}::{data_type}", quote_literal(literal))
}

pub fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// How a relation is named in a `'…'::regclass` constant: unqualified in `public`.
pub(super) fn regclass_text(name: &QualifiedName) -> String {
    if name.schema == PUBLIC {
        quote_identifier(&name.name)
    } else {
        format!(
            "{}.{}",
            quote_identifier(&name.schema),
            quote_identifier(&name.name)
        )
    }
}

/// A qualified name written inside a string (`'public."Seq"'`), split and folded.
pub(super) fn parse_qualified_text(text: &str) -> Vec<String> {
    split_identifiers(text, '.')
}

/// Identifiers separated by `separator` as text: double quotes keep case (and `""` is a
/// quote), the rest folds to lower case; white space outside quotes is dropped.
pub(super) fn split_identifiers(text: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                current.push('"');
            }
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            c if c == separator && !quoted => {
                parts.push(fold_part(std::mem::take(&mut current), was_quoted));
                was_quoted = false;
            }
            c if !quoted && c.is_whitespace() => {}
            c => current.push(c),
        }
    }
    parts.push(fold_part(current, was_quoted));
    parts
}

fn fold_part(part: String, quoted: bool) -> String {
    if quoted {
        part
    } else {
        part.to_ascii_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ddl::test_support::*;

    #[test]
    fn identifiers_fold_unless_quoted() {
        let catalog = catalog("CREATE TABLE Mixed (\"Keep\" int, Fold int, \"order\" int)");
        let columns: Vec<&str> = table(&catalog, "mixed")
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(columns, ["Keep", "fold", "order"]);
        assert_eq!(quote_identifier("order"), "\"order\"");
        assert_eq!(quote_identifier("Keep"), "\"Keep\"");
        assert_eq!(quote_identifier("status"), "status");
        assert!(
            QUOTED_KEYWORDS.windows(2).all(|w| w[0] < w[1]),
            "sorted for binary search"
        );
    }
}
