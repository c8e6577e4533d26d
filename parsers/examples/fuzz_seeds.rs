//! Seed inputs for the fuzz targets that take single frames (`packet_decode`, `packet_redact`):
//! every record of the classic pcap files given, written as one file each — the target's selector
//! byte (the link type) followed by the captured bytes; Ethernet frames also as raw IP and SLL2. pcapng and other formats are
//! skipped (libpcap reads those). Run by `scripts/fuzz.sh`; the output is never committed.
//!
//! `cargo run -p netdiag-parsers --example fuzz_seeds -- OUT_DIR FILE.pcap…`

use netdiag_core::model::packet::LinkType;
use netdiag_parsers::packet::link_type;
use netdiag_parsers::pcapfile::{
    global_header, record_header, FileKind, GLOBAL_HEADER_LEN, RECORD_HEADER_LEN,
};

fn selector(link: LinkType) -> u8 {
    // As in fuzz/src/lib.rs: the low two bits pick the link type.
    match link {
        LinkType::Ethernet => 0,
        LinkType::LinuxSll => 1,
        LinkType::LinuxSll2 => 2,
        LinkType::RawIp => 3,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(args.next().ok_or("usage: fuzz_seeds OUT_DIR FILE…")?);
    std::fs::create_dir_all(&out)?;
    let mut n = 0usize;
    for file in args {
        let data = std::fs::read(&file)?;
        let FileKind::Pcap(g) = global_header(&data) else {
            continue;
        };
        let Some(link) = link_type(i32::from(g.linktype)) else {
            continue;
        };
        let mut at = GLOBAL_HEADER_LEN;
        while let Some(Ok(r)) = data.get(at..).and_then(|b| record_header(b, &g)) {
            let start = at + RECORD_HEADER_LEN;
            let Some(frame) = data.get(start..start + r.caplen as usize) else {
                break;
            };
            let mut seeds = vec![(selector(link), frame.to_vec())];
            // An Ethernet frame also gives the same packet as raw IP and behind a Linux SLL2
            // header (protocol, reserved, ifindex, ARPHRD_ETHER, packet type, address), so every
            // link type has seeds.
            if link == LinkType::Ethernet && frame.len() > 14 {
                seeds.push((selector(LinkType::RawIp), frame[14..].to_vec()));
                let mut sll2 = frame[12..14].to_vec();
                sll2.extend_from_slice(&[0, 0, 0, 0, 0, 2, 0, 1, 0, 6]);
                sll2.extend_from_slice(&frame[6..12]);
                sll2.extend_from_slice(&[0, 0]);
                sll2.extend_from_slice(&frame[14..]);
                seeds.push((selector(LinkType::LinuxSll2), sll2));
            }
            for (sel, bytes) in seeds {
                let mut seed = vec![sel];
                seed.extend_from_slice(&bytes);
                std::fs::write(out.join(format!("frame-{n:05}")), seed)?;
                n += 1;
            }
            at = start + r.caplen as usize;
        }
    }
    eprintln!("fuzz_seeds: {n} frames in {}", out.display());
    Ok(())
}
