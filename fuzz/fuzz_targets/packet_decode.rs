//! Packet decode (Ethernet/VLAN, Linux SLL, SLL2, raw IP → outer IP → VXLAN or IPIP → inner): the
//! first byte picks the link type and settings, the rest is the frame; the record then goes
//! through annotation, the text and `-v` lines, JSON and the summary.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netdiag_core::model::packet::PacketRecord;
use netdiag_parsers::packet::decode_into;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, frame)) = data.split_first() else {
        return;
    };
    let cfg = netdiag_fuzz::config(sel);
    // Bit 3: the frame was cut by the snaplen (the wire length is larger).
    let wire = u32::try_from(frame.len()).unwrap_or(u32::MAX) + if sel & 8 != 0 { 100 } else { 0 };
    let mut rec = PacketRecord::default();
    decode_into(
        &mut rec,
        netdiag_fuzz::link(sel),
        1_700_000_000_000_000_000,
        wire,
        frame,
        &cfg,
    );
    netdiag_fuzz::render(std::slice::from_mut(&mut rec));
});
