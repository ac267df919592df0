//! Rendering of `planwise doctor`: the verdicts as a terminal table with the changes to make
//! below it, or as JSON.

use super::escape_controls;
use crate::analysis::doctor::{Check, Diagnosis, Platform};
use crate::model::server_setup::ServerSetup;
use serde::Serialize;
use tabled::settings::object::Columns;
use tabled::settings::{Modify, Style, Width};
use tabled::{Table, Tabled};

/// Bumped when a field of the JSON changes meaning or goes; fields are only ever added.
const SCHEMA_VERSION: u32 = 1;

/// Where the README says where each setting lives on each platform.
const README_SECTION: &str = "README, \"Configure PostgreSQL logging\"";

#[derive(Serialize)]
struct Json<'a> {
    schema_version: u32,
    server: Server<'a>,
    checks: &'a [Check],
}

/// The server judged: where (never with a password), what, as whom.
#[derive(Serialize)]
struct Server<'a> {
    target: &'a str,
    version: &'a str,
    version_num: i32,
    database: &'a str,
    role: &'a str,
    platform: Platform,
}

fn server<'a>(target: &'a str, setup: &'a ServerSetup, diagnosis: &Diagnosis) -> Server<'a> {
    Server {
        target,
        version: &setup.version,
        version_num: setup.version_num,
        database: &setup.database,
        role: &setup.role.name,
        platform: diagnosis.platform,
    }
}

pub fn json(target: &str, setup: &ServerSetup, diagnosis: &Diagnosis) -> String {
    let report = Json {
        schema_version: SCHEMA_VERSION,
        server: server(target, setup, diagnosis),
        checks: &diagnosis.checks,
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

#[derive(Tabled)]
struct Row {
    status: &'static str,
    setting: &'static str,
    value: String,
    #[tabled(rename = "what planwise sees")]
    sees: String,
}

pub fn table(target: &str, setup: &ServerSetup, diagnosis: &Diagnosis) -> String {
    let mut out = format!(
        "PostgreSQL {} at {target} as {} ({})\n",
        setup.version,
        setup.role.name,
        diagnosis.platform.label()
    );
    let rows = diagnosis.checks.iter().map(|check| Row {
        status: check.status.label(),
        setting: check.id.name(),
        value: check
            .value
            .clone()
            .unwrap_or_else(|| "(hidden)".to_string()),
        sees: check.sees.clone(),
    });
    let table = Table::new(rows)
        .with(Style::sharp())
        .with(Modify::new(Columns::new(2..3)).with(Width::wrap(28)))
        .with(Modify::new(Columns::new(3..)).with(Width::wrap(64).keep_words(true)))
        .to_string();
    out.push_str(&table);
    out.push('\n');
    let changes: Vec<&Check> = diagnosis
        .checks
        .iter()
        .filter(|c| c.change.is_some())
        .collect();
    if changes.is_empty() {
        out.push_str("\nNothing to change.\n");
    } else {
        out.push_str("\nTo change:\n");
        for check in changes {
            let change = check.change.as_deref().unwrap_or_default();
            out.push_str(&format!("  {}: {change}\n", check.id.name()));
        }
        if diagnosis.platform == Platform::SelfManaged {
            out.push_str(&format!(
                "On a hosted platform, each setting lives elsewhere: see {README_SECTION}.\n"
            ));
        } else {
            out.push_str(&format!("More in {README_SECTION}.\n"));
        }
    }
    escape_controls(out)
}
