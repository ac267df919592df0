//! The join graph of the workload: tables as nodes, the column pairs queries join them on as
//! edges, weighted by how often and how long the workload runs those joins. Built from the
//! query facts; rendered as Mermaid (Markdown) and DOT.

use super::facts::{ColumnRef, JoinEdge, QueryFacts, shown_wrapped};
use super::facts::{Operand, Operator};
use crate::model::catalog::{Catalog, QualifiedName};
use crate::model::session::{LoopStats, is_loop_pattern};
use crate::model::workload::Profile;
use petgraph::graph::{EdgeIndex, NodeIndex, UnGraph};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

#[derive(Debug, Clone, Serialize)]
pub struct TableNode {
    pub table: QualifiedName,
    /// Estimated rows, when the catalog has statistics.
    pub rows: Option<f64>,
}

/// How the workload joins two tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// A statement joins them (`JOIN … ON`, `WHERE a.x = b.y`, a correlated subquery).
    Statement,
    /// The application does: an N+1 loop looks up the child table's rows one parent key at a
    /// time (`left` is the child's looked-up column, `right` the parent's key).
    ApplicationLoop,
}

#[derive(Debug, Clone, Serialize)]
pub struct JoinStats {
    pub kind: EdgeKind,
    pub left: ColumnRef,
    pub right: ColumnRef,
    /// Fingerprints of the queries that join on this pair.
    pub queries: BTreeSet<String>,
    pub calls: u64,
    pub total_ms: f64,
    /// The two columns' types when they differ (an implicit cast may keep an index unused).
    pub type_mismatch: Option<(String, String)>,
    /// The cast or function a side is joined through (`id::text`), by any statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_wrapped_in: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub right_wrapped_in: Option<String>,
}

impl JoinStats {
    /// Counts one fingerprint's calls and time on the edge, once.
    fn add(&mut self, fingerprint: u64, calls: u64, total_us: u64) {
        if self
            .queries
            .insert(crate::sql::fingerprint::format_id(fingerprint))
        {
            self.calls += calls;
            self.total_ms += total_us as f64 / 1000.0;
        }
    }

    /// The left side as the statements compare it: `id::text`, or the bare column.
    pub fn left_shown(&self) -> String {
        shown(&self.left, self.left_wrapped_in.as_deref())
    }

    pub fn right_shown(&self) -> String {
        shown(&self.right, self.right_wrapped_in.as_deref())
    }

    /// Whether a statement joins this pair through a cast or function.
    pub fn is_wrapped(&self) -> bool {
        self.left_wrapped_in.is_some() || self.right_wrapped_in.is_some()
    }
}

struct Builder<'a> {
    graph: UnGraph<TableNode, JoinStats>,
    nodes: BTreeMap<QualifiedName, NodeIndex>,
    edges: BTreeMap<(EdgeKind, ColumnRef, ColumnRef), EdgeIndex>,
    catalog: Option<&'a Catalog>,
}

impl Builder<'_> {
    fn node(&mut self, table: &QualifiedName) -> NodeIndex {
        if let Some(index) = self.nodes.get(table) {
            return *index;
        }
        let rows = self
            .catalog
            .and_then(|c| c.tables.get(table))
            .and_then(|t| t.stats.as_ref())
            .and_then(|s| s.rows);
        let index = self.graph.add_node(TableNode {
            table: table.clone(),
            rows,
        });
        self.nodes.insert(table.clone(), index);
        index
    }

    /// The edge of this kind between the two columns, made on first use.
    fn edge(&mut self, kind: EdgeKind, left: &ColumnRef, right: &ColumnRef) -> &mut JoinStats {
        let key = (kind, left.clone(), right.clone());
        let index = match self.edges.get(&key) {
            Some(index) => *index,
            None => {
                let (a, b) = (self.node(&left.table), self.node(&right.table));
                let type_mismatch = match kind {
                    EdgeKind::Statement => type_mismatch(self.catalog, left, right),
                    EdgeKind::ApplicationLoop => None,
                };
                let index = self.graph.add_edge(
                    a,
                    b,
                    JoinStats {
                        kind,
                        left: left.clone(),
                        right: right.clone(),
                        queries: BTreeSet::new(),
                        calls: 0,
                        total_ms: 0.0,
                        type_mismatch,
                        left_wrapped_in: None,
                        right_wrapped_in: None,
                    },
                );
                self.edges.insert(key, index);
                index
            }
        };
        &mut self.graph[index]
    }
}

/// The joins the application makes in N+1 loops: ((the child's looked-up column, its
/// fingerprint), the parent's key, the loops' stats) for each loop pattern (as BAT001 counts
/// one) whose looked-up column is a foreign key to a table the parent statement reads.
fn application_joins<'a>(
    facts: &'a BTreeMap<u64, QueryFacts>,
    profile: &'a Profile,
    catalog: &'a Catalog,
) -> impl Iterator<Item = ((ColumnRef, u64), ColumnRef, &'a LoopStats)> + 'a {
    profile
        .loops
        .iter()
        .filter_map(move |(&(parent, child), loops)| {
            let varying = loops.loops - loops.repeated_value_loops;
            if !is_loop_pattern(varying, loops.median_size()) {
                return None;
            }
            let (parent_facts, child_facts) = (facts.get(&parent?)?, facts.get(&child)?);
            let looked_up = child_facts
                .predicates
                .iter()
                .find(|p| {
                    p.operator == Operator::Eq
                        && p.wrapped_in.is_none()
                        && matches!(p.value, Operand::Constant(_) | Operand::Parameter { .. })
                })?
                .column
                .clone();
            let key = parent_facts
                .tables
                .iter()
                .filter(|t| t.table != looked_up.table)
                .find_map(|t| parent_key(catalog, &looked_up, &t.table))?;
            Some(((looked_up, child), key, loops))
        })
}

/// The column of `parent` that `looked_up`'s one-column foreign key references.
fn parent_key(
    catalog: &Catalog,
    looked_up: &ColumnRef,
    parent: &QualifiedName,
) -> Option<ColumnRef> {
    let child_table = catalog.tables.get(&looked_up.table)?;
    let referenced = child_table.foreign_keys.iter().find_map(|fk| {
        (fk.references == *parent && fk.columns == [looked_up.column.clone()])
            .then(|| fk.referenced_columns.first().cloned())
            .flatten()
    })?;
    Some(ColumnRef {
        table: parent.clone(),
        column: referenced,
    })
}

fn shown(column: &ColumnRef, wrapped_in: Option<&str>) -> String {
    match wrapped_in {
        Some(wrapper) => shown_wrapped(&column.column, wrapper),
        None => column.column.clone(),
    }
}

/// The edge with its sides in a fixed order (the smaller column first), wrappers following
/// their sides, so `a = b` and `b = a` are one edge.
fn ordered(join: &JoinEdge) -> (&ColumnRef, &ColumnRef, &Option<String>, &Option<String>) {
    if join.left <= join.right {
        (
            &join.left,
            &join.right,
            &join.left_wrapped_in,
            &join.right_wrapped_in,
        )
    } else {
        (
            &join.right,
            &join.left,
            &join.right_wrapped_in,
            &join.left_wrapped_in,
        )
    }
}

pub struct JoinGraph {
    pub graph: UnGraph<TableNode, JoinStats>,
}

impl JoinGraph {
    /// Builds the graph from every fingerprint's facts (in fingerprint order, so the graph and
    /// its renderings are deterministic).
    pub fn build(
        facts: &BTreeMap<u64, QueryFacts>,
        profile: &Profile,
        catalog: Option<&Catalog>,
    ) -> JoinGraph {
        let mut builder = Builder {
            graph: UnGraph::new_undirected(),
            nodes: BTreeMap::new(),
            edges: BTreeMap::new(),
            catalog,
        };
        for (fingerprint, query_facts) in facts {
            let Some(stats) = profile.queries.get(fingerprint) else {
                continue;
            };
            let user_joins = query_facts
                .joins
                .iter()
                .filter(|j| !j.left.table.is_system() && !j.right.table.is_system());
            for join in user_joins {
                let (left, right, left_wrapped_in, right_wrapped_in) = ordered(join);
                let weight = builder.edge(EdgeKind::Statement, left, right);
                weight.left_wrapped_in = weight.left_wrapped_in.take().or(left_wrapped_in.clone());
                weight.right_wrapped_in =
                    weight.right_wrapped_in.take().or(right_wrapped_in.clone());
                weight.add(*fingerprint, stats.calls, stats.total_us);
            }
        }
        if let Some(catalog) = catalog {
            for (child, parent, loops) in application_joins(facts, profile, catalog) {
                let weight = builder.edge(EdgeKind::ApplicationLoop, &child.0, &parent);
                weight.add(child.1, loops.calls, loops.total_us);
            }
        }
        JoinGraph {
            graph: builder.graph,
        }
    }

    /// A Mermaid flowchart (GitHub renders it in Markdown).
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("graph LR\n");
        for index in self.graph.node_indices() {
            let node = &self.graph[index];
            let rows = node
                .rows
                .map(|r| format!("<br/>{} rows", human_count(r)))
                .unwrap_or_default();
            let name = mermaid_text(&node.table.to_string());
            let _ = writeln!(out, "  t{}[\"{name}{rows}\"]", index.index());
        }
        for edge in self.graph.edge_indices() {
            let Some((a, b)) = self.graph.edge_endpoints(edge) else {
                continue;
            };
            let join = &self.graph[edge];
            let warning = if join.type_mismatch.is_some() {
                " ⚠ types differ"
            } else {
                ""
            };
            // The application's loops are dotted: no statement joins the tables.
            let (link, relation) = match join.kind {
                EdgeKind::Statement => ("---", "="),
                EdgeKind::ApplicationLoop => ("-.-", "→ N+1 →"),
            };
            let _ = writeln!(
                out,
                "  t{} {link}|\"{} {relation} {}<br/>{}{}\"| t{}",
                a.index(),
                mermaid_text(&join.left_shown()),
                mermaid_text(&join.right_shown()),
                calls(join.calls),
                warning,
                b.index()
            );
        }
        out
    }

    /// Graphviz DOT.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("graph joins {\n  node [shape=box];\n");
        for index in self.graph.node_indices() {
            let node = &self.graph[index];
            let rows = node
                .rows
                .map(|r| format!("\\n{} rows", human_count(r)))
                .unwrap_or_default();
            let name = dot_text(&node.table.to_string());
            let _ = writeln!(out, "  \"{name}\" [label=\"{name}{rows}\"];");
        }
        for edge in self.graph.edge_indices() {
            let Some((a, b)) = self.graph.edge_endpoints(edge) else {
                continue;
            };
            let join = &self.graph[edge];
            let color = if join.type_mismatch.is_some() {
                ", color=red"
            } else {
                ""
            };
            let (style, relation) = match join.kind {
                EdgeKind::Statement => ("", "="),
                EdgeKind::ApplicationLoop => (", style=dashed", "→ N+1 →"),
            };
            let _ = writeln!(
                out,
                "  \"{}\" -- \"{}\" [label=\"{} {relation} {}\\n{}, {:.1} ms\", penwidth={:.1}{}{style}];",
                dot_text(&self.graph[a].table.to_string()),
                dot_text(&self.graph[b].table.to_string()),
                dot_text(&join.left_shown()),
                dot_text(&join.right_shown()),
                calls(join.calls),
                join.total_ms,
                1.0 + (join.calls as f64).log10().max(0.0),
                color
            );
        }
        out.push_str("}\n");
        out
    }

    pub fn nodes(&self) -> Vec<&TableNode> {
        self.graph.node_weights().collect()
    }

    pub fn edges(&self) -> Vec<&JoinStats> {
        self.graph.edge_weights().collect()
    }
}

fn type_mismatch(
    catalog: Option<&Catalog>,
    left: &ColumnRef,
    right: &ColumnRef,
) -> Option<(String, String)> {
    let catalog = catalog?;
    let type_of = |c: &ColumnRef| {
        Some(
            catalog
                .tables
                .get(&c.table)?
                .column(&c.column)?
                .data_type
                .clone(),
        )
    };
    let (a, b) = (type_of(left)?, type_of(right)?);
    (a != b).then_some((a, b))
}

fn calls(count: u64) -> String {
    if count == 1 {
        "1 call".to_string()
    } else {
        format!("{count} calls")
    }
}

/// Mermaid labels are quoted strings: a `"` inside must be an entity.
fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;")
}

/// DOT quoted strings escape `\` and `"`.
fn dot_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn human_count(rows: f64) -> String {
    match rows {
        r if r >= 1e9 => format!("{:.1}G", r / 1e9),
        r if r >= 1e6 => format!("{:.1}M", r / 1e6),
        r if r >= 1e3 => format!("{:.1}k", r / 1e3),
        r => format!("{r:.0}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_names_cannot_break_the_renderings() {
        assert_eq!(mermaid_text(r#"public.My"Tab"#), "public.My#quot;Tab");
        assert_eq!(dot_text(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(calls(1), "1 call");
        assert_eq!(calls(2), "2 calls");
    }
}
