//! The JSON report: the `Report` view as is. Its field names are a contract (README).

use super::Report;

/// Writes the report as it is serialized, without holding its text.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}
