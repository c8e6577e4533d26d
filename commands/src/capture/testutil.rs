//! Test inputs shared by the capture module's tests: the lab's intent and a many-batch file.

use std::path::{Path, PathBuf};

use netdiag_parsers::pcapfile::{write_global_header, write_record};

use crate::source::pcap::{open_file, Next, Packets};

pub(crate) fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/pcap")
}

pub(crate) fn lab_intent() -> netdiag_core::ClusterIntent {
    let dir = testdata().join("lab/cluster");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("lab intent")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let all: String = files
        .iter()
        .map(|f| std::fs::read_to_string(f).expect("read") + "\n---\n")
        .collect();
    netdiag_parsers::cluster::parse_resources(&all).expect("lab intent")
}

/// mix.pcap's packets (every kind and anomaly) over and over: many batches' worth. Returns
/// the file and how many packets it holds.
pub(crate) fn repeated_mix(dir: &Path, times: usize) -> (PathBuf, u64) {
    let mut src = open_file(&testdata().join("mix.pcap")).expect("mix.pcap");
    let mut packets = Vec::new();
    while let Ok(Next::Packet(p)) = src.next() {
        packets.push((p.ts_ns, p.wire_len, p.data.to_vec()));
    }
    let mut f = Vec::new();
    write_global_header(&mut f, 1, 262_144);
    for i in 0..times {
        for (ts, wire, data) in &packets {
            write_record(&mut f, ts + i as i64, *wire, data);
        }
    }
    let p = dir.join("many.pcap");
    std::fs::write(&p, f).expect("write");
    (p, (packets.len() * times) as u64)
}
