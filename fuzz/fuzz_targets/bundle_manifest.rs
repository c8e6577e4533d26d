//! The bundle manifest check of the core: `manifest.json` parsed and checked (schema, member
//! names), then verified against members named after its own entries (and one it does not list).
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use netdiag_core::bundle::manifest::check_member_name;
use netdiag_core::bundle::Manifest;

fuzz_target!(|data: &[u8]| {
    if let Ok(name) = std::str::from_utf8(data) {
        let _ = check_member_name(name);
    }
    let Ok(m) = Manifest::parse(data) else {
        return;
    };
    let mut members = BTreeMap::new();
    for f in &m.files {
        assert!(check_member_name(&f.path).is_ok(), "{:?} accepted", f.path);
        members.insert(f.path.clone(), f.path.as_bytes().to_vec());
    }
    let _ = m.verify(&members);
    members.insert("unlisted".into(), Vec::new());
    let _ = m.verify(&members);
    let _ = serde_json::to_string(&m);
});
