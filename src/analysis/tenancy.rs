//! The tenancy model of a schema: which column would distribute each table across shards
//! (a tenant key: a root table the others reference, or a tenant-like column many tables
//! share), what each table would be under it (distributed, a reference table, or lacking
//! the key), and where a statement would run (one shard, co-located shards, or a
//! repartition). Pure; SHARD001 weighs it by the logged traffic, PART001 reads tenant-like
//! column names from it.

use crate::analysis::facts::{Access, JoinEdge, Operand, Operator, Predicate, QueryFacts};
use crate::model::catalog::{Catalog, QualifiedName, Table};
use petgraph::unionfind::UnionFind;
use std::collections::{BTreeMap, BTreeSet};

/// Tables that must share a tenant key for the schema to count as multi-tenant.
pub const MIN_TENANT_TABLES: usize = 3;
/// A table known to be smaller than this can be copied to every node (a reference table).
pub const REFERENCE_ROWS: f64 = 100_000.0;
/// Words that name the tenant a row belongs to, in a key like `tenant_id`.
const TENANT_WORDS: [&str; 9] = [
    "tenant",
    "account",
    "org",
    "organization",
    "organisation",
    "customer",
    "workspace",
    "company",
    "client",
];

/// Whether the name is a tenant-like key: `tenant_id`, `accountId`, `billing_account_id`,
/// `org`.
pub fn is_tenant_like(name: &str) -> bool {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() || (c.is_uppercase() && previous_lower) {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_lowercase();
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        }
    }
    words.push(word);
    words.retain(|w| !w.is_empty());
    let words = match words.as_slice() {
        [rest @ .., last] if last == "id" => rest,
        all => all,
    };
    words
        .last()
        .is_some_and(|last| TENANT_WORDS.contains(&last.as_str()))
}

/// A tenant key: the column each table would be distributed by.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantKey {
    /// `public.accounts.id` for a root table's key, `tenant_id` for a shared column name.
    pub label: String,
    /// The table the others reference, when there is one.
    pub root: Option<QualifiedName>,
    pub columns: BTreeMap<QualifiedName, String>,
}

/// User tables, not partitions (the partitioned table stands for them).
pub fn user_tables(catalog: &Catalog) -> impl Iterator<Item = &Table> {
    catalog
        .tables
        .values()
        .filter(|t| !t.name.is_system() && t.partition_of.is_none())
}

/// The single column of a table's primary key.
pub fn single_key(table: &Table) -> Option<&str> {
    match table.primary_key.as_ref()?.columns.as_slice() {
        [column] => Some(column),
        _ => None,
    }
}

/// The tenant keys the catalog shows: root tables first, then shared column names; each key
/// once.
pub fn candidates(catalog: &Catalog) -> Vec<TenantKey> {
    let mut keys: Vec<TenantKey> = Vec::new();
    for key in root_keys(catalog).chain(column_keys(catalog)) {
        if !keys.iter().any(|known| known.columns == key.columns) {
            keys.push(key);
        }
    }
    keys
}

/// The one-column foreign key by which `table` references `root`'s key, first by name.
pub fn referencing_column<'t>(table: &'t Table, root: &Table, key: &str) -> Option<&'t str> {
    table
        .foreign_keys
        .iter()
        .filter(|fk| fk.references == root.name && fk.referenced_columns.iter().all(|c| c == key))
        .filter_map(|fk| match fk.columns.as_slice() {
            [column] => Some(column.as_str()),
            _ => None,
        })
        .min()
}

/// Tables referenced by at least `MIN_TENANT_TABLES` others; tables that carry the
/// referencing column's name without a foreign key are counted in too.
pub fn root_keys(catalog: &Catalog) -> impl Iterator<Item = TenantKey> + '_ {
    // Who references whom, once: asked of every table in turn it was quadratic.
    let mut referrers: BTreeMap<&QualifiedName, Vec<&Table>> = BTreeMap::new();
    for table in user_tables(catalog) {
        let referenced: BTreeSet<&QualifiedName> =
            table.foreign_keys.iter().map(|fk| &fk.references).collect();
        for root in referenced {
            referrers.entry(root).or_default().push(table);
        }
    }
    user_tables(catalog).filter_map(move |root| {
        let key = single_key(root)?;
        let referencing: BTreeMap<QualifiedName, String> = referrers
            .get(&root.name)?
            .iter()
            .filter(|t| t.name != root.name)
            .filter_map(|t| {
                Some((
                    t.name.clone(),
                    referencing_column(t, root, key)?.to_string(),
                ))
            })
            .collect();
        if referencing.len() < MIN_TENANT_TABLES {
            return None;
        }
        let mut columns = referencing;
        if let Some(name) = most_common(columns.values()) {
            for table in user_tables(catalog).filter(|t| t.name != root.name) {
                if table.column(&name).is_some() {
                    columns.entry(table.name.clone()).or_insert(name.clone());
                }
            }
        }
        columns.insert(root.name.clone(), key.to_string());
        Some(TenantKey {
            label: format!("{}.{key}", root.name),
            root: Some(root.name.clone()),
            columns,
        })
    })
}

pub fn most_common<'a>(names: impl Iterator<Item = &'a String>) -> Option<String> {
    let mut counts: BTreeMap<&String, usize> = BTreeMap::new();
    for name in names {
        *counts.entry(name).or_default() += 1;
    }
    let top = counts.values().copied().max()?;
    counts
        .into_iter()
        .find(|(_, count)| *count == top)
        .map(|(name, _)| name.clone())
}

/// Tenant-like column names found in at least `MIN_TENANT_TABLES` tables; the table their
/// foreign keys reference (by its one-column key) is distributed by that key.
pub fn column_keys(catalog: &Catalog) -> impl Iterator<Item = TenantKey> + '_ {
    let mut by_name: BTreeMap<&str, BTreeSet<&QualifiedName>> = BTreeMap::new();
    for table in user_tables(catalog) {
        for column in table.columns.iter().filter(|c| is_tenant_like(&c.name)) {
            by_name.entry(&column.name).or_default().insert(&table.name);
        }
    }
    by_name
        .into_iter()
        .filter(|(_, tables)| tables.len() >= MIN_TENANT_TABLES)
        .map(move |(name, tables)| {
            let mut columns: BTreeMap<QualifiedName, String> = tables
                .iter()
                .map(|t| ((*t).clone(), name.to_string()))
                .collect();
            let mut root = None;
            let referenced = tables
                .iter()
                .filter_map(|t| catalog.tables.get(*t))
                .flat_map(|t| {
                    t.foreign_keys
                        .iter()
                        .filter(|fk| fk.columns == [name])
                        .map(|fk| &fk.references)
                });
            for referenced in referenced {
                if let Some(key) = catalog.tables.get(referenced).and_then(single_key)
                    && !columns.contains_key(referenced)
                {
                    columns.insert(referenced.clone(), key.to_string());
                    root.get_or_insert_with(|| referenced.clone());
                }
            }
            TenantKey {
                label: name.to_string(),
                root,
                columns,
            }
        })
}

/// What each table would be under a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Distributed(String),
    Reference,
    LacksKey,
}

pub struct Roles {
    roles: BTreeMap<QualifiedName, Role>,
}

impl Roles {
    /// Each table's role; `known_rows` says how large a table is when that is known.
    pub fn new(
        catalog: &Catalog,
        key: &TenantKey,
        known_rows: impl Fn(&Table) -> Option<f64>,
    ) -> Roles {
        let roles = user_tables(catalog)
            .map(|table| {
                let role = match key.columns.get(&table.name) {
                    Some(column) => Role::Distributed(column.clone()),
                    None if known_rows(table).is_some_and(|r| r < REFERENCE_ROWS) => {
                        Role::Reference
                    }
                    None => Role::LacksKey,
                };
                (table.name.clone(), role)
            })
            .collect();
        Roles { roles }
    }

    pub fn role(&self, table: &QualifiedName) -> Option<&Role> {
        self.roles.get(table)
    }

    pub fn column(&self, table: &QualifiedName) -> Option<&str> {
        match self.roles.get(table)? {
            Role::Distributed(column) => Some(column),
            _ => None,
        }
    }

    /// Whether a join keeps rows on their shard: both sides are distribution columns.
    pub fn is_co_located(&self, join: &JoinEdge) -> bool {
        [&join.left, &join.right]
            .iter()
            .all(|side| self.column(&side.table) == Some(side.column.as_str()))
    }

    pub fn with_role<'r>(&'r self, wanted: &'r Role) -> impl Iterator<Item = &'r QualifiedName> {
        self.roles
            .iter()
            .filter(move |(_, role)| *role == wanted)
            .map(|(table, _)| table)
    }

    pub fn distributed(&self) -> impl Iterator<Item = (&QualifiedName, &str)> {
        self.roles.iter().filter_map(|(table, role)| match role {
            Role::Distributed(column) => Some((table, column.as_str())),
            _ => None,
        })
    }
}

/// Where a statement would run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    SingleShard,
    CoLocated,
    Repartition,
}

/// The value a distributed table is pinned to, when a statement pins it.
pub fn pin<'f>(facts: &'f QueryFacts, table: &QualifiedName, column: &str) -> Option<Pin<'f>> {
    let inserted = facts
        .tables
        .iter()
        .any(|t| &t.table == table && t.access == Access::Insert)
        && facts
            .written_columns
            .iter()
            .any(|c| &c.table == table && c.column == column);
    if inserted {
        return Some(Pin::Inserted);
    }
    facts
        .predicates
        .iter()
        .find(|p| &p.column.table == table && p.column.column == column && pins(p))
        .map(|p| Pin::Value(&p.value))
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pin<'f> {
    /// The row's own value decides its shard.
    Inserted,
    Value(&'f Operand),
}

pub fn pins(predicate: &Predicate) -> bool {
    predicate.wrapped_in.is_none()
        && matches!(
            predicate.value,
            Operand::Constant(_) | Operand::Parameter { .. } | Operand::List(_)
        )
        && matches!(
            predicate.operator,
            Operator::Eq | Operator::In { .. } | Operator::Any
        )
}

/// Where the statement would run under `roles`; `None` when it touches no user table (or
/// one the catalog does not know).
pub fn place(facts: &QueryFacts, roles: &Roles) -> Option<Placement> {
    let tables: BTreeSet<&QualifiedName> = facts
        .tables
        .iter()
        .map(|t| &t.table)
        .filter(|t| !t.is_system())
        .collect();
    if tables.is_empty() || !facts.unresolved.is_empty() {
        return None;
    }
    let mut sharded: Vec<&QualifiedName> = Vec::new();
    for table in tables {
        match roles.roles.get(table)? {
            Role::Reference => {}
            Role::Distributed(_) | Role::LacksKey => sharded.push(table),
        }
    }
    // Reference tables alone: any node has them.
    if sharded.is_empty() {
        return Some(Placement::SingleShard);
    }
    let index = |table: &QualifiedName| sharded.iter().position(|t| *t == table);
    let mut groups = UnionFind::<usize>::new(sharded.len());
    for join in facts.joins.iter().filter(|j| roles.is_co_located(j)) {
        if let (Some(a), Some(b)) = (index(&join.left.table), index(&join.right.table)) {
            groups.union(a, b);
        }
    }
    let mut pins_by_group: BTreeMap<usize, Pin<'_>> = BTreeMap::new();
    for (at, table) in sharded.iter().enumerate() {
        let found = roles.column(table).and_then(|c| pin(facts, table, c));
        if let Some(found) = found {
            pins_by_group.entry(groups.find(at)).or_insert(found);
        }
    }
    let group_count = (0..sharded.len())
        .map(|at| groups.find(at))
        .collect::<BTreeSet<_>>()
        .len();
    let pinned_alike = pins_by_group.len() == group_count && {
        let mut values = pins_by_group.values();
        let first = values.next();
        values.all(|p| Some(p) == first)
    };
    Some(if pinned_alike {
        Placement::SingleShard
    } else if group_count == 1 {
        Placement::CoLocated
    } else {
        Placement::Repartition
    })
}
