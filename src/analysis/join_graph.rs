//! The join graph of the workload: tables as nodes, the column pairs queries join them on as
//! edges, weighted by how often and how long the workload runs those joins. Built from the
//! query facts; rendered as Mermaid (Markdown) and DOT.

use super::facts::{ColumnRef, QueryFacts};
use crate::model::catalog::{Catalog, QualifiedName};
use crate::model::workload::Profile;
use petgraph::graph::{NodeIndex, UnGraph};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

#[derive(Debug, Clone, Serialize)]
pub struct TableNode {
    pub table: QualifiedName,
    /// Estimated rows, when the catalog has statistics.
    pub rows: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JoinStats {
    pub left: ColumnRef,
    pub right: ColumnRef,
    /// Fingerprints of the queries that join on this pair.
    pub queries: BTreeSet<String>,
    pub calls: u64,
    pub total_ms: f64,
    /// The two columns' types when they differ (an implicit cast may keep an index unused).
    pub type_mismatch: Option<(String, String)>,
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
        let mut graph = UnGraph::new_undirected();
        let mut nodes: BTreeMap<QualifiedName, NodeIndex> = BTreeMap::new();
        let mut edges = BTreeMap::new();
        for (fingerprint, query_facts) in facts {
            let Some(stats) = profile.queries.get(fingerprint) else {
                continue;
            };
            let user_joins = query_facts
                .joins
                .iter()
                .filter(|j| !j.left.table.is_system() && !j.right.table.is_system());
            for join in user_joins {
                let (left, right) = if join.left <= join.right {
                    (&join.left, &join.right)
                } else {
                    (&join.right, &join.left)
                };
                let mut node = |table: &QualifiedName| {
                    *nodes.entry(table.clone()).or_insert_with(|| {
                        graph.add_node(TableNode {
                            table: table.clone(),
                            rows: catalog
                                .and_then(|c| c.tables.get(table))
                                .and_then(|t| t.stats.as_ref())
                                .and_then(|s| s.rows),
                        })
                    })
                };
                let (a, b) = (node(&left.table), node(&right.table));
                let edge = *edges
                    .entry((left.clone(), right.clone()))
                    .or_insert_with(|| {
                        graph.add_edge(
                            a,
                            b,
                            JoinStats {
                                left: left.clone(),
                                right: right.clone(),
                                queries: BTreeSet::new(),
                                calls: 0,
                                total_ms: 0.0,
                                type_mismatch: type_mismatch(catalog, left, right),
                            },
                        )
                    });
                let weight = &mut graph[edge];
                if weight
                    .queries
                    .insert(crate::sql::fingerprint::format_id(*fingerprint))
                {
                    weight.calls += stats.calls;
                    weight.total_ms += stats.total_us as f64 / 1000.0;
                }
            }
        }
        JoinGraph { graph }
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
            let _ = writeln!(
                out,
                "  t{} ---|\"{} = {}<br/>{}{}\"| t{}",
                a.index(),
                mermaid_text(&join.left.column),
                mermaid_text(&join.right.column),
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
            let _ = writeln!(
                out,
                "  \"{}\" -- \"{}\" [label=\"{} = {}\\n{}, {:.1} ms\", penwidth={:.1}{}];",
                dot_text(&self.graph[a].table.to_string()),
                dot_text(&self.graph[b].table.to_string()),
                dot_text(&join.left.column),
                dot_text(&join.right.column),
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
