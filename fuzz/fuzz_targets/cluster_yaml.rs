//! The cluster document loader on YAML (multi-document, Lists, v3 and crd.projectcalico.org/v1),
//! and the bundle's sanitizer of the same resources.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = netdiag_parsers::cluster::parse_resources(text);
    let _ = netdiag_parsers::cluster::sanitize::sanitize_resources(text, true);
});
