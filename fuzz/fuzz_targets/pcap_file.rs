//! The classic pcap reader (parsers::pcapfile) walked as `capture -r` walks a file: the global
//! header, then record after record (each header's caplen bounded, the data sliced from what is
//! left), every record decoded and rendered; stops at the first bad or cut record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netdiag_core::model::packet::PacketRecord;
use netdiag_parsers::packet::{decode_into, link_type, DecodeConfig};
use netdiag_parsers::pcapfile::{
    global_header, record_header, FileKind, GLOBAL_HEADER_LEN, RECORD_HEADER_LEN,
};

fuzz_target!(|data: &[u8]| {
    let FileKind::Pcap(g) = global_header(data) else {
        return;
    };
    let Some(link) = link_type(i32::from(g.linktype)) else {
        return;
    };
    let cfg = DecodeConfig::default();
    let mut recs = Vec::new();
    let mut at = GLOBAL_HEADER_LEN;
    while at < data.len() {
        let Some(Ok(r)) = record_header(&data[at..], &g) else {
            break;
        };
        let start = at + RECORD_HEADER_LEN;
        let Some(frame) = data.get(start..start + r.caplen as usize) else {
            break;
        };
        let mut rec = PacketRecord::default();
        decode_into(&mut rec, link, r.ts_ns, r.wire_len, frame, &cfg);
        recs.push(rec);
        at = start + r.caplen as usize;
    }
    netdiag_fuzz::render(&mut recs);
});
