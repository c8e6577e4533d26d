//! The bundle archive reader (parsers::bundle): the bounded tar walk with the manifest checks, on
//! the raw tar stream — or through gzip when the input starts with gzip's magic. Members go to
//! memory (bounded by the input); what is kept must be exactly what the manifest lists.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netdiag_parsers::bundle::{read_gz, read_tar, Limits, Memory};

fuzz_target!(|data: &[u8]| {
    let mut mem = Memory::default();
    let r = if data.starts_with(&[0x1f, 0x8b]) {
        read_gz(data, &Limits::DEFAULT, &mut mem)
    } else {
        read_tar(data, &Limits::DEFAULT, &mut mem)
    };
    if let Ok(m) = r {
        // A verified bundle holds the manifest and exactly the listed members, each as listed.
        let listed: Vec<&str> = m.files.iter().map(|f| f.path.as_str()).collect();
        for name in mem.files.keys() {
            assert!(
                name == netdiag_core::bundle::MANIFEST || listed.contains(&name.as_str()),
                "unlisted member {name:?} accepted"
            );
        }
        for f in &m.files {
            let got = mem.files.get(&f.path).expect("listed member present");
            assert_eq!(got.len() as u64, f.size, "{}", f.path);
            assert_eq!(
                netdiag_core::bundle::sha256_hex(got),
                f.sha256,
                "{}",
                f.path
            );
        }
    }
});
