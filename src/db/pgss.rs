//! pg_stat_statements read live from the connected database.

use super::{DbError, Session};
use crate::input::pgss::{PgssRow, profile_of};
use crate::model::workload::Profile;

const QUERY: &str = include_str!("sql/pg_stat_statements.sql");

pub async fn read(session: &Session) -> Result<Profile, DbError> {
    let rows = session.query(QUERY, &[]).await.map_err(|e| match e {
        DbError::Query { reason, .. } if reason.contains("pg_stat_statements") => DbError::Query {
            target: session.target.clone(),
            reason: format!(
                "{}; pg_stat_statements must be in shared_preload_libraries and created with CREATE EXTENSION pg_stat_statements",
                reason
            ),
        },
        e => e,
    })?;
    // Catalog rows are read defensively: a NULL or odd value skips a field, never panics.
    let rows: Vec<PgssRow> = rows
        .iter()
        .filter_map(|row| {
            let number = |name: &str| row.try_get::<_, Option<f64>>(name).ok().flatten();
            let text = |name: &str| row.try_get::<_, Option<String>>(name).ok().flatten();
            Some(PgssRow {
                query: text("query")?,
                calls: number("calls")?,
                total_exec_time: number("total_exec_time"),
                min_exec_time: number("min_exec_time"),
                max_exec_time: number("max_exec_time"),
                rows: number("rows"),
                datname: text("datname"),
                username: text("username"),
            })
        })
        .collect();
    Ok(profile_of(&rows))
}
