//! The PostgreSQL server of the live tests, what it offers, and databases of the tests' own
//! on it. The server is `PLANWISE_TEST_DATABASE_URL` (a URL or a key=value string; default
//! the local server, user postgres, trust auth). A live test names what it needs
//! (`live::database("tag", &[Need::PgStatStatements])`); when the server or a need is
//! missing, the test writes `SKIPPED <test>: <reason>` to stderr and returns — or, under
//! `PLANWISE_REQUIRE_LIVE_TESTS=1` (CI), fails with the reason: nothing is skipped silently.
//! Databases are dropped when their guard goes; those of runs that died more than an hour ago
//! are swept first. Tests using them run in parallel.

use std::io::Write;
use std::sync::{Once, OnceLock};
use std::time::Duration;
use tokio_postgres::NoTls;
use tokio_postgres::config::{Config, Host};

const URL_VARIABLE: &str = "PLANWISE_TEST_DATABASE_URL";
const REQUIRE_VARIABLE: &str = "PLANWISE_REQUIRE_LIVE_TESTS";
const DEFAULT_URL: &str = "host=127.0.0.1 port=5432 user=postgres";
/// How long an absent server may hold up a test binary (once: the answer is kept).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// What a live test needs beyond a reachable server.
#[derive(Clone, Copy, Debug)]
pub enum Need {
    /// `pg_stat_statements` installed and in `shared_preload_libraries`, so its view reads.
    PgStatStatements,
    /// An extension installed at the server, so `CREATE EXTENSION` works: `"hypopg"`,
    /// `"dblink"`, `"pg_stat_statements"` (its view needs `PgStatStatements`).
    Extension(&'static str),
    /// `ssl = on` at a server reached on 127.0.0.1 or localhost whose certificate names
    /// localhost (the TLS tests verify names against both).
    Tls,
    /// The server's Unix socket, on this machine.
    Socket,
}

/// A database of the test's own on the test server, or `None` when the server or one of
/// `needs` is missing (the test has been reported skipped and returns).
pub fn database(tag: &str, needs: &[Need]) -> Option<TestDatabase> {
    if let Some(reason) = server().missing(needs) {
        skip(&reason);
        return None;
    }
    Some(TestDatabase::create(tag))
}

/// Says why the running test is skipped, straight to stderr so that `cargo test` shows it
/// even for a passing test; panics instead when live tests are required.
fn skip(reason: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a live test");
    if std::env::var(REQUIRE_VARIABLE).is_ok_and(|value| value == "1") {
        panic!("{reason} ({REQUIRE_VARIABLE}=1: live tests may not be skipped)");
    }
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {reason}");
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A plain connection of the test's own (not planwise's read-only session).
pub async fn admin(dbname: &str) -> tokio_postgres::Client {
    let mut config = server().config.clone();
    let (client, connection) = config
        .dbname(dbname)
        .connect(NoTls)
        .await
        .unwrap_or_else(|e| panic!("the test server at {}: {e}", server().shown()));
    tokio::spawn(connection);
    client
}

/// The test server's port.
pub fn port() -> u16 {
    port_of(&server().config)
}

fn port_of(config: &Config) -> u16 {
    config.get_ports().first().copied().unwrap_or(5432)
}

/// A directory of the test server's Unix socket on this machine (`Need::Socket`).
pub fn socket_directory() -> String {
    let offer = server()
        .offer
        .as_ref()
        .expect("the test server is reachable");
    offer.socket.clone().expect("Need::Socket was checked")
}

/// The test server, found once per test binary.
struct Server {
    config: Config,
    /// What it offers, or why it could not be reached.
    offer: Result<Offer, String>,
}

/// What the server offers the live tests.
struct Offer {
    preloaded: Vec<String>,
    extensions: Vec<String>,
    ssl: bool,
    certificate_names_localhost: bool,
    socket: Option<String>,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let url = std::env::var(URL_VARIABLE)
            .ok()
            .filter(|url| !url.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_URL.to_string());
        let mut config: Config = url
            .parse()
            .unwrap_or_else(|e| panic!("{URL_VARIABLE} is not a connection string: {e}"));
        config.connect_timeout(CONNECT_TIMEOUT);
        if config.get_dbname().is_none() {
            config.dbname("postgres");
        }
        let offer = runtime().block_on(Offer::read(&config));
        Server { config, offer }
    })
}

impl Server {
    /// Its host: a name, an address or a socket directory.
    fn host(&self) -> String {
        match self.config.get_hosts().first() {
            Some(Host::Tcp(name)) => name.clone(),
            Some(Host::Unix(path)) => path.display().to_string(),
            None => "localhost".to_string(),
        }
    }

    /// Where the server is, without its password.
    fn shown(&self) -> String {
        let user = self.config.get_user().unwrap_or("(none)");
        format!("host={} port={} user={user}", self.host(), port())
    }

    /// Why a test with these needs cannot run, if it cannot.
    fn missing(&self, needs: &[Need]) -> Option<String> {
        let offer = match &self.offer {
            Ok(offer) => offer,
            Err(error) => {
                return Some(format!(
                    "no PostgreSQL at {} ({error}); set {URL_VARIABLE}",
                    self.shown()
                ));
            }
        };
        let lacking: Vec<String> = needs
            .iter()
            .filter_map(|&need| self.lacks(offer, need))
            .collect();
        (!lacking.is_empty())
            .then(|| format!("{} (the server at {})", lacking.join("; "), self.shown()))
    }

    fn lacks(&self, offer: &Offer, need: Need) -> Option<String> {
        let installed = |name: &str| offer.extensions.iter().any(|e| e == name);
        let preloaded = offer.preloaded.iter().any(|l| l == "pg_stat_statements");
        let local = matches!(
            self.config.get_hosts().first(),
            Some(Host::Tcp(name)) if name == "127.0.0.1" || name == "localhost"
        );
        let reason = match need {
            Need::Extension(name) if !installed(name) => {
                format!("extension {name} is not installed")
            }
            Need::PgStatStatements if !installed("pg_stat_statements") => {
                "extension pg_stat_statements is not installed".to_string()
            }
            Need::PgStatStatements if !preloaded => {
                "pg_stat_statements is not in shared_preload_libraries".to_string()
            }
            Need::Tls if !offer.ssl => "ssl is off".to_string(),
            Need::Tls if !local => {
                "TLS tests need the server on 127.0.0.1 or localhost".to_string()
            }
            Need::Tls if !offer.certificate_names_localhost => {
                "the server's certificate does not name localhost, or cannot be read".to_string()
            }
            Need::Socket if offer.socket.is_none() => {
                "the server's Unix socket is not on this machine".to_string()
            }
            _ => return None,
        };
        Some(reason)
    }
}

impl Offer {
    async fn read(config: &Config) -> Result<Offer, String> {
        let (client, connection) = config.connect(NoTls).await.map_err(|e| with_causes(&e))?;
        tokio::spawn(connection);
        let row = client
            .query_one(
                "SELECT current_setting('shared_preload_libraries'), current_setting('ssl') = 'on',
                        current_setting('unix_socket_directories'),
                        array(SELECT name::text FROM pg_available_extensions)",
                &[],
            )
            .await
            .map_err(|e| with_causes(&e))?;
        let list = |text: String| -> Vec<String> {
            text.split(',')
                .map(|item| item.trim().to_string())
                .collect()
        };
        let ssl: bool = row.get(1);
        let port = port_of(config);
        let socket = list(row.get(2))
            .into_iter()
            .find(|dir| std::path::Path::new(&format!("{dir}/.s.PGSQL.{port}")).exists());
        Ok(Offer {
            preloaded: list(row.get(0)),
            extensions: row.get(3),
            ssl,
            certificate_names_localhost: ssl && certificate_names_localhost(&client).await,
            socket,
        })
    }
}

/// An error and its causes ("error connecting to server: Connection refused (os error 111)").
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        text = format!("{text}: {error}");
        cause = error.source();
    }
    text
}

/// Whether the server's certificate names localhost, as its common name or a DNS name: its
/// DER holds the name right after the common-name attribute or as a `dNSName`. Read through
/// the server (superusers may), so the file needs no permissions of the test's.
async fn certificate_names_localhost(client: &tokio_postgres::Client) -> bool {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let Ok(row) = client
        .query_one(
            "SELECT pg_read_binary_file(current_setting('ssl_cert_file'))",
            &[],
        )
        .await
    else {
        return false;
    };
    let pem: Vec<u8> = row.get(0);
    let name = b"\x09localhost";
    let forms: Vec<Vec<u8>> = [&b"\x55\x04\x03\x0c"[..], b"\x55\x04\x03\x13", b"\x82"]
        .iter()
        .map(|prefix| [*prefix, &name[..]].concat())
        .collect();
    CertificateDer::pem_slice_iter(&pem)
        .filter_map(Result::ok)
        .any(|der| {
            forms
                .iter()
                .any(|form| der.windows(form.len()).any(|w| w == form))
        })
}

/// A database of the test's own, dropped when the guard goes.
pub struct TestDatabase {
    pub name: String,
}

impl TestDatabase {
    fn create(tag: &str) -> TestDatabase {
        static SWEEP: Once = Once::new();
        SWEEP.call_once(sweep_stale_databases);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!("planwise_test_{tag}_{}_{nanos}", std::process::id());
        runtime().block_on(async {
            admin("postgres")
                .await
                .execute(&format!("CREATE DATABASE {name}"), &[])
                .await
                .unwrap();
        });
        TestDatabase { name }
    }

    /// Runs `sql` (one or more statements) as the admin role.
    pub fn execute(&self, sql: &str) {
        runtime().block_on(async { admin(&self.name).await.batch_execute(sql).await.unwrap() });
    }

    /// The first column of the one row `sql` returns, as the admin role.
    pub fn value<T: for<'a> tokio_postgres::types::FromSql<'a>>(&self, sql: &str) -> T {
        runtime().block_on(async {
            admin(&self.name)
                .await
                .query_one(sql, &[])
                .await
                .unwrap()
                .get(0)
        })
    }

    /// A `postgres://` URL of this database on the test server; `options` is a query
    /// string (`?sslmode=…`) or empty.
    pub fn url(&self, options: &str) -> String {
        self.url_at(&server().host(), options)
    }

    /// The URL with another name for the test server's host (the TLS tests name it both
    /// ways).
    pub fn url_at(&self, host: &str, options: &str) -> String {
        use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
        let encode = |text: &str| utf8_percent_encode(text, NON_ALPHANUMERIC).to_string();
        let config = &server().config;
        let user = encode(config.get_user().unwrap_or("postgres"));
        let password = config
            .get_password()
            .map(|p| format!(":{}", encode(&String::from_utf8_lossy(p))))
            .unwrap_or_default();
        let host = if host.starts_with('/') {
            encode(host)
        } else {
            host.to_string()
        };
        format!(
            "postgres://{user}{password}@{host}:{}/{}{options}",
            port(),
            self.name
        )
    }

    /// A key=value string of this database at `host` (a name or a socket directory) on the
    /// test server's port, with `options` (`sslmode=…`) appended.
    pub fn conninfo_at(&self, host: &str, options: &str) -> String {
        let config = &server().config;
        let user = config.get_user().unwrap_or("postgres");
        let password = config
            .get_password()
            .map(|p| {
                let p = String::from_utf8_lossy(p);
                format!(
                    " password='{}'",
                    p.replace('\\', "\\\\").replace('\'', "\\'")
                )
            })
            .unwrap_or_default();
        let port = port();
        format!(
            "host={host} port={port} user={user}{password} dbname={} {options}",
            self.name
        )
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        runtime().block_on(async move {
            let _ = admin("postgres")
                .await
                .execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), &[])
                .await;
        });
    }
}

/// Test databases left behind by runs that were killed: created (their PG_VERSION file
/// written) more than an hour ago, so no running test owns them.
fn sweep_stale_databases() {
    runtime().block_on(async {
        let client = admin("postgres").await;
        let stale = client
            .query(
                "SELECT datname::text FROM pg_database
                 WHERE datname LIKE 'planwise\\_test\\_%'
                   AND (pg_stat_file('base/' || oid || '/PG_VERSION', true)).modification
                       < now() - interval '1 hour'",
                &[],
            )
            .await
            .unwrap_or_default();
        for row in stale {
            let name: String = row.get(0);
            let _ = client
                .execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), &[])
                .await;
        }
    });
}
