//! Benchmark of the `netdiag capture` hot path per packet: decoding a frame (parsers), naming it
//! and adding the intent's anomalies through the flow table (core `Stats::record`), and writing its
//! text line or JSON line. The frames are the ordinary kinds of the lab-shaped mix (VXLAN TCP/ICMP/UDP, IPIP,
//! direct); the intent is the lab's (`testdata/pcap/lab`). Run with
//! `cargo bench -p netdiag-parsers --bench capture_decode`; `scripts/bench-capture.sh` compares the
//! whole command with `tcpdump -nr` on a 2-million-packet file in one run.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use etherparse::PacketBuilder;
use netdiag_core::model::packet::LinkType;
use netdiag_core::packet::{json, text, Annotator, Lines, Stats};
use netdiag_parsers::cluster::parse_resources;
use netdiag_parsers::packet::{decode, vxlan_header, DecodeConfig};

const NODE_A: [u8; 4] = [10, 10, 10, 11];
const NODE_B: [u8; 4] = [10, 10, 20, 13];
const POD_A: [u8; 4] = [192, 168, 2, 2];
const POD_B: [u8; 4] = [192, 168, 4, 2];

fn vxlan(inner: &[u8]) -> Vec<u8> {
    let mut payload = vxlan_header(4096).to_vec();
    payload.extend_from_slice(&[0x66, 0x5a, 0xcd, 0xe9, 0x86, 0x51]);
    payload.extend_from_slice(&[0x66, 0x11, 0x22, 0x33, 0x44, 0x55]);
    payload.extend_from_slice(&[0x08, 0x00]);
    payload.extend_from_slice(inner);
    let mut v = Vec::new();
    PacketBuilder::ethernet2([2; 6], [4; 6])
        .ipv4(NODE_A, NODE_B, 64)
        .udp(43122, 4789)
        .write(&mut v, &payload)
        .expect("frame");
    v
}

fn frames() -> Vec<Vec<u8>> {
    let mut tcp = Vec::new();
    PacketBuilder::ipv4(POD_A, POD_B, 63)
        .tcp(43122, 80, 1000, 64240)
        .ack(1)
        .write(&mut tcp, &[0x61; 200])
        .expect("tcp");
    let mut ping = Vec::new();
    PacketBuilder::ipv4(POD_A, POD_B, 63)
        .icmpv4_echo_request(7, 1)
        .write(&mut ping, &[0x42; 56])
        .expect("ping");
    let mut udp = Vec::new();
    PacketBuilder::ipv4(POD_B, POD_A, 63)
        .udp(5353, 53)
        .write(&mut udp, &[0; 40])
        .expect("udp");
    let mut ipip = Vec::new();
    PacketBuilder::ethernet2([2; 6], [4; 6])
        .ipv4(NODE_B, NODE_A, 64)
        .write(&mut ipip, etherparse::IpNumber(4), &ping)
        .expect("ipip");
    let mut direct = Vec::new();
    PacketBuilder::ethernet2([2; 6], [4; 6])
        .ipv4(POD_A, [192, 168, 3, 2], 63)
        .tcp(41000, 443, 1, 64240)
        .syn()
        .write(&mut direct, &[])
        .expect("direct");
    vec![vxlan(&tcp), vxlan(&ping), vxlan(&udp), ipip, direct]
}

fn lab_intent() -> netdiag_core::ClusterIntent {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/pcap/lab/cluster");
    let mut all = String::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("testdata/pcap/lab/cluster")
        .map(|e| e.expect("dir entry").path())
        .collect();
    files.sort();
    for f in files {
        all.push_str(&std::fs::read_to_string(&f).expect("intent file"));
        all.push_str("\n---\n");
    }
    parse_resources(&all).expect("lab intent")
}

fn bench(c: &mut Criterion) {
    let frames = frames();
    let cfg = DecodeConfig::default();
    let ann = Annotator::new(&lab_intent());
    let mut g = c.benchmark_group("capture");
    g.throughput(Throughput::Elements(frames.len() as u64));
    g.bench_function("decode", |b| {
        b.iter(|| {
            for f in &frames {
                black_box(decode(LinkType::Ethernet, 0, f.len() as u32, f, &cfg));
            }
        })
    });
    g.bench_function("decode+record", |b| {
        let mut stats = Stats::new(&ann);
        b.iter(|| {
            for f in &frames {
                let mut rec = decode(LinkType::Ethernet, 0, f.len() as u32, f, &cfg);
                black_box(stats.record(&mut rec));
            }
        })
    });
    // As `capture -r` writes lines: into a batch's `Lines`, the text from its flow's pieces.
    g.bench_function("decode+record+text", |b| {
        let mut stats = Stats::new(&ann);
        let mut out = Lines::with_capacity(1 << 16);
        b.iter(|| {
            out.clear();
            for f in &frames {
                let mut rec = decode(LinkType::Ethernet, 0, f.len() as u32, f, &cfg);
                let (names, flow) = stats.record_text(&mut rec);
                text::write_line(&mut out, &rec, names, flow, false);
            }
            black_box(out.len())
        })
    });
    g.bench_function("decode+record+json", |b| {
        let mut stats = Stats::new(&ann);
        let mut out = Lines::with_capacity(1 << 16);
        b.iter(|| {
            out.clear();
            for f in &frames {
                let mut rec = decode(LinkType::Ethernet, 0, f.len() as u32, f, &cfg);
                let names = stats.record(&mut rec);
                json::write_line(&mut out, &rec, &names);
            }
            black_box(out.len())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
