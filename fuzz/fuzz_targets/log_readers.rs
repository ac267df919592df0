//! Every log reader by name, and auto-detection, as `planwise --log FILE` drives them: the
//! bytes are written to a file and read with `read_inputs` (opening, decompression by magic
//! bytes, detection, block cutting, parsing on a worker thread, the never-a-silent-zero
//! verdict), then the profile is finished. Reading may fail with an error; it may not panic.
//!
//! Input: byte 0 picks the `--log-format` (auto first), byte 1 the `--log-line-prefix`
//! (low 3 bits; 0 = none, detect) and the block size (next 2 bits: small blocks cut the log
//! at many entry boundaries); the rest is the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planwise::input::ingest::BLOCK_SIZE;
use planwise::input::prefix::LinePrefix;
use planwise::input::source::InputPath;
use planwise::input::{LogFormat, ReadOptions, detect, read_inputs};
use std::path::PathBuf;
use std::sync::OnceLock;

const FORMATS: [LogFormat; 12] = [
    LogFormat::Auto,
    LogFormat::Stderr,
    LogFormat::Csvlog,
    LogFormat::Jsonlog,
    LogFormat::Rds,
    LogFormat::Azure,
    LogFormat::Syslog,
    LogFormat::Logplex,
    LogFormat::Cloudsql,
    LogFormat::Cnpg,
    LogFormat::Journald,
    LogFormat::AzureJson,
];

/// The fixtures' prefixes, RDS's, Azure's, Cloud SQL's and a pgBadger recommendation.
const PREFIXES: [Option<&str>; 8] = [
    None,
    Some("%m [%p] %q%u@%d/%a "),
    Some("%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h "),
    Some("%m %c %x %e "),
    Some("%t:%r:%u@%d:[%p]:"),
    Some("%t-%c-"),
    Some("[%p]: [%l-1] db=%d,user=%u "),
    Some("%m [%p] user=%u,db=%d "),
];

const BLOCK_SIZES: [usize; 4] = [BLOCK_SIZE, 64, 512, 4096];

/// One file per fuzzing process, on tmpfs when there is one.
fn input_file() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let shm = std::path::Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let directory = base.join(format!("planwise-fuzz-log-readers-{}", std::process::id()));
        std::fs::create_dir_all(&directory).expect("a scratch directory");
        directory.join("input.log")
    })
}

fuzz_target!(|data: &[u8]| {
    let [choice, shape, log @ ..] = data else {
        return;
    };
    let format = FORMATS[usize::from(*choice) % FORMATS.len()];
    let prefix = PREFIXES[usize::from(shape & 7)];
    let block_size = BLOCK_SIZES[usize::from((shape >> 3) & 3)];
    let _ = detect("input.log", log);
    std::fs::write(input_file(), log).expect("the scratch file is writable");
    let options = ReadOptions {
        format,
        prefix: prefix.map(LinePrefix::compile),
        threads: 1,
        progress: false,
        block_size,
    };
    if let Ok(mut profile) = read_inputs(&[InputPath::File(input_file().clone())], &options) {
        profile.finish();
    }
});
