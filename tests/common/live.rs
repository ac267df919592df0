//! A PostgreSQL database of a test's own on the local server (127.0.0.1:5432, trust auth),
//! created on demand and dropped when the guard goes; databases of runs that died more than
//! an hour ago are swept first. Tests using it run in parallel.

use std::sync::Once;
use tokio_postgres::NoTls;

pub const SERVER: &str = "host=127.0.0.1 port=5432 user=postgres";

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A plain connection of the test's own (not planwise's read-only session).
pub async fn admin(dbname: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&format!("{SERVER} dbname={dbname}"), NoTls)
        .await
        .expect("the local PostgreSQL server is up");
    tokio::spawn(connection);
    client
}

/// A database of the test's own, dropped when the guard goes.
pub struct TestDatabase {
    pub name: String,
}

impl TestDatabase {
    pub fn create(tag: &str) -> TestDatabase {
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

    pub fn url(&self, host: &str, options: &str) -> String {
        format!("postgres://postgres@{host}:5432/{}{options}", self.name)
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
