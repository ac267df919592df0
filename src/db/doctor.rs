//! What `planwise doctor` reads from a live server: settings, extensions and the connecting
//! role's privileges (`model::server_setup`). Read-only catalog queries, each in its own
//! `.sql` file; `analysis::doctor` does the judging.

use super::{DbError, Session};
use crate::model::server_setup::{Extension, PgssProbe, Role, ServerSetup, Setting};
use tokio_postgres::Row;

const SETTINGS: &str = include_str!("sql/doctor_settings.sql");
const ROLE: &str = include_str!("sql/doctor_role.sql");
const EXTENSIONS: &str = include_str!("sql/doctor_extensions.sql");
const PG_STAT_STATEMENTS: &str = include_str!("sql/doctor_pg_stat_statements.sql");

/// Reads the server's setup. Rows are read defensively: a NULL or odd value leaves a field
/// empty, never panics.
pub async fn read_setup(session: &Session) -> Result<ServerSetup, DbError> {
    let (role_row, settings, extensions) = tokio::try_join!(
        session.query_one(ROLE, &[]),
        session.query(SETTINGS, &[]),
        session.query(EXTENSIONS, &[]),
    )?;
    let text = |row: &Row, name: &str| -> Option<String> { row.try_get(name).ok().flatten() };
    let flag = |row: &Row, name: &str| row.try_get::<_, Option<bool>>(name).ok().flatten();
    let mut setup = ServerSetup {
        version_num: role_row.try_get("version_num").unwrap_or_default(),
        version: text(&role_row, "version").unwrap_or_default(),
        database: text(&role_row, "database").unwrap_or_default(),
        role: Role {
            name: text(&role_row, "role").unwrap_or_default(),
            superuser: flag(&role_row, "superuser").unwrap_or(false),
            read_all_stats: flag(&role_row, "read_all_stats").unwrap_or(false),
            read_all_settings: flag(&role_row, "read_all_settings").unwrap_or(false),
        },
        ..ServerSetup::default()
    };
    for row in &settings {
        let Some(name) = text(row, "name") else {
            continue;
        };
        let setting = Setting {
            value: text(row, "value").unwrap_or_default(),
            unit: text(row, "unit"),
            shown: text(row, "shown").unwrap_or_default(),
            source: text(row, "source").unwrap_or_default(),
            context: text(row, "context").unwrap_or_default(),
        };
        setup.settings.insert(name, setting);
    }
    for row in &extensions {
        let Some(name) = text(row, "name") else {
            continue;
        };
        let extension = Extension {
            available: text(row, "available"),
            installed: text(row, "installed"),
        };
        setup.extensions.insert(name, extension);
    }
    let created = setup
        .extensions
        .get("pg_stat_statements")
        .is_some_and(|e| e.installed.is_some());
    if created {
        setup.pg_stat_statements = Some(probe_pg_stat_statements(session).await?);
    }
    Ok(setup)
}

/// Reads pg_stat_statements as `--db` does; the server's refusal (not preloaded, no
/// privilege) is an answer, a lost server is not.
async fn probe_pg_stat_statements(session: &Session) -> Result<PgssProbe, DbError> {
    match session.query_one(PG_STAT_STATEMENTS, &[]).await {
        Ok(row) => {
            let count = |name: &str| {
                let count: Option<i64> = row.try_get(name).ok().flatten();
                count.map_or(0, |c| u64::try_from(c).unwrap_or(0))
            };
            Ok(PgssProbe::Readable {
                statements: count("statements"),
                hidden_texts: count("hidden_texts"),
            })
        }
        Err(DbError::Query { reason, .. }) => Ok(PgssProbe::Failed { reason }),
        Err(error) => Err(error),
    }
}
