//! The formats of hosted platforms and system loggers, beside PostgreSQL's own three:
//! recognising them from a file's first bytes and reading their blocks.

use super::carried::Messages;
use super::cloudlog::{self, Export};
use super::prefix::LinePrefix;
use super::record::RecordSink;
use super::{InputError, LogFormat, cnpg, json_objects, stderr, syslog};

/// A hosted format, with the `log_line_prefix` inside its envelope when it has one.
#[derive(Debug, Clone)]
pub enum Hosted {
    /// syslog, rsyslog, `journalctl` short output, Heroku logplex.
    Syslog(LinePrefix),
    Export(Export, LinePrefix),
    Cnpg,
}

/// The prefix RDS and Aurora print (it cannot be changed there).
pub const RDS_PREFIX: &str = "%t:%r:%u@%d:[%p]:";
/// Azure Database for PostgreSQL's default prefix.
pub const AZURE_PREFIX: &str = "%t-%c-";

/// Readies a hosted `format` for the file `sample` begins: the prefix inside its messages
/// is `prefix` when given, else detected from them. `None` for PostgreSQL's own formats.
pub fn open(
    format: LogFormat,
    sample: &[u8],
    prefix: Option<&LinePrefix>,
) -> Option<Result<Hosted, InputError>> {
    let inner = |carrier: Hosted| -> Result<Hosted, InputError> {
        let found = match prefix {
            Some(prefix) => return Ok(carrier.with_prefix(prefix.clone())),
            None => carrier.detect_prefix(sample)?,
        };
        Ok(carrier.with_prefix(found))
    };
    let empty = LinePrefix::compile("");
    Some(match format {
        LogFormat::Syslog | LogFormat::Logplex => inner(Hosted::Syslog(empty)),
        LogFormat::Cloudsql => inner(Hosted::Export(Export::CloudSql, empty)),
        LogFormat::Journald => inner(Hosted::Export(Export::Journald, empty)),
        LogFormat::AzureJson => inner(Hosted::Export(Export::Azure, empty)),
        LogFormat::Cnpg => Ok(Hosted::Cnpg),
        _ => return None,
    })
}

impl Hosted {
    fn with_prefix(self, prefix: LinePrefix) -> Hosted {
        match self {
            Hosted::Syslog(_) => Hosted::Syslog(prefix),
            Hosted::Export(export, _) => Hosted::Export(export, prefix),
            Hosted::Cnpg => Hosted::Cnpg,
        }
    }

    /// The prefix inside the messages of `sample`, detected as a stderr prefix is.
    fn detect_prefix(&self, sample: &[u8]) -> Result<LinePrefix, InputError> {
        // The sample may end inside an entry: up to its last line only.
        let end = memchr::memrchr(b'\n', sample).map_or(sample.len(), |n| n + 1);
        let text = String::from_utf8_lossy(&sample[..end]);
        let mut sink = RecordSink::new("");
        let mut messages = Messages::default();
        self.collect(&text, 1, &mut messages, &mut sink);
        let lines = messages.first_lines();
        LinePrefix::detect_lines(&lines.iter().map(|l| l.as_bytes()).collect::<Vec<_>>())
    }

    fn collect<'a>(
        &self,
        block: &'a str,
        first_line: u64,
        messages: &mut Messages<'a>,
        sink: &mut RecordSink<'_>,
    ) {
        match self {
            Hosted::Syslog(_) => syslog::collect(block, first_line, messages, sink),
            Hosted::Export(export, _) => {
                cloudlog::collect(*export, block, first_line, messages, sink);
            }
            Hosted::Cnpg => {}
        }
    }

    /// Whether an entry starts at `line`, which opens `rest` (a block may be cut before
    /// it): not inside a message, nor at a message that continues the entry before it
    /// (`DETAIL`, …).
    pub fn starts_entry(&self, line: &[u8], rest: &[u8]) -> bool {
        match self {
            Hosted::Syslog(prefix) => syslog::first_record(line)
                .is_some_and(|text| stderr::starts_entry(prefix, text.as_bytes())),
            // Only at an entry whose object ends in `rest`, read to tell a DETAIL entry from
            // a LOG one (an entry of a pretty-printed array spans lines).
            Hosted::Export(export, prefix) => {
                json_objects::starts_object(line)
                    && json_objects::entry_at(line, rest)
                        .and_then(|entry| cloudlog::message_of(*export, entry))
                        .is_some_and(|text| stderr::starts_entry(prefix, text.as_bytes()))
            }
            Hosted::Cnpg => json_objects::starts_object(line),
        }
    }

    pub fn parse_block(&self, block: &str, first_line: u64, sink: &mut RecordSink<'_>) {
        let prefix = match self {
            Hosted::Cnpg => return cnpg::parse_block(block, first_line, sink),
            Hosted::Syslog(prefix) | Hosted::Export(_, prefix) => prefix,
        };
        let mut messages = Messages::for_block(block.len());
        self.collect(block, first_line, &mut messages, sink);
        messages.read(prefix, sink);
    }
}
