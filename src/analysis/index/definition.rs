//! One index, existing or proposed, as planwise reasons about it: table, method, key parts,
//! `INCLUDE` columns, partial predicate and fill factor — and the SQL that creates it.

pub use crate::model::catalog::IndexMethod;
use crate::model::catalog::{Catalog, Index, QualifiedName};
use crate::model::ddl::quote_identifier;
use crate::sql::lexer::{Lexer, TokenKind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One key of an index: a column or an expression over columns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct KeyPart {
    /// The column name, or the expression as SQL.
    pub expression: String,
    pub is_column: bool,
    pub descending: bool,
    pub opclass: Option<String>,
}

impl KeyPart {
    pub fn column(name: &str) -> Self {
        KeyPart {
            expression: name.to_string(),
            is_column: true,
            descending: false,
            opclass: None,
        }
    }

    pub fn expression(sql: String) -> Self {
        KeyPart {
            expression: sql,
            is_column: false,
            descending: false,
            opclass: None,
        }
    }

    fn sql(&self) -> String {
        let mut text = if self.is_column {
            quote_identifier(&self.expression)
        } else {
            format!("({})", self.expression)
        };
        if let Some(opclass) = &self.opclass {
            text.push(' ');
            text.push_str(opclass);
        }
        if self.descending {
            text.push_str(" DESC");
        }
        text
    }
}

/// A partial index's `WHERE`: conditions that must all hold, each as SQL. Kept apart so
/// that a statement's own conditions are matched with it part by part, in any order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialCondition {
    parts: Vec<String>,
}

impl PartialCondition {
    pub fn new(parts: Vec<String>) -> Self {
        PartialCondition { parts }
    }

    /// A condition as written (an existing index's), cut at its top-level `AND`s; the `AND`
    /// of a `BETWEEN` stays in its part.
    pub fn parse(sql: &str) -> Self {
        let mut parts = Vec::new();
        let (mut depth, mut between, mut start) = (0usize, false, 0);
        let mut lexer = Lexer::new(sql.as_bytes());
        while let Some(token) = lexer.next_significant() {
            let word = &sql[token.start..token.end];
            match token.kind {
                TokenKind::OpenParen => depth += 1,
                TokenKind::CloseParen => depth = depth.saturating_sub(1),
                TokenKind::Word if depth == 0 && word.eq_ignore_ascii_case("between") => {
                    between = true;
                }
                TokenKind::Word if depth == 0 && word.eq_ignore_ascii_case("and") => {
                    if between {
                        between = false;
                    } else {
                        parts.push(sql[start..token.start].trim().to_string());
                        start = token.end;
                    }
                }
                _ => {}
            }
        }
        parts.push(sql[start..].trim().to_string());
        parts.retain(|part| !part.is_empty());
        PartialCondition { parts }
    }

    pub fn parts(&self) -> &[String] {
        &self.parts
    }

    /// The words of the condition that name one of `columns` (quoted or not).
    pub fn mentions<'c>(&self, columns: impl Iterator<Item = &'c str>) -> BTreeSet<&'c str> {
        let text = self.to_string();
        let mut words = BTreeSet::new();
        let mut lexer = Lexer::new(text.as_bytes());
        while let Some(token) = lexer.next_significant() {
            let word = &text[token.start..token.end];
            match token.kind {
                TokenKind::Word => words.insert(word.to_ascii_lowercase()),
                TokenKind::QuotedIdent => {
                    words.insert(word.trim_matches('"').replace("\"\"", "\""))
                }
                _ => false,
            };
        }
        columns.filter(|c| words.contains(*c)).collect()
    }
}

impl fmt::Display for PartialCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.parts.join(" AND "))
    }
}

impl Serialize for PartialCondition {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct IndexDef {
    pub table: QualifiedName,
    pub method: IndexMethod,
    pub keys: Vec<KeyPart>,
    pub include: Vec<String>,
    /// A partial index's `WHERE`.
    pub predicate: Option<PartialCondition>,
    /// `WITH (fillfactor = …)`: the share of each leaf page filled when built (PostgreSQL's
    /// default for a btree is 90).
    pub fillfactor: Option<u8>,
}

/// The existing indexes planwise can compare with (see [`IndexDef::of_existing`]), by table.
pub fn existing_by_table(catalog: &Catalog) -> BTreeMap<&QualifiedName, Vec<IndexDef>> {
    let mut by_table: BTreeMap<&QualifiedName, Vec<IndexDef>> = BTreeMap::new();
    for index in catalog.indexes.values() {
        if let Some(def) = IndexDef::of_existing(index) {
            by_table.entry(&index.table).or_default().push(def);
        }
    }
    by_table
}

impl IndexDef {
    pub fn btree(table: &QualifiedName, columns: &[&str]) -> Self {
        IndexDef {
            table: table.clone(),
            method: IndexMethod::Btree,
            keys: columns.iter().map(|c| KeyPart::column(c)).collect(),
            include: Vec::new(),
            predicate: None,
            fillfactor: None,
        }
    }

    /// The definition of an existing index, when its method is one planwise models (btree,
    /// GIN, BRIN).
    pub fn of_existing(index: &Index) -> Option<Self> {
        if !matches!(
            index.method,
            IndexMethod::Btree | IndexMethod::Gin | IndexMethod::Brin
        ) {
            return None;
        }
        Some(IndexDef {
            table: index.table.clone(),
            method: index.method.clone(),
            keys: index
                .keys
                .iter()
                .map(|key| KeyPart {
                    expression: key.expression.clone(),
                    is_column: key.is_column,
                    descending: key.descending,
                    opclass: key.opclass.clone(),
                })
                .collect(),
            include: index.include.clone(),
            predicate: index.predicate.as_deref().map(PartialCondition::parse),
            fillfactor: None,
        })
    }

    /// Key columns (plain columns only), in order.
    pub fn key_columns(&self) -> Vec<&str> {
        self.keys
            .iter()
            .filter(|k| k.is_column)
            .map(|k| k.expression.as_str())
            .collect()
    }

    /// Whether the index is whole (not partial) and its first keys are `columns`, in any
    /// order: what the lookups of a foreign key on those columns need.
    pub fn leads_with(&self, columns: &[String]) -> bool {
        self.predicate.is_none()
            && self.keys.len() >= columns.len()
            && columns.iter().all(|c| {
                self.keys[..columns.len()]
                    .iter()
                    .any(|k| k.is_column && &k.expression == c)
            })
    }

    /// Key and `INCLUDE` columns: what an index-only scan can return.
    pub fn covered_columns(&self) -> impl Iterator<Item = &str> {
        self.key_columns()
            .into_iter()
            .chain(self.include.iter().map(String::as_str))
    }

    /// A name in PostgreSQL's style (`orders_customer_id_created_at_idx`), at most 63 bytes.
    pub fn name(&self) -> String {
        let mut parts = vec![self.table.name.clone()];
        for key in &self.keys {
            // `(prefs ->> 'sso_id')` → `prefs_sso_id`: one `_` for each run of punctuation.
            let words: Vec<&str> = key
                .expression
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .map(|word| word.trim_matches('_'))
                .filter(|word| !word.is_empty())
                .collect();
            parts.push(words.join("_"));
        }
        if self
            .keys
            .iter()
            .any(|k| k.opclass.as_deref().is_some_and(|o| o.contains("trgm")))
        {
            parts.push("trgm".into());
        }
        if self.predicate.is_some() {
            parts.push("partial".into());
        }
        let stem = parts.join("_");
        format!("{}_idx", truncated(&stem, 59).trim_end_matches('_'))
    }

    /// `CREATE INDEX [CONCURRENTLY] name ON table USING method (…) INCLUDE (…) WITH (…)
    /// WHERE …`.
    pub fn create_sql(&self, concurrently: bool) -> String {
        self.create_sql_named(&self.name(), concurrently)
    }

    pub fn create_sql_named(&self, name: &str, concurrently: bool) -> String {
        let mut sql = format!(
            "CREATE INDEX {}{} ON {} USING {} ({})",
            if concurrently { "CONCURRENTLY " } else { "" },
            quote_identifier(name),
            qualified(&self.table),
            self.method.as_str(),
            self.keys
                .iter()
                .map(KeyPart::sql)
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !self.include.is_empty() {
            let include: Vec<String> = self.include.iter().map(|c| quote_identifier(c)).collect();
            sql.push_str(&format!(" INCLUDE ({})", include.join(", ")));
        }
        if let Some(fillfactor) = self.fillfactor {
            sql.push_str(&format!(" WITH (fillfactor = {fillfactor})"));
        }
        if let Some(predicate) = &self.predicate {
            sql.push_str(&format!(" WHERE {predicate}"));
        }
        sql
    }
}

/// At most `max` bytes of `text`, cut at a character boundary (PostgreSQL's identifiers
/// are 63 bytes at most).
pub fn truncated(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `schema.table`, quoted where needed.
pub fn qualified(name: &QualifiedName) -> String {
    format!(
        "{}.{}",
        quote_identifier(&name.schema),
        quote_identifier(&name.name)
    )
}

impl fmt::Display for IndexDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<String> = self.keys.iter().map(KeyPart::sql).collect();
        // A btree is the default; another method is named, or a BRIN and a btree on the
        // same column would read the same.
        match &self.method {
            IndexMethod::Btree => write!(f, "{}({})", self.table.name, keys.join(", "))?,
            other => write!(
                f,
                "{} USING {} ({})",
                self.table.name,
                other.as_str(),
                keys.join(", ")
            )?,
        }
        if !self.include.is_empty() {
            write!(f, " INCLUDE ({})", self.include.join(", "))?;
        }
        if let Some(fillfactor) = self.fillfactor {
            write!(f, " WITH (fillfactor = {fillfactor})")?;
        }
        if let Some(predicate) = &self.predicate {
            write!(f, " WHERE {predicate}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_condition_is_cut_at_its_top_level_ands_only() {
        let condition = PartialCondition::parse(
            "status = 'a and b' AND qty BETWEEN 1 AND 5 AND (x = 1 AND y = 2) and deleted_at IS NULL",
        );
        assert_eq!(
            condition.parts(),
            [
                "status = 'a and b'",
                "qty BETWEEN 1 AND 5",
                "(x = 1 AND y = 2)",
                "deleted_at IS NULL"
            ]
        );
        assert_eq!(
            condition.to_string(),
            "status = 'a and b' AND qty BETWEEN 1 AND 5 AND (x = 1 AND y = 2) AND deleted_at IS NULL"
        );
    }

    #[test]
    fn ddl_quotes_what_needs_quotes_and_names_stay_under_63_bytes() {
        let table = QualifiedName::new("public", "Orders");
        let mut index = IndexDef::btree(&table, &["customer_id", "Created At"]);
        index.keys[1].descending = true;
        index.include = vec!["total".into()];
        index.predicate = Some(PartialCondition::parse("status = 'pending'"));
        index.fillfactor = Some(100);
        assert_eq!(
            index.create_sql(true),
            "CREATE INDEX CONCURRENTLY \"Orders_customer_id_Created_At_partial_idx\" ON \
             public.\"Orders\" USING btree (customer_id, \"Created At\" DESC) INCLUDE (total) \
             WITH (fillfactor = 100) WHERE status = 'pending'"
        );
        let long = IndexDef::btree(&table, &["a_very_long_column_name_number_one", "and_two_x"]);
        assert!(long.name().len() <= 63, "{}", long.name());
        assert!(long.name().ends_with("_idx"));
    }
}
