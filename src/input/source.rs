//! Opening an input: a file or stdin, gzip and zstd recognised by their magic bytes.

use super::InputError;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;

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
            .to_string()
    }
}

/// An opened input: decompressed bytes, and its on-disk size when it is a plain file.
pub struct Opened {
    pub reader: Box<dyn Read + Send>,
    pub plain_size: Option<u64>,
}

pub fn open(path: &InputPath) -> Result<Opened, InputError> {
    let name = path.display_name();
    let wrap = |source: io::Error| InputError::Open {
        path: name.clone(),
        source,
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
    let mut buffered = BufReader::with_capacity(1 << 16, raw);
    let magic = buffered.fill_buf().map_err(wrap)?;
    Ok(if magic.starts_with(&[0x1f, 0x8b]) {
        Opened {
            reader: Box::new(flate2::read::MultiGzDecoder::new(buffered)),
            plain_size: None,
        }
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Opened {
            reader: Box::new(zstd::stream::read::Decoder::with_buffer(buffered).map_err(wrap)?),
            plain_size: None,
        }
    } else {
        Opened {
            reader: Box::new(buffered),
            plain_size: size,
        }
    })
}
