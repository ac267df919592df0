//! The live database: a read-only session and what planwise reads from it. The only part
//! of planwise that talks to a server.
//!
//! Every session is made harmless before anything else runs: read-only transactions by
//! default, a statement and a lock timeout. Statements go through the extended protocol
//! only, one per round trip, so no string can smuggle a second statement in.
//! TLS (libpq's `sslmode` / `sslrootcert`) lives in `tls`.

pub mod catalog;
pub mod explain;
pub mod measure;
pub mod pgss;
pub mod safety;
mod tls;
pub mod whatif;

pub use catalog::read_catalog;

use std::str::FromStr;
use std::time::Duration;
use tls::{certificate_rejected, take_tls_options};
use tokio_postgres::Client;
use tokio_postgres::config::{Config, Host};

/// How long any one statement of planwise's may run on the user's server.
const STATEMENT_TIMEOUT: &str = "30s";
const LOCK_TIMEOUT: &str = "2s";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid connection string: {0}")]
    BadUrl(String),
    #[error("cannot connect to {target}: {reason}")]
    Connect { target: String, reason: String },
    #[error("{target}: {reason}")]
    Query { target: String, reason: String },
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
pub struct Session {
    pub client: Client,
    pub target: String,
}

/// Connects with a libpq URL or `key=value` string and makes the session read-only.
pub async fn connect(url: &str) -> Result<Session, DbError> {
    let (rest, tls) = take_tls_options(url)?;
    let mut config = Config::from_str(&rest).map_err(|e| DbError::BadUrl(e.to_string()))?;
    config.connect_timeout(CONNECT_TIMEOUT);
    config.application_name("planwise");
    config.ssl_mode(tls.transport(config.get_hosts()));
    let target = describe(&config);
    let password = config.get_password().map(<[u8]>::to_vec);
    let connector = tls.connector().map_err(|reason| DbError::Connect {
        target: target.clone(),
        reason,
    })?;
    let (client, connection) = config.connect(connector).await.map_err(|e| {
        let mut reason = error_text(&e);
        if certificate_rejected(&e) {
            reason.push_str(tls.mode.verification_hint());
        }
        DbError::Connect {
            target: target.clone(),
            reason: without_secrets(&reason, password.as_deref()),
        }
    })?;
    tokio::spawn(connection);
    let session = Session { client, target };
    for setting in [
        "SET default_transaction_read_only = on".to_string(),
        format!("SET statement_timeout = '{STATEMENT_TIMEOUT}'"),
        format!("SET lock_timeout = '{LOCK_TIMEOUT}'"),
    ] {
        session
            .client
            .execute(setting.as_str(), &[])
            .await
            .map_err(|e| session.query_error(&e))?;
    }
    Ok(session)
}

impl Session {
    pub fn query_error(&self, error: &tokio_postgres::Error) -> DbError {
        DbError::Query {
            target: self.target.clone(),
            reason: error_text(error),
        }
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
