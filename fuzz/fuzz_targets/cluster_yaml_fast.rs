//! Differential: wherever the fast YAML reader (`parsers/src/cluster/fast_yaml.rs`) takes a
//! document, serde-saphyr must read the same value from it; the fast reader may only ever give up.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(why) = netdiag_parsers::cluster::fast_yaml_disagrees(text) {
        panic!("{why}");
    }
});
