//! Streaming ingestion of a log: read in blocks cut at entry boundaries, parse the blocks
//! on every core, merge their profiles in order.
//!
//! Memory stays bounded by the blocks in flight plus the profiles (which grow with distinct
//! fingerprints and sessions, not with the log). An entry is never split: a block ends just
//! before a line that starts an entry, so no statement is lost or counted twice at a cut;
//! sessions that span a cut are stitched by `Profile::merge`.

use super::prefix::LinePrefix;
use super::record::RecordSink;
use super::{InputError, csvlog, jsonlog, stderr};
use crate::model::diagnostics::Kind;
use crate::model::workload::Profile;
use indicatif::ProgressBar;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Read;

/// Bytes per block: large enough that per-block overhead vanishes, small enough that a few
/// blocks in flight stay well under the memory target.
pub const BLOCK_SIZE: usize = 2 << 20;

/// A log format that streams.
#[derive(Debug, Clone)]
pub enum StreamFormat {
    Stderr(LinePrefix),
    Csvlog,
    Jsonlog,
    Hosted(super::hosted::Hosted),
}

impl StreamFormat {
    /// Whether an entry starts at `line`, which opens `rest` (the buffer from there on).
    fn starts_entry(&self, line: &[u8], rest: &[u8]) -> bool {
        match self {
            StreamFormat::Stderr(prefix) => stderr::starts_entry(prefix, line),
            StreamFormat::Csvlog => csvlog::starts_entry(line),
            StreamFormat::Jsonlog => true,
            StreamFormat::Hosted(hosted) => hosted.starts_entry(line, rest),
        }
    }
}

struct Block {
    bytes: Vec<u8>,
    first_line: u64,
}

/// Reads blocks that end on entry boundaries.
pub struct BlockReader {
    reader: Box<dyn Read + Send>,
    buffer: Vec<u8>,
    next_line: u64,
    eof: bool,
    progress: Option<ProgressBar>,
    block_size: usize,
}

impl BlockReader {
    pub fn new(
        reader: Box<dyn Read + Send>,
        progress: Option<ProgressBar>,
        block_size: usize,
    ) -> Self {
        BlockReader {
            reader,
            buffer: Vec::new(),
            next_line: 1,
            eof: false,
            progress,
            block_size: block_size.max(1),
        }
    }

    /// Reads until at least `size` bytes are buffered (or the input ends).
    fn fill(&mut self, size: usize) -> std::io::Result<()> {
        // Room for all of it first: a buffer grown while reading is copied and its new
        // pages faulted in, which cost a tenth of the CPU time of ingestion.
        self.buffer.reserve(size.saturating_sub(self.buffer.len()));
        while !self.eof && self.buffer.len() < size {
            let want = (size - self.buffer.len()) as u64;
            let read = (&mut self.reader)
                .take(want)
                .read_to_end(&mut self.buffer)?;
            if let Some(progress) = &self.progress {
                progress.inc(read as u64);
            }
            if read == 0 {
                self.eof = true;
            }
        }
        Ok(())
    }

    /// The first bytes of the input, for format detection (nothing is consumed).
    pub fn peek(&mut self, size: usize) -> std::io::Result<&[u8]> {
        self.fill(size)?;
        Ok(&self.buffer)
    }

    /// The next block; `spare`, a block parsed already, is reused for the bytes after the cut
    /// so the same few buffers go round (whatever the allocator keeps of freed ones).
    fn next_block(
        &mut self,
        format: &StreamFormat,
        spare: Option<Vec<u8>>,
    ) -> std::io::Result<Option<Block>> {
        let mut spare = spare;
        let mut want = self.block_size;
        loop {
            self.fill(want)?;
            if self.buffer.is_empty() {
                return Ok(None);
            }
            let cut = if self.eof && self.buffer.len() <= want {
                Some(self.buffer.len())
            } else {
                last_entry_start(&self.buffer, want, format)
            };
            if let Some(cut) = cut {
                let mut rest = spare.take().unwrap_or_default();
                rest.clear();
                rest.extend_from_slice(&self.buffer[cut..]);
                self.buffer.truncate(cut);
                let bytes = std::mem::replace(&mut self.buffer, rest);
                let first_line = self.next_line;
                self.next_line += memchr::memchr_iter(b'\n', &bytes).count() as u64;
                return Ok(Some(Block { bytes, first_line }));
            }
            // One entry larger than a block: read on until it ends.
            want = self.buffer.len().max(want) * 2;
        }
    }
}

/// Offset of the last line start in `buffer[1..=limit]` at which an entry begins.
fn last_entry_start(buffer: &[u8], limit: usize, format: &StreamFormat) -> Option<usize> {
    let limit = limit.min(buffer.len());
    memchr::memrchr_iter(b'\n', &buffer[..limit])
        .map(|newline| newline + 1)
        .filter(|&start| start < buffer.len())
        .find(|&start| {
            // A line cut by the end of the buffer cannot be judged yet.
            let rest = &buffer[start..];
            memchr::memchr(b'\n', rest)
                .is_some_and(|length| format.starts_entry(&rest[..length], rest))
        })
}

/// The lines of a block: `block.split('\n')`, with memchr (`str::split` searches for the
/// newline a byte at a time).
pub(super) fn lines(block: &str) -> impl Iterator<Item = &str> {
    let ends = memchr::memchr_iter(b'\n', block.as_bytes()).chain([block.len()]);
    ends.scan(0, |start, end| {
        let line = &block[*start..end];
        *start = end + 1;
        Some(line)
    })
}

/// Parses one block into a profile of its own; `sink` is the parsing thread's, kept from
/// block to block so its fingerprinter remembers the statements it has seen.
fn parse_block(block: &Block, format: &StreamFormat, sink: &mut RecordSink<'_>) -> Profile {
    // Validated with SIMD: every byte of the log passes here.
    let text = match simdutf8::basic::from_utf8(&block.bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            for (index, line) in block.bytes.split(|&b| b == b'\n').enumerate() {
                if std::str::from_utf8(line).is_err() {
                    sink.diagnose(block.first_line + index as u64, Kind::InvalidUtf8, || {
                        "not valid UTF-8; read with replacement characters".into()
                    });
                }
            }
            String::from_utf8_lossy(&block.bytes)
        }
    };
    match format {
        StreamFormat::Stderr(prefix) => stderr::parse_block(&text, block.first_line, prefix, sink),
        StreamFormat::Csvlog => csvlog::parse_block(&text, block.first_line, sink),
        StreamFormat::Jsonlog => jsonlog::parse_block(&text, block.first_line, sink),
        StreamFormat::Hosted(hosted) => hosted.parse_block(&text, block.first_line, sink),
    }
    std::mem::take(&mut sink.profile)
}

/// Reads the whole log with `threads` parsing threads; the profile is not `finish`ed.
pub fn ingest(
    mut blocks: BlockReader,
    format: &StreamFormat,
    file: &str,
    threads: usize,
) -> Result<Profile, InputError> {
    let threads = threads.max(1);
    let (block_tx, block_rx) = crossbeam_channel::bounded::<(usize, Block)>(threads);
    let (profile_tx, profile_rx) = crossbeam_channel::bounded::<(usize, Profile)>(threads);
    // Parsed blocks' buffers, back to the reader. Room for every buffer in flight (queued,
    // being parsed, being filled): one freed is one allocated afresh, its pages faulted in.
    let (spare_tx, spare_rx) = crossbeam_channel::bounded::<Vec<u8>>(2 * threads + 2);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (block_rx, profile_tx, spare_tx) =
                (block_rx.clone(), profile_tx.clone(), spare_tx.clone());
            scope.spawn(move || {
                let mut sink = RecordSink::new(file);
                for (index, block) in block_rx {
                    let profile = parse_block(&block, format, &mut sink);
                    // A full pool: the buffer is simply freed.
                    let _ = spare_tx.try_send(block.bytes);
                    if profile_tx.send((index, profile)).is_err() {
                        return;
                    }
                }
            });
        }
        drop((block_rx, profile_tx, spare_tx));
        let reader = scope.spawn(move || -> std::io::Result<()> {
            let mut index = 0;
            while let Some(block) = blocks.next_block(format, spare_rx.try_recv().ok())? {
                if block_tx.send((index, block)).is_err() {
                    break;
                }
                index += 1;
            }
            Ok(())
        });
        let mut total = Profile::default();
        let mut waiting = BTreeMap::new();
        let mut next = 0;
        for (index, profile) in profile_rx {
            waiting.insert(index, profile);
            while let Some(profile) = waiting.remove(&next) {
                total.merge(profile);
                next += 1;
            }
        }
        match reader.join() {
            Ok(Ok(())) => Ok(total),
            Ok(Err(error)) => Err(InputError::Read {
                path: file.to_string(),
                error,
            }),
            Err(_) => Err(InputError::Read {
                path: file.to_string(),
                error: std::io::Error::other("reader thread failed"),
            }),
        }
    })
}

impl BlockReader {
    /// What is left of the input: the buffered bytes are the caller's (see `peek`).
    pub fn into_reader(self) -> Box<dyn Read + Send> {
        self.reader
    }
}
