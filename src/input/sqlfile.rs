//! A plain `.sql` workload: every statement counted once, untimed.

use crate::model::diagnostics::{Example, Kind};
use crate::model::workload::{Call, Origin, Profile};
use crate::sql::fingerprint::Fingerprinter;
use crate::sql::split::split_statements;

pub fn parse(text: &str, name: &str) -> Profile {
    let mut profile = Profile::default();
    let mut fingerprinter = Fingerprinter::new();
    profile.summary.lines_read = text.lines().count() as u64;
    for statement in split_statements(text) {
        if statement.text.trim().is_empty() {
            continue;
        }
        if statement.text.contains("{{") || statement.text.contains("{%") {
            profile.diagnostics.report(Kind::TemplatedSql, || Example {
                file: name.to_string(),
                line: statement.line as u64,
                reason: "templated SQL ({{ … }}) is not a statement PostgreSQL would run".into(),
            });
            continue;
        }
        let fingerprint = fingerprinter.fingerprint(statement.text.as_bytes());
        let call = Call {
            fingerprint: fingerprint.id,
            normalized: fingerprint.normalized,
            statement: statement.text,
            parameters: None,
            values_hash: fingerprint.values_hash,
            offset: fingerprint.offset.and_then(|offset| offset.rows(None)),
            duration_us: None,
            at: None,
            origin: Origin::default(),
            location: Some((name, statement.line as u64)),
        };
        profile.execute(None, &call);
    }
    profile
}
