//! The cluster document loader on JSON (`kubectl … -o json`: objects, Lists, concatenated
//! documents, the typed PodList fast path), and the bundle's sanitizer of the same resources. The
//! input is made to start as JSON so the YAML path is left to `cluster_yaml`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let text = match text.trim_start().as_bytes().first() {
        Some(b'{' | b'[') => std::borrow::Cow::Borrowed(text),
        _ => std::borrow::Cow::Owned(format!("{{{text}")),
    };
    let _ = netdiag_parsers::cluster::parse_resources(&text);
    let _ = netdiag_parsers::cluster::sanitize::sanitize_resources(&text, false);
});
