//! The live database: a read-only session and what planwise reads from it. The only part
//! of planwise that talks to a server.
//!
//! Every session is made harmless before anything else runs: read-only transactions by
//! default, a statement and a lock timeout. Statements go through the extended protocol
//! only, one per round trip, so no string can smuggle a second statement in.
//! TLS (libpq's `sslmode` / `sslrootcert`) lives in `tls`.

pub mod catalog;
pub mod conninfo;
pub mod doctor;
pub mod explain;
pub mod measure;
pub mod pgss;
pub mod safety;
mod tls;
pub mod verify;
pub mod whatif;

pub use catalog::{LiveCatalog, Locked, read_catalog};

use crate::sql::OWN_STATEMENT_MARK;
use conninfo::{Params, Sources};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;
use tls::{TlsOptions, certificate_rejected};
use tokio_postgres::config::{Config, Host};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row, Statement};

/// How long any one statement of planwise's may run on the user's server.
const STATEMENT_TIMEOUT_SECONDS: u64 = 30;
const LOCK_TIMEOUT: &str = "2s";
/// How long planwise waits for any answer of the server: a little above the statement
/// timeout, so that a server that is up always answers first (if only with a cancellation).
const ROUND_TRIP_TIMEOUT: Duration = Duration::from_secs(STATEMENT_TIMEOUT_SECONDS + 5);
/// libpq waits forever without `connect_timeout`; planwise does not.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Options planwise reads itself rather than handing them to tokio-postgres.
const OWN_OPTIONS: [&str; 7] = [
    "sslmode",
    "sslrootcert",
    "service",
    "passfile",
    "connect_timeout",
    "application_name",
    "fallback_application_name",
];

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid connection string: {0}")]
    BadUrl(String),
    #[error("cannot connect to {target}: {reason}")]
    Connect { target: String, reason: String },
    #[error("{target}: {reason}")]
    Query { target: String, reason: String },
    /// The server stopped answering, or the connection closed: every later statement on
    /// the session fails at once with this.
    #[error("{target}: {reason}")]
    Lost { target: String, reason: String },
}

impl DbError {
    /// Whether the server went away (nothing more will be answered on this session).
    pub fn is_lost(&self) -> bool {
        matches!(self, DbError::Lost { .. })
    }
}

/// Where the callers that read failures as text take them.
impl From<DbError> for String {
    fn from(error: DbError) -> String {
        error.to_string()
    }
}

/// The single-threaded runtime each live step drives its sessions on.
pub fn runtime() -> Result<tokio::runtime::Runtime, DbError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| DbError::Connect {
            target: "--db".into(),
            reason: e.to_string(),
        })
}

/// A read-only session, and where it is connected (host, port, database: never a password).
/// Every round trip goes through its methods, which give up on a server that does not answer.
pub struct Session {
    client: Client,
    pub target: String,
    /// Why the server was given up on, once it was.
    lost: OnceLock<String>,
}

/// Connects with a libpq URL or `key=value` string (the `PG*` environment, service and
/// password files filling in what it leaves out) and makes the session read-only.
pub async fn connect(url: &str) -> Result<Session, DbError> {
    let params = conninfo::parse(url)
        .and_then(|params| conninfo::resolve(params, &SystemSources))
        .map_err(DbError::BadUrl)?;
    let tls = TlsOptions::resolve(
        params.get("sslmode").map(String::as_str),
        params.get("sslrootcert").map(String::as_str),
    )?;
    let mut config = tokio_config(&params)?;
    let connect_timeout = connect_timeout(&params)?;
    if let Some(timeout) = connect_timeout {
        config.connect_timeout(timeout);
    }
    config.application_name(application_name(&params));
    config.ssl_mode(tls.transport(config.get_hosts()));
    let target = describe(&config);
    let password = config.get_password().map(<[u8]>::to_vec);
    let failed = |reason: String| DbError::Connect {
        target: target.clone(),
        reason: without_secrets(&reason, password.as_deref()),
    };
    let connector = tls.connector().map_err(failed)?;
    // tokio-postgres' own timeout covers the TCP connect only, not the startup exchange a
    // silent server never answers.
    let connecting = config.connect(connector);
    let connected = match connect_timeout {
        Some(timeout) => tokio::time::timeout(timeout, connecting)
            .await
            .map_err(|_| {
                failed(format!(
                    "no answer within {} s (connect_timeout)",
                    timeout.as_secs()
                ))
            })?,
        None => connecting.await,
    };
    let (client, connection) = connected.map_err(|e| {
        let mut reason = error_text(&e);
        if certificate_rejected(&e) {
            reason.push_str(tls.mode.verification_hint());
        }
        failed(reason)
    })?;
    tokio::spawn(connection);
    let session = Session {
        client,
        target,
        lost: OnceLock::new(),
    };
    for setting in [
        "SET default_transaction_read_only = on".to_string(),
        format!("SET statement_timeout = '{STATEMENT_TIMEOUT_SECONDS}s'"),
        format!("SET lock_timeout = '{LOCK_TIMEOUT}'"),
        // Logged parameter values are quoted with '' doubling: a backslash must stay literal.
        "SET standard_conforming_strings = on".to_string(),
    ] {
        session.execute(setting.as_str(), &[]).await?;
    }
    Ok(session)
}

/// The tokio-postgres configuration of the resolved options planwise does not read itself.
fn tokio_config(params: &Params) -> Result<Config, DbError> {
    let pairs: Vec<String> = params
        .iter()
        .filter(|(key, _)| !OWN_OPTIONS.contains(&key.as_str()))
        .map(|(key, value)| {
            let key = match key.as_str() {
                "keepalives_count" => "keepalives_retries",
                key => key,
            };
            let value = value.replace('\\', "\\\\").replace('\'', "\\'");
            format!("{key}='{value}'")
        })
        .collect();
    // Its error's own text is "invalid connection string" again: the cause says what.
    Config::from_str(&pairs.join(" ")).map_err(|e| {
        let cause = std::error::Error::source(&e).map(ToString::to_string);
        DbError::BadUrl(cause.unwrap_or_else(|| e.to_string()))
    })
}

/// libpq's `connect_timeout`: whole seconds, at least 2; zero or less waits forever.
fn connect_timeout(params: &Params) -> Result<Option<Duration>, DbError> {
    let Some(text) = params.get("connect_timeout") else {
        return Ok(Some(DEFAULT_CONNECT_TIMEOUT));
    };
    let seconds: i64 = text.trim().parse().map_err(|_| {
        DbError::BadUrl(format!(
            "connect_timeout=`{text}` is not a number of seconds"
        ))
    })?;
    Ok((seconds > 0).then(|| Duration::from_secs(seconds.max(2) as u64)))
}

/// planwise's sessions are always named after it (its own statements are told apart by
/// that); a name given (`application_name`, `PGAPPNAME`) is kept after it.
fn application_name(params: &Params) -> String {
    match params.get("application_name") {
        Some(given) => format!("planwise/{given}"),
        None => "planwise".to_string(),
    }
}

fn marked(statement: &str) -> String {
    format!("{OWN_STATEMENT_MARK} {statement}")
}

impl Session {
    pub async fn query(
        &self,
        statement: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, DbError> {
        let marked = marked(statement);
        self.round_trip(self.client.query(&marked, params)).await
    }

    pub async fn query_one(
        &self,
        statement: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, DbError> {
        let marked = marked(statement);
        self.round_trip(self.client.query_one(&marked, params))
            .await
    }

    /// `query_one` of a statement this session prepared.
    pub async fn query_one_prepared(
        &self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, DbError> {
        self.round_trip(self.client.query_one(statement, params))
            .await
    }

    pub async fn query_opt(
        &self,
        statement: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, DbError> {
        let marked = marked(statement);
        self.round_trip(self.client.query_opt(&marked, params))
            .await
    }

    pub async fn execute(
        &self,
        statement: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, DbError> {
        let marked = marked(statement);
        self.round_trip(self.client.execute(&marked, params)).await
    }

    /// `execute` of a statement that may take up to `limit` (an index build), where the
    /// session's statement timeout was raised to match.
    pub async fn execute_within(&self, statement: &str, limit: Duration) -> Result<u64, DbError> {
        let marked = marked(statement);
        let exchange = self.client.execute(&marked, &[]);
        self.round_trip_within(limit + ROUND_TRIP_TIMEOUT, exchange)
            .await
    }

    pub async fn prepare(&self, statement: &str) -> Result<Statement, DbError> {
        self.round_trip(self.client.prepare(&marked(statement)))
            .await
    }

    /// The error every statement gets once the server was given up on, if it was.
    pub fn lost(&self) -> Option<DbError> {
        self.lost.get().map(|reason| self.lost_error(reason))
    }

    /// One exchange with the server, given up on when it does not answer in time; once the
    /// server is lost, nothing more is sent.
    async fn round_trip<T>(
        &self,
        exchange: impl Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T, DbError> {
        self.round_trip_within(ROUND_TRIP_TIMEOUT, exchange).await
    }

    async fn round_trip_within<T>(
        &self,
        limit: Duration,
        exchange: impl Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T, DbError> {
        if let Some(reason) = self.lost.get() {
            return Err(self.lost_error(reason));
        }
        match tokio::time::timeout(limit, exchange).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) if error.is_closed() => {
                Err(self.give_up(format!("the connection was lost ({})", error_text(&error))))
            }
            Ok(Err(error)) => Err(self.query_error(&error)),
            Err(_) => Err(self.give_up(format!(
                "the server stopped answering (nothing for {} s)",
                limit.as_secs()
            ))),
        }
    }

    fn give_up(&self, reason: String) -> DbError {
        let reason = self.lost.get_or_init(|| reason);
        self.lost_error(reason)
    }

    fn lost_error(&self, reason: &str) -> DbError {
        DbError::Lost {
            target: self.target.clone(),
            reason: reason.to_string(),
        }
    }

    pub fn query_error(&self, error: &tokio_postgres::Error) -> DbError {
        DbError::Query {
            target: self.target.clone(),
            reason: error_text(error),
        }
    }
}

#[cfg(target_os = "linux")]
fn effective_user_name() -> Option<String> {
    // SAFETY: `passwd` is a C struct of integers and pointers, for which zeroes are valid.
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buffer = vec![0 as libc::c_char; 4096];
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r writes into `entry` and `buffer`, both alive and of the sizes given;
    // `pw_name` points into `buffer`, read before it is dropped.
    let status = unsafe {
        libc::getpwuid_r(
            libc::geteuid(),
            &mut entry,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut found,
        )
    };
    if status != 0 || found.is_null() || entry.pw_name.is_null() {
        return None;
    }
    // SAFETY: a NUL-terminated string inside `buffer`.
    let name = unsafe { std::ffi::CStr::from_ptr(entry.pw_name) };
    Some(name.to_string_lossy().into_owned())
}

#[cfg(not(target_os = "linux"))]
fn effective_user_name() -> Option<String> {
    None
}

#[cfg(unix)]
fn others_may_read(metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o077 != 0
}

#[cfg(not(unix))]
fn others_may_read(_: &std::fs::Metadata) -> bool {
    false
}

/// The real environment and files, for `conninfo::resolve`.
struct SystemSources;

impl Sources for SystemSources {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn read(&self, path: &Path) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }

    /// As libpq: a password file others may read is ignored, with a warning.
    fn read_private(&self, path: &Path) -> Option<String> {
        let metadata = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
        if others_may_read(&metadata) {
            eprintln!(
                "planwise: password file {} has group or world access and is ignored; permissions should be u=rw (0600) or less",
                path.display()
            );
            return None;
        }
        self.read(path)
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    /// As libpq: the name of the effective user id (environment variables can be stale, or
    /// missing, as under cron or in containers), else `USER`/`LOGNAME`.
    fn os_user(&self) -> Option<String> {
        effective_user_name().or_else(|| {
            ["USER", "LOGNAME", "USERNAME"]
                .into_iter()
                .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        })
    }

    fn home(&self) -> Option<PathBuf> {
        std::env::var_os("HOME").map(PathBuf::from)
    }
}

/// The server's message when there is one (tokio-postgres' Display says only "db error").
fn error_text(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => db.message().to_string(),
        None => {
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                text = format!("{text}: {cause}");
                source = cause.source();
            }
            text
        }
    }
}

/// `host:port/database` of a config.
fn describe(config: &Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|host| match host {
            Host::Tcp(name) => name.clone(),
            Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".to_string());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let database = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    format!("{host}:{port}/{database}")
}

/// Removes `password` from `text`, wherever it appears.
fn without_secrets(text: &str, password: Option<&[u8]>) -> String {
    match password {
        Some(password) if !password.is_empty() => {
            text.replace(String::from_utf8_lossy(password).as_ref(), "********")
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_errors_never_show_the_password() {
        let url = "postgres://bob:s3cret@db.example:6432/shop";
        let config = Config::from_str(url).unwrap();
        assert_eq!(describe(&config), "db.example:6432/shop");
        assert_eq!(
            without_secrets("auth failed for s3cret", config.get_password()),
            "auth failed for ********"
        );
        let key_value = "host=h port=1 user=u password=s3cret dbname=d";
        assert_eq!(describe(&Config::from_str(key_value).unwrap()), "h:1/d");
    }
}
