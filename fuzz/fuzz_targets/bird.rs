//! BIRD control-socket replies (a bundle's bird-protocols.txt / bird-routes.txt, or pasted
//! `birdcl` output), as `node-status --from` reads them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = netdiag_parsers::bird::parse_protocols(&text);
    let _ = netdiag_parsers::bird::parse_routes(&text);
});
