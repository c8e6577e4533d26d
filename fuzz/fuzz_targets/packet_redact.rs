//! Packet redaction for bundles: a frame (first byte: link type, whether the map changes family)
//! redacted in place, the kept part decoded again; and a whole classic pcap file when the input
//! is one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netdiag_parsers::packet::redact::{redact_frame, redact_pcap};
use netdiag_parsers::packet::{decode, DecodeConfig};

fuzz_target!(|data: &[u8]| {
    if data.len() >= 4
        && matches!(
            data[..4],
            [0xd4, 0xc3, 0xb2, 0xa1]
                | [0xa1, 0xb2, 0xc3, 0xd4]
                | [0x4d, 0x3c, 0xb2, 0xa1]
                | [0xa1, 0xb2, 0x3c, 0x4d]
        )
    {
        let mut map = netdiag_fuzz::redaction_map(data.len() % 2 == 1);
        let _ = redact_pcap(data, &[4789], &mut map);
        return;
    }
    let Some((&sel, frame)) = data.split_first() else {
        return;
    };
    let link = netdiag_fuzz::link(sel);
    let mut frame = frame.to_vec();
    let mut map = netdiag_fuzz::redaction_map(sel & 0x80 != 0);
    let keep = redact_frame(link, &mut frame, &[4789, 8472], &mut map);
    assert!(
        keep <= frame.len(),
        "redact_frame keeps {keep} of {} bytes",
        frame.len()
    );
    let kept = &frame[..keep];
    let _ = decode(
        link,
        0,
        u32::try_from(frame.len()).unwrap_or(u32::MAX),
        kept,
        &DecodeConfig::default(),
    );
});
