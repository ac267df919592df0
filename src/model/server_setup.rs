//! How a server is set up, as far as planwise cares: its logging settings, the extensions
//! it offers, and what the connecting role may see. `db::doctor` fills it from a live
//! server; `analysis::doctor` judges it. Plain data, so the judging is tested without one.

use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ServerSetup {
    /// `server_version_num`, e.g. 150020.
    pub version_num: i32,
    /// `server_version`, e.g. `15.20 (Debian 15.20-1.pgdg120+1)`.
    pub version: String,
    /// The database connected to: extensions are created per database.
    pub database: String,
    pub role: Role,
    /// The settings pg_settings shows this role, by name; one it hides (superuser-only
    /// settings such as `shared_preload_libraries`, to a role without
    /// `pg_read_all_settings`) is absent.
    pub settings: BTreeMap<String, Setting>,
    /// `pg_stat_statements` and `hypopg`, by name, when the server offers or has them.
    pub extensions: BTreeMap<String, Extension>,
    /// What reading pg_stat_statements gave; `None` when it was not tried (the extension is
    /// not created in the database).
    pub pg_stat_statements: Option<PgssProbe>,
}

/// One row of pg_settings.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Setting {
    /// `setting`: in the setting's base unit (`-1`, `250` for 250 ms), lists as written.
    pub value: String,
    /// The base unit (`ms`, `kB`), if any.
    pub unit: Option<String>,
    /// As `SHOW` prints it (`250ms`, `10MB`).
    pub shown: String,
    /// Where the value comes from: `default`, `configuration file`, `database`, `user`, …
    pub source: String,
    /// When a change takes effect: `postmaster` (restart), `sighup` (reload), `superuser`,
    /// `user`, …
    pub context: String,
}

impl Setting {
    /// The value as an integer (numeric settings), or `None`.
    pub fn number(&self) -> Option<i64> {
        self.value.trim().parse().ok()
    }

    pub fn is_on(&self) -> bool {
        self.value == "on"
    }
}

/// The connecting role and the predefined roles that widen what it sees.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Role {
    pub name: String,
    pub superuser: bool,
    /// Has the privileges of `pg_read_all_stats`: other roles' statement texts.
    pub read_all_stats: bool,
    /// Has the privileges of `pg_read_all_settings`: superuser-only settings.
    pub read_all_settings: bool,
}

/// An extension the server offers (`pg_available_extensions`) or the database has.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Extension {
    /// The version `CREATE EXTENSION` would install, when the server offers it.
    pub available: Option<String>,
    /// The version created in the connected database, if it is.
    pub installed: Option<String>,
}

/// The outcome of reading pg_stat_statements as `--db` does.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum PgssProbe {
    /// Read: the statements of this database, and how many of their texts this role may
    /// not see (`<insufficient privilege>`).
    Readable { statements: u64, hidden_texts: u64 },
    /// The server's refusal.
    Failed { reason: String },
}
