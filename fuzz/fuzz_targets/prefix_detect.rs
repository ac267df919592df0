//! `LinePrefix::detect` on an arbitrary sample; a detected prefix must then parse the
//! sample's lines without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planwise::input::prefix::LinePrefix;

fuzz_target!(|data: &[u8]| {
    match LinePrefix::detect(data) {
        Ok(prefix) => {
            for line in data.split(|&b| b == b'\n') {
                let _ = prefix.parse(line);
            }
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
