//! Rendering of `planwise whatif`: the workload's cost without and with proposed indexes.

use super::escape_controls;
use super::one_line;
use crate::analysis::index::whatif::Comparison;
use crate::findings::Basis;
use crate::units::human_bytes;
use std::fmt::Write;
use tabled::settings::Style;
use tabled::{Table, Tabled};

pub fn json(comparison: &Comparison) -> String {
    let mut text = serde_json::to_string_pretty(comparison).unwrap_or_default();
    text.push('\n');
    text
}

fn basis(comparison: &Comparison) -> &'static str {
    match comparison.basis {
        Basis::WhatIf => "HypoPG what-if on the live database",
        Basis::OfflineModel => "offline cost model",
    }
}

fn headline(comparison: &Comparison) -> String {
    let change = if comparison.total_before > 0.0 {
        (comparison.total_after / comparison.total_before - 1.0) * 100.0
    } else {
        0.0
    };
    format!(
        "workload cost {:.0} → {:.0} ({change:+.1} %), {}",
        comparison.total_before,
        comparison.total_after,
        basis(comparison)
    )
}

#[derive(Tabled)]
struct Row {
    fingerprint: String,
    calls: u64,
    #[tabled(rename = "cost before")]
    before: String,
    #[tabled(rename = "cost after")]
    after: String,
    change: String,
    query: String,
}

fn rows(comparison: &Comparison, top: usize) -> Vec<Row> {
    comparison
        .queries
        .iter()
        .take(top)
        .map(|q| Row {
            fingerprint: q.fingerprint.clone(),
            calls: q.calls,
            before: format!("{:.0}", q.cost_before),
            after: format!("{:.0}", q.cost_after),
            change: if q.cost_before > 0.0 {
                format!("{:+.1} %", (q.cost_after / q.cost_before - 1.0) * 100.0)
            } else {
                "-".into()
            },
            query: one_line(&q.normalized, 60),
        })
        .collect()
}

pub fn table(comparison: &Comparison, top: usize) -> String {
    let mut out = headline(comparison);
    out.push('\n');
    for index in &comparison.indexes {
        let _ = writeln!(
            out,
            "  {} ({})",
            index.index,
            human_bytes(index.size_bytes as i64)
        );
    }
    let mut table = Table::new(rows(comparison, top));
    table.with(Style::sharp());
    let _ = writeln!(out, "{table}");
    if let Some(cut) = &comparison.cut_short {
        let _ = writeln!(out, "{}", cut.describe());
    }
    if !comparison.uncosted.is_empty() {
        let _ = writeln!(out, "not costed: {}", comparison.uncosted.join(", "));
    }
    escape_controls(out)
}

pub fn markdown(comparison: &Comparison, top: usize) -> String {
    let mut out = format!("# planwise what-if\n\n{}\n\n", headline(comparison));
    if let Some(cut) = &comparison.cut_short {
        let _ = writeln!(out, "**Note:** {}.\n", cut.describe());
    }
    for index in &comparison.indexes {
        let _ = writeln!(
            out,
            "- `{}` ({})",
            index.index,
            human_bytes(index.size_bytes as i64)
        );
    }
    let _ = writeln!(
        out,
        "\n| Query | Calls | Cost before | Cost after | Change | SQL |\n|---|---:|---:|---:|---:|---|"
    );
    for row in rows(comparison, top) {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | `{}` |",
            row.fingerprint,
            row.calls,
            row.before,
            row.after,
            row.change,
            row.query.replace('|', "\\|")
        );
    }
    escape_controls(out)
}
