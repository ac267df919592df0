//! Opening an input: a file or stdin, gzip, zstd and bzip2 recognised by their magic bytes.

use super::InputError;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// Where an input comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputPath {
    Stdin,
    File(PathBuf),
}

impl InputPath {
    /// How diagnostics name it.
    pub fn display_name(&self) -> String {
        match self {
            InputPath::Stdin => "<stdin>".to_string(),
            InputPath::File(path) => path.display().to_string(),
        }
    }

    /// The file name without compression suffix, lower-cased (for format guesses).
    pub fn logical_name(&self) -> String {
        let name = match self {
            InputPath::Stdin => return String::new(),
            InputPath::File(path) => path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_lowercase(),
        };
        name.trim_end_matches(".gz")
            .trim_end_matches(".zst")
            .trim_end_matches(".bz2")
            .to_string()
    }
}

/// An opened input: decompressed bytes, and its on-disk size when it is a plain file.
pub struct Opened {
    pub reader: Box<dyn Read + Send>,
    pub plain_size: Option<u64>,
    /// Set when the compressed data turned out damaged (cut short, or followed by bytes
    /// that are not another stream): the reader ended there, with what came before.
    pub damage: Arc<OnceLock<Damage>>,
}

/// Where a compressed input stopped making sense.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// Offset in the file of the first compressed byte not read.
    pub offset: u64,
    /// Decompressed bytes read before it (all of them were used).
    pub decompressed: u64,
    /// What the decompressor said.
    pub reason: String,
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "compressed data damaged at byte {} ({}); the {} bytes before it were read",
            self.offset, self.reason, self.decompressed
        )
    }
}

pub fn open(path: &InputPath) -> Result<Opened, InputError> {
    let name = path.display_name();
    let wrap = |error: io::Error| InputError::Open {
        path: name.clone(),
        error,
    };
    let (raw, size): (Box<dyn Read + Send>, Option<u64>) = match path {
        InputPath::Stdin => (Box::new(io::stdin()), None),
        InputPath::File(file) => {
            let handle = File::open(file).map_err(wrap)?;
            let metadata = handle.metadata().map_err(wrap)?;
            if metadata.is_dir() {
                return Err(wrap(io::Error::other("is a directory")));
            }
            (Box::new(handle), Some(metadata.len()))
        }
    };
    let mut peek = BufReader::with_capacity(1 << 16, raw);
    let magic = peek.fill_buf().map_err(wrap)?;
    let compression = Compression::of(magic);
    let damage = Arc::new(OnceLock::new());
    // A plain input is read as it is: under `Counted`, whose `Read` cannot pass on
    // `read_buf` on stable Rust, every block buffer was zeroed before each read (a twentieth
    // of the instructions of reading a stderr log). Counted from the start of the file, the
    // compressed bytes' offsets stay right.
    let Some(compression) = compression else {
        return Ok(Opened {
            reader: Box::new(peek),
            plain_size: size,
            damage,
        });
    };
    let counted: Box<dyn Read + Send> = Box::new(peek);
    let buffered = BufReader::with_capacity(1 << 16, Counted::new(counted));
    let decoder: Box<dyn Decoder> = match compression {
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buffered)),
        Compression::Zstd => {
            Box::new(zstd::stream::read::Decoder::with_buffer(buffered).map_err(wrap)?)
        }
        Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(buffered)),
    };
    Ok(Opened {
        reader: Box::new(Guarded {
            decoder,
            decompressed: 0,
            damage: Arc::clone(&damage),
        }),
        plain_size: None,
        damage,
    })
}

/// The compressions recognised by their first bytes.
enum Compression {
    Gzip,
    Zstd,
    Bzip2,
}

impl Compression {
    fn of(magic: &[u8]) -> Option<Compression> {
        if magic.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Compression::Zstd)
        } else if is_bzip2(magic) {
            Some(Compression::Bzip2)
        } else {
            None
        }
    }
}

/// `BZh`, a block size digit, then a block's or the end-of-stream marker's magic (pi's or
/// sqrt(pi)'s first digits in BCD): a text log that happens to begin with `BZh1` is not
/// taken for bzip2.
fn is_bzip2(magic: &[u8]) -> bool {
    matches!(magic, [b'B', b'Z', b'h', b'1'..=b'9', rest @ ..]
        if rest.starts_with(&[0x31, 0x41, 0x59, 0x26, 0x53, 0x59])
            || rest.starts_with(&[0x17, 0x72, 0x45, 0x38, 0x50, 0x90]))
}

/// The raw input, counting the bytes read from it and remembering whether reading failed
/// (so that a decompressor's error can be told from the disk's).
struct Counted {
    inner: Box<dyn Read + Send>,
    read: u64,
    failed: bool,
}

impl Counted {
    fn new(inner: Box<dyn Read + Send>) -> Self {
        Counted {
            inner,
            read: 0,
            failed: false,
        }
    }
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let result = self.inner.read(buf);
        match &result {
            Ok(read) => self.read += *read as u64,
            Err(error) => self.failed |= error.kind() != io::ErrorKind::Interrupted,
        }
        result
    }
}

/// A decompressor reading from the counted, buffered input.
trait Decoder: Read + Send {
    fn source(&self) -> &BufReader<Counted>;

    /// Compressed bytes consumed: read from the file and no longer buffered.
    fn consumed(&self) -> u64 {
        let source = self.source();
        source.get_ref().read - source.buffer().len() as u64
    }
}

impl Decoder for flate2::bufread::MultiGzDecoder<BufReader<Counted>> {
    fn source(&self) -> &BufReader<Counted> {
        self.get_ref()
    }
}

impl Decoder for zstd::stream::read::Decoder<'static, BufReader<Counted>> {
    fn source(&self) -> &BufReader<Counted> {
        self.get_ref()
    }
}

impl Decoder for bzip2::bufread::MultiBzDecoder<BufReader<Counted>> {
    fn source(&self) -> &BufReader<Counted> {
        self.get_ref()
    }
}

/// Ends the decompressed stream at the first damage instead of failing it, and records
/// where: a log cut short by a full disk or a broken copy still has its first part.
struct Guarded {
    decoder: Box<dyn Decoder>,
    decompressed: u64,
    damage: Arc<OnceLock<Damage>>,
}

impl Read for Guarded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.damage.get().is_some() {
            return Ok(0);
        }
        match self.decoder.read(buf) {
            Ok(read) => {
                self.decompressed += read as u64;
                Ok(read)
            }
            Err(error)
                if error.kind() == io::ErrorKind::Interrupted
                    || self.decoder.source().get_ref().failed =>
            {
                Err(error)
            }
            Err(error) => {
                let _ = self.damage.set(Damage {
                    offset: self.decoder.consumed(),
                    decompressed: self.decompressed,
                    reason: error.to_string(),
                });
                Ok(0)
            }
        }
    }
}
