//! The iproute2 text parser of `bridge fdb show`, on any text (invalid UTF-8 replaced, as a lossy read
//! would): an error is fine, a panic is not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = netdiag_parsers::iproute2::parse_fdb_text(&text);
});
