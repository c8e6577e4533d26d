//! `sysctl -a` text (a bundle's sysctl.txt), as `trace --from` reads it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = netdiag_parsers::sysctl::parse_sysctl(&text);
});
